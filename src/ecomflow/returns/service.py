"""The return process end to end, with the events payment and accounting need.

Request, label, receipt into quarantine, verification, then refund or exchange.

>>> from datetime import UTC, datetime, timedelta
>>> from ecomflow.stock import StockLedger, open_store
>>> from ecomflow.testing import sample_order
>>> from ecomflow.orders import OrderFlow, ShipmentRef
>>> store = open_store("memory://")
>>> order = sample_order(paid=True); order.reservation_id = "r"
>>> order.shipment = ShipmentRef(carrier="inpost", tracking_number="6001")
>>> flow = OrderFlow(order, clock=lambda: datetime(2026, 11, 10, 12, tzinfo=UTC))
>>> for event in ("pay", "mark_ready", "pack", "ship", "deliver"): _ = flow.send(event)
>>> returns = Returns(StockLedger(store), RmaNumbering(store))
>>> rma = returns.request(order, {"MUG-RED": 1}, ReturnReason.WRONG_COLOUR,
...                       now=datetime(2026, 11, 24, 12, tzinfo=UTC))
>>> rma.number, rma.status.value
('RMA/2026/11/000001', 'requested')
>>> returns.request(order, {"MUG-RED": 1}, ReturnReason.CHANGED_MIND,
...                 now=datetime(2026, 11, 25, 12, tzinfo=UTC)).message
'Outside the 14-day return window by 1 day (delivered 2026-11-10).'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ecomflow.clock import Clock, utc_now
from ecomflow.money import Money
from ecomflow.notify.messages import MessageKind, Notifier, render
from ecomflow.orders.flow import OrderFlow
from ecomflow.orders.models import Order, OrderLine, Payment
from ecomflow.orders.status import OrderStatus
from ecomflow.returns.flow import RmaFlow
from ecomflow.returns.models import (
    LineOutcome,
    Refusal,
    ReturnLine,
    ReturnPolicy,
    ReturnReason,
    Rma,
    RmaStatus,
)
from ecomflow.returns.numbering import RmaNumbering
from ecomflow.returns.refunds import refund_amounts
from ecomflow.returns.store import RmaStore
from ecomflow.shipping.tracking import TrackingStatus
from ecomflow.stock.ledger import StockLedger

__all__ = [
    "CorrectionInvoiceRequested",
    "RefundRequested",
    "Returns",
    "customer_messages",
    "returned_quantities",
]


@dataclass(frozen=True)
class RefundRequested:
    """For the payment adapter: pay this back."""

    rma_number: str
    order_id: str
    amount: Money
    method: str
    key: str


@dataclass(frozen=True)
class CorrectionInvoiceRequested:
    """For the accounting adapter: correct the original invoice by these lines."""

    rma_number: str
    order_id: str
    original_invoice: str
    series: str
    lines: dict[str, int]
    amount: Money
    key: str


def returned_quantities(rmas: Sequence[Rma], order_id: str) -> dict[str, int]:
    """What already came back (or is on its way) for ``order_id``, rejected RMAs aside."""
    counts: dict[str, int] = {}
    for rma in rmas:
        if rma.order_id == order_id and rma.status is not RmaStatus.REJECTED:
            for line in rma.lines:
                counts[line.sku] = counts.get(line.sku, 0) + line.quantity
    return counts


def customer_messages(
    notifier: Notifier, order_of: Callable[[str], Order | None]
) -> Callable[[Rma, Any], None]:
    """A listener that tells the customer about every RMA state change (pl/en).

    Each message carries the key ``rma:<number>:<state>``, so it goes out once.
    """

    def listener(rma: Rma, transition: Any) -> None:
        order = order_of(rma.order_id)
        if order is None:
            return
        status = RmaStatus(transition.target)
        language = order.customer.language
        notifier.send(
            render(
                MessageKind.RETURN_UPDATE,
                order,
                rma=rma.number,
                rma_status=status.label(language),
                key=f"rma:{rma.number}:{status.value}",
            )
        )

    return listener


def _moment(order: Order, target: str) -> datetime | None:
    return next((t.at for t in reversed(order.history) if t.target == target), None)


@dataclass
class Returns:
    """Runs returns against the stock ledger, the carrier, and listeners for events/messages.

    ``rmas`` keeps the RMAs of this process (persist them where you keep orders);
    ``events`` receives :class:`RefundRequested` / :class:`CorrectionInvoiceRequested`;
    ``listeners`` hear every RMA transition (messages are rendered from them).
    """

    ledger: StockLedger
    numbering: RmaNumbering
    policy: ReturnPolicy = field(default_factory=ReturnPolicy)
    carrier: Any = None
    clock: Clock = utc_now
    invoice_series: Mapping[str, str] = field(
        default_factory=lambda: {"allegro": "AL", "shop": "WWW"}
    )
    rmas: list[Rma] = field(default_factory=list)
    events: list[RefundRequested | CorrectionInvoiceRequested] = field(default_factory=list)
    listeners: list[Callable[[Rma, Any], None]] = field(default_factory=list)
    store: RmaStore | None = None

    def __post_init__(self) -> None:
        if self.store is not None and not self.rmas:
            self.rmas = self.store.all()  # RMAs from earlier runs count for windows and keys

    def _flow(self, rma: Rma, order: Order | None) -> RmaFlow:
        def persist(changed: Rma, _: Any) -> None:
            if self.store is not None:
                self.store.save(changed)

        return RmaFlow(rma, order=order, clock=self.clock, listeners=[*self.listeners, persist])

    def request(
        self,
        order: Order,
        lines: Mapping[str, int],
        reason: ReturnReason,
        *,
        now: datetime,
        text: str = "",
        key: str | None = None,
    ) -> Rma | Refusal:
        """Check the return and open an RMA, or say why not (a :class:`Refusal`)."""
        if key is not None:
            for rma in self.rmas:
                if rma.key == key:
                    return rma  # a repeated request (a retried form post, a webhook)
        delivered = _moment(order, OrderStatus.DELIVERED.value)
        anchor = delivered or _moment(order, OrderStatus.SHIPPED.value)
        if order.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED) or anchor is None:
            return Refusal(
                order_id=order.id,
                code="not_shipped",
                message=f"Order {order.id} has not shipped; cancel it instead.",
            )
        window = self.policy.window_for(order.channel)
        days = (now.date() - anchor.date()).days
        if days > window:
            what = "delivered" if delivered else "shipped"
            over = days - window
            return Refusal(
                order_id=order.id,
                code="outside_window",
                days_over=over,
                message=f"Outside the {window}-day return window by {over} "
                f"day{'s' if over != 1 else ''} ({what} {anchor.date()}).",
            )
        bought = order.quantities()
        before = returned_quantities(self.rmas, order.id)
        for sku, quantity in lines.items():
            if sku not in bought:
                return Refusal(
                    order_id=order.id,
                    code="not_in_order",
                    message=f"{sku} is not in order {order.id}.",
                )
            if sku in self.policy.excluded_skus:
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
        rma = Rma(
            number=self.numbering.next(now),
            order_id=order.id,
            channel=order.channel,
            lines=[ReturnLine(sku=s, quantity=q) for s, q in lines.items()],
            reason=reason,
            reason_text=text,
            requested_at=now,
            key=key,
        )
        self.rmas.append(rma)
        return rma

    def create_label(self, rma: Rma, order: Order, request: Any) -> Any:
        """Buy the return label when the shop pays (``request``: a carrier ShipmentRequest)."""
        if not self.policy.shop_pays_return or self.carrier is None:
            return None
        shipment = self.carrier.create_shipment(request)
        rma.return_tracking_number = shipment.tracking_number
        return shipment

    def apply_tracking(self, rma: Rma, status: TrackingStatus, order: Order | None = None) -> None:
        """Move the RMA from the return parcel's tracking (repeats change nothing).

        The carrier having the parcel means "sent back"; delivered to the shop
        means "received" (units into quarantine).
        """
        if status is TrackingStatus.DELIVERED:
            self.receive(rma, order)
        elif status.has_left_warehouse:
            self.sent_back(rma, order)

    def sent_back(self, rma: Rma, order: Order | None = None) -> None:
        """The return parcel was posted (the carrier's tracking says so)."""
        if rma.status is RmaStatus.REQUESTED:
            self._flow(rma, order).send("send_back", reason="return parcel posted", actor="carrier")

    def receive(self, rma: Rma, order: Order | None = None) -> None:
        """The parcel arrived: its units go to quarantine (idempotent by RMA and SKU)."""
        if rma.status is RmaStatus.REQUESTED:
            self.sent_back(rma, order)
        if rma.status is not RmaStatus.SENT_BACK:
            return
        for line in rma.lines:
            self.ledger.receive_return(
                line.sku,
                line.quantity,
                order_id=rma.order_id,
                key=f"{rma.number}:receive:{line.sku}",
                reason=rma.reason.value,
            )
        self._flow(rma, order).send("receive", reason="parcel received", actor="warehouse")

    def verify(
        self,
        rma: Rma,
        outcomes: Mapping[str, LineOutcome | Mapping[str, int]],
        order: Order | None = None,
        *,
        actor: str = "warehouse",
    ) -> None:
        """Quality control: restock or write off each line (or a split ``{"restock": n, …}``)."""
        for line in rma.lines:
            decided = outcomes.get(line.sku, LineOutcome.RESTOCK)
            split = (
                {decided.value: line.quantity}
                if isinstance(decided, LineOutcome)
                else dict(decided)
            )
            restock, write_off = split.get("restock", 0), split.get("write_off", 0)
            if restock + write_off != line.quantity:
                raise ValueError(
                    f"{line.sku}: outcomes cover {restock + write_off} of {line.quantity} units"
                )
            if restock:
                self.ledger.restock(
                    line.sku, restock, order_id=rma.order_id, key=f"{rma.number}:restock:{line.sku}"
                )
            if write_off:
                self.ledger.write_off(
                    line.sku,
                    write_off,
                    reason="failed quality control",
                    order_id=rma.order_id,
                    key=f"{rma.number}:write_off:{line.sku}",
                )
            line.restocked, line.written_off = restock, write_off
        self._flow(rma, order).send("verify", reason="quality control done", actor=actor)

    def refund(self, rma: Rma, order: Order, *, invoice_number: str | None = None) -> Money:
        """Emit the refund and the correcting invoice; the order becomes RETURNED when all came back."""
        before = returned_quantities([r for r in self.rmas if r is not rma], order.id)
        amounts = refund_amounts(order, rma.quantities(), self.policy, already_returned=before)
        for line in rma.lines:
            line.refund = amounts.get(line.sku)
        total = Money.sum(amounts.values(), order.currency)
        rma.refund_total = total  # saved with the refund transition below
        self.events.append(
            RefundRequested(
                rma.number, order.id, total, self.policy.refund_method, f"refund:{rma.number}"
            )
        )
        series = self.invoice_series.get(order.channel, "WWW")
        self.events.append(
            CorrectionInvoiceRequested(
                rma.number,
                order.id,
                invoice_number or f"{series}/{order.channel_order_id}",
                series,
                rma.quantities(),
                total,
                f"correction:{rma.number}",
            )
        )
        self._flow(rma, order).send("refund", reason=f"refund {total}", actor="returns")
        self._close_order(order)
        return total

    def exchange(self, rma: Rma, order: Order, replacement: Mapping[str, int]) -> Order:
        """Send a replacement: a new order for the new SKUs, reserved through the ledger."""
        number = (
            f"{order.channel_order_id}-X{len([r for r in self.rmas if r.order_id == order.id])}"
        )
        lines = [
            OrderLine(
                sku=sku,
                name=f"exchange for {rma.number}",
                quantity=qty,
                unit_price=Money.zero(order.currency),
            )
            for sku, qty in replacement.items()
        ]
        new = order.model_copy(
            deep=True,
            update={
                "id": "",
                "channel_order_id": number,
                "lines": lines,
                "status": OrderStatus.NEW,
                "history": [],
                "shipment": None,
                "reservation_id": None,
                "discount": None,
                "shipping_price": None,
                "payment": Payment(method="exchange", paid_amount=Money.zero(order.currency)),
            },
        )
        new = Order.model_validate(new.model_dump() | {"id": f"{order.channel}-{number}"})
        reservation = self.ledger.reserve(new.id, dict(replacement), key=f"{rma.number}:exchange")
        new.reservation_id = reservation.id
        self._flow(rma, order).send(
            "exchange", reason=f"replacement order {new.id}", actor="returns"
        )
        return new

    def reject(self, rma: Rma, reason: str, order: Order | None = None) -> None:
        """Refuse the return (from Requested or Verified)."""
        self._flow(rma, order).send("reject", reason=reason, actor="support")
        rma.manual = True

    def _close_order(self, order: Order) -> None:
        back = returned_quantities(
            [r for r in self.rmas if r.status is RmaStatus.REFUNDED], order.id
        )
        if all(back.get(sku, 0) >= qty for sku, qty in order.quantities().items()):
            flow = OrderFlow(order, clock=self.clock)
            if flow.can("mark_returned"):
                flow.mark_returned(reason="everything came back", actor="returns")
