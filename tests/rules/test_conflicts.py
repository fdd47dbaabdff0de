"""Issue 16 item 19: conflict detection compares parsed values, not spellings.

Two rules of the same priority that set one target differently are a
conflict unless their conditions cannot both be true. ``"500 PLN"`` and
``"500.00 PLN"`` are the same amount, ``2`` and ``"2"`` the same number,
``"Shop"`` and ``"shop"`` the same text: the rules overlap.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecomflow.errors import RuleConflict
from ecomflow.rules import RuleSet, compile_condition
from ecomflow.testing import sample_order


def pair(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {
        "rules": [
            {"id": "x", "when": a, "then": [{"set_service": "s1"}]},
            {"id": "y", "when": b, "then": [{"set_service": "s2"}]},
        ]
    }


def cmp(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


OVERLAPPING = [
    (cmp("total", "==", "500 PLN"), cmp("total", "==", "500.00 PLN")),
    (cmp("total", "==", "500 PLN"), cmp("total", "==", "500,00 zł")),
    (cmp("total", "==", "1500 PLN"), cmp("total", "==", "1 500,00 PLN")),
    (cmp("total", "<", "500 PLN"), cmp("total", "==", "499.99 PLN")),
    (cmp("total", "between", ["100 PLN", "500 PLN"]), cmp("total", ">=", "500.00 PLN")),
    (cmp("quantity", "==", 2), cmp("quantity", "==", "2")),
    (cmp("quantity", "==", "2.0"), cmp("quantity", "in", [1, 2])),
    (cmp("lines.count", "<=", 3), cmp("lines.count", ">=", "3")),
    (cmp("channel", "==", "Shop"), cmp("channel", "==", "shop")),
    (cmp("channel", "in", ["Allegro", "SHOP"]), cmp("channel", "==", "shop")),
    (cmp("country", "in", ["pl"]), cmp("country", "in", ["PL", "DE"])),
    (cmp("payment.paid", "==", True), cmp("payment.paid", "!=", False)),
]


@pytest.mark.parametrize(("a", "b"), OVERLAPPING)
def test_item19_equal_values_spelled_differently_overlap(
    a: dict[str, Any], b: dict[str, Any]
) -> None:
    with pytest.raises(RuleConflict) as info:
        RuleSet.load(pair({"all": [a]}, b))
    assert (info.value.first, info.value.second) == ("x", "y")


EXCLUSIVE = [
    (cmp("total", "==", "500 PLN"), cmp("total", "==", "500.01 PLN")),
    (cmp("total", "<", "500 zł"), cmp("total", ">=", "500.00 PLN")),
    (cmp("total", "<", "1 500,00 PLN"), cmp("total", ">", "1500 PLN")),
    (cmp("total", "==", "500 PLN"), cmp("total", "==", "500 EUR")),  # one currency per order
    (cmp("total", "<", "500 PLN"), cmp("total", ">", "100 EUR")),
    (cmp("total", "between", ["1 PLN", "2 PLN"]), cmp("total", "between", ["3 PLN", "4 PLN"])),
    (cmp("quantity", "==", 2), cmp("quantity", "==", "3")),
    (cmp("quantity", "in", [1, "2"]), cmp("quantity", "in", ["3", 4])),
    (cmp("quantity", "==", "2"), cmp("quantity", "!=", 2)),
    (cmp("channel", "==", "Shop"), cmp("channel", "==", "allegro")),
    (cmp("channel", "==", "SHOP"), cmp("channel", "!=", "shop")),
    (cmp("payment.paid", "==", True), cmp("payment.paid", "!=", True)),
]


@pytest.mark.parametrize(("a", "b"), EXCLUSIVE)
def test_item19_values_that_cannot_both_hold_are_no_conflict(
    a: dict[str, Any], b: dict[str, Any]
) -> None:
    RuleSet.load(pair({"all": [a]}, b))


# Soundness: whenever the loader says "these cannot both hold", no order can
# make both true. Checked against the evaluator on totals around every bound.
SPELLINGS = {
    Decimal("100"): ["100 PLN", "100.00 PLN", "100,0 zł"],
    Decimal("499.99"): ["499.99 PLN", "499,99 zł"],
    Decimal("500"): ["500 PLN", "500.00 PLN", "500 zł", "500,00 PLN"],
    Decimal("1500"): ["1500 PLN", "1 500,00 PLN", "1\u00a0500 zł"],
}
OPS = ["<", "<=", ">", ">=", "==", "!="]
amounts = st.sampled_from(sorted(SPELLINGS))


@st.composite
def money_comparisons(draw: st.DrawFn) -> dict[str, Any]:
    op = draw(st.sampled_from([*OPS, "between"]))
    if op == "between":
        low, high = sorted((draw(amounts), draw(amounts)))
        bounds = [draw(st.sampled_from(SPELLINGS[low])), draw(st.sampled_from(SPELLINGS[high]))]
        return cmp("total", op, bounds)
    amount = draw(amounts)
    return cmp("total", op, draw(st.sampled_from(SPELLINGS[amount])))


TOTALS = sorted(
    {a + d for a in SPELLINGS for d in (Decimal("-0.01"), Decimal(0), Decimal("0.01"))}
    | {Decimal("0.01"), Decimal("300"), Decimal("1000"), Decimal("2000")}
)
ORDERS = [sample_order(lines={"A": (1, str(t))}) for t in TOTALS]


@settings(max_examples=300, deadline=None)
@given(money_comparisons(), money_comparisons())
def test_item19_exclusive_means_no_order_satisfies_both(
    a: dict[str, Any], b: dict[str, Any]
) -> None:
    both = [
        order.total
        for order in ORDERS
        if compile_condition(a, rule_id="a").verdict(order) is True
        and compile_condition(b, rule_id="b").verdict(order) is True
    ]
    try:
        RuleSet.load(pair({"all": [a]}, b))
    except RuleConflict:
        return
    assert both == [], f"{a} and {b} were called exclusive, yet both hold at {both}"
