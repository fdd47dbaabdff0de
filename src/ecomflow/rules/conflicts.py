"""Whether two rules' conditions can both be true — decided on parsed values.

Two comparisons on one field *exclude* each other when no order can make both
true. The values compared are the parsed ones from
:class:`~ecomflow.rules.conditions.Comparison` — ``"500 PLN"`` and
``"500.00 PLN"`` are one amount, ``2`` and ``"2"`` one number, ``"Shop"`` and
``"shop"`` one text — so equal values written differently are never mistaken
for different ones.

The answer is conservative: "exclusive" only when it is certain; anything
else counts as a possible overlap (and a conflict, when the rules disagree).
Comparisons on ``lines.*`` and ``tags`` never exclude each other: different
lines or tags can satisfy each.

>>> from ecomflow.rules.conditions import compile_condition, required_comparisons
>>> def only(spec):
...     (comparison,) = required_comparisons(compile_condition(spec, rule_id="r"))
...     return comparison
>>> excludes(only({"field": "total", "op": "<", "value": "500 zł"}),
...          only({"field": "total", "op": ">=", "value": "500.00 PLN"}))
True
>>> excludes(only({"field": "total", "value": "500 PLN"}),
...          only({"field": "total", "value": "500,00 zł"}))
False
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ecomflow.money import Money
from ecomflow.rules.conditions import Comparison

__all__ = ["can_both_hold", "excludes"]

_SCALAR = frozenset({"bool", "str", "money", "number"})

# An interval of amounts: (low, low included, high, high included); None is unbounded.
Interval = tuple[Decimal | None, bool, Decimal | None, bool]


def _plain(value: Any) -> Any:
    """Money as its amount (the currency is compared separately), anything else as is."""
    return value.amount if isinstance(value, Money) else value


def _currency(comparison: Comparison) -> str | None:
    """The currency of a money comparison (both ``between`` bounds share one)."""
    value = comparison.value[0] if isinstance(comparison.value, tuple) else comparison.value
    return value.currency if isinstance(value, Money) else None


def _allowed(comparison: Comparison) -> frozenset[Any] | None:
    """The only values that make the comparison true (``==``, ``in``), else ``None``."""
    if comparison.op == "==":
        return frozenset({_plain(comparison.value)})
    if comparison.op == "in":
        return frozenset(_plain(v) for v in comparison.value)
    return None


def _refused(comparison: Comparison) -> frozenset[Any] | None:
    """The values that make the comparison false (``!=``, ``not_in``), else ``None``."""
    if comparison.op == "!=":
        return frozenset({_plain(comparison.value)})
    if comparison.op == "not_in":
        return frozenset(_plain(v) for v in comparison.value)
    return None


def _interval(comparison: Comparison) -> Interval | None:
    """The amounts that make an ordered comparison true, else ``None``."""
    op, value = comparison.op, comparison.value
    if comparison.kind not in ("money", "number"):
        return None
    if op == "between":
        return (_plain(value[0]), True, _plain(value[1]), True)
    bound = _plain(value)
    return {
        "<": (None, False, bound, False),
        "<=": (None, False, bound, True),
        ">": (bound, False, None, False),
        ">=": (bound, True, None, False),
        "==": (bound, True, bound, True),
    }.get(op)


def _inside(value: Decimal, interval: Interval) -> bool:
    low, low_in, high, high_in = interval
    above = low is None or value > low or (low_in and value == low)
    below = high is None or value < high or (high_in and value == high)
    return above and below


def _disjoint(a: Interval, b: Interval) -> bool:
    lows = [(x[0], x[1]) for x in (a, b) if x[0] is not None]
    highs = [(x[2], x[3]) for x in (a, b) if x[2] is not None]
    if not lows or not highs:
        return False
    low = max(v for v, _ in lows)
    high = min(v for v, _ in highs)
    if low != high:
        return low > high
    low_in = all(inc for v, inc in lows if v == low)
    high_in = all(inc for v, inc in highs if v == high)
    return not (low_in and high_in)


def excludes(a: Comparison, b: Comparison) -> bool:
    """Whether no order can make both comparisons true."""
    if a.field != b.field or a.kind not in _SCALAR or a.kind != b.kind:
        return False
    if a.kind == "money" and _currency(a) != _currency(b):
        return True  # an order has one currency; in any other the comparison is unknown
    allowed_a, allowed_b = _allowed(a), _allowed(b)
    if allowed_a is not None and allowed_b is not None:
        return allowed_a.isdisjoint(allowed_b)
    for allowed, other in ((allowed_a, b), (allowed_b, a)):
        if allowed is None:
            continue
        refused, interval = _refused(other), _interval(other)
        if refused is not None:
            return allowed <= refused
        if interval is not None:
            return not any(_inside(v, interval) for v in allowed)
    interval_a, interval_b = _interval(a), _interval(b)
    if interval_a is not None and interval_b is not None:
        return _disjoint(interval_a, interval_b)
    return False


def can_both_hold(first: Sequence[Comparison], second: Sequence[Comparison]) -> bool:
    """Whether two sets of required comparisons might be true of one order."""
    return not any(excludes(a, b) for a in first for b in second)
