"""``ecomflow demo --crash N``: kill the demo N times at random points, resume, compare.

The demo runs in a child process with durable fakes (``--durable``); the parent
kills it with SIGKILL after a random delay, starts it again with ``--resume``,
and does so N times before letting it finish. Then it runs the same day (same
seed) once more, cleanly, in a database of its own, and compares the two
reports' figures — orders by status, holds by reason, messages by kind,
shipments at the carrier, packages at the channel, labels and lead times.
Crash safety is a claim about the end state, so the end states are compared.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

__all__ = ["CrashRun", "run_with_crashes"]


@dataclass
class CrashRun:
    """The killed-and-resumed run next to a clean one."""

    kills: int
    crashed: dict[str, Any]
    clean: dict[str, Any]
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Both runs passed their checks and ended in the same state."""
        return (
            bool(self.crashed.get("ok")) and bool(self.clean.get("ok")) and not (self.differences)
        )


def _command(orders: int, seed: int, day: date, db: Path, *, resume: bool) -> list[str]:
    return [
        sys.executable,
        "-m",
        "ecomflow",
        "demo",
        "--orders",
        str(orders),
        "--seed",
        str(seed),
        "--date",
        day.isoformat(),
        "--db",
        str(db),
        "--json",
        "--resume" if resume else "--durable",
    ]


def _run(command: list[str], timeout: float) -> dict[str, Any]:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"the demo failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _compare(crashed: dict[str, Any], clean: dict[str, Any]) -> list[str]:
    differences = []
    for key in sorted(set(crashed["figures"]) | set(clean["figures"])):
        a, b = crashed["figures"].get(key), clean["figures"].get(key)
        if a != b:
            differences.append(f"{key}: {a} after crashes, {b} in a clean run")
    return differences


def run_with_crashes(
    *,
    kills: int,
    orders: int,
    seed: int,
    day: date,
    db: Path,
    timeout: float = 600.0,
    rng: random.Random | None = None,
) -> CrashRun:
    """Kill the demo ``kills`` times at random points, let it finish, compare with a clean run."""
    rng = rng or random.Random(seed)
    clean_db = db.with_name(db.stem + "-clean" + db.suffix)
    started = time.monotonic()
    clean = _run(_command(orders, seed, day, clean_db, resume=False), timeout)
    typical = max(1.0, time.monotonic() - started)
    done_kills = 0
    resume = False
    while done_kills < kills:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        child = subprocess.Popen(
            _command(orders, seed, day, db, resume=resume),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        time.sleep(rng.uniform(0.6, typical * 0.9))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            done_kills += 1
        child.wait()
        state = db.with_name(db.name + ".world") / "baselinker.pickle"
        resume = state.exists()
    crashed = _run(_command(orders, seed, day, db, resume=resume), timeout)
    return CrashRun(done_kills, crashed, clean, _compare(crashed, clean))
