"""Rules: conditions as data, explicit priority, conflict detection, explainable evaluation.

>>> from datetime import UTC, datetime
>>> from ecomflow.testing import sample_order
>>> rules = RuleSet.load({"rules": [{
...     "id": "paid-inpost-under-500", "priority": 10,
...     "when": {"all": [{"field": "payment.paid", "value": True},
...                      {"field": "total", "op": "<", "value": "500 PLN"}]},
...     "then": [{"set_status": "ready_to_pack"}, {"add_tag": "parcel-locker"}]}]})
>>> print(rules.evaluate(sample_order(lines={"A": (1, "612.00")}, paid=True),
...                      now=datetime(2026, 11, 24, tzinfo=UTC)))
Rules for order shop-1001:
  ✗ paid-inpost-under-500: total 612.00 PLN is not < 500 PLN
"""

from ecomflow.rules.apply import EVENT_FOR_STATUS, Applied, apply_outcome
from ecomflow.rules.conditions import (
    FIELDS,
    OPERATORS,
    Comparison,
    Condition,
    Facts,
    Field,
    Truth,
    compile_condition,
    parse_money,
)
from ecomflow.rules.ruleset import ACTIONS, Action, Evaluation, Outcome, Rule, RuleSet, RuleTrace

__all__ = [
    "ACTIONS",
    "EVENT_FOR_STATUS",
    "FIELDS",
    "OPERATORS",
    "Action",
    "Applied",
    "Comparison",
    "Condition",
    "Evaluation",
    "Facts",
    "Field",
    "Outcome",
    "Rule",
    "RuleSet",
    "RuleTrace",
    "Truth",
    "apply_outcome",
    "compile_condition",
    "parse_money",
]
