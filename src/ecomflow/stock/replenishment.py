"""Replenishment proposals and ABC/XYZ classification, from sales history.

Proposed quantity = average daily sales × supplier lead time + safety stock
− available − already on order, rounded **up** to the supplier's minimum
order quantity and pack size; an alert when available stock falls to the
reorder point.

>>> from datetime import date, timedelta
>>> from ecomflow.stock import StockLedger, open_store
>>> ledger = StockLedger(open_store("memory://"))
>>> _ = ledger.receive("MUG", 12)
>>> today = date(2026, 11, 24)
>>> sales = [Sale(sku="MUG", day=today - timedelta(days=d), quantity=2) for d in range(1, 31)]
>>> terms = {"MUG": SupplierTerms(supplier="Ceramika", lead_time_days=7, safety_stock=5,
...                               min_order_qty=24, pack_size=6)}
>>> proposal, = replenishment(ledger, sales, terms, today=today)
>>> proposal.alert, str(proposal.average_daily_sales), proposal.quantity
(True, '2', 24)
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ecomflow.stock.ledger import StockLedger

__all__ = ["AbcXyz", "Proposal", "Sale", "SupplierTerms", "abc_xyz", "replenishment"]


class Sale(BaseModel):
    """Units of a SKU sold on a day (and the revenue, for ABC)."""

    model_config = ConfigDict(frozen=True)

    sku: str
    day: date
    quantity: int = Field(ge=0)
    revenue: Decimal = Decimal(0)


class SupplierTerms(BaseModel):
    """How a SKU is bought."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    supplier: str
    lead_time_days: int = Field(ge=0)
    safety_stock: int = Field(default=0, ge=0)
    min_order_qty: int = Field(default=1, ge=1)
    pack_size: int = Field(default=1, ge=1)
    reorder_point: int | None = Field(
        default=None,
        ge=0,
        description="Alert at or below this (default: demand over lead time + safety).",
    )


class Proposal(BaseModel):
    """What to buy of one SKU, and why."""

    model_config = ConfigDict(frozen=True)

    sku: str
    supplier: str
    available: int
    on_order: int
    average_daily_sales: Decimal
    reorder_point: int
    alert: bool
    quantity: int

    def explain(self) -> str:
        """One line: the numbers behind the proposal."""
        return (
            f"{self.sku}: available {self.available}, on order {self.on_order}, "
            f"{self.average_daily_sales}/day, reorder point {self.reorder_point} → "
            + (
                f"order {self.quantity} from {self.supplier}"
                if self.quantity
                else "nothing to order"
            )
        )


def _round_up(quantity: int, terms: SupplierTerms) -> int:
    if quantity <= 0:
        return 0
    quantity = max(quantity, terms.min_order_qty)
    return math.ceil(quantity / terms.pack_size) * terms.pack_size


def replenishment(
    ledger: StockLedger,
    sales: Iterable[Sale],
    suppliers: Mapping[str, SupplierTerms],
    *,
    today: date,
    window_days: int = 30,
    on_order: Mapping[str, int] | None = None,
) -> list[Proposal]:
    """A proposal per SKU in ``suppliers`` (sorted by SKU); ``quantity`` 0 when none is needed."""
    start = today - timedelta(days=window_days)
    sold: dict[str, int] = defaultdict(int)
    for sale in sales:
        if start <= sale.day < today:
            sold[sale.sku] += sale.quantity
    pending = on_order or {}
    proposals = []
    for sku in sorted(suppliers):
        terms = suppliers[sku]
        average = Decimal(sold.get(sku, 0)) / Decimal(window_days)
        demand = average * terms.lead_time_days + terms.safety_stock
        need = int(demand.to_integral_value(rounding=ROUND_CEILING))
        reorder_point = terms.reorder_point if terms.reorder_point is not None else need
        available = ledger.level(sku).available
        ordered = pending.get(sku, 0)
        proposals.append(
            Proposal(
                sku=sku,
                supplier=terms.supplier,
                available=available,
                on_order=ordered,
                average_daily_sales=average.normalize() if average else Decimal(0),
                reorder_point=reorder_point,
                alert=available <= reorder_point,
                quantity=_round_up(need - available - ordered, terms),
            )
        )
    return proposals


class AbcXyz(BaseModel):
    """A SKU's ABC class (share of revenue) and XYZ class (steadiness of demand)."""

    model_config = ConfigDict(frozen=True)

    sku: str
    abc: Literal["A", "B", "C"]
    xyz: Literal["X", "Y", "Z"]
    revenue_share: Decimal
    variation: float = Field(description="Coefficient of variation of daily demand.")


def abc_xyz(
    sales: Iterable[Sale],
    *,
    a: Decimal = Decimal("0.80"),
    b: Decimal = Decimal("0.95"),
    x: float = 0.5,
    y: float = 1.0,
) -> dict[str, AbcXyz]:
    """Classify SKUs by revenue (ABC) and by steadiness of demand (XYZ).

    A up to ``a`` of cumulative revenue, B up to ``b``, C the rest; X when the
    coefficient of variation of daily demand is ≤ ``x``, Y ≤ ``y``, Z above.

    Days without a sale count as zero demand (from the first to the last day seen).
    """
    rows = list(sales)
    if not rows:
        return {}
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    daily: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for sale in rows:
        revenue[sale.sku] += sale.revenue
        daily[sale.sku][sale.day] += sale.quantity
    first, last = min(s.day for s in rows), max(s.day for s in rows)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    total = sum(revenue.values(), Decimal(0)) or Decimal(1)
    result: dict[str, AbcXyz] = {}
    cumulative = Decimal(0)
    for sku in sorted(revenue, key=lambda s: (-revenue[s], s)):
        share = revenue[sku] / total
        before = cumulative
        cumulative += share
        abc: Literal["A", "B", "C"] = "A" if before < a else "B" if before < b else "C"
        series = [daily[sku].get(day, 0) for day in days]
        mean = statistics.fmean(series)
        variation = statistics.pstdev(series) / mean if mean else math.inf
        xyz: Literal["X", "Y", "Z"] = "X" if variation <= x else "Y" if variation <= y else "Z"
        result[sku] = AbcXyz(
            sku=sku,
            abc=abc,
            xyz=xyz,
            revenue_share=share.quantize(Decimal("0.0001")),
            variation=round(variation, 4),
        )
    return result
