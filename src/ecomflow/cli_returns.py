"""``ecomflow returns …``: the returns desk from the command line (typer + rich).

``list`` the RMAs; ``request`` one for an order's units; then, as the parcel
comes back, ``receive`` it (the worker does it from the carrier's tracking
when the shop bought the label), ``verify`` it (quality control), ``refund``
it — or ``reject`` it. Each command is one step of
:class:`~ecomflow.orchestration.returns.ReturnsDesk` in its own transaction;
what a step causes outside (the return label, the customer's messages, the
refund and the correcting invoice) is queued and carried out by the worker.

Exit codes are those of :mod:`ecomflow.cli`: 0 done; 1 refused (the reason is
printed: outside the window, not allowed in the RMA's state, a SKU not in the
order…); 2 wrong usage; 3 configuration or database problem; 4 no such order
or RMA. ``--json`` prints the RMA (or the list) as JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.table import Table

if TYPE_CHECKING:
    from ecomflow.orchestration import Orchestrator
    from ecomflow.returns import LineOutcome, Rma

__all__ = ["parse_units", "returns_app", "rma_counts_table"]

returns_app = typer.Typer(
    help="Returns (RMAs): list, request, receive, verify, refund, reject.",
    no_args_is_help=True,
)

ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", envvar="ECOMFLOW_CONFIG", help="The shop's ecomflow.toml."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
ActorOption = Annotated[str, typer.Option(help="Who does it (recorded in the RMA's trail).")]
RmaArgument = Annotated[str, typer.Argument(help="The RMA number, e.g. RMA/2026/11/000001.")]


def _fail(message: str, code: int) -> NoReturn:
    from ecomflow import cli  # noqa: PLC0415 - cli imports this module

    cli._fail(message, code)


def _open(config: Path) -> Orchestrator:
    from ecomflow import cli  # noqa: PLC0415 - cli imports this module

    return cli._orchestrator(config)


def _codes() -> tuple[int, int, int]:
    """(ATTENTION, USAGE, NOT_FOUND) of :mod:`ecomflow.cli`."""
    from ecomflow import cli  # noqa: PLC0415 - cli imports this module

    return cli.ATTENTION, cli.USAGE, cli.NOT_FOUND


def parse_units(items: list[str], *, whole: bool = False) -> dict[str, int]:
    """``["MUG=2", "TEA=1"]`` as ``{"MUG": 2, "TEA": 1}``; ``ValueError`` says what is wrong.

    With ``whole``, a bare ``SKU`` stands for all of its units (``0`` here).

    >>> parse_units(["MUG-RED=2", "TEA=1"])
    {'MUG-RED': 2, 'TEA': 1}
    >>> parse_units(["MUG-RED"], whole=True)
    {'MUG-RED': 0}
    >>> parse_units(["MUG-RED=two"])
    Traceback (most recent call last):
    ...
    ValueError: 'MUG-RED=two': write SKU=QUANTITY with a whole number above 0, e.g. MUG-RED=1
    """
    units: dict[str, int] = {}
    for item in items:
        sku, sep, text = item.partition("=")
        sku = sku.strip()
        if not sep and whole and sku:
            units[sku] = units.get(sku, 0)
            continue
        if not sku or not text.strip().isdigit() or int(text) <= 0:
            raise ValueError(
                f"{item!r}: write SKU=QUANTITY with a whole number above 0, e.g. MUG-RED=1"
            )
        units[sku] = units.get(sku, 0) + int(text)
    return units


def _rma_data(rma: Rma) -> dict[str, Any]:
    return rma.model_dump(mode="json")


def _print(rma: Rma, as_json: bool, what: str = "") -> None:
    if as_json:
        from ecomflow import cli  # noqa: PLC0415 - cli imports this module

        cli._print_json(_rma_data(rma))
        return
    lines = ", ".join(f"{line.sku}×{line.quantity}" for line in rma.lines)
    typer.echo(
        f"{rma.number} ({rma.order_id}: {lines}) {rma.status.label('en').lower()}"
        + (f" — {what}" if what else "")
    )


def _known(orchestrator: Orchestrator, number: str) -> None:
    """Exit 4 when there is no RMA ``number``."""
    if orchestrator.returns.store.get(number) is None:
        orchestrator.close()
        _fail(f"no RMA {number}; `ecomflow returns list` shows them", _codes()[2])


def rma_counts_table(counts: dict[str, int]) -> Table:
    """RMAs by status, in the order a return goes (``ecomflow status``)."""
    from ecomflow.returns import RmaStatus  # noqa: PLC0415 - keeps `ecomflow --help` fast

    order = [s.value for s in RmaStatus]
    table = Table(title="returns (RMAs)")
    table.add_column("status")
    table.add_column("count", justify="right")
    for name in sorted(counts, key=lambda s: (order.index(s) if s in order else 99, s)):
        table.add_row(name, str(counts[name]))
    return table


@returns_app.command("list")
def _list(
    order: Annotated[str | None, typer.Option("--order", help="Only this order's RMAs.")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="Only RMAs in this status, e.g. received.")
    ] = None,
    config: ConfigOption = Path("ecomflow.toml"),
    as_json: JsonOption = False,
) -> None:
    """The RMAs, oldest first (of one order, in one status)."""
    from ecomflow.returns import RmaStatus  # noqa: PLC0415

    wanted = None
    if status is not None:
        try:
            wanted = RmaStatus(status)
        except ValueError:
            _fail(
                f"no RMA status {status!r}; use one of {', '.join(s.value for s in RmaStatus)}",
                _codes()[1],
            )
    orchestrator = _open(config)
    try:
        rmas = [r for r in orchestrator.returns.rmas(order) if wanted is None or r.status is wanted]
    finally:
        orchestrator.close()
    if as_json:
        from ecomflow import cli  # noqa: PLC0415

        cli._print_json([_rma_data(r) for r in rmas])
        return
    from rich.console import Console  # noqa: PLC0415

    table = Table(title="returns (RMAs)")
    table.add_column("RMA", no_wrap=True)
    for column in ("order", "status", "reason", "units", "return parcel", "refund"):
        table.add_column(column)
    for r in rmas:
        table.add_row(
            r.number,
            r.order_id,
            r.status.value,
            r.reason.value,
            ", ".join(f"{line.sku}×{line.quantity}" for line in r.lines),
            r.return_tracking_number or r.return_shipment_id or "—",
            str(r.refund_total) if r.refund_total is not None else "—",
        )
    Console().print(table)


@returns_app.command("request")
def _request(
    order_id: Annotated[str, typer.Argument(help="The order, e.g. shop-1001.")],
    units: Annotated[list[str], typer.Argument(help="What comes back: SKU=QUANTITY …")],
    reason: Annotated[
        str, typer.Option(help="wrong_size, wrong_colour, damaged, changed_mind, other…")
    ],
    key: Annotated[
        str, typer.Option(help="The request's id (form post, ticket): a repeat gives the same RMA.")
    ],
    text: Annotated[str, typer.Option(help="The customer's own words.")] = "",
    config: ConfigOption = Path("ecomflow.toml"),
    as_json: JsonOption = False,
) -> None:
    """Open an RMA for some units of an order (checked against the order and the window)."""
    from ecomflow.errors import EcomflowError, UnknownOrder  # noqa: PLC0415
    from ecomflow.returns import Refusal, ReturnReason  # noqa: PLC0415

    attention, usage, not_found = _codes()
    try:
        lines = parse_units(units)
    except ValueError as error:
        _fail(str(error), usage)
    try:
        why = ReturnReason(reason)
    except ValueError:
        _fail(
            f"no return reason {reason!r}; use one of {', '.join(r.value for r in ReturnReason)}",
            usage,
        )
    orchestrator = _open(config)
    try:
        result = orchestrator.returns.request(order_id, lines, why, key=key, text=text)
    except UnknownOrder as error:
        _fail(str(error), not_found)
    except EcomflowError as error:  # e.g. the key was used for another request
        _fail(str(error), attention)
    finally:
        orchestrator.close()
    if isinstance(result, Refusal):
        _fail(f"{order_id}: return refused ({result.code}): {result.message}", attention)
    _print(result, as_json, "the worker buys the return label and tells the customer")


def _step(
    config: Path,
    number: str,
    as_json: bool,
    act: Callable[[Orchestrator], Any],
    what: str | Callable[[Any], str] = "",
) -> None:
    """Run one desk step on RMA ``number``; refusals exit 1 with the reason."""
    from ecomflow.errors import EcomflowError  # noqa: PLC0415

    orchestrator = _open(config)
    _known(orchestrator, number)
    try:
        done = act(orchestrator)
        rma = orchestrator.returns.rma(number)
    except EcomflowError as error:
        _fail(str(error), _codes()[0])
    finally:
        orchestrator.close()
    _print(rma, as_json, what(done) if callable(what) else what)


@returns_app.command("receive")
def _receive(
    number: RmaArgument,
    config: ConfigOption = Path("ecomflow.toml"),
    as_json: JsonOption = False,
) -> None:
    """The parcel is at the shop: its units go to quarantine (a repeat does nothing)."""
    _step(config, number, as_json, lambda o: o.returns.receive(number), "units in quarantine")


@returns_app.command("verify")
def _verify(
    number: RmaArgument,
    reject_line: Annotated[
        list[str] | None,
        typer.Option(
            "--reject-line",
            help="A line that failed quality control: SKU (every unit) or SKU=QUANTITY; "
            "written off. Lines not named are restocked.",
        ),
    ] = None,
    actor: ActorOption = "warehouse",
    config: ConfigOption = Path("ecomflow.toml"),
    as_json: JsonOption = False,
) -> None:
    """Quality control of a received RMA: restock its units, write off the rejected ones."""
    try:
        rejected = parse_units(reject_line or [], whole=True)
    except ValueError as error:
        _fail(str(error), _codes()[1])

    def act(orchestrator: Orchestrator) -> None:
        rma = orchestrator.returns.rma(number)
        orchestrator.returns.verify(number, _outcomes(rma, rejected), actor=actor)

    _step(config, number, as_json, act, "quality control done")


def _outcomes(rma: Rma, rejected: dict[str, int]) -> dict[str, LineOutcome | dict[str, int]]:
    """What ``--reject-line`` means for each named line (0: every unit written off)."""
    from ecomflow.returns import LineOutcome  # noqa: PLC0415

    found = {line.sku: line.quantity for line in rma.lines}
    outcomes: dict[str, LineOutcome | dict[str, int]] = {}
    for sku, units in rejected.items():
        if sku not in found or units > found[sku]:
            # Left to the desk, which refuses it naming what the RMA holds.
            outcomes[sku] = {"restock": 0, "write_off": units}
        elif units in (0, found[sku]):
            outcomes[sku] = LineOutcome.WRITE_OFF
        else:
            outcomes[sku] = {"restock": found[sku] - units, "write_off": units}
    return outcomes


@returns_app.command("refund")
def _refund(
    number: RmaArgument,
    invoice: Annotated[
        str | None,
        typer.Option("--invoice", help="The original invoice the correction refers to."),
    ] = None,
    config: ConfigOption = Path("ecomflow.toml"),
    as_json: JsonOption = False,
) -> None:
    """Refund a verified RMA: the refund and the correcting invoice are queued."""
    _step(
        config,
        number,
        as_json,
        lambda o: o.returns.refund(number, invoice_number=invoice),
        lambda amount: f"{amount} to refund (queued for the payment system)",
    )


@returns_app.command("reject")
def _reject(
    number: RmaArgument,
    reason: Annotated[str, typer.Option(help="Why (the customer is told).")],
    actor: ActorOption = "support",
    config: ConfigOption = Path("ecomflow.toml"),
    as_json: JsonOption = False,
) -> None:
    """Refuse a requested or verified return (recorded as handled by a person)."""
    _step(config, number, as_json, lambda o: o.returns.reject(number, reason, actor=actor))
