"""StockLedger: the one source of truth for stock, with all-or-nothing reservations.

Every operation runs in one store transaction: it is applied whole or not at
all, it appends its movements to the journal, and — when given an idempotency
``key`` — it is remembered, so repeating it returns the first result and
changes nothing (a retried webhook never reserves twice).

>>> from datetime import timedelta
>>> from ecomflow.stock import StockLedger, open_store
>>> ledger = StockLedger(open_store("memory://"))
>>> _ = ledger.receive("MUG-RED", 5)
>>> _ = ledger.receive("CUP-BLUE", 1)
>>> reservation = ledger.reserve("BL-1", {"MUG-RED": 2, "CUP-BLUE": 1}, ttl=timedelta(minutes=30))
>>> ledger.level("MUG-RED").available
3
>>> ledger.reserve("BL-2", {"MUG-RED": 1, "CUP-BLUE": 1})
Traceback (most recent call last):
...
ecomflow.errors.InsufficientStock: Not enough stock for order BL-2: CUP-BLUE (requested 1, available 0 in main). Nothing was reserved; receive stock, reduce the quantities or hold the order.
>>> ledger.level("MUG-RED").reserved
2
>>> _ = ledger.commit("BL-1")
>>> ledger.level("MUG-RED")
StockLevel(sku='MUG-RED', warehouse=None, on_hand=3, reserved=0, quarantined=0, backordered=0)
>>> ledger.verify().ok
True
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from ecomflow.clock import Clock, ensure_aware, utc_now
from ecomflow.errors import (
    IdempotencyConflict,
    InsufficientStock,
    InvalidTransition,
    ReservationExists,
    ReservationExpired,
    ReservationNotFound,
    Shortage,
    ValidationFailed,
)
from ecomflow.stock.models import (
    Backorder,
    Movement,
    MovementKind,
    Reservation,
    ReservationLine,
    ReservationState,
    StockLevel,
)
from ecomflow.stock.sql import (
    LEDGER_MIGRATIONS,
    IdempotencyRecord,
    LevelRow,
    MovementDraft,
    SqlLedgerTx,
    reserve_at_once,
)
from ecomflow.storage import Store

__all__ = ["DEFAULT_WAREHOUSE", "StockLedger", "Verification"]

#: The warehouse used when none is named.
DEFAULT_WAREHOUSE = "main"

T = TypeVar("T", StockLevel, Reservation)
R = TypeVar("R")


@dataclass(frozen=True)
class Verification:
    """What :meth:`StockLedger.verify` found: ``ok`` and the problems, one per line."""

    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every invariant holds."""
        return not self.problems

    def __str__(self) -> str:
        return "stock ledger: ok" if self.ok else "\n".join(self.problems)


def _positive(quantity: int, what: str) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationFailed(f"{what} must be a whole number of units, not {quantity!r}.")
    if quantity <= 0:
        raise ValidationFailed(f"{what} must be positive, not {quantity}.")
    return quantity


def _lines(lines: Mapping[str, int] | Iterable[tuple[str, int]]) -> dict[str, int]:
    pairs = list(lines.items()) if isinstance(lines, Mapping) else list(lines)
    if not pairs:
        raise ValidationFailed("A reservation needs at least one line.")
    result: dict[str, int] = {}
    for sku, quantity in pairs:
        if not isinstance(sku, str) or not sku:
            raise ValidationFailed(f"SKU {sku!r} is not a non-empty string.")
        if sku in result:
            raise ValidationFailed(
                f"SKU {sku!r} appears twice in one reservation; add the quantities up first."
            )
        result[sku] = _positive(quantity, f"Quantity of {sku}")
    return result


def _reservation_id() -> str:
    """``res_`` and 16 random hex digits."""
    return f"res_{os.urandom(8).hex()}"


def _fingerprint(operation: str, payload: Mapping[str, Any]) -> str:
    """What an idempotency key is checked against: the operation and its arguments."""
    return hashlib.sha256(
        json.dumps([operation, payload], sort_keys=True, default=str).encode()
    ).hexdigest()


def _level(row: LevelRow | None, sku: str, warehouse: str) -> StockLevel:
    row = row or LevelRow(sku, warehouse)
    return StockLevel(
        sku=row.sku,
        warehouse=row.warehouse,
        on_hand=row.on_hand,
        reserved=row.reserved,
        quarantined=row.quarantined,
        backordered=row.backordered,
    )


class StockLedger:
    """Stock per SKU and warehouse, reservations and the movement journal.

    Args:
        store: from :func:`ecomflow.storage.open_store` (shared with orders and RMAs).
        clock: where "now" comes from (TTLs, journal times).
        warehouse_priority: the order in which ``reserve(warehouse=None)`` tries
            warehouses; warehouses not listed come after, by name.
        max_attempts: tries of one operation on transient store conflicts.
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock = utc_now,
        warehouse_priority: Sequence[str] = (DEFAULT_WAREHOUSE,),
        max_attempts: int = 20,
    ) -> None:
        self.store = store
        self._clock = clock
        self.warehouse_priority = list(warehouse_priority)
        self._max_attempts = max_attempts
        store.ensure_schema("stock", LEDGER_MIGRATIONS)

    @contextmanager
    def _tx(self) -> Iterator[SqlLedgerTx]:
        """One ledger transaction (a savepoint inside a caller's transaction)."""
        with self.store.transaction() as tx:
            yield SqlLedgerTx(tx)

    # -- the transaction runner ------------------------------------------------------------

    def _retrying(self, attempt: Callable[[], R]) -> R:
        """Run ``attempt`` (one whole transaction) again on transient store conflicts."""
        for number in range(1, self._max_attempts + 1):
            try:
                return attempt()
            except Exception as error:
                if number < self._max_attempts and self.store.is_retryable(error):
                    time.sleep(min(0.2, 0.002 * 2**number) * random.random())
                    continue
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _run(
        self,
        operation: str,
        key: str | None,
        payload: Mapping[str, Any],
        result_type: type[T],
        body: Callable[[SqlLedgerTx, datetime], T],
        fingerprint: str | None = None,
    ) -> T:
        """One idempotent operation: a repeated ``key`` returns the first result."""
        fingerprint = fingerprint or _fingerprint(operation, payload)

        def attempt() -> T:
            with self._tx() as tx:
                if key is not None:
                    seen = tx.idempotency(key)
                    if seen is not None:
                        if (seen.operation, seen.fingerprint) != (operation, fingerprint):
                            raise IdempotencyConflict(key, f"first used for {seen.operation}")
                        return result_type.model_validate_json(seen.result)
                result = body(tx, self._clock())
                if key is not None:
                    tx.save_idempotency(
                        IdempotencyRecord(key, operation, fingerprint, result.model_dump_json())
                    )
                return result

        return self._retrying(attempt)

    # -- goods in and corrections ----------------------------------------------------------

    def receive(
        self,
        sku: str,
        quantity: int,
        *,
        warehouse: str = DEFAULT_WAREHOUSE,
        key: str | None = None,
        note: str | None = None,
    ) -> StockLevel:
        """Goods in: ``quantity`` more on hand (backorders waiting for it are filled first)."""
        _positive(quantity, "Received quantity")

        def body(tx: SqlLedgerTx, now: datetime) -> StockLevel:
            row = tx.levels([sku], warehouse, lock=True).get((sku, warehouse))
            row = row or LevelRow(sku, warehouse)
            row.on_hand += quantity
            tx.save_level(row)
            moves = [
                MovementDraft(
                    now,
                    MovementKind.RECEIPT,
                    sku,
                    warehouse,
                    on_hand=quantity,
                    key=key,
                    reason=note,
                )
            ]
            moves += self._fill_backorders(tx, row, now, key)
            tx.add_movements(moves)
            return _level(row, sku, warehouse)

        return self._run(
            "receive", key, {"sku": sku, "qty": quantity, "wh": warehouse}, StockLevel, body
        )

    def adjust(
        self,
        sku: str,
        delta: int | None = None,
        *,
        warehouse: str = DEFAULT_WAREHOUSE,
        reason: str,
        new_level: int | None = None,
        key: str | None = None,
    ) -> StockLevel:
        """A stock-take correction: on hand changes by ``delta`` or is set to ``new_level``.

        On hand never goes below what is reserved (or below zero): such a
        correction raises :class:`~ecomflow.errors.ValidationFailed` and changes
        nothing — release or re-plan the reservations first.
        """
        if (delta is None) == (new_level is None):
            raise ValidationFailed("adjust() needs exactly one of delta or new_level.")
        if not reason:
            raise ValidationFailed("adjust() needs a reason for the journal.")

        def body(tx: SqlLedgerTx, now: datetime) -> StockLevel:
            row = tx.levels([sku], warehouse, lock=True).get((sku, warehouse))
            row = row or LevelRow(sku, warehouse)
            change = delta if delta is not None else int(new_level or 0) - row.on_hand
            if row.on_hand + change < row.reserved or row.on_hand + change < 0:
                raise ValidationFailed(
                    f"Adjusting {sku} in {warehouse} by {change:+d} would leave {row.on_hand + change}"
                    f" on hand with {row.reserved} reserved; release reservations first."
                )
            row.on_hand += change
            tx.save_level(row)
            moves = [
                MovementDraft(
                    now,
                    MovementKind.ADJUSTMENT,
                    sku,
                    warehouse,
                    on_hand=change,
                    key=key,
                    reason=reason,
                )
            ]
            if change > 0:
                moves += self._fill_backorders(tx, row, now, key)
            tx.add_movements(moves)
            return _level(row, sku, warehouse)

        payload = {"sku": sku, "delta": delta, "to": new_level, "wh": warehouse, "why": reason}
        return self._run("adjust", key, payload, StockLevel, body)

    # -- reservations --------------------------------------------------------------------

    def reserve(
        self,
        order_id: str,
        lines: Mapping[str, int] | Iterable[tuple[str, int]],
        *,
        warehouse: str | None = None,
        ttl: timedelta | None = None,
        key: str | None = None,
    ) -> Reservation:
        """Reserve every line in one warehouse, or nothing.

        With ``warehouse=None`` the first warehouse (by :attr:`warehouse_priority`)
        that can serve the whole order is chosen. A SKU the ledger has never
        seen counts as ``available 0``. ``ttl`` makes the reservation expire
        unless :meth:`confirm` is called (unpaid orders).
        """
        wanted = _lines(lines)
        if ttl is not None and ttl <= timedelta(0):
            raise ValidationFailed(f"ttl must be positive, not {ttl}.")

        def body(tx: SqlLedgerTx, now: datetime) -> Reservation:
            existing = tx.reservation(order_id, lock=True)
            if existing is not None and existing.state.holds_stock:
                raise ReservationExists(order_id, existing.id)
            rows = tx.levels(list(wanted), warehouse, lock=True)
            candidates = self._candidates(rows, warehouse)
            plans: dict[str, dict[str, tuple[int, int]]] = {}
            for candidate in candidates:
                plan = self._plan(tx, rows, candidate, wanted)
                if plan is not None:
                    plans[candidate] = plan
                    break
            if not plans:
                raise InsufficientStock(
                    order_id=order_id, shortages=self._shortages(rows, wanted, candidates)
                )
            chosen, plan = next(iter(plans.items()))
            moves: list[MovementDraft] = []
            for sku in sorted(plan):
                physical, backordered = plan[sku]
                row = rows.get((sku, chosen)) or LevelRow(sku, chosen)
                if backordered:
                    row.reserved += physical
                    row.backordered += backordered
                    tx.save_level(row)
                elif not tx.reserve_units(sku, chosen, physical):  # pragma: no cover - locked
                    raise InsufficientStock(
                        order_id=order_id,
                        shortages=[Shortage(sku, physical, row.on_hand - row.reserved, chosen)],
                    )
                moves.append(
                    MovementDraft(
                        now,
                        MovementKind.RESERVATION,
                        sku,
                        chosen,
                        reserved=physical,
                        backordered=backordered,
                        order_id=order_id,
                        key=key,
                    )
                )
            reservation = Reservation(
                id=_reservation_id(),
                order_id=order_id,
                warehouse=chosen,
                lines=tuple(
                    ReservationLine(sku=s, quantity=q, backordered=plan[s][1])
                    for s, q in wanted.items()
                ),
                state=ReservationState.ACTIVE if ttl else ReservationState.CONFIRMED,
                created_at=now,
                expires_at=now + ttl if ttl else None,
                updated_at=now,
            )
            tx.save_reservation(reservation)
            tx.add_movements(moves)
            return reservation

        payload = {
            "order": order_id,
            "lines": wanted,
            "wh": warehouse,
            "ttl": ttl.total_seconds() if ttl else None,
        }
        fingerprint = _fingerprint("reserve", payload)
        first = warehouse
        if first is None and self.warehouse_priority:
            first = self.warehouse_priority[0]
        if first is not None:
            done = self._reserve_at_once(order_id, wanted, first, ttl, key, fingerprint)
            if done is not None:
                return done
        return self._run("reserve", key, payload, Reservation, body, fingerprint)

    def _reserve_at_once(
        self,
        order_id: str,
        wanted: Mapping[str, int],
        warehouse: str,
        ttl: timedelta | None,
        key: str | None,
        fingerprint: str,
    ) -> Reservation | None:
        """The common case at once: every line served from stock in ``warehouse``.

        ``warehouse`` is the one ``reserve`` would try first, so when all of its
        conditional updates apply the result is the one the full algorithm gives.
        Anything else — a used key, an order that holds a reservation, a line
        short of stock (backorders, another warehouse, ``InsufficientStock``) —
        writes nothing and returns ``None`` for the full algorithm to decide.
        """

        def attempt() -> Reservation | None:
            now = self._clock()
            reservation = Reservation(
                id=_reservation_id(),
                order_id=order_id,
                warehouse=warehouse,
                lines=tuple(ReservationLine(sku=s, quantity=q) for s, q in wanted.items()),
                state=ReservationState.ACTIVE if ttl else ReservationState.CONFIRMED,
                created_at=now,
                expires_at=now + ttl if ttl else None,
                updated_at=now,
            )
            record = None
            if key is not None:
                result = reservation.model_dump_json()
                record = IdempotencyRecord(key, "reserve", fingerprint, result)
            return reservation if reserve_at_once(self.store, reservation, record) else None

        return self._retrying(attempt)

    def confirm(self, order_id: str, *, key: str | None = None) -> Reservation:
        """The order was paid: its reservation no longer expires."""

        def body(tx: SqlLedgerTx, now: datetime) -> Reservation:
            reservation = self._holding(tx, order_id, now)
            if reservation.state is ReservationState.CONFIRMED:
                return reservation
            confirmed = reservation.model_copy(
                update={"state": ReservationState.CONFIRMED, "expires_at": None, "updated_at": now}
            )
            tx.save_reservation(confirmed)
            return confirmed

        return self._run("confirm", key, {"order": order_id}, Reservation, body)

    def release(self, order_id: str, *, key: str | None = None) -> Reservation:
        """Cancelled: the stock becomes available again (releasing twice changes nothing)."""

        def body(tx: SqlLedgerTx, now: datetime) -> Reservation:
            reservation = tx.reservation(order_id, lock=True)
            if reservation is None:
                raise ReservationNotFound(order_id)
            if reservation.state in (ReservationState.RELEASED, ReservationState.EXPIRED):
                return reservation
            if reservation.state is ReservationState.COMMITTED:
                raise InvalidTransition(
                    order_id=order_id,
                    state="committed",
                    event="release",
                    subject="Reservation",
                    hint="The goods have shipped; take them back with receive_return().",
                )
            return self._free(
                tx, reservation, now, ReservationState.RELEASED, MovementKind.RELEASE, key
            )

        return self._run("release", key, {"order": order_id}, Reservation, body)

    def commit(self, order_id: str, *, key: str | None = None) -> Reservation:
        """Shipped: on hand and reserved both go down (committing twice changes nothing)."""

        def body(tx: SqlLedgerTx, now: datetime) -> Reservation:
            reservation = tx.reservation(order_id, lock=True)
            if reservation is not None and reservation.state is ReservationState.COMMITTED:
                return reservation
            reservation = self._holding(tx, order_id, now)
            waiting = [ln for ln in reservation.lines if ln.backordered]
            if waiting:
                raise InsufficientStock(
                    order_id=order_id,
                    shortages=[
                        Shortage(
                            ln.sku, ln.quantity, ln.quantity - ln.backordered, reservation.warehouse
                        )
                        for ln in waiting
                    ],
                )
            rows = tx.levels([ln.sku for ln in reservation.lines], reservation.warehouse, lock=True)
            moves = []
            for line in reservation.lines:
                row = rows[(line.sku, reservation.warehouse)]
                row.on_hand -= line.quantity
                row.reserved -= line.quantity
                tx.save_level(row)
                moves.append(
                    MovementDraft(
                        now,
                        MovementKind.COMMIT,
                        line.sku,
                        reservation.warehouse,
                        on_hand=-line.quantity,
                        reserved=-line.quantity,
                        order_id=order_id,
                        key=key,
                    )
                )
            tx.add_movements(moves)
            committed = reservation.model_copy(
                update={"state": ReservationState.COMMITTED, "expires_at": None, "updated_at": now}
            )
            tx.save_reservation(committed)
            return committed

        return self._run("commit", key, {"order": order_id}, Reservation, body)

    def expire(self, now: datetime | None = None, *, batch: int = 200) -> list[Reservation]:
        """Release every unconfirmed reservation past its TTL; returns what expired.

        Safe from several workers at once: each due reservation is claimed by
        one of them (``SKIP LOCKED`` on PostgreSQL, the write lock on SQLite).
        """
        moment = ensure_aware(now, "now") if now is not None else self._clock()
        expired: list[Reservation] = []

        def attempt() -> list[Reservation]:
            done: list[Reservation] = []
            with self._tx() as tx:
                for order_id in tx.due_reservations(moment, batch):
                    reservation = tx.reservation(order_id, lock=True)
                    if (
                        reservation is None
                        or reservation.state is not ReservationState.ACTIVE
                        or reservation.expires_at is None
                        or reservation.expires_at > moment
                    ):
                        continue
                    done.append(
                        self._free(
                            tx,
                            reservation,
                            moment,
                            ReservationState.EXPIRED,
                            MovementKind.EXPIRY,
                            None,
                        )
                    )
            return done

        while True:
            done = self._retrying(attempt)
            expired.extend(done)
            if len(done) < batch:
                return expired

    def reservation(self, order_id: str) -> Reservation | None:
        """The order's reservation in whatever state it is, or ``None``."""
        with self._tx() as tx:
            return tx.reservation(order_id, lock=False)

    # -- returns (quarantine) ----------------------------------------------------------

    def receive_return(
        self,
        sku: str,
        quantity: int,
        *,
        order_id: str,
        key: str | None = None,
        warehouse: str = DEFAULT_WAREHOUSE,
        reason: str | None = None,
    ) -> StockLevel:
        """Returned units arrive: they go to quarantine, not to available stock."""
        _positive(quantity, "Returned quantity")

        def body(tx: SqlLedgerTx, now: datetime) -> StockLevel:
            row = tx.levels([sku], warehouse, lock=True).get((sku, warehouse))
            row = row or LevelRow(sku, warehouse)
            row.quarantined += quantity
            tx.save_level(row)
            tx.add_movements(
                [
                    MovementDraft(
                        now,
                        MovementKind.RETURN_TO_QUARANTINE,
                        sku,
                        warehouse,
                        quarantined=quantity,
                        order_id=order_id,
                        key=key,
                        reason=reason,
                    )
                ]
            )
            return _level(row, sku, warehouse)

        payload = {"sku": sku, "qty": quantity, "order": order_id, "wh": warehouse}
        return self._run("receive_return", key, payload, StockLevel, body)

    def restock(
        self,
        sku: str,
        quantity: int,
        *,
        warehouse: str = DEFAULT_WAREHOUSE,
        order_id: str | None = None,
        key: str | None = None,
        reason: str | None = None,
    ) -> StockLevel:
        """Quality control passed: quarantined units become available again."""
        return self._from_quarantine(
            "restock", MovementKind.RESTOCK, sku, quantity, warehouse, order_id, key, reason
        )

    def write_off(
        self,
        sku: str,
        quantity: int,
        *,
        reason: str,
        warehouse: str = DEFAULT_WAREHOUSE,
        order_id: str | None = None,
        key: str | None = None,
    ) -> StockLevel:
        """Quality control failed (damaged…): quarantined units leave the books."""
        if not reason:
            raise ValidationFailed("write_off() needs a reason (e.g. 'damaged').")
        return self._from_quarantine(
            "write_off", MovementKind.WRITE_OFF, sku, quantity, warehouse, order_id, key, reason
        )

    def _from_quarantine(
        self,
        operation: str,
        kind: MovementKind,
        sku: str,
        quantity: int,
        warehouse: str,
        order_id: str | None,
        key: str | None,
        reason: str | None,
    ) -> StockLevel:
        _positive(quantity, "Quantity")

        def body(tx: SqlLedgerTx, now: datetime) -> StockLevel:
            row = tx.levels([sku], warehouse, lock=True).get((sku, warehouse))
            if row is None or row.quarantined < quantity:
                held = row.quarantined if row else 0
                raise ValidationFailed(
                    f"Only {held} of {sku} are in quarantine in {warehouse}; cannot {operation} "
                    f"{quantity}. Receive the return first."
                )
            row.quarantined -= quantity
            restocked = quantity if kind is MovementKind.RESTOCK else 0
            row.on_hand += restocked
            tx.save_level(row)
            moves = [
                MovementDraft(
                    now,
                    kind,
                    sku,
                    warehouse,
                    on_hand=restocked,
                    quarantined=-quantity,
                    order_id=order_id,
                    key=key,
                    reason=reason,
                )
            ]
            if restocked:
                moves += self._fill_backorders(tx, row, now, key)
            tx.add_movements(moves)
            return _level(row, sku, warehouse)

        payload = {"sku": sku, "qty": quantity, "wh": warehouse, "order": order_id}
        return self._run(operation, key, payload, StockLevel, body)

    # -- backorders ------------------------------------------------------------------

    def set_backorder(
        self,
        sku: str,
        expected: date,
        *,
        warehouse: str = DEFAULT_WAREHOUSE,
        limit: int | None = None,
    ) -> Backorder:
        """Sell ``sku`` on backorder (pre-order) until goods arrive on ``expected``.

        Reservations beyond stock then succeed with their lines marked
        ``backordered`` (never silently oversold); ``limit`` caps the units sold ahead.
        """
        backorder = Backorder(sku=sku, warehouse=warehouse, expected=expected, limit=limit)
        with self._tx() as tx:
            tx.save_backorder(backorder)
        return backorder

    def clear_backorder(self, sku: str, *, warehouse: str = DEFAULT_WAREHOUSE) -> None:
        """Stop selling ``sku`` on backorder (existing backordered reservations stay)."""
        with self._tx() as tx:
            tx.delete_backorder(sku, warehouse)

    def backorder(self, sku: str, *, warehouse: str = DEFAULT_WAREHOUSE) -> Backorder | None:
        """The backorder settings of ``sku``, if it is sold on backorder."""
        with self._tx() as tx:
            return tx.backorder(sku, warehouse)

    # -- reading -------------------------------------------------------------------------

    def level(self, sku: str, warehouse: str | None = None) -> StockLevel:
        """Stock of ``sku`` in ``warehouse``, or summed over all warehouses (zeros if unknown)."""
        with self._tx() as tx:
            rows = tx.levels([sku], warehouse, lock=False)
        total = StockLevel(sku=sku, warehouse=warehouse)
        for row in rows.values():
            total = total.model_copy(
                update={
                    "on_hand": total.on_hand + row.on_hand,
                    "reserved": total.reserved + row.reserved,
                    "quarantined": total.quarantined + row.quarantined,
                    "backordered": total.backordered + row.backordered,
                }
            )
        return total

    def levels(self, skus: Sequence[str] | None = None) -> list[StockLevel]:
        """Every (SKU, warehouse) level, or those of ``skus``, sorted."""
        with self._tx() as tx:
            rows = tx.all_levels(list(skus) if skus is not None else None)
        return [_level(row, row.sku, row.warehouse) for row in rows]

    def movements(self, sku: str | None = None, *, since: datetime | None = None) -> list[Movement]:
        """The append-only journal, oldest first."""
        if since is not None:
            ensure_aware(since, "since")
        with self._tx() as tx:
            return tx.movements(sku, since)

    def verify(self) -> Verification:
        """Check every invariant and that the journal replays to the current levels."""
        problems: list[str] = []
        with self._tx() as tx:
            rows = tx.all_levels(None)
            sums = tx.movement_sums()
        for row in rows:
            where = f"{row.sku}@{row.warehouse}"
            if not 0 <= row.reserved <= row.on_hand:
                problems.append(
                    f"{where}: reserved {row.reserved} outside 0..on hand {row.on_hand}"
                )
            if row.quarantined < 0 or row.backordered < 0:
                problems.append(f"{where}: negative quarantined or backordered")
            replayed = sums.pop((row.sku, row.warehouse), (0, 0, 0, 0))
            actual = (row.on_hand, row.reserved, row.quarantined, row.backordered)
            if replayed != actual:
                problems.append(f"{where}: journal replays to {replayed}, levels are {actual}")
        for (sku, warehouse), replayed in sums.items():
            if any(replayed):
                problems.append(f"{sku}@{warehouse}: journal has {replayed} but no level row")
        return Verification(problems)

    # -- internals -----------------------------------------------------------------------

    def _candidates(
        self, rows: Mapping[tuple[str, str], LevelRow], warehouse: str | None
    ) -> list[str]:
        if warehouse is not None:
            return [warehouse]
        known = {wh for _, wh in rows} | set(self.warehouse_priority)
        rank = {wh: i for i, wh in enumerate(self.warehouse_priority)}
        return sorted(known, key=lambda wh: (rank.get(wh, len(rank)), wh))

    def _plan(
        self,
        tx: SqlLedgerTx,
        rows: Mapping[tuple[str, str], LevelRow],
        warehouse: str,
        wanted: Mapping[str, int],
    ) -> dict[str, tuple[int, int]] | None:
        plan: dict[str, tuple[int, int]] = {}
        for sku, quantity in wanted.items():
            row = rows.get((sku, warehouse))
            available = row.on_hand - row.reserved if row else 0
            physical = min(quantity, max(available, 0))
            short = quantity - physical
            if short:
                backorder = tx.backorder(sku, warehouse)
                if backorder is None:
                    return None
                already = row.backordered if row else 0
                if backorder.limit is not None and already + short > backorder.limit:
                    return None
            plan[sku] = (physical, short)
        return plan

    def _shortages(
        self,
        rows: Mapping[tuple[str, str], LevelRow],
        wanted: Mapping[str, int],
        candidates: Sequence[str],
    ) -> list[Shortage]:
        """The shortages of the warehouse that came closest (fewest short SKUs, then priority)."""
        best: list[Shortage] | None = None
        for warehouse in candidates:
            short = []
            for sku, quantity in wanted.items():
                row = rows.get((sku, warehouse))
                available = max(row.on_hand - row.reserved, 0) if row else 0
                if available < quantity:
                    short.append(Shortage(sku, quantity, available, warehouse))
            if best is None or len(short) < len(best):
                best = short
        return best or []

    def _holding(self, tx: SqlLedgerTx, order_id: str, now: datetime) -> Reservation:
        reservation = tx.reservation(order_id, lock=True)
        if reservation is None or reservation.state in (
            ReservationState.RELEASED,
            ReservationState.COMMITTED,
        ):
            raise ReservationNotFound(order_id)
        if reservation.state is ReservationState.EXPIRED:
            raise ReservationExpired(order_id)
        if reservation.expires_at is not None and reservation.expires_at <= now:
            raise ReservationExpired(order_id)
        return reservation

    def _free(
        self,
        tx: SqlLedgerTx,
        reservation: Reservation,
        now: datetime,
        state: ReservationState,
        kind: MovementKind,
        key: str | None,
    ) -> Reservation:
        rows = tx.levels([ln.sku for ln in reservation.lines], reservation.warehouse, lock=True)
        moves = []
        for line in reservation.lines:
            row = rows[(line.sku, reservation.warehouse)]
            physical = line.quantity - line.backordered
            row.reserved -= physical
            row.backordered -= line.backordered
            tx.save_level(row)
            moves.append(
                MovementDraft(
                    now,
                    kind,
                    line.sku,
                    reservation.warehouse,
                    reserved=-physical,
                    backordered=-line.backordered,
                    order_id=reservation.order_id,
                    key=key,
                )
            )
        tx.add_movements(moves)
        freed = reservation.model_copy(update={"state": state, "updated_at": now})
        tx.save_reservation(freed)
        return freed

    def _fill_backorders(
        self, tx: SqlLedgerTx, row: LevelRow, now: datetime, key: str | None
    ) -> list[MovementDraft]:
        """Give newly arrived units to backordered reservations, oldest first."""
        if row.backordered == 0:
            return []
        moves = []
        for reservation in tx.backordered_reservations(row.sku, row.warehouse):
            free = row.on_hand - row.reserved
            if free <= 0:
                break
            lines = []
            for original in reservation.lines:
                line = original
                if line.sku == row.sku and line.backordered and free > 0:
                    filled = min(free, line.backordered)
                    free -= filled
                    row.reserved += filled
                    row.backordered -= filled
                    moves.append(
                        MovementDraft(
                            now,
                            MovementKind.BACKORDER_FILLED,
                            row.sku,
                            row.warehouse,
                            reserved=filled,
                            backordered=-filled,
                            order_id=reservation.order_id,
                            key=key,
                        )
                    )
                    line = line.model_copy(update={"backordered": line.backordered - filled})
                lines.append(line)
            tx.save_reservation(
                reservation.model_copy(update={"lines": tuple(lines), "updated_at": now})
            )
        tx.save_level(row)
        return moves

    def __repr__(self) -> str:
        return f"StockLedger({self.store!r})"
