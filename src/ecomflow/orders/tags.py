"""Automatic order tags: what a packer or an owner should see at a glance.

>>> from ecomflow.testing import sample_order
>>> from datetime import UTC, datetime
>>> order = sample_order(paid=True, method="parcel_locker")
>>> sorted(auto_tags(order, now=datetime(2026, 11, 24, 10, 0, tzinfo=UTC)))
['parcel-locker', 'ship-today']
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ecomflow.clock import ensure_aware
from ecomflow.orders.models import DeliveryMethod, Order

__all__ = ["Tag", "TagPolicy", "auto_tags"]


class Tag(StrEnum):
    """Tags ecomflow sets itself (shops may add their own strings)."""

    SHIP_TODAY = "ship-today"
    PICKUP = "pickup"
    PARCEL_LOCKER = "parcel-locker"
    MADE_TO_ORDER = "made-to-order"
    HIGH_PRIORITY = "high-priority"
    VERIFICATION = "verification"
    OUT_OF_STOCK = "out-of-stock"


class TagPolicy(BaseModel):
    """Thresholds for :func:`auto_tags`.

    ``cutoff`` is a plain local time for ``ship-today``; carrier-specific cut-offs
    and holidays live in :mod:`ecomflow.shipping`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    cutoff: time = time(15, 0)
    timezone: str = "Europe/Warsaw"
    high_priority_totals: dict[str, Decimal] = Field(
        default_factory=lambda: {"PLN": Decimal(1000), "EUR": Decimal(250)},
        description="Cart value per currency from which an order is high priority.",
    )
    vip_is_high_priority: bool = True

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name") from None
        return value


def auto_tags(order: Order, policy: TagPolicy | None = None, *, now: datetime) -> set[str]:
    """The tags ``order`` should carry now (pure: the order is not changed).

    - ``ship-today``: paid (or COD, counted from creation) today before the cut-off;
    - ``pickup`` / ``parcel-locker``: the delivery method;
    - ``made-to-order``: a line is made to order;
    - ``high-priority``: the total reaches the policy's threshold, or a VIP customer.
    """
    policy = policy or TagPolicy()
    zone = ZoneInfo(policy.timezone)
    local_now = ensure_aware(now, "now").astimezone(zone)
    tags: set[str] = set()

    accepted = order.payment.paid_at if order.is_paid else None
    if accepted is None and order.payment.cod:
        accepted = order.created_at
    if accepted is not None:
        local = accepted.astimezone(zone)
        if local.date() == local_now.date() and local.time() < policy.cutoff:
            tags.add(Tag.SHIP_TODAY)

    if order.delivery.method is DeliveryMethod.PICKUP:
        tags.add(Tag.PICKUP)
    elif order.delivery.method is DeliveryMethod.PARCEL_LOCKER:
        tags.add(Tag.PARCEL_LOCKER)
    if any(line.made_to_order for line in order.lines):
        tags.add(Tag.MADE_TO_ORDER)

    threshold = policy.high_priority_totals.get(order.currency)
    if (threshold is not None and order.total.amount >= threshold) or (
        policy.vip_is_high_priority and order.customer.vip
    ):
        tags.add(Tag.HIGH_PRIORITY)
    return {str(t) for t in tags}
