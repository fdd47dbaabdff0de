"""RMA data: the return policy, reasons, lines, the RMA itself and typed refusals."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ecomflow.money import Money
from ecomflow.orders.models import Transition

__all__ = [
    "LineOutcome",
    "Refusal",
    "ReturnLine",
    "ReturnPolicy",
    "ReturnReason",
    "Rma",
    "RmaStatus",
]


class ReturnReason(StrEnum):
    """Why the customer returns (free text goes in ``Rma.reason_text``)."""

    WRONG_SIZE = "wrong_size"
    WRONG_COLOUR = "wrong_colour"
    NOT_AS_DESCRIBED = "not_as_described"
    DAMAGED = "damaged"
    LATE_DELIVERY = "late_delivery"
    CHANGED_MIND = "changed_mind"
    OTHER = "other"


_LABELS = {
    "requested": ("Zgłoszony", "Requested"),
    "sent_back": ("Odesłany", "Sent back"),
    "received": ("Przyjęty", "Received"),
    "verified": ("Zweryfikowany", "Verified"),
    "refunded": ("Zwrot środków", "Refunded"),
    "exchanged": ("Wymiana", "Exchanged"),
    "rejected": ("Odrzucony", "Rejected"),
}


class RmaStatus(StrEnum):
    """Where a return is (the seeds' Zgłoszony → Odesłany → Zweryfikowany → Zwrot/Wymiana)."""

    REQUESTED = "requested"
    SENT_BACK = "sent_back"
    RECEIVED = "received"
    VERIFIED = "verified"
    REFUNDED = "refunded"
    EXCHANGED = "exchanged"
    REJECTED = "rejected"

    def label(self, locale: str = "pl") -> str:
        """The name in Polish (default) or English."""
        pl, en = _LABELS[self.value]
        return pl if locale.lower().startswith("pl") else en


class ReturnPolicy(BaseModel):
    """A shop's (or a channel's) return rules.

    The window counts calendar days from delivery; when no delivery is known
    (the carrier never confirmed it), from shipping.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    window_days: int = Field(default=14, ge=1)
    channel_windows: dict[str, int] = Field(default_factory=dict)
    excluded_skus: frozenset[str] = frozenset()
    shop_pays_return: bool = True
    refund_shipping: bool = Field(default=True, description="Refund shipping when all returned.")
    refund_method: str = "original_payment"

    def window_for(self, channel: str) -> int:
        """The window in days on ``channel``."""
        return self.channel_windows.get(channel, self.window_days)


class LineOutcome(StrEnum):
    """What quality control decided for returned units."""

    RESTOCK = "restock"
    WRITE_OFF = "write_off"


class ReturnLine(BaseModel):
    """Units of one SKU coming back, and (after verification) what happened to them."""

    model_config = ConfigDict(extra="forbid")

    sku: str
    quantity: int = Field(gt=0)
    refund: Money | None = None
    restocked: int = 0
    written_off: int = 0


class Rma(BaseModel):
    """A return merchandise authorisation."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    number: str
    order_id: str
    channel: str
    lines: list[ReturnLine] = Field(min_length=1)
    reason: ReturnReason
    reason_text: str = ""
    status: RmaStatus = RmaStatus.REQUESTED
    requested_at: AwareDatetime
    return_tracking_number: str | None = None
    refund_total: Money | None = None
    manual: bool = Field(default=False, description="A support agent acted on it.")
    key: str | None = Field(default=None, description="Idempotency key of the request.")
    history: list[Transition] = Field(default_factory=list)

    def quantities(self) -> dict[str, int]:
        """SKU → returned quantity."""
        return {line.sku: line.quantity for line in self.lines}


class Refusal(BaseModel):
    """A return that cannot be accepted, and why (a result, not an exception)."""

    model_config = ConfigDict(frozen=True)

    order_id: str
    code: str
    message: str
    days_over: int | None = None
    at: datetime | None = None

    def __str__(self) -> str:
        return self.message
