"""What a BaseLinker client remembers in memory — bounded, so nothing grows with history.

Only optimisations live here; losing them (a restart) costs calls, never orders:

- :class:`Bounded`: the statuses ecomflow itself wrote (their journal events are
  not read back) and digests of the orders returned (unchanged ones are left out
  of a re-read without the journal);
- :class:`RecentOrders`: ids and confirmation seconds of the newest orders, to
  choose between reading changed orders one by one and one range read.

>>> seen = Bounded[int, str](2)
>>> seen[1], seen[2], seen[3] = "a", "b", "c"
>>> list(seen)
[2, 3]
>>> recent = RecentOrders()
>>> for order_id in range(1, 301):
...     recent.add(order_id, 1000 + order_id)
>>> recent.plan([5, 290, 295, 299])  # one single read, then a range of 11 orders
(290, 1290)
>>> recent.plan([5, 150]) is None  # two single reads beat a range
True
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, TypeVar

from ecomflow.adapters.baselinker.paging import PAGE_SIZE

__all__ = ["Bounded", "RecentOrders", "digest"]

K = TypeVar("K")
V = TypeVar("V")


class Bounded(OrderedDict[K, V]):
    """A dict that forgets its oldest entries beyond ``limit`` (no growth with history)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: K, value: V) -> None:
        if key in self:
            self.move_to_end(key)
        super().__setitem__(key, value)
        while len(self) > self.limit:
            self.popitem(last=False)


class RecentOrders:
    """Ids and confirmation seconds of orders this client has read (bounded, in memory).

    Used only to choose the cheaper way to re-read changed orders: one call each,
    or one range read from ``id_from`` over the newest orders.
    """

    def __init__(self, limit: int = 50_000) -> None:
        self.limit = limit
        self._ids: list[int] = []
        self._dates: dict[int, int] = {}

    def add(self, order_id: int, date: int) -> None:
        """Remember an order read (forgetting the oldest beyond the limit)."""
        if order_id not in self._dates:
            bisect.insort(self._ids, order_id)
        self._dates[order_id] = date
        if len(self._ids) > self.limit + self.limit // 4:
            drop = len(self._ids) - self.limit
            for old in self._ids[:drop]:
                del self._dates[old]
            del self._ids[:drop]

    def plan(self, wanted: Sequence[int]) -> tuple[int, int] | None:
        """``(id_from, date_confirmed_from)`` of a range read cheaper than single reads.

        ``wanted`` is sorted; orders below the chosen id are read one by one.
        """
        best_cost, best = len(wanted), None
        for index, order_id in enumerate(wanted):
            if order_id not in self._dates:
                continue
            newer = len(self._ids) - bisect.bisect_left(self._ids, order_id)
            cost = index + newer // PAGE_SIZE + 1
            if cost < best_cost:
                best_cost, best = cost, index
        if best is None:
            return None
        dates = [self._dates[o] for o in wanted[best:] if o in self._dates]
        return wanted[best], min(dates)


def digest(raw: Any) -> bytes:
    """A short fingerprint of a raw order (to tell an unchanged order from a changed one)."""
    text = json.dumps(raw, sort_keys=True, default=str).encode()
    return hashlib.blake2b(text, digest_size=8).digest()
