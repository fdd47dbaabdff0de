"""Orders, the outbox and the Orchestrator's records, in the same store as the stock ledger.

Tables (component ``orchestrator`` in ``ecomflow_schema``):

- ``ef_orders``: every order as JSON with an optimistic ``version`` — two workers
  can't overwrite each other's update (:class:`~ecomflow.errors.ConcurrentUpdate`);
- ``ef_outbox``: every external effect, written **in the same transaction** as the
  state change that caused it, with a unique idempotency key. Dispatchers claim
  due effects with a *claim token* and a lease (``FOR UPDATE SKIP LOCKED`` on
  PostgreSQL); finishing or failing an effect checks the token, so a worker
  whose lease ran out cannot record a result twice (fencing);
- ``ef_records``: cursors, first-attempt notes, webhook deliveries, shipment → order;
- ``ef_intake_failures``: channel orders that could not be taken in, kept whole;
- ``ef_audit``: operator actions (retry, release, cancel) — who, when, why;
- ``ef_workers``: worker heartbeats; ``ef_published``: the last stock published per
  channel and SKU (the compare-and-set baseline); ``ef_buckets``: API rate limits
  shared by every worker (:class:`~ecomflow.orchestration.limits.SharedRateLimiter`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, Literal
from uuid import uuid4

from pydantic import ValidationError

from ecomflow.adapters.protocols import IntakeFailure
from ecomflow.errors import ConcurrentUpdate, LeaseLost
from ecomflow.orchestration.effects import EFFECTS, Effect
from ecomflow.orders.models import Order
from ecomflow.storage import Dialect, Store, Tx, from_db_time, to_db_time

__all__ = [
    "MIGRATIONS",
    "AuditEntry",
    "Claimed",
    "EffectRow",
    "EffectState",
    "IntakeFailureRow",
    "OrderRepository",
    "Prepared",
    "Unit",
]

EffectState = Literal["pending", "done", "parked"]


def _v1(dialect: str) -> list[str]:
    serial = (
        "BIGSERIAL PRIMARY KEY"
        if dialect == "postgresql"
        else ("INTEGER PRIMARY KEY AUTOINCREMENT")
    )
    return [
        "CREATE TABLE ef_orders (id TEXT PRIMARY KEY, version INTEGER NOT NULL, "
        "status TEXT NOT NULL, data TEXT NOT NULL)",
        "CREATE INDEX ef_orders_status ON ef_orders (status)",
        f"CREATE TABLE ef_outbox (id {serial}, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, "
        "order_id TEXT, payload TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL, "
        "not_before TEXT NOT NULL, error TEXT, created_at TEXT NOT NULL, done_at TEXT)",
        "CREATE INDEX ef_outbox_due ON ef_outbox (state, not_before)",
        "CREATE TABLE ef_records (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ]


def _v2(dialect: str) -> list[str]:
    serial = "BIGSERIAL PRIMARY KEY" if dialect == "postgresql" else "INTEGER PRIMARY KEY"
    return [
        "ALTER TABLE ef_orders ADD COLUMN channel TEXT",
        "ALTER TABLE ef_orders ADD COLUMN hold_code TEXT",
        "ALTER TABLE ef_orders ADD COLUMN updated_at TEXT",
        "ALTER TABLE ef_outbox ADD COLUMN claim_token TEXT",
        "ALTER TABLE ef_outbox ADD COLUMN lease_until TEXT",
        "ALTER TABLE ef_outbox ADD COLUMN claimed_by TEXT",
        "ALTER TABLE ef_outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE ef_outbox ADD COLUMN result TEXT",
        # Effects written by the first version had untyped payloads: park them visibly.
        "UPDATE ef_outbox SET state = 'parked', error = 'written by an older ecomflow; "
        "retry it after checking the order' WHERE state IN ('pending', 'needs_attention')",
        "CREATE INDEX ef_outbox_claim ON ef_outbox (state, priority, id)",
        "CREATE INDEX ef_outbox_order ON ef_outbox (order_id)",
        "CREATE TABLE ef_intake_failures (channel TEXT NOT NULL, channel_order_id TEXT NOT NULL, "
        "error TEXT NOT NULL, reason TEXT NOT NULL, raw TEXT NOT NULL, first_seen TEXT NOT NULL, "
        "last_seen TEXT NOT NULL, attempts INTEGER NOT NULL, resolved_at TEXT, "
        "PRIMARY KEY (channel, channel_order_id))",
        f"CREATE TABLE ef_audit (id {serial}, at TEXT NOT NULL, actor TEXT NOT NULL, "
        "action TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL)",
        "CREATE TABLE ef_workers (worker_id TEXT PRIMARY KEY, host TEXT NOT NULL, "
        "pid INTEGER NOT NULL, started_at TEXT NOT NULL, last_seen TEXT NOT NULL, "
        "state TEXT NOT NULL)",
        "CREATE TABLE ef_published (channel TEXT NOT NULL, sku TEXT NOT NULL, "
        "warehouse TEXT NOT NULL, quantity INTEGER NOT NULL, at TEXT NOT NULL, "
        "PRIMARY KEY (channel, sku, warehouse))",
        "CREATE TABLE ef_buckets (name TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL, "
        "stamp DOUBLE PRECISION NOT NULL)",
        "CREATE TABLE ef_counters (name TEXT NOT NULL, labels TEXT NOT NULL, "
        "value BIGINT NOT NULL, PRIMARY KEY (name, labels))",
    ]


#: The orchestrator's schema, version by version, per dialect.
MIGRATIONS: dict[Dialect, list[list[str]]] = {
    "sqlite": [_v1("sqlite"), _v2("sqlite")],
    "postgresql": [_v1("postgresql"), _v2("postgresql")],
}

_EFFECT_COLUMNS = (
    "id, key, kind, order_id, payload, state, attempts, not_before, error, created_at, "
    "done_at, claim_token, lease_until, priority, result"
)


@dataclass
class EffectRow:
    """An effect as stored: the typed effect and its bookkeeping."""

    id: int
    effect: Effect | None
    key: str
    kind: str
    order_id: str | None
    state: EffectState
    attempts: int
    not_before: datetime
    created_at: datetime
    error: str | None = None
    done_at: datetime | None = None
    claim_token: str | None = None
    lease_until: datetime | None = None
    priority: int = 0
    result: str | None = None
    payload: str = ""

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> EffectRow:
        """From a ``SELECT`` of the outbox columns."""
        try:
            effect: Effect | None = EFFECTS.validate_json(row[4])
        except ValidationError:
            effect = None  # an older or foreign payload: shown, never executed
        return cls(
            id=int(row[0]),
            effect=effect,
            key=row[1],
            kind=row[2],
            order_id=row[3],
            payload=row[4],
            state=row[5],
            attempts=int(row[6]),
            not_before=from_db_time(row[7]),
            error=row[8],
            created_at=from_db_time(row[9]),
            done_at=from_db_time(row[10]) if row[10] else None,
            claim_token=row[11],
            lease_until=from_db_time(row[12]) if row[12] else None,
            priority=int(row[13] or 0),
            result=row[14],
        )


@dataclass
class Prepared:
    """What the dispatcher read and noted for a claimed effect when it last renewed its lease.

    ``data`` is the effect's order as stored then (``None``: it has none, or it is
    gone), read as :attr:`order` when a handler asks; ``first_attempt`` whether no
    attempt had been noted before — the note is committed with the renewal, before
    the remote call (``None``: this kind notes none). ``result`` is set when the
    handler finished the effect without changing its order: the dispatcher records
    it, fenced, in its next transaction.
    """

    data: str | None = None
    first_attempt: bool | None = None
    result: str | None = None

    @cached_property
    def order(self) -> Order | None:
        """The effect's order as it was read (parsed once, on first use)."""
        return Order.model_validate_json(self.data) if self.data is not None else None


@dataclass(frozen=True)
class Claimed:
    """A due effect taken by one worker: only the holder of ``token`` may finish it."""

    row: EffectRow
    token: str
    prepared: Prepared | None = field(default=None, compare=False, repr=False)

    @property
    def effect(self) -> Effect:
        """The typed effect (claimed rows always have one)."""
        assert self.row.effect is not None
        return self.row.effect


@dataclass(frozen=True)
class IntakeFailureRow:
    """A channel order kept aside because it could not be taken in."""

    channel: str
    channel_order_id: str
    error: str
    reason: str
    raw: Any
    first_seen: datetime
    last_seen: datetime
    attempts: int
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One operator action: who did what to which subject, and why."""

    at: datetime
    actor: str
    action: str
    subject: str
    detail: str


@dataclass
class Unit:
    """One transaction: orders, effects, records and notes, all or nothing."""

    repo: OrderRepository
    tx: Tx
    now: datetime
    added: list[Effect] = field(default_factory=list)

    # -- orders ---------------------------------------------------------------------

    def get(self, order_id: str) -> tuple[Order, int] | None:
        """The order and its version (locked until the transaction ends), or ``None``."""
        row = self.tx.execute(
            "SELECT version, data FROM ef_orders WHERE id = ?" + self.tx.for_update, (order_id,)
        ).fetchone()
        return (Order.model_validate_json(row[1]), int(row[0])) if row else None

    def exists(self, order_id: str) -> bool:
        """Whether the order is stored (not locked: a concurrent insert is caught by save)."""
        return (
            self.tx.execute("SELECT 1 FROM ef_orders WHERE id = ?", (order_id,)).fetchone()
            is not None
        )

    def orders(self, order_ids: Collection[str]) -> dict[str, str]:
        """The stored JSON of the orders among ``order_ids`` that exist (read, not locked)."""
        if not order_ids:
            return {}
        ids = sorted(order_ids)
        rows = self.tx.execute(
            f"SELECT id, data FROM ef_orders WHERE id IN ({Tx.marks(ids)})", ids
        ).fetchall()
        return {str(order_id): str(data) for order_id, data in rows}

    def save(self, order: Order, expected: int | None) -> int:
        """Store ``order``; ``expected`` is the version it was loaded at (``None``: new).

        :class:`~ecomflow.errors.ConcurrentUpdate` when another writer got there first.
        """
        data = order.model_dump_json()
        hold = order.hold_code.value if order.hold_code else None
        stamp = to_db_time(self.now)
        if expected is None:
            self.tx.execute(
                "INSERT INTO ef_orders (id, version, status, data, channel, hold_code, "
                "updated_at) VALUES (?, 1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                (order.id, order.status.value, data, order.channel, hold, stamp),
            )
            if self.tx.rowcount != 1:
                raise ConcurrentUpdate(object_id=order.id, expected=0, actual=1)
            return 1
        self.tx.execute(
            "UPDATE ef_orders SET version = version + 1, status = ?, data = ?, hold_code = ?, "
            "updated_at = ? WHERE id = ? AND version = ?",
            (order.status.value, data, hold, stamp, order.id, expected),
        )
        if self.tx.rowcount != 1:
            raise ConcurrentUpdate(object_id=order.id, expected=expected, actual=None)
        return expected + 1

    # -- effects --------------------------------------------------------------------

    def add(self, effect: Effect, *, not_before: datetime | None = None, priority: int = 0) -> bool:
        """Queue ``effect`` unless its key was queued before; ``True`` when added."""
        due = max(self.now, not_before or self.now)
        self.tx.execute(
            "INSERT INTO ef_outbox (key, kind, order_id, payload, state, attempts, not_before, "
            "created_at, priority) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?) "
            "ON CONFLICT (key) DO NOTHING",
            (
                effect.key,
                effect.kind,
                effect.order_id,
                EFFECTS.dump_json(effect).decode(),
                to_db_time(due),
                to_db_time(self.now),
                priority,
            ),
        )
        added = self.tx.rowcount == 1
        if added:
            self.added.append(effect)
        return added

    def finish(self, claimed: Claimed, result: str = "") -> None:
        """Mark a claimed effect done — only while this worker still holds it.

        :class:`~ecomflow.errors.LeaseLost` otherwise, which rolls the whole
        transaction back: what the handler recorded is not recorded twice.
        """
        self.tx.execute(
            "UPDATE ef_outbox SET state = 'done', done_at = ?, result = ?, claim_token = NULL, "
            "lease_until = NULL WHERE id = ? AND claim_token = ? AND state = 'pending'",
            (to_db_time(self.now), result[:2000] or None, claimed.row.id, claimed.token),
        )
        if self.tx.rowcount != 1:
            raise LeaseLost(effect_key=claimed.row.key, token=claimed.token)

    def renew(self, claimed: Sequence[Claimed], lease: float) -> set[int]:
        """Extend the lease of the effects this worker still holds; returns their ids.

        Held means: still pending, still under this worker's token, and the lease
        not yet run out (another worker may have taken it over since).
        """
        until = to_db_time(self.now + timedelta(seconds=lease))
        held: set[int] = set()
        by_token: dict[str, list[int]] = {}
        for item in claimed:
            by_token.setdefault(item.token, []).append(item.row.id)
        for token, ids in by_token.items():
            rows = self.tx.execute(
                f"UPDATE ef_outbox SET lease_until = ? WHERE claim_token = ? "
                f"AND state = 'pending' AND lease_until > ? AND id IN ({Tx.marks(ids)}) "
                f"RETURNING id",
                (until, token, to_db_time(self.now), *ids),
            ).fetchall()
            held.update(int(r[0]) for r in rows)
        return held

    def reschedule(self, key: str, not_before: datetime) -> bool:
        """Move a pending, unclaimed effect to another time; ``True`` when moved."""
        self.tx.execute(
            "UPDATE ef_outbox SET not_before = ? WHERE key = ? AND state = 'pending' "
            "AND claim_token IS NULL",
            (to_db_time(max(not_before, self.now)), key),
        )
        return self.tx.rowcount == 1

    def skip(self, key: str, why: str) -> bool:
        """Close a pending, unclaimed effect without running it; ``True`` when closed.

        An effect a worker has claimed (it may be running right now) is left
        alone: its handler sees the order as it is and does the right thing.
        """
        self.tx.execute(
            "UPDATE ef_outbox SET state = 'done', done_at = ?, result = ? WHERE key = ? "
            "AND state = 'pending' AND claim_token IS NULL",
            (to_db_time(self.now), f"skipped: {why}", key),
        )
        return self.tx.rowcount == 1

    # -- records ----------------------------------------------------------------------

    def record(self, name: str) -> str | None:
        """A small named value (a cursor, a link)."""
        row = self.tx.execute("SELECT value FROM ef_records WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    def put_record(self, name: str, value: str) -> None:
        """Set a named value."""
        self.tx.execute(
            "INSERT INTO ef_records (name, value) VALUES (?, ?) ON CONFLICT (name) "
            "DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def first_time(self, name: str) -> bool:
        """Record ``name`` once; ``False`` when it was recorded before (deduplication)."""
        self.tx.execute(
            "INSERT INTO ef_records (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            (name, to_db_time(self.now)),
        )
        return self.tx.rowcount == 1

    # -- intake failures and audit --------------------------------------------------------

    def keep_failure(self, failure: IntakeFailure) -> None:
        """Keep (or refresh) an order that could not be taken in."""
        stamp = to_db_time(self.now)
        self.tx.execute(
            "INSERT INTO ef_intake_failures (channel, channel_order_id, error, reason, raw, "
            "first_seen, last_seen, attempts, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, NULL) "
            "ON CONFLICT (channel, channel_order_id) DO UPDATE SET error = excluded.error, "
            "reason = excluded.reason, raw = excluded.raw, last_seen = excluded.last_seen, "
            "attempts = ef_intake_failures.attempts + 1, resolved_at = NULL",
            (
                failure.channel,
                _failure_id(failure),
                failure.error,
                failure.reason,
                json.dumps(failure.raw, default=str, ensure_ascii=False),
                stamp,
                stamp,
            ),
        )

    def resolve_failure(self, channel: str, channel_order_id: str) -> None:
        """Mark an intake failure resolved (the order was taken in)."""
        self.tx.execute(
            "UPDATE ef_intake_failures SET resolved_at = ? WHERE channel = ? AND "
            "channel_order_id = ? AND resolved_at IS NULL",
            (to_db_time(self.now), channel, channel_order_id),
        )

    def audit(self, actor: str, action: str, subject: str, detail: str = "") -> None:
        """Record an operator action."""
        self.tx.execute(
            "INSERT INTO ef_audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            (to_db_time(self.now), actor, action, subject, detail),
        )


#: characters of :func:`~ecomflow.storage.to_db_time`'s text
_TIME_WIDTH = len(to_db_time(datetime(2000, 1, 1).astimezone()))


def _failure_id(failure: IntakeFailure) -> str:
    if failure.channel_order_id:
        return failure.channel_order_id
    digest = json.dumps(failure.raw, sort_keys=True, default=str)
    return f"?{abs(hash(digest)) % 10**12}"


class OrderRepository:
    """Orders, outbox and records on a store from :func:`ecomflow.storage.open_store`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.ensure_schema("orchestrator", MIGRATIONS)

    @contextmanager
    def unit(self, now: datetime) -> Iterator[Unit]:
        """One transaction: committed whole or rolled back."""
        with self.store.transaction() as tx:
            yield Unit(self, tx, now)

    # -- reads --------------------------------------------------------------------------

    def get(self, order_id: str) -> Order | None:
        """The order, or ``None``."""
        with self.store.transaction() as tx:
            row = tx.execute("SELECT data FROM ef_orders WHERE id = ?", (order_id,)).fetchone()
        return Order.model_validate_json(row[0]) if row else None

    def find(
        self,
        *,
        status: str | None = None,
        tag: str | None = None,
        hold_code: str | None = None,
        channel: str | None = None,
    ) -> list[Order]:
        """Orders by master status, hold code, channel and/or tag, sorted by id."""
        where, params = [], []
        for column, value in (("status", status), ("hold_code", hold_code), ("channel", channel)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        sql = "SELECT data FROM ef_orders" + (f" WHERE {' AND '.join(where)}" if where else "")
        with self.store.transaction() as tx:
            rows = tx.execute(sql + " ORDER BY id", params).fetchall()
        orders = [Order.model_validate_json(data) for (data,) in rows]
        return [o for o in orders if tag is None or tag in o.tags]

    def counts(self) -> dict[str, dict[str, int]]:
        """Orders by status and by hold code (for status screens and metrics)."""
        with self.store.transaction() as tx:
            statuses = tx.execute("SELECT status, COUNT(*) FROM ef_orders GROUP BY status")
            by_status = {str(s): int(n) for s, n in statuses.fetchall()}
            holds = tx.execute(
                "SELECT hold_code, COUNT(*) FROM ef_orders WHERE status = 'on_hold' "
                "GROUP BY hold_code"
            ).fetchall()
        return {"status": by_status, "hold": {str(h or "unknown"): int(n) for h, n in holds}}

    def record(self, name: str) -> str | None:
        """A named value, read on its own."""
        with self.store.transaction() as tx:
            row = tx.execute("SELECT value FROM ef_records WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    def records(self, prefix: str) -> dict[str, str]:
        """Every named value whose name starts with ``prefix``."""
        with self.store.transaction() as tx:
            rows = tx.execute(
                "SELECT name, value FROM ef_records WHERE name LIKE ? ORDER BY name",
                (prefix.replace("%", "") + "%",),
            ).fetchall()
        return {str(n): str(v) for n, v in rows}

    # -- the outbox ---------------------------------------------------------------------

    def claim(self, now: datetime, *, limit: int, lease: float, worker: str = "") -> list[Claimed]:
        """Take up to ``limit`` due effects under one new claim token, highest priority first.

        Others skip them until the lease ends (renew it with :meth:`renew`).
        """
        token = uuid4().hex
        until = to_db_time(now + timedelta(seconds=lease))
        stamp = to_db_time(now)
        with self.store.transaction() as tx:
            rows = tx.execute(
                f"UPDATE ef_outbox SET claim_token = ?, lease_until = ?, claimed_by = ? "
                f"WHERE id IN (SELECT id FROM ef_outbox WHERE state = 'pending' "
                f"AND not_before <= ? AND (lease_until IS NULL OR lease_until <= ?) "
                f"ORDER BY priority DESC, id LIMIT {int(limit)}{tx.skip_locked}) "
                f"RETURNING {_EFFECT_COLUMNS}",
                (token, until, worker, stamp, stamp),
            ).fetchall()
        claimed = [Claimed(EffectRow.from_row(r), token) for r in rows]
        parked = [c for c in claimed if c.row.effect is None]
        if parked:
            with self.store.transaction() as tx:
                for item in parked:
                    tx.execute(
                        "UPDATE ef_outbox SET state = 'parked', claim_token = NULL, "
                        "lease_until = NULL, error = ? WHERE id = ? AND claim_token = ?",
                        ("the payload is not an effect this version knows", item.row.id, token),
                    )
        live = [c for c in claimed if c.row.effect is not None]
        return sorted(live, key=lambda c: (-c.row.priority, c.row.id))

    def renew(self, claimed: Sequence[Claimed], now: datetime, lease: float) -> list[Claimed]:
        """Extend the lease of effects this worker still holds; returns those it holds."""
        with self.unit(now) as unit:
            held = unit.renew(claimed, lease)
        return [item for item in claimed if item.row.id in held]

    def fail(
        self,
        claimed: Claimed,
        error: str,
        now: datetime,
        *,
        max_attempts: int,
        retry_in: timedelta | None = None,
    ) -> EffectState:
        """Record a failure: retry later with backoff, or park after ``max_attempts``.

        :class:`~ecomflow.errors.LeaseLost` when this worker no longer holds it.
        """
        attempts = claimed.row.attempts + 1
        state: EffectState = "parked" if attempts >= max_attempts else "pending"
        delay = retry_in or timedelta(seconds=min(3600, 30 * 2 ** (attempts - 1)))
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE ef_outbox SET attempts = ?, state = ?, error = ?, not_before = ?, "
                "claim_token = NULL, lease_until = NULL WHERE id = ? AND claim_token = ? "
                "AND state = 'pending'",
                (
                    attempts,
                    state,
                    error[:2000],
                    to_db_time(now + delay),
                    claimed.row.id,
                    claimed.token,
                ),
            )
            if tx.rowcount != 1:
                raise LeaseLost(effect_key=claimed.row.key, token=claimed.token)
        return state

    def release(self, claimed: Sequence[Claimed]) -> None:
        """Give claimed effects back untouched (a worker stopping before it ran them)."""
        with self.store.transaction() as tx:
            for item in claimed:
                tx.execute(
                    "UPDATE ef_outbox SET claim_token = NULL, lease_until = NULL "
                    "WHERE id = ? AND claim_token = ? AND state = 'pending'",
                    (item.row.id, item.token),
                )

    def release_worker(self, worker: str) -> int:
        """Give back every claim of a worker known to be dead (killed, crashed host).

        Its effects are due again at once instead of when its leases end; a worker
        that is in fact alive loses its claims and finishes nothing (fencing).
        Returns how many claims were released.
        """
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE ef_outbox SET claim_token = NULL, lease_until = NULL "
                "WHERE claimed_by = ? AND state = 'pending' AND claim_token IS NOT NULL",
                (worker,),
            )
            return tx.rowcount

    def effects(
        self,
        state: EffectState | None = None,
        *,
        order_id: str | None = None,
        kind: str | None = None,
    ) -> list[EffectRow]:
        """Effects (for status screens, reports and tests), oldest first."""
        where, params = [], []
        for column, value in (("state", state), ("order_id", order_id), ("kind", kind)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        sql = f"SELECT {_EFFECT_COLUMNS} FROM ef_outbox"
        if where:
            sql += f" WHERE {' AND '.join(where)}"
        with self.store.transaction() as tx:
            rows = tx.execute(sql + " ORDER BY id", params).fetchall()
        return [EffectRow.from_row(r) for r in rows]

    def outbox_summary(self, now: datetime) -> dict[str, Any]:
        """Pending, due and parked counts and the oldest pending effect's age in seconds."""
        stamp = to_db_time(now)
        with self.store.transaction() as tx:
            counts = dict(
                tx.execute("SELECT state, COUNT(*) FROM ef_outbox GROUP BY state").fetchall()
            )
            due = tx.execute(
                "SELECT COUNT(*) FROM ef_outbox WHERE state = 'pending' AND not_before <= ?",
                (stamp,),
            ).fetchone()[0]
            oldest = tx.execute(
                "SELECT MIN(created_at) FROM ef_outbox WHERE state = 'pending' AND not_before <= ?",
                (stamp,),
            ).fetchone()[0]
        age = (now - from_db_time(oldest)).total_seconds() if oldest else 0.0
        return {
            "pending": int(counts.get("pending", 0)),
            "due": int(due),
            "parked": int(counts.get("parked", 0)),
            "done": int(counts.get("done", 0)),
            "oldest_due_seconds": max(0.0, age),
        }

    def retry(
        self,
        now: datetime,
        *,
        actor: str,
        reason: str,
        effect_id: int | None = None,
        order_id: str | None = None,
        all_parked: bool = False,
    ) -> list[EffectRow]:
        """Put parked effects back in the queue (one, one order's, or all), audited."""
        if sum(x is not None and x is not False for x in (effect_id, order_id, all_parked)) != 1:
            raise ValueError("retry one effect, one order's effects, or all parked ones")
        where, params = "state = 'parked'", list[object]()
        if effect_id is not None:
            where += " AND id = ?"
            params.append(effect_id)
        elif order_id is not None:
            where += " AND order_id = ?"
            params.append(order_id)
        with self.store.transaction() as tx:
            rows = tx.execute(
                f"UPDATE ef_outbox SET state = 'pending', attempts = 0, not_before = ?, "
                f"error = NULL, claim_token = NULL, lease_until = NULL WHERE {where} "
                f"RETURNING {_EFFECT_COLUMNS}",
                (to_db_time(now), *params),
            ).fetchall()
            unit = Unit(self, tx, now)
            for row in rows:
                unit.audit(actor, "retry", f"effect {row[0]} ({row[1]})", reason)
        return [EffectRow.from_row(r) for r in rows]

    # -- intake failures and audit --------------------------------------------------------

    def intake_failures(self, *, include_resolved: bool = False) -> list[IntakeFailureRow]:
        """Channel orders kept aside (open ones unless ``include_resolved``)."""
        sql = (
            "SELECT channel, channel_order_id, error, reason, raw, first_seen, last_seen, "
            "attempts, resolved_at FROM ef_intake_failures"
        )
        if not include_resolved:
            sql += " WHERE resolved_at IS NULL"
        with self.store.transaction() as tx:
            rows = tx.execute(sql + " ORDER BY channel, channel_order_id").fetchall()
        return [
            IntakeFailureRow(
                channel=r[0],
                channel_order_id=r[1],
                error=r[2],
                reason=r[3],
                raw=json.loads(r[4]),
                first_seen=from_db_time(r[5]),
                last_seen=from_db_time(r[6]),
                attempts=int(r[7]),
                resolved_at=from_db_time(r[8]) if r[8] else None,
            )
            for r in rows
        ]

    def audit_trail(self, subject: str | None = None) -> list[AuditEntry]:
        """Operator actions, oldest first (optionally those whose subject contains ``subject``)."""
        sql = "SELECT at, actor, action, subject, detail FROM ef_audit"
        params: list[str] = []
        if subject is not None:
            sql += " WHERE subject LIKE ?"
            params.append(f"%{subject}%")
        with self.store.transaction() as tx:
            rows = tx.execute(sql + " ORDER BY id", params).fetchall()
        return [AuditEntry(from_db_time(r[0]), r[1], r[2], r[3], r[4]) for r in rows]

    # -- stock publication baselines ------------------------------------------------------

    def published(self, channel: str) -> dict[tuple[str, str], int]:
        """The quantity last published to ``channel``, per (SKU, warehouse)."""
        with self.store.transaction() as tx:
            rows = tx.execute(
                "SELECT sku, warehouse, quantity FROM ef_published WHERE channel = ?", (channel,)
            ).fetchall()
        return {(str(s), str(w)): int(q) for s, w, q in rows}

    def remember_published(
        self, channel: str, quantities: dict[tuple[str, str], int], now: datetime
    ) -> None:
        """Keep what the channel now shows (the next compare-and-set baseline)."""
        with self.store.transaction() as tx:
            tx.executemany(
                "INSERT INTO ef_published (channel, sku, warehouse, quantity, at) VALUES "
                "(?, ?, ?, ?, ?) ON CONFLICT (channel, sku, warehouse) DO UPDATE SET "
                "quantity = excluded.quantity, at = excluded.at",
                [(channel, s, w, q, to_db_time(now)) for (s, w), q in quantities.items()],
            )

    # -- counters shared by every process ----------------------------------------------------

    def add_counts(self, deltas: dict[tuple[str, str], int]) -> None:
        """Add to named counters (name, labels as ``k=v,k=v``) — metrics across processes."""
        rows = [(name, labels, value) for (name, labels), value in deltas.items() if value]
        if not rows:
            return
        with self.store.transaction() as tx:
            tx.executemany(
                "INSERT INTO ef_counters (name, labels, value) VALUES (?, ?, ?) "
                "ON CONFLICT (name, labels) DO UPDATE SET value = ef_counters.value + "
                "excluded.value",
                rows,
            )

    def counts_by_name(self) -> dict[str, dict[str, int]]:
        """Every counter: name → labels → value."""
        with self.store.transaction() as tx:
            rows = tx.execute("SELECT name, labels, value FROM ef_counters").fetchall()
        found: dict[str, dict[str, int]] = {}
        for name, labels, value in rows:
            found.setdefault(str(name), {})[str(labels)] = int(value)
        return found

    # -- turns: one worker at a time for a recurring job --------------------------------

    def take_turn(self, job: str, worker: str, now: datetime, seconds: float) -> bool:
        """Take (or keep) the turn at ``job`` for ``seconds``; ``False`` while another's lasts.

        Several workers share one database; a job that reads a remote API (intake
        from one channel, tracking polls, stock publication) is worth doing once
        per interval, not once per worker: the API budget is shared. A turn is a
        lease, not a lock: a worker that dies loses it after ``seconds``, and two
        workers doing the job at once stay correct (intake and polls are
        idempotent), only wasteful. Kept in ``ef_records`` as ``<until>|<worker>``
        (:func:`~ecomflow.storage.to_db_time` sorts like the instant).
        """
        name = f"turn:{job}"
        mine = f"{to_db_time(now + timedelta(seconds=seconds))}|{worker}"
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO ef_records (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (name, mine),
            )
            if tx.rowcount == 1:
                return True
            tx.execute(  # the holder's turn ended, or it is this worker's own
                "UPDATE ef_records SET value = ? WHERE name = ? AND (value < ? OR substr(value, ?) = ?)",
                (mine, name, to_db_time(now), _TIME_WIDTH + 2, worker),
            )
            return tx.rowcount == 1

    # -- worker heartbeats ----------------------------------------------------------------

    def heartbeat(
        self, worker_id: str, *, host: str, pid: int, now: datetime, state: str = "running"
    ) -> None:
        """Record that a worker is alive (``state`` ``stopped`` when it exits cleanly)."""
        stamp = to_db_time(now)
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO ef_workers (worker_id, host, pid, started_at, last_seen, state) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (worker_id) DO UPDATE SET "
                "last_seen = excluded.last_seen, state = excluded.state",
                (worker_id, host, pid, stamp, stamp, state),
            )

    def workers(self) -> list[dict[str, Any]]:
        """Every worker that reported a heartbeat."""
        with self.store.transaction() as tx:
            rows = tx.execute(
                "SELECT worker_id, host, pid, started_at, last_seen, state FROM ef_workers "
                "ORDER BY worker_id"
            ).fetchall()
        return [
            {
                "worker_id": r[0],
                "host": r[1],
                "pid": int(r[2]),
                "started_at": from_db_time(r[3]),
                "last_seen": from_db_time(r[4]),
                "state": r[5],
            }
            for r in rows
        ]
