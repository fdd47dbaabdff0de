"""Tracking exceptions: find parcels that need a delay message, once per incident.

>>> from datetime import UTC, datetime
>>> from ecomflow.calendar import BusinessCalendar
>>> from ecomflow.orders import ShipmentRef
>>> from ecomflow.testing import FrozenClock, sample_order
>>> from ecomflow.orders import OrderFlow
>>> order = sample_order(paid=True); order.reservation_id = "r"
>>> order.shipment = ShipmentRef(carrier="inpost", tracking_number="6001")
>>> flow = OrderFlow(order, clock=FrozenClock(datetime(2026, 11, 23, 12, tzinfo=UTC)))
>>> for event in ("pay", "mark_ready", "pack", "ship"): _ = flow.send(event)
>>> [e.reason.value for e in find_exceptions([order], datetime(2026, 11, 25, 12, tzinfo=UTC),
...                                           BusinessCalendar())]
['not_picked_up']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from ecomflow.calendar import BusinessCalendar
from ecomflow.orders.models import Order
from ecomflow.orders.status import OrderStatus
from ecomflow.shipping.tracking import TrackingEvent, TrackingStatus

__all__ = ["DelayReason", "TrackingException", "find_exceptions"]


class DelayReason(StrEnum):
    """Why a delay message goes out."""

    NO_MOVEMENT = "no_movement"
    NOT_PICKED_UP = "not_picked_up"
    PROMISE_MISSED = "promise_missed"
    CARRIER_EXCEPTION = "carrier_exception"


@dataclass(frozen=True)
class TrackingException:
    """A parcel that needs attention; ``key`` is the same on every poll of one incident."""

    order_id: str
    reason: DelayReason
    detail: str
    key: str


def exception_key(order_id: str, carrier_status: str) -> str:
    """The incident key of a carrier exception: one per order and carrier status.

    Webhooks and polls see the same exception; both name it this way, so the
    customer gets one delay message for it, not one per path.
    """
    return f"exception:{order_id}:{carrier_status}"


def _business_hours(start: datetime, end: datetime, calendar: BusinessCalendar) -> float:
    hours = 0.0
    cursor = start
    while cursor < end:
        step = min(end, cursor + timedelta(hours=1))
        if calendar.is_business_day(cursor):
            hours += (step - cursor).total_seconds() / 3600
        cursor = step
    return hours


def _shipped_at(order: Order) -> datetime | None:
    for record in order.history:
        if record.target == OrderStatus.SHIPPED.value:
            return record.at
    return None


def find_exceptions(
    orders: Iterable[Order],
    now: datetime,
    calendar: BusinessCalendar,
    *,
    tracking: Mapping[str, Sequence[TrackingEvent]] | None = None,
    promises: Mapping[str, date] | None = None,
    no_movement_hours: float = 48.0,
) -> list[TrackingException]:
    """Shipped, undelivered orders that are late, stuck, not picked up, or in trouble.

    ``tracking`` maps order id → its carrier events; ``promises`` order id →
    promised delivery date. Each incident has a stable ``key`` (the reason and
    the event or date it started from), so a caller that sends one message per
    key sends one per incident, not one per poll.
    """
    found: list[TrackingException] = []
    today = calendar.to_date(now)
    for order in orders:
        if order.status is not OrderStatus.SHIPPED:
            continue
        shipped = _shipped_at(order)
        events = list((tracking or {}).get(order.id, ()))
        moved = [e for e in events if e.status.has_left_warehouse]
        # Events come oldest first; of several in one instant, the later in the list is newer.
        last = max(enumerate(events), key=lambda item: (item[1].at, item[0]))[1] if events else None
        if last is not None and last.status is TrackingStatus.EXCEPTION:
            found.append(
                TrackingException(
                    order.id,
                    DelayReason.CARRIER_EXCEPTION,
                    f"carrier status {last.carrier_status}",
                    exception_key(order.id, last.carrier_status),
                )
            )
            continue
        if shipped is not None and not moved:
            deadline = calendar.next_business_day(shipped)
            if today > deadline:
                found.append(
                    TrackingException(
                        order.id,
                        DelayReason.NOT_PICKED_UP,
                        f"label created {shipped:%Y-%m-%d}, no pickup by {deadline}",
                        f"pickup:{order.id}:{deadline}",
                    )
                )
                continue
        promised = (promises or {}).get(order.id)
        if promised is not None and today > promised:
            found.append(
                TrackingException(
                    order.id,
                    DelayReason.PROMISE_MISSED,
                    f"promised {promised}",
                    f"promise:{order.id}:{promised}",
                )
            )
            continue
        if (
            last is not None
            and moved
            and _business_hours(last.at, now, calendar) > no_movement_hours
        ):
            found.append(
                TrackingException(
                    order.id,
                    DelayReason.NO_MOVEMENT,
                    f"no movement since {last.at:%Y-%m-%d %H:%M} ({last.carrier_status})",
                    f"stuck:{order.id}:{last.at.isoformat()}",
                )
            )
    return found
