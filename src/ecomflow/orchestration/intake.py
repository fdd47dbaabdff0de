"""Intake: orders from every channel, and what changes after intake.

:func:`sync` reads each channel from its stored cursor; each order is taken in
(:func:`ingest`) on its own, so one bad order never blocks the good ones: an
order the adapter could not map arrives as an
:class:`~ecomflow.adapters.protocols.IntakeFailure` and is kept (raw payload,
reason) until it can be taken in, and the cursor moves on.

A change to an order already taken in is applied by stage
(:func:`apply_channel_update`): a payment pays (and reserves again if the
reservation expired); a cancellation cancels — before the label by releasing
the stock, after the label by cancelling the shipment at the carrier first;
an address or delivery change before the label checks, selects and promises
again; a line change reserves again, all or nothing. A held order whose data
was corrected on the channel is checked again and released.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from ecomflow.adapters.protocols import IntakeFailure, OrderBatch
from ecomflow.checks import check_order
from ecomflow.errors import ConcurrentUpdate, EcomflowError, Stopping
from ecomflow.notify import MessageKind
from ecomflow.orchestration.context import Change, Core, change, log_stages, logger
from ecomflow.orchestration.effects import CancelShipment
from ecomflow.orchestration.pipeline import (
    advance,
    plan_shipping,
    release_reservation,
    reserve,
    retag,
)
from ecomflow.orchestration.spans import record_error, sync_counts, sync_span
from ecomflow.orders.flow import OrderFlow
from ecomflow.orders.models import HoldReason, Order, Transition
from ecomflow.orders.status import OrderStatus
from ecomflow.orders.tags import Tag

__all__ = [
    "SyncReport",
    "apply_channel_update",
    "cancel_order",
    "channel_aspects",
    "ingest",
    "release_checked_hold",
    "sync",
    "take_in",
]

#: Channel statuses an order may arrive in and still be run by ecomflow from the start.
_STARTABLE = (
    OrderStatus.NEW,
    OrderStatus.PAID,
    OrderStatus.ON_HOLD,
    OrderStatus.READY_TO_PACK,
    OrderStatus.IN_FULFILMENT,
)


@dataclass
class SyncReport:
    """What one :func:`sync` did."""

    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    channels_failed: dict[str, str] = field(default_factory=dict)

    def merge(self, other: SyncReport) -> None:
        """Add ``other``'s counts to this report."""
        self.fetched += other.fetched
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.failed.update(other.failed)
        self.channels_failed.update(other.channels_failed)


def sync(core: Core, channel_names: list[str] | None = None) -> SyncReport:
    """Read every channel (or the named ones) from its cursor; take in what came."""
    report = SyncReport()
    for name in sorted(channel_names or core.router.channels):
        with sync_span(name) as span:
            channel = core.router.channel(name)
            cursor = core.repository.record(f"cursor:{name}")
            try:
                batch = channel.fetch_orders(cursor)
            except Stopping:  # the worker is stopping: no call was made, not a channel failure
                raise
            except EcomflowError as error:
                core.counters.api_calls[(name, "fetch_orders")] += 1
                core.counters.api_failures[(name, "fetch_orders")] += 1
                report.channels_failed[name] = str(error)
                logger.warning(
                    "channel %s: intake failed: %s", name, error, extra={"channel": name}
                )
                record_error(span, error)
                continue
            core.counters.api_calls[(name, "fetch_orders")] += 1
            taken = take_in(core, name, batch)
            report.merge(taken)
            sync_counts(span, taken)
            with core.repository.unit(core.clock()) as unit:
                unit.put_record(f"synced:{name}", core.clock().isoformat())
    return report


def take_in(core: Core, channel: str, batch: OrderBatch) -> SyncReport:
    """Take in one batch: every order on its own, failures kept, then the cursor saved.

    The cursor is saved after the orders, so a crash in between re-reads a page
    whose orders are then recognised: nothing lost, nothing done twice.
    """
    report = SyncReport(fetched=len(batch.orders) + len(batch.failures))
    for order in batch.orders:
        try:
            outcome = ingest(core, order)
        except Stopping:  # the cursor is not saved: the page is read again next time
            raise
        except EcomflowError as error:
            report.failed[order.id] = str(error)
            _keep(
                core,
                IntakeFailure(
                    channel,
                    order.channel_order_id,
                    str(error),
                    order.raw or {},
                    type(error).__name__,
                ),
            )
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    for failure in batch.failures:
        report.failed[f"{channel}-{failure.channel_order_id or '?'}"] = failure.reason
        _keep(core, failure)
    if batch.cursor is not None:
        with core.repository.unit(core.clock()) as unit:
            unit.put_record(f"cursor:{channel}", batch.cursor)
    core.counters.intake["orders"] += len(batch.orders)
    core.counters.intake["failures"] += len(batch.failures)
    return report


def _keep(core: Core, failure: IntakeFailure) -> None:
    logger.warning(
        "intake failure %s/%s: %s",
        failure.channel,
        failure.channel_order_id,
        failure.reason,
        extra={"channel": failure.channel},
    )
    with core.repository.unit(core.clock()) as unit:
        unit.keep_failure(failure)


def ingest(core: Core, fresh: Order) -> str:
    """Store a channel order or apply what changed; ``new``, ``updated`` or ``unchanged``."""
    try:
        if _create(core, fresh):
            return "new"
    except ConcurrentUpdate:
        pass  # another worker took it in first: apply as an update below
    _, changed = change(core, fresh.id, lambda c: apply_channel_update(c, fresh))
    return "updated" if changed else "unchanged"


def _create(core: Core, fresh: Order) -> bool:
    """Store a new order and take its first steps in one transaction; ``False`` if known.

    A crash can leave the order either not stored (the page is read again) or
    stored and processed — never stored and forgotten. The order is saved once,
    after its first steps: an insert that finds it there already (another worker
    took it in meanwhile) rolls the steps back (:class:`ConcurrentUpdate`).
    """
    now = core.clock()
    with core.repository.unit(now) as unit:
        if unit.exists(fresh.id):
            return False
        order = _fresh_copy(fresh, now)
        if order.status is OrderStatus.NEW:
            advance(Change(core, order, OrderFlow(order, clock=core.clock), unit))
        unit.save(order, None)
        unit.put_record(_SNAPSHOT.format(order.id), json.dumps(channel_aspects(fresh)))
        unit.resolve_failure(order.channel, order.channel_order_id)
    logger.info(
        "order %s: taken in from %s",
        order.id,
        order.channel,
        extra={"order_id": order.id, "channel": order.channel, "event": "intake"},
    )
    log_stages(order)
    return True


def _fresh_copy(fresh: Order, now: datetime) -> Order:
    """The channel's order as ecomflow starts it: no history, no hold, ``new`` if it may run."""
    # A deep copy, except the channel's raw payload: read only, and most of the work.
    order = copy.deepcopy(fresh, {id(fresh.raw): fresh.raw})
    arrived = order.status
    order.history = []
    order.hold_code = order.held_from = order.hold_reason = None
    if arrived in _STARTABLE:
        order.status = OrderStatus.NEW
    else:  # cancelled before we saw it, or fulfilled outside ecomflow: kept, not run
        order.history.append(
            Transition(
                order_id=order.id,
                source=OrderStatus.NEW.value,
                target=arrived.value,
                event="intake",
                at=now,
                reason=f"arrived {arrived.value} on the channel; not run by ecomflow",
                actor=f"channel:{order.channel}",
            )
        )
    return order


# -- changes after intake ---------------------------------------------------------------

#: Where the fingerprints of what the channel last sent for an order are kept.
_SNAPSHOT = "channel-snapshot:{}"

#: The parts of an order the channel owns, compared to tell what changed on the channel
#: (never against the working order, which ecomflow changes itself: tags, plan, service).
_ASPECTS: dict[str, tuple[str, ...]] = {
    "payment": ("payment",),
    "delivery": ("delivery", "delivery_address", "billing_address", "invoice", "customer"),
    "lines": ("lines", "shipping_price", "discount", "currency"),
}


def channel_aspects(order: Order) -> dict[str, str]:
    """A fingerprint of each part of ``order`` the channel owns."""
    return {
        aspect: hashlib.sha256(order.model_dump_json(include=set(fields)).encode()).hexdigest()[:32]
        for aspect, fields in _ASPECTS.items()
    }


def apply_channel_update(c: Change, fresh: Order) -> bool:
    """Apply what changed on the channel to the stored order; ``True`` when something did."""
    order = c.order
    actor = f"channel:{order.channel}"
    if order.status in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
        return False
    if fresh.status is OrderStatus.CANCELLED:
        cancel_order(c, "cancelled on the channel", actor=actor, write_back=False)
        return True
    seen = c.unit.record(_SNAPSHOT.format(order.id))
    before = json.loads(seen) if seen else channel_aspects(order)
    after = channel_aspects(fresh)
    changed = {aspect for aspect in after if after[aspect] != before.get(aspect)}
    if not changed:
        return False
    c.unit.put_record(_SNAPSHOT.format(order.id), json.dumps(after))
    order.raw = fresh.raw
    if "payment" in changed:
        order.payment = fresh.payment
    if "delivery" in changed:
        order.delivery = fresh.delivery
        order.delivery_address = fresh.delivery_address
        order.billing_address = fresh.billing_address
        order.invoice = fresh.invoice
        order.customer = fresh.customer
        _after_delivery_change(c)
    if "lines" in changed:
        order.lines = fresh.lines
        order.shipping_price = fresh.shipping_price
        order.discount = fresh.discount
        _after_line_change(c)
    if order.status is OrderStatus.ON_HOLD:
        release_checked_hold(c)
    advance(c)
    return True


def _too_late_for(c: Change, what: str) -> bool:
    """After the label is bought a change is for staff: tag the order, tell them, ``True``."""
    order = c.order
    if order.shipment is None or order.shipment.voided_at is not None:
        return False
    order.tags.add("changed-after-label")
    c.unit.audit(f"channel:{order.channel}", "staff-attention", f"order {order.id}", what)
    return True


def _after_delivery_change(c: Change) -> None:
    order = c.order
    if _too_late_for(
        c, "delivery data changed after the label was bought; change the parcel by hand"
    ):
        return
    retag(c)
    if order.status in (OrderStatus.PAID, OrderStatus.READY_TO_PACK, OrderStatus.PACKED) or (
        order.status is OrderStatus.ON_HOLD and order.shipping is not None
    ):
        _replan(c, "delivery changed")


def _replan(c: Change, why: str) -> None:
    """Select and promise again (before the label): new plan, new label date, message."""
    order = c.order
    old = order.shipping
    findings = [f for f in check_order(order, c.core.check_policy) if f.is_error]
    if findings:
        c.hold(
            HoldReason.VERIFICATION,
            "verification: " + "; ".join(f.message for f in findings),
            actor="checks",
        )
        c.message(MessageKind.DATA_REQUEST.value, incident=f"v{len(order.history)}")
        return
    if not plan_shipping(c):
        return
    plan = order.shipping
    assert plan is not None
    if old is None or (old.service_id, old.ship_date, old.promised_delivery) != (
        plan.service_id,
        plan.ship_date,
        plan.promised_delivery,
    ):
        c.message(
            MessageKind.CONFIRMATION.value,
            incident=f"replan-{len(order.history)}-{plan.service_id}",
            ship_date=plan.ship_date,
            delivery_date=plan.promised_delivery,
        )
    logger.info(
        "order %s: new plan %s (%s)",
        order.id,
        plan.service_id,
        why,
        extra={"order_id": order.id},
    )
    if order.status is OrderStatus.PACKED:
        c.unit.reschedule(f"ship:{order.id}", c.core.opening(plan.ship_date))  # type: ignore[arg-type]


def _after_line_change(c: Change) -> None:
    order = c.order
    if _too_late_for(c, "order lines changed after the label was bought; repack by hand"):
        return
    if order.reservation_id is not None:
        release_reservation(c, "lines changed")
        started = order.status in (OrderStatus.PAID, OrderStatus.READY_TO_PACK, OrderStatus.PACKED)
        if started and reserve(c):
            c.core.ledger.confirm(order.id, key=f"confirm:{order.reservation_id}")
            _replan(c, "lines changed")


def release_checked_hold(c: Change) -> bool:
    """Release a verification or out-of-stock hold whose cause is gone; ``True`` if released."""
    order = c.order
    if order.status is not OrderStatus.ON_HOLD:
        return False
    if order.hold_code is HoldReason.VERIFICATION:
        blocking = [
            f
            for f in check_order(order, c.core.check_policy)
            if f.is_error or f.code in c.core.check_policy.hold_codes
        ]
        if blocking:
            return False
        order.tags.discard(Tag.VERIFICATION.value)
        c.flow.release(reason="corrected data arrived; checks pass", actor="checks")
        return True
    if order.hold_code is HoldReason.OUT_OF_STOCK:
        if not reserve_if_available(c):
            return False
        c.flow.release(reason="stock arrived; reserved", actor="stock")
        return True
    return False


def reserve_if_available(c: Change) -> bool:
    """Reserve a held order's lines if the stock is there now (all or nothing)."""
    order = c.order
    levels = {
        level.sku: level.available for level in c.core.ledger.levels(list(order.quantities()))
    }
    if any(levels.get(sku, 0) < qty for sku, qty in order.quantities().items()):
        return False
    return reserve(c)


def cancel_order(c: Change, reason: str, *, actor: str, write_back: bool = True) -> str:
    """Cancel by stage; returns what happened (``cancelled``, ``cancelling``, ``returns``…).

    - before the label: release the stock, cancel, write back;
    - after the label, before pickup: cancel the shipment at the carrier (once);
      the order is cancelled when the carrier confirms;
    - after pickup: too late to cancel — hand it to returns and tell staff.
    """
    order = c.order
    if order.status in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
        return "already"
    shipment = order.shipment
    if shipment is not None and shipment.voided_at is None:
        if shipment.picked_up_at is not None or order.status is OrderStatus.DELIVERED:
            order.tags.add("cancel-after-pickup")
            c.unit.audit(
                actor,
                "staff-attention",
                f"order {order.id}",
                f"{reason} after the carrier took the parcel; start a return (RMA)",
            )
            return "returns"
        if shipment.shipment_id:
            order.tags.add("cancelling")
            c.queue(
                CancelShipment(
                    order_id=order.id, carrier=shipment.carrier, shipment_id=shipment.shipment_id
                )
            )
            c.unit.audit(actor, "cancel-requested", f"order {order.id}", reason)
            return "cancelling"
    release_reservation(c, reason)
    c.unit.skip(f"ship:{order.id}", "the order was cancelled")
    c.flow.cancel(reason=reason, actor=actor)
    if write_back:
        c.write_back()
    return "cancelled"
