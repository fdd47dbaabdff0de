from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from ecomflow import Money
from ecomflow.calendar import BusinessCalendar
from ecomflow.orders import (
    DeliveryMethod,
    Order,
    OrderStatus,
    ShippingPlan,
    Tag,
    TagPolicy,
    auto_tags,
)
from ecomflow.orders.tags import DERIVED_TAGS, refresh_auto_tags
from ecomflow.parcels import Parcel
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


# -- issue 16 item 22: tags agree with the order ----------------------------------------
#
# Dates worked out by hand: 2026-12-24 is a Thursday and a Polish public holiday
# (Christmas Eve, since 2025); 2026-11-27 is a Friday, 2026-11-28 a Saturday,
# 2026-11-30 a Monday. Warsaw is UTC+1 in November and December.

WARSAW = ZoneInfo("Europe/Warsaw")


def warsaw(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=WARSAW)


def paid_at(moment: datetime, **kwargs: Any) -> Order:
    order = sample_order(paid=True, created_at=moment, **kwargs)
    assert order.payment.paid_at == moment
    return order


def plan(order: Order, ship: date) -> ShippingPlan:
    return ShippingPlan(
        service_id="inpost_locker_standard",
        carrier="inpost",
        ship_date=ship,
        promised_delivery=ship + timedelta(days=1),
        parcels=[Parcel(weight_kg=1, length_cm=30, width_cm=20, height_cm=8)],
        decided_at=order.created_at,
    )


def test_item22_no_ship_today_on_christmas_eve() -> None:
    moment = warsaw(date(2026, 12, 24), 10)
    tags = auto_tags(paid_at(moment), now=moment, calendar=BusinessCalendar())
    assert Tag.SHIP_TODAY not in tags


def test_item22_no_ship_today_on_a_saturday() -> None:
    moment = warsaw(date(2026, 11, 28), 10)
    assert Tag.SHIP_TODAY not in auto_tags(paid_at(moment), now=moment, calendar=BusinessCalendar())


def test_item22_the_default_calendar_is_polish_too() -> None:
    moment = warsaw(date(2026, 12, 24), 10)
    assert Tag.SHIP_TODAY not in auto_tags(paid_at(moment), now=moment)


def test_item22_a_working_saturday_in_the_calendar_ships_today() -> None:
    saturday = date(2026, 11, 28)
    moment = warsaw(saturday, 10)
    calendar = BusinessCalendar(open=[saturday])
    assert Tag.SHIP_TODAY in auto_tags(paid_at(moment), now=moment, calendar=calendar)


def test_item22_a_closed_warehouse_day_does_not_ship_today() -> None:
    tuesday = date(2026, 11, 24)
    moment = warsaw(tuesday, 10)
    calendar = BusinessCalendar(closed=[tuesday])
    assert Tag.SHIP_TODAY not in auto_tags(paid_at(moment), now=moment, calendar=calendar)


def test_item22_paid_after_friday_cutoff_ships_on_monday() -> None:
    order = paid_at(warsaw(date(2026, 11, 27), 16))
    calendar = BusinessCalendar()
    assert Tag.SHIP_TODAY not in auto_tags(
        order, now=warsaw(date(2026, 11, 27), 16), calendar=calendar
    )
    assert Tag.SHIP_TODAY not in auto_tags(
        order, now=warsaw(date(2026, 11, 28), 9), calendar=calendar
    )
    assert Tag.SHIP_TODAY in auto_tags(order, now=warsaw(date(2026, 11, 30), 8), calendar=calendar)


def test_item22_the_chosen_ship_date_wins_over_the_tag_cutoff() -> None:
    tuesday = date(2026, 11, 24)
    # Paid at 14:00, before the tag policy's 15:00, but the chosen service's
    # cut-off had passed: the plan says Wednesday.
    order = paid_at(warsaw(tuesday, 14))
    order.shipping = plan(order, date(2026, 11, 25))
    assert Tag.SHIP_TODAY not in auto_tags(order, now=warsaw(tuesday, 14, 5))
    assert Tag.SHIP_TODAY in auto_tags(order, now=warsaw(date(2026, 11, 25), 8))
    # Paid after 15:00 but the carrier picks up at 17:00: the plan says today.
    late = paid_at(warsaw(tuesday, 16))
    late.shipping = plan(late, tuesday)
    assert Tag.SHIP_TODAY in auto_tags(late, now=warsaw(tuesday, 16, 5))


def test_item22_a_shipped_or_cancelled_order_is_not_ship_today() -> None:
    moment = warsaw(date(2026, 11, 24), 10)
    for status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED):
        order = paid_at(moment)
        order.status = status
        assert Tag.SHIP_TODAY not in auto_tags(order, now=moment), status


def test_item22_delivery_tags_follow_the_final_delivery_method() -> None:
    moment = warsaw(date(2026, 11, 24), 10)
    order = sample_order(method="parcel_locker", created_at=moment)
    assert {Tag.PARCEL_LOCKER} == auto_tags(order, now=moment) & {Tag.PARCEL_LOCKER, Tag.PICKUP}
    order.delivery.method = DeliveryMethod.PICKUP
    assert {Tag.PICKUP} == auto_tags(order, now=moment) & {Tag.PARCEL_LOCKER, Tag.PICKUP}
    order.delivery.method = DeliveryMethod.COURIER
    assert set() == auto_tags(order, now=moment) & {Tag.PARCEL_LOCKER, Tag.PICKUP}


def test_item22_derived_tags_are_documented() -> None:
    assert {
        "ship-today",
        "pickup",
        "parcel-locker",
        "made-to-order",
        "high-priority",
    } == DERIVED_TAGS
    assert Tag.VERIFICATION not in DERIVED_TAGS  # set by the checks, kept on refresh
    assert Tag.OUT_OF_STOCK not in DERIVED_TAGS  # set by the stock step, kept on refresh


def test_item22_refresh_removes_a_stale_parcel_locker_and_keeps_other_tags() -> None:
    moment = warsaw(date(2026, 11, 24), 10)
    order = sample_order(method="parcel_locker", paid=True, created_at=moment)
    first = refresh_auto_tags(order, now=moment)
    assert order.tags == {"parcel-locker", "ship-today"}
    assert first.added == ("parcel-locker", "ship-today")
    order.tags |= {"gift-wrap", "verification"}  # a person, then the checks
    order.delivery.method = DeliveryMethod.COURIER  # the customer changed their mind
    second = refresh_auto_tags(order, now=moment, previous=first.derived)
    assert order.tags == {"ship-today", "gift-wrap", "verification"}
    assert (second.added, second.removed) == ((), ("parcel-locker",))


def test_item22_refresh_is_idempotent() -> None:
    moment = warsaw(date(2026, 11, 24), 10)
    order = sample_order(method="pickup", paid=True, vip=True, created_at=moment)
    order.tags.add("gift-wrap")
    first = refresh_auto_tags(order, now=moment)
    after_first = set(order.tags)
    second = refresh_auto_tags(order, now=moment, previous=first.derived)
    third = refresh_auto_tags(order, now=moment)
    assert order.tags == after_first == {"gift-wrap", "pickup", "high-priority", "ship-today"}
    assert (second.added, second.removed) == ((), ())
    assert (third.added, third.removed) == ((), ())
    assert not second.changed


def test_item22_refresh_keeps_a_derived_name_a_rule_set_when_told_what_was_derived() -> None:
    moment = warsaw(date(2026, 11, 24), 10)
    order = sample_order(created_at=moment)
    first = refresh_auto_tags(order, now=moment)
    assert first.derived == frozenset()
    order.tags.add("high-priority")  # a rule with its own threshold said so
    refresh_auto_tags(order, now=moment, previous=first.derived)
    assert "high-priority" in order.tags
    # Without ``previous`` every tag with a derived name is recomputed.
    refresh_auto_tags(order, now=moment)
    assert "high-priority" not in order.tags


def test_item22_ship_today_is_dropped_the_next_day() -> None:
    tuesday = date(2026, 11, 24)
    order = paid_at(warsaw(tuesday, 10))
    refresh_auto_tags(order, now=warsaw(tuesday, 10))
    assert Tag.SHIP_TODAY in order.tags
    refresh_auto_tags(order, now=warsaw(date(2026, 11, 25), 10))
    assert Tag.SHIP_TODAY not in order.tags
