"""The demo: a shop day end to end, checks that can fail, and crash safety by comparison."""

from __future__ import annotations

import copy
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from ecomflow.cli import app
from ecomflow.demo import DemoResult, Evidence, run_checks, run_demo
from ecomflow.demo import checks as demo_checks
from ecomflow.orders import OrderStatus

QUIET = Console(file=io.StringIO())


def _failed(result: DemoResult) -> dict[str, tuple[str, ...]]:
    return {c.name: c.problems for c in result.checks if not c.ok}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, Evidence]:
    """One clean small day, and the evidence its checks read (tests tamper with copies)."""
    captured: list[Evidence] = []
    real = demo_checks.run_checks

    def keep(evidence: Evidence) -> list[demo_checks.Check]:
        captured.append(evidence)
        return real(evidence)

    mp = pytest.MonkeyPatch()
    mp.setattr("ecomflow.demo.run_checks", keep)
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    result = run_demo(orders=60, seed=3, db=db, console=QUIET)
    mp.undo()
    return result, captured[0]


def test_the_day_passes_its_own_checks(clean: tuple[DemoResult, Evidence]) -> None:
    result, _ = clean
    assert result.ok, _failed(result)
    figures = result.figures
    assert figures["orders"] == 60
    assert figures["shipments"] >= 30
    assert figures["packages"] == figures["labels"]
    assert result.report.oversold == 0
    held = result.report.holds_by_reason
    assert {"verification", "no carrier service"} <= set(held), held
    assert result.intake_failures, "the poison order is reported"
    cancelled = result.figures["by_status"].get("cancelled", 0)
    planned = sum(n for story, n in result.stories.items() if story.startswith("cancelled"))
    assert planned > 0
    assert cancelled == planned


def test_the_day_ends_with_returns(clean: tuple[DemoResult, Evidence]) -> None:
    result, evidence = clean
    returns = result.figures["returns"]
    assert returns["refused"] >= 1
    assert returns["labels"] == len(evidence.rmas) >= 2
    assert returns["rmas"].get("refunded", 0) >= 2
    assert returns["written_off"] == 1
    assert evidence.quarantined and not any(evidence.quarantined.values())
    kinds = [e["kind"] for e in evidence.money_events]
    assert kinds.count("request_refund") == kinds.count("request_correction") >= 2
    assert "RMAs by status" in result.report.extra
    assert any(story.startswith("return") for story in result.stories)
    printed = io.StringIO()
    result.print(Console(file=printed, width=200))
    assert "returns: " in printed.getvalue()


def test_the_same_seed_gives_the_same_day(
    tmp_path: Path, clean: tuple[DemoResult, Evidence]
) -> None:
    again = run_demo(orders=60, seed=3, db=tmp_path / "again.db", console=QUIET)
    assert again.figures == clean[0].figures


# -- every check can fail: break what it guards, see it fail -------------------------------


def test_a_message_sent_twice_fails_its_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecomflow.notify import JournalNotifier

    real = JournalNotifier.send

    def twice(self: JournalNotifier, message: Any) -> None:
        real(self, message)
        real(self, message)

    monkeypatch.setattr(JournalNotifier, "send", twice)
    result = run_demo(orders=20, seed=3, db=tmp_path / "d.db", console=QUIET)
    assert "each message sent once (the transport's own count)" in _failed(result)


def test_a_skipped_stock_commit_fails_the_stock_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def skip(c: Any) -> None:
        return None

    monkeypatch.setattr("ecomflow.orchestration.handlers.commit_stock", skip)
    monkeypatch.setattr("ecomflow.orchestration.carrier_events.commit_stock", skip)
    result = run_demo(orders=20, seed=3, db=tmp_path / "d.db", console=QUIET)
    assert any(name.startswith("stock adds up") for name in _failed(result))


def test_a_skipped_tracking_write_back_fails_the_package_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecomflow.orchestration import handlers

    def forget(core: Any, claimed: Any) -> None:
        handlers.finish(core, claimed, "pretended")

    monkeypatch.setitem(handlers.HANDLERS, "write_tracking", forget)
    result = run_demo(orders=20, seed=3, db=tmp_path / "d.db", console=QUIET)
    assert "one package per shipped order (BaseLinker's records)" in _failed(result)


def _failing(evidence: Evidence) -> set[str]:
    return {c.name for c in run_checks(evidence) if not c.ok}


def _shipped(evidence: Evidence) -> Any:
    return next(
        o
        for o in evidence.orders
        if o.status.is_shipped and o.shipment and o.shipment.carrier == "inpost"
    )


def test_a_second_label_fails_the_shipment_check(clean: tuple[DemoResult, Evidence]) -> None:
    evidence = copy.deepcopy(clean[1])
    order = _shipped(evidence)
    first = next(s for s in evidence.shipx_shipments.values() if s["reference"] == order.id)
    evidence.shipx_shipments[-1] = {**first, "id": -1}
    assert "one shipment per order (ShipX's records)" in _failing(evidence)


def test_a_label_for_another_service_fails_the_promise_check(
    clean: tuple[DemoResult, Evidence],
) -> None:
    evidence = copy.deepcopy(clean[1])
    order = _shipped(evidence)
    assert order.shipment is not None
    order.shipment = order.shipment.model_copy(update={"service_id": "dpd_classic"})
    assert "promise = label = tracking = the customer's choice" in _failing(evidence)


def test_a_locker_tag_on_a_courier_order_fails_the_tag_check(
    clean: tuple[DemoResult, Evidence],
) -> None:
    evidence = copy.deepcopy(clean[1])
    courier = next(o for o in evidence.orders if o.delivery.method.value == "courier")
    courier.tags.add("parcel-locker")
    assert _failing(evidence) == {"delivery tags name the customer's choice"}
    evidence = copy.deepcopy(clean[1])
    locker = next(o for o in evidence.orders if "parcel-locker" in o.tags)
    locker.tags.discard("parcel-locker")
    assert _failing(evidence) == {"delivery tags name the customer's choice"}


def test_a_forgotten_paid_order_fails_two_checks(clean: tuple[DemoResult, Evidence]) -> None:
    evidence = copy.deepcopy(clean[1])
    order = _shipped(evidence)
    order.status = OrderStatus.PACKED
    order.shipment = None
    failing = _failing(evidence)
    assert "every paid order is shipped or held with a reason" in failing
    assert "no order waits without a reason" in failing


def test_a_cancelled_order_with_a_live_label_fails(clean: tuple[DemoResult, Evidence]) -> None:
    evidence = copy.deepcopy(clean[1])
    order = _shipped(evidence)
    order.status = OrderStatus.CANCELLED
    evidence.audit_subjects = set()
    assert "no cancelled order ships with a live label" in _failing(evidence)


def test_a_parked_effect_fails_its_check(clean: tuple[DemoResult, Evidence]) -> None:
    evidence = copy.deepcopy(clean[1])
    evidence.parked = {"tracking:shop-1:6001": "ConfigurationError: no courier code"}
    assert "nothing parked for a person" in _failing(evidence)


def _refunded(evidence: Evidence) -> Any:
    return next(r for r in evidence.rmas if r.status.value == "refunded")


def test_a_second_return_label_fails_its_check(clean: tuple[DemoResult, Evidence]) -> None:
    evidence = copy.deepcopy(clean[1])
    rma = _refunded(evidence)
    ref = rma.number.replace("/", "-")
    label = next(s for s in evidence.shipx_shipments.values() if s["reference"] == ref)
    evidence.shipx_shipments[-2] = {**label, "id": -2}
    assert "one return label per RMA (ShipX's records)" in _failing(evidence)


def test_a_return_label_bought_as_an_outbound_shipment_fails(
    clean: tuple[DemoResult, Evidence],
) -> None:
    evidence = copy.deepcopy(clean[1])
    ref = _refunded(evidence).number.replace("/", "-")
    label = next(s for s in evidence.shipx_shipments.values() if s["reference"] == ref)
    label["is_return"] = False
    assert "one return label per RMA (ShipX's records)" in _failing(evidence)


def test_a_refund_paid_twice_fails_two_checks(clean: tuple[DemoResult, Evidence]) -> None:
    evidence = copy.deepcopy(clean[1])
    full = next(p for p in evidence.return_plan if p.retried)  # everything came back
    refund = next(
        e
        for e in evidence.money_events
        if e["kind"] == "request_refund" and e["order_id"] == full.order_id
    )
    evidence.money_events.append(dict(refund))
    failing = _failing(evidence)
    assert "one refund and one correction per refunded RMA (their own records)" in failing
    assert "refunds never exceed what was paid (BaseLinker's record)" in failing


def test_a_damaged_unit_restocked_fails_the_returns_check(
    clean: tuple[DemoResult, Evidence],
) -> None:
    evidence = copy.deepcopy(clean[1])
    damaged = next(p for p in evidence.return_plan if p.damaged)
    [sku] = damaged.damaged
    evidence.on_hand[sku] += 1
    failing = _failing(evidence)
    assert "returned units: good ones back in stock, damaged ones not" in failing
    assert any(name.startswith("stock adds up") for name in failing)


def test_a_retried_request_with_a_new_rma_fails(clean: tuple[DemoResult, Evidence]) -> None:
    evidence = copy.deepcopy(clean[1])
    retried = next(p for p in evidence.return_plan if p.retried)
    first = next(r for r in evidence.rmas if r.key == retried.key)
    evidence.rmas.append(first.model_copy(update={"number": "RMA/2099/01/000009"}))
    evidence.return_records[f"demo:returns:retry:{retried.key}"] = (
        f"{first.number} RMA/2099/01/000009"
    )
    assert "each return request answered once (one RMA, or a refusal)" in _failing(evidence)


def test_a_refusal_that_opened_an_rma_fails(clean: tuple[DemoResult, Evidence]) -> None:
    evidence = copy.deepcopy(clean[1])
    refused = next(p for p in evidence.return_plan if p.refusal)
    evidence.rmas.append(evidence.rmas[0].model_copy(update={"key": refused.key}))
    assert "each return request answered once (one RMA, or a refusal)" in _failing(evidence)


def test_refund_events_emitted_twice_fail_in_a_real_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecomflow.orchestration import handlers

    real = handlers.money_event

    def twice(core: Any, claimed: Any) -> None:
        core.events.emit(claimed.effect)
        real(core, claimed)

    monkeypatch.setitem(handlers.HANDLERS, "request_refund", twice)
    result = run_demo(orders=20, seed=3, db=tmp_path / "d.db", console=QUIET)
    assert "one refund and one correction per refunded RMA (their own records)" in _failed(result)


def test_a_message_torn_by_a_crash_is_not_a_send(tmp_path: Path) -> None:
    journal = tmp_path / "j.jsonl"
    journal.write_text('{"key": "a", "kind": "shipped"}\n{"key": "b", "ki', encoding="utf-8")
    assert [s["key"] for s in demo_checks.read_sends(journal)] == ["a"]


# -- crash safety: killed at random and resumed, the end state is a clean run's ----------------


@pytest.mark.slow
def test_killed_and_resumed_the_day_ends_as_a_clean_run(tmp_path: Path) -> None:
    import random

    from ecomflow.demo.crash import run_with_crashes

    run = run_with_crashes(
        kills=3,
        orders=40,
        seed=5,
        day=date(2026, 12, 23),
        db=tmp_path / "crash.db",
        rng=random.Random(11),
    )
    assert run.kills == 3
    assert run.crashed["ok"], run.crashed["checks"]
    assert run.differences == []


def test_the_returns_steps_are_safe_to_repeat(tmp_path: Path) -> None:
    """Done but not recorded as done (killed just then): resumed, they run again — harmlessly."""
    from types import SimpleNamespace

    from ecomflow import BusinessCalendar
    from ecomflow.demo import _steps, plan_day
    from ecomflow.storage import open_store

    stub: Any = SimpleNamespace(calendar=BusinessCalendar())
    world: Any = SimpleNamespace(main=stub, step=print, dispatch=print)
    names = [name for name, _ in _steps(world, plan_day(30, 4, date(2026, 12, 23)))]
    requested = next(i for i, name in enumerate(names) if name.endswith("returns requested"))
    db = tmp_path / "repeat.db"
    first = run_demo(orders=30, seed=4, db=db, console=QUIET, durable=True)
    assert first.ok, _failed(first)
    store = open_store(f"sqlite:///{db}")
    with store.transaction() as tx:  # every returns step done, none recorded as done
        tx.execute(
            "UPDATE ef_records SET value = ? WHERE name = 'demo:step'", (str(requested - 1),)
        )
    store.close()
    again = run_demo(orders=30, seed=4, db=db, console=QUIET, resume=True)
    assert again.ok, _failed(again)
    assert again.figures == first.figures
    assert again.figures["returns"]["rmas"]


# -- the command -----------------------------------------------------------------------------


def test_demo_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["demo", "--orders", "25", "--db", str(tmp_path / "d.db"), "--lang", "en", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert all(c["ok"] for c in data["checks"])
    bad = CliRunner().invoke(app, ["demo", "--date", "yesterday"])
    assert bad.exit_code != 0
    nothing = CliRunner().invoke(app, ["demo", "--resume", "--db", str(tmp_path / "none.db")])
    assert nothing.exit_code == 3
