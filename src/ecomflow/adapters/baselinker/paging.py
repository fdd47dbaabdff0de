"""Paging getOrders without loss, duplicates or endless loops.

BaseLinker's documented recipe — next page from the last order's
``date_confirmed + 1`` — loses orders when a page of 100 ends inside a second
that more orders share (reference §3 getOrders, "Recommended paging"). The
cursor here remembers the last ``(date_confirmed, order_id)`` delivered:

- the next page starts **at** that second and skips what was delivered;
- when a full page lies inside one second (over 100 orders confirmed in it),
  that second is drained with ``id_from`` — and only orders of that second are
  taken from such pages — then paging moves on from the next second.

This assumes getOrders returns orders sorted by ``date_confirmed`` and then
``order_id``, as the fake server does (the ordering is not documented:
UNCONFIRMED in the reference).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ecomflow.adapters.baselinker.wire import BLOrder

__all__ = ["PAGE_SIZE", "OrderCursor"]

#: getOrders returns at most 100 orders per call (reference §3, BL-doc).
PAGE_SIZE = 100


@dataclass(frozen=True)
class OrderCursor:
    """Where order paging stands; encodes to a short string for storage.

    >>> OrderCursor.decode(OrderCursor(1795510860, 7311).encode())
    OrderCursor(date=1795510860, order_id=7311, complete=False, draining=False)
    """

    date: int = 0
    order_id: int = 0
    complete: bool = False
    draining: bool = False

    def encode(self) -> str:
        """``"date:order_id[:c][:d]"``."""
        flags = ("c" if self.complete else "") + ("d" if self.draining else "")
        return f"{self.date}:{self.order_id}" + (f":{flags}" if flags else "")

    @classmethod
    def decode(cls, text: str | None) -> OrderCursor:
        """Parse :meth:`encode`'s output (``None`` or ``""`` start from the beginning)."""
        if not text:
            return cls()
        parts = text.split(":")
        try:
            date, order_id = int(parts[0]), int(parts[1])
        except (IndexError, ValueError):
            raise ValueError(f"{text!r} is not a BaseLinker order cursor") from None
        flags = parts[2] if len(parts) > 2 else ""
        return cls(date, order_id, "c" in flags, "d" in flags)

    def query(self) -> dict[str, Any]:
        """GetOrders parameters for the next page."""
        params: dict[str, Any] = {
            "date_confirmed_from": self.date + 1 if self.complete else self.date,
            "get_unconfirmed_orders": False,
        }
        if self.draining:
            params["id_from"] = self.order_id + 1
        return params

    def take(self, page: list[BLOrder]) -> tuple[list[BLOrder], OrderCursor, bool]:
        """The new orders in ``page``, the next cursor, and whether paging is done."""
        after = (self.date, self.order_id)
        fresh = [o for o in page if (o.date_confirmed, o.order_id) > after]
        if self.complete:
            fresh = [o for o in fresh if o.date_confirmed > self.date]
        if self.draining:
            fresh = [o for o in fresh if o.date_confirmed == self.date]
        cursor = self
        if fresh:
            last = max(fresh, key=lambda o: (o.date_confirmed, o.order_id))
            moved = last.date_confirmed != self.date
            cursor = replace(
                cursor,
                date=last.date_confirmed,
                order_id=last.order_id,
                complete=False if moved else cursor.complete,
            )
        full = len(page) >= PAGE_SIZE
        if self.draining:
            if full and all(o.date_confirmed == self.date for o in page):
                return fresh, replace(cursor, draining=True), False
            return fresh, replace(cursor, draining=False, complete=True), False
        if not full:
            return fresh, cursor, True
        if all(o.date_confirmed == cursor.date for o in page):
            return fresh, replace(cursor, draining=True, complete=False), False
        return fresh, cursor, False
