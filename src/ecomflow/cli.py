"""The ``ecomflow`` command line (typer + rich).

Running a shop: ``worker`` (the whole cycle on a schedule) and ``serve`` (webhooks,
health, metrics). Looking and acting: ``status``, ``parked``, ``retry``, ``order``,
``release``, ``label``, ``cancel``, ``deliver``, ``stock receive``, ``stock levels``; returns:
``returns list|request|receive|verify|refund|reject`` (:mod:`ecomflow.cli_returns`).
Setting up: ``check-config``, ``migrate``, ``adapters``. Personal data: ``anonymise``,
``export``, ``erase``. Trying it: ``demo``.

Every command takes ``--config`` (default ``ecomflow.toml``, or ``$ECOMFLOW_CONFIG``);
the reading commands take ``--json``. Exit codes: 0 all well; 1 something needs a
person (parked effects, intake failures, a refused action); 2 wrong usage;
3 configuration or database problem; 4 no such order or effect.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ecomflow._version import __version__
from ecomflow.cli_returns import returns_app
from ecomflow.cli_returns import rma_counts_table as _rma_counts

if TYPE_CHECKING:
    from ecomflow.orchestration import Orchestrator, OrchestratorConfig

__all__ = ["app", "main"]

#: Exit codes (see the module docstring).
OK, ATTENTION, USAGE, CONFIG, NOT_FOUND = 0, 1, 2, 3, 4

app = typer.Typer(
    name="ecomflow",
    help="Run e-commerce orders from intake to delivery, and returns back again.",
    no_args_is_help=True,
    add_completion=False,
)

ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", envvar="ECOMFLOW_CONFIG", help="The shop's ecomflow.toml."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
ActorOption = Annotated[str, typer.Option(help="Who does it (recorded in the audit trail).")]

err = Console(stderr=True, soft_wrap=True)  # one error, one line: logs and journald read it


app.add_typer(returns_app, name="returns")


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


@contextlib.contextmanager
def _acting(config: Path) -> Iterator[Orchestrator]:
    """The shop's Orchestrator for one operator action; its refusals become exit codes.

    No such order: exit 4; anything else the library refused (an order in the wrong
    state, a carrier that said no): exit 1 with the reason. Closed either way.
    """
    from ecomflow.errors import EcomflowError, UnknownOrder  # noqa: PLC0415

    orchestrator = _orchestrator(config)
    try:
        yield orchestrator
    except UnknownOrder as error:
        _fail(str(error), NOT_FOUND)
    except EcomflowError as error:
        _fail(str(error), ATTENTION)
    finally:
        orchestrator.close()


@contextlib.contextmanager
def _progress(description: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr for a long operation; nothing when it is not a terminal."""
    from rich.progress import Progress  # noqa: PLC0415

    with Progress(console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(description, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def _fail(message: str, code: int) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def _config(path: Path) -> OrchestratorConfig:
    from ecomflow.errors import ConfigurationError  # noqa: PLC0415
    from ecomflow.orchestration import OrchestratorConfig  # noqa: PLC0415

    if not path.exists():
        _fail(f"{path} does not exist; pass --config or set ECOMFLOW_CONFIG", CONFIG)
    try:
        return OrchestratorConfig.from_toml(path)
    except ConfigurationError as error:
        _fail(str(error), CONFIG)


def _orchestrator(path: Path, *, worker_id: str | None = None) -> Orchestrator:
    from ecomflow.errors import ConfigurationError  # noqa: PLC0415
    from ecomflow.orchestration import Orchestrator  # noqa: PLC0415

    config = _config(path)
    try:
        return Orchestrator.from_config(config, worker_id=worker_id)
    except ConfigurationError as error:
        _fail(str(error), CONFIG)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


# -- running ---------------------------------------------------------------------------


@app.command("worker")
def _worker(
    config: ConfigOption = Path("ecomflow.toml"),
    log_format: Annotated[str, typer.Option(help="text or json")] = "text",
    log_level: Annotated[str, typer.Option(help="DEBUG, INFO, WARNING…")] = "INFO",
    once: Annotated[bool, typer.Option(help="Run every task once and exit (cron).")] = False,
) -> None:
    """Run the whole cycle on a schedule until SIGTERM or SIGINT."""
    import logging  # noqa: PLC0415

    from ecomflow.errors import ConfigurationError  # noqa: PLC0415
    from ecomflow.logs import configure_logging  # noqa: PLC0415
    from ecomflow.worker import (  # noqa: PLC0415
        Worker,
        preflight,
        share_rate_limits,
        sqlite_worker_lock,
    )

    logger = logging.getLogger("ecomflow.worker")

    configure_logging(log_level, "json" if log_format == "json" else "text")
    settings = _config(config)
    orchestrator = _orchestrator(config)
    try:
        with sqlite_worker_lock(orchestrator):
            # Shared first: the startup checks' own calls count against the shared budget.
            for shared in share_rate_limits(orchestrator, settings):
                logger.info("rate limit shared by every worker: %s", shared)
            problems = preflight(orchestrator)
            if problems:
                _fail("startup checks failed:\n  - " + "\n  - ".join(problems), CONFIG)
            runner = Worker(orchestrator, settings.worker)
            if once:
                runner.run_once()
                return
            runner.install_signal_handlers()
            runner.run()
    except ConfigurationError as error:
        _fail(str(error), CONFIG)
    finally:
        orchestrator.close()


def _stop_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(OK)


@app.command("serve")
def _serve(
    config: ConfigOption = Path("ecomflow.toml"),
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    log_format: Annotated[str, typer.Option(help="text or json")] = "text",
    log_level: Annotated[str, typer.Option(help="DEBUG, INFO, WARNING…")] = "INFO",
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="Proxies whose X-Forwarded-For is trusted (the InPost network check reads "
            "the address they forward); default $FORWARDED_ALLOW_IPS or 127.0.0.1."
        ),
    ] = None,
) -> None:
    """Serve webhooks, /healthz, /readyz and /metrics (uvicorn)."""
    import uvicorn  # noqa: PLC0415

    from ecomflow.asgi import create_app  # noqa: PLC0415
    from ecomflow.errors import ConfigurationError  # noqa: PLC0415
    from ecomflow.logs import configure_logging  # noqa: PLC0415

    configure_logging(log_level, "json" if log_format == "json" else "text")
    try:
        application = create_app(_config(config))
    except ConfigurationError as error:
        _fail(str(error), CONFIG)
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then raises the signal again for
    # the handler it found: this one, so a requested stop exits 0 (as the worker does).
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stop_cleanly)
    uvicorn.run(
        application,
        host=host,
        port=port,
        log_level="warning",
        forwarded_allow_ips=forwarded_allow_ips,
    )


# -- looking -----------------------------------------------------------------------------


@app.command("status")
def _status(config: ConfigOption = Path("ecomflow.toml"), as_json: JsonOption = False) -> None:
    """Orders by status and hold reason, the outbox, intake failures, cursors, workers."""
    orchestrator = _orchestrator(config)
    data = orchestrator.status()
    orchestrator.close()
    at = dt.datetime.fromisoformat(data["at"])
    for worker in data["workers"]:
        seen = dt.datetime.fromisoformat(worker["last_seen"])
        worker["seconds_since_seen"] = round((at - seen).total_seconds(), 1)
    attention = data["effects"]["parked"] or data["intake_failures"]
    if as_json:
        _print_json(data)
    else:
        console = Console()
        table = Table(title="orders")
        table.add_column("status")
        table.add_column("count", justify="right")
        for name, count in sorted(data["orders"].items()):
            table.add_row(escape(name), str(count))
        console.print(table)
        if data["holds"]:
            holds = Table(title="on hold, by reason")
            holds.add_column("reason")
            holds.add_column("count", justify="right")
            for name, count in sorted(data["holds"].items()):
                holds.add_row(escape(name), str(count))
            console.print(holds)
        if data["returns"]:
            console.print(_rma_counts(data["returns"]))
        effects = data["effects"]
        console.print(
            f"effects: {effects['pending']} pending ({effects['due']} due, oldest "
            f"{effects['oldest_due_seconds']:.0f}s), [bold]{effects['parked']} parked[/bold]"
        )
        console.print(f"intake failures: {data['intake_failures']}")
        for name, cursor in sorted(data["cursors"].items()):
            console.print(f"{name}: {cursor}", markup=False)
        for w in data["workers"]:
            console.print(
                f"worker {w['worker_id']} ({w['state']}) last seen {w['last_seen']} "
                f"({w['seconds_since_seen']:.0f}s ago)",
                markup=False,
            )
    raise typer.Exit(ATTENTION if attention else OK)


@app.command("parked")
def _parked(config: ConfigOption = Path("ecomflow.toml"), as_json: JsonOption = False) -> None:
    """Effects that failed too often and wait for a person (exit 1 when there are some)."""
    orchestrator = _orchestrator(config)
    rows = orchestrator.repository.effects("parked")
    failures = orchestrator.repository.intake_failures()
    orchestrator.close()
    if as_json:
        _print_json(
            {
                "effects": [
                    {
                        "id": r.id,
                        "key": r.key,
                        "kind": r.kind,
                        "order_id": r.order_id,
                        "attempts": r.attempts,
                        "error": r.error,
                    }
                    for r in rows
                ],
                "intake_failures": [
                    {
                        "channel": f.channel,
                        "channel_order_id": f.channel_order_id,
                        "error": f.error,
                        "reason": f.reason,
                        "attempts": f.attempts,
                    }
                    for f in failures
                ],
            }
        )
    else:
        table = Table(title="parked effects (ecomflow retry <id>)")
        for column in ("id", "kind", "order", "attempts", "error"):
            table.add_column(column)
        for r in rows:
            table.add_row(
                str(r.id), r.kind, escape(r.order_id or ""), str(r.attempts), escape(r.error or "")
            )
        Console().print(table)
        if failures:
            intake = Table(title="intake failures (taken in again when fixed)")
            for column in ("channel", "order", "reason"):
                intake.add_column(column)
            for f in failures:
                intake.add_row(escape(f.channel), escape(f.channel_order_id), escape(f.reason))
            Console().print(intake)
    raise typer.Exit(ATTENTION if rows or failures else OK)


@app.command("order")
def _order(
    order_id: Annotated[str, typer.Argument(help="The order id, e.g. shop-1001.")],
    config: ConfigOption = Path("ecomflow.toml"),
    as_json: JsonOption = False,
) -> None:
    """One order's story: its audit trail, plan, shipment, effects and messages."""
    from ecomflow.errors import UnknownOrder  # noqa: PLC0415

    orchestrator = _orchestrator(config)
    try:
        order = orchestrator.order(order_id)
    except UnknownOrder as error:
        _fail(str(error), NOT_FOUND)
    effects = orchestrator.repository.effects(order_id=order_id)
    audit = orchestrator.repository.audit_trail(order_id)
    orchestrator.close()
    if as_json:
        _print_json(
            {
                "order": order.model_dump(mode="json", exclude={"raw"}),
                "effects": [
                    {
                        "id": e.id,
                        "key": e.key,
                        "state": e.state,
                        "attempts": e.attempts,
                        "result": e.result,
                        "error": e.error,
                    }
                    for e in effects
                ],
                "audit": [a.__dict__ for a in audit],
            }
        )
        return
    console = Console()
    console.print(
        f"[bold]{escape(order.id)}[/bold] — {order.status.label('en')} "
        f"({order.total}, {order.delivery.method.value})"
    )
    for record in order.history:
        console.print(
            f"  {record.at:%Y-%m-%d %H:%M} {record.source} → {record.target} "
            f"[dim]{record.event} by {escape(record.actor)}[/dim] {escape(record.reason or '')}"
        )
    if order.shipping:
        plan = order.shipping
        console.print(
            f"plan: {plan.service_id} ({plan.carrier}) ships {plan.ship_date}, "
            f"promised {plan.promised_delivery}",
            markup=False,
        )
    if order.shipment:
        console.print(
            f"shipment: {order.shipment.carrier} {order.shipment.shipment_id} "
            f"tracking {order.shipment.tracking_number or '—'}",
            markup=False,
        )
    for effect in effects:
        console.print(
            f"  effect {effect.id} {effect.key}: {effect.state} "
            f"{effect.result or effect.error or ''}",
            markup=False,
        )
    for entry in audit:
        console.print(
            f"  {entry.at:%Y-%m-%d %H:%M} {entry.actor} {entry.action}: {entry.detail}",
            markup=False,
        )


# -- acting ------------------------------------------------------------------------------


@app.command("retry")
def _retry(
    effect_id: Annotated[int | None, typer.Argument(help="A parked effect's id.")] = None,
    order: Annotated[str | None, typer.Option("--order", help="Every parked effect of it.")] = None,
    all_parked: Annotated[bool, typer.Option("--all-parked", help="Every parked effect.")] = False,
    reason: Annotated[str, typer.Option(help="Why (recorded in the audit trail).")] = "",
    actor: ActorOption = "user",
    config: ConfigOption = Path("ecomflow.toml"),
) -> None:
    """Put parked effects back in the queue: one, one order's, or all."""
    chosen = sum(x is not None and x is not False for x in (effect_id, order, all_parked))
    if chosen != 1:
        _fail("give exactly one of: an effect id, --order ID, --all-parked", USAGE)
    orchestrator = _orchestrator(config)
    rows = orchestrator.retry(
        effect_id=effect_id, order_id=order, all_parked=all_parked, reason=reason, actor=actor
    )
    orchestrator.close()
    if not rows:
        _fail("no parked effect matched", NOT_FOUND)
    for row in rows:
        typer.echo(f"queued again: {row.id} {row.key}")


@app.command("release")
def _release(
    order_id: Annotated[str, typer.Argument(help="The held order.")],
    reason: Annotated[str, typer.Option(help="Why (recorded in the audit trail).")],
    actor: ActorOption = "user",
    config: ConfigOption = Path("ecomflow.toml"),
) -> None:
    """Release a held order and move it on."""
    with _acting(config) as orchestrator:
        order = orchestrator.release(order_id, reason, actor=actor)
    typer.echo(f"{order.id}: {order.status.value}")


@app.command("label")
def _label(
    order_id: Annotated[str, typer.Argument(help="The packed order a rule kept back.")],
    actor: ActorOption = "user",
    config: ConfigOption = Path("ecomflow.toml"),
) -> None:
    """Buy the label a rule kept back for a person (``request_label = false``)."""
    with _acting(config) as orchestrator:
        queued = orchestrator.request_label(order_id, actor=actor)
        order = orchestrator.order(order_id)
    if not queued:
        _fail(
            f"{order_id}: nothing to queue — it is {order.status.value} and no rule kept its "
            "label back (or it is queued already)",
            ATTENTION,
        )
    typer.echo(f"{order_id}: label queued; the worker buys it on its next round")


@app.command("cancel")
def _cancel(
    order_id: Annotated[str, typer.Argument(help="The order to cancel.")],
    reason: Annotated[str, typer.Option(help="Why (recorded in the audit trail).")],
    actor: ActorOption = "user",
    config: ConfigOption = Path("ecomflow.toml"),
) -> None:
    """Cancel an order by stage (after the label: the shipment is cancelled first)."""
    with _acting(config) as orchestrator:
        outcome = orchestrator.cancel(order_id, reason, actor=actor)
    typer.echo(f"{order_id}: {outcome}")
    if outcome == "returns":
        raise typer.Exit(ATTENTION)


@app.command("deliver")
def _deliver(
    order_id: Annotated[str, typer.Argument(help="The shipped order.")],
    reason: Annotated[str, typer.Option(help="Why (recorded in the audit trail).")] = (
        "collected by the customer"
    ),
    actor: ActorOption = "user",
    config: ConfigOption = Path("ecomflow.toml"),
) -> None:
    """Record a delivery no carrier reports (a parcel collected at the shop's pickup desk)."""
    with _acting(config) as orchestrator:
        order = orchestrator.confirm_delivery(order_id, reason=reason, actor=actor)
    typer.echo(f"{order.id}: {order.status.value}")


# -- setting up ------------------------------------------------------------------------


@app.command("check-config")
def _check_config(
    config: ConfigOption = Path("ecomflow.toml"),
    as_json: JsonOption = False,
    offline: Annotated[bool, typer.Option(help="Skip the adapters' credential calls.")] = False,
) -> None:
    """Validate ecomflow.toml and print the effective configuration, secrets masked."""
    from ecomflow.worker import preflight  # noqa: PLC0415

    settings = _config(config)
    problems: list[str] = []
    if not offline:
        orchestrator = _orchestrator(config)
        problems = preflight(orchestrator)
        orchestrator.close()
    if as_json:
        _print_json({"config": settings.redacted(), "problems": problems})
    else:
        Console().print_json(json.dumps(settings.redacted(), default=str))
        for problem in problems:
            err.print(f"[red]problem:[/red] {escape(problem)}", highlight=False)
    raise typer.Exit(CONFIG if problems else OK)


@app.command("migrate")
def _migrate(config: ConfigOption = Path("ecomflow.toml")) -> None:
    """Create or upgrade every table ecomflow uses; print the schema versions."""
    from ecomflow.returns.numbering import RmaNumbering  # noqa: PLC0415
    from ecomflow.returns.store import RmaStore  # noqa: PLC0415

    orchestrator = _orchestrator(config)
    store = orchestrator.repository.store
    RmaStore(store)
    RmaNumbering(store)
    for component, version in sorted(store.schema_versions().items()):
        typer.echo(f"{component}: v{version}")
    orchestrator.close()


@app.command("adapters")
def _adapters() -> None:
    """List the adapter plugins: loaded ones (with what they can do) and those that failed."""
    from ecomflow.adapters import available  # noqa: PLC0415

    table = Table(title="ecomflow adapters (entry-point group 'ecomflow.adapters')")
    table.add_column("id", no_wrap=True)
    for column in ("label", "kind", "capabilities", "status", "source"):
        table.add_column(column)
    for plugin in available():
        if plugin.info is None:
            table.add_row(
                escape(plugin.id),
                "[red]failed to load[/red]",
                "",
                escape(plugin.error or ""),
                "",
                escape(plugin.source),
            )
        else:
            info = plugin.info
            table.add_row(
                *(
                    escape(text)
                    for text in (
                        info.id,
                        info.label,
                        info.kind,
                        ", ".join(sorted(info.capabilities)),
                        info.status,
                        plugin.source,
                    )
                )
            )
    Console().print(table)


# -- stock -----------------------------------------------------------------------------

stock_app = typer.Typer(help="The stock ledger: receive goods, see levels.", no_args_is_help=True)
app.add_typer(stock_app, name="stock")


def _stock_rows(file: Path) -> list[tuple[str, int, str]]:
    """``sku,quantity[,warehouse]`` lines of a CSV file (a header line is skipped)."""
    import csv  # noqa: PLC0415

    rows: list[tuple[str, int, str]] = []
    with file.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or not row[0].strip() or row[0].strip().lower() == "sku":
                continue
            try:
                quantity = int(row[1])
            except (IndexError, ValueError):
                _fail(f"{file}:{number}: expected sku,quantity[,warehouse], got {row}", USAGE)
            warehouse = row[2].strip() if len(row) > 2 and row[2].strip() else "main"
            rows.append((row[0].strip(), quantity, warehouse))
    return rows


@stock_app.command("receive")
def _stock_receive(
    sku: Annotated[str | None, typer.Argument(help="The SKU received.")] = None,
    quantity: Annotated[int | None, typer.Argument(help="How many units.")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="A CSV of sku,quantity[,warehouse] lines.")
    ] = None,
    warehouse: Annotated[str, typer.Option(help="The warehouse.")] = "main",
    note: Annotated[str, typer.Option(help="E.g. the delivery note number.")] = "",
    key: Annotated[
        str | None,
        typer.Option(
            help="Received once per key, e.g. the delivery note number (a --file is keyed by "
            "its content unless given one)."
        ),
    ] = None,
    config: ConfigOption = Path("ecomflow.toml"),
) -> None:
    """Put goods in the ledger; waiting orders take them at the next worker pass.

    A key already received is skipped and said so: running the same command or file
    again after a timeout adds nothing. Two deliveries with the same lines need their
    own ``--key`` each.
    """
    import hashlib  # noqa: PLC0415

    from ecomflow.errors import EcomflowError  # noqa: PLC0415

    keys: list[str | None]
    if file is not None and sku is None:
        if not file.exists():
            _fail(f"{file} does not exist", USAGE)
        digest = hashlib.sha256(file.read_bytes()).hexdigest()[:16]
        rows = _stock_rows(file)
        keys = [f"{key or 'file:' + digest}:{n}" for n in range(len(rows))]
    elif file is None and sku is not None and quantity is not None:
        rows, keys = [(sku, quantity, warehouse)], [key]
    else:
        _fail("give SKU QUANTITY, or --file stock.csv", USAGE)
    orchestrator = _orchestrator(config)
    try:
        ledger = orchestrator.ledger
        for (line_sku, line_quantity, line_warehouse), line_key in zip(rows, keys, strict=True):
            if line_key is not None and any(m.key == line_key for m in ledger.movements(line_sku)):
                typer.echo(f"{line_sku} @ {line_warehouse}: already received (key {line_key})")
                continue
            level = ledger.receive(
                line_sku,
                line_quantity,
                warehouse=line_warehouse,
                note=note or (file.name if file else None),
                key=line_key,
            )
            typer.echo(f"{level.sku} @ {level.warehouse}: {level.on_hand} on hand")
    except EcomflowError as error:
        _fail(str(error), ATTENTION)
    finally:
        orchestrator.close()


@stock_app.command("levels")
def _stock_levels(
    config: ConfigOption = Path("ecomflow.toml"),
    as_json: JsonOption = False,
) -> None:
    """Stock by SKU and warehouse: on hand, reserved, available."""
    orchestrator = _orchestrator(config)
    levels = orchestrator.ledger.levels()
    orchestrator.close()
    rows = [
        {
            "sku": level.sku,
            "warehouse": level.warehouse,
            "on_hand": level.on_hand,
            "reserved": level.reserved,
            "available": level.available,
        }
        for level in levels
    ]
    if as_json:
        _print_json(rows)
        return
    table = Table(title="stock")
    for column in ("sku", "warehouse", "on hand", "reserved", "available"):
        table.add_column(column, justify="left" if column in ("sku", "warehouse") else "right")
    for row in rows:
        table.add_row(*(escape(str(v)) for v in row.values()))
    Console().print(table)


# -- personal data -----------------------------------------------------------------------


@app.command("anonymise")
def _anonymise(
    older_than: Annotated[int, typer.Option(help="Days since a closed order last changed.")],
    config: ConfigOption = Path("ecomflow.toml"),
    actor: ActorOption = "retention",
) -> None:
    """Replace the personal data of closed orders past the retention period."""
    from ecomflow.orchestration.privacy import anonymise as run  # noqa: PLC0415

    orchestrator = _orchestrator(config)
    with _progress("anonymising closed orders") as advance:
        report = run(
            orchestrator.core, dt.timedelta(days=older_than), actor=actor, progress=advance
        )
    orchestrator.close()
    typer.echo(
        f"anonymised {len(report.orders)} orders; deleted "
        f"{report.intake_failures_deleted} old intake failures"
    )


@app.command("export")
def _export(
    email: Annotated[str, typer.Option(help="The customer's e-mail address.")],
    config: ConfigOption = Path("ecomflow.toml"),
    actor: ActorOption = "user",
) -> None:
    """Print everything stored about a customer as JSON (GDPR access request)."""
    from ecomflow.orchestration.privacy import export_customer  # noqa: PLC0415

    orchestrator = _orchestrator(config)
    data = export_customer(orchestrator.core, email, actor=actor)
    orchestrator.close()
    _print_json(data)


@app.command("erase")
def _erase(
    email: Annotated[str, typer.Option(help="The customer's e-mail address.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
    config: ConfigOption = Path("ecomflow.toml"),
    actor: ActorOption = "user",
) -> None:
    """Anonymise a customer's orders now (GDPR erasure); refused while one is open."""
    from ecomflow.errors import ValidationFailed  # noqa: PLC0415
    from ecomflow.orchestration.privacy import erase_customer  # noqa: PLC0415

    if not yes:
        _fail("erasing cannot be undone; add --yes", USAGE)
    orchestrator = _orchestrator(config)
    try:
        report = erase_customer(orchestrator.core, email, actor=actor)
    except ValidationFailed as error:
        _fail(str(error), ATTENTION)
    finally:
        orchestrator.close()
    typer.echo(f"erased the personal data of {len(report.orders)} orders")


# -- trying it --------------------------------------------------------------------------


@app.command("demo")
def _demo(
    orders: Annotated[int, typer.Option(help="Orders in the simulated day.")] = 300,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same day).")] = 7,
    date: Annotated[
        str, typer.Option("--date", help="The simulated day (YYYY-MM-DD).")
    ] = "2026-12-23",
    db: Annotated[Path, typer.Option(help="SQLite file of the demo shop.")] = Path(
        "ecomflow-demo.db"
    ),
    lang: Annotated[str, typer.Option(help="Language of the sample messages: pl or en.")] = "pl",
    durable: Annotated[
        bool, typer.Option(help="Keep the fakes' state on disk, so a killed run can resume.")
    ] = False,
    resume: Annotated[bool, typer.Option(help="Continue a killed --durable run.")] = False,
    crash: Annotated[
        int, typer.Option(help="Kill the run this many times at random, resume, compare.")
    ] = 0,
    as_json: JsonOption = False,
) -> None:
    """Run a simulated shop day through the real Orchestrator against local fake servers."""
    from ecomflow.demo import run_demo  # noqa: PLC0415 - keeps `ecomflow --help` fast
    from ecomflow.errors import ConfigurationError  # noqa: PLC0415

    console = Console(stderr=as_json)
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise typer.BadParameter(
            f"{date!r} is not a date like 2026-12-23", param_hint="--date"
        ) from None
    if lang not in ("pl", "en"):
        raise typer.BadParameter("use pl or en", param_hint="--lang")
    if crash:
        from ecomflow.demo.crash import run_with_crashes  # noqa: PLC0415

        console.print(f"[bold]ecomflow demo[/bold]: {orders} orders, killed {crash} times")
        run = run_with_crashes(kills=crash, orders=orders, seed=seed, day=day, db=db)
        if as_json:
            _print_json(
                {
                    "ok": run.ok,
                    "kills": run.kills,
                    "differences": run.differences,
                    "crashed": run.crashed["figures"],
                    "clean": run.clean["figures"],
                }
            )
        else:
            console.print(
                f"killed {run.kills} times, resumed; checks "
                f"{'passed' if run.crashed['ok'] else 'FAILED'}"
            )
            for line in run.differences or ["same end state as a clean run"]:
                console.print(f"  {line}", markup=False)
        raise typer.Exit(OK if run.ok else ATTENTION)
    console.print(f"[bold]ecomflow demo[/bold]: {orders} orders on {day}, store {db}")
    try:
        result = run_demo(
            orders=orders,
            seed=seed,
            day=day,
            db=db,
            lang=lang,
            console=console,
            durable=durable,
            resume=resume,
        )
    except ConfigurationError as error:
        _fail(str(error), CONFIG)
    if as_json:
        _print_json(result.to_dict())
    else:
        result.print(console, lang)
    if not result.ok:
        raise typer.Exit(ATTENTION)


def main() -> None:
    """Entry point of the ``ecomflow`` console script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
    sys.exit(0)
