"""Rule evaluations per second: a 50-rule set on 10,000 varied orders.

Run: ``python benchmarks/rules.py``.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

from ecomflow.rules import RuleSet
from ecomflow.testing import sample_order

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


def fifty_rules() -> RuleSet:
    rules = []
    for i in range(50):
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


def orders(count: int) -> list:  # type: ignore[type-arg]
    rng = random.Random(3)
    return [
        sample_order(
            str(i),
            channel=rng.choice(["allegro", "shop", "amazon"]),
            paid=rng.random() < 0.7,
            lines={f"SKU-{rng.randint(0, 99)}": (rng.randint(1, 3), f"{rng.randint(5, 900)}.99")},
        )
        for i in range(count)
    ]


def main() -> None:
    rules = fifty_rules()
    work = orders(10_000)
    started = time.perf_counter()
    matched = sum(len(rules.evaluate(order, now=NOW).matched) for order in work)
    elapsed = time.perf_counter() - started
    print(
        f"{len(work)} orders × {len(rules)} rules in {elapsed:.2f}s: "
        f"{len(work) / elapsed:,.0f} evaluations/s "
        f"({len(work) * len(rules) / elapsed:,.0f} rule checks/s, {matched} matches)"
    )


if __name__ == "__main__":
    main()
