"""RMA data: the return policy, reasons, lines, the RMA itself and typed refusals."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from ecomflow.money import Money
from ecomflow.orders.models import Transition

__all__ = [
    "DEFAULT_TIMEZONE",
    "LineOutcome",
    "Refusal",
    "ReturnLine",
    "ReturnPolicy",
    "ReturnReason",
    "Rma",
    "RmaStatus",
]


#: Where a shop's calendar days are counted when nothing else says.
DEFAULT_TIMEZONE = "Europe/Warsaw"


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

    The window counts calendar days in the shop's time zone from the day of
    delivery (or, when the carrier never confirmed delivery, of shipping): a
    parcel picked up at 00:30 on 10 November in Warsaw was delivered on the
    10th, whatever the UTC date. ``timezone`` names that zone; without it the
    business calendar's zone is used (the returns desk), else Europe/Warsaw.

    Shipping is refunded once, with the refund that completes the return of the
    whole order — Polish consumer law (art. 32 ust. 1 of the Consumer Rights Act,
    *ustawa o prawach konsumenta*, 30 May 2014; art. 13 of Directive 2011/83/EU)
    makes the seller return every payment, delivery included, on a withdrawal
    from the whole contract. ``refund_shipping=False`` cannot opt out of that:
    a full withdrawal is then refused with :class:`~ecomflow.errors.GuardFailed`
    (it exists for shops whose buyers are not consumers to notice the rule).
    ``standard_delivery`` is the cheapest standard delivery the shop offered:
    when the customer chose a dearer one, only that much is refunded (art. 33
    of the same act; art. 13(2) of the Directive).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    window_days: int = Field(
        default=14,
        ge=1,
        description="Days to ask for a return, from delivery (or shipping) in the shop's zone.",
    )
    channel_windows: dict[str, int] = Field(
        default_factory=dict, description="Another window on some channels, e.g. {allegro = 30}."
    )
    excluded_skus: frozenset[str] = Field(
        default=frozenset(), description="SKUs that cannot be returned (e.g. made to order)."
    )
    shop_pays_return: bool = Field(
        default=True, description="The shop buys the return label (the desk queues it)."
    )
    refund_shipping: bool = Field(
        default=True,
        description="Refund the delivery cost when the whole order came back (required by law).",
    )
    standard_delivery: Money | None = Field(
        default=None, description="The cheapest standard delivery: the most shipping refunded."
    )
    refund_method: str = Field(
        default="original_payment",
        description="How refunds are paid back; told to the payment system with each refund.",
    )
    timezone: str | None = Field(
        default=None, description="The zone the window's days are counted in (IANA name)."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}; use e.g. 'Europe/Warsaw'") from None
        return value

    def window_for(self, channel: str) -> int:
        """The window in days on ``channel``."""
        return self.channel_windows.get(channel, self.window_days)

    def zone(self, default: str = DEFAULT_TIMEZONE) -> ZoneInfo:
        """The zone the window's calendar days are counted in (``default`` when not set)."""
        return ZoneInfo(self.timezone or default)


class LineOutcome(StrEnum):
    """What quality control decided for returned units."""

    RESTOCK = "restock"
    WRITE_OFF = "write_off"


class ReturnLine(BaseModel):
    """Units of one SKU coming back, and (after verification) what happened to them."""

    model_config = ConfigDict(extra="forbid")

    sku: str
    quantity: int = Field(gt=0)
    refund: Money | None = Field(default=None, description="What these units paid (refunded).")
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
    return_carrier: str | None = Field(default=None, description="Who carries the parcel back.")
    return_shipment_id: str | None = Field(default=None, description="The return label's id.")
    return_tracking_number: str | None = None
    return_tracking_url: str | None = None
    refund_total: Money | None = None
    shipping_refund: Money | None = Field(
        default=None, description="The delivery cost refunded with it (the last of a full return)."
    )
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
