"""Issue 16 item 18: three-valued (Kleene) logic in rule conditions.

A comparison that cannot be decided — money in another currency, a field
that is missing — is *unknown*, not false. ``not unknown`` is unknown;
``all`` is false if any part is false, else unknown if any part is unknown;
``any`` is true if any part is true, else unknown if any part is unknown. A
rule whose condition is unknown does not fire, and its trace says why.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecomflow.orders import Order
from ecomflow.rules import RuleSet, compile_condition
from ecomflow.testing import sample_order

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)

# Three leaves whose truth on ``sample_order()`` (channel "shop", total 49.00 PLN)
# is known by construction.
T: dict[str, Any] = {"field": "channel", "value": "shop"}
F: dict[str, Any] = {"field": "channel", "value": "allegro"}
U: dict[str, Any] = {"field": "total", "op": "<", "value": "500 EUR"}  # a PLN order
LEAF = {"T": T, "F": F, "U": U}
TRUTH = {"T": True, "F": False, "U": None}


def verdict(spec: dict[str, Any], order: Order | None = None) -> bool | None:
    return compile_condition(spec, rule_id="t").verdict(order or sample_order())


@pytest.mark.parametrize("name", ["T", "F", "U"])
def test_item18_leaves_have_the_truth_the_tables_assume(name: str) -> None:
    assert verdict(LEAF[name]) is TRUTH[name]


# Kleene's tables, written out by hand.
NOT_TABLE = {"T": "F", "F": "T", "U": "U"}
ALL_TABLE = {
    ("T", "T"): "T",
    ("T", "F"): "F",
    ("T", "U"): "U",
    ("F", "T"): "F",
    ("F", "F"): "F",
    ("F", "U"): "F",
    ("U", "T"): "U",
    ("U", "F"): "F",
    ("U", "U"): "U",
}
ANY_TABLE = {
    ("T", "T"): "T",
    ("T", "F"): "T",
    ("T", "U"): "T",
    ("F", "T"): "T",
    ("F", "F"): "F",
    ("F", "U"): "U",
    ("U", "T"): "T",
    ("U", "F"): "U",
    ("U", "U"): "U",
}


@pytest.mark.parametrize(("a", "expected"), NOT_TABLE.items())
def test_item18_not_table(a: str, expected: str) -> None:
    assert verdict({"not": LEAF[a]}) is TRUTH[expected]


@pytest.mark.parametrize(("pair", "expected"), ALL_TABLE.items())
def test_item18_all_table(pair: tuple[str, str], expected: str) -> None:
    assert verdict({"all": [LEAF[pair[0]], LEAF[pair[1]]]}) is TRUTH[expected]


@pytest.mark.parametrize(("pair", "expected"), ANY_TABLE.items())
def test_item18_any_table(pair: tuple[str, str], expected: str) -> None:
    assert verdict({"any": [LEAF[pair[0]], LEAF[pair[1]]]}) is TRUTH[expected]


# An independent formulation: Kleene logic is min / max / 1 - x over 0 < ½ < 1.
LEVEL = {False: 0.0, None: 0.5, True: 1.0}
BACK = {0.0: False, 0.5: None, 1.0: True}


def reference(tree: Any) -> float:
    kind, payload = tree
    if kind == "leaf":
        return LEVEL[TRUTH[payload]]
    if kind == "not":
        return 1.0 - reference(payload)
    values = [reference(p) for p in payload]
    return min(values) if kind == "all" else max(values)


def to_spec(tree: Any) -> dict[str, Any]:
    kind, payload = tree
    if kind == "leaf":
        return LEAF[payload]
    if kind == "not":
        return {"not": to_spec(payload)}
    return {kind: [to_spec(p) for p in payload]}


trees = st.recursive(
    st.tuples(st.just("leaf"), st.sampled_from(["T", "F", "U"])),
    lambda inner: st.one_of(
        st.tuples(st.just("not"), inner),
        st.tuples(st.sampled_from(["all", "any"]), st.lists(inner, min_size=1, max_size=4)),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(trees)
def test_item18_any_condition_follows_kleene_logic(tree: Any) -> None:
    condition = compile_condition(to_spec(tree), rule_id="t")
    order = sample_order()
    expected = BACK[reference(tree)]
    assert condition.verdict(order) is expected
    assert (condition(order) is None) is (expected is True)  # the reason-or-None view agrees


@settings(max_examples=100, deadline=None)
@given(trees)
def test_item18_a_rule_fires_only_when_its_condition_is_true(tree: Any) -> None:
    rules = RuleSet.load({"rules": [{"id": "r", "when": to_spec(tree), "then": ["request_label"]}]})
    evaluation = rules.evaluate(sample_order(), now=NOW)
    expected = BACK[reference(tree)]
    (trace,) = evaluation.trace
    assert trace.matched is (expected is True)
    assert trace.unknown is (expected is None)
    assert evaluation.outcome.request_label is (True if expected is True else None)
    if expected is None:
        assert trace.reason is not None and trace.reason.endswith(": unknown")


# -- the case -------------------------------------------------------------------

SEED_NOT = {
    "id": "paid-inpost-below-500",
    "when": {
        "all": [
            {"field": "payment.paid", "value": True},
            {"field": "delivery.carrier", "value": "inpost"},
            {"not": {"field": "total", "op": ">=", "value": "500 PLN"}},
        ]
    },
    "then": [{"set_status": "ready_to_pack"}, {"add_tag": "paczkomat"}],
}


def eur_order(amount: str) -> Order:
    order = sample_order(lines={"TV": (1, amount)}, paid=True, currency="EUR")
    order.delivery.carrier = "inpost"
    return order


def test_item18_a_currency_mismatch_inside_not_does_not_match() -> None:
    rules = RuleSet.load({"rules": [SEED_NOT]})
    evaluation = rules.evaluate(eur_order("2000.00"), now=NOW)
    assert evaluation.matched == []
    assert evaluation.outcome.status is None
    assert evaluation.outcome.add_tags == ()
    (trace,) = evaluation.trace
    assert (trace.matched, trace.unknown) == (False, True)
    assert trace.reason == "total is in EUR, the rule compares PLN: unknown"
    assert str(trace) == "? paid-inpost-below-500: total is in EUR, the rule compares PLN: unknown"


def test_item18_the_same_rule_still_matches_a_pln_order_below_500() -> None:
    order = sample_order(lines={"A": (1, "499.99")}, paid=True)
    order.delivery.carrier = "inpost"
    assert RuleSet.load({"rules": [SEED_NOT]}).evaluate(order, now=NOW).matched == [
        "paid-inpost-below-500"
    ]


def test_item18_a_false_part_decides_before_an_unknown_one() -> None:
    order = eur_order("2000.00")
    order.delivery.carrier = "dpd"
    (trace,) = RuleSet.load({"rules": [SEED_NOT]}).evaluate(order, now=NOW).trace
    assert (trace.matched, trace.unknown) == (False, False)
    assert trace.reason == "delivery.carrier 'dpd' is not 'inpost'"


def test_item18_a_missing_field_is_unknown_even_under_not() -> None:
    order = sample_order(paid=True)
    assert order.delivery.carrier is None
    spec = {"not": {"field": "delivery.carrier", "value": "dpd"}}
    condition = compile_condition(spec, rule_id="t")
    assert condition.verdict(order) is None
    assert condition(order) == "delivery.carrier is missing: unknown"
    for op, value in (("!=", "dpd"), ("in", ["dpd"]), ("not_in", ["dpd"]), ("contains", "d")):
        leaf = {"field": "delivery.carrier", "op": op, "value": value}
        assert compile_condition(leaf, rule_id="t").verdict(order) is None, op


def test_item18_unknown_weight_is_unknown() -> None:
    order = sample_order()
    order.lines = [order.lines[0].model_copy(update={"weight_kg": None})]
    for spec in (
        {"field": "weight", "op": "<", "value": 25},
        {"not": {"field": "weight", "op": "<", "value": 25}},
        {"field": "weight", "op": "in", "value": [1, 2]},
        {"field": "weight", "op": "between", "value": [0, 30]},
    ):
        condition = compile_condition(spec, rule_id="t")
        assert condition.verdict(order) is None, spec
        assert condition(order) == "weight is missing: unknown"


@pytest.mark.parametrize("op", ["<", "<=", ">", ">=", "==", "!="])
def test_item18_money_in_another_currency_is_unknown_for_every_operator(op: str) -> None:
    order = sample_order(currency="EUR")
    condition = compile_condition({"field": "total", "op": op, "value": "500 PLN"}, rule_id="t")
    assert condition.verdict(order) is None
    negated = compile_condition(
        {"not": {"field": "total", "op": op, "value": "500 PLN"}}, rule_id="t"
    )
    assert negated.verdict(order) is None


def test_item18_any_lists_every_reason_and_says_unknown() -> None:
    spec = {"any": [{"field": "customer.vip", "value": True}, U]}
    condition = compile_condition(spec, rule_id="t")
    assert condition(sample_order()) == (
        "none of: customer.vip is false; total is in PLN, the rule compares EUR: unknown"
    )


def test_item18_not_says_what_held() -> None:
    condition = compile_condition({"not": {"field": "country", "value": "PL"}}, rule_id="t")
    assert condition(sample_order()) == "not: country == 'PL' holds"


def test_item18_unknown_rules_print_with_a_question_mark_and_in_html() -> None:
    rules = RuleSet.load({"rules": [SEED_NOT]})
    evaluation = rules.evaluate(eur_order("2000.00"), now=NOW)
    assert "? paid-inpost-below-500" in str(evaluation)
    assert "unknown" in evaluation._repr_html_()


def test_item18_the_trace_reads_the_order_as_it_was_evaluated() -> None:
    rules = RuleSet.load(
        {
            "rules": [
                {
                    "id": "tagged",
                    "when": {"field": "tags", "op": "contains", "value": "vip"},
                    "then": ["request_label"],
                }
            ]
        }
    )
    order = sample_order()
    evaluation = rules.evaluate(order, now=NOW)
    order.tags.add("vip")  # changed after the evaluation
    order.channel = "allegro"
    assert evaluation.trace[0].reason == "tags [] does not contain 'vip'"
