"""Which journal events mean "read this order again" (pure; no HTTP).

``getJournalList`` lists order events of the last 3 days (official method page,
https://api.baselinker.com/index.php?method=getJournalList; reference A1). Each
event has an ``id`` (the cursor: ``last_log_id``), the ``order_id``, a
``log_type``, an ``object_id`` whose meaning depends on the type (5: the merged
order, 6: the order created by the split, 9/10: the package, 14: the product,
17: the created copy, 18: the new status id) and a ``date``.

What each type does here (decided per type):

=====  ============================  ===================================================
type   event                         action
=====  ============================  ===================================================
1, 2   created / confirmed           none — getOrders paging by ``date_confirmed`` takes
                                     an order in when it is confirmed
3      payment                       re-read the order
4      removal of order / invoice    re-read (a removed order is gone: logged, see below)
5      orders merged                 re-read the order and the merged one (``object_id``)
6      order split                   re-read the order and the new one (``object_id``)
7, 8   invoice / receipt issued      none (no order data changes)
9, 10  package created / deleted     none (ecomflow records packages itself)
11     delivery data edited          re-read
12–14  product added/edited/removed  re-read
15     buyer blacklisted             none (no order field)
16     order data edited             re-read
17     order copied                  re-read the copy (``object_id``)
18     status changed (incl. cancel) re-read, unless it is ecomflow's own write
19–21  invoice/receipt changes       none
>21    unknown (newer docs)          re-read (UNCONFIRMED types: better one read too many)
=====  ============================  ===================================================

>>> logs = [BLLog(id=1, order_id=7, log_type=1), BLLog(id=2, order_id=7, log_type=3, date=50),
...         BLLog(id=3, order_id=8, log_type=18, object_id=1005, date=60),
...         BLLog(id=4, order_id=9, log_type=6, object_id=10, date=70)]
>>> to_reread(logs, own_writes={"8": "1005"})
{7: 50, 9: 70, 10: 70}
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from enum import IntEnum

from ecomflow.adapters.baselinker.wire import BLLog

__all__ = [
    "IGNORED",
    "JOURNAL_PAGE",
    "JOURNAL_WINDOW",
    "REREAD",
    "WANTED_TYPES",
    "LogType",
    "to_reread",
]

#: How far back the journal reaches (official method page: "from the last 3 days").
JOURNAL_WINDOW = 3 * 24 * 3600

#: Events per getJournalList answer. UNCONFIRMED (no source states it): the client
#: reads on while an answer holds this many new events, and otherwise goes on at the
#: next fetch from the stored ``last_log_id`` — events are delayed, never skipped.
JOURNAL_PAGE = 100


class LogType(IntEnum):
    """``log_type`` values of getJournalList (official method page)."""

    ORDER_CREATED = 1
    ORDER_CONFIRMED = 2
    PAYMENT = 3
    REMOVED = 4
    MERGED = 5
    SPLIT = 6
    INVOICE_ISSUED = 7
    RECEIPT_ISSUED = 8
    PACKAGE_CREATED = 9
    PACKAGE_DELETED = 10
    DELIVERY_EDITED = 11
    PRODUCT_ADDED = 12
    PRODUCT_EDITED = 13
    PRODUCT_REMOVED = 14
    BLACKLISTED = 15
    ORDER_EDITED = 16
    ORDER_COPIED = 17
    STATUS_CHANGED = 18
    INVOICE_DELETED = 19
    RECEIPT_DELETED = 20
    INVOICE_EDITED = 21


#: Types after which the order is read again.
REREAD = frozenset(
    {
        LogType.PAYMENT,
        LogType.REMOVED,
        LogType.MERGED,
        LogType.SPLIT,
        LogType.DELIVERY_EDITED,
        LogType.PRODUCT_ADDED,
        LogType.PRODUCT_EDITED,
        LogType.PRODUCT_REMOVED,
        LogType.ORDER_EDITED,
        LogType.STATUS_CHANGED,
    }
)

#: Types that change nothing ecomflow reads (or that paging already covers).
IGNORED = frozenset(
    {
        LogType.ORDER_CREATED,
        LogType.ORDER_CONFIRMED,
        LogType.INVOICE_ISSUED,
        LogType.RECEIPT_ISSUED,
        LogType.PACKAGE_CREATED,
        LogType.PACKAGE_DELETED,
        LogType.BLACKLISTED,
        LogType.INVOICE_DELETED,
        LogType.RECEIPT_DELETED,
        LogType.INVOICE_EDITED,
    }
)

# Types whose ``object_id`` is another order to read (5 merged, 6 split-off, 17 copy).
_OTHER_ORDER = frozenset({LogType.MERGED, LogType.SPLIT, LogType.ORDER_COPIED})

#: The ``logs_types`` filter of getJournalList: every type but the ignored ones, up to 50 —
#: types above 21 exist in newer docs but are UNCONFIRMED, so they are asked for (and
#: read again) rather than missed. The filter leaves out the busiest events (order
#: created, package created), a third or more of the journal.
WANTED_TYPES = tuple(t for t in range(1, 51) if t not in IGNORED)


def to_reread(logs: Iterable[BLLog], own_writes: MutableMapping[str, str]) -> dict[int, int]:
    """Order id → date of its latest event, for every order the events say to read again.

    ``own_writes`` maps order id → the status id ecomflow itself set last (as
    text: it may be notes kept in the store, shared by the workers); the
    status-change event of such a write is skipped once (and forgotten).
    """
    wanted: dict[int, int] = {}

    def want(order_id: int, date: int) -> None:
        if order_id > 0:
            wanted[order_id] = max(date, wanted.get(order_id, 0))

    for log in sorted(logs, key=lambda entry: entry.id):
        kind = log.log_type
        if kind in IGNORED:
            continue
        if kind == LogType.STATUS_CHANGED and own_writes.get(str(log.order_id)) == str(
            log.object_id
        ):
            own_writes.pop(str(log.order_id), None)  # another worker may have taken it
            continue
        if kind != LogType.ORDER_COPIED:
            want(log.order_id, log.date)
        if kind in _OTHER_ORDER and log.object_id:
            want(log.object_id, log.date)
    return wanted
