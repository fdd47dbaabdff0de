"""The main job runs end to end, and re-running it with the same database continues."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from ecomflow.cli import app
from ecomflow.demo import run_demo


def test_demo_day_passes_its_own_checks(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = run_demo(orders=60, seed=3, db=db, console=Console(file=io.StringIO()))
    assert result.ok, result.checks
    report = result.report
    assert report.oversold == 0
    assert report.labels_created > 0
    assert report.messages_by_type["confirmation"] == report.labels_created
    assert sum(report.orders_by_status.values()) == 60
    again = run_demo(orders=60, seed=3, db=db, console=Console(file=io.StringIO()))
    assert again.ok
    assert again.report.labels_created == report.labels_created


def test_demo_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["demo", "--orders", "25", "--db", str(tmp_path / "d.db"), "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "oversold: 0" in result.output
    assert "Sample messages (en)" in result.output
    bad = CliRunner().invoke(app, ["demo", "--date", "yesterday"])
    assert bad.exit_code != 0
