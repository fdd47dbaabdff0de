"""The stock ledger's tables and statements, on the shared store (SQLite or PostgreSQL).

One set of statements, written with ``?`` placeholders (:class:`~ecomflow.storage.Tx`
translates them); the dialect differences are row locks (``FOR UPDATE``,
``SKIP LOCKED`` — SQLite has none and needs none, because ``BEGIN IMMEDIATE``
already serialises writers), the journal's id column, and the common
reservation (:func:`reserve_at_once`), which PostgreSQL runs as one call of a
function so that it costs one round trip.

Oversell is impossible at three levels: rows are locked (PostgreSQL) or the
writer is alone (SQLite); reservations use a conditional
``UPDATE … WHERE on_hand - reserved >= ?`` — the update is the check, and it
locks its row; and a ``CHECK (reserved <= on_hand)`` constraint refuses
anything that slips past both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ecomflow.stock.models import (
    Backorder,
    Movement,
    MovementKind,
    Reservation,
    ReservationLine,
    ReservationState,
)
from ecomflow.storage import Dialect, Store, Tx, from_db_time, to_db_time

__all__ = [
    "LEDGER_MIGRATIONS",
    "IdempotencyRecord",
    "LevelRow",
    "MovementDraft",
    "SqlLedgerTx",
    "reserve_at_once",
]


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


_LEVEL_COLUMNS = "sku, warehouse, on_hand, reserved, quarantined, backordered"
_RES_COLUMNS = "order_id, id, warehouse, state, lines, created_at, expires_at, updated_at"
_MOVE_COLUMNS = (
    "at, kind, sku, warehouse, on_hand, reserved, quarantined, backordered, order_id, key, reason"
)


def _ledger_v1(dialect: Dialect) -> list[str]:
    serial = (
        "BIGSERIAL PRIMARY KEY"
        if dialect == "postgresql"
        else ("INTEGER PRIMARY KEY AUTOINCREMENT")
    )
    # SQLite: tables keyed by text are clustered on that key (one b-tree, not two),
    # which halves the pages each commit writes to the WAL.
    clustered = " WITHOUT ROWID" if dialect == "sqlite" else ""
    return [
        """CREATE TABLE stock_levels (
            sku TEXT NOT NULL,
            warehouse TEXT NOT NULL,
            on_hand INTEGER NOT NULL DEFAULT 0,
            reserved INTEGER NOT NULL DEFAULT 0,
            quarantined INTEGER NOT NULL DEFAULT 0,
            backordered INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (sku, warehouse),
            CHECK (reserved >= 0),
            CHECK (reserved <= on_hand),
            CHECK (quarantined >= 0),
            CHECK (backordered >= 0)
        )"""
        + clustered,
        """CREATE TABLE stock_reservations (
            order_id TEXT PRIMARY KEY,
            id TEXT NOT NULL,
            warehouse TEXT NOT NULL,
            state TEXT NOT NULL,
            lines TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT,
            updated_at TEXT NOT NULL
        )"""
        + clustered,
        "CREATE INDEX stock_reservations_due ON stock_reservations (state, expires_at)",
        f"""CREATE TABLE stock_movements (
            id {serial},
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            sku TEXT NOT NULL,
            warehouse TEXT NOT NULL,
            on_hand INTEGER NOT NULL,
            reserved INTEGER NOT NULL,
            quarantined INTEGER NOT NULL,
            backordered INTEGER NOT NULL,
            order_id TEXT,
            key TEXT,
            reason TEXT
        )""",
        "CREATE INDEX stock_movements_sku ON stock_movements (sku, id)",
        """CREATE TABLE stock_keys (
            key TEXT PRIMARY KEY,
            operation TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            result TEXT NOT NULL
        )"""
        + clustered,
        """CREATE TABLE stock_backorders (
            sku TEXT NOT NULL,
            warehouse TEXT NOT NULL,
            expected TEXT NOT NULL,
            max_units INTEGER,
            PRIMARY KEY (sku, warehouse)
        )""",
    ]


# One round trip for the common reservation: the key claim, the reservation, the
# conditional updates in SKU order and the journal, as one statement. Anything
# that does not apply raises EF001 inside the function's own block, which undoes
# its writes (a subtransaction) and returns false — no error reaches the client
# or the server log, and a caller's transaction is left as it was.
_RESERVE_AT_ONCE_V2 = """CREATE FUNCTION stock_reserve_at_once(
    p_key TEXT, p_fingerprint TEXT, p_result TEXT,
    p_order_id TEXT, p_id TEXT, p_warehouse TEXT, p_state TEXT, p_lines TEXT,
    p_at TEXT, p_expires_at TEXT, p_skus TEXT[], p_quantities INTEGER[]
) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
DECLARE
    line RECORD;
BEGIN
    IF p_key IS NOT NULL THEN
        INSERT INTO stock_keys (key, operation, fingerprint, result)
        VALUES (p_key, 'reserve', p_fingerprint, p_result)
        ON CONFLICT (key) DO NOTHING;
        IF NOT FOUND THEN
            RETURN FALSE;
        END IF;
    END IF;
    INSERT INTO stock_reservations
        (order_id, id, warehouse, state, lines, created_at, expires_at, updated_at)
    VALUES (p_order_id, p_id, p_warehouse, p_state, p_lines, p_at, p_expires_at, p_at)
    ON CONFLICT (order_id) DO UPDATE SET id = excluded.id, warehouse = excluded.warehouse,
        state = excluded.state, lines = excluded.lines, created_at = excluded.created_at,
        expires_at = excluded.expires_at, updated_at = excluded.updated_at
    WHERE stock_reservations.state NOT IN ('active', 'confirmed');
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'EF001';
    END IF;
    FOR line IN
        SELECT t.sku, t.quantity FROM unnest(p_skus, p_quantities) AS t (sku, quantity)
        ORDER BY t.sku
    LOOP
        UPDATE stock_levels SET reserved = reserved + line.quantity
        WHERE sku = line.sku AND warehouse = p_warehouse
            AND on_hand - reserved >= line.quantity;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'EF001';
        END IF;
    END LOOP;
    INSERT INTO stock_movements (at, kind, sku, warehouse, on_hand, reserved, quarantined,
        backordered, order_id, key, reason)
    SELECT p_at, 'reservation', t.sku, p_warehouse, 0, t.quantity, 0, 0, p_order_id, p_key,
        NULL
    FROM unnest(p_skus, p_quantities) AS t (sku, quantity) ORDER BY t.sku;
    RETURN TRUE;
EXCEPTION WHEN SQLSTATE 'EF001' THEN
    RETURN FALSE;
END
$$"""


def _ledger_v2(dialect: Dialect) -> list[str]:
    """Fewer pages and index entries per reservation.

    - The expiry index holds only what ``expire()`` looks for: active
      reservations with a deadline (paid ones never expire), so most
      reservations write no index entry at all.
    - PostgreSQL: ``stock_reserve_at_once``, the common reservation as one call
      (see :func:`reserve_at_once`).
    - SQLite: journal ids without ``AUTOINCREMENT`` — the journal is append-only
      (never deleted from), so ``INTEGER PRIMARY KEY`` already gives increasing
      ids, without updating ``sqlite_sequence`` on every commit. SQLite cannot
      alter that, so the table is copied (ids kept).
    """
    steps = [
        "DROP INDEX stock_reservations_due",
        "CREATE INDEX stock_reservations_due ON stock_reservations (expires_at, order_id) "
        "WHERE state = 'active' AND expires_at IS NOT NULL",
    ]
    if dialect == "postgresql":
        steps.append(_RESERVE_AT_ONCE_V2)
    if dialect == "sqlite":
        steps += [
            """CREATE TABLE stock_movements_v2 (
                id INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                kind TEXT NOT NULL,
                sku TEXT NOT NULL,
                warehouse TEXT NOT NULL,
                on_hand INTEGER NOT NULL,
                reserved INTEGER NOT NULL,
                quarantined INTEGER NOT NULL,
                backordered INTEGER NOT NULL,
                order_id TEXT,
                key TEXT,
                reason TEXT
            )""",
            "INSERT INTO stock_movements_v2 (id, at, kind, sku, warehouse, on_hand, reserved, "
            "quarantined, backordered, order_id, key, reason) SELECT id, at, kind, sku, "
            "warehouse, on_hand, reserved, quarantined, backordered, order_id, key, reason "
            "FROM stock_movements ORDER BY id",
            "DROP TABLE stock_movements",
            "ALTER TABLE stock_movements_v2 RENAME TO stock_movements",
            "CREATE INDEX stock_movements_sku ON stock_movements (sku, id)",
        ]
    return steps


#: The ledger's schema, version by version, per dialect (append a version to change
#: it; a released version's statements never change).
LEDGER_MIGRATIONS: Mapping[Dialect, Sequence[Sequence[str]]] = {
    "sqlite": [_ledger_v1("sqlite"), _ledger_v2("sqlite")],
    "postgresql": [_ledger_v1("postgresql"), _ledger_v2("postgresql")],
}

_MOVE_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

# The conditional update is the stock check: it changes the row only if the units are free.
_RESERVE_UNITS = (
    "UPDATE stock_levels SET reserved = reserved + ? "
    "WHERE sku = ? AND warehouse = ? AND on_hand - reserved >= ?"
)
_UPSERT_RESERVATION = (
    f"INSERT INTO stock_reservations ({_RES_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (order_id) DO UPDATE SET id = excluded.id, "
    "warehouse = excluded.warehouse, state = excluded.state, lines = excluded.lines, "
    "created_at = excluded.created_at, expires_at = excluded.expires_at, "
    "updated_at = excluded.updated_at"
)
_CLAIM_KEY = (
    "INSERT INTO stock_keys (key, operation, fingerprint, result) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (key) DO NOTHING"
)
# A new reservation replaces the order's old one only if that no longer holds stock.
_INSERT_RESERVATION = (
    _UPSERT_RESERVATION + " WHERE stock_reservations.state NOT IN ('active', 'confirmed')"
)


def _key_params(record: IdempotencyRecord) -> tuple[str, str, str, str]:
    return (record.key, record.operation, record.fingerprint, record.result)


def _reservation_params(reservation: Reservation) -> tuple[Any, ...]:
    created = to_db_time(reservation.created_at)
    updated = (
        created
        if reservation.updated_at == reservation.created_at
        else to_db_time(reservation.updated_at)
    )
    return (
        reservation.order_id,
        reservation.id,
        reservation.warehouse,
        reservation.state.value,
        json.dumps([[ln.sku, ln.quantity, ln.backordered] for ln in reservation.lines]),
        created,
        to_db_time(reservation.expires_at) if reservation.expires_at else None,
        updated,
    )


#: Journal rows per ``INSERT`` (well under both dialects' limits on parameters).
_MOVES_PER_INSERT = 256


def _movement_inserts(drafts: Sequence[MovementDraft]) -> list[tuple[str, list[Any]]]:
    """``INSERT`` statements of the drafts, many rows each, in order.

    The drafts of one operation share one instant, so it is formatted once.
    """
    statements: list[tuple[str, list[Any]]] = []
    last_at: datetime | None = None
    at = ""
    for start in range(0, len(drafts), _MOVES_PER_INSERT):
        chunk = drafts[start : start + _MOVES_PER_INSERT]
        params: list[Any] = []
        for d in chunk:
            if d.at != last_at:
                last_at, at = d.at, to_db_time(d.at)
            params += (
                at,
                d.kind,
                d.sku,
                d.warehouse,
                d.on_hand,
                d.reserved,
                d.quarantined,
                d.backordered,
                d.order_id,
                d.key,
                d.reason,
            )
        rows = ", ".join(_MOVE_ROW for _ in chunk)
        statements.append((f"INSERT INTO stock_movements ({_MOVE_COLUMNS}) VALUES {rows}", params))
    return statements


class SqlLedgerTx:
    """The ledger's statements, run inside one store transaction (SQLite or PostgreSQL)."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx
        self._run = tx.execute
        self._in = tx.marks
        self._lock = tx.for_update
        self._skip = tx.skip_locked

    # -- levels -------------------------------------------------------------------------

    def levels(
        self, skus: Sequence[str], warehouse: str | None, *, lock: bool
    ) -> dict[tuple[str, str], LevelRow]:
        """Rows for ``skus`` in ``warehouse`` (all warehouses when ``None``), locked if asked."""
        ordered = sorted(set(skus))
        if not ordered:
            return {}
        sql = f"SELECT {_LEVEL_COLUMNS} FROM stock_levels WHERE sku IN ({self._in(ordered)})"
        params: list[Any] = list(ordered)
        if warehouse is not None:
            sql += " AND warehouse = ?"
            params.append(warehouse)
        # A fixed lock order (SKU, warehouse) keeps multi-line reservations deadlock-free.
        sql += " ORDER BY sku, warehouse" + (self._lock if lock else "")
        rows = self._run(sql, params).fetchall()
        return {(r[0], r[1]): LevelRow(*r) for r in rows}

    def all_levels(self, skus: Sequence[str] | None) -> list[LevelRow]:
        """Every row, or the rows of ``skus``, sorted by SKU then warehouse."""
        sql = f"SELECT {_LEVEL_COLUMNS} FROM stock_levels"
        params: list[Any] = []
        if skus is not None:
            if not skus:
                return []
            sql += f" WHERE sku IN ({self._in(skus)})"
            params = list(skus)
        rows = self._run(sql + " ORDER BY sku, warehouse", params).fetchall()
        return [LevelRow(*r) for r in rows]

    def save_level(self, row: LevelRow) -> None:
        """Insert or update one row."""
        self._run(
            f"INSERT INTO stock_levels ({_LEVEL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (sku, warehouse) DO UPDATE SET on_hand = excluded.on_hand, "
            "reserved = excluded.reserved, quarantined = excluded.quarantined, "
            "backordered = excluded.backordered",
            (row.sku, row.warehouse, row.on_hand, row.reserved, row.quarantined, row.backordered),
        )

    def reserve_units(self, sku: str, warehouse: str, quantity: int) -> bool:
        """Conditionally add ``quantity`` to reserved; ``False`` if it would exceed on hand."""
        cursor = self._run(_RESERVE_UNITS, (quantity, sku, warehouse, quantity))
        return bool(cursor.rowcount == 1)

    def reserve_lines(self, reservation: Reservation, key: IdempotencyRecord | None) -> bool:
        """SQLite's :func:`reserve_at_once`: the same writes, statement by statement.

        Stops at the first one that does not apply and returns ``False``; the
        caller then rolls back. (SQLite has no round trips to save, and
        ``BEGIN IMMEDIATE`` makes the writer alone.)
        """
        run = self._run
        if key is not None and not run(_CLAIM_KEY, _key_params(key)).rowcount:
            return False
        params = _reservation_params(reservation)
        if not run(_INSERT_RESERVATION, params).rowcount:
            return False
        order_id, _, warehouse, _, _, at, _, _ = params
        lines = sorted((line.sku, line.quantity) for line in reservation.lines)
        for sku, quantity in lines:
            if not run(_RESERVE_UNITS, (quantity, sku, warehouse, quantity)).rowcount:
                return False
        # The journal as _movement_inserts writes it, without building drafts first.
        values: list[Any] = []
        claimed = key.key if key is not None else None
        for sku, quantity in lines:
            values += (
                at,
                "reservation",
                sku,
                warehouse,
                0,
                quantity,
                0,
                0,
                order_id,
                claimed,
                None,
            )
        rows = ", ".join(_MOVE_ROW for _ in lines)
        run(f"INSERT INTO stock_movements ({_MOVE_COLUMNS}) VALUES {rows}", values)
        return True

    # -- reservations -------------------------------------------------------------------

    @staticmethod
    def _reservation(row: Sequence[Any]) -> Reservation:
        order_id, rid, warehouse, state, lines, created, expires, updated = row
        return Reservation(
            id=rid,
            order_id=order_id,
            warehouse=warehouse,
            state=ReservationState(state),
            lines=tuple(
                ReservationLine(sku=s, quantity=q, backordered=b) for s, q, b in json.loads(lines)
            ),
            created_at=from_db_time(created),
            expires_at=from_db_time(expires) if expires else None,
            updated_at=from_db_time(updated),
        )

    def reservation(self, order_id: str, *, lock: bool) -> Reservation | None:
        """The order's reservation, whatever its state."""
        row = self._run(
            f"SELECT {_RES_COLUMNS} FROM stock_reservations WHERE order_id = ?"
            + (self._lock if lock else ""),
            (order_id,),
        ).fetchone()
        return self._reservation(row) if row else None

    def save_reservation(self, reservation: Reservation) -> None:
        """Insert or replace the order's reservation."""
        self._run(_UPSERT_RESERVATION, _reservation_params(reservation))

    def due_reservations(self, now: datetime, limit: int) -> list[str]:
        """Order ids of active reservations expired at ``now`` (skipping rows others lock)."""
        rows = self._run(
            "SELECT order_id FROM stock_reservations WHERE state = 'active' "
            "AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at, order_id "
            f"LIMIT {int(limit)}" + self._skip,
            (to_db_time(now),),
        ).fetchall()
        return [r[0] for r in rows]

    def backordered_reservations(self, sku: str, warehouse: str) -> list[Reservation]:
        """Reservations holding backordered units of ``sku``, oldest first, locked."""
        rows = self._run(
            f"SELECT {_RES_COLUMNS} FROM stock_reservations WHERE warehouse = ? "
            "AND state IN ('active', 'confirmed') ORDER BY created_at, order_id" + self._lock,
            (warehouse,),
        ).fetchall()
        found = [self._reservation(r) for r in rows]
        return [r for r in found if any(ln.sku == sku and ln.backordered for ln in r.lines)]

    # -- journal ------------------------------------------------------------------------

    def add_movements(self, drafts: Sequence[MovementDraft]) -> None:
        """Append journal entries, in order (one statement per 256 of them)."""
        for statement in _movement_inserts(drafts):
            self._run(*statement)

    def movements(self, sku: str | None, since: datetime | None) -> list[Movement]:
        """Journal entries in order, optionally for one SKU and from an instant."""
        sql = f"SELECT id, {_MOVE_COLUMNS} FROM stock_movements WHERE 1 = 1"
        params: list[Any] = []
        if sku is not None:
            sql += " AND sku = ?"
            params.append(sku)
        if since is not None:
            sql += " AND at >= ?"
            params.append(to_db_time(since))
        rows = self._run(sql + " ORDER BY id", params).fetchall()
        return [
            Movement(
                id=r[0],
                at=from_db_time(r[1]),
                kind=MovementKind(r[2]),
                sku=r[3],
                warehouse=r[4],
                on_hand=r[5],
                reserved=r[6],
                quarantined=r[7],
                backordered=r[8],
                order_id=r[9],
                key=r[10],
                reason=r[11],
            )
            for r in rows
        ]

    def movement_sums(self) -> dict[tuple[str, str], tuple[int, int, int, int]]:
        """Per (SKU, warehouse): the summed deltas of on hand, reserved, quarantined, backordered."""
        rows = self._run(
            "SELECT sku, warehouse, SUM(on_hand), SUM(reserved), SUM(quarantined), "
            "SUM(backordered) FROM stock_movements GROUP BY sku, warehouse"
        ).fetchall()
        return {(r[0], r[1]): (int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows}

    # -- idempotency and backorders -----------------------------------------------------

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        """The record of ``key``, if used before."""
        row = self._run(
            "SELECT key, operation, fingerprint, result FROM stock_keys WHERE key = ?", (key,)
        ).fetchone()
        return IdempotencyRecord(*row) if row else None

    def save_idempotency(self, record: IdempotencyRecord) -> None:
        """Remember what ``key`` did (a duplicate key raises the driver's integrity error)."""
        self._run(
            "INSERT INTO stock_keys (key, operation, fingerprint, result) VALUES (?, ?, ?, ?)",
            _key_params(record),
        )

    def backorder(self, sku: str, warehouse: str) -> Backorder | None:
        """The backorder settings of a SKU."""
        row = self._run(
            "SELECT sku, warehouse, expected, max_units FROM stock_backorders "
            "WHERE sku = ? AND warehouse = ?",
            (sku, warehouse),
        ).fetchone()
        if not row:
            return None
        return Backorder(
            sku=row[0], warehouse=row[1], expected=date.fromisoformat(row[2]), limit=row[3]
        )

    def save_backorder(self, backorder: Backorder) -> None:
        """Mark a SKU as sold on backorder (or update it)."""
        self._run(
            "INSERT INTO stock_backorders (sku, warehouse, expected, max_units) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (sku, warehouse) DO UPDATE SET "
            "expected = excluded.expected, max_units = excluded.max_units",
            (backorder.sku, backorder.warehouse, backorder.expected.isoformat(), backorder.limit),
        )

    def delete_backorder(self, sku: str, warehouse: str) -> None:
        """Stop selling a SKU on backorder."""
        self._run("DELETE FROM stock_backorders WHERE sku = ? AND warehouse = ?", (sku, warehouse))


class _NotAtOnce(Exception):
    """The writes did not all apply; the transaction rolls back."""


def reserve_at_once(store: Store, reservation: Reservation, key: IdempotencyRecord | None) -> bool:
    """Write a reservation served wholly from stock in its warehouse, or nothing.

    Claims ``key`` (``ON CONFLICT DO NOTHING``), inserts the reservation unless
    the order holds one that still holds stock, reserves each line with the
    conditional update in SKU order (the order every writer locks rows in) and
    appends the journal. ``False`` — and nothing written — when the key was
    used before, the order holds a reservation or a line is short: the full
    algorithm then decides (replay, ``ReservationExists``, another warehouse,
    backorders, ``InsufficientStock``).

    On PostgreSQL this is one call of ``stock_reserve_at_once`` (schema
    version 2): one statement, so one round trip, run by the server as one
    transaction; on SQLite the same statements in one ``BEGIN IMMEDIATE``.
    """
    if store.dialect == "postgresql":
        quantities = [line.quantity for line in reservation.lines]
        claim = (key.key, key.fingerprint, key.result) if key else (None, None, None)
        skus = [line.sku for line in reservation.lines]
        rows = store.execute(
            "SELECT stock_reserve_at_once(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::text[], ?::integer[])",
            (*claim, *_reservation_params(reservation)[:-1], skus, quantities),
        )
        return bool(rows[0][0])
    try:
        with store.transaction() as tx:
            if not SqlLedgerTx(tx).reserve_lines(reservation, key):
                raise _NotAtOnce
    except _NotAtOnce:
        return False
    return True
