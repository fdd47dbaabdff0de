"""What carriers (and channels) push or report: webhooks and tracking polls → order changes.

A webhook is verified and parsed by its adapter (``parse_webhook``); its
payload is only a hint — the order or shipment is read again from the API
before anything changes. A delivery is applied once: its id is recorded in
the same transaction as the change it caused, *after* it was applied, so a
retry after a failure is not dropped.

Tracking (from webhooks or polls) moves the order: the carrier took the parcel
(the reserved stock leaves the ledger), it waits at the pickup point (a
message), it was delivered (status, write-back, message), an exception or a
missed promise (one delay message per incident), returned to sender.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from ecomflow.adapters.protocols import OrderEvent, ShipmentEvent, WebhookRequest
from ecomflow.errors import EcomflowError, UnknownOrder
from ecomflow.notify import MessageKind
from ecomflow.orchestration.context import Change, Core, change, logger
from ecomflow.orchestration.handlers import commit_stock, shipment_link
from ecomflow.orchestration.intake import ingest
from ecomflow.orchestration.returns import apply_return_shipment
from ecomflow.orders.models import Order
from ecomflow.orders.status import OrderStatus
from ecomflow.shipping.exceptions import DelayReason, exception_key, find_exceptions
from ecomflow.shipping.shipments import Shipment
from ecomflow.shipping.tracking import TrackingEvent, TrackingStatus

__all__ = [
    "WebhookReport",
    "apply_shipment",
    "check_exceptions",
    "handle_webhook",
    "poll_tracking",
    "track",
]


@dataclass
class WebhookReport:
    """What one webhook delivery did."""

    source: str
    events: int = 0
    applied: int = 0
    duplicates: int = 0
    orders: list[str] = field(default_factory=list)


def handle_webhook(core: Core, source: str, request: WebhookRequest) -> WebhookReport:
    """Verify, parse and apply a webhook from the channel or carrier named ``source``.

    Raises :class:`~ecomflow.errors.SignatureVerificationError` (nothing applied)
    when it cannot be trusted.
    """
    events = core.router.webhook_source(source).parse_webhook(request)
    report = WebhookReport(source, events=len(events))
    for event in events:
        delivery = f"delivery:{source}:{event.delivery_id}"
        if core.repository.record(delivery) is not None:
            report.duplicates += 1
            continue
        if isinstance(event, OrderEvent):
            channel = core.router.channel(source)
            core.counters.api_calls[(source, "get_order")] += 1
            fresh = channel.get_order(event.channel_order_id)
            outcome = ingest(core, fresh)
            with core.repository.unit(core.clock()) as unit:
                unit.first_time(delivery)
            report.orders.append(fresh.id)
            report.applied += outcome != "unchanged"
        elif isinstance(event, ShipmentEvent):
            provider = core.router.carrier(source)
            core.counters.api_calls[(source, "get_shipment")] += 1
            shipment = provider.get_shipment(event.shipment_id)
            order = apply_shipment(core, source, shipment, delivery=delivery)
            if order is not None:
                report.orders.append(order.id)
                report.applied += 1
    return report


def apply_shipment(
    core: Core, carrier: str, shipment: Shipment, *, delivery: str | None = None
) -> Order | None:
    """Apply a shipment's current status to its order (``delivery`` is recorded with it).

    A return parcel (an RMA's label) moves its RMA instead
    (:func:`~ecomflow.orchestration.returns.apply_return_shipment`).
    """
    order_id = core.repository.record(shipment_link(carrier, shipment.id))
    if order_id is None:  # a return parcel moves its RMA; any other only records the delivery
        return apply_return_shipment(core, carrier, shipment, delivery=delivery)

    def move(c: Change) -> None:
        if delivery is not None and not c.unit.first_time(delivery):
            return
        track(c, shipment.status, shipment.carrier_status, shipment.tracking_number)

    try:
        order, _ = change(core, order_id, move)
    except UnknownOrder:
        return None
    return order


def track(
    c: Change,
    status: TrackingStatus,
    carrier_status: str,
    number: str | None,
    *,
    actor: str | None = None,
) -> None:
    """Move the order by a tracking status (idempotent: a repeat changes nothing)."""
    o = c.order
    ref = o.shipment
    if ref is None or ref.voided_at is not None:
        return
    actor = actor or f"carrier:{ref.carrier}"
    o.shipment = ref = ref.model_copy(update={"status": status.value})
    if (
        status.has_left_warehouse
        and ref.picked_up_at is None
        and status is not (TrackingStatus.RETURNED)
    ):
        o.shipment = ref = ref.model_copy(update={"picked_up_at": c.now})
        commit_stock(c)
    if status is TrackingStatus.READY_FOR_PICKUP and o.status is OrderStatus.SHIPPED:
        c.message(MessageKind.READY_FOR_PICKUP.value, incident=ref.shipment_id or "")
    elif status is TrackingStatus.DELIVERED and c.flow.can("deliver"):
        commit_stock(c)
        c.flow.deliver(reason=f"carrier: {carrier_status or 'delivered'}", actor=actor)
        c.write_back()
        c.message(MessageKind.DELIVERED.value)
    elif status is TrackingStatus.EXCEPTION and o.status is OrderStatus.SHIPPED:
        _delay(c, DelayReason.CARRIER_EXCEPTION, incident=exception_key(o.id, carrier_status))
    elif status is TrackingStatus.RETURNED and c.flow.can("mark_returned"):
        c.flow.mark_returned(reason="returned to sender", actor=actor)
        c.unit.audit(
            f"carrier:{ref.carrier}",
            "staff-attention",
            f"order {o.id}",
            "the parcel came back to the sender; check it and refund or resend",
        )


def _delay(c: Change, reason: DelayReason, *, incident: str) -> None:
    plan = c.order.shipping
    promised = plan.promised_delivery if plan else c.now.date()
    expected: date = c.core.calendar.add_business_days(max(promised, c.now.date()), 1)
    c.message(
        MessageKind.DELAY.value,
        incident=incident,
        delay_reason=reason,
        delivery_date=expected,
    )


def poll_tracking(core: Core, orders: Iterable[Order] | None = None) -> int:
    """Read shipped orders' shipments again (bulk where the carrier can); returns how many moved."""
    shipped = (
        list(orders)
        if orders is not None
        else core.repository.find(status=OrderStatus.SHIPPED.value)
    )
    by_carrier: dict[str, list[str]] = {}
    for order in shipped:
        if order.shipment and order.shipment.shipment_id and order.shipment.voided_at is None:
            by_carrier.setdefault(order.shipment.carrier, []).append(order.shipment.shipment_id)
    moved = 0
    for carrier, ids in sorted(by_carrier.items()):
        try:
            lister = core.router.lister(carrier)
            if lister is not None:
                core.counters.api_calls[(carrier, "get_shipments")] += 1
                shipments = lister.get_shipments(ids)
            else:
                provider = core.router.carrier(carrier)
                shipments = []
                for shipment_id in ids:
                    core.counters.api_calls[(carrier, "get_shipment")] += 1
                    shipments.append(provider.get_shipment(shipment_id))
        except EcomflowError as error:
            core.counters.api_failures[(carrier, "poll")] += 1
            logger.warning(
                "tracking poll of %s failed: %s", carrier, error, extra={"carrier": carrier}
            )
            continue
        for shipment in shipments:
            if shipment.status.value != _last_status(shipped, carrier, shipment.id):
                moved += apply_shipment(core, carrier, shipment) is not None
    return moved


def _last_status(orders: list[Order], carrier: str, shipment_id: str) -> str | None:
    for order in orders:
        ref = order.shipment
        if ref and ref.carrier == carrier and ref.shipment_id == shipment_id:
            return ref.status
    return None


def check_exceptions(core: Core) -> int:
    """Find parcels that need a delay message (no movement, no pickup, promise missed).

    One message per incident; returns how many incidents there are now.
    """
    shipped = core.repository.find(status=OrderStatus.SHIPPED.value)
    tracking: dict[str, list[TrackingEvent]] = {}
    promises: dict[str, date] = {}
    for order in shipped:
        ref = order.shipment
        if order.shipping is not None:
            promises[order.id] = order.shipping.promised_delivery
        source = core.router.tracking(ref.carrier) if ref else None
        if ref is None or source is None or not ref.tracking_number:
            continue
        try:
            core.counters.api_calls[(ref.carrier, "get_tracking")] += 1
            tracking[order.id] = source.get_tracking(ref.tracking_number)
        except EcomflowError as error:
            core.counters.api_failures[(ref.carrier, "get_tracking")] += 1
            logger.warning(
                "tracking of %s failed: %s", order.id, error, extra={"order_id": order.id}
            )
    found = find_exceptions(
        shipped, core.clock(), core.calendar, tracking=tracking, promises=promises
    )
    for incident in found:
        change(
            core,
            incident.order_id,
            lambda c, i=incident: _delay(c, i.reason, incident=i.key),  # type: ignore[misc]
        )
    return len(found)
