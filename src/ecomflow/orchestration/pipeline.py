"""The order pipeline: checks → reserve → pay → select and promise → rules → pack → label.

:func:`advance` moves one order as far as it can go now, inside one
:class:`~ecomflow.orchestration.context.Change`; every step records why (the
order's audit trail, its hold code and reason, its shipping plan with the
selection's explanation). The label is not bought here: a ``CreateShipment``
effect is queued for the ship date, and bought then from the carrier of the
planned service — the same service the customer was promised.
"""

from __future__ import annotations

from ecomflow.checks import check_order, hold_if_needed
from ecomflow.errors import InsufficientStock, ReservationExists
from ecomflow.notify import MessageKind
from ecomflow.orchestration.context import Change, logger
from ecomflow.orchestration.effects import CreateShipment
from ecomflow.orders.models import HoldReason, ShippingPlan
from ecomflow.orders.status import OrderStatus
from ecomflow.orders.tags import Tag, refresh_auto_tags
from ecomflow.rules import apply_outcome
from ecomflow.shipping.packing import plan_parcels
from ecomflow.shipping.request import ShipmentRequest
from ecomflow.shipping.selection import select_service
from ecomflow.stock.models import ReservationState

__all__ = [
    "PRODUCT_DATA_TAG",
    "advance",
    "plan_shipping",
    "release_reservation",
    "reserve",
    "retag",
    "schedule_label",
]

#: Tag of an order whose products lacked weight or dimensions (the fallback was used).
PRODUCT_DATA_TAG = "product-data-missing"

_WAITING = (OrderStatus.CANCELLED, OrderStatus.RETURNED, OrderStatus.ON_HOLD)


def advance(c: Change) -> None:
    """Move the order as far as it can go now (see the module docstring)."""
    order = c.order
    if order.status in _WAITING or order.status.is_shipped:
        return
    if order.status is OrderStatus.NEW and not order.history and not first_look(c):
        return
    unreserved = order.status in (OrderStatus.NEW, OrderStatus.PAID) and not order.reservation_id
    if unreserved and not reserve(c):
        return
    if order.status is OrderStatus.NEW:
        if not (order.is_paid or order.payment.cod):
            return  # waiting for the payment (the reservation may expire meanwhile)
        c.flow.pay(
            reason="paid in full" if order.is_paid else "cash on delivery",
            actor=f"channel:{order.channel}",
        )
        assert order.reservation_id is not None
        c.core.ledger.confirm(order.id, key=f"confirm:{order.reservation_id}")
    if order.status is OrderStatus.PAID:
        if not plan_shipping(c):
            return
        c.message(
            MessageKind.CONFIRMATION.value,
            ship_date=_plan(c).ship_date,
            delivery_date=_plan(c).promised_delivery,
        )
        label = apply_rules(c)
        if order.status is OrderStatus.PAID:
            c.flow.mark_ready(reason="paid and reserved", actor="orchestrator")
    else:
        label = True
    if order.status in (OrderStatus.READY_TO_PACK, OrderStatus.IN_FULFILMENT) and c.flow.can(
        "pack"
    ):
        c.flow.pack(reason="reservation confirmed", actor="orchestrator")
        if label:
            schedule_label(c)
        else:
            order.tags.add("label-by-hand")


def first_look(c: Change) -> bool:
    """Tags and checks on a new order; ``False`` when it is held for verification."""
    order = c.order
    retag(c)
    request = hold_if_needed(
        order, check_order(order, c.core.check_policy), c.flow, c.core.check_policy
    )
    if request is None:
        return True
    c.message(MessageKind.DATA_REQUEST.value)
    return False


def retag(c: Change) -> None:
    """Recompute the tags ecomflow derives from the order (tags set by people or rules stay)."""
    refresh_auto_tags(c.order, c.core.tag_policy, now=c.now, calendar=c.core.calendar)


def reserve(c: Change) -> bool:
    """Reserve every line, all or nothing; ``False`` (and held) when stock is short.

    A reservation that expired or was released is replaced by a new one under a
    new idempotency key, so a late payment reserves again.
    """
    order = c.order
    ledger = c.core.ledger
    previous = ledger.reservation(order.id)
    if previous is not None and previous.state.holds_stock:
        order.reservation_id = previous.id
        return True
    key = f"reserve:{order.id}" + (f":after:{previous.id}" if previous is not None else "")
    ttl = None if (order.is_paid or order.payment.cod) else c.core.unpaid_ttl
    try:
        reservation = ledger.reserve(order.id, order.quantities(), key=key, ttl=ttl)
    except ReservationExists:  # another worker reserved it a moment ago
        found = ledger.reservation(order.id)
        assert found is not None
        order.reservation_id = found.id
        return True
    except InsufficientStock as short:
        order.tags.add(Tag.OUT_OF_STOCK.value)
        c.hold(HoldReason.OUT_OF_STOCK, f"out of stock: {', '.join(short.skus)}", actor="stock")
        return False
    order.reservation_id = reservation.id
    order.tags.discard(Tag.OUT_OF_STOCK.value)
    return True


def release_reservation(c: Change, why: str) -> None:
    """Give the order's stock back (cancellation, line change, a voided label).

    Reserved units are released. Units already taken out of stock — the label was
    bought from a carrier that reports no pickup, so they left with the label — are
    put back when the label is voided: the parcel never left the warehouse.
    """
    order = c.order
    ledger = c.core.ledger
    reservation = ledger.reservation(order.id)
    if reservation is not None and reservation.state.holds_stock:
        ledger.release(order.id, key=f"release:{reservation.id}")
        logger.info("order %s: stock released (%s)", order.id, why, extra={"order_id": order.id})
    elif (
        reservation is not None
        and reservation.state is ReservationState.COMMITTED
        and order.shipment is not None
        and order.shipment.voided_at is not None
    ):
        for sku, quantity in sorted(reservation.quantities.items()):
            ledger.receive(
                sku,
                quantity,
                warehouse=reservation.warehouse,
                key=f"unship:{reservation.id}:{sku}",
                note=f"order {order.id}: {why}; the parcel never left",
            )
        logger.info("order %s: stock put back (%s)", order.id, why, extra={"order_id": order.id})
    order.reservation_id = None


def plan_shipping(c: Change) -> bool:
    """Choose the service (the customer's choice binds) and promise dates; hold when none fits."""
    order = c.order
    core = c.core
    parcels = plan_parcels(order, core.products, core.boxes, core.packing_defaults)
    if parcels.findings:
        order.tags.add(PRODUCT_DATA_TAG)
        for finding in parcels.findings:
            logger.warning("order %s: %s", order.id, finding.message, extra={"order_id": order.id})
    request = ShipmentRequest.from_order(order, parcels.parcels)
    selection = select_service(
        request,
        core.catalogue,
        now=c.now,
        calendar=core.calendar,
        policy=core.selection,
        offered=core.router.offered,
    )
    chosen = selection.chosen
    if chosen is None:
        order.shipping = None
        c.hold(HoldReason.NO_SERVICE, f"no carrier service: {selection.reason}", actor="shipping")
        return False
    order.shipping = ShippingPlan(
        service_id=chosen.service_id,
        carrier=chosen.service.carrier,
        service_name=chosen.service.name,
        ship_date=chosen.ship_date,
        promised_delivery=chosen.promised_delivery,
        cutoff_at=chosen.cutoff_at,
        price=chosen.price,
        parcels=parcels.parcels,
        decided_at=c.now,
        explanation=selection.explain(),
    )
    retag(c)
    return True


def apply_rules(c: Change) -> bool:
    """Carry out the rule set's outcome; ``True`` when the label should be bought."""
    core = c.core
    order = c.order
    if core.rules is None:
        return True
    before = order.delivery.service_id
    evaluation = core.rules.evaluate(order, now=c.now)
    applied = apply_outcome(evaluation, c.flow)
    if evaluation.matched:
        logger.info(
            "order %s: rules %s",
            order.id,
            ", ".join(evaluation.matched),
            extra={"order_id": order.id},
        )
    for refused in applied.refused:
        logger.warning(
            "order %s: rule action refused: %s", order.id, refused, extra={"order_id": order.id}
        )
    for template in applied.notify:
        c.message(template)
    rebound = order.delivery.service_id != before and order.status is OrderStatus.PAID
    if rebound and not plan_shipping(c):  # set_service binds; the plan and promise follow
        return False
    if order.status is OrderStatus.ON_HOLD and order.hold_code is None:
        order.hold_code = HoldReason.RULE
    return applied.request_label is not False


def schedule_label(c: Change) -> None:
    """Queue buying the label from the planned service's carrier, on the ship date."""
    plan = _plan(c)
    c.queue(
        CreateShipment(order_id=c.order.id, carrier=plan.carrier, service_id=plan.service_id),
        not_before=c.core.opening(plan.ship_date),  # type: ignore[arg-type]
    )


def _plan(c: Change) -> ShippingPlan:
    assert c.order.shipping is not None, "plan_shipping() first"
    return c.order.shipping
