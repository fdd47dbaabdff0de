"""Value objects of the stock ledger: levels, reservations and journal movements."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

__all__ = [
    "Backorder",
    "Movement",
    "MovementKind",
    "Reservation",
    "ReservationLine",
    "ReservationState",
    "StockLevel",
]


class StockLevel(BaseModel):
    """Stock of one SKU (in one warehouse, or summed over all of them).

    ``available = on_hand − reserved``; quarantined units (returns waiting for
    quality control) are counted apart and are never available.
    """

    model_config = ConfigDict(frozen=True)

    sku: str
    warehouse: str | None
    on_hand: int = 0
    reserved: int = 0
    quarantined: int = 0
    backordered: int = Field(default=0, description="Reserved beyond stock, waiting for goods.")

    @property
    def available(self) -> int:
        """What can still be reserved: on hand minus reserved."""
        return self.on_hand - self.reserved


class ReservationState(StrEnum):
    """Where a reservation is in its life."""

    ACTIVE = "active"  # holds stock, may expire
    CONFIRMED = "confirmed"  # paid: holds stock, never expires
    RELEASED = "released"  # cancelled: stock available again
    EXPIRED = "expired"  # unpaid past its TTL: stock available again
    COMMITTED = "committed"  # shipped: stock left the warehouse

    @property
    def holds_stock(self) -> bool:
        """Whether the reservation still holds units."""
        return self in (ReservationState.ACTIVE, ReservationState.CONFIRMED)


class ReservationLine(BaseModel):
    """One SKU of a reservation; ``backordered`` of ``quantity`` wait for goods."""

    model_config = ConfigDict(frozen=True)

    sku: str
    quantity: int = Field(gt=0)
    backordered: int = Field(default=0, ge=0)


class Reservation(BaseModel):
    """The stock held for one order, in one warehouse."""

    model_config = ConfigDict(frozen=True)

    id: str
    order_id: str
    warehouse: str
    lines: tuple[ReservationLine, ...]
    state: ReservationState
    created_at: AwareDatetime
    expires_at: AwareDatetime | None = None
    updated_at: AwareDatetime

    @property
    def quantities(self) -> dict[str, int]:
        """SKU → reserved quantity."""
        return {line.sku: line.quantity for line in self.lines}

    @property
    def backordered(self) -> bool:
        """Whether any line waits for goods that have not arrived."""
        return any(line.backordered for line in self.lines)


class MovementKind(StrEnum):
    """Why stock moved (the journal's vocabulary)."""

    RECEIPT = "receipt"
    ADJUSTMENT = "adjustment"
    RESERVATION = "reservation"
    RELEASE = "release"
    EXPIRY = "expiry"
    COMMIT = "commit"
    BACKORDER_FILLED = "backorder_filled"
    RETURN_TO_QUARANTINE = "return_to_quarantine"
    RESTOCK = "restock"
    WRITE_OFF = "write_off"


class Movement(BaseModel):
    """One append-only journal entry: the change of each counter and why."""

    model_config = ConfigDict(frozen=True)

    id: int
    at: datetime
    kind: MovementKind
    sku: str
    warehouse: str
    on_hand: int = Field(description="Change of on hand.")
    reserved: int = Field(description="Change of reserved.")
    quarantined: int = Field(default=0, description="Change of quarantined.")
    backordered: int = Field(default=0, description="Change of backordered.")
    order_id: str | None = None
    key: str | None = None
    reason: str | None = None


class Backorder(BaseModel):
    """A SKU sold on backorder (pre-order): reservations beyond stock succeed, marked."""

    model_config = ConfigDict(frozen=True)

    sku: str
    warehouse: str
    expected: date
    limit: int | None = Field(default=None, ge=0, description="Most units sold ahead of stock.")
