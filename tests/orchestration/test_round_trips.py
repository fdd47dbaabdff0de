"""The pipeline's database work per order stays small (a regression guard, not a timing).

A paid order from intake to shipped — reservation, plan, label, confirmation,
tracking and status written back, two messages — took 19.9 transactions and 85
statements (with BEGIN/COMMIT and savepoints) here before intake became one
transaction and the dispatcher read, renewed, noted and finished in one per
effect: 8.2 and 59 after. The bounds are generous, to catch a slide back.
"""

from __future__ import annotations

from ecomflow.orders import OrderStatus

from .conftest import Shop

ORDERS = 20


def test_transactions_and_statements_per_shipped_order(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    for number in range(ORDERS):
        shop.order(str(1000 + number), paid=True)
    store = shop.orchestrator.repository.store
    before = store.stats.snapshot()
    for _ in range(5):
        shop.orchestrator.sync()
        while shop.orchestrator.dispatch().handled:
            pass
        shop.clock.advance(seconds=2)
    spent = store.stats - before
    assert all(shop.get(str(1000 + n)).status is OrderStatus.SHIPPED for n in range(ORDERS))
    assert spent.transactions / ORDERS <= 12, spent
    assert spent.with_control / ORDERS <= 70, spent
