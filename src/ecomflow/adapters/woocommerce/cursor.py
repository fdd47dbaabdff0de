"""The update cursor of WooCommerce orders: every order created or changed, once per change.

WooCommerce lists orders changed after an instant with ``modified_after``;
``dates_are_gmt=true`` makes it compare with ``post_modified_gmt`` instead of
the shop's local time (WC-src ``rest-api/Controllers/Version3/class-wc-rest-crud-controller.php``
``prepare_objects_query`` and ``get_collection_params``). The comparison is a
``WP_Date_Query`` ``after`` without ``inclusive``, i.e. strictly greater, and the
value is turned into ``Y-m-d H:i:s`` — one-second precision (WordPress
``wp-includes/class-wp-date-query.php`` ``get_sql_for_clause`` and
``build_mysql_datetime``). A value with a zone suffix is converted to the
shop's local time first, so it is sent without one.

So the cursor keeps the newest second seen (the *boundary*) and, for each
order modified in it, the order's id and a digest of its payload. The next
fetch asks for ``modified_after = boundary - 1 s`` — the boundary second
again — and drops an order only when its payload is exactly the one already
returned. Nothing is lost when more orders (or a change to an older order)
land in the boundary second after the cursor was saved, ids need not ascend
within a second, and a change made within the same second as the previous
one is still returned because the payload differs. The cursor is opaque text
for the Orchestrator to store.

>>> first = {"id": 7, "date_modified_gmt": "2026-11-24T08:00:05", "status": "pending"}
>>> changed, cursor = OrderCursor.decode(None).advance([first])
>>> [r["id"] for r in changed], cursor.encode()[:27]
([7], 'woo1|2026-11-24T08:00:05|7:')
>>> cursor.query()
{'modified_after': '2026-11-24T08:00:04', 'dates_are_gmt': 'true'}
>>> OrderCursor.decode(cursor.encode()).advance([first])[0]
[]
>>> paid = {**first, "status": "processing"}
>>> [r["status"] for r in OrderCursor.decode(cursor.encode()).advance([paid])[0]]
['processing']
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ecomflow.errors import ConfigurationError

__all__ = ["OrderCursor", "digest", "modified_of"]

_VERSION = "woo1"
_STAMP = "%Y-%m-%dT%H:%M:%S"


def digest(raw: Mapping[str, Any]) -> str:
    """A short, stable fingerprint of a payload (same JSON → same digest)."""
    text = json.dumps(raw, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def modified_of(raw: Mapping[str, Any]) -> str:
    """The order's ``date_modified_gmt`` to the second (``""`` when missing or unreadable)."""
    value = raw.get("date_modified_gmt") or raw.get("date_created_gmt")
    if not isinstance(value, str):
        return ""
    try:
        return datetime.fromisoformat(value[:19]).strftime(_STAMP)
    except ValueError:
        return ""


def _id(raw: Mapping[str, Any]) -> int | None:
    value = raw.get("id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


@dataclass(frozen=True)
class OrderCursor:
    """Where a fetch goes on from: the boundary second and what was returned in it.

    Attributes:
        boundary: the newest ``date_modified_gmt`` seen (``None`` before the first fetch).
        seen: id → payload digest of the orders returned with that modification second.
    """

    boundary: str | None = None
    seen: Mapping[int, str] = field(default_factory=dict)

    @classmethod
    def decode(cls, text: str | None) -> OrderCursor:
        """Read a cursor this adapter wrote (``None`` or ``""``: from the beginning).

        A cursor of the earlier ``<time>|<id>`` form is read as its boundary
        second with nothing remembered in it: that second is returned again
        (a repeat, never a loss).
        """
        if not text:
            return cls()
        parts = text.split("|")
        try:
            if parts[0] == _VERSION and len(parts) == 3:
                stamp, entries = parts[1], parts[2]
                datetime.strptime(stamp, _STAMP)
                seen: dict[int, str] = {}
                for entry in filter(None, entries.split(",")):
                    order_id, _, fingerprint = entry.partition(":")
                    seen[int(order_id)] = fingerprint
                return cls(stamp, seen)
            if len(parts) == 2 and parts[1].isdigit():  # the cursor of ecomflow ≤ 0.x
                return cls(datetime.fromisoformat(parts[0]).strftime(_STAMP), {})
        except ValueError:
            pass
        raise ConfigurationError(
            f"WooCommerce cursor {text[:60]!r} was not written by this adapter; "
            "clear the stored cursor to read the shop from the beginning."
        )

    def encode(self) -> str | None:
        """The cursor as text (``None`` while nothing was read)."""
        if self.boundary is None:
            return None
        entries = ",".join(f"{k}:{v}" for k, v in sorted(self.seen.items()))
        return f"{_VERSION}|{self.boundary}|{entries}"

    def query(self) -> dict[str, str]:
        """The list parameters that re-read the boundary second and everything after it."""
        if self.boundary is None:
            return {}
        since = datetime.strptime(self.boundary, _STAMP) - timedelta(seconds=1)
        return {"modified_after": since.strftime(_STAMP), "dates_are_gmt": "true"}

    def advance(
        self, raws: Sequence[Mapping[str, Any]], *, until: str | None = None
    ) -> tuple[list[Mapping[str, Any]], OrderCursor]:
        """The listed payloads that are new or changed, oldest change first, and the next cursor.

        ``raws`` is everything the list returned for :meth:`query` (any order, an
        order listed twice counts once — its newest copy). ``until`` caps the next
        boundary: when the list took several pages, an order on an early page may
        have changed again while later pages were read, so the boundary must not
        pass the second the first page was answered. The cursor then remembers
        every order from the boundary on, so none is returned twice.
        """
        latest: dict[int, Mapping[str, Any]] = {}
        unreadable: list[Mapping[str, Any]] = []
        for raw in raws:
            order_id = _id(raw)
            if order_id is None:
                unreadable.append(raw)
            elif order_id not in latest or modified_of(raw) >= modified_of(latest[order_id]):
                latest[order_id] = raw
        fingerprints = {order_id: digest(raw) for order_id, raw in latest.items()}
        changed = [
            raw
            for order_id, raw in latest.items()
            if self.seen.get(order_id) != fingerprints[order_id]
        ]
        changed.sort(key=lambda raw: (modified_of(raw), _id(raw) or 0))
        stamps = [modified_of(raw) for raw in latest.values() if modified_of(raw)]
        if not stamps:
            return unreadable + changed, self
        boundary = max(stamps)
        if until is not None:
            boundary = min(boundary, until)
        if self.boundary is not None:
            boundary = max(boundary, self.boundary)
        seen = {
            order_id: fingerprints[order_id]
            for order_id, raw in latest.items()
            if modified_of(raw) >= boundary
        }
        return unreadable + changed, OrderCursor(boundary, seen)
