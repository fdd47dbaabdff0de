"""The store contract: what the ledger (and other components) need from a database.

A store owns one database. The stock ledger talks to it through
:class:`LedgerTx`, a unit of work opened by :meth:`Store.ledger` — every ledger
operation runs inside one such transaction, so it is applied whole or not at
all. Other components (the orchestrator's orders and outbox, the RMA number
sequence) keep their own tables in the same database through
:meth:`SqlStore.transaction` and :meth:`SqlStore.ensure_schema`.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from ecomflow.stock.models import Backorder, Movement, Reservation

__all__ = ["IdempotencyRecord", "LedgerTx", "LevelRow", "MovementDraft", "Store", "StoreKind"]

#: The kinds of store ``open_store`` builds.
StoreKind = Literal["memory", "sqlite", "postgresql"]


@dataclass(slots=True)
class LevelRow:
    """The counters of one SKU in one warehouse, as stored (mutable inside a transaction)."""

    sku: str
    warehouse: str
    on_hand: int = 0
    reserved: int = 0
    quarantined: int = 0
    backordered: int = 0

    def copy(self) -> LevelRow:
        """An independent copy."""
        return LevelRow(
            self.sku,
            self.warehouse,
            self.on_hand,
            self.reserved,
            self.quarantined,
            self.backordered,
        )


@dataclass(frozen=True, slots=True)
class MovementDraft:
    """A journal entry before the store gives it an id."""

    at: datetime
    kind: str
    sku: str
    warehouse: str
    on_hand: int = 0
    reserved: int = 0
    quarantined: int = 0
    backordered: int = 0
    order_id: str | None = None
    key: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """What an idempotency key was used for, and the result it produced."""

    key: str
    operation: str
    fingerprint: str
    result: str


class LedgerTx(Protocol):
    """One ledger transaction; everything it does is committed together or not at all."""

    def levels(
        self, skus: Sequence[str], warehouse: str | None, *, lock: bool
    ) -> dict[tuple[str, str], LevelRow]:
        """Rows for ``skus`` in ``warehouse`` (all warehouses when ``None``), locked if asked."""

    def all_levels(self, skus: Sequence[str] | None) -> list[LevelRow]:
        """Every row, or the rows of ``skus``, sorted by SKU then warehouse."""

    def save_level(self, row: LevelRow) -> None:
        """Insert or update one row."""

    def reserve_units(self, sku: str, warehouse: str, quantity: int) -> bool:
        """Conditionally add ``quantity`` to reserved; ``False`` if it would exceed on hand."""

    def reservation(self, order_id: str, *, lock: bool) -> Reservation | None:
        """The order's reservation, whatever its state."""

    def save_reservation(self, reservation: Reservation) -> None:
        """Insert or replace the order's reservation."""

    def due_reservations(self, now: datetime, limit: int) -> list[str]:
        """Order ids of active reservations expired at ``now`` (skipping rows others lock)."""

    def backordered_reservations(self, sku: str, warehouse: str) -> list[Reservation]:
        """Reservations holding backordered units of ``sku``, oldest first, locked."""

    def add_movements(self, drafts: Sequence[MovementDraft]) -> None:
        """Append journal entries."""

    def movements(self, sku: str | None, since: datetime | None) -> list[Movement]:
        """Journal entries in order, optionally for one SKU and from an instant."""

    def movement_sums(self) -> dict[tuple[str, str], tuple[int, int, int, int]]:
        """Per (SKU, warehouse): the summed deltas of on hand, reserved, quarantined, backordered."""

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        """The record of ``key``, if used before."""

    def save_idempotency(self, record: IdempotencyRecord) -> None:
        """Remember what ``key`` did (a duplicate key raises the driver's integrity error)."""

    def backorder(self, sku: str, warehouse: str) -> Backorder | None:
        """The backorder settings of a SKU."""

    def save_backorder(self, backorder: Backorder) -> None:
        """Mark a SKU as sold on backorder (or update it)."""

    def delete_backorder(self, sku: str, warehouse: str) -> None:
        """Stop selling a SKU on backorder."""


class Store(Protocol):
    """What every store offers."""

    url: str
    kind: StoreKind

    def ledger(self) -> AbstractContextManager[LedgerTx]:
        """Open one ledger transaction (retried by the ledger on transient conflicts)."""

    def is_retryable(self, error: BaseException) -> bool:
        """Whether ``error`` is a transient conflict worth retrying (lock, duplicate key)."""

    def close(self) -> None:
        """Release connections."""

    def __enter__(self) -> Any:
        """Context manager support: closes on exit."""

    def __exit__(self, *exc: object) -> None:
        """Close the store."""
