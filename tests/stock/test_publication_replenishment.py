from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from ecomflow.stock import (
    PublicationRule,
    Sale,
    StockLedger,
    SupplierTerms,
    abc_xyz,
    open_store,
    publication_plan,
    replenishment,
)


def _ledger() -> StockLedger:
    return StockLedger(open_store("memory://"))


def test_publication_buffer_minimum_and_changes_only() -> None:
    ledger = _ledger()
    ledger.receive("MUG", 10)
    ledger.receive("MUG", 5, warehouse="north")
    ledger.receive("CUP", 3)
    rules = [
        PublicationRule(channel="shop"),
        PublicationRule(channel="allegro", buffer=2, minimum=2, warehouses=["main"]),
    ]
    plan = {(u.channel, u.sku): (u.quantity, u.paused) for u in publication_plan(ledger, rules)}
    assert plan == {
        ("allegro", "CUP"): (0, True),  # 3 − 2 = 1 < minimum 2 → paused
        ("allegro", "MUG"): (8, False),
        ("shop", "CUP"): (3, False),
        ("shop", "MUG"): (15, False),
    }
    last = {key: qty for key, (qty, _) in plan.items()}
    assert publication_plan(ledger, rules, last_published=last) == []
    ledger.reserve("O-1", {"MUG": 4}, warehouse="main")
    changed = publication_plan(ledger, rules, last_published=last)
    assert [(u.channel, u.sku, u.quantity) for u in changed] == [
        ("allegro", "MUG", 4),
        ("shop", "MUG", 11),
    ]


def test_paused_offer_resumes_only_at_resume_level() -> None:
    ledger = _ledger()
    ledger.receive("MUG", 3)
    rule = PublicationRule(channel="allegro", minimum=2, resume_at=5)
    last = {("allegro", "MUG"): 0}
    assert publication_plan(ledger, [rule], last_published=last) == []  # 3 < resume 5
    ledger.receive("MUG", 2)
    (update,) = publication_plan(ledger, [rule], last_published=last)
    assert (update.quantity, update.paused) == (5, False)


def test_restocked_return_is_published_and_write_off_is_not() -> None:
    ledger = _ledger()
    ledger.receive_return("MUG", 2, order_id="O-1")
    rules = [PublicationRule(channel="shop")]
    assert [u.quantity for u in publication_plan(ledger, rules)] == [0]
    ledger.restock("MUG", 1)
    assert [u.quantity for u in publication_plan(ledger, rules)] == [1]
    ledger.write_off("MUG", 1, reason="damaged")
    assert publication_plan(ledger, rules, last_published={("shop", "MUG"): 1}) == []


def test_publication_of_many_skus_is_one_list() -> None:
    ledger = _ledger()
    for i in range(2500):
        ledger.receive(f"SKU-{i:05d}", 1 + i % 7)
    plan = publication_plan(ledger, [PublicationRule(channel="baselinker")])
    assert len(plan) == 2500
    assert plan == sorted(plan, key=lambda u: u.sku)


def test_replenishment_rounds_up_to_moq_and_pack() -> None:
    ledger = _ledger()
    ledger.receive("MUG", 10)
    ledger.receive("CUP", 100)
    today = date(2026, 11, 24)
    sales = [Sale(sku="MUG", day=today - timedelta(days=d), quantity=3) for d in range(1, 31)]
    sales += [Sale(sku="CUP", day=today - timedelta(days=1), quantity=30)]
    terms = {
        "MUG": SupplierTerms(
            supplier="S1", lead_time_days=10, safety_stock=6, min_order_qty=20, pack_size=12
        ),
        "CUP": SupplierTerms(supplier="S2", lead_time_days=5),
        "NEW": SupplierTerms(supplier="S3", lead_time_days=5, safety_stock=2),
    }
    proposals = {
        p.sku: p for p in replenishment(ledger, sales, terms, today=today, on_order={"MUG": 4})
    }
    mug = proposals["MUG"]
    # 3/day × 10 days + 6 safety − 10 available − 4 on order = 22 → MOQ 20 ok → pack 12 → 24
    assert (mug.average_daily_sales, mug.reorder_point, mug.alert, mug.quantity) == (
        Decimal(3),
        36,
        True,
        24,
    )
    assert proposals["CUP"].quantity == 0
    assert not proposals["CUP"].alert
    assert proposals["NEW"].quantity == 2
    assert "order 24 from S1" in mug.explain()


def test_abc_xyz() -> None:
    start = date(2026, 11, 1)
    sales = []
    for d in range(20):
        day = start + timedelta(days=d)
        sales.append(Sale(sku="STEADY", day=day, quantity=5, revenue=Decimal(500)))
        sales.append(Sale(sku="MID", day=day, quantity=1 + d % 2, revenue=Decimal(60)))
        if d % 10 == 0:
            sales.append(Sale(sku="RARE", day=day, quantity=10, revenue=Decimal(40)))
    classes = abc_xyz(sales)
    assert (classes["STEADY"].abc, classes["STEADY"].xyz) == ("A", "X")
    assert classes["MID"].abc == "B"
    assert (classes["RARE"].abc, classes["RARE"].xyz) == ("C", "Z")
    assert abc_xyz([]) == {}
