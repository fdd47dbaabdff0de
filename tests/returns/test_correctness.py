"""Issue 16, items 23–29: the return process against hand-computed answers and properties.

Every expected amount here is worked out by hand (or, in the properties, from
the basket with plain ``Decimal`` arithmetic), never by the code under test.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecomflow import Money
from ecomflow.errors import GuardFailed, IdempotencyConflict, InvalidTransition
from ecomflow.orders import Order, OrderFlow, ShipmentRef
from ecomflow.returns import (
    CorrectionInvoiceRequested,
    LineOutcome,
    RefundRequested,
    Refusal,
    ReturnPolicy,
    ReturnReason,
    Returns,
    Rma,
    RmaNumbering,
    RmaStatus,
    RmaStore,
)
from ecomflow.returns.store import MIGRATIONS
from ecomflow.stock import StockLedger, open_store
from ecomflow.storage import PostgresStore, Store
from ecomflow.testing import FrozenClock, sample_order

DELIVERED_AT = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
SOON = DELIVERED_AT + timedelta(days=1)
PLN = "PLN"


def delivered(
    lines: dict[str, tuple[int, str]],
    *,
    shipping: str | None = None,
    discount: str | None = None,
    at: datetime = DELIVERED_AT,
) -> Order:
    """A paid, delivered order (paid in full, whatever the basket)."""
    order = sample_order(lines=lines)
    order.shipping_price = Money(shipping, PLN) if shipping is not None else None
    order.discount = Money(discount, PLN) if discount is not None else None
    order.payment.paid_amount = order.total
    order.reservation_id = "r"
    order.shipment = ShipmentRef(carrier="inpost", tracking_number="6001")
    flow = OrderFlow(order, clock=FrozenClock(at))
    for event in ("pay", "mark_ready", "pack", "ship", "deliver"):
        flow.send(event)
    return order


_OPENED: list[Store] = []


@pytest.fixture(autouse=True)
def _close_stores() -> Iterator[None]:
    yield
    while _OPENED:
        _OPENED.pop().close()


def opened(url: str) -> Store:
    """A store closed after the test."""
    store = open_store(url)
    _OPENED.append(store)
    return store


def service(url: str = "memory://", policy: ReturnPolicy | None = None) -> Returns:
    store = opened(url)
    return Returns(
        StockLedger(store),
        RmaNumbering(store),
        policy=policy or ReturnPolicy(),
        clock=FrozenClock(SOON),
    )


def requested(returns: Returns, order: Order, lines: dict[str, int], **kw: object) -> Rma:
    rma = returns.request(order, lines, ReturnReason.CHANGED_MIND, now=SOON, **kw)  # type: ignore[arg-type]
    assert isinstance(rma, Rma), rma
    return rma


def verified(returns: Returns, order: Order, lines: dict[str, int]) -> Rma:
    rma = requested(returns, order, lines)
    returns.receive(rma, order)
    returns.verify(rma, {}, order)
    return rma


# -- 23: a refused refund or exchange changes nothing -----------------------------------------


def test_a_refused_refund_emits_nothing() -> None:
    returns = service()
    order = delivered({"MUG": (2, "50.00")})
    rma = requested(returns, order, {"MUG": 1})
    with pytest.raises(InvalidTransition):
        returns.refund(rma, order)  # still "requested": nothing came back yet
    assert returns.events == []
    assert rma.refund_total is None
    returns.receive(rma, order)
    returns.verify(rma, {}, order)
    assert returns.refund(rma, order) == Money("50.00", PLN)
    assert [type(e) for e in returns.events] == [RefundRequested, CorrectionInvoiceRequested]
    with pytest.raises(InvalidTransition):
        returns.refund(rma, order)  # already refunded: the money goes back once
    assert len(returns.events) == 2


def test_a_refused_exchange_reserves_nothing() -> None:
    returns = service()
    returns.ledger.receive("MUG-L", 3)
    order = delivered({"MUG": (1, "50.00")})
    rma = requested(returns, order, {"MUG": 1})
    with pytest.raises(InvalidTransition):
        returns.exchange(rma, order, {"MUG-L": 1})
    assert returns.ledger.level("MUG-L").reserved == 0
    assert rma.status is RmaStatus.REQUESTED
    returns.receive(rma, order)
    returns.verify(rma, {}, order)
    replacement = returns.exchange(rma, order, {"MUG-L": 1})
    assert returns.ledger.level("MUG-L").reserved == 1
    with pytest.raises(InvalidTransition):
        returns.exchange(rma, order, {"MUG-L": 1})
    assert returns.ledger.level("MUG-L").reserved == 1
    assert replacement.reservation_id


# -- 24: shipping once, never more than was paid -------------------------------------------------


@pytest.mark.parametrize("first", ["one", "two"])
def test_two_open_partial_returns_refund_shipping_once(first: str) -> None:
    # 3 × 100.00 + 15.00 shipping = 315.00 paid; RMAs for 1 and 2 units, both open.
    returns = service()
    order = delivered({"MUG": (3, "100.00")}, shipping="15.00")
    one = requested(returns, order, {"MUG": 1})
    two = requested(returns, order, {"MUG": 2})
    for rma in (one, two):
        returns.receive(rma, order)
        returns.verify(rma, {}, order)
    if first == "one":
        # the second refund completes the withdrawal: it carries the shipping
        assert returns.refund(one, order) == Money("100.00", PLN)
        assert returns.refund(two, order) == Money("215.00", PLN)
    else:
        assert returns.refund(two, order) == Money("200.00", PLN)
        assert returns.refund(one, order) == Money("115.00", PLN)
    assert one.refund_total is not None and two.refund_total is not None
    assert one.refund_total + two.refund_total == Money("315.00", PLN)


def test_overlapping_open_returns_do_not_under_refund() -> None:
    # 3 × 33.33 + 0.01 discount... simpler: 100.00 for 3 units → 33.34 + 33.33 + 33.33
    returns = service()
    order = delivered({"MUG": (3, "40.00")}, discount="20.00")  # 120 − 20 = 100.00 paid
    one = requested(returns, order, {"MUG": 1})
    two = requested(returns, order, {"MUG": 2})
    for rma in (one, two):
        returns.receive(rma, order)
        returns.verify(rma, {}, order)
    total = returns.refund(one, order) + returns.refund(two, order)
    assert total == Money("100.00", PLN)


BASKET = st.lists(
    st.tuples(st.integers(1, 4), st.decimals(min_value="0.01", max_value="300", places=2)),
    min_size=1,
    max_size=3,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    basket=BASKET,
    shipping=st.sampled_from([None, "0.00", "9.99", "15.00", "24.90"]),
    discount_share=st.decimals(min_value=0, max_value=1, places=3),
    data=st.data(),
)
def test_refunds_in_any_order_never_exceed_what_was_paid(
    basket: list[tuple[int, Decimal]],
    shipping: str | None,
    discount_share: Decimal,
    data: st.DataObject,
) -> None:
    lines = {f"S{i}": (q, str(p)) for i, (q, p) in enumerate(basket)}
    goods = sum((q * p for q, p in basket), Decimal(0))
    ship = Decimal(shipping or 0)
    # a discount anywhere between nothing and the whole order (a free order)
    discount = ((goods + ship) * discount_share).quantize(Decimal("0.01"))
    paid = goods + ship - discount  # the independent truth: what the customer paid
    order = delivered(lines, shipping=shipping, discount=str(discount) if discount else None)

    # every unit comes back, split into random RMAs; requests, receipts and refunds of
    # different RMAs interleave at random, and some RMAs end in an exchange instead
    units = [sku for sku, (q, _) in lines.items() for _ in range(q)]
    cuts = data.draw(st.lists(st.integers(1, len(units)), max_size=3, unique=True))
    cuts = sorted(set(cuts) | {len(units)})
    groups, start = [], 0
    for cut in cuts:
        group: dict[str, int] = {}
        for sku in units[start:cut]:
            group[sku] = group.get(sku, 0) + 1
        groups.append(group)
        start = cut
    exchanged = data.draw(st.lists(st.booleans(), min_size=len(groups), max_size=len(groups)))
    steps = data.draw(st.permutations([(i, step) for i in range(len(groups)) for step in range(3)]))
    returns = service()
    returns.ledger.receive("SPARE", 100)
    rmas: dict[int, Rma] = {}
    done: dict[int, int] = {}
    refunded = Decimal(0)
    for index, _ in steps:  # the n-th event of an RMA is its n-th step, whenever it comes
        step = done.get(index, 0)
        done[index] = step + 1
        if step == 0:
            rmas[index] = requested(returns, order, groups[index])
        elif step == 1:
            returns.receive(rmas[index], order)
            returns.verify(rmas[index], {}, order)
        elif exchanged[index]:
            returns.exchange(rmas[index], order, {"SPARE": 1})
        else:
            amount = returns.refund(rmas[index], order)
            assert amount.amount >= 0
            assert all(
                line.refund is not None and line.refund.amount >= 0 for line in rmas[index].lines
            )
            refunded += amount.amount
        assert refunded <= paid
    if not any(exchanged):
        assert refunded == paid  # the whole order came back: exactly what was paid


# -- 25: no negative refunds ------------------------------------------------------------------


def test_a_free_shipping_coupon_never_makes_a_refund_negative() -> None:
    # 2 × 5.00 + 15.00 shipping − 15.00 coupon = 10.00 paid. The coupon is spread over
    # what it discounted in proportion to the prices: 10.00 of goods carry 6.00 of it,
    # 15.00 of shipping carry 9.00. One mug paid (10.00 − 6.00) / 2 = 2.00; the shipping
    # paid 15.00 − 9.00 = 6.00, refunded with the last unit.
    returns = service()
    order = delivered({"MUG": (2, "5.00")}, shipping="15.00", discount="15.00")
    first = verified(returns, order, {"MUG": 1})
    assert returns.refund(first, order) == Money("2.00", PLN)
    second = verified(returns, order, {"MUG": 1})
    assert returns.refund(second, order) == Money("8.00", PLN)
    assert second.shipping_refund == Money("6.00", PLN)


# -- 26: one RMA per request key, across restarts and workers -------------------------------------


def test_a_retried_request_after_a_restart_finds_the_first_rma(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    order = delivered({"MUG": (2, "50.00")})
    first = requested(service(url), order, {"MUG": 1}, key="form-77")
    again = requested(service(url), order, {"MUG": 1}, key="form-77")  # a new process
    assert again.number == first.number
    assert [r.number for r in RmaStore(opened(url)).all()] == [first.number]


@pytest.mark.parametrize("workers", [4])
def test_racing_retries_with_one_key_make_one_rma(shared_url: str, workers: int) -> None:
    order = delivered({"MUG": (2, "50.00")})
    services = [service(shared_url) for _ in range(workers)]  # one store each: "processes"
    start = threading.Barrier(workers)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def worker(returns: Returns) -> None:
        start.wait()
        try:
            numbers.append(requested(returns, order, {"MUG": 1}, key="form-race").number)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(s,)) for s in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(numbers)) == 1
    stored = RmaStore(opened(shared_url)).all()
    assert [r.number for r in stored] == numbers[:1]


# -- 27: quality control only moves this RMA's units, after receipt ------------------------------


def test_verify_before_receipt_moves_no_stock() -> None:
    returns = service()
    order = delivered({"MUG": (2, "50.00")})
    received = requested(returns, order, {"MUG": 1})
    returns.receive(received, order)  # one unit in quarantine, waiting for QC
    early = requested(returns, order, {"MUG": 1})  # its parcel has not arrived
    with pytest.raises(InvalidTransition):
        returns.verify(early, {"MUG": LineOutcome.RESTOCK}, order)
    level = returns.ledger.level("MUG")
    assert (level.available, level.quarantined) == (0, 1)
    assert early.lines[0].restocked == 0


# -- 28: the window counts the shop's calendar days ------------------------------------------------

# 00:30 in Warsaw on Tuesday 10 November 2026 is 23:30 UTC on 9 November.
PICKED_UP_AT_NIGHT = datetime(2026, 11, 9, 23, 30, tzinfo=UTC)
# 12:00 in Warsaw on 10 November; 00:30 in Warsaw on 25 November is 23:30 UTC on the 24th.
PICKED_UP_AT_NOON = datetime(2026, 11, 10, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delivered_at", "now", "ok"),
    [
        (PICKED_UP_AT_NIGHT, datetime(2026, 11, 24, 19, 0, tzinfo=UTC), True),  # day 14 in Warsaw
        (PICKED_UP_AT_NIGHT, datetime(2026, 11, 24, 23, 10, tzinfo=UTC), False),  # 25 Nov there
        (PICKED_UP_AT_NOON, datetime(2026, 11, 24, 23, 30, tzinfo=UTC), False),  # 25 Nov there
        (PICKED_UP_AT_NOON, datetime(2026, 11, 24, 22, 59, tzinfo=UTC), True),  # 23:59 on the 24th
    ],
)
def test_the_window_counts_days_in_the_shops_time_zone(
    delivered_at: datetime, now: datetime, ok: bool
) -> None:
    order = delivered({"MUG": (1, "50.00")}, at=delivered_at)
    result = service().request(order, {"MUG": 1}, ReturnReason.OTHER, now=now)
    assert isinstance(result, Rma) is ok, result
    if not ok:
        assert isinstance(result, Refusal)
        assert (result.code, result.days_over) == ("outside_window", 1)
        assert "delivered 2026-11-10" in result.message


def test_the_window_zone_comes_from_the_policy() -> None:
    order = delivered({"MUG": (1, "50.00")}, at=PICKED_UP_AT_NIGHT)
    in_utc = service(policy=ReturnPolicy(timezone="UTC"))
    refusal = in_utc.request(
        order, {"MUG": 1}, ReturnReason.OTHER, now=datetime(2026, 11, 24, 19, 0, tzinfo=UTC)
    )
    assert isinstance(refusal, Refusal)  # in UTC the parcel came on the 9th


# -- 29: what is stored and emitted is true ----------------------------------------------------------


def test_a_rejection_is_stored_as_manual() -> None:
    returns = service()
    order = delivered({"MUG": (1, "50.00")})
    rma = requested(returns, order, {"MUG": 1})
    returns.reject(rma, "worn, with tags removed", order)
    (stored,) = RmaStore(returns.ledger.store).all()
    assert stored.status is RmaStatus.REJECTED
    assert stored.manual is True


def test_the_correction_references_a_real_document_or_none() -> None:
    returns = service()
    order = delivered({"MUG": (2, "50.00")})
    returns.refund(verified(returns, order, {"MUG": 1}), order)
    returns.refund(verified(returns, order, {"MUG": 1}), order, invoice_number="FV/2026/11/0042")
    corrections = [e for e in returns.events if isinstance(e, CorrectionInvoiceRequested)]
    assert [c.original_invoice for c in corrections] == [None, "FV/2026/11/0042"]


def test_no_shipping_refund_is_refused_for_a_full_withdrawal() -> None:
    returns = service(policy=ReturnPolicy(refund_shipping=False))
    order = delivered({"MUG": (2, "50.00")}, shipping="15.00")
    assert returns.refund(verified(returns, order, {"MUG": 1}), order) == Money("50.00", PLN)
    last = verified(returns, order, {"MUG": 1})
    with pytest.raises(GuardFailed) as refused:
        returns.refund(last, order)
    assert "art. 32" in str(refused.value)
    assert last.status is RmaStatus.VERIFIED
    assert len(returns.events) == 2  # only the first refund's


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_key_migration_keeps_the_first_rma_of_a_duplicated_key(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A store written before the fix may hold two RMAs of one key: the first keeps it."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        base: str = request.getfixturevalue("postgres_url")
        url = f"{base}{'&' if '?' in base else '?'}schema=ecomflow_mig_{uuid.uuid4().hex[:10]}"
    store = opened(url)
    store.ensure_schema("rmas", [MIGRATIONS[store.dialect][0]])  # the first version only
    order = delivered({"MUG": (2, "50.00")})
    twins = []
    for number in ("RMA/2026/11/000007", "RMA/2026/11/000003"):
        rma = Rma(
            number=number,
            order_id=order.id,
            channel="shop",
            lines=[{"sku": "MUG", "quantity": 1}],  # type: ignore[list-item]
            reason=ReturnReason.OTHER,
            requested_at=SOON,
            key="form-dup",
        )
        twins.append(rma)
    with store.transaction() as tx:
        for rma in twins:
            tx.execute(
                "INSERT INTO ef_rmas (number, order_id, data) VALUES (?, ?, ?)",
                (rma.number, rma.order_id, rma.model_dump_json()),
            )
    rmas = RmaStore(store)  # migrates to version 2
    assert store.schema_versions()["rmas"] == 2
    found = rmas.by_key("form-dup")
    assert found is not None
    assert found.number == "RMA/2026/11/000003"
    assert [r.status for r in rmas.in_status()] == [RmaStatus.REQUESTED] * 2
    assert rmas.insert(twins[0].model_copy(update={"number": "RMA/2026/11/000009"})) is False
    if isinstance(store, PostgresStore):
        store.drop_schema()


def test_only_the_cheapest_standard_delivery_is_owed() -> None:
    # 2 × 50.00 + 30.00 express delivery; the shop's cheapest standard delivery is 15.00:
    # a full withdrawal refunds 100.00 + 15.00 (art. 33 ustawy o prawach konsumenta).
    returns = service(policy=ReturnPolicy(standard_delivery=Money("15.00", PLN)))
    order = delivered({"MUG": (2, "50.00")}, shipping="30.00")
    assert returns.refund(verified(returns, order, {"MUG": 2}), order) == Money("115.00", PLN)


def test_a_key_reused_for_another_return_is_a_conflict() -> None:
    returns = service()
    order = delivered({"MUG": (2, "50.00")})
    requested(returns, order, {"MUG": 1}, key="form-9")
    with pytest.raises(IdempotencyConflict):
        returns.request(order, {"MUG": 2}, ReturnReason.OTHER, now=SOON, key="form-9")
    assert len(returns.rmas) == 1
