"""Paging getOrders without loss, duplicates or endless loops; the stored cursor.

BaseLinker's documented recipe — next page from the last order's
``date_confirmed + 1`` — loses orders when a page of 100 ends inside a second
that more orders share, and the order of orders *within* one second is not
documented (reference §3 getOrders). Pages are assumed to be sorted by
``date_confirmed`` ascending, as the recipe implies. :class:`OrderPager` keeps:

- the boundary second and the ids already delivered in it: the next page starts
  **at** that second and skips those ids, whatever their order — so orders
  confirmed later in the same second, or listed in descending id order, are not
  lost;
- for a full page inside one second (over 100 orders confirmed in it), the
  ``id_from`` filter ("the order ID number from which subsequent orders are to be
  collected", BL-doc) separates the rest — but only when the page lists that
  second's ids in ascending order, i.e. when the page holds its lowest ids. When
  it does not, nothing can separate them and :class:`~ecomflow.errors.CursorOverflow`
  is raised instead of silently losing orders.

>>> pager = OrderPager()
>>> [r.order_id for r in pager.take([OrderRef(3, 5), OrderRef(2, 5), OrderRef(1, 6)])]
[3, 2, 1]
>>> pager.done, pager.date, sorted(pager.seen)
(True, 6, [1])
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ecomflow.errors import ConfigurationError, CursorOverflow

__all__ = ["PAGE_SIZE", "FetchCursor", "OrderPager", "OrderRef", "ref_of"]

#: getOrders returns at most 100 orders per call (reference §3, BL-doc).
PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class OrderRef:
    """What paging needs of an order: its id and ``date_confirmed``."""

    order_id: int
    date: int


def ref_of(raw: Any) -> OrderRef | None:
    """The order's id and confirmation second, read leniently (``None``: unreadable)."""
    if not isinstance(raw, dict):
        return None
    try:
        order_id = int(str(raw.get("order_id")).strip())
        date = int(float(str(raw.get("date_confirmed") or 0).strip()))
    except (TypeError, ValueError):
        return None
    return OrderRef(order_id, date)


class OrderPager:
    """One run of getOrders pages from a boundary second (see the module docstring).

    Args:
        date: the boundary second (``date_confirmed_from``).
        seen: ids already delivered in that second.
        id_floor: an ``id_from`` for the whole run (re-reading a range of orders).
        source: the channel name, for errors.
    """

    def __init__(
        self,
        date: int = 0,
        seen: Iterable[int] = (),
        *,
        id_floor: int | None = None,
        source: str = "baselinker",
    ) -> None:
        self.date = date
        self.seen = set(seen)
        self.id_floor = id_floor
        self.source = source
        self.done = False
        self.calls = 0
        self._drain_from: int | None = None
        self._delivered: set[int] = set()

    def query(self) -> dict[str, Any]:
        """The getOrders parameters of the next page."""
        params: dict[str, Any] = {"date_confirmed_from": self.date, "get_unconfirmed_orders": False}
        floors = [f for f in (self.id_floor, self._drain_from) if f is not None]
        if floors:
            params["id_from"] = max(floors)
        return params

    def take(self, page: Sequence[OrderRef]) -> list[OrderRef]:
        """The orders of ``page`` not delivered before; moves the boundary, sets :attr:`done`."""
        self.calls += 1
        boundary = self.date
        draining = self._drain_from is not None
        fresh: list[OrderRef] = []
        for ref in page:
            if ref.date < boundary or ref.order_id in self._delivered:
                continue
            if ref.date == boundary and ref.order_id in self.seen:
                continue
            fresh.append(ref)
            self._delivered.add(ref.order_id)
        full = len(page) >= PAGE_SIZE
        last = max((r.date for r in page), default=boundary)
        if draining and (last > boundary or not full):
            # The crowded second is complete; but id_from also hid the lower ids of the
            # seconds after it, so those are read again without it.
            self.date, self._drain_from = boundary + 1, None
            self.seen = {r.order_id for r in page if r.date == self.date}
            self.done = False
            return fresh
        if last > boundary:  # the seconds before ``last`` are complete
            self.date, self.seen, self._drain_from = last, set(), None
        in_second = [r.order_id for r in page if r.date == self.date]
        self.seen.update(in_second)
        if full and len(in_second) == len(page):
            self._drain(in_second)
        self.done = not full
        return fresh

    def _drain(self, ids: list[int]) -> None:
        """A full page inside one second: go on with ``id_from``, if that can work."""
        ascending = all(a < b for a, b in itertools.pairwise(ids))
        top = max(ids)
        stuck = self._drain_from is not None and top < self._drain_from
        if not ascending or stuck:
            raise CursorOverflow(
                f"{len(self.seen)}+ BaseLinker orders share the confirmation second "
                f"{self.date} and getOrders lists them "
                + ("out of id order" if not ascending else "without honouring id_from")
                + ", so no filter can page through them without losing some. Nothing was "
                "skipped: the cursor stays where it is. Ask BaseLinker support how that "
                "second's orders are sorted, or take them in by hand and move the cursor on.",
                source=self.source,
                instant=str(self.date),
                count=len(self.seen),
            )
        self._drain_from = top + 1


@dataclass(frozen=True)
class FetchCursor:
    """Where ``fetch_orders`` stands, stored by the Orchestrator as an opaque string.

    Attributes:
        date: the newest confirmation second delivered (the paging boundary).
        seen: order ids already delivered in that second.
        log_id: the journal position (``last_log_id``); ``None`` until the journal
            has returned an event.
        journal_at: when the journal was last read up to (unix, whole hours), to
            notice a gap longer than its 3-day window.
        reread_at: when recent orders were last re-read without the journal (unix, minutes).

    >>> text = FetchCursor(1795510860, frozenset({7311, 7312}), log_id=55).encode()
    >>> text
    'd=1795510860;s=7311.7312;j=55'
    >>> FetchCursor.decode(text) == FetchCursor(1795510860, frozenset({7311, 7312}), log_id=55)
    True
    >>> FetchCursor.decode("1795510860:7311:c")  # the cursor of ecomflow 0.x
    FetchCursor(date=1795510861, seen=frozenset(), log_id=None, journal_at=0, reread_at=0)
    """

    date: int = 0
    seen: frozenset[int] = field(default_factory=frozenset)
    log_id: int | None = None
    journal_at: int = 0
    reread_at: int = 0

    def encode(self) -> str:
        """``d=<second>;s=<id>.<id>;j=<log id>;t=<hour>;r=<minute>`` (empty parts left out)."""
        parts = [f"d={self.date}"]
        if self.seen:
            parts.append("s=" + ".".join(str(i) for i in sorted(self.seen)))
        if self.log_id is not None:
            parts.append(f"j={self.log_id}")
        if self.journal_at:
            parts.append(f"t={self.journal_at}")
        if self.reread_at:
            parts.append(f"r={self.reread_at}")
        return ";".join(parts)

    @classmethod
    def decode(cls, text: str | None) -> FetchCursor:
        """Parse :meth:`encode`'s output; ``None`` or ``""`` start from the beginning.

        The 0.x cursor ``"<date>:<order id>[:flags]"`` is read conservatively: its
        boundary second is delivered again (the Orchestrator de-duplicates).
        """
        if not text:
            return cls()
        try:
            if "=" not in text:
                date, _, rest = text.partition(":")
                complete = "c" in rest.partition(":")[2]
                return cls(int(date) + (1 if complete else 0))
            values = dict(part.split("=", 1) for part in text.split(";") if part)
            return cls(
                date=int(values.get("d", 0)),
                seen=frozenset(int(i) for i in values.get("s", "").split(".") if i),
                log_id=int(values["j"]) if "j" in values else None,
                journal_at=int(values.get("t", 0)),
                reread_at=int(values.get("r", 0)),
            )
        except ValueError:
            raise ConfigurationError(
                f"{text!r:.80} is not a BaseLinker order cursor; pass None to start over "
                "(every confirmed order is read again)."
            ) from None

    def paged(self, pager: OrderPager) -> FetchCursor:
        """The cursor after ``pager`` ran."""
        return replace(self, date=pager.date, seen=frozenset(pager.seen))
