"""Automatic order tags: what a packer or an owner should see at a glance.

Some tags are **derived** from the order — recomputed from its payment,
delivery, shipping plan and lines whenever one of them changes — and the
rest are set by people, rules, checks (``verification``) or the stock step
(``out-of-stock``) and are never touched by the recomputation.

Derived tags (:data:`DERIVED_TAGS`):

- ``ship-today``: the order leaves the warehouse today. The day is the
  order's chosen ship date (``order.shipping.ship_date``) when a service has
  been selected; before that, the day it was paid (cash on delivery: created)
  if that is a working day of the business calendar and before the policy's
  cut-off, else the next working day. Never on a shipped, delivered,
  cancelled or returned order.
- ``parcel-locker`` / ``pickup`` (personal pickup): the order's delivery method.
- ``made-to-order``: a line is made to order.
- ``high-priority``: the total reaches the policy's threshold for its
  currency, or a VIP customer.

:func:`auto_tags` computes them (pure); :func:`refresh_auto_tags` puts them on
the order, replacing the ones derived before, and is what to call whenever
the payment, the delivery or the shipping plan changes.

>>> from ecomflow.testing import sample_order
>>> from datetime import UTC, datetime
>>> order = sample_order(paid=True, method="parcel_locker")
>>> sorted(auto_tags(order, now=datetime(2026, 11, 24, 10, 0, tzinfo=UTC)))
['parcel-locker', 'ship-today']

On Christmas Eve (a public holiday in Poland since 2025) nothing ships:

>>> eve = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)  # 10:00 in Warsaw
>>> sorted(auto_tags(sample_order(paid=True, created_at=eve), now=eve))
[]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ecomflow.calendar import BusinessCalendar
from ecomflow.clock import ensure_aware
from ecomflow.orders.models import DeliveryMethod, Order
from ecomflow.orders.status import OrderStatus

__all__ = [
    "DERIVED_TAGS",
    "Tag",
    "TagPolicy",
    "TagRefresh",
    "auto_tags",
    "refresh_auto_tags",
    "tag_ship_date",
]


class Tag(StrEnum):
    """Tags ecomflow sets itself (shops may add their own strings)."""

    SHIP_TODAY = "ship-today"
    PICKUP = "pickup"
    PARCEL_LOCKER = "parcel-locker"
    MADE_TO_ORDER = "made-to-order"
    HIGH_PRIORITY = "high-priority"
    VERIFICATION = "verification"
    OUT_OF_STOCK = "out-of-stock"


#: The tags :func:`auto_tags` derives from the order; :func:`refresh_auto_tags` owns them.
DERIVED_TAGS: frozenset[str] = frozenset(
    t.value
    for t in (Tag.SHIP_TODAY, Tag.PICKUP, Tag.PARCEL_LOCKER, Tag.MADE_TO_ORDER, Tag.HIGH_PRIORITY)
)

_NOT_SHIPPING = frozenset(
    {OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.RETURNED}
)


class TagPolicy(BaseModel):
    """Thresholds for :func:`auto_tags`.

    ``cutoff`` is the local time after which an order paid today ships on the
    next working day; it applies only until the order has a shipping plan
    (whose ship date already follows the chosen service's cut-off).
    ``timezone`` is used when no calendar is given; a calendar's own zone wins.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    cutoff: time = time(15, 0)
    timezone: str = "Europe/Warsaw"
    high_priority_totals: dict[str, Decimal] = Field(
        default_factory=lambda: {"PLN": Decimal(1000), "EUR": Decimal(250)},
        description="Cart value per currency from which an order is high priority.",
    )
    vip_is_high_priority: bool = True

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name") from None
        return value


def _accepted_at(order: Order) -> datetime | None:
    """When the order became ready to ship: paid, or created when cash on delivery."""
    if order.is_paid and order.payment.paid_at is not None:
        return order.payment.paid_at
    if order.payment.cod:
        return order.created_at
    return None


def tag_ship_date(order: Order, calendar: BusinessCalendar, policy: TagPolicy) -> date | None:
    """The day ``order`` leaves the warehouse, as far as ``ship-today`` is concerned.

    The shipping plan's ship date when there is one; otherwise the day the
    order was accepted (paid, or created for cash on delivery) if it is a
    working day and before ``policy.cutoff``, else the next working day.
    ``None`` while the order is not accepted.
    """
    if order.shipping is not None:
        return order.shipping.ship_date
    accepted = _accepted_at(order)
    if accepted is None:
        return None
    local = calendar.local(accepted)
    if local.time().replace(tzinfo=None) < policy.cutoff and calendar.is_business_day(local):
        return local.date()
    return calendar.next_business_day(local)


def _delivery_tag(method: DeliveryMethod) -> Tag | None:
    if method is DeliveryMethod.PICKUP:
        return Tag.PICKUP
    if method is DeliveryMethod.PARCEL_LOCKER:
        return Tag.PARCEL_LOCKER
    return None


def _high_priority(order: Order, policy: TagPolicy) -> bool:
    threshold = policy.high_priority_totals.get(order.currency)
    reached = threshold is not None and order.total.amount >= threshold
    return reached or (policy.vip_is_high_priority and order.customer.vip)


def auto_tags(
    order: Order,
    policy: TagPolicy | None = None,
    *,
    now: datetime,
    calendar: BusinessCalendar | None = None,
) -> set[str]:
    """The derived tags ``order`` should carry at ``now`` (pure: the order is not changed).

    ``calendar`` is the warehouse's business calendar (default: Polish public
    holidays, Monday to Friday, in ``policy.timezone``). See the module
    docstring for what each tag means.
    """
    policy = policy or TagPolicy()
    calendar = calendar or BusinessCalendar(tz=policy.timezone)
    today = calendar.local(ensure_aware(now, "now")).date()
    tags: set[str] = set()
    if order.status not in _NOT_SHIPPING and tag_ship_date(order, calendar, policy) == today:
        tags.add(Tag.SHIP_TODAY.value)
    delivery = _delivery_tag(order.delivery.method)
    if delivery is not None:
        tags.add(delivery.value)
    if any(line.made_to_order for line in order.lines):
        tags.add(Tag.MADE_TO_ORDER.value)
    if _high_priority(order, policy):
        tags.add(Tag.HIGH_PRIORITY.value)
    return tags


@dataclass(frozen=True, slots=True)
class TagRefresh:
    """What :func:`refresh_auto_tags` did: the derived tags now, and the changes."""

    derived: frozenset[str]
    added: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def changed(self) -> bool:
        """Whether the order's tags changed."""
        return bool(self.added or self.removed)


def refresh_auto_tags(
    order: Order,
    policy: TagPolicy | None = None,
    *,
    now: datetime,
    calendar: BusinessCalendar | None = None,
    previous: Iterable[str] | None = None,
) -> TagRefresh:
    """Replace the derived tags on ``order`` with :func:`auto_tags`, keeping every other tag.

    ``previous`` is the :attr:`TagRefresh.derived` of the last refresh: only
    those tags can be removed, so a derived name that a rule or a person set
    on their own stays. Without it, every tag on the order whose name is in
    :data:`DERIVED_TAGS` counts as derived. Calling it again with nothing
    changed changes nothing.

    >>> from datetime import UTC, datetime
    >>> from ecomflow.testing import sample_order
    >>> order = sample_order(method="parcel_locker")
    >>> order.tags.add("gift-wrap")
    >>> now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    >>> first = refresh_auto_tags(order, now=now)
    >>> order.delivery.method = "courier"
    >>> refresh_auto_tags(order, now=now, previous=first.derived).removed
    ('parcel-locker',)
    >>> sorted(order.tags)
    ['gift-wrap']
    """
    derived = frozenset(auto_tags(order, policy, now=now, calendar=calendar))
    owned = DERIVED_TAGS if previous is None else frozenset(previous)
    stale = (order.tags & owned) - derived
    fresh = derived - order.tags
    order.tags = (order.tags - stale) | derived
    return TagRefresh(derived=derived, added=tuple(sorted(fresh)), removed=tuple(sorted(stale)))
