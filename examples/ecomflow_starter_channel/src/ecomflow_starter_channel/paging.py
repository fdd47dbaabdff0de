"""Orders changed since a cursor, with nothing lost in the boundary second (pure, no I/O).

The API lists orders with ``updated_at >= updated_from`` sorted by
``updated_at`` (whole seconds), ``page`` by ``page`` — and says nothing about
the order *within* one second. Three things go wrong with a naive cursor
"the last ``updated_at`` seen":

1. more orders changed in that second after we read it, or an order we
   already read changed again in it — a strict ``>`` filter never sees them;
2. an inclusive ``>=`` filter sees the whole second again, so its orders come
   twice;
3. offset paging inside a crowded second shifts when an order in it changes
   (it moves to the end), so one order can slip past a page boundary.

The technique: the cursor is the boundary second **and** the ``(id,
revision)`` of every order already delivered in it. Each fetch re-reads from
that second (inclusive) and drops what the cursor already holds, so nothing
in the second is lost and nothing comes twice — whatever the order of ids in
it. The revision tells two changes of one order in one second apart, which a
timestamp cannot.

The cursor only moves on a page-1 read, which covers everything from
``updated_from`` in one answer: a page that ends in a later second moves
``updated_from`` there and starts again at page 1 (no deep offsets). Only a
second with more orders than fit a page is read by offset, and then it is
read again ("swept") until two passes see exactly the same orders in it — an
order can only slip past a page boundary when another one leaves the second
during a pass, and the next pass would miss that one. Then the pager goes on
from the second after it.

>>> from datetime import datetime, UTC
>>> at = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
>>> pager = OrderPager(Cursor(), per_page=2)
>>> pager.next_request()
PageRequest(updated_from=None, page=1)
>>> pager.feed([(Head("7", at, 1), "order 7"), (Head("3", at, 1), "order 3")])
>>> pager.next_request()                     # re-read the boundary second
PageRequest(updated_from=datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.timezone.utc), page=1)
>>> pager.feed([(Head("7", at, 1), "order 7"), (Head("3", at, 1), "order 3")])
>>> pager.next_request()                     # a full page in one second: page on
PageRequest(updated_from=datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.timezone.utc), page=2)
>>> pager.feed([(Head("5", at, 1), "order 5")])
>>> pager.next_request().page               # leaving a crowded second: sweep it again
1
>>> pager.feed([(Head("3", at, 1), "order 3"), (Head("7", at, 1), "order 7")])
>>> pager.feed([(Head("5", at, 1), "order 5")])     # the sweep found nothing new
>>> pager.next_request().updated_from.second        # so go on right after that second
1
>>> pager.feed([])                                   # nothing there: done
>>> pager.next_request() is None, pager.rows
(True, ['order 7', 'order 3', 'order 5'])
>>> Cursor.decode(pager.cursor().encode()).seen
{'3': 1, '5': 1, '7': 1}
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ecomflow.errors import CursorOverflow, MappingError

__all__ = ["MAX_SWEEPS", "Cursor", "Head", "OrderPager", "PageRequest", "head_of"]

#: Sweeps of one crowded second before giving up (orders keep changing in it).
MAX_SWEEPS = 20


@dataclass(frozen=True)
class Head:
    """What paging needs of an order: its id, its second, its revision."""

    id: str
    updated: datetime
    revision: int


def head_of(raw: Any) -> Head | None:
    """The :class:`Head` of a raw order, or ``None`` when it cannot be read."""
    if not isinstance(raw, dict):
        return None
    order_id, revision, updated = raw.get("id"), raw.get("revision"), raw.get("updated_at")
    if not isinstance(order_id, str | int) or isinstance(order_id, bool) or str(order_id) == "":
        return None
    if not isinstance(revision, int) or isinstance(revision, bool) or not isinstance(updated, str):
        return None
    try:
        when = datetime.fromisoformat(updated)
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return Head(str(order_id), when.astimezone(UTC).replace(microsecond=0), revision)


@dataclass(frozen=True)
class Cursor:
    """The boundary second and the ``id → revision`` already delivered in it."""

    since: datetime | None = None
    seen: dict[str, int] = field(default_factory=dict)

    def encode(self) -> str:
        """The opaque string the Orchestrator stores (deterministic)."""
        data = {
            "v": 1,
            "since": self.since.isoformat() if self.since else None,
            "seen": dict(sorted(self.seen.items())),
        }
        text = json.dumps(data, separators=(",", ":"), sort_keys=True)
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str | None) -> Cursor:
        """Read a cursor :meth:`encode` wrote (``None``: from the beginning)."""
        if not text:
            return cls()
        try:
            data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            since = datetime.fromisoformat(data["since"]) if data["since"] else None
            seen = {str(k): int(v) for k, v in data["seen"].items()}
            if data["v"] != 1 or (since is not None and since.tzinfo is None):
                raise ValueError("version or time zone")
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
            raise MappingError(
                f"cursor {text[:40]!r} was not written by this adapter; pass None to read "
                "every order again",
                source="example_shop",
            ) from None
        return cls(since, seen)


@dataclass(frozen=True)
class PageRequest:
    """The next page to ask for."""

    updated_from: datetime | None
    page: int

    def params(self, per_page: int) -> dict[str, Any]:
        """The query parameters of ``GET /api/v1/orders``."""
        params: dict[str, Any] = {"page": self.page, "per_page": per_page}
        if self.updated_from is not None:
            params["updated_from"] = self.updated_from.isoformat().replace("+00:00", "Z")
        return params


class OrderPager:
    """Decides which page to read next and which rows are new (see the module docstring).

    The cursor only ever moves on a page-1 read, which covers everything from
    ``updated_from`` in one answer; rows read at deeper offsets are delivered
    but never move it — that is what makes a shifted row impossible to lose.
    """

    def __init__(self, cursor: Cursor, *, per_page: int, max_rows: int | None = None) -> None:
        self.start = cursor
        self.per_page = per_page
        self.max_rows = max_rows
        self.rows: list[Any] = []
        self._delivered: set[tuple[str, int]] = set()
        self._unreadable: set[str] = set()
        self._since = cursor.since
        self._seen = dict(cursor.seen)  # id → revision of every row seen in `_since`
        self._page = 1
        self._mode = "scan"  # scan (page 1), crowd (deeper pages of one second), sweep
        self._sweeps = 0
        self._pass: set[tuple[str, int]] = set()  # rows of `_since` seen in this pass
        self._previous: set[tuple[str, int]] = set()  # ... and in the pass before
        self._fallback: Cursor | None = None  # where to stop if nothing follows a swept second
        self._cursor: Cursor | None = None  # set when done

    def next_request(self) -> PageRequest | None:
        """The page to read next, or ``None`` when every change has been read."""
        return None if self._cursor is not None else PageRequest(self._since, self._page)

    def cursor(self) -> Cursor:
        """Where the next fetch goes on from (once :meth:`next_request` is ``None``)."""
        return self._cursor if self._cursor is not None else Cursor(self._since, dict(self._seen))

    def _deliver(self, head: Head | None, raw: Any) -> None:
        if head is None:  # cannot be placed: delivered once per fetch (as a failure)
            key = json.dumps(raw, sort_keys=True, default=str)
            if key not in self._unreadable:
                self._unreadable.add(key)
                self.rows.append(raw)
            return
        already = head.updated == self.start.since and self.start.seen.get(head.id) == (
            head.revision
        )
        if not already and (head.id, head.revision) not in self._delivered:
            self._delivered.add((head.id, head.revision))
            self.rows.append(raw)

    def feed(self, page: list[tuple[Head | None, Any]]) -> None:
        """Take one page of ``(head, raw order)``, as the API returned it."""
        for head, raw in page:
            self._deliver(head, raw)
            if head is not None and head.updated == self._since:
                self._seen[head.id] = head.revision
                self._pass.add((head.id, head.revision))
        heads = [h for h, _ in page if h is not None]
        full = len(page) >= self.per_page
        last = max((h.updated for h in heads), default=None)
        past = last is not None and (self._since is None or last > self._since)
        if self._mode == "scan":
            self._scanned(heads, full, last, past)
        elif full and not past:  # the crowded second goes on to the next page
            self._page += 1
        elif self._mode == "crowd" or self._pass != self._previous:
            self._sweep()  # read it again: a row may have slipped past a page boundary
        elif self._since is None:  # only unreadable rows: nothing to go on from
            self._cursor = Cursor()
        else:  # two passes saw the same rows, so nothing moved: the second is complete
            self._fallback = Cursor(self._since, dict(sorted(self._pass)))
            self._since, self._seen = self._since + timedelta(seconds=1), {}
            self._mode, self._page, self._sweeps = "scan", 1, 0
            self._pass = set()

    def _scanned(self, heads: list[Head], full: bool, last: datetime | None, past: bool) -> None:
        if full and not past:  # a whole page in one second: page on inside it
            self._mode, self._page = "crowd", 2
            return
        self._pass = set()
        if last is None or not past:  # nothing after `_since`
            self._cursor = self._fallback if not heads and self._fallback else self.cursor()
            return
        at_last = {h.id: h.revision for h in heads if h.updated == last}
        if not full or (self.max_rows is not None and len(self.rows) >= self.max_rows):
            self._cursor = Cursor(last, at_last)  # one answer covered all of it
            return
        self._since, self._seen, self._fallback = last, at_last, None

    def _sweep(self) -> None:
        """Read the crowded second again from page 1 (rows may have slipped past a page)."""
        self._sweeps += 1
        if self._sweeps > MAX_SWEEPS:
            raise CursorOverflow(
                f"orders keep changing in {self._since}: {MAX_SWEEPS} sweeps of that second "
                "found new ones every time; fetch again later",
                source="example_shop",
                instant=str(self._since),
                count=len(self._seen),
            )
        self._mode, self._page = "sweep", 1
        self._previous, self._pass = self._pass, set()
