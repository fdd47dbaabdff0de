"""The ``ecomflow`` command line (typer + rich).

``ecomflow demo`` runs the main job; ``ecomflow --version`` prints the version.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ecomflow._version import __version__
from ecomflow.errors import InvalidTransition
from ecomflow.money import Money
from ecomflow.orders import OrderFlow, ShipmentRef
from ecomflow.testing import FrozenClock, sample_order

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
    lang: Annotated[str, typer.Option(help="Language of labels: pl or en.")] = "pl",
) -> None:
    """Take sample orders through the order lifecycle and print their audit trail."""
    console = Console()
    clock = FrozenClock(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    orders = [
        sample_order("1001", paid=True, method="parcel_locker"),
        sample_order("1002", cod=True),
        sample_order("1003", lines={"DESK-OAK": (1, "1499.00")}),
    ]
    for order in orders:
        flow = OrderFlow(order, clock=clock)
        try:
            flow.pay(reason="payment booked", actor="webhook:payments")
            clock.advance(minutes=5)
            flow.mark_ready(reason="rule paid-inpost-under-500", actor="rule:paid-inpost")
            order.reservation_id = f"res-{order.id}"
            flow.pack(reason="all SKUs scanned", actor="user:packer")
            order.shipment = ShipmentRef(carrier="inpost", tracking_number=f"6{order.id[-4:]}00")
            clock.advance(minutes=30)
            flow.ship(reason="label created", actor="carrier:inpost")
            clock.advance(timedelta(days=1))
            flow.deliver(reason="tracking: delivered", actor="webhook:inpost")
        except InvalidTransition as refused:
            flow.hold(getattr(refused, "reason", str(refused)), actor="system")

    table = Table(title="ecomflow demo — audit trail")
    for column in ("order", "at (UTC)", "from", "to", "event", "actor", "reason"):
        table.add_column(column)
    for order in orders:
        for record in order.history:
            table.add_row(
                order.id,
                record.at.strftime("%Y-%m-%d %H:%M"),
                OrderFlow.label(record.source, lang),
                OrderFlow.label(record.target, lang),
                record.event,
                record.actor,
                record.reason or "",
            )
    console.print(table)
    total = Money.sum((o.total for o in orders), "PLN")
    console.print(f"{len(orders)} orders, value {total.format('pl_PL' if lang == 'pl' else 'en')}")


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
