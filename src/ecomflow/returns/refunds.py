"""Refund amounts: what each returned unit paid, and the delivery cost once, on a full return.

What the customer paid is split, to the grosz, over what they paid for: an
order-level discount is spread over the lines **and** the delivery in
proportion to their prices (``Money.allocate``), so no share is negative and
the shares add up to what was paid; each line's share is split over its units.

A refund takes the next units of each SKU not refunded yet, so RMAs refunded in
any order never pay a unit twice; the delivery's share is added to the refund
that completes the return of the whole order (Polish consumer law: every
payment, delivery included, goes back on a withdrawal from the whole contract —
art. 32 ust. 1 of *ustawa o prawach konsumenta*), capped at the cheapest
standard delivery when the policy names one (art. 33). Nothing ever takes the
refunds of an order past what was paid.

2 × 5.00 + 15.00 shipping − a 15.00 coupon = 10.00 paid. The coupon is spread
10 : 15 over goods and delivery (6.00 and 9.00), so a mug paid 2.00 and the
delivery 6.00:

>>> from ecomflow.testing import sample_order
>>> order = sample_order(lines={"MUG": (2, "5.00")})
>>> order.shipping_price, order.discount = Money("15", "PLN"), Money("15", "PLN")
>>> paid = paid_shares(order)
>>> [str(m) for m in paid.units["MUG"]], str(paid.shipping), str(paid.total)
(['2.00 PLN', '2.00 PLN'], '6.00 PLN', '10.00 PLN')
>>> first = plan_refund(order, {"MUG": 1}, ReturnPolicy())
>>> str(first.total), first.completes
('2.00 PLN', False)
>>> last = plan_refund(order, {"MUG": 1}, ReturnPolicy(), refunded={"MUG": 1},
...                    refunded_total=first.total)
>>> str(last.lines["MUG"]), str(last.shipping), str(last.total), last.completes
('2.00 PLN', '6.00 PLN', '8.00 PLN', True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ecomflow.errors import ValidationFailed
from ecomflow.money import Money
from ecomflow.orders.models import Order
from ecomflow.returns.models import ReturnPolicy

__all__ = [
    "PaidShares",
    "RefundPlan",
    "paid_per_unit",
    "paid_shares",
    "plan_refund",
    "what_was_paid",
]


@dataclass(frozen=True)
class PaidShares:
    """What the customer paid for each unit (per SKU, in line order) and for the delivery."""

    units: dict[str, list[Money]]
    shipping: Money
    total: Money


@dataclass(frozen=True)
class RefundPlan:
    """The refund of one RMA.

    Attributes:
        lines: SKU → what the returned units paid (never negative).
        shipping: the delivery cost refunded with it (zero unless it ``completes``).
        total: ``lines`` and ``shipping`` together.
        completes: after it, every unit of the order has been refunded.
    """

    lines: dict[str, Money]
    shipping: Money
    total: Money
    completes: bool


def _at_least_zero(value: Money) -> Money:
    return value if value.amount > 0 else Money.zero(value.currency)


def paid_shares(order: Order) -> PaidShares:
    """Split what was paid over the units and the delivery (see the module docstring)."""
    currency = order.currency
    zero = Money.zero(currency)
    prices = [_at_least_zero(line.total.rounded()) for line in order.lines]
    shipping = _at_least_zero((order.shipping_price or zero).rounded())
    bases = [*prices, shipping]
    gross = Money.sum(bases, currency)
    discount = _at_least_zero((order.discount or zero).rounded())
    discount = min(discount, gross)  # a discount cannot make the customer be paid for buying
    if gross.amount > 0:
        shares = discount.allocate([b.amount for b in bases])
    else:
        shares = [zero] * len(bases)
    units: dict[str, list[Money]] = {}
    for line, price, share in zip(order.lines, prices, shares[:-1], strict=True):
        units.setdefault(line.sku, []).extend((price - share).allocate(line.quantity))
    return PaidShares(units=units, shipping=shipping - shares[-1], total=gross - discount)


def paid_per_unit(order: Order) -> dict[str, list[Money]]:
    """For each SKU, what each unit was really paid (see :func:`paid_shares`)."""
    return paid_shares(order).units


def what_was_paid(order: Order) -> Money:
    """The most an order's refunds may add up to: its total, or less when less was paid."""
    paid = order.payment.paid_amount
    total = order.total
    return paid if paid is not None and paid < total else total


def plan_refund(
    order: Order,
    returned: Mapping[str, int],
    policy: ReturnPolicy,
    *,
    refunded: Mapping[str, int] | None = None,
    refunded_total: Money | None = None,
) -> RefundPlan:
    """The refund of ``returned`` (SKU → units), after ``refunded`` units were refunded.

    ``refunded_total`` is what the order's earlier refunds paid back; the plan
    never takes the refunds past what was paid. Raises
    :class:`~ecomflow.errors.ValidationFailed` when more units come back than
    are left to refund.
    """
    before = dict(refunded or {})
    shares = paid_shares(order)
    currency = order.currency
    zero = Money.zero(currency)
    lines: dict[str, Money] = {}
    for sku, quantity in returned.items():
        start = before.get(sku, 0)
        paid = shares.units.get(sku, [])[start : start + quantity]
        if len(paid) < quantity:
            remaining = max(0, len(shares.units.get(sku, [])) - start)
            raise ValidationFailed(
                f"Only {remaining} of {sku} in order {order.id} are left to refund, not {quantity}; "
                "check the RMA's lines against the order."
            )
        lines[sku] = Money.sum(paid, currency)
    completes = all(
        before.get(sku, 0) + returned.get(sku, 0) >= quantity
        for sku, quantity in order.quantities().items()
    )
    shipping = shares.shipping if completes else zero
    if policy.standard_delivery is not None and policy.standard_delivery < shipping:
        shipping = policy.standard_delivery.rounded()
    left = what_was_paid(order) - (refunded_total or zero)
    lines, shipping = _capped(lines, shipping, _at_least_zero(left))
    total = Money.sum([*lines.values(), shipping], currency)
    return RefundPlan(lines=lines, shipping=shipping, total=total, completes=completes)


def _capped(
    lines: dict[str, Money], shipping: Money, left: Money
) -> tuple[dict[str, Money], Money]:
    """Take the excess over ``left`` off the shipping first, then off the last lines."""
    excess = Money.sum([*lines.values(), shipping], left.currency) - left
    if excess.amount <= 0:
        return lines, shipping
    cut = shipping if shipping < excess else excess
    shipping, excess = shipping - cut, excess - cut
    capped = dict(lines)
    for sku in reversed(list(capped)):
        if excess.amount <= 0:
            break
        cut = capped[sku] if capped[sku] < excess else excess
        capped[sku], excess = capped[sku] - cut, excess - cut
    return capped, shipping
