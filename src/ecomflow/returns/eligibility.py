"""Can this be returned? The order's state, the window in the shop's days, the lines.

The window counts calendar days in the shop's time zone: a parcel picked up
at 00:30 on 10 November in Warsaw (23:30 UTC on the 9th) was delivered on the
10th, so a request on the 24th is on day 14 and inside a 14-day window.

>>> from datetime import UTC, datetime
>>> from zoneinfo import ZoneInfo
>>> from ecomflow.orders import OrderFlow, ShipmentRef
>>> from ecomflow.testing import FrozenClock, sample_order
>>> order = sample_order(paid=True); order.reservation_id = "r"
>>> order.shipment = ShipmentRef(carrier="inpost", tracking_number="6001")
>>> flow = OrderFlow(order, clock=FrozenClock(datetime(2026, 11, 9, 23, 30, tzinfo=UTC)))
>>> for event in ("pay", "mark_ready", "pack", "ship", "deliver"): _ = flow.send(event)
>>> warsaw = ZoneInfo("Europe/Warsaw")
>>> check_request(order, {"MUG-RED": 1}, ReturnPolicy(), earlier=[], zone=warsaw,
...               now=datetime(2026, 11, 24, 19, 0, tzinfo=UTC)) is None
True
>>> check_request(order, {"MUG-RED": 1}, ReturnPolicy(), earlier=[], zone=warsaw,
...               now=datetime(2026, 11, 24, 23, 10, tzinfo=UTC)).message
'Outside the 14-day return window by 1 day (delivered 2026-11-10).'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from ecomflow.clock import ensure_aware
from ecomflow.orders.models import Order
from ecomflow.orders.status import OrderStatus
from ecomflow.returns.models import Refusal, ReturnPolicy, Rma, RmaStatus

__all__ = ["check_request", "returned_quantities", "window_start"]


def returned_quantities(rmas: Iterable[Rma], order_id: str) -> dict[str, int]:
    """What already came back (or is on its way) for ``order_id``, rejected RMAs aside."""
    counts: dict[str, int] = {}
    for rma in rmas:
        if rma.order_id == order_id and rma.status is not RmaStatus.REJECTED:
            for line in rma.lines:
                counts[line.sku] = counts.get(line.sku, 0) + line.quantity
    return counts


def _moment(order: Order, target: str) -> datetime | None:
    return next((t.at for t in reversed(order.history) if t.target == target), None)


def window_start(order: Order) -> tuple[datetime, str] | None:
    """When the window started and why (``"delivered"``, else ``"shipped"``), or ``None``."""
    delivered = _moment(order, OrderStatus.DELIVERED.value)
    if delivered is not None:
        return delivered, "delivered"
    shipped = _moment(order, OrderStatus.SHIPPED.value)
    return (shipped, "shipped") if shipped is not None else None


def check_request(
    order: Order,
    lines: Mapping[str, int],
    policy: ReturnPolicy,
    *,
    earlier: Iterable[Rma],
    now: datetime,
    zone: ZoneInfo,
) -> Refusal | None:
    """Why ``lines`` of ``order`` cannot be returned ``now``, or ``None`` when they can.

    ``earlier`` are the order's other RMAs (what is on its way back counts);
    ``zone`` is where the window's calendar days are counted.
    """
    ensure_aware(now, "now")
    start = window_start(order)
    if order.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED) or start is None:
        return Refusal(
            order_id=order.id,
            code="not_shipped",
            message=f"Order {order.id} has not shipped; cancel it instead.",
        )
    anchor, what = start
    first_day = anchor.astimezone(zone).date()
    window = policy.window_for(order.channel)
    days = (now.astimezone(zone).date() - first_day).days
    if days > window:
        over = days - window
        return Refusal(
            order_id=order.id,
            code="outside_window",
            days_over=over,
            at=now,
            message=f"Outside the {window}-day return window by {over} "
            f"day{'s' if over != 1 else ''} ({what} {first_day}).",
        )
    if not lines:
        return Refusal(order_id=order.id, code="no_lines", message="Name what comes back.")
    bought = order.quantities()
    before = returned_quantities(earlier, order.id)
    for sku, quantity in lines.items():
        if sku not in bought:
            return Refusal(
                order_id=order.id, code="not_in_order", message=f"{sku} is not in order {order.id}."
            )
        if sku in policy.excluded_skus:
            return Refusal(
                order_id=order.id,
                code="excluded",
                message=f"{sku} cannot be returned (e.g. made to order).",
            )
        if quantity <= 0 or before.get(sku, 0) + quantity > bought[sku]:
            left = bought[sku] - before.get(sku, 0)
            return Refusal(
                order_id=order.id,
                code="already_returned",
                message=f"Only {left} of {sku} can still be returned.",
            )
    return None
