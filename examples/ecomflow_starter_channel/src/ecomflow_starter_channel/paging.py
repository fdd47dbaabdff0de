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
it. A page that ends in a later second moves ``updated_from`` there and starts
again at page 1 (no deep offsets). Only a second with more orders than a page
is paged by offset, and it is then swept again until a sweep finds nothing
new (a change only ever moves an order *out* of a past second). The revision
tells two changes of one order in one second apart, which a timestamp cannot.

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
>>> pager.feed([(Head("5", at, 1), "order 5")])     # the sweep found nothing new: done
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
from datetime import UTC, datetime
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
    """Decides which page to read next and which rows are new (see the module docstring)."""

    def __init__(self, cursor: Cursor, *, per_page: int, max_rows: int | None = None) -> None:
        self.start = cursor
        self.per_page = per_page
        self.max_rows = max_rows
        self.rows: list[Any] = []
        self._delivered: set[tuple[str, int]] = set()
        self._unreadable: set[str] = set()
        self._since = cursor.since
        self._page = 1
        self._crowded = False  # the current second needed more than one page
        self._sweeps = 0  # sweeps of the current crowded second so far
        self._sweep_found = False
        self._after_sweep: datetime | None = None  # where to go once the sweep is clean
        self._top = cursor.since  # the newest second seen
        self._top_seen = dict(cursor.seen)  # id → revision seen in that second
        self._done = False

    def next_request(self) -> PageRequest | None:
        """The page to read next, or ``None`` when every change has been read."""
        return None if self._done else PageRequest(self._since, self._page)

    def cursor(self) -> Cursor:
        """Where the next fetch goes on from."""
        return Cursor(self._top, dict(self._top_seen))

    def _take(self, head: Head | None, raw: Any) -> None:
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
            if self._sweeps and head.updated == self._since:
                self._sweep_found = True
        if self._top is None or head.updated > self._top:
            self._top, self._top_seen = head.updated, {}
        if head.updated == self._top:
            self._top_seen[head.id] = head.revision

    def feed(self, page: list[tuple[Head | None, Any]]) -> None:
        """Take one page of ``(head, raw order)``, as the API returned it."""
        for head, raw in page:
            self._take(head, raw)
        full = len(page) >= self.per_page
        seconds = [h.updated for h, _ in page if h is not None]
        last = max(seconds) if seconds else None
        moved_on = last is not None and (self._since is None or last > self._since)
        if self._sweeps:  # sweeping a crowded second again
            if full and not moved_on:
                self._page += 1
            elif self._sweep_found:
                self._sweep(self._after_sweep)
            else:
                self._go_to(self._after_sweep)
        elif full and not moved_on:  # a whole page in one second: page on inside it
            self._page += 1
            self._crowded = True
        elif self._crowded:  # leaving a crowded second: sweep it for rows that slipped
            self._sweep(last if (full and moved_on) else None)
        elif full and moved_on:
            if self.max_rows is not None and len(self.rows) >= self.max_rows:
                self._done = True  # enough for one batch; the cursor goes on from `last`
            else:
                self._since, self._page = last, 1
        else:
            self._done = True

    def _sweep(self, then: datetime | None) -> None:
        self._sweeps += 1
        if self._sweeps > MAX_SWEEPS:
            raise CursorOverflow(
                f"orders keep changing in {self._since}: {MAX_SWEEPS} sweeps of that second "
                "found new ones every time; fetch again later",
                source="example_shop",
                instant=str(self._since),
                count=len(self.rows),
            )
        self._after_sweep, self._page, self._sweep_found = then, 1, False

    def _go_to(self, since: datetime | None) -> None:
        self._sweeps, self._crowded, self._page = 0, False, 1
        if since is None:
            self._done = True
        else:
            self._since = since
