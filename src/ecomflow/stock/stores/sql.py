"""The SQL ledger shared by the SQLite and PostgreSQL stores.

One set of statements, written with ``?`` placeholders and translated for
psycopg; the only dialect differences are the placeholders, row locks
(``FOR UPDATE``, ``SKIP LOCKED`` — SQLite has none and needs none, because
``BEGIN IMMEDIATE`` already serialises writers) and the journal's id column.

Oversell is impossible at three levels: rows are locked (PostgreSQL) or the
writer is alone (SQLite); reservations use a conditional
``UPDATE … WHERE on_hand - reserved >= ?``; and a ``CHECK (reserved <= on_hand)``
constraint refuses anything that slips past both.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, Literal, Self

from ecomflow.stock.models import (
    Backorder,
    Movement,
    MovementKind,
    Reservation,
    ReservationLine,
    ReservationState,
)
from ecomflow.stock.stores.base import IdempotencyRecord, LevelRow, MovementDraft

__all__ = [
    "LEDGER_MIGRATIONS",
    "ConnectionsPerThread",
    "Dialect",
    "SqlLedgerTx",
    "apply_migrations",
    "from_db_time",
    "to_db_time",
]

#: The SQL dialects the stores speak.
Dialect = Literal["sqlite", "postgresql"]

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"


class ConnectionsPerThread:
    """One database connection per thread, all closed by :meth:`close` (both SQL stores)."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[Any] = []
        self._guard = threading.Lock()

    def _current(self) -> Any:
        return getattr(self._local, "conn", None)

    def _remember(self, conn: Any) -> Any:
        self._local.conn = conn
        with self._guard:
            self._all.append(conn)
        return conn

    def close(self) -> None:
        """Close every connection this store opened."""
        with self._guard:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def to_db_time(value: datetime) -> str:
    """A fixed-width UTC text that sorts like the instant (both dialects store TEXT)."""
    return value.astimezone(UTC).strftime(_TIME_FORMAT)


def from_db_time(value: str) -> datetime:
    """The instant stored by :func:`to_db_time`."""
    return datetime.fromisoformat(value)


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


#: The ledger's schema, version by version, per dialect.
LEDGER_MIGRATIONS: Mapping[Dialect, Sequence[Sequence[str]]] = {
    "sqlite": [_ledger_v1("sqlite")],
    "postgresql": [_ledger_v1("postgresql")],
}

_LEVEL_COLUMNS = "sku, warehouse, on_hand, reserved, quarantined, backordered"
_RES_COLUMNS = "order_id, id, warehouse, state, lines, created_at, expires_at, updated_at"
_MOVE_COLUMNS = (
    "at, kind, sku, warehouse, on_hand, reserved, quarantined, backordered, order_id, key, reason"
)


class SqlLedgerTx:
    """A ledger transaction on an open DB-API cursor (SQLite or psycopg)."""

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self._cursor = cursor
        self._dialect = dialect
        self._lock = " FOR UPDATE" if dialect == "postgresql" else ""
        self._skip = " FOR UPDATE SKIP LOCKED" if dialect == "postgresql" else ""
        self._translate: Callable[[str], str] = (
            (lambda sql: sql.replace("?", "%s")) if dialect == "postgresql" else (lambda s: s)
        )

    def _run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self._cursor.execute(self._translate(sql), params)
        return self._cursor

    def _in(self, values: Sequence[Any]) -> str:
        return ", ".join("?" for _ in values)

    # -- levels -------------------------------------------------------------------------

    def levels(
        self, skus: Sequence[str], warehouse: str | None, *, lock: bool
    ) -> dict[tuple[str, str], LevelRow]:
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
        self._run(
            f"INSERT INTO stock_levels ({_LEVEL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (sku, warehouse) DO UPDATE SET on_hand = excluded.on_hand, "
            "reserved = excluded.reserved, quarantined = excluded.quarantined, "
            "backordered = excluded.backordered",
            (row.sku, row.warehouse, row.on_hand, row.reserved, row.quarantined, row.backordered),
        )

    def reserve_units(self, sku: str, warehouse: str, quantity: int) -> bool:
        cursor = self._run(
            "UPDATE stock_levels SET reserved = reserved + ? "
            "WHERE sku = ? AND warehouse = ? AND on_hand - reserved >= ?",
            (quantity, sku, warehouse, quantity),
        )
        return bool(cursor.rowcount == 1)

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
        row = self._run(
            f"SELECT {_RES_COLUMNS} FROM stock_reservations WHERE order_id = ?"
            + (self._lock if lock else ""),
            (order_id,),
        ).fetchone()
        return self._reservation(row) if row else None

    def save_reservation(self, reservation: Reservation) -> None:
        lines = json.dumps([[ln.sku, ln.quantity, ln.backordered] for ln in reservation.lines])
        self._run(
            f"INSERT INTO stock_reservations ({_RES_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (order_id) DO UPDATE SET id = excluded.id, "
            "warehouse = excluded.warehouse, state = excluded.state, lines = excluded.lines, "
            "created_at = excluded.created_at, expires_at = excluded.expires_at, "
            "updated_at = excluded.updated_at",
            (
                reservation.order_id,
                reservation.id,
                reservation.warehouse,
                reservation.state.value,
                lines,
                to_db_time(reservation.created_at),
                to_db_time(reservation.expires_at) if reservation.expires_at else None,
                to_db_time(reservation.updated_at),
            ),
        )

    def due_reservations(self, now: datetime, limit: int) -> list[str]:
        rows = self._run(
            "SELECT order_id FROM stock_reservations WHERE state = 'active' "
            "AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at, order_id "
            f"LIMIT {int(limit)}" + self._skip,
            (to_db_time(now),),
        ).fetchall()
        return [r[0] for r in rows]

    def backordered_reservations(self, sku: str, warehouse: str) -> list[Reservation]:
        rows = self._run(
            f"SELECT {_RES_COLUMNS} FROM stock_reservations WHERE warehouse = ? "
            "AND state IN ('active', 'confirmed') ORDER BY created_at, order_id" + self._lock,
            (warehouse,),
        ).fetchall()
        found = [self._reservation(r) for r in rows]
        return [r for r in found if any(ln.sku == sku and ln.backordered for ln in r.lines)]

    # -- journal ------------------------------------------------------------------------

    def add_movements(self, drafts: Sequence[MovementDraft]) -> None:
        if not drafts:
            return
        self._cursor.executemany(
            self._translate(
                f"INSERT INTO stock_movements ({_MOVE_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            [
                (
                    to_db_time(d.at),
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
                for d in drafts
            ],
        )

    def movements(self, sku: str | None, since: datetime | None) -> list[Movement]:
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
        rows = self._run(
            "SELECT sku, warehouse, SUM(on_hand), SUM(reserved), SUM(quarantined), "
            "SUM(backordered) FROM stock_movements GROUP BY sku, warehouse"
        ).fetchall()
        return {(r[0], r[1]): (int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows}

    # -- idempotency and backorders -----------------------------------------------------

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        row = self._run(
            "SELECT key, operation, fingerprint, result FROM stock_keys WHERE key = ?", (key,)
        ).fetchone()
        return IdempotencyRecord(*row) if row else None

    def save_idempotency(self, record: IdempotencyRecord) -> None:
        self._run(
            "INSERT INTO stock_keys (key, operation, fingerprint, result) VALUES (?, ?, ?, ?)",
            (record.key, record.operation, record.fingerprint, record.result),
        )

    def backorder(self, sku: str, warehouse: str) -> Backorder | None:
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
        self._run(
            "INSERT INTO stock_backorders (sku, warehouse, expected, max_units) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (sku, warehouse) DO UPDATE SET "
            "expected = excluded.expected, max_units = excluded.max_units",
            (backorder.sku, backorder.warehouse, backorder.expected.isoformat(), backorder.limit),
        )

    def delete_backorder(self, sku: str, warehouse: str) -> None:
        self._run("DELETE FROM stock_backorders WHERE sku = ? AND warehouse = ?", (sku, warehouse))


def apply_migrations(
    cursor: Any,
    dialect: Dialect,
    component: str,
    migrations: Sequence[Sequence[str]] | Mapping[Dialect, Sequence[Sequence[str]]],
    translate: Callable[[str], str],
) -> int:
    """Bring ``component`` to the last version; returns the number of versions applied.

    Runs inside the caller's transaction (which serialises concurrent openers).
    """
    steps = migrations[dialect] if isinstance(migrations, Mapping) else migrations
    cursor.execute(
        "CREATE TABLE IF NOT EXISTS ecomflow_schema ("
        "component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
    )
    cursor.execute(
        translate("SELECT version FROM ecomflow_schema WHERE component = ?"), (component,)
    )
    row = cursor.fetchone()
    current = int(row[0]) if row else 0
    for statements in steps[current:]:
        for statement in statements:
            cursor.execute(statement)
    if len(steps) > current:
        cursor.execute(
            translate(
                "INSERT INTO ecomflow_schema (component, version) VALUES (?, ?) "
                "ON CONFLICT (component) DO UPDATE SET version = excluded.version"
            ),
            (component, len(steps)),
        )
    return max(0, len(steps) - current)
