"""Issue 16 item 21: the seed's own spelling works.

Seed 001 writes its rule as "Kiedy zamówienie opłacone AND kurier = InPost
AND suma < 500 zł". Money as ``500 zł`` and ``1 500,00 PLN`` (space or
no-break-space thousands, comma decimals), text equality that ignores case
like ``contains`` does, rule sets given as TOML text, and one documented
direction for priorities.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ecomflow import Money
from ecomflow.errors import RuleError
from ecomflow.orders import Order, OrderStatus
from ecomflow.rules import RuleSet, compile_condition
from ecomflow.testing import sample_order

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
EXAMPLE = Path(__file__).parents[2] / "examples" / "rules.toml"


def order_of(total: str, currency: str = "PLN") -> Order:
    return sample_order(lines={"A": (1, total)}, currency=currency)


def matches(spec: dict[str, Any], order: Order) -> bool:
    return compile_condition(spec, rule_id="t").verdict(order) is True


# -- money as written in Poland ----------------------------------------------------------

SPELLED = [
    ("500 zł", Money(500, "PLN")),
    ("500zł", Money(500, "PLN")),
    ("500 ZŁ", Money(500, "PLN")),
    ("499,99 zł", Money("499.99", "PLN")),
    ("1 500,00 PLN", Money(1500, "PLN")),
    ("1\u00a0500,00 zł", Money(1500, "PLN")),  # no-break space, as babel formats pl_PL
    ("1\u202f500,00 PLN", Money(1500, "PLN")),  # narrow no-break space
    ("12 345 678,90 PLN", Money("12345678.90", "PLN")),
    ("1500.5 pln", Money("1500.50", "PLN")),
    ("250 €", Money(250, "EUR")),
    ("250 EUR", Money(250, "EUR")),
]


@pytest.mark.parametrize(("written", "amount"), SPELLED)
def test_item21_money_spellings(written: str, amount: Money) -> None:
    exact = order_of(str(amount.amount), amount.currency)
    cent_more = order_of(str(amount.amount + Decimal("0.01")), amount.currency)
    assert matches({"field": "total", "op": "==", "value": written}, exact)
    assert not matches({"field": "total", "op": "==", "value": written}, cent_more)
    assert matches(
        {"field": "total", "op": "<", "value": written}, order_of("0.01", amount.currency)
    )


@pytest.mark.parametrize(
    "written",
    [
        "15 00 PLN",  # not groups of three
        "1,500.00 PLN",  # English grouping: ambiguous with a comma decimal
        "1.500,00 PLN",
        "500",  # no currency
        "zł",
        "５００ zł",  # fullwidth digits
        "500 złote",
        "500 XYZ",
    ],
)
def test_item21_unclear_money_is_refused_at_load(written: str) -> None:
    with pytest.raises(RuleError, match="is not money") as info:
        compile_condition({"field": "total", "op": "<", "value": written}, rule_id="r")
    assert "500 zł" in str(info.value)  # the message shows how to write it


def test_item21_the_seed_rule_as_the_seed_writes_it() -> None:
    rules = RuleSet.load(
        {
            "rules": [
                {
                    "id": "seed",
                    "when": {
                        "all": [
                            {"field": "payment.paid", "value": True},
                            {"field": "delivery.carrier", "value": "InPost"},
                            {"field": "total", "op": "<", "value": "500 zł"},
                        ]
                    },
                    "then": [{"set_status": "ready_to_pack"}, {"add_tag": "Paczkomat"}],
                }
            ]
        }
    )
    cheap = sample_order(lines={"A": (1, "499.99")}, paid=True, method="parcel_locker")
    cheap.delivery.carrier = "inpost"
    assert rules.evaluate(cheap, now=NOW).outcome.status is OrderStatus.READY_TO_PACK
    dear = sample_order(lines={"A": (1, "500.00")}, paid=True, method="parcel_locker")
    dear.delivery.carrier = "inpost"
    (trace,) = rules.evaluate(dear, now=NOW).trace
    assert trace.reason == "total 500.00 PLN is not < 500 zł"


# -- text compares without case ----------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"field": "delivery.carrier", "value": "InPost"}, True),
        ({"field": "delivery.carrier", "op": "==", "value": "INPOST"}, True),
        ({"field": "delivery.carrier", "op": "!=", "value": "InPost"}, False),
        ({"field": "delivery.carrier", "op": "in", "value": ["DPD", "InPost"]}, True),
        ({"field": "delivery.carrier", "op": "not_in", "value": ["INPOST"]}, False),
        ({"field": "delivery.carrier", "op": "contains", "value": "Post"}, True),
        ({"field": "channel", "value": "SHOP"}, True),
        ({"field": "customer.email", "value": "Anna@Example.com"}, True),
        ({"field": "tags", "op": "contains", "value": "VIP"}, True),
        ({"field": "tags", "op": "not_contains", "value": "Vip"}, False),
        ({"field": "tags", "op": "in", "value": ["GIFT", "vIp"]}, True),
        ({"field": "lines.sku", "op": "contains", "value": "mug-red"}, True),
        ({"field": "lines.sku", "op": "in", "value": ["Mug-Red"]}, True),
        ({"field": "status", "value": "NEW"}, True),
        ({"field": "delivery.method", "value": "Parcel_Locker"}, True),
    ],
)
def test_item21_text_equality_ignores_case(spec: dict[str, Any], expected: bool) -> None:
    order = sample_order(method="parcel_locker")
    order.delivery.carrier = "inpost"
    order.tags.add("vip")
    assert matches(spec, order) is expected


def test_item21_matches_is_a_regular_expression_and_keeps_its_case() -> None:
    order = sample_order()
    assert matches({"field": "channel", "op": "matches", "value": "^sh"}, order)
    assert not matches({"field": "channel", "op": "matches", "value": "^SH"}, order)
    assert matches({"field": "channel", "op": "matches", "value": "(?i)^SH"}, order)


# -- TOML text ---------------------------------------------------------------------------


def test_item21_load_accepts_toml_text() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    from_text = RuleSet.load(text)
    from_path = RuleSet.load(EXAMPLE)
    from_str_path = RuleSet.load(str(EXAMPLE))
    assert from_text.to_dict() == from_path.to_dict() == from_str_path.to_dict()
    assert len(from_text) == 3


def test_item21_toml_text_with_the_seed_spelling() -> None:
    rules = RuleSet.load(
        """
        [[rules]]
        id = "seed"
        when = { all = [
          { field = "payment.paid", value = true },
          { field = "delivery.carrier", value = "InPost" },
          { field = "total", op = "<", value = "1 500,00 zł" },
        ] }
        then = [{ add_tag = "paczkomat" }]
        """
    )
    order = sample_order(lines={"A": (1, "1499.99")}, paid=True)
    order.delivery.carrier = "inpost"
    assert rules.evaluate(order, now=NOW).matched == ["seed"]


def test_item21_bad_toml_text_and_missing_files_are_rule_errors() -> None:
    with pytest.raises(RuleError, match="TOML"):
        RuleSet.load("[[rules]\nid = 'x'\n")
    with pytest.raises(RuleError, match=r"no-such-rules\.toml"):
        RuleSet.load("no-such-rules.toml")


# -- one direction for priorities --------------------------------------------------------


def rule(rule_id: str, priority: int, then: list[Any]) -> dict[str, Any]:
    return {
        "id": rule_id,
        "priority": priority,
        "when": {"field": "channel", "value": "shop"},
        "then": then,
    }


def test_item21_a_higher_rule_priority_runs_first_and_wins() -> None:
    rules = RuleSet.load(
        {
            "rules": [
                rule("low", 1, [{"set_status": "on_hold"}, {"set_priority": 1}]),
                rule("high", 5, [{"set_status": "ready_to_pack"}, {"set_priority": 5}]),
                rule("default", 0, [{"add_tag": "seen"}]),
            ]
        }
    )
    evaluation = rules.evaluate(sample_order(), now=NOW)
    assert [t.rule_id for t in evaluation.trace] == ["high", "low", "default"]
    assert evaluation.outcome.status is OrderStatus.READY_TO_PACK
    assert evaluation.outcome.priority == 5
    assert evaluation.outcome.decided_by == {"set_status": "high", "set_priority": "high"}


def test_item21_the_default_rule_priority_is_the_default_order_priority() -> None:
    rules = RuleSet.load({"rules": [{"id": "r", "then": ["request_label"]}]})
    assert rules.rules[0].priority == 0 == sample_order().priority


def test_item21_set_priority_raises_urgent_orders_above_the_default() -> None:
    # The example's VIP rule: a higher order priority means handled sooner, the
    # same direction as rule priority.
    rules = RuleSet.load(EXAMPLE)
    vip = sample_order(vip=True)
    applied = rules.evaluate(vip, now=NOW).outcome.priority
    assert applied is not None and applied > sample_order().priority
    # The example is written in the order it runs: highest priority first.
    assert [r.id for r in rules.rules] == ["paid-inpost-under-500", "vip-first", "big-cod-check"]
    assert [r.priority for r in rules.rules] == [30, 20, 10]


def test_item21_the_direction_is_stated_in_the_docs_and_docstrings() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "rules.md").read_text(encoding="utf-8")
    assert "higher priority runs first" in docs.lower()
    assert "higher" in (RuleSet.__doc__ or "").lower()
    from ecomflow.rules import ruleset

    assert "higher number" in (ruleset.__doc__ or "").lower()
