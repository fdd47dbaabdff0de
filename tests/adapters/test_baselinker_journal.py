"""BaseLinker changes after intake (issue 15 item 1): the journal, and the fallback without it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ecomflow.adapters.baselinker import (
    AsyncBaseLinkerClient,
    BaseLinkerClient,
    BaseLinkerSettings,
    BLLog,
    FetchCursor,
    to_reread,
)
from ecomflow.adapters.baselinker.journal import WANTED_TYPES
from ecomflow.adapters.protocols import StatusChange
from ecomflow.http import RateLimiter, RetryPolicy
from ecomflow.orders import OrderStatus
from ecomflow.testing import FakeBaseLinker, FrozenClock

TOKEN = "bl-token-7f3a9c"
FAST = RetryPolicy(attempts=3, jitter=0, base=0.01, sleep=lambda s: None)
START = 1_795_510_800


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.fromtimestamp(START, tz=UTC) + timedelta(hours=1))


@pytest.fixture
def fake(clock: FrozenClock) -> Iterator[FakeBaseLinker]:
    with FakeBaseLinker(token=TOKEN, now=clock) as server:
        yield server


def client_for(fake: FakeBaseLinker, clock: FrozenClock, **kw: Any) -> BaseLinkerClient:
    return BaseLinkerClient(
        BaseLinkerSettings(token=TOKEN, url=fake.url, **kw),
        retry=FAST,
        limiter=RateLimiter(100_000, 1, burst=1000),
        clock=clock,
    )


def seed(fake: FakeBaseLinker, count: int, **fields: Any) -> list[int]:
    base = max((int(o["date_confirmed"]) for o in fake.orders.values()), default=START) + 1
    return [
        fake.add_order(date_confirmed=base + i, date_add=base, payment_done="0", **fields)
        for i in range(count)
    ]


def by_id(batch: Any) -> dict[int, Any]:
    ids = [o.channel_order_id for o in batch.orders]
    assert len(ids) == len(set(ids)), "an order came back twice in one batch"
    return {int(o.channel_order_id): o for o in batch.orders}


def test_every_kind_of_change_comes_back_once_with_its_newest_state(
    fake: FakeBaseLinker, clock: FrozenClock
) -> None:
    client = client_for(fake, clock)
    paid, cancelled, moved, edited, noted, untouched = seed(fake, 6)
    first = client.fetch_orders(None)
    assert not any(o.is_paid for o in first.orders)
    clock.advance(minutes=5)
    fake.pay(paid)
    fake.cancel(cancelled)
    fake.edit(moved, delivery_address="ul. Nowa 5", delivery_city="Gdańsk")
    line = dict(fake.orders[edited]["products"][0], quantity="3")
    fake.set_products(edited, [line])
    fake.edit(noted, admin_comments="VIP")
    fake.edit(noted, user_comments="Prosze szybko")  # two events, one read
    new = seed(fake, 1)[0]
    fake.pay(new)  # paid right after confirmation: taken in once, already paid
    fake.reset_counters()
    again = by_id(client.fetch_orders(first.cursor))
    assert set(again) == {paid, cancelled, moved, edited, noted, new}
    assert untouched not in again
    assert again[paid].is_paid and again[new].is_paid
    assert again[cancelled].status is OrderStatus.CANCELLED
    address = again[moved].delivery_address
    assert address is not None and address.city == "Gdańsk"
    assert again[edited].lines[0].quantity == 3
    changed_at = again[paid].updated_at
    assert changed_at is not None and changed_at == clock()
    assert fake.calls["getJournalList"] == 1
    # one page of new orders; the five changed orders are among the newest seven, so one
    # range read (id_from) replaces five single reads
    assert fake.calls["getOrders"] == 1 + 1
    assert client.fetch_orders(client.fetch_orders(first.cursor).cursor).orders == []


def test_ecomflow_s_own_status_writes_are_not_read_back(
    fake: FakeBaseLinker, clock: FrozenClock
) -> None:
    client = client_for(fake, clock)
    ids = seed(fake, 4)
    first = client.fetch_orders(None)
    orders = {int(o.channel_order_id): o for o in first.orders}
    client.write_status(orders[ids[0]], OrderStatus.SHIPPED)
    client.write_statuses([StatusChange(orders[i], OrderStatus.PACKED) for i in ids[1:3]])
    fake.cancel(ids[3])  # someone else's change is read
    fake.reset_counters()
    again = client.fetch_orders(first.cursor)
    assert [int(o.channel_order_id) for o in again.orders] == [ids[3]]
    assert fake.calls["getOrders"] == 2


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_workers_sharing_notes_skip_each_other_s_echoes(
    fake: FakeBaseLinker,
    clock: FrozenClock,
    backend: str,
    tmp_path: Any,
    request: pytest.FixtureRequest,
) -> None:
    """Worker A writes the statuses, worker B reads the journal: no read of A's echoes.

    Without shared notes B would read every order A wrote (one getOrders each).
    """
    from ecomflow.orchestration.notes import StoreNotes
    from ecomflow.storage import open_store

    from ..stock.conftest import postgres_schema_url

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'notes.db'}"
    else:
        url = postgres_schema_url(request.getfixturevalue("postgres_url"))
    store_a, store_b = open_store(url), open_store(url)  # two processes' connections
    worker_a, worker_b = client_for(fake, clock), client_for(fake, clock)
    worker_a.keep_notes_in(StoreNotes(store_a, "channels:shop", clock=clock))
    worker_b.keep_notes_in(StoreNotes(store_b, "channels:shop", clock=clock))
    ids = seed(fake, 5)
    first = worker_b.fetch_orders(None)
    orders = {int(o.channel_order_id): o for o in first.orders}
    worker_a.write_status(orders[ids[0]], OrderStatus.SHIPPED)
    worker_a.write_statuses([StatusChange(orders[i], OrderStatus.PACKED) for i in ids[1:4]])
    fake.cancel(ids[4])  # a person's change is still read
    fake.reset_counters()
    again = worker_b.fetch_orders(first.cursor)
    assert [int(o.channel_order_id) for o in again.orders] == [ids[4]]
    assert fake.calls["getOrders"] == 2
    store_a.close()
    store_b.close()


def test_split_and_merge_read_the_other_order_too(
    fake: FakeBaseLinker, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_for(fake, clock)
    original, target, merged = seed(fake, 3)
    first = client.fetch_orders(None)
    # a split makes a new order with the original's (old) confirmation date: paging misses it
    split_off = fake.add_order(
        date_confirmed=fake.orders[original]["date_confirmed"], date_add=START, payment_done="0"
    )
    fake.log(original, 6, split_off)
    del fake.orders[merged]  # merged into ``target``
    fake.log(target, 5, merged)
    with caplog.at_level(logging.INFO, "ecomflow.adapters.baselinker"):
        again = by_id(client.fetch_orders(first.cursor))
    assert set(again) == {original, split_off, target}
    assert f"order {merged} changed (journal)" in caplog.text


def test_unknown_event_types_are_read_again_and_ignored_types_are_not(
    fake: FakeBaseLinker, clock: FrozenClock
) -> None:
    client = client_for(fake, clock)
    newer, invoiced = seed(fake, 2)
    first = client.fetch_orders(None)
    fake.log(newer, 42)  # a type newer than the documented 1–21
    fake.log(invoiced, 7)  # invoice issued: no order data changes
    assert set(by_id(client.fetch_orders(first.cursor))) == {newer}


def test_many_changes_among_the_newest_orders_are_read_as_a_range(
    fake: FakeBaseLinker, clock: FrozenClock
) -> None:
    client = client_for(fake, clock)
    ids = seed(fake, 1000)
    first = client.fetch_orders(None)
    changed = ids[:3] + ids[850::5]  # 3 old ones, 30 among the newest 150
    for order_id in changed:
        fake.pay(order_id)
    fake.reset_counters()
    again = by_id(client.fetch_orders(first.cursor))
    assert set(again) == set(changed) and all(o.is_paid for o in again.values())
    # 1 page of new orders + 3 single reads + a range of 150 orders (2 pages) — not 33 calls
    assert fake.calls["getOrders"] == 1 + 3 + 2


def test_journal_off_rereads_recent_orders_on_schedule(
    fake: FakeBaseLinker, clock: FrozenClock
) -> None:
    client = client_for(fake, clock, journal="off", reread_every_minutes=30, reread_days=2)
    ids = seed(fake, 3)
    old = fake.add_order(date_confirmed=START - 3 * 86_400, date_add=START, payment_done="0")
    first = client.fetch_orders(None)
    assert len(first.orders) == 4
    fake.pay(ids[0])
    fake.pay(old)  # older than reread_days: not re-read
    soon = client.fetch_orders(first.cursor)
    assert soon.orders == []  # not due yet
    clock.advance(minutes=31)
    later = client.fetch_orders(soon.cursor)
    assert [int(o.channel_order_id) for o in later.orders] == [ids[0]]  # unchanged ones left out
    assert later.orders[0].is_paid
    assert fake.calls["getJournalList"] == 0
    assert client.fetch_orders(later.cursor).orders == []


def test_auto_falls_back_until_the_journal_answers_then_uses_it(clock: FrozenClock) -> None:
    with FakeBaseLinker(token=TOKEN, now=clock, journal=False) as fake:
        client = client_for(fake, clock, reread_every_minutes=15)
        ids = seed(fake, 2)
        first = client.fetch_orders(None)
        assert FetchCursor.decode(first.cursor).log_id is None
        clock.advance(minutes=16)
        fake.pay(ids[0])
        second = client.fetch_orders(first.cursor)
        assert [int(o.channel_order_id) for o in second.orders] == [ids[0]]
        fake.journal_enabled = True  # Base support switched it on
        fake.cancel(ids[1])
        third = by_id(client.fetch_orders(second.cursor))
        # the journal's first answer replays its 3 days: the payment is read once more
        assert set(third) == {ids[0], ids[1]} and third[ids[1]].status is OrderStatus.CANCELLED
        third_cursor = client.fetch_orders(second.cursor).cursor
        assert FetchCursor.decode(third_cursor).log_id == len(fake.journal)
        clock.advance(minutes=60)
        fake.reset_counters()
        fourth = client.fetch_orders(third_cursor)
        assert fourth.orders == [] and fake.calls["getOrders"] == 1  # no re-read any more


def test_a_journal_gap_longer_than_its_three_days_is_covered_by_a_reread(
    fake: FakeBaseLinker, clock: FrozenClock
) -> None:
    client = client_for(fake, clock, journal="on")
    ids = seed(fake, 2)
    first = client.fetch_orders(None)
    clock.advance(hours=1)
    fake.pay(ids[1])
    clock.advance(days=4)  # the payment event has left the journal
    again = by_id(client.fetch_orders(first.cursor))
    assert set(again) == {ids[1]} and again[ids[1]].is_paid


def test_the_journal_is_read_to_its_end_and_filtered_by_type(
    fake: FakeBaseLinker, clock: FrozenClock
) -> None:
    client = client_for(fake, clock)
    ids = seed(fake, 250)
    first = client.fetch_orders(None)
    assert fake.calls["getJournalList"] == 1  # 250 "order created" events are not asked for
    for order_id in ids:
        fake.pay(order_id)
    fake.reset_counters()
    again = client.fetch_orders(first.cursor)
    assert len(again.orders) == 250
    assert fake.calls["getJournalList"] == 3  # 100 + 100 + 50 payments
    assert FetchCursor.decode(again.cursor).log_id == len(fake.journal)
    assert not set(WANTED_TYPES) & {1, 2, 7, 8, 9, 10, 15, 19, 20, 21}


def test_the_async_twin_sees_changes_the_same_way(fake: FakeBaseLinker, clock: FrozenClock) -> None:
    ids = seed(fake, 3)
    first = client_for(fake, clock).fetch_orders(None)
    fake.pay(ids[2])

    async def run() -> Any:
        async with AsyncBaseLinkerClient(
            BaseLinkerSettings(token=TOKEN, url=fake.url),
            retry=FAST,
            limiter=RateLimiter(100_000, 1, burst=1000),
            clock=clock,
        ) as twin:
            return await twin.fetch_orders(first.cursor)

    again = asyncio.run(run())
    assert [int(o.channel_order_id) for o in again.orders] == [ids[2]]


def test_to_reread_skips_one_own_write_per_event() -> None:
    own = {"7": "1005"}
    logs = [BLLog(id=1, order_id=7, log_type=18, object_id=1005)]
    assert to_reread(logs, own) == {} and own == {}
    again = [BLLog(id=2, order_id=7, log_type=18, object_id=1005, date=9)]
    assert to_reread(again, own) == {7: 9}  # a second change to that status is someone else's
