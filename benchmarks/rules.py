"""Rule evaluations per second: a 50-rule set on 10,000 varied orders, against plain Python.

The same 50 decisions are also written by hand in plain Python and measured
in the same run, on the same orders, so the figure is read against a
baseline from the same machine at the same moment (this machine is shared;
absolute figures move with its load, the ratio much less). Before timing,
both are checked to reach the same decisions (matched rules, tags, priority)
for every order.

Target: ≥ 10,000 evaluations/s with 50 rules (full trace and outcome).
Run: ``python benchmarks/rules.py``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from ecomflow.orders import Order
from ecomflow.rules import RuleSet
from ecomflow.testing import sample_order

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
RULES = 50
TARGET = 10_000
ROUNDS = 5

Decision = tuple[tuple[str, ...], tuple[str, ...], int | None]


def fifty_rules() -> RuleSet:
    rules = []
    for i in range(RULES):
        rules.append(
            {
                "id": f"rule-{i:02d}",
                "priority": i,
                "when": {
                    "all": [
                        {"field": "payment.paid", "value": i % 2 == 0},
                        {"field": "total", "op": "<", "value": f"{100 + i * 20} PLN"},
                        {
                            "any": [
                                {"field": "channel", "op": "in", "value": ["allegro", "shop"]},
                                {"field": "lines.sku", "op": "matches", "value": f"^SKU-{i % 10}"},
                            ]
                        },
                    ]
                },
                "then": [{"add_tag": f"t{i % 7}"}, {"set_priority": i}],
            }
        )
    return RuleSet.load({"rules": rules, "on_conflict": "first_listed"})


def orders(count: int) -> list[Order]:
    rng = random.Random(3)
    return [
        sample_order(
            str(i),
            channel=rng.choice(["allegro", "shop", "amazon"]),
            paid=rng.random() < 0.7,
            currency="EUR" if rng.random() < 0.05 else "PLN",
            lines={f"SKU-{rng.randint(0, 99)}": (rng.randint(1, 3), f"{rng.randint(5, 900)}.99")},
        )
        for i in range(count)
    ]


# -- the same decisions, by hand ------------------------------------------------------------

LIMITS = [Decimal(100 + i * 20) for i in range(RULES)]
PREFIXES = [f"SKU-{i % 10}" for i in range(RULES)]
BY_PRIORITY = sorted(range(RULES), reverse=True)  # a higher priority runs first


def hand_coded(order: Order) -> Decision:
    """The 50 rules as a programmer would write them: ids, tags and priority."""
    paid = order.is_paid
    total = order.total
    amount = total.amount if total.currency == "PLN" else None  # EUR: unknown, no rule fires
    channel_ok = order.channel.casefold() in ("allegro", "shop")
    skus = [line.sku for line in order.lines]
    matched: list[str] = []
    tags: dict[str, None] = {}
    priority: int | None = None
    for i in BY_PRIORITY:
        if paid is not (i % 2 == 0) or amount is None or not amount < LIMITS[i]:
            continue
        if not (channel_ok or any(sku.startswith(PREFIXES[i]) for sku in skus)):
            continue
        matched.append(f"rule-{i:02d}")
        tags[f"t{i % 7}"] = None
        if priority is None:
            priority = i
    return tuple(matched), tuple(tags), priority


def engine(rules: RuleSet) -> Callable[[Order], Decision]:
    def decide(order: Order) -> Decision:
        evaluation = rules.evaluate(order, now=NOW)
        outcome = evaluation.outcome
        return tuple(evaluation.matched), outcome.add_tags, outcome.priority

    return decide


def rate(decide: Callable[[Order], Decision], work: list[Order]) -> float:
    """Best of ``ROUNDS`` runs over ``work``, in orders per second."""
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for order in work:
            decide(order)
        best = min(best, time.perf_counter() - started)
    return len(work) / best


def main() -> None:
    rules = fifty_rules()
    work = orders(10_000)
    by_engine, by_hand = engine(rules), hand_coded
    differing = [o.id for o in work if by_engine(o) != by_hand(o)]
    assert not differing, f"the engine and the hand-coded rules disagree on {differing[:5]}"
    matches = sum(len(by_hand(o)[0]) for o in work)
    engine_rate = hand_rate = 0.0
    for _ in range(2):  # interleaved, so both see the same machine load
        engine_rate = max(engine_rate, rate(by_engine, work))
        hand_rate = max(hand_rate, rate(by_hand, work))
    verdict = "meets" if engine_rate >= TARGET else "BELOW"
    print(f"{len(work)} orders × {len(rules)} rules, {matches} matches, same decisions by both")
    print(
        f"  rule engine (trace + outcome): {engine_rate:>9,.0f} evaluations/s "
        f"({engine_rate * len(rules):,.0f} rule checks/s) — {verdict} the {TARGET:,}/s target"
    )
    print(f"  hand-coded plain Python:       {hand_rate:>9,.0f} evaluations/s")
    print(f"  ratio engine / hand-coded:     {engine_rate / hand_rate:>9.2f}")


if __name__ == "__main__":
    main()
