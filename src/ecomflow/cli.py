"""The ``ecomflow`` command line (typer + rich).

``ecomflow demo`` runs the main job; ``ecomflow --version`` prints the version.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ecomflow._version import __version__

__all__ = ["adapters", "app", "demo", "main"]

app = typer.Typer(
    name="ecomflow",
    help="Run e-commerce orders from intake to delivery, and returns back again.",
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ecomflow {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """ecomflow: one source of truth for order status and stock."""


@app.command()
def demo(
    orders: Annotated[int, typer.Option(help="Orders in the simulated day.")] = 300,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same day).")] = 7,
    date: Annotated[
        str, typer.Option("--date", help="The simulated day (YYYY-MM-DD).")
    ] = "2026-12-23",
    db: Annotated[Path, typer.Option(help="SQLite file; re-running continues it.")] = Path(
        "ecomflow-demo.db"
    ),
    lang: Annotated[str, typer.Option(help="Language of the sample messages: pl or en.")] = "pl",
) -> None:
    """Run a simulated shop day through the real Orchestrator against local fake servers."""
    from ecomflow.demo import run_demo  # noqa: PLC0415 - keeps `ecomflow --help` fast

    console = Console()
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise typer.BadParameter(
            f"{date!r} is not a date like 2026-12-23", param_hint="--date"
        ) from None
    if lang not in ("pl", "en"):
        raise typer.BadParameter("use pl or en", param_hint="--lang")
    console.print(f"[bold]ecomflow demo[/bold]: {orders} orders on {day}, store {db}")
    result = run_demo(orders=orders, seed=seed, day=day, db=db, lang=lang, console=console)
    console.print(result.report.table())
    if result.returns is not None:
        console.print(result.returns.table())
    console.print(f"[bold]Sample messages ({lang})[/bold]")
    for sample in result.samples:
        console.print(sample, "\n")
    for name, passed in result.checks.items():
        console.print(("[green]✓[/green] " if passed else "[red]✗[/red] ") + name)
    console.print(f"oversold: {result.report.oversold}")
    if not result.ok:
        raise typer.Exit(code=1)


@app.command()
def adapters() -> None:
    """List the adapter plugins: loaded ones, and those that failed to load (with why)."""
    from ecomflow.adapters import available  # noqa: PLC0415 - keeps `ecomflow --help` fast

    table = Table(title="ecomflow adapters (entry-point group 'ecomflow.adapters')")
    for column in ("id", "label", "capabilities", "status", "source"):
        table.add_column(column)
    for plugin in available():
        if plugin.info is None:
            table.add_row(
                plugin.id, "[red]failed to load[/red]", plugin.error or "", "", plugin.source
            )
        else:
            info = plugin.info
            table.add_row(
                info.id,
                info.label,
                ", ".join(sorted(info.capabilities)),
                info.status,
                plugin.source,
            )
    Console().print(table)


def main() -> None:
    """Entry point of the ``ecomflow`` console script."""
    app()
