"""The four proactive messages of seed 003, plus the data request for held orders.

Order confirmation (with the promised ship date and the returns link),
shipped (carrier, tracking number and link), exception/delay (what happened,
the new expected date, what to do) and delivered (how to return, how to get
help). Dates and money go through babel in the customer's language.

>>> from datetime import date
>>> from ecomflow.testing import sample_order
>>> order = sample_order()
>>> message = render(MessageKind.CONFIRMATION, order, ship_date=date(2026, 11, 24),
...                  delivery_date=date(2026, 11, 25))
>>> print(message.subject)
Dziękujemy! Zamówienie 1001 przyjęte
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from rich.console import Console

from ecomflow.notify.catalog import catalog, language_of
from ecomflow.notify.dates import LOCALES, Preposition, format_day
from ecomflow.orders.models import Order
from ecomflow.orders.status import OrderStatus
from ecomflow.shipping.exceptions import DelayReason

__all__ = [
    "ConsoleNotifier",
    "DelayReason",
    "Message",
    "MessageKind",
    "Notifier",
    "RecordingNotifier",
    "ShopLinks",
    "render",
    "tracking_status_text",
]


class MessageKind(StrEnum):
    """The customer messages ecomflow sends."""

    CONFIRMATION = "confirmation"
    SHIPPED = "shipped"
    DELAY = "delay"
    DELIVERED = "delivered"
    DATA_REQUEST = "data_request"
    RETURN_UPDATE = "return_update"


@dataclass(frozen=True)
class ShopLinks:
    """Links the messages point to."""

    returns_url: str = "https://sklep.example/zwroty"
    help_url: str = "https://sklep.example/pomoc"
    tracking_url: str = "https://inpost.pl/sledzenie-przesylek?number={tracking_number}"
    return_days: int = 14


@dataclass(frozen=True)
class Message:
    """A rendered message, ready for a notifier."""

    kind: MessageKind
    order_id: str
    to: str | None
    language: str
    subject: str
    body: str
    key: str = ""

    def __str__(self) -> str:
        return f"[{self.kind.value} → {self.to}] {self.subject}\n{self.body}"


def _day(value: date | None, language: str, preposition: Preposition | None = None) -> str:
    if value is None:
        return "—"
    return format_day(value, language, preposition=preposition)


def render(
    kind: MessageKind,
    order: Order,
    *,
    locale: str | None = None,
    links: ShopLinks | None = None,
    ship_date: date | None = None,
    delivery_date: date | None = None,
    parcels: int = 1,
    reason: DelayReason | None = None,
    reasons: list[str] | None = None,
    key: str = "",
    rma: str = "",
    rma_status: str = "",
) -> Message:
    """Render ``kind`` for ``order`` in the customer's language (or ``locale``)."""
    language = language_of(locale or order.customer.language)
    texts = catalog(language)
    links = links or ShopLinks()
    tracking_number = order.shipment.tracking_number if order.shipment else ""
    context: dict[str, Any] = {
        "name": (order.customer.name or "").split(" ")[0] or "",
        "order": order.channel_order_id,
        "total": order.total.format(LOCALES[language]),
        "ship_date": _day(ship_date, language, "w"),
        "delivery_date": _day(delivery_date, language, "na"),
        "returns_url": links.returns_url,
        "help_url": links.help_url,
        "carrier": (order.shipment.carrier if order.shipment else "").upper() or "—",
        "tracking_number": tracking_number or "—",
        "tracking_url": links.tracking_url.format(tracking_number=tracking_number or ""),
        "parcels": texts.ngettext("{n} parcel", "{n} parcels", parcels).format(n=parcels),
        "days": texts.ngettext("{n} day", "{n} days", links.return_days).format(
            n=links.return_days
        ),
        "new_date": _day(delivery_date, language),
        "what": texts.gettext(f"delay.what.{(reason or DelayReason.NO_MOVEMENT).value}"),
        "action": texts.gettext(
            "delay.action.pickup"
            if reason is DelayReason.CARRIER_EXCEPTION
            and order.delivery.method.value == "parcel_locker"
            else "delay.action.wait"
        ),
        "reasons": "\n".join(f"- {r}" for r in (reasons or [])),
        "rma": rma,
        "rma_status": rma_status,
    }
    return Message(
        kind=kind,
        order_id=order.id,
        to=order.customer.email,
        language=language,
        subject=texts.gettext(f"{kind.value}.subject").format(**context),
        body=texts.gettext(f"{kind.value}.body").format(**context),
        key=key or f"{kind.value}:{order.id}",
    )


def tracking_status_text(order: Order, locale: str | None = None) -> str:
    """The one customer-facing status wording (messages, tracking page, panel).

    >>> from ecomflow.testing import sample_order
    >>> tracking_status_text(sample_order(), "en")
    'Received — waiting for payment'
    """
    language = language_of(locale or order.customer.language)
    number = order.shipment.tracking_number if order.shipment else ""
    text = catalog(language).gettext(f"status.{OrderStatus(order.status).value}")
    return text.format(tracking_number=number or "—")


@runtime_checkable
class Notifier(Protocol):
    """Delivers messages (e-mail, SMS, a channel's message centre…)."""

    def send(self, message: Message) -> None:
        """Deliver ``message``; a repeated ``message.key`` must not deliver it twice."""


@dataclass
class RecordingNotifier:
    """Keeps messages in memory, once per key (tests, the demo's report)."""

    sent: list[Message] = field(default_factory=list)
    _keys: set[str] = field(default_factory=set, repr=False)

    def send(self, message: Message) -> None:
        """Record ``message`` unless its key was sent already."""
        if message.key in self._keys:
            return
        self._keys.add(message.key)
        self.sent.append(message)

    def by_kind(self) -> dict[str, int]:
        """How many messages of each kind went out."""
        counts: dict[str, int] = {}
        for message in self.sent:
            counts[message.kind.value] = counts.get(message.kind.value, 0) + 1
        return counts


class ConsoleNotifier:
    """Prints messages to the terminal (the demo), once per key."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()
        self._keys: set[str] = set()

    def send(self, message: Message) -> None:
        """Print ``message`` unless its key was printed already."""
        if message.key in self._keys:
            return
        self._keys.add(message.key)
        self.console.print(f"[bold]{message.subject}[/bold]\n{message.body}\n")
