"""One handler per effect type: call the outside world, then record and finish in one go.

A handler makes its remote call (idempotent by reference or key), then records
what happened to the order **and** marks the effect done in one transaction
that checks the worker still holds the effect's claim
(:func:`~ecomflow.orchestration.context.change` with ``finishing=``). A worker
whose lease ran out records nothing (:class:`~ecomflow.errors.LeaseLost`).

Before a call that creates something remotely (a shipment, a package on the
channel), the handler durably notes the attempt; only the very first attempt
may skip the adapter's look-up (``first_attempt=True``) — after a crash, the
next one looks for what the first may have made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from ecomflow.adapters.protocols import StatusChange
from ecomflow.checks import check_order
from ecomflow.errors import (
    ConfigurationError,
    InvalidRequest,
    LabelNotReady,
    NotFound,
    UnmappedStatus,
)
from ecomflow.notify import MessageKind, language_of, render
from ecomflow.orchestration.context import Change, Core, change, logger
from ecomflow.orchestration.effects import (
    CancelShipment,
    ConfirmShipment,
    CreateReturnLabel,
    CreateShipment,
    PublishStock,
    RequestCorrectionInvoice,
    RequestRefund,
    SendMessage,
    SendReturnUpdate,
    WriteStatus,
    WriteTracking,
)
from ecomflow.orchestration.pipeline import release_reservation
from ecomflow.orchestration.repository import Claimed, EffectState
from ecomflow.orders.models import DeliveryMethod, Order, ShipmentRef
from ecomflow.orders.status import OrderStatus
from ecomflow.returns.models import Rma, RmaStatus
from ecomflow.returns.store import RmaStore
from ecomflow.shipping.packing import plan_parcels
from ecomflow.shipping.request import ShipmentRequest
from ecomflow.shipping.shipments import Shipment
from ecomflow.shipping.tracking import TrackingStatus
from ecomflow.stock.updates import StockUpdate

__all__ = [
    "BATCHED",
    "HANDLERS",
    "NOTED",
    "attempt_note",
    "finish",
    "first_attempt",
    "return_label_request",
    "return_shipment_link",
    "ship",
    "shipment_link",
]

#: How many times an unconfirmed shipment is read again before a person is asked.
MAX_CONFIRM_ROUNDS = 30


def attempt_note(key: str) -> str:
    """The record that notes an attempt at the effect ``key`` was (maybe) made."""
    return f"attempt:{key}"


def first_attempt(core: Core, claimed: Claimed) -> bool:
    """Durably note an attempt before making it; ``True`` when none was noted before.

    The dispatcher notes it for the kinds in :data:`NOTED` in the transaction that
    renews the effect's lease (committed before the handler runs).
    """
    prepared = claimed.prepared
    if prepared is not None and prepared.first_attempt is not None:
        return prepared.first_attempt
    with core.repository.unit(core.clock()) as unit:
        return unit.first_time(attempt_note(claimed.row.key))


def finish(core: Core, claimed: Claimed, result: str = "") -> None:
    """Mark a claimed effect done on its own (no order change to record).

    Under the dispatcher, the result is recorded — fenced by the claim — in its
    next transaction, before the next effect's remote call.
    """
    if claimed.prepared is not None:
        claimed.prepared.result = result
        return
    with core.repository.unit(core.clock()) as unit:
        unit.finish(claimed, result)


def shipment_link(carrier: str, shipment_id: str) -> str:
    """The record name that links a carrier's shipment to its order."""
    return f"shipment:{carrier}:{shipment_id}"


def _order(core: Core, claimed: Claimed) -> Order | None:
    if claimed.prepared is not None:  # read when the dispatcher renewed the lease
        return claimed.prepared.order
    order_id = claimed.effect.order_id
    return core.repository.get(order_id) if order_id else None


def _counted(core: Core, adapter: str, method: str) -> None:
    core.counters.api_calls[(adapter, method)] += 1


# -- shipments ---------------------------------------------------------------------------


def create_shipment(core: Core, claimed: Claimed) -> None:
    """Buy the label for the planned service from its carrier; record it; ship if confirmed."""
    effect = claimed.effect
    assert isinstance(effect, CreateShipment)
    order = _order(core, claimed)
    if order is None or order.status is not OrderStatus.PACKED or order.shipment is not None:
        status = order.status.value if order else "gone"
        finish(core, claimed, f"skipped: the order is {status}")
        return
    plan = order.shipping
    if plan is None:
        raise ConfigurationError(f"order {order.id} is packed without a shipping plan")
    provider = core.router.carrier(plan.carrier)
    request = ShipmentRequest.from_order(order, plan.parcels, service_id=plan.service_id)
    first = first_attempt(core, claimed)
    _counted(core, plan.carrier, "create_shipment")
    shipment = provider.create_shipment(request, first_attempt=first)
    number = shipment.tracking_number
    tracking_url = provider.tracking_url(number) if number else None

    def record(c: Change) -> None:
        o = c.order
        o.shipment = ShipmentRef(
            carrier=plan.carrier,
            service_id=shipment.service,
            shipment_id=shipment.id,
            tracking_number=shipment.tracking_number,
            tracking_url=tracking_url,
            status=shipment.status.value,
        )
        c.unit.put_record(shipment_link(plan.carrier, shipment.id), o.id)
        if shipment.service != plan.service_id:
            logger.error(
                "order %s: carrier %s made service %s, planned %s",
                o.id,
                plan.carrier,
                shipment.service,
                plan.service_id,
            )
        if o.status is not OrderStatus.PACKED:  # cancelled meanwhile: undo the label
            c.queue(CancelShipment(order_id=o.id, carrier=plan.carrier, shipment_id=shipment.id))
            return
        if shipment.confirmed:
            ship(c)
        else:
            c.queue(
                ConfirmShipment(order_id=o.id, carrier=plan.carrier, shipment_id=shipment.id),
                not_before=c.now + timedelta(seconds=c.core.settings.confirm_poll_seconds),
            )

    change(core, order.id, record, finishing=claimed, result=f"shipment {shipment.id}")


def ship(c: Change) -> None:
    """The label is confirmed: ship the order, write back, tell the customer."""
    o = c.order
    ref = o.shipment
    assert ref is not None
    c.flow.ship(reason=f"label {ref.tracking_number} created", actor=f"carrier:{ref.carrier}")
    c.queue(_write_tracking(o, ref))
    c.write_back()
    # Collected in person at the shop (no pickup point): nothing travels, it waits here.
    collected = o.delivery.method is DeliveryMethod.PICKUP and not o.delivery.point_id
    c.message(MessageKind.READY_FOR_PICKUP.value if collected else MessageKind.SHIPPED.value)
    if not _reports_pickup(c.core, ref.carrier):
        commit_stock(c)


def _write_tracking(order: Order, ref: ShipmentRef) -> WriteTracking:
    assert ref.shipment_id is not None
    assert ref.tracking_number is not None
    return WriteTracking(
        order_id=order.id,
        carrier=ref.carrier,
        shipment_id=ref.shipment_id,
        tracking_number=ref.tracking_number,
    )


def _reports_pickup(core: Core, carrier: str) -> bool:
    """Whether the carrier tells us when it takes the parcel (tracking or webhooks)."""
    from ecomflow.adapters.protocols import TrackingSource, WebhookSource  # noqa: PLC0415

    provider = core.router.carriers.get(carrier)
    return isinstance(provider, TrackingSource | WebhookSource)


def commit_stock(c: Change) -> None:
    """The parcel left: the reserved units leave the ledger (once)."""
    o = c.order
    reservation = c.core.ledger.reservation(o.id)
    if reservation is not None and reservation.state.holds_stock:
        c.core.ledger.commit(o.id, key=f"commit:{reservation.id}")


def confirm_shipments(core: Core, batch: Sequence[Claimed]) -> dict[int, EffectState]:
    """Read unconfirmed shipments again — in one call per carrier when it can list many."""
    by_carrier: dict[str, list[Claimed]] = {}
    for claimed in batch:
        effect = claimed.effect
        assert isinstance(effect, ConfirmShipment)
        by_carrier.setdefault(effect.carrier, []).append(claimed)
    for carrier, items in by_carrier.items():
        lister = core.router.lister(carrier)
        ids = [_confirm_effect(c).shipment_id for c in items]
        if lister is not None:
            _counted(core, carrier, "get_shipments")
            found = {s.id: s for s in lister.get_shipments(ids)}
        else:
            provider = core.router.carrier(carrier)
            found = {}
            for shipment_id in ids:
                _counted(core, carrier, "get_shipment")
                found[shipment_id] = provider.get_shipment(shipment_id)
        for claimed in items:
            _confirmed(core, claimed, found.get(_confirm_effect(claimed).shipment_id))
    return {}


def _confirm_effect(claimed: Claimed) -> ConfirmShipment:
    effect = claimed.effect
    assert isinstance(effect, ConfirmShipment)
    return effect


def _confirmed(core: Core, claimed: Claimed, shipment: Shipment | None) -> None:
    effect = _confirm_effect(claimed)
    if shipment is None:
        raise NotFound(f"shipment {effect.shipment_id} not found at {effect.carrier}")
    provider = core.router.carrier(effect.carrier)

    def record(c: Change) -> str:
        o = c.order
        ref = o.shipment
        if ref is None or ref.shipment_id != shipment.id:
            return "skipped: not the order's shipment"
        if shipment.confirmed:
            assert shipment.tracking_number is not None
            o.shipment = ref.model_copy(
                update={
                    "tracking_number": shipment.tracking_number,
                    "tracking_url": provider.tracking_url(shipment.tracking_number),
                    "status": shipment.status.value,
                }
            )
            if o.status is OrderStatus.PACKED:
                ship(c)
            return f"confirmed {shipment.tracking_number}"
        if shipment.status is TrackingStatus.CANCELLED:
            o.tags.add("label-cancelled-at-carrier")
            c.unit.audit(
                "carrier",
                "staff-attention",
                f"order {o.id}",
                f"shipment {shipment.id} was cancelled at {effect.carrier}",
            )
            return "cancelled at the carrier"
        if effect.round + 1 >= MAX_CONFIRM_ROUNDS:
            raise InvalidRequest(
                f"shipment {shipment.id} still not confirmed after {MAX_CONFIRM_ROUNDS} reads",
                endpoint="get_shipment",
            )
        c.queue(
            effect.model_copy(update={"round": effect.round + 1}),
            not_before=c.now + timedelta(seconds=c.core.settings.confirm_poll_seconds),
        )
        return "not confirmed yet"

    change(core, effect.order_id, record, finishing=claimed)


def cancel_shipment(core: Core, claimed: Claimed) -> None:
    """Cancel the label at the carrier (once); then cancel the order and release its stock.

    A carrier may refuse: ShipX, for one, cancels only shipments whose label was not
    bought yet. If the parcel has not left, the order is cancelled all the same —
    the parcel stays in the warehouse, its stock is released, and staff are asked to
    unpack it and claim the unused label back. If the carrier has the parcel, it is
    too late: the order goes to returns and staff are told.
    """
    effect = claimed.effect
    assert isinstance(effect, CancelShipment)
    provider = core.router.carrier(effect.carrier)
    _counted(core, effect.carrier, "cancel_shipment")
    try:
        provider.cancel_shipment(effect.shipment_id)
    except InvalidRequest as error:
        refused = str(error)
        _counted(core, effect.carrier, "get_shipment")
        left = provider.get_shipment(effect.shipment_id).status.has_left_warehouse

        def refused_by_carrier(c: Change) -> None:
            o = c.order
            o.tags.discard("cancelling")
            if left or (o.shipment is not None and o.shipment.picked_up_at is not None):
                o.tags.add("cancel-after-pickup")
                c.unit.audit(
                    f"carrier:{effect.carrier}",
                    "staff-attention",
                    f"order {o.id}",
                    f"the carrier has the parcel of shipment {effect.shipment_id} and refused "
                    f"to cancel it ({refused}); start a return (RMA)",
                )
                return
            o.tags.add("label-to-void-by-hand")
            c.unit.audit(
                f"carrier:{effect.carrier}",
                "staff-attention",
                f"order {o.id}",
                f"the carrier refused to cancel the bought label of shipment "
                f"{effect.shipment_id} ({refused}); do not hand the parcel over, unpack it "
                "and claim the label back from the carrier",
            )
            _void_and_cancel(c, effect, why="order cancelled; the label is to be voided by hand")

        change(
            core,
            effect.order_id,
            refused_by_carrier,
            finishing=claimed,
            result=f"refused: {refused}",
        )
        return

    change(
        core,
        effect.order_id,
        lambda c: _void_and_cancel(c, effect, why="label cancelled at the carrier"),
        finishing=claimed,
        result="label cancelled",
    )


def _void_and_cancel(c: Change, effect: CancelShipment, *, why: str) -> None:
    o = c.order
    if o.shipment is not None and o.shipment.shipment_id == effect.shipment_id:
        o.shipment = o.shipment.model_copy(update={"voided_at": c.now})
    o.tags.discard("cancelling")
    if o.status in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
        return
    release_reservation(c, why)
    c.flow.cancel(reason=why, actor=f"carrier:{effect.carrier}")
    c.write_back()


# -- the channel -----------------------------------------------------------------------


def write_tracking(core: Core, claimed: Claimed) -> None:
    """Record the shipment on the order's channel (at most once)."""
    effect = claimed.effect
    assert isinstance(effect, WriteTracking)
    order = _order(core, claimed)
    if order is None or order.shipment is None:
        finish(core, claimed, "skipped: no shipment")
        return
    channel = core.router.channel(order.channel)
    first = first_attempt(core, claimed)
    _counted(core, order.channel, "write_tracking")
    channel.write_tracking(order, order.shipment, first_attempt=first)
    finish(core, claimed, f"recorded {effect.tracking_number}")


def write_statuses(core: Core, batch: Sequence[Claimed]) -> dict[int, EffectState]:
    """Write statuses back — one call per channel and status where the channel can.

    Returns the state of the effects that did not succeed (failed alone in a bulk call).
    """
    failed: dict[int, EffectState] = {}
    by_channel: dict[str, list[tuple[Claimed, Order]]] = {}
    for claimed in batch:
        effect = claimed.effect
        assert isinstance(effect, WriteStatus)
        order = _order(core, claimed)
        if order is None:
            finish(core, claimed, "skipped: the order is gone")
            continue
        if _superseded(core, claimed, order):
            finish(core, claimed, f"superseded: the order is {order.status.value} now")
            continue
        by_channel.setdefault(effect.channel, []).append((claimed, order))
    for channel_name, items in by_channel.items():
        bulk = core.router.bulk_status(channel_name)
        if bulk is not None and len(items) > 1:
            _counted(core, channel_name, "write_statuses")
            result = bulk.write_statuses(
                [StatusChange(order, _status_of(claimed)) for claimed, order in items]
            )
            for claimed, order in items:
                if order.id in result.failed:
                    failed[claimed.row.id] = _fail_one(core, claimed, result.failed[order.id])
                elif order.id in result.skipped:
                    finish(core, claimed, f"skipped: {result.skipped[order.id]}")
                else:
                    finish(core, claimed, f"written {_status_of(claimed).value}")
            continue
        channel = core.router.channel(channel_name)
        for claimed, order in items:
            _counted(core, channel_name, "write_status")
            try:
                channel.write_status(order, _status_of(claimed))
            except UnmappedStatus as unmapped:
                finish(core, claimed, f"skipped: {unmapped}")
                continue
            finish(core, claimed, f"written {_status_of(claimed).value}")
    return failed


def _status_of(claimed: Claimed) -> OrderStatus:
    effect = claimed.effect
    assert isinstance(effect, WriteStatus)
    return effect.status


def _superseded(core: Core, claimed: Claimed, order: Order) -> bool:
    """A later status of the same order is queued: writing this one would go backwards."""
    if order.status is _status_of(claimed):
        return False
    later = core.repository.effects(order_id=order.id, kind="write_status")
    return any(row.id > claimed.row.id for row in later)


def _fail_one(core: Core, claimed: Claimed, error: str) -> EffectState:
    return core.repository.fail(
        claimed, error, core.clock(), max_attempts=core.settings.max_attempts
    )


# -- messages and stock ------------------------------------------------------------------


def send_message(core: Core, claimed: Claimed) -> None:
    """Render the message from the order as it is now and hand it to the transport."""
    effect = claimed.effect
    assert isinstance(effect, SendMessage)
    order = _order(core, claimed)
    if order is None:
        finish(core, claimed, "skipped: the order is gone")
        return
    try:
        kind = MessageKind(effect.message)
    except ValueError:
        raise ConfigurationError(
            f"no message template {effect.message!r}; the templates are "
            f"{', '.join(k.value for k in MessageKind)}"
        ) from None
    findings = check_order(order, core.check_policy) if kind is MessageKind.DATA_REQUEST else []
    message = render(
        kind,
        order,
        shop=core.shop,
        key=claimed.row.key,
        ship_date=effect.ship_date,
        delivery_date=effect.delivery_date,
        findings=[f for f in findings if f.is_error or f.code in core.check_policy.hold_codes],
        reason=effect.delay_reason,
    )
    core.notifier.send(message)
    finish(core, claimed, f"sent to {'customer' if message.to else 'nobody'}")


def publish_stock(core: Core, claimed: Claimed) -> None:
    """Publish the ledger's available stock of some SKUs to one channel."""
    effect = claimed.effect
    assert isinstance(effect, PublishStock)
    sink = core.router.stock_sinks().get(effect.channel)
    if sink is None:
        finish(core, claimed, f"skipped: {effect.channel} shows no stock")
        return
    baseline = core.repository.published(effect.channel)
    levels = core.ledger.levels(list(effect.skus))
    updates = [
        StockUpdate(
            channel=effect.channel,
            sku=level.sku,
            quantity=max(0, level.available),
            previous=baseline.get((level.sku, "")),
        )
        for level in levels
    ]
    _counted(core, effect.channel, "publish_stock")
    result = sink.publish_stock(updates)
    core.repository.remember_published(
        effect.channel,
        {(u.sku, ""): u.quantity for u in updates if u.sku not in result.warnings},
        core.clock(),
    )
    for sku, warning in result.warnings.items():
        logger.warning("stock of %s on %s not published: %s", sku, effect.channel, warning)
    finish(
        core,
        claimed,
        f"{result.updated} updated in {result.calls} calls, {len(result.warnings)} warnings",
    )


def money_event(core: Core, claimed: Claimed) -> None:
    """Refund and correcting-invoice requests go to the shop's event transport."""
    effect = claimed.effect
    assert isinstance(effect, RequestRefund | RequestCorrectionInvoice)
    core.events.emit(effect)
    finish(core, claimed, f"{effect.kind} emitted")


# -- returns ----------------------------------------------------------------------------


def return_shipment_link(carrier: str, shipment_id: str) -> str:
    """The record name that links a carrier's return shipment to its RMA."""
    return f"return-shipment:{carrier}:{shipment_id}"


def return_label_request(
    core: Core, order: Order, rma: Rma, service_id: str | None
) -> ShipmentRequest:
    """The return label of ``rma``: its units packed, from the customer back to the shop."""
    wanted = rma.quantities()
    lines = []
    for line in order.lines:
        take = min(line.quantity, wanted.get(line.sku, 0))
        if take:
            lines.append(line.model_copy(update={"quantity": take}))
            wanted[line.sku] -= take
    coming_back = order.model_copy(update={"lines": lines or order.lines})
    parcels = plan_parcels(coming_back, core.products, core.boxes, core.packing_defaults).parcels
    address = order.delivery_address or order.billing_address
    return ShipmentRequest(
        order_id=order.id,
        reference=rma.number.replace("/", "-"),
        parcels=parcels,
        method=order.delivery.method,
        country=address.country if address else "PL",
        postcode=address.postcode if address else "",
        receiver=address,
        service_id=service_id,
        carrier=order.shipment.carrier if order.shipment else None,
        is_return=True,
    )


def create_return_label(core: Core, claimed: Claimed) -> None:
    """Buy an RMA's return label (once, looked up after a crash); record it on the RMA.

    The customer's first message about the return (its number, what to do and
    the label) is queued with the label, in the same transaction.
    """
    effect = claimed.effect
    assert isinstance(effect, CreateReturnLabel)
    rmas = RmaStore.of(core.repository.store)
    order = _order(core, claimed)
    rma = rmas.get(effect.rma)
    if order is None or rma is None or rma.return_shipment_id is not None:
        finish(core, claimed, "skipped: no such RMA, or it has its label")
        return
    if rma.status is not RmaStatus.REQUESTED:
        finish(core, claimed, f"skipped: the RMA is {rma.status.value}")
        return
    provider = core.router.carrier(effect.carrier)
    request = return_label_request(core, order, rma, effect.service_id)
    first = first_attempt(core, claimed)
    _counted(core, effect.carrier, "create_shipment")
    shipment = provider.create_shipment(request, first_attempt=first)
    number = shipment.tracking_number

    def record(c: Change) -> None:
        current = rmas.get(effect.rma, lock=True)
        assert current is not None
        current.return_carrier = effect.carrier
        current.return_shipment_id = shipment.id
        current.return_tracking_number = number
        current.return_tracking_url = provider.tracking_url(number) if number else None
        rmas.save(current)
        c.unit.put_record(return_shipment_link(effect.carrier, shipment.id), current.number)
        c.queue(
            SendReturnUpdate(order_id=c.order.id, rma=current.number, status=RmaStatus.REQUESTED)
        )

    change(core, order.id, record, finishing=claimed, result=f"return label {shipment.id}")


def send_return_update(core: Core, claimed: Claimed) -> None:
    """Tell the customer where their return is, from the RMA as it is now.

    The first message waits (:class:`~ecomflow.errors.LabelNotReady`, retried)
    until the carrier has confirmed the return label it is to carry.
    """
    effect = claimed.effect
    assert isinstance(effect, SendReturnUpdate)
    rmas = RmaStore.of(core.repository.store)
    order = _order(core, claimed)
    rma = rmas.get(effect.rma)
    if order is None or rma is None:
        finish(core, claimed, "skipped: the order or the RMA is gone")
        return
    opening = effect.status is RmaStatus.REQUESTED
    if opening and rma.return_shipment_id and not rma.return_tracking_number:
        rma = _confirmed_return_label(core, rma)
    shop = core.shop
    language = language_of(order.customer.language, default=shop.language if shop else "pl")
    message = render(
        MessageKind.RETURN_UPDATE,
        order,
        shop=shop,
        key=claimed.row.key,
        rma=rma.number,
        rma_status=effect.status.label(language),
        return_steps=opening,
        return_code=rma.return_tracking_number if opening else None,
        return_url=rma.return_tracking_url if opening else None,
    )
    core.notifier.send(message)
    finish(core, claimed, f"sent to {'customer' if message.to else 'nobody'}")


def _confirmed_return_label(core: Core, rma: Rma) -> Rma:
    """Read an unconfirmed return label again; record its number, or wait for it."""
    assert rma.return_carrier is not None
    assert rma.return_shipment_id is not None
    provider = core.router.carrier(rma.return_carrier)
    _counted(core, rma.return_carrier, "get_shipment")
    shipment = provider.get_shipment(rma.return_shipment_id)
    number = shipment.tracking_number
    if number is None:
        raise LabelNotReady(
            f"return label {shipment.id} of {rma.number} is not confirmed yet; "
            "the message waits for its number",
            endpoint="get_shipment",
        )
    rmas = RmaStore.of(core.repository.store)
    with core.repository.unit(core.clock()):
        current = rmas.get(rma.number, lock=True)
        assert current is not None
        current.return_tracking_number = number
        current.return_tracking_url = provider.tracking_url(number)
        rmas.save(current)
    return current


#: Effect kind → handler of one claimed effect.
HANDLERS: dict[str, Callable[[Core, Claimed], None]] = {
    "create_shipment": create_shipment,
    "cancel_shipment": cancel_shipment,
    "write_tracking": write_tracking,
    "send_message": send_message,
    "publish_stock": publish_stock,
    "request_refund": money_event,
    "request_correction": money_event,
    "create_return_label": create_return_label,
    "send_return_update": send_return_update,
}

#: Effect kind → handler of many claimed effects of that kind at once (bulk API calls);
#: it returns the state of those it could not finish.
BATCHED: dict[str, Callable[[Core, Sequence[Claimed]], dict[int, EffectState]]] = {
    "confirm_shipment": confirm_shipments,
    "write_status": write_statuses,
}

#: Effect kinds whose handler notes its first attempt before a remote call that creates
#: something (the dispatcher notes it with the lease renewal, see :func:`first_attempt`).
NOTED: frozenset[str] = frozenset({"create_shipment", "write_tracking", "create_return_label"})
