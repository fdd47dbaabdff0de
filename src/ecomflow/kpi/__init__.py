"""KPIs from the audit trail, and the daily report (terminal, dict/JSON, notebook HTML).

>>> from datetime import UTC, datetime
>>> from ecomflow.testing import FrozenClock, sample_order
>>> from ecomflow.orders import OrderFlow
>>> order = sample_order(paid=True)
>>> flow = OrderFlow(order, clock=FrozenClock(datetime(2026, 11, 24, 9, tzinfo=UTC)))
>>> _ = flow.hold("out of stock: MUG-RED", actor="stock")
>>> daily_report([order]).holds_by_reason
{'out of stock': 1}
"""

from __future__ import annotations

import html
import json
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from rich.table import Table

from ecomflow.calendar import BusinessCalendar
from ecomflow.orders.models import Order

__all__ = ["DailyReport", "daily_report", "lead_times_hours"]


def _first(order: Order, target: str) -> Any:
    return next((t.at for t in order.history if t.target == target), None)


def lead_times_hours(orders: Iterable[Order]) -> list[float]:
    """Hours from Paid to Shipped for each order that got there."""
    times = []
    for order in orders:
        paid, shipped = _first(order, "paid"), _first(order, "shipped")
        if paid is not None and shipped is not None:
            times.append((shipped - paid).total_seconds() / 3600)
    return times


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class DailyReport:
    """The day in numbers."""

    orders_by_status: dict[str, int] = field(default_factory=dict)
    holds_by_reason: dict[str, int] = field(default_factory=dict)
    out_of_stock_holds: int = 0
    lead_time_hours: dict[str, float | None] = field(default_factory=dict)
    shipped_by_day: dict[str, float] = field(default_factory=dict)
    labels_created: int = 0
    labels_without_pickup: int = 0
    oversold: int = 0
    failed_api_calls: int = 0
    messages_by_type: dict[str, int] = field(default_factory=dict)
    api_calls_per_order: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-serialisable)."""
        return asdict(self)

    def to_json(self) -> str:
        """The report as JSON."""
        return json.dumps(self.to_dict(), indent=2, default=str)

    def table(self, title: str = "ecomflow — daily report") -> Table:
        """A rich table for the terminal."""
        table = Table(title=title, show_lines=False)
        table.add_column("metric")
        table.add_column("value", justify="right")
        for key, value in self.rows():
            table.add_row(key, value)
        return table

    def rows(self) -> list[tuple[str, str]]:
        """(metric, value) pairs in reading order."""

        def fmt(value: Any) -> str:
            if isinstance(value, float):
                return f"{value:.2f}"
            if isinstance(value, dict):
                return ", ".join(f"{k}: {fmt(v)}" for k, v in value.items()) or "—"
            return "—" if value is None else str(value)

        rows = [
            ("orders by status", fmt(self.orders_by_status)),
            ("holds by reason", fmt(self.holds_by_reason)),
            ("out-of-stock holds", fmt(self.out_of_stock_holds)),
            ("lead time paid → shipped (h)", fmt(self.lead_time_hours)),
            ("shipped same day / D+1 / D+2", fmt(self.shipped_by_day)),
            ("labels created", fmt(self.labels_created)),
            ("labels without pickup", fmt(self.labels_without_pickup)),
            ("failed API calls", fmt(self.failed_api_calls)),
            ("messages by type", fmt(self.messages_by_type)),
            ("API calls per order", fmt(self.api_calls_per_order)),
            ("oversold", fmt(self.oversold)),
        ]
        rows += [(k, fmt(v)) for k, v in self.extra.items()]
        return rows

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in self.rows()
        )
        return f"<table><tr><th>metric</th><th>value</th></tr>{body}</table>"


def daily_report(
    orders: Iterable[Order],
    *,
    calendar: BusinessCalendar | None = None,
    oversold: int = 0,
    messages: Mapping[str, int] | None = None,
    failed_api_calls: int = 0,
    labels_without_pickup: int = 0,
    api_calls: int | None = None,
) -> DailyReport:
    """Compute the report from the orders' audit trails (and counts the caller has)."""
    calendar = calendar or BusinessCalendar()
    items = list(orders)
    statuses = Counter(o.status.value for o in items)
    holds: Counter[str] = Counter()
    for order in items:
        for record in order.history:
            if record.event == "hold":
                holds[(record.reason or "unknown").split(":")[0].strip()] += 1
    times = lead_times_hours(items)
    days: Counter[str] = Counter()
    shipped = 0
    for order in items:
        paid, sent = _first(order, "paid"), _first(order, "shipped")
        if paid is None or sent is None:
            continue
        shipped += 1
        lag = calendar.business_days_between(calendar.on_or_after(paid), sent)
        days["same day" if lag <= 0 else "D+1" if lag == 1 else "D+2" if lag == 2 else "later"] += 1
    return DailyReport(
        orders_by_status=dict(sorted(statuses.items())),
        holds_by_reason=dict(holds.most_common()),
        out_of_stock_holds=holds.get("out of stock", 0),
        lead_time_hours={
            "mean": statistics.fmean(times) if times else None,
            "median": statistics.median(times) if times else None,
            "p90": _percentile(times, 0.9),
        },
        shipped_by_day={k: round(v / shipped, 3) for k, v in sorted(days.items())}
        if shipped
        else {},
        labels_created=sum(1 for o in items if o.shipment and o.shipment.tracking_number),
        labels_without_pickup=labels_without_pickup,
        oversold=oversold,
        failed_api_calls=failed_api_calls,
        messages_by_type=dict(sorted((messages or {}).items())),
        api_calls_per_order=round(api_calls / len(items), 2) if api_calls and items else None,
    )
