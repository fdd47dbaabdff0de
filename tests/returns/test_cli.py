"""``ecomflow returns …`` and the returns lines of ``ecomflow status``, through CliRunner.

The shop's database is a SQLite file: orders are delivered into it by an
Orchestrator with the in-process channel and carrier (on a clock a few days
back), then the commands run against an ``ecomflow.toml`` naming that file.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ecomflow import BusinessCalendar
from ecomflow.cli import app
from ecomflow.notify import RecordingNotifier
from ecomflow.orchestration import Orchestrator
from ecomflow.orders import OrderStatus
from ecomflow.shipping import Catalogue, TrackingStatus
from ecomflow.storage import open_store
from ecomflow.testing import FrozenClock, MemoryCarrier, MemoryChannel, sample_order

runner = CliRunner()


def _deliver(db: Path, numbers: dict[str, int]) -> None:
    """Deliver order ``shop-<n>`` ``days`` ago for each ``n: days`` (two red mugs each)."""
    calendar = BusinessCalendar()
    clock = FrozenClock(datetime.now(UTC))
    channel, inpost = MemoryChannel("shop"), MemoryCarrier("inpost")
    shop = Orchestrator(
        store=open_store(f"sqlite:///{db}"),
        channels={"shop": channel},
        carriers={"inpost": inpost},
        catalogue=Catalogue.example(),
        notifier=RecordingNotifier(),
        clock=clock,
    )
    shop.ledger.receive("MUG-RED", 10, key="goods-in")
    for number, days in sorted(numbers.items(), key=lambda item: -item[1]):
        day = (datetime.now(UTC) - timedelta(days=days)).date()
        while not calendar.is_business_day(day):  # labels are bought on working days
            day -= timedelta(days=1)
        clock.set(calendar.at(day, time(9, 0)))
        order = sample_order(number, paid=True, carrier="inpost", lines={"MUG-RED": (2, "50.00")})
        channel.put(order.model_copy(update={"created_at": clock()}))
        for _ in range(3):
            shop.sync()
            shop.dispatch()
        ref = shop.order(f"shop-{number}").shipment
        assert ref is not None
        assert ref.shipment_id is not None
        inpost.advance(ref.shipment_id, TrackingStatus.DELIVERED)
        shop.poll_tracking()
        assert shop.order(f"shop-{number}").status is OrderStatus.DELIVERED
    shop.close()


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("returns-cli")
    db = folder / "shop.db"
    _deliver(db, {"1001": 2, "1002": 2, "1003": 45})
    path = folder / "ecomflow.toml"
    path.write_text(
        f'store = "sqlite:///{db}"\n\n[notify]\ntransport = "log"\n\n[returns]\nwindow_days = 30\n',
        encoding="utf-8",
    )
    return path


def said(result: Any) -> str:
    """What a command wrote to stderr, on one line (rich wraps it at the terminal's width)."""
    return " ".join(result.stderr.split())


def run(config: Path, *args: str) -> Any:
    return runner.invoke(app, ["returns", *args, "--config", str(config)])


def test_a_return_from_request_to_refund(config: Path) -> None:
    made = run(
        config,
        "request",
        "shop-1001",
        "MUG-RED=2",
        "--reason",
        "damaged",
        "--key",
        "ticket-1",
        "--json",
    )
    assert made.exit_code == 0, made.output
    rma = json.loads(made.stdout)
    number = rma["number"]
    assert rma["status"] == "requested"
    assert rma["lines"] == [
        {"sku": "MUG-RED", "quantity": 2, "refund": None, "restocked": 0, "written_off": 0}
    ]
    again = run(
        config, "request", "shop-1001", "MUG-RED=2", "--reason", "damaged", "--key", "ticket-1"
    )
    assert again.exit_code == 0
    assert again.stdout.startswith(f"{number} (shop-1001: MUG-RED×2) requested")

    early = run(config, "refund", number)
    assert early.exit_code == 1
    assert "cannot 'refund' while it is 'requested'" in said(early)

    received = run(config, "receive", number)
    assert received.exit_code == 0, received.output
    assert "received — units in quarantine" in received.stdout
    verified = run(config, "verify", number, "--reject-line", "MUG-RED=1", "--json")
    assert verified.exit_code == 0, verified.output
    [line] = json.loads(verified.stdout)["lines"]
    assert (line["restocked"], line["written_off"]) == (1, 1)
    refunded = run(config, "refund", number, "--invoice", "FV/2026/11/7")
    assert refunded.exit_code == 0, refunded.output
    assert "refunded — 100.00 PLN to refund" in refunded.stdout.replace("\xa0", " ")
    twice = run(config, "refund", number)
    assert twice.exit_code == 1

    listed = json.loads(run(config, "list", "--order", "shop-1001", "--json").stdout)
    assert [(r["number"], r["status"]) for r in listed] == [(number, "refunded")]
    assert json.loads(run(config, "list", "--status", "requested", "--json").stdout) == []
    table = run(config, "list")
    assert table.exit_code == 0
    assert number in table.stdout

    status = runner.invoke(app, ["status", "--json", "--config", str(config)])
    assert json.loads(status.stdout)["returns"]["refunded"] >= 1
    text = runner.invoke(app, ["status", "--config", str(config)])
    assert "returns (RMAs)" in text.stdout


def test_refusals_say_why_and_exit_non_zero(config: Path) -> None:
    request = ("--reason", "wrong_size", "--key")
    outside = run(config, "request", "shop-1003", "MUG-RED=1", *request, "late-1")
    assert outside.exit_code == 1
    assert "return refused (outside_window)" in said(outside)
    assert "Outside the 30-day return window by" in said(outside)
    sku = run(config, "request", "shop-1002", "TEAPOT=1", *request, "sku-1")
    assert sku.exit_code == 1
    assert "TEAPOT is not in order shop-1002" in said(sku)
    unknown = run(config, "request", "shop-404", "MUG-RED=1", *request, "nobody-1")
    assert unknown.exit_code == 4
    for bad in (("MUG-RED=two",), ("=1",), ("MUG-RED=0",)):
        usage = run(config, "request", "shop-1002", *bad, *request, "bad-1")
        assert usage.exit_code == 2, bad
        assert "SKU=QUANTITY" in said(usage)
    reason = run(config, "request", "shop-1002", "MUG-RED=1", "--reason", "meh", "--key", "r")
    assert reason.exit_code == 2
    assert "wrong_size" in said(reason)
    assert run(config, "list", "--status", "lost").exit_code == 2

    first = run(config, "request", "shop-1002", "MUG-RED=1", *request, "form-9")
    assert first.exit_code == 0, first.output
    other = run(config, "request", "shop-1002", "MUG-RED=2", *request, "form-9")
    assert other.exit_code == 1
    assert "form-9" in said(other)

    for command in (("receive",), ("verify",), ("refund",), ("reject", "--reason", "x")):
        missing = run(config, command[0], "RMA/1999/01/000001", *command[1:])
        assert missing.exit_code == 4, command
        assert "no RMA RMA/1999/01/000001" in said(missing)


def test_verify_names_what_the_rma_does_not_hold_and_reject_closes(config: Path) -> None:
    made = run(
        config, "request", "shop-1002", "MUG-RED=1", "--reason", "other", "--key", "v-1", "--json"
    )
    number = json.loads(made.stdout)["number"]
    assert run(config, "receive", number).exit_code == 0
    wrong = run(config, "verify", number, "--reject-line", "TEAPOT")
    assert wrong.exit_code == 1
    assert "has no TEAPOT" in said(wrong)
    too_many = run(config, "verify", number, "--reject-line", "MUG-RED=5")
    assert too_many.exit_code == 1
    assert "all 1 units" in said(too_many)
    done = run(config, "verify", number, "--reject-line", "MUG-RED", "--json")
    [line] = json.loads(done.stdout)["lines"]
    assert (line["restocked"], line["written_off"]) == (0, 1)
    rejected = run(config, "reject", number, "--reason", "worn, not as sent", "--json")
    assert rejected.exit_code == 0, rejected.output
    closed = json.loads(rejected.stdout)
    assert (closed["status"], closed["manual"]) == ("rejected", True)
