"""``ecomflow worker`` in a subprocess, on a shop clock that starts Monday 09:00.

The only change to the real command is the clock: wall time would make the
test depend on the hour it runs (after the carriers' cut-off, or at a weekend,
labels wait for the next working day). Every worker process gets the same
start (``ECOMFLOW_TEST_T0``, Unix seconds) so they agree on "now".

Run as ``python _worker_process.py <ecomflow.toml> <worker id>``.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
import time
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from ecomflow.cli import app
from ecomflow.orchestration import Orchestrator

#: What the shop's clock reads at ``ECOMFLOW_TEST_T0``.
MONDAY_MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


def shop_clock(t0: float) -> datetime:
    """Monday 09:00 plus the wall seconds since ``t0``."""
    return MONDAY_MORNING + timedelta(seconds=time.time() - t0)


def main() -> None:
    config, worker_id = sys.argv[1], sys.argv[2]
    faulthandler.register(signal.SIGUSR1)  # the test asks a stuck worker where it is
    clock = partial(shop_clock, float(os.environ["ECOMFLOW_TEST_T0"]))
    build = Orchestrator.from_config

    def from_config(*args: Any, **kwargs: Any) -> Orchestrator:
        kwargs["clock"] = clock
        kwargs["worker_id"] = worker_id
        return build(*args, **kwargs)

    Orchestrator.from_config = from_config  # type: ignore[method-assign]
    app(["worker", "--config", config, "--log-level", "WARNING"])


if __name__ == "__main__":
    main()
