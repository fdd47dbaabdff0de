"""Returns reports: by reason per month, rate per SKU, turnaround, closed without an agent.

Months are the shop's (an RMA opened at 00:30 on 1 December in Warsaw counts
for December); "closed without an agent" is the share of closed RMAs (refunded,
exchanged or rejected) that no support agent handled — a rejection is always
handled by one (``Rma.manual``).

>>> returns_report([]).to_dict()["rmas"]
0
"""

from __future__ import annotations

import html
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from rich.table import Table

from ecomflow.returns.models import DEFAULT_TIMEZONE, Rma, RmaStatus

__all__ = ["ReturnsReport", "returns_report"]


@dataclass
class ReturnsReport:
    """The returns in numbers."""

    rmas: int = 0
    by_reason_per_month: dict[str, dict[str, int]] = field(default_factory=dict)
    rate_per_sku: dict[str, float] = field(default_factory=dict)
    turnaround_hours: dict[str, float | None] = field(default_factory=dict)
    closed_without_agent: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return asdict(self)

    def table(self) -> Table:
        """A rich table for the terminal."""
        table = Table(title="ecomflow — returns")
        table.add_column("metric")
        table.add_column("value", justify="right")
        for key, value in self._rows():
            table.add_row(key, value)
        return table

    def _rows(self) -> list[tuple[str, str]]:
        months = "; ".join(
            f"{m}: " + ", ".join(f"{r} {n}" for r, n in reasons.items())
            for m, reasons in self.by_reason_per_month.items()
        )
        rates = ", ".join(f"{s} {v:.0%}" for s, v in list(self.rate_per_sku.items())[:8])
        turn = ", ".join(
            f"{k} {v:.1f} h" for k, v in self.turnaround_hours.items() if v is not None
        )
        share = f"{self.closed_without_agent:.0%}" if self.closed_without_agent is not None else "—"
        return [
            ("RMAs", str(self.rmas)),
            ("by reason per month", months or "—"),
            ("return rate per SKU", rates or "—"),
            ("turnaround requested → refunded", turn or "—"),
            ("closed without a support agent", share),
        ]

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in self._rows()
        )
        return f"<table>{rows}</table>"


def returns_report(
    rmas: Iterable[Rma],
    sold: Mapping[str, int] | None = None,
    *,
    timezone: str = DEFAULT_TIMEZONE,
) -> ReturnsReport:
    """Compute the report; ``sold`` (SKU → units sold) gives the return rate per SKU.

    ``timezone`` is the shop's: months are counted there.
    """
    zone = ZoneInfo(timezone)
    items = list(rmas)
    months: dict[str, Counter[str]] = {}
    returned: Counter[str] = Counter()
    hours: list[float] = []
    closed = automatic = 0
    for rma in items:
        months.setdefault(f"{rma.requested_at.astimezone(zone):%Y-%m}", Counter())[
            rma.reason.value
        ] += 1
        for line in rma.lines:
            returned[line.sku] += line.quantity
        done = next((t.at for t in rma.history if t.target == RmaStatus.REFUNDED.value), None)
        if done is not None:
            hours.append((done - rma.requested_at).total_seconds() / 3600)
        if rma.status in (RmaStatus.REFUNDED, RmaStatus.EXCHANGED, RmaStatus.REJECTED):
            closed += 1
            automatic += not rma.manual
    rates = {sku: returned[sku] / units for sku, units in (sold or {}).items() if units}
    return ReturnsReport(
        rmas=len(items),
        by_reason_per_month={m: dict(c.most_common()) for m, c in sorted(months.items())},
        rate_per_sku=dict(sorted(rates.items(), key=lambda kv: -kv[1])),
        turnaround_hours={
            "mean": statistics.fmean(hours) if hours else None,
            "median": statistics.median(hours) if hours else None,
        },
        closed_without_agent=automatic / closed if closed else None,
    )
