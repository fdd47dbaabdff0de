"""``ecomflow worker``: one long-running process that runs the whole cycle on a schedule.

Intake from every channel, due effects, reservation expiry and stock holds,
tracking polls and delay checks, stock publication, kept intake failures read
again, a heartbeat, and the daily report at the configured hour — each at its
own interval from ``[worker]`` in ``ecomflow.toml``.

Several workers run against one PostgreSQL database (claims are leased and
fenced; API rate limits are shared through the database). A job that reads a
remote API — intake from each channel, tracking polls, stock publication,
re-reading kept failures, the daily report — is done by one worker per interval
(a *turn*, leased in the database), so two workers do not spend the shared API
budget twice. On SQLite one worker runs at a time (a lock file next to the
database says so).

SIGTERM or SIGINT lets the effect in hand finish, gives the rest of its claim
back and exits 0; a second signal exits at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from ecomflow.errors import ConfigurationError, EcomflowError, Stopping
from ecomflow.orchestration import Orchestrator, WorkerSettings
from ecomflow.orchestration.limits import interrupt_waits, share_rate_limits
from ecomflow.storage import SqliteStore

__all__ = [
    "Task",
    "Worker",
    "daily_report_of",
    "preflight",
    "share_rate_limits",
    "sqlite_worker_lock",
]

logger = logging.getLogger("ecomflow.worker")


@dataclass
class Task:
    """One recurring job of the worker."""

    name: str
    every: float
    run: Callable[[], object]
    #: one worker per interval (it reads a remote API whose budget all workers share)
    shared: bool = False
    due: float = 0.0
    runs: int = 0
    failures: int = 0
    last_error: str | None = None


@dataclass
class Worker:
    """Runs an :class:`~ecomflow.orchestration.Orchestrator`'s cycle on a schedule.

    ``monotonic`` and ``sleep`` can be replaced (tests); ``stop`` ends :meth:`run`.
    """

    orchestrator: Orchestrator
    settings: WorkerSettings = field(default_factory=WorkerSettings)
    stop: threading.Event = field(default_factory=threading.Event)
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] | None = None
    tasks: list[Task] = field(default_factory=list)
    _last_report: str = ""

    def __post_init__(self) -> None:
        o, s = self.orchestrator, self.settings
        self.tasks = [
            Task("heartbeat", s.heartbeat_every, self.heartbeat),
            Task("sync", s.sync_every, self._sync),
            Task("expire", s.expire_every, self._expire),
            Task("dispatch", s.dispatch_every, self._dispatch),
            Task("tracking", s.tracking_every, self._tracking, shared=True),
            Task("publish", s.publish_every, o.publish_stock, shared=True),
            Task("retake", max(s.sync_every * 10, 600.0), o.retake_failures, shared=True),
            Task("report", 60.0, self._report),
        ]
        interrupt_waits(o, self.stop)  # a stop request ends rate-limit waits at once

    # -- tasks ---------------------------------------------------------------------------

    def heartbeat(self, state: str = "running") -> None:
        """Tell the database this worker is alive (``ecomflow status`` lists workers)."""
        repository = self.orchestrator.repository
        repository.heartbeat(
            self.orchestrator.worker_id,
            host=socket.gethostname(),
            pid=os.getpid(),
            now=self.orchestrator.clock(),
            state=state,
        )
        repository.add_counts(self.orchestrator.counters.drain())

    def my_turn(self, job: str, every: float) -> bool:
        """Whether this worker does ``job`` this interval (see ``OrderRepository.take_turn``).

        The turn lasts one and a half intervals, so the worker that has it keeps it
        from one round to the next; another takes over when it stops or dies.
        """
        o = self.orchestrator
        return o.repository.take_turn(job, o.worker_id, o.clock(), every * 1.5)

    def _sync(self) -> None:
        """Intake channel by channel, each by one worker per interval; a stop ends it between two."""
        for name in sorted(self.orchestrator.router.channels):
            if self.stop.is_set():
                return
            if self.my_turn(f"intake:{name}", self.settings.sync_every):
                self.orchestrator.sync([name])

    def _expire(self) -> None:
        self.orchestrator.expire()
        self.orchestrator.release_stock_holds()

    def _dispatch(self) -> None:
        self.orchestrator.dispatch(self.settings.dispatch_limit, stop=self.stop)

    def _tracking(self) -> None:
        self.orchestrator.poll_tracking()
        self.orchestrator.returns.poll()  # return parcels: sent back, received
        self.orchestrator.check_exceptions()

    def _report(self) -> None:
        at = self.settings.report_at
        if at is None:
            return
        local = self.orchestrator.calendar.local(self.orchestrator.clock())
        day = local.date().isoformat()
        if local.time() >= at and self._last_report != day:
            self._last_report = day
            if not self.my_turn(f"report:{day}", 86_400.0):
                return  # another worker reports today
            report = daily_report_of(self.orchestrator)
            logger.info("daily report %s: %s", day, report, extra={"report": report})

    # -- the loop ---------------------------------------------------------------------------

    def run_once(self) -> list[str]:
        """Run every task that is due; returns their names (failures are logged, not raised)."""
        ran = []
        for task in self.tasks:
            if self.stop.is_set():
                break
            now = self.monotonic()
            if now < task.due:
                continue
            task.due = now + task.every
            try:
                if task.shared and not self.my_turn(task.name, task.every):
                    continue  # another worker does it this interval
                task.run()
                task.runs += 1
                task.last_error = None
            except Stopping:
                logger.info("%s: stopped while waiting for an API", task.name)
            except EcomflowError as error:
                task.failures += 1
                task.last_error = str(error)
                logger.warning("%s failed: %s", task.name, error, extra={"task": task.name})
            except Exception:  # a bug: keep the worker alive, make it loud
                task.failures += 1
                logger.exception("%s crashed", task.name, extra={"task": task.name})
            ran.append(task.name)
        return ran

    def run(self) -> None:
        """Run until :attr:`stop` is set; then say goodbye in the heartbeat table."""
        logger.info("worker %s started", self.orchestrator.worker_id)
        while not self.stop.is_set():
            self.run_once()
            wait = max(0.05, min(t.due for t in self.tasks) - self.monotonic())
            if self.sleep is not None:
                self.sleep(wait)
            else:
                self.stop.wait(wait)
        with contextlib.suppress(EcomflowError):
            self.heartbeat("stopped")
        logger.info("worker %s stopped", self.orchestrator.worker_id)

    def install_signal_handlers(self) -> None:
        """SIGTERM/SIGINT: finish the effect in hand, then stop; a second signal: exit now."""

        def handle(signum: int, frame: FrameType | None) -> None:
            if self.stop.is_set():
                os._exit(128 + signum)
            logger.info("signal %s: finishing the effect in hand, then stopping", signum)
            self.stop.set()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)


def daily_report_of(orchestrator: Orchestrator) -> dict[str, Any]:
    """The daily report's figures (orders by status, holds, outbox, intake failures, returns)."""
    from ecomflow.kpi import daily_report  # noqa: PLC0415

    orders = orchestrator.repository.find()
    report = daily_report(
        orders,
        calendar=orchestrator.calendar,
        failed_api_calls=orchestrator.counters.failed_api_calls,
    )
    report.extra.update(orchestrator.returns.figures())
    return report.to_dict()


@contextlib.contextmanager
def sqlite_worker_lock(orchestrator: Orchestrator) -> Iterator[None]:
    """Hold the one-worker lock of a SQLite store (no-op for PostgreSQL).

    :class:`~ecomflow.errors.ConfigurationError` when another worker holds it.
    """
    store = orchestrator.repository.store
    if not isinstance(store, SqliteStore) or store.kind != "sqlite":
        yield
        return
    import fcntl  # noqa: PLC0415 - POSIX only, and only needed here

    path = Path(store.path).with_suffix(".worker.lock")
    handle: TextIO = path.open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise ConfigurationError(
            f"another ecomflow worker runs on {store.url}; SQLite allows one — "
            "use PostgreSQL (store = 'postgresql://…') for several workers."
        ) from None
    try:
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def preflight(orchestrator: Orchestrator) -> list[str]:
    """Startup checks beyond the configuration: the database, each adapter and the mail server.

    Returns the problems found (empty when all is well); each says what to do.
    """
    problems = []
    try:
        versions = orchestrator.repository.store.schema_versions()
    except EcomflowError as error:
        return [f"database: {error}"]
    expected = {"orchestrator": 2}
    for component, version in expected.items():
        found = versions.get(component, 0)
        if found > version:
            problems.append(
                f"database schema {component} v{found} is newer than this ecomflow (v{version}); "
                "upgrade ecomflow"
            )
    for kind, clients in (
        ("channel", orchestrator.router.channels),
        ("carrier", orchestrator.router.carriers),
    ):
        for name, client in sorted(clients.items()):
            check = getattr(client, "check_credentials", None)
            if not callable(check):
                continue
            try:
                check()
            except EcomflowError as error:
                problems.append(f"{kind} {name}: {error}")
    check = getattr(orchestrator.core.notifier, "check_credentials", None)
    if callable(check):  # SMTP: a wrong password is found at start, not at the first order
        try:
            check()
        except EcomflowError as error:
            problems.append(f"notify: {error}")
    return problems
