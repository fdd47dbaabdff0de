from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from pydantic import ValidationError

from ecomflow import Money
from ecomflow.orders import Tag, TagPolicy, auto_tags
from ecomflow.testing import sample_order

# 2026-11-24 is a Tuesday; Warsaw is UTC+1 in November.
MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 10:00 in Warsaw


def test_ship_today_before_cutoff() -> None:
    paid_at = datetime(2026, 11, 24, 13, 59, tzinfo=UTC)  # 14:59 Warsaw
    order = sample_order(paid=True, created_at=paid_at)
    assert Tag.SHIP_TODAY in auto_tags(order, now=paid_at)


@pytest.mark.parametrize("minute", [0, 1])
def test_no_ship_today_at_or_after_cutoff(minute: int) -> None:
    paid_at = datetime(2026, 11, 24, 14, minute, tzinfo=UTC)  # 15:00 / 15:01 Warsaw
    order = sample_order(paid=True, created_at=paid_at)
    assert Tag.SHIP_TODAY not in auto_tags(order, now=paid_at)


def test_ship_today_only_on_the_day() -> None:
    order = sample_order(paid=True, created_at=MORNING)
    assert Tag.SHIP_TODAY not in auto_tags(order, now=datetime(2026, 11, 25, 9, tzinfo=UTC))


def test_unpaid_is_not_ship_today_but_cod_is() -> None:
    assert Tag.SHIP_TODAY not in auto_tags(sample_order(created_at=MORNING), now=MORNING)
    assert Tag.SHIP_TODAY in auto_tags(sample_order(cod=True, created_at=MORNING), now=MORNING)


def test_delivery_and_made_to_order_tags() -> None:
    assert Tag.PICKUP in auto_tags(sample_order(method="pickup"), now=MORNING)
    assert Tag.PARCEL_LOCKER in auto_tags(sample_order(method="parcel_locker"), now=MORNING)
    order = sample_order()
    order.lines = [order.lines[0].model_copy(update={"made_to_order": True})]
    assert Tag.MADE_TO_ORDER in auto_tags(order, now=MORNING)


def test_high_priority_by_value_or_vip() -> None:
    cheap = sample_order(lines={"A": (1, "999.99")})
    dear = sample_order(lines={"A": (1, "1000.00")})
    assert Tag.HIGH_PRIORITY not in auto_tags(cheap, now=MORNING)
    assert Tag.HIGH_PRIORITY in auto_tags(dear, now=MORNING)
    assert Tag.HIGH_PRIORITY in auto_tags(sample_order(vip=True), now=MORNING)
    no_vip = TagPolicy(vip_is_high_priority=False)
    assert Tag.HIGH_PRIORITY not in auto_tags(sample_order(vip=True), no_vip, now=MORNING)
    eur = sample_order(lines={"A": (1, "300")}, currency="EUR")
    assert Tag.HIGH_PRIORITY in auto_tags(eur, now=MORNING)
    assert eur.total == Money(300, "EUR")


def test_policy_is_validated_and_pure() -> None:
    with pytest.raises(ValidationError, match="unknown time zone"):
        TagPolicy(timezone="Mars/Olympus")
    policy = TagPolicy(cutoff=time(12, 0))
    order = sample_order(paid=True, created_at=MORNING)
    before = order.model_dump()
    auto_tags(order, policy, now=MORNING)
    assert order.model_dump() == before
    with pytest.raises(ValueError, match="timezone-aware"):
        auto_tags(order, now=datetime(2026, 11, 24, 9))
