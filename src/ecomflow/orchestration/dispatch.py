"""The dispatcher: claim due effects, keep their lease alive, run each once, record the end.

Exactly once under lease expiry:

- a claim gives the effects a **token** and a lease; a background keeper renews
  the lease of everything this worker still holds while it works;
- right before an effect starts, its claim is checked and renewed — an effect
  whose lease ran out (another worker may own it now) is skipped. The same
  transaction reads the effect's order and durably notes a first attempt
  (:func:`~ecomflow.orchestration.handlers.first_attempt`), and records the
  effects finished since the last one: one transaction per effect instead of four;
- finishing or failing checks the token: a worker that lost its claim records
  nothing (:class:`~ecomflow.errors.LeaseLost`). An effect that changes its order
  is finished in the transaction that records the change; one that does not
  (a message, a write-back) is finished by the dispatcher's next transaction,
  before the next effect's remote call — at most one effect is ever done
  outside and not yet recorded, as before;
- a failed effect is retried with backoff, then *parked* for a person after
  ``max_attempts`` — never dropped (``ecomflow parked``, ``ecomflow retry``).

A stop request (SIGTERM in the worker) lets the effect in hand finish and
gives the rest of the claim back.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Self

from ecomflow.errors import EcomflowError, LeaseLost, Stopping
from ecomflow.orchestration.context import Core
from ecomflow.orchestration.handlers import BATCHED, HANDLERS, NOTED, attempt_note
from ecomflow.orchestration.repository import Claimed, Prepared, Unit
from ecomflow.orchestration.spans import effect_span
from ecomflow.storage import to_db_time

__all__ = ["DispatchReport", "LeaseKeeper", "dispatch"]

logger = logging.getLogger("ecomflow.dispatch")


@dataclass
class DispatchReport:
    """What one :func:`dispatch` did."""

    done: int = 0
    retried: int = 0
    parked: int = 0
    lost: int = 0
    #: claimed, then given back untried because the worker was told to stop
    released: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def handled(self) -> int:
        """Effects that were run (done, retried or parked)."""
        return self.done + self.retried + self.parked


class LeaseKeeper:
    """Renews the lease of a claim in the background while its effects run.

    One keeper serves a whole :func:`dispatch` call: ``token`` is the claim in
    hand, set as each batch is claimed (a thread per batch cost more than a batch
    of messages).
    """

    def __init__(self, core: Core, token: str, lease: float) -> None:
        self._core = core
        self.token = token
        self._lease = lease
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ecomflow-lease", daemon=True)

    def _run(self) -> None:
        interval = max(0.05, self._lease / 3)
        while not self._stop.wait(interval):
            try:
                self.renew()
            except Exception as error:  # a database hiccup: the fenced finish still protects
                logger.warning("lease renewal failed: %s", error)

    def renew(self) -> None:
        """Extend the lease of every effect of the claim still pending."""
        core = self._core
        until = core.clock() + timedelta(seconds=self._lease)
        with core.repository.store.transaction() as tx:
            tx.execute(
                "UPDATE ef_outbox SET lease_until = ? WHERE claim_token = ? AND state = 'pending'",
                (to_db_time(until), self.token),
            )

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def dispatch(
    core: Core,
    *,
    limit: int = 500,
    worker: str = "",
    stop: threading.Event | None = None,
) -> DispatchReport:
    """Run due effects, highest priority first, until none is due or ``limit`` were taken."""
    report = DispatchReport()
    settings = core.settings
    with contextlib.ExitStack() as stack:
        keeper: LeaseKeeper | None = None  # one thread for the whole call, started when needed
        while limit > 0 and not (stop and stop.is_set()):
            batch = core.repository.claim(
                core.clock(),
                limit=min(settings.claim_batch, limit),
                lease=settings.lease_seconds,
                worker=worker,
            )
            if not batch:
                break
            limit -= len(batch)
            if keeper is None:
                keeper = stack.enter_context(
                    LeaseKeeper(core, batch[0].token, settings.lease_seconds)
                )
            keeper.token = batch[0].token
            if not _run_batch(core, batch, report, stop):
                break  # told to stop while waiting for a rate limit
    return report


def _run_batch(
    core: Core, batch: list[Claimed], report: DispatchReport, stop: threading.Event | None
) -> bool:
    """Run one claimed batch, group by group; a stop request gives the rest back.

    ``False`` when a rate-limit wait was cut short by a stop request
    (:class:`~ecomflow.errors.Stopping`): the effect in hand is given back untried,
    no attempt counted, and so is the rest of the batch.
    """
    finished: list[Claimed] = []
    groups = _groups(batch)
    try:
        for position, group in enumerate(groups):
            later = [c for g in groups[position + 1 :] for c in g]
            if stop is not None and stop.is_set():
                _settle(core, finished, report)
                _give_back(core, [*group, *later], report)
                break
            held = _prepare(core, group, finished, report)
            report.lost += len(group) - len(held)
            if not held:
                continue
            try:
                finished += _run(core, held, report)
            except Stopping:
                ended = _finished(held)  # a batch may have finished some before the wait
                finished += ended
                _settle(core, finished, report)
                _give_back(core, [*(c for c in held if c not in ended), *later], report)
                return False
    finally:
        if finished:
            _settle(core, finished, report)
    return True


def _give_back(core: Core, claimed: list[Claimed], report: DispatchReport) -> None:
    """Release claimed effects untried (no attempt counted): the next worker runs them."""
    if not claimed:
        return
    core.repository.release(claimed)
    report.released += len(claimed)
    logger.info(
        "stopping: %d effect(s) given back untried",
        len(claimed),
        extra={"event": "release", "effect_key": claimed[0].row.key},
    )


def _prepare(
    core: Core, group: list[Claimed], finished: list[Claimed], report: DispatchReport
) -> list[Claimed]:
    """One transaction right before ``group`` runs.

    It records the effects finished since the last one (fenced), renews the lease of
    ``group`` — an effect whose lease ran out is skipped — reads their orders and
    notes the first attempts of the kinds in :data:`~.handlers.NOTED`.
    """
    with core.repository.unit(core.clock()) as unit:
        _record(unit, finished, report)
        held = unit.renew(group, core.settings.lease_seconds)
        live = [c for c in group if c.row.id in held]
        stored = unit.orders({c.effect.order_id for c in live if c.effect.order_id})
        prepared = []
        for claimed in live:
            data = stored.get(claimed.effect.order_id or "")
            first = (
                unit.first_time(attempt_note(claimed.row.key))
                if claimed.row.kind in NOTED
                else None
            )
            prepared.append(replace(claimed, prepared=Prepared(data, first)))
    finished.clear()
    return prepared


def _settle(core: Core, finished: list[Claimed], report: DispatchReport) -> None:
    """Record the effects finished since the last transaction, in one of their own."""
    with core.repository.unit(core.clock()) as unit:
        _record(unit, finished, report)
    finished.clear()


def _record(unit: Unit, finished: list[Claimed], report: DispatchReport) -> None:
    """Mark finished effects done — each only while this worker still holds it."""
    for claimed in finished:
        result = claimed.prepared.result if claimed.prepared is not None else None
        assert result is not None
        try:
            unit.finish(claimed, result)
        except LeaseLost as lost:  # the UPDATE changed nothing: the rest still counts
            report.lost += 1
            logger.warning("%s", lost, extra={"effect_key": claimed.row.key})
            continue
        _done(claimed, report)


def _done(claimed: Claimed, report: DispatchReport, elapsed: float | None = None) -> None:
    kind = claimed.row.kind
    report.done += 1
    report.by_kind[kind] = report.by_kind.get(kind, 0) + 1
    _log("finish", claimed, elapsed=elapsed)


def _groups(batch: Sequence[Claimed]) -> list[list[Claimed]]:
    """Batchable effects of one kind together; the others one by one, in claim order."""
    groups: list[list[Claimed]] = []
    together: dict[str, list[Claimed]] = {}
    for claimed in batch:
        kind = claimed.row.kind
        if kind in BATCHED:
            if kind not in together:
                together[kind] = []
                groups.append(together[kind])
            together[kind].append(claimed)
        else:
            groups.append([claimed])
    return groups


def _run(core: Core, group: list[Claimed], report: DispatchReport) -> list[Claimed]:
    """Run one group; returns the effects it finished whose end is still to be recorded."""
    kind = group[0].row.kind
    started = time.perf_counter()
    for claimed in group:
        _log("start", claimed)
    ran = len(group)  # counted as run unless given back untried
    try:
        with effect_span(group):  # an error leaving the handler marks the span failed
            if kind in BATCHED:
                failed = BATCHED[kind](core, group)
            else:
                HANDLERS[kind](core, group[0])
                failed = {}
    except LeaseLost as lost:
        pending = _finished(group)
        report.lost += len(group) - len(pending)
        logger.warning("%s", lost, extra={"effect_key": group[0].row.key})
        return pending
    except Stopping:  # not a failed attempt: the caller gives the claim back
        ran = 0
        raise
    except Exception as error:
        pending = _finished(group)  # those a batch finished before it failed stay done
        for claimed in group:
            if claimed not in pending:
                _failed(core, claimed, error, report)
        return pending
    finally:
        core.counters.effects[(kind, "run")] += ran
    elapsed = time.perf_counter() - started
    pending = _finished(group)  # recorded by the next transaction
    for claimed in group:
        state = failed.get(claimed.row.id, "done")
        if state == "parked":
            report.parked += 1
        elif state != "done":
            report.retried += 1
        elif claimed not in pending:
            _done(claimed, report, elapsed)  # recorded with its order's change
    return pending


def _finished(group: list[Claimed]) -> list[Claimed]:
    """The effects of ``group`` a handler finished whose end the dispatcher records."""
    return [c for c in group if c.prepared is not None and c.prepared.result is not None]


def _failed(core: Core, claimed: Claimed, error: Exception, report: DispatchReport) -> None:
    text = f"{type(error).__name__}: {error}"
    adapter = getattr(claimed.effect, "carrier", None) or getattr(claimed.effect, "channel", "")
    if isinstance(error, EcomflowError):
        core.counters.api_failures[(str(adapter or "ecomflow"), claimed.row.kind)] += 1
    else:  # a bug: keep it visible, never lose the effect
        logger.exception("effect %s crashed", claimed.row.key)
    try:
        state = core.repository.fail(
            claimed, text, core.clock(), max_attempts=core.settings.max_attempts
        )
    except LeaseLost:
        report.lost += 1
        return
    if state == "parked":
        report.parked += 1
        _log("park", claimed, error=text, level=logging.ERROR)
    else:
        report.retried += 1
        _log("retry", claimed, error=text, level=logging.WARNING)


def _log(
    event: str,
    claimed: Claimed,
    *,
    error: str = "",
    elapsed: float | None = None,
    level: int = logging.INFO,
) -> None:
    effect = claimed.effect
    fields = {
        "effect_key": claimed.row.key,
        "effect": claimed.row.kind,
        "order_id": effect.order_id,
        "attempt": claimed.row.attempts + 1,
        "channel": getattr(effect, "channel", None),
        "carrier": getattr(effect, "carrier", None),
    }
    suffix = f": {error}" if error else ""
    timing = f" in {elapsed:.3f}s" if elapsed is not None else ""
    logger.log(
        level if event != "start" else logging.DEBUG,
        "%s %s (order %s, attempt %d)%s%s",
        event,
        claimed.row.kind,
        effect.order_id or "-",
        claimed.row.attempts + 1,
        timing,
        suffix,
        extra={"event": event, **fields},
    )
