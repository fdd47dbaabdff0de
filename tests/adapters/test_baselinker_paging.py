"""BaseLinker getOrders paging (issue 16 item 10): no loss, no duplicates, no silent overflow.

The pure pager is checked on hand-written pages (what getOrders may answer: sorted
by ``date_confirmed``, the order inside one second undocumented); the client on
FakeBaseLinker, whose sorting inside a second is switchable.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ecomflow.adapters.baselinker import (
    BaseLinkerClient,
    BaseLinkerSettings,
    FetchCursor,
    OrderPager,
    OrderRef,
)
from ecomflow.errors import ConfigurationError, CursorOverflow
from ecomflow.http import FakeClock, RateLimiter, RetryPolicy
from ecomflow.testing import FakeBaseLinker, FrozenClock

TOKEN = "bl-token-7f3a9c"
FAST = RetryPolicy(attempts=4, jitter=0, base=0.01, sleep=lambda s: None)
START = 1_795_510_800


def refs(*pairs: tuple[int, int]) -> list[OrderRef]:
    """(date_confirmed, order_id) pairs as a getOrders page."""
    return [OrderRef(order_id, date) for date, order_id in pairs]


def run(pager: OrderPager, pages: list[list[OrderRef]]) -> list[int]:
    delivered: list[int] = []
    for page in pages:
        delivered += [r.order_id for r in pager.take(page)]
    return delivered


def client_for(fake: FakeBaseLinker, **kw: Any) -> BaseLinkerClient:
    return BaseLinkerClient(
        BaseLinkerSettings(token=TOKEN, url=fake.url, journal="off", **kw),
        retry=FAST,
        limiter=RateLimiter(100_000, 1, burst=1000),
        clock=FrozenClock(datetime.fromtimestamp(START, tz=UTC)),
    )


# -- the pure pager ------------------------------------------------------------------------


def test_descending_ids_across_a_page_edge_are_not_lost() -> None:
    """The old (date, order_id) cursor lost ids below the last one of a shared second."""
    first = refs(*[(10, 1000 - i) for i in range(98)], (11, 9), (11, 8))  # 100, ends inside 11
    pager = OrderPager(0)
    got = run(pager, [first])
    assert not pager.done and pager.query() == {
        "date_confirmed_from": 11,
        "get_unconfirmed_orders": False,
    }
    second = refs((11, 9), (11, 8), (11, 7), (11, 6), (12, 1))  # 11 again, descending
    got += run(pager, [second])
    assert pager.done
    assert sorted(got) == sorted([1000 - i for i in range(98)] + [9, 8, 7, 6, 1])


def test_resuming_finds_orders_confirmed_later_in_the_boundary_second() -> None:
    """Even with a lower id (created earlier, confirmed later) than those already seen."""
    cursor = FetchCursor(20, frozenset({50, 51}))
    pager = OrderPager(cursor.date, cursor.seen)
    assert run(pager, [refs((20, 50), (20, 51), (20, 42), (21, 60))]) == [42, 60]
    assert (pager.date, pager.seen) == (21, {60})


def test_a_crowded_second_in_ascending_order_is_drained_with_id_from() -> None:
    pager = OrderPager(0)
    first = run(pager, [refs(*[(30, i) for i in range(2, 202, 2)])])  # even ids 2…200
    assert pager.query() == {
        "date_confirmed_from": 30,
        "get_unconfirmed_orders": False,
        "id_from": 201,
    }
    second = run(pager, [refs(*[(30, i) for i in range(202, 402, 2)])])
    assert pager.query()["id_from"] == 401
    # id_from also hides lower ids of later seconds: the next second is read again without it
    third = run(pager, [refs((30, 402), (30, 404), (31, 450))])
    assert not pager.done
    assert pager.query() == {"date_confirmed_from": 31, "get_unconfirmed_orders": False}
    fourth = run(pager, [refs((31, 7), (31, 450), (32, 451))])
    assert pager.done and (pager.date, pager.seen) == (32, {451})
    assert first + second + third + fourth == [*range(2, 406, 2), 450, 7, 451]


def test_a_crowded_second_out_of_id_order_raises_instead_of_losing_orders() -> None:
    pager = OrderPager(0, source="shop")
    with pytest.raises(CursorOverflow) as info:
        pager.take(refs(*[(30, 300 - i) for i in range(100)]))
    assert (info.value.source, info.value.instant, info.value.count) == ("shop", "30", 100)
    assert "out of id order" in str(info.value)


def test_an_id_from_the_server_ignores_is_an_overflow_not_a_loop() -> None:
    pager = OrderPager(0)
    page = refs(*[(30, i) for i in range(1, 101)])
    pager.take(page)
    with pytest.raises(CursorOverflow, match="without honouring id_from"):
        pager.take(page)


def test_cursor_round_trip_and_old_cursors() -> None:
    cursor = FetchCursor(
        1795510860, frozenset({3, 1}), log_id=9, journal_at=1795507200, reread_at=60
    )
    assert FetchCursor.decode(cursor.encode()) == cursor
    assert FetchCursor.decode(None) == FetchCursor() == FetchCursor.decode("")
    assert FetchCursor.decode("1795510860:7311") == FetchCursor(
        1795510860
    )  # re-delivers the second
    with pytest.raises(ConfigurationError, match="not a BaseLinker order cursor"):
        FetchCursor.decode("d=tomorrow")


# -- the client on FakeBaseLinker ------------------------------------------------------------


def test_ten_thousand_orders_with_shared_seconds_exactly_once_under_the_real_limit() -> None:
    clock = FakeClock()
    with FakeBaseLinker(token=TOKEN, clock=clock.monotonic, within_second="descending") as fake:
        for i in range(10_000):
            fake.add_order(date_confirmed=START + i // 5, date_add=START)
        client = BaseLinkerClient(
            BaseLinkerSettings(token=TOKEN, url=fake.url, journal="off"),
            retry=RetryPolicy(sleep=clock.sleep),
            limiter=RateLimiter(90, 60, clock=clock),
            clock=FrozenClock(datetime.fromtimestamp(START, tz=UTC)),
        )
        batch = client.fetch_orders(None)
    ids = [o.channel_order_id for o in batch.orders]
    assert len(ids) == len(set(ids)) == 10_000
    assert fake.blocked_responses == 0
    assert fake.calls["getOrders"] <= 106  # 101 at least; re-reading a page edge costs ≤ 5 %


def test_more_than_a_page_in_one_second_ascending_is_drained() -> None:
    with FakeBaseLinker(token=TOKEN) as fake:
        for _ in range(250):
            fake.add_order(date_confirmed=START, date_add=START)
        fake.add_order(date_confirmed=START + 1, date_add=START)
        client = client_for(fake)
        batch = client.fetch_orders(None)
        assert len({o.channel_order_id for o in batch.orders}) == 251
        assert fake.calls["getOrders"] == 4  # 3 pages of the second + the next second again
        later = fake.add_order(date_confirmed=START + 1, date_add=START)
        assert [o.channel_order_id for o in client.fetch_orders(batch.cursor).orders] == [
            str(later)
        ]


def test_more_than_a_page_in_one_second_out_of_order_raises_and_keeps_the_cursor() -> None:
    with FakeBaseLinker(token=TOKEN, within_second="descending") as fake:
        first = fake.add_order(date_confirmed=START - 1, date_add=START)
        client = client_for(fake)
        cursor = client.fetch_orders(None).cursor
        crowded = [fake.add_order(date_confirmed=START, date_add=START) for _ in range(150)]
        with pytest.raises(CursorOverflow) as info:
            client.fetch_orders(cursor)
        assert info.value.instant == str(START)
        fake.within_second = "ascending"  # e.g. once BaseLinker support sorted it out
        batch = client.fetch_orders(cursor)
    assert sorted(o.channel_order_id for o in batch.orders) == sorted(str(i) for i in crowded)
    assert str(first) not in {o.channel_order_id for o in batch.orders}
