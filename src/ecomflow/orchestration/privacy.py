"""Personal data as an EU shop must handle it: retention, access and erasure (GDPR).

- :func:`anonymise` replaces the personal data of *closed* orders (delivered,
  cancelled, returned) older than a retention period: names, addresses
  (the country and the postcode's first digits stay, for the reports), phones,
  e-mails, the channel's raw payload and the free-text reasons that may quote
  them. Money, lines, dates, statuses, services and the audit trail's shape
  stay, so every report still adds up. Kept intake failures (raw payloads) past
  the period are deleted.
- :func:`export_customer` gives everything stored about one e-mail address
  (GDPR access), :func:`erase_customer` anonymises it now (GDPR erasure) —
  refused while an order is still open (cancel or finish it first).

Each run is recorded in the audit trail, naming the customer by a hash of
their e-mail address, never by the address itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ecomflow.errors import ValidationFailed
from ecomflow.orchestration.context import Change, Core, change
from ecomflow.orchestration.repository import Unit
from ecomflow.orders.models import Address, Customer, Order, Transition
from ecomflow.orders.status import OrderStatus
from ecomflow.storage import to_db_time

__all__ = ["ANONYMOUS", "PrivacyReport", "anonymise", "erase_customer", "export_customer"]

#: What replaces a personal value.
ANONYMOUS = "[anonymised]"

_CLOSED = (OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.RETURNED)


@dataclass
class PrivacyReport:
    """What :func:`anonymise` or :func:`erase_customer` did."""

    orders: list[str] = field(default_factory=list)
    intake_failures_deleted: int = 0


def customer_ref(email: str) -> str:
    """How the audit trail names a customer: a hash of the normalised e-mail address."""
    digest = hashlib.sha256(email.strip().casefold().encode()).hexdigest()[:16]
    return f"customer#{digest}"


def _address(address: Address | None) -> Address | None:
    if address is None:
        return None
    return Address(
        name=ANONYMOUS,
        country=address.country,
        postcode=address.postcode[:2],
        city="",
        street="",
    )


def _scrub(order: Order) -> None:
    order.customer = Customer(name=ANONYMOUS, language=order.customer.language)
    order.delivery_address = _address(order.delivery_address)
    order.billing_address = _address(order.billing_address)
    order.raw = None
    order.hold_reason = None if order.hold_reason is None else ANONYMOUS
    order.history = [
        t
        if t.reason is None or t.event not in ("hold", "release", "intake")
        else Transition(**{**t.model_dump(), "reason": ANONYMOUS})
        for t in order.history
    ]
    order.tags.add("anonymised")


def _last_change(order: Order) -> datetime:
    return order.history[-1].at if order.history else order.created_at


def anonymise(
    core: Core,
    older_than: timedelta,
    *,
    actor: str = "retention",
    progress: Callable[[int, int], None] | None = None,
) -> PrivacyReport:
    """Anonymise closed orders whose last change is older than ``older_than``.

    ``progress(done, total)`` is called after each order (a progress bar).
    """
    report = PrivacyReport()
    cutoff = core.clock() - older_than
    due = [
        order.id
        for status in _CLOSED
        for order in core.repository.find(status=status.value)
        if "anonymised" not in order.tags and _last_change(order) <= cutoff
    ]
    for done, order_id in enumerate(due, 1):
        change(core, order_id, lambda c: _scrub(c.order))
        report.orders.append(order_id)
        if progress is not None:
            progress(done, len(due))
    with core.repository.unit(core.clock()) as unit:
        unit.tx.execute("DELETE FROM ef_intake_failures WHERE last_seen < ?", (to_db_time(cutoff),))
        report.intake_failures_deleted = unit.tx.rowcount
        unit.audit(
            actor,
            "anonymise",
            f"{len(report.orders)} orders",
            f"closed before {cutoff.date().isoformat()}",
        )
    return report


def _orders_of(core: Core, email: str) -> list[Order]:
    wanted = email.strip().casefold()
    found = []
    for order in core.repository.find():
        addresses = [
            order.customer.email,
            *(a.email for a in (order.delivery_address, order.billing_address) if a is not None),
        ]
        if any(a and a.strip().casefold() == wanted for a in addresses):
            found.append(order)
    return found


def export_customer(core: Core, email: str, *, actor: str = "user") -> dict[str, Any]:
    """Everything stored about ``email``: orders (with history) and returns (GDPR access)."""
    from ecomflow.returns.store import RmaStore  # noqa: PLC0415

    orders = _orders_of(core, email)
    rmas = RmaStore(core.repository.store)
    exported = {
        "customer": email,
        "exported_at": core.clock().isoformat(),
        "orders": [o.model_dump(mode="json") for o in orders],
        "returns": [r.model_dump(mode="json") for o in orders for r in rmas.all(o.id)],
    }
    with core.repository.unit(core.clock()) as unit:
        unit.audit(actor, "gdpr-export", customer_ref(email), f"{len(orders)} orders")
    return exported


def erase_customer(core: Core, email: str, *, actor: str = "user") -> PrivacyReport:
    """Anonymise every order of ``email`` now (GDPR erasure); refused while one is open."""
    orders = _orders_of(core, email)
    open_orders = [o.id for o in orders if o.status not in _CLOSED]
    if open_orders:
        raise ValidationFailed(
            f"{len(open_orders)} orders of this customer are still open "
            f"({', '.join(open_orders[:5])}); cancel or finish them, then erase."
        )
    report = PrivacyReport()

    def scrub(c: Change) -> None:
        _scrub(c.order)
        _audit(c.unit, actor, email, c.order.id)

    for order in orders:
        change(core, order.id, scrub)
        report.orders.append(order.id)
    return report


def _audit(unit: Unit, actor: str, email: str, order_id: str) -> None:
    unit.audit(actor, "gdpr-erase", customer_ref(email), f"order {order_id}")
