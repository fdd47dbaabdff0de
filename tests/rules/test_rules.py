from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecomflow.errors import RuleConflict, RuleError
from ecomflow.orders import Order, OrderFlow, OrderStatus
from ecomflow.rules import RuleSet, apply_outcome, compile_condition
from ecomflow.testing import sample_order

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
EXAMPLE = Path(__file__).parents[2] / "examples" / "rules.toml"


def inpost_order(total: str, *, paid: bool = True) -> Order:
    order = sample_order(lines={"A": (1, total)}, paid=paid, method="parcel_locker")
    order.delivery.carrier = "inpost"
    return order


def rule(rule_id: str, when: dict[str, Any], then: list[Any], **extra: Any) -> dict[str, Any]:
    return {"id": rule_id, "when": when, "then": then, **extra}


# -- the seed's rule, end to end ---------------------------------------------------------


def test_seed_rule_at_499_99() -> None:
    rules = RuleSet.load(EXAMPLE)
    order = inpost_order("499.99")
    flow = OrderFlow(order)
    flow.pay()
    evaluation = rules.evaluate(order, now=NOW)
    assert evaluation.matched == ["paid-inpost-under-500"]
    applied = apply_outcome(evaluation, flow)
    assert order.status is OrderStatus.READY_TO_PACK
    assert "parcel-locker" in order.tags
    assert applied.request_label
    assert order.history[-1].actor == "rule:paid-inpost-under-500"


def test_seed_rule_at_500_00() -> None:
    rules = RuleSet.load(EXAMPLE)
    order = inpost_order("500.00")
    flow = OrderFlow(order)
    flow.pay()
    evaluation = rules.evaluate(order, now=NOW)
    assert "paid-inpost-under-500" not in evaluation.matched
    trace = {t.rule_id: t for t in evaluation.trace}
    assert trace["paid-inpost-under-500"].reason == "total 500.00 PLN is not < 500 zł"
    applied = apply_outcome(evaluation, flow)
    assert order.status is OrderStatus.PAID
    assert not applied.request_label


def test_trace_names_the_first_failing_condition() -> None:
    rules = RuleSet.load(EXAMPLE)
    unpaid = inpost_order("100.00", paid=False)
    text = str(rules.evaluate(unpaid, now=NOW))
    assert "✗ paid-inpost-under-500: payment.paid is false" in text
    dpd = inpost_order("100.00")
    dpd.delivery.carrier = "dpd"
    assert "delivery.carrier 'dpd' is not 'InPost'" in str(rules.evaluate(dpd, now=NOW))
    assert "<table>" in rules.evaluate(dpd, now=NOW)._repr_html_()


# -- operators ---------------------------------------------------------------------------

CASES = [
    ({"field": "channel", "op": "in", "value": ["shop", "allegro"]}, True),
    ({"field": "channel", "op": "not_in", "value": ["allegro"]}, True),
    ({"field": "channel", "op": "matches", "value": "^sh"}, True),
    ({"field": "channel", "op": "contains", "value": "HO"}, True),
    ({"field": "channel", "op": "!=", "value": "shop"}, False),
    ({"field": "total", "op": "between", "value": ["40 PLN", "50 PLN"]}, True),
    ({"field": "total", "op": ">=", "value": "49 PLN"}, True),
    ({"field": "total", "op": ">", "value": "49 PLN"}, False),
    ({"field": "total", "op": "<=", "value": "49 PLN"}, True),
    ({"field": "total", "op": "==", "value": "49.00 PLN"}, True),
    ({"field": "tags", "op": "contains", "value": "vip"}, False),
    ({"field": "tags", "op": "not_contains", "value": "vip"}, True),
    ({"field": "tags", "op": "empty", "value": True}, True),
    ({"field": "lines.sku", "op": "contains", "value": "MUG-RED"}, True),
    ({"field": "lines.sku", "op": "in", "value": ["X", "MUG-RED"]}, True),
    ({"field": "lines.sku", "op": "matches", "value": "^MUG"}, True),
    ({"field": "lines.quantity", "op": ">=", "value": 2}, True),
    ({"field": "lines.quantity", "op": "between", "value": [3, 9]}, False),
    ({"field": "weight", "op": "<", "value": 25}, True),
    ({"field": "quantity", "op": "in", "value": [1, 2]}, True),
    ({"field": "country", "value": "PL"}, True),
    ({"field": "customer.vip", "op": "!=", "value": True}, True),
    ({"not": {"field": "country", "value": "PL"}}, False),
    ({"any": [{"field": "country", "value": "DE"}, {"field": "channel", "value": "shop"}]}, True),
]


@pytest.mark.parametrize(("spec", "matches"), CASES)
def test_operators(spec: dict[str, Any], matches: bool) -> None:
    check = compile_condition(spec, rule_id="t")
    assert (check(sample_order()) is None) is matches


def test_money_in_another_currency_does_not_match() -> None:
    check = compile_condition({"field": "total", "op": "<", "value": "500 PLN"}, rule_id="t")
    assert check(sample_order(currency="EUR")) == "total is in EUR, the rule compares PLN: unknown"


def test_unknown_weight_does_not_match() -> None:
    order = sample_order()
    order.lines = [order.lines[0].model_copy(update={"weight_kg": None})]
    check = compile_condition({"field": "weight", "op": "<", "value": 25}, rule_id="t")
    assert check(order) == "weight is missing: unknown"


# -- load-time errors ---------------------------------------------------------------------

BAD = [
    (rule("r", {"field": "totl", "op": "<", "value": 1}, ["request_label"]), "field 'totl'"),
    (rule("r", {"field": "total", "op": "~", "value": "1 PLN"}, ["request_label"]), "operator '~'"),
    (rule("r", {"field": "total", "op": "<", "value": "abc"}, ["request_label"]), "not money"),
    (rule("r", {"field": "payment.paid", "value": "yes"}, ["request_label"]), "true or false"),
    (rule("r", {"field": "channel", "op": "matches", "value": "("}, ["request_label"]), "regular"),
    (
        rule("r", {"field": "total", "op": "between", "value": ["1 PLN"]}, ["request_label"]),
        "between",
    ),
    (rule("r", {"field": "channel", "value": "x"}, [{"set_status": "lost"}]), "master status"),
    (rule("r", {"field": "channel", "value": "x"}, [{"explode": True}]), "unknown action"),
    (rule("r", {"field": "channel", "value": "x"}, []), "at least one action"),
    (rule("r", {"all": "nope"}, ["request_label"]), "non-empty list"),
]


@pytest.mark.parametrize(("spec", "message"), BAD)
def test_load_errors_name_rule_and_field(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleError, match=message) as info:
        RuleSet.load({"rules": [spec]})
    assert info.value.rule_id == "r"
    assert "rule 'r'" in str(info.value)


def test_duplicate_ids_and_bad_strategy() -> None:
    one = rule("r", {"field": "channel", "value": "x"}, ["request_label"])
    with pytest.raises(RuleError, match="used twice"):
        RuleSet.load({"rules": [one, one]})
    with pytest.raises(RuleError, match="strategy"):
        RuleSet.load({"strategy": "random", "rules": [one]})


# -- priority, strategies, conflicts --------------------------------------------------------


def test_priority_order_first_setter_wins_and_is_traced() -> None:
    # A higher priority runs first (issue 16 item 21: one direction, documented).
    rules = RuleSet.load(
        {
            "rules": [
                rule(
                    "late",
                    {"field": "channel", "value": "shop"},
                    [{"set_service": "dpd_classic"}],
                    priority=5,
                ),
                rule(
                    "early",
                    {"field": "channel", "value": "shop"},
                    [{"set_service": "inpost"}],
                    priority=50,
                ),
            ]
        }
    )
    evaluation = rules.evaluate(sample_order(), now=NOW)
    assert evaluation.outcome.service_id == "inpost"
    assert evaluation.outcome.decided_by == {"set_service": "early"}
    late = next(t for t in evaluation.trace if t.rule_id == "late")
    assert late.overridden == ("set_service by early",)


def test_first_match_and_stop() -> None:
    specs = [
        rule("a", {"field": "channel", "value": "shop"}, [{"add_tag": "a"}], priority=3),
        rule("b", {"field": "channel", "value": "shop"}, [{"add_tag": "b"}], priority=2, stop=True),
        rule("c", {"field": "channel", "value": "shop"}, [{"add_tag": "c"}], priority=1),
        rule(
            "off",
            {"field": "channel", "value": "shop"},
            [{"add_tag": "off"}],
            priority=9,
            enabled=False,
        ),
    ]
    every = RuleSet.load({"rules": specs}).evaluate(sample_order(), now=NOW)
    assert every.outcome.add_tags == ("a", "b")
    assert str(every.trace[0]) == "✗ off: disabled"
    first = RuleSet.load({"strategy": "first_match", "rules": specs}).evaluate(
        sample_order(), now=NOW
    )
    assert first.outcome.add_tags == ("a",)


def test_conflict_at_load_names_both_rules() -> None:
    specs = [
        rule("one", {"field": "payment.paid", "value": True}, [{"set_status": "ready_to_pack"}]),
        rule("two", {"field": "channel", "value": "shop"}, [{"set_status": "in_fulfilment"}]),
    ]
    with pytest.raises(RuleConflict) as info:
        RuleSet.load({"rules": specs})
    assert (info.value.first, info.value.second) == ("one", "two")
    assert "status" in str(info.value)
    resolved = RuleSet.load({"on_conflict": "first_listed", "rules": specs})
    order = sample_order(paid=True)
    assert resolved.evaluate(order, now=NOW).outcome.status is OrderStatus.READY_TO_PACK


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"field": "channel", "value": "shop"}, {"field": "channel", "value": "allegro"}),
        ({"field": "payment.cod", "value": True}, {"field": "payment.cod", "value": False}),
        (
            {"field": "total", "op": "<", "value": "500 PLN"},
            {"field": "total", "op": ">=", "value": "500 PLN"},
        ),
        (
            {"field": "country", "op": "in", "value": ["PL"]},
            {"field": "country", "op": "in", "value": ["DE", "CZ"]},
        ),
    ],
)
def test_exclusive_conditions_are_no_conflict(a: dict[str, Any], b: dict[str, Any]) -> None:
    RuleSet.load(
        {
            "rules": [
                rule("x", {"all": [a]}, [{"set_service": "s1"}]),
                rule("y", b, [{"set_service": "s2"}]),
            ]
        }
    )


def test_different_priorities_are_no_conflict() -> None:
    RuleSet.load(
        {
            "rules": [
                rule(
                    "x", {"field": "channel", "value": "shop"}, [{"set_service": "s1"}], priority=1
                ),
                rule(
                    "y", {"field": "channel", "value": "shop"}, [{"set_service": "s2"}], priority=2
                ),
            ]
        }
    )


def test_apply_goes_through_order_flow() -> None:
    rules = RuleSet.load(
        {
            "rules": [
                rule(
                    "pack",
                    {"field": "channel", "value": "shop"},
                    [{"set_status": "packed"}, {"notify": "packed"}],
                )
            ]
        }
    )
    order = sample_order(paid=True)
    flow = OrderFlow(order)
    flow.pay()
    flow.mark_ready()
    applied = apply_outcome(rules.evaluate(order, now=NOW), flow)
    assert order.status is OrderStatus.READY_TO_PACK  # no reservation: the guard refuses
    assert "has_confirmed_reservation" in applied.refused[0]
    assert applied.notify == ["packed"]


def test_hold_action() -> None:
    rules = RuleSet.load(EXAMPLE)
    order = sample_order(lines={"TV": (1, "2500.00")}, cod=True)
    flow = OrderFlow(order)
    flow.pay()
    applied = apply_outcome(rules.evaluate(order, now=NOW), flow)
    assert order.status is OrderStatus.ON_HOLD
    assert "cash on delivery over 2000 PLN" in (order.hold_reason or "")
    assert order.priority == 10
    assert applied.changes[0] == "tag +high-priority"


# -- properties -------------------------------------------------------------------------

orders = st.builds(
    lambda total, paid, cod, vip, channel: sample_order(
        lines={"A": (1, str(total))}, paid=paid, cod=cod, vip=vip, channel=channel
    ),
    st.decimals(min_value=1, max_value=5000, places=2),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["shop", "allegro", "amazon"]),
)


@settings(max_examples=150, deadline=None)
@given(orders)
def test_evaluation_is_deterministic_and_survives_a_round_trip(order: Order) -> None:
    rules = RuleSet.load(EXAMPLE)
    again = RuleSet.load(rules.to_dict())
    first = rules.evaluate(order, now=NOW)
    assert first == rules.evaluate(order, now=NOW)
    reloaded = again.evaluate(order, now=NOW)
    assert reloaded.outcome == first.outcome
    assert [str(t) for t in reloaded.trace] == [str(t) for t in first.trace]


def test_request_label_false_keeps_the_order_for_a_person() -> None:
    rules = RuleSet.load(
        {
            "rules": [
                {
                    "id": "big",
                    "when": {"field": "total", "op": ">=", "value": "1 PLN"},
                    "then": [{"request_label": False}],
                }
            ]
        }
    )
    outcome = rules.evaluate(
        sample_order(paid=True), now=datetime(2026, 11, 24, tzinfo=UTC)
    ).outcome
    assert outcome.request_label is False
    with pytest.raises(RuleError, match=r"true .* or false"):
        RuleSet.load(
            {
                "rules": [
                    {
                        "id": "x",
                        "when": {"field": "total", "op": ">=", "value": "1 PLN"},
                        "then": [{"request_label": "yes"}],
                    }
                ]
            }
        )
