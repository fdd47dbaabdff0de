"""Refund amounts: what each returned line paid, its share of discounts, shipping per policy.

Never more than the customer paid: the order's discount is spread over its
lines in proportion to their totals (``Money.allocate``, no grosz lost), each
unit refunds its line's paid price per unit, and shipping is refunded only
when everything comes back and the policy says so.

>>> from ecomflow.testing import sample_order
>>> from ecomflow.money import Money
>>> order = sample_order(lines={"A": (2, "100.00"), "B": (1, "50.00")}, paid=True)
>>> order.discount = Money("25", "PLN")
>>> [str(m) for m in refund_amounts(order, {"A": 1}, ReturnPolicy()).values()]
['90.00 PLN']
"""

from __future__ import annotations

from collections.abc import Mapping

from ecomflow.money import Money
from ecomflow.orders.models import Order
from ecomflow.returns.models import ReturnPolicy

__all__ = ["paid_per_unit", "refund_amounts"]


def paid_per_unit(order: Order) -> dict[str, list[Money]]:
    """For each SKU, what each unit was really paid (discount spread over lines, to the grosz)."""
    totals = [line.total.rounded() for line in order.lines]
    discount = (order.discount or Money.zero(order.currency)).rounded()
    shares = discount.allocate([t.amount for t in totals]) if any(totals) else []
    units: dict[str, list[Money]] = {}
    for line, total, share in zip(
        order.lines, totals, shares or [Money.zero(order.currency)] * len(totals), strict=True
    ):
        paid_line = total - share
        units.setdefault(line.sku, []).extend(paid_line.allocate(line.quantity))
    return units


def refund_amounts(
    order: Order,
    returned: Mapping[str, int],
    policy: ReturnPolicy,
    *,
    already_returned: Mapping[str, int] | None = None,
) -> dict[str, Money]:
    """The refund per returned SKU; shipping is added to the last SKU when it applies."""
    before = dict(already_returned or {})
    units = paid_per_unit(order)
    amounts: dict[str, Money] = {}
    for sku, quantity in returned.items():
        start = before.get(sku, 0)
        paid = units.get(sku, [])[start : start + quantity]
        amounts[sku] = Money.sum(paid, order.currency)
    everything = all(
        before.get(sku, 0) + returned.get(sku, 0) >= qty for sku, qty in order.quantities().items()
    )
    if everything and policy.refund_shipping and order.shipping_price and amounts:
        last = list(amounts)[-1]
        amounts[last] = amounts[last] + order.shipping_price.rounded()
    return amounts
