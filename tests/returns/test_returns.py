from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecomflow import Money
from ecomflow.errors import InvalidTransition
from ecomflow.notify import RecordingNotifier
from ecomflow.orders import Order, OrderFlow, OrderStatus, ShipmentRef
from ecomflow.returns import (
    RMA_EVENTS,
    CorrectionInvoiceRequested,
    LineOutcome,
    RefundRequested,
    Refusal,
    ReturnLine,
    ReturnPolicy,
    ReturnReason,
    Returns,
    Rma,
    RmaFlow,
    RmaNumbering,
    RmaStatus,
    customer_messages,
    plan_refund,
    returns_report,
)
from ecomflow.stock import PublicationRule, StockLedger, open_store, publication_plan
from ecomflow.testing import FrozenClock, sample_order

DELIVERED_AT = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


def delivered_order(lines: dict[str, tuple[int, str]] | None = None) -> Order:
    order = sample_order(paid=True, lines=lines or {"MUG": (2, "50.00"), "CUP": (1, "30.00")})
    order.reservation_id = "r"
    order.shipment = ShipmentRef(carrier="inpost", tracking_number="6001")
    flow = OrderFlow(order, clock=FrozenClock(DELIVERED_AT))
    for event in ("pay", "mark_ready", "pack", "ship", "deliver"):
        flow.send(event)
    return order


def service(tmp_path: Path | None = None) -> Returns:
    store = open_store(f"sqlite:///{tmp_path / 'r.db'}" if tmp_path else "memory://")
    ledger = StockLedger(store)
    return Returns(ledger, RmaNumbering(store), clock=FrozenClock(DELIVERED_AT + timedelta(days=3)))


def an_rma() -> Rma:
    return Rma(
        number="RMA/1",
        order_id="o",
        channel="shop",
        lines=[ReturnLine(sku="MUG", quantity=1)],
        reason=ReturnReason.DAMAGED,
        requested_at=DELIVERED_AT,
    )


# -- RmaFlow ------------------------------------------------------------------------------

PATHS = [
    ["send_back", "receive", "verify", "refund"],
    ["send_back", "receive", "verify", "exchange"],
    ["send_back", "receive", "verify", "reject"],
    ["reject"],
]
LEGAL = {
    RmaStatus.REQUESTED: {"send_back", "reject"},
    RmaStatus.SENT_BACK: {"receive"},
    RmaStatus.RECEIVED: {"verify"},
    RmaStatus.VERIFIED: {"refund", "exchange", "reject"},
    RmaStatus.REFUNDED: set(),
    RmaStatus.EXCHANGED: set(),
    RmaStatus.REJECTED: set(),
}


@pytest.mark.parametrize("path", PATHS, ids=["-".join(p) for p in PATHS])
def test_every_legal_path_and_illegal_event(path: list[str]) -> None:
    rma, order = an_rma(), delivered_order()
    flow = RmaFlow(rma, order=order)
    for event in path:
        state = rma.status
        assert set(flow.allowed_events) == LEGAL[state]
        for illegal in set(RMA_EVENTS) - LEGAL[state]:
            with pytest.raises(InvalidTransition) as info:
                flow.send(illegal)
            assert info.value.state == state.value
        flow.send(event)
    assert [t.event for t in rma.history] == path
    assert [t.event for t in order.history if t.event.startswith("rma.")] == [
        f"rma.{e}" for e in path
    ]
    assert OrderFlow.replay(order.model_copy(deep=True), order.history).state is (
        OrderStatus.DELIVERED
    )


def test_labels() -> None:
    assert RmaStatus.SENT_BACK.label() == "Odesłany"
    assert RmaStatus.REFUNDED.label("en") == "Refunded"


# -- requests and the window ----------------------------------------------------------------


@pytest.mark.parametrize(("days", "ok"), [(13, True), (14, True), (15, False)])
def test_window_boundaries(days: int, ok: bool) -> None:
    result = service().request(
        delivered_order(),
        {"MUG": 1},
        ReturnReason.WRONG_SIZE,
        now=DELIVERED_AT + timedelta(days=days),
    )
    assert isinstance(result, Rma) is ok
    if not ok:
        assert isinstance(result, Refusal)
        assert (result.code, result.days_over) == ("outside_window", 1)


def test_window_per_channel_and_from_shipping_without_delivery() -> None:
    returns = service()
    returns.policy = ReturnPolicy(window_days=14, channel_windows={"shop": 30})
    assert isinstance(
        returns.request(
            delivered_order(), {"MUG": 1}, ReturnReason.OTHER, now=DELIVERED_AT + timedelta(days=25)
        ),
        Rma,
    )
    shipped = delivered_order()
    shipped.history = [t for t in shipped.history if t.target != "delivered"]
    shipped.status = OrderStatus.SHIPPED
    refusal = service().request(
        shipped, {"MUG": 1}, ReturnReason.OTHER, now=DELIVERED_AT + timedelta(days=15)
    )
    assert isinstance(refusal, Refusal)
    assert "shipped 2026-11-10" in refusal.message


def test_refusals_are_results() -> None:
    returns = service()
    order = delivered_order()
    now = DELIVERED_AT + timedelta(days=2)
    assert returns.request(order, {"NOPE": 1}, ReturnReason.OTHER, now=now).code == "not_in_order"  # type: ignore[union-attr]
    assert isinstance(returns.request(order, {"MUG": 2}, ReturnReason.OTHER, now=now), Rma)
    again = returns.request(order, {"MUG": 1}, ReturnReason.OTHER, now=now)
    assert isinstance(again, Refusal)
    assert again.code == "already_returned"
    fresh = sample_order()
    assert service().request(fresh, {"MUG-RED": 1}, ReturnReason.OTHER, now=now).code == (  # type: ignore[union-attr]
        "not_shipped"
    )
    returns.policy = ReturnPolicy(excluded_skus=frozenset({"CUP"}))
    assert returns.request(order, {"CUP": 1}, ReturnReason.OTHER, now=now).code == "excluded"  # type: ignore[union-attr]


def test_repeated_requests_are_idempotent() -> None:
    returns = service()
    order = delivered_order()
    now = DELIVERED_AT + timedelta(days=1)
    first = returns.request(order, {"MUG": 1}, ReturnReason.OTHER, now=now, key="form-77")
    again = returns.request(order, {"MUG": 1}, ReturnReason.OTHER, now=now, key="form-77")
    assert isinstance(first, Rma)
    assert isinstance(again, Rma)
    assert again.number == first.number
    assert len(returns.rmas) == 1


# -- receipt, quarantine, restock, write-off ----------------------------------------------------


def test_receipt_restock_and_write_off_with_publication() -> None:
    returns = service()
    ledger = returns.ledger
    order = delivered_order()
    rma = returns.request(
        order, {"MUG": 2}, ReturnReason.DAMAGED, now=DELIVERED_AT + timedelta(days=1)
    )
    assert isinstance(rma, Rma)
    returns.receive(rma, order)
    returns.receive(rma, order)  # a repeated tracking webhook changes nothing
    assert ledger.level("MUG").quarantined == 2
    assert [u.quantity for u in publication_plan(ledger, [PublicationRule(channel="shop")])] == [0]
    returns.verify(rma, {"MUG": {"restock": 1, "write_off": 1}}, order)
    level = ledger.level("MUG")
    assert (level.available, level.quarantined) == (1, 0)
    (update,) = publication_plan(
        ledger, [PublicationRule(channel="shop")], last_published={("shop", "MUG"): 0}
    )
    assert update.quantity == 1  # the restocked unit is published; the written-off one never
    assert ledger.verify().ok


def test_refund_events_and_order_returned_only_when_everything_came_back() -> None:
    returns = service()
    order = delivered_order()
    order.discount = Money("13", "PLN")
    order.shipping_price = Money("12.99", "PLN")
    order.payment.paid_amount = order.total
    now = DELIVERED_AT + timedelta(days=1)
    first = returns.request(order, {"MUG": 1}, ReturnReason.WRONG_SIZE, now=now)
    assert isinstance(first, Rma)
    returns.receive(first, order)
    returns.verify(first, {"MUG": LineOutcome.RESTOCK}, order)
    amount = returns.refund(first, order)
    assert order.status is OrderStatus.DELIVERED  # partial return
    rest = returns.request(order, {"MUG": 1, "CUP": 1}, ReturnReason.CHANGED_MIND, now=now)
    assert isinstance(rest, Rma)
    returns.receive(rest, order)
    returns.verify(rest, {}, order)
    second = returns.refund(rest, order)
    assert order.status is OrderStatus.RETURNED
    assert amount + second == order.total  # everything, shipping included, to the grosz
    refunds = [e for e in returns.events if isinstance(e, RefundRequested)]
    corrections = [e for e in returns.events if isinstance(e, CorrectionInvoiceRequested)]
    assert [e.amount for e in refunds] == [amount, second]
    assert corrections[0].original_invoice is None  # no document known: matched by order
    assert corrections[0].series == "WWW"


def test_exchange_reserves_the_replacement() -> None:
    returns = service()
    returns.ledger.receive("MUG-L", 3)
    order = delivered_order()
    rma = returns.request(
        order, {"MUG": 1}, ReturnReason.WRONG_SIZE, now=DELIVERED_AT + timedelta(days=1)
    )
    assert isinstance(rma, Rma)
    returns.receive(rma, order)
    returns.verify(rma, {}, order)
    replacement = returns.exchange(rma, order, {"MUG-L": 1})
    assert rma.status is RmaStatus.EXCHANGED
    assert replacement.reservation_id
    assert returns.ledger.level("MUG-L").reserved == 1


def test_each_state_change_messages_the_customer() -> None:
    returns = service()
    order = delivered_order()
    notifier = RecordingNotifier()
    returns.listeners.append(customer_messages(notifier, lambda _: order))
    rma = returns.request(
        order, {"MUG": 1}, ReturnReason.DAMAGED, now=DELIVERED_AT + timedelta(days=1)
    )
    assert isinstance(rma, Rma)
    returns.receive(rma, order)
    returns.verify(rma, {}, order)
    returns.refund(rma, order)
    subjects = [m.subject for m in notifier.sent]
    assert subjects == [
        f"Zwrot {rma.number}: {s}"
        for s in ("Odesłany", "Przyjęty", "Zweryfikowany", "Zwrot środków")
    ]


def test_report() -> None:
    returns = service()
    order = delivered_order()
    rma = returns.request(
        order, {"MUG": 1}, ReturnReason.DAMAGED, now=DELIVERED_AT + timedelta(days=1)
    )
    assert isinstance(rma, Rma)
    returns.receive(rma, order)
    returns.verify(rma, {}, order)
    returns.refund(rma, order)
    report = returns_report(returns.rmas, sold={"MUG": 4})
    assert report.by_reason_per_month == {"2026-11": {"damaged": 1}}
    assert report.rate_per_sku == {"MUG": 0.25}
    assert report.closed_without_agent == 1.0
    assert "<table>" in report._repr_html_()


# -- refunds never exceed what was paid ------------------------------------------------------


@settings(max_examples=120, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 5), st.decimals(min_value=1, max_value=500, places=2)),
        min_size=1,
        max_size=4,
    ),
    st.decimals(min_value=0, max_value=100, places=2),
    st.booleans(),
)
def test_refunds_never_exceed_paid(
    lines: list[tuple[int, Decimal]], discount: Decimal, whole: bool
) -> None:
    order = sample_order(lines={f"S{i}": (q, str(p)) for i, (q, p) in enumerate(lines)})
    order.discount = Money(min(discount, order.subtotal.amount), "PLN")
    order.shipping_price = Money("9.99", "PLN")
    paid = sum((q * p for q, p in lines), Decimal(0)) + Decimal("9.99") - order.discount.amount
    wanted = order.quantities() if whole else {"S0": 1}
    plan = plan_refund(order, wanted, ReturnPolicy())
    assert plan.total.amount <= paid
    if whole:
        assert plan.total.amount == paid
    assert all(a >= Money.zero("PLN") for a in plan.lines.values())


# -- RMA numbers under concurrency -------------------------------------------------------------


def _numbers(url: str, count: int) -> list[str]:
    store = open_store(url)
    numbering = RmaNumbering(store)
    made = [numbering.next(DELIVERED_AT) for _ in range(count)]
    store.close()
    return made


@pytest.mark.slow
def test_numbers_are_unique_across_processes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'seq.db'}"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        batches = pool.starmap(_numbers, [(url, 25)] * 4)
    numbers = [n for batch in batches for n in batch]
    assert len(set(numbers)) == 100
    assert max(numbers) == "RMA/2026/11/000100"


def test_rmas_survive_a_restart(tmp_path: Path) -> None:
    from ecomflow.returns import RmaStore

    url = f"sqlite:///{tmp_path / 'shop.db'}"
    store = open_store(url)
    returns = Returns(StockLedger(store), RmaNumbering(store), store=RmaStore(store))
    order = delivered_order()
    rma = returns.request(
        order, {"MUG": 2}, ReturnReason.DAMAGED, now=DELIVERED_AT + timedelta(days=1), key="form-1"
    )
    assert isinstance(rma, Rma)
    returns.receive(rma, order)
    store.close()
    again_store = open_store(url)
    again = Returns(
        StockLedger(again_store), RmaNumbering(again_store), store=RmaStore(again_store)
    )
    (loaded,) = again.rmas
    assert loaded.status is RmaStatus.RECEIVED
    assert (
        again.request(
            order, {"MUG": 1}, ReturnReason.OTHER, now=DELIVERED_AT + timedelta(days=2)
        ).code
        == "already_returned"
    )  # type: ignore[union-attr]
    assert (
        again.request(
            order,
            {"MUG": 2},
            ReturnReason.DAMAGED,
            now=DELIVERED_AT + timedelta(days=1),
            key="form-1",
        ).number
        == rma.number
    )  # type: ignore[union-attr]
    again_store.close()
