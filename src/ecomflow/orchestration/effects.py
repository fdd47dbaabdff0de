"""Outbox effects: what the Orchestrator will do to the outside world, as typed data.

A state change and the effects it causes are saved in one transaction; a
dispatcher executes each effect later, exactly once per key, with one handler
per effect type (:mod:`ecomflow.orchestration.handlers`). An effect is a frozen
pydantic model; :data:`Effect` is their tagged union, stored as JSON and read
back typed — no string dispatch over dictionaries.

>>> effect = CreateShipment(order_id="shop-1", carrier="inpost", service_id="inpost_locker_standard")
>>> effect.key
'ship:shop-1'
>>> EFFECTS.validate_json(EFFECTS.dump_json(effect)) == effect
True
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from ecomflow.money import Money
from ecomflow.orders.status import OrderStatus
from ecomflow.returns.models import RmaStatus
from ecomflow.shipping.exceptions import DelayReason

__all__ = [
    "EFFECTS",
    "CancelShipment",
    "ConfirmShipment",
    "CreateReturnLabel",
    "CreateShipment",
    "Effect",
    "PublishStock",
    "RequestCorrectionInvoice",
    "RequestRefund",
    "SendMessage",
    "SendReturnUpdate",
    "WriteStatus",
    "WriteTracking",
]


class _Effect(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    order_id: str | None = None

    @property
    def key(self) -> str:
        """The effect's idempotency key: queued once, executed once."""
        raise NotImplementedError

    @property
    def label(self) -> str:
        """A short human description for status screens and logs."""
        return f"{self.kind} {self.order_id or ''}".strip()  # type: ignore[attr-defined]


class CreateShipment(_Effect):
    """Buy the label for the order's planned service from that service's carrier."""

    kind: Literal["create_shipment"] = "create_shipment"
    order_id: str
    carrier: str
    service_id: str

    @property
    def key(self) -> str:
        """The idempotency key."""
        return f"ship:{self.order_id}"


class ConfirmShipment(_Effect):
    """Read a created shipment again until the carrier confirms it (tracking number)."""

    kind: Literal["confirm_shipment"] = "confirm_shipment"
    order_id: str
    carrier: str
    shipment_id: str
    round: int = 0

    @property
    def key(self) -> str:
        """The idempotency key."""
        return f"confirm:{self.order_id}:{self.shipment_id}:{self.round}"


class CancelShipment(_Effect):
    """Cancel the order's shipment at the carrier (a cancellation after the label)."""

    kind: Literal["cancel_shipment"] = "cancel_shipment"
    order_id: str
    carrier: str
    shipment_id: str

    @property
    def key(self) -> str:
        """The idempotency key."""
        return f"cancel-shipment:{self.order_id}:{self.shipment_id}"


class WriteTracking(_Effect):
    """Record the shipment on the order's channel (at most once)."""

    kind: Literal["write_tracking"] = "write_tracking"
    order_id: str
    carrier: str
    shipment_id: str
    tracking_number: str

    @property
    def key(self) -> str:
        """The idempotency key."""
        return f"tracking:{self.order_id}:{self.tracking_number}"


class WriteStatus(_Effect):
    """Write the order's master status back to its channel (bulk where the channel can)."""

    kind: Literal["write_status"] = "write_status"
    order_id: str
    channel: str
    status: OrderStatus

    @property
    def key(self) -> str:
        """The idempotency key."""
        return f"status:{self.order_id}:{self.status.value}"


class SendMessage(_Effect):
    """Send one customer message (rendered when sent, from the order as it is then)."""

    kind: Literal["send_message"] = "send_message"
    order_id: str
    message: str = Field(description="The MessageKind value, or a rule's template name.")
    incident: str = Field(default="", description="Tells apart messages of one kind (delays).")
    ship_date: date | None = None
    delivery_date: date | None = None
    delay_reason: DelayReason | None = None

    @property
    def key(self) -> str:
        """The idempotency key (one message per kind, order and incident)."""
        suffix = f":{self.incident}" if self.incident else ""
        return f"msg:{self.message}:{self.order_id}{suffix}"


class PublishStock(_Effect):
    """Publish the ledger's available stock of some SKUs to one channel."""

    kind: Literal["publish_stock"] = "publish_stock"
    channel: str
    skus: tuple[str, ...]
    batch: str = Field(description="Tells apart publications (e.g. the cycle's time).")

    @property
    def key(self) -> str:
        """The idempotency key."""
        return f"publish:{self.channel}:{self.batch}"


class RequestRefund(_Effect):
    """Ask the payment system to refund an RMA (an event for the shop's payment adapter)."""

    kind: Literal["request_refund"] = "request_refund"
    order_id: str
    rma: str
    amount: Money
    method: str = Field(
        default="original_payment", description="How to pay it back (ReturnPolicy.refund_method)."
    )

    @property
    def key(self) -> str:
        """The idempotency key."""
        return f"refund:{self.rma}"


class RequestCorrectionInvoice(_Effect):
    """Ask the accounting system for a correcting invoice of an RMA."""

    kind: Literal["request_correction"] = "request_correction"
    order_id: str
    rma: str
    original_document: str | None = None
    amount: Money

    @property
    def key(self) -> str:
        """The idempotency key."""
        return f"correction:{self.rma}"


class CreateReturnLabel(_Effect):
    """Buy an RMA's return label from the carrier of the order's shipment."""

    kind: Literal["create_return_label"] = "create_return_label"
    order_id: str
    rma: str
    carrier: str
    service_id: str | None = None

    @property
    def key(self) -> str:
        """The idempotency key (one label per RMA)."""
        return f"return-label:{self.rma}"


class SendReturnUpdate(_Effect):
    """Tell the customer where their return is: a ``return_update`` message, once per state.

    Rendered when sent, from the RMA and the order as they are then; the first
    one (``requested``) carries the number, what to do and the return label.
    """

    kind: Literal["send_return_update"] = "send_return_update"
    order_id: str
    rma: str
    status: RmaStatus

    @property
    def key(self) -> str:
        """The idempotency key (the shape of a ``SendMessage`` with the RMA as its incident)."""
        return f"msg:return_update:{self.order_id}:{self.rma}:{self.status.value}"


#: Every effect, discriminated by ``kind``.
Effect = Annotated[
    CreateShipment
    | ConfirmShipment
    | CancelShipment
    | WriteTracking
    | WriteStatus
    | SendMessage
    | PublishStock
    | RequestRefund
    | RequestCorrectionInvoice
    | CreateReturnLabel
    | SendReturnUpdate,
    Field(discriminator="kind"),
]

#: Reads and writes :data:`Effect` as JSON.
EFFECTS: TypeAdapter[Effect] = TypeAdapter(Effect)
