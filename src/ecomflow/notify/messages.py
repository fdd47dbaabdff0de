r"""The four proactive messages of seed 003, plus the data request and return updates.

Order confirmation (with the promised ship date and the returns link),
shipped (carrier, tracking number and the carrier's link), exception/delay
(what happened, the new expected date, what to do) and delivered (how to
return, how to get help). Dates and money go through babel in the customer's
language; every text comes from the ``.po`` catalogs. Each message has a
plain-text and an HTML body (escaped).

>>> from datetime import date, datetime
>>> from ecomflow.notify import ShopSettings
>>> from ecomflow.testing import sample_order
>>> shop = ShopSettings(name="Kubkowo", sender_email="sklep@kubkowo.pl",
...                     returns_url="https://kubkowo.pl/zwroty")
>>> message = render(MessageKind.CONFIRMATION, sample_order(), shop=shop,
...                  ship_date=date(2026, 11, 24), delivery_date=date(2026, 11, 25))
>>> print(message.subject)
Dziękujemy! Zamówienie 1001 przyjęte
>>> print(message.body.replace("\xa0", " "))  # babel puts a no-break space before "zł"
Cześć Anna,
dziękujemy za zamówienie 1001 na 49,00 zł.
Wyślemy je we wtorek, 24 listopada, a dostawę przewidujemy na środę, 25 listopada.
Zwrot? Wystarczy kilka kliknięć: https://kubkowo.pl/zwroty
<BLANKLINE>
Pozdrawiamy
Kubkowo
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from ecomflow.notify._money import format_money
from ecomflow.notify.catalog import catalog, language_of
from ecomflow.notify.dates import format_day
from ecomflow.notify.findings import FindingLike, describe_finding
from ecomflow.notify.settings import ShopSettings, carrier_name
from ecomflow.orders.models import DeliveryMethod, Order
from ecomflow.orders.status import OrderStatus
from ecomflow.shipping.exceptions import DelayReason
from ecomflow.shipping.tracking import TrackingStatus

__all__ = [
    "DelayReason",
    "Message",
    "MessageKind",
    "Notifier",
    "render",
    "tracking_status_text",
]


class MessageKind(StrEnum):
    """The customer messages ecomflow sends (values are stable: they are in outbox keys)."""

    CONFIRMATION = "confirmation"
    SHIPPED = "shipped"
    DELAY = "delay"
    DELIVERED = "delivered"
    DATA_REQUEST = "data_request"
    RETURN_UPDATE = "return_update"
    READY_FOR_PICKUP = "ready_for_pickup"


@dataclass(frozen=True, kw_only=True)
class Message:
    """A rendered message, ready for a notifier.

    ``body`` is the plain text, ``html`` the same content as an HTML document
    (everything from the order escaped). ``sender`` and ``reply_to`` come from
    :class:`~ecomflow.notify.ShopSettings` (``None`` without one). Personal data
    (address, phone, texts) is left out of ``repr``.
    """

    kind: MessageKind
    order_id: str
    to: str | None = field(repr=False)
    language: str
    subject: str
    body: str = field(repr=False)
    html: str = field(default="", repr=False)
    key: str = ""
    sender: str | None = None
    reply_to: str | None = None
    phone: str | None = field(default=None, repr=False)

    def __str__(self) -> str:
        return f"[{self.kind.value}] {self.subject}\n{self.body}"


# -- composing a body: plain text and HTML from one list of blocks -------------------------


@dataclass
class _Block:
    lines: list[str]
    bullets: bool = False


class _Writer:
    """Collects the lines of one message in one language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.texts = catalog(language)
        self.blocks: list[_Block] = [_Block([])]
        self.footer: list[str] = []
        self.links: list[str] = []

    def text(self, msgid: str, **values: Any) -> str:
        return self.texts.gettext(msgid).format(**values)

    def plural(self, singular: str, plural: str, n: int, **values: Any) -> str:
        return self.texts.ngettext(singular, plural, n).format(n=n, **values)

    def line(self, text: str) -> None:
        if self.blocks[-1].bullets:
            self.blocks.append(_Block([]))
        self.blocks[-1].lines.append(text)

    def bullets(self, items: Sequence[str]) -> None:
        self.blocks.append(_Block(list(items), bullets=True))

    def link(self, url: str) -> str:
        self.links.append(url)
        return url

    def plain(self) -> str:
        lines: list[str] = []
        for block in self.blocks:
            lines += [f"- {line}" for line in block.lines] if block.bullets else block.lines
        text = "\n".join(lines)
        if self.footer:
            text += "\n\n" + "\n".join(self.footer)
        return text

    def _html_line(self, line: str) -> str:
        escaped = html.escape(line, quote=True)
        if not self.links:
            return escaped
        known = sorted({html.escape(url, quote=True) for url in self.links}, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(url) for url in known))
        return pattern.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)

    def document(self, subject: str) -> str:
        parts = []
        for block in self.blocks:
            if not block.lines:
                continue
            if block.bullets:
                items = "".join(f"<li>{self._html_line(line)}</li>" for line in block.lines)
                parts.append(f"<ul>{items}</ul>")
            else:
                parts.append("<p>" + "<br>\n".join(map(self._html_line, block.lines)) + "</p>")
        if self.footer:
            parts.append("<p>" + "<br>\n".join(map(self._html_line, self.footer)) + "</p>")
        return (
            f'<!DOCTYPE html>\n<html lang="{self.language}">\n<head><meta charset="utf-8">'
            f"<title>{html.escape(subject)}</title></head>\n<body>\n"
            + "\n".join(parts)
            + "\n</body>\n</html>\n"
        )


def _is_http(url: str | None) -> bool:
    if not url or any(c.isspace() for c in url):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _tracking_link(order: Order, shop: ShopSettings | None) -> str | None:
    """The carrier's link for the shipment; else the shop's own page; never a guess."""
    shipment = order.shipment
    if shipment is None:
        return None
    if _is_http(shipment.tracking_url):
        return shipment.tracking_url
    if shop is not None and shipment.tracking_number:
        return shop.tracking_link(shipment.tracking_number, order.channel_order_id)
    return None


def _one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass
class _Context:
    """What every message part may need, worked out once."""

    order: Order
    shop: ShopSettings | None
    out: _Writer
    number: str
    tracking_number: str | None
    tracking_url: str | None
    carrier: str


def _greeting(ctx: _Context) -> None:
    first = (ctx.order.customer.name or "").split()
    if first:
        ctx.out.line(ctx.out.text("greeting.named", name=first[0]))
    else:
        ctx.out.line(ctx.out.text("greeting.anonymous"))


def _tracking_lines(ctx: _Context, parcels: int = 1) -> None:
    if ctx.tracking_number:
        ctx.out.line(ctx.out.text("tracking.number", tracking_number=ctx.tracking_number))
    if ctx.tracking_url:
        url = ctx.out.link(ctx.tracking_url)
        ctx.out.line(
            ctx.out.plural("Track it here: {url}", "Track them here: {url}", parcels, url=url)
        )


def _help_line(ctx: _Context) -> None:
    if ctx.shop is not None and ctx.shop.help_url:
        ctx.out.line(ctx.out.text("help.link", help_url=ctx.out.link(ctx.shop.help_url)))
    else:
        ctx.out.line(ctx.out.text("help.reply"))


def _confirmation(ctx: _Context, ship_date: date | None, delivery_date: date | None) -> None:
    out, language = ctx.out, ctx.out.language
    out.line(
        out.text(
            "confirmation.thanks", order=ctx.number, total=format_money(ctx.order.total, language)
        )
    )
    if ship_date and delivery_date:
        out.line(
            out.text(
                "confirmation.dates",
                ship_date=format_day(ship_date, language, preposition="w"),
                delivery_date=format_day(delivery_date, language, preposition="na"),
            )
        )
    elif ship_date:
        out.line(
            out.text(
                "confirmation.ship_date", ship_date=format_day(ship_date, language, preposition="w")
            )
        )
    else:
        out.line(out.text("confirmation.no_dates"))
    if ctx.shop is not None and ctx.shop.returns_url:
        out.line(out.text("returns.link", returns_url=out.link(ctx.shop.returns_url)))
    else:
        out.line(out.text("returns.reply"))


def _shipped(ctx: _Context, parcels: int) -> None:
    ctx.out.line(
        ctx.out.plural(
            "Your parcel from order {order} is now with {carrier}.",
            "{n} parcels from order {order} are now with {carrier}.",
            parcels,
            order=ctx.number,
            carrier=ctx.carrier,
        )
    )
    _tracking_lines(ctx, parcels)


def _delay(ctx: _Context, reason: DelayReason | None, new_date: date | None) -> None:
    out = ctx.out
    reason = reason or DelayReason.NO_MOVEMENT
    out.line(out.text("delay.intro", order=ctx.number))
    what = f"delay.what.{reason.value}"
    if out.texts.gettext(what) == what:  # a reason newer than the catalog
        what = "delay.what.other"
    out.line(f"{out.text(what)} {out.text('delay.safe')}")
    if new_date is not None:
        out.line(out.text("delay.new_date", new_date=format_day(new_date, out.language)))
    else:
        out.line(out.text("delay.no_new_date"))
    locker = ctx.order.delivery.method is DeliveryMethod.PARCEL_LOCKER
    pickup = reason is DelayReason.CARRIER_EXCEPTION and locker
    out.line(out.text("delay.action.pickup" if pickup else "delay.action.wait"))
    _tracking_lines(ctx)


def _delivered(ctx: _Context) -> None:
    out = ctx.out
    days = ctx.shop.return_days if ctx.shop is not None else 14
    out.line(out.text("delivered.confirmed", order=ctx.number))
    period = out.plural("{n} day", "{n} days", days)
    if ctx.shop is not None and ctx.shop.returns_url:
        out.line(
            out.text(
                "delivered.returns.link", days=period, returns_url=out.link(ctx.shop.returns_url)
            )
        )
    else:
        out.line(out.text("delivered.returns.reply", days=period))
    _help_line(ctx)


def _data_request(ctx: _Context, findings: Iterable[FindingLike]) -> None:
    out = ctx.out
    out.line(out.text("data_request.intro", order=ctx.number))
    items = [describe_finding(f, out.language, order=ctx.order) for f in findings]
    generic = out.text("finding.generic")
    out.bullets(list(dict.fromkeys(items)) or [generic[:1].upper() + generic[1:]])
    out.line(out.text("data_request.outro"))


def _return_update(
    ctx: _Context, rma: str, rma_status: str, steps: bool, code: str | None, url: str | None
) -> None:
    out = ctx.out
    out.line(out.text("return_update.status", rma=rma, order=ctx.number, rma_status=rma_status))
    if steps:  # the RMA was just opened: what to do now
        out.line(out.text("return_update.pack", rma=rma))
        if code:
            out.line(out.text("return_update.label", code=code))
            if url and _is_http(url):
                out.line(out.text("return_update.track", url=out.link(url)))
        else:
            out.line(out.text("return_update.send"))
    _help_line(ctx)


def _where_waiting(order: Order, point: str | None) -> str:
    """``shop``, ``locker``, ``point`` or ``unknown``: where a waiting parcel is, for the wording."""
    if order.delivery.method is DeliveryMethod.PICKUP and not order.delivery.point_id:
        return "shop"  # collected in person at the shop (a pickup point has its id)
    if not point:
        return "unknown"
    return "locker" if order.delivery.method is DeliveryMethod.PARCEL_LOCKER else "point"


def _ready_for_pickup(
    ctx: _Context, point: str | None, until: date | datetime | None, code: str | None
) -> None:
    out = ctx.out
    where = _where_waiting(ctx.order, point)
    if where == "shop":  # collected in person: the shop's name, and the slip's code
        point = ctx.shop.name if ctx.shop is not None else ""
        shipment = ctx.order.shipment
        code = code or (shipment.tracking_number if shipment is not None else None)
    out.line(out.text(f"pickup.where.{where}", order=ctx.number, point=point or ""))
    if until is not None:
        zone = ctx.shop.timezone if ctx.shop is not None else "Europe/Warsaw"
        out.line(
            out.text(
                "pickup.until", until=format_day(until, out.language, preposition="do", tz=zone)
            )
        )
    if code:
        out.line(out.text("pickup.code", code=code))
    if where != "shop":  # the code is what the customer shows; nothing to track
        _tracking_lines(ctx)


def render(
    kind: MessageKind,
    order: Order,
    *,
    shop: ShopSettings | None = None,
    locale: str | None = None,
    ship_date: date | None = None,
    delivery_date: date | None = None,
    parcels: int | None = None,
    reason: DelayReason | None = None,
    findings: Iterable[FindingLike] | None = None,
    reasons: Sequence[str] | None = None,
    point: str | None = None,
    pickup_until: date | datetime | None = None,
    pickup_code: str | None = None,
    key: str = "",
    rma: str = "",
    rma_status: str = "",
    return_steps: bool = False,
    return_code: str | None = None,
    return_url: str | None = None,
) -> Message:
    """Render ``kind`` for ``order`` in the customer's language (or ``locale``).

    Args:
        kind: which message.
        order: the order it is about.
        shop: the shop's settings (sender, links, carrier names); without them the
            message has no sender and no links ("reply to this message" instead).
        locale: overrides the customer's language.
        ship_date: the promised ship date (default: ``order.shipping.ship_date``).
        delivery_date: the promised (or, for a delay, the new expected) delivery
            date (default: ``order.shipping.promised_delivery`` for a confirmation).
        parcels: how many parcels (default: the shipping plan's, else 1).
        reason: why a delay message goes out.
        findings: what the checks found, for a data request: each is told to the
            customer from its ``code``, ``field`` and ``value`` (see
            :func:`~ecomflow.notify.describe_finding`).
        reasons: deprecated, kept so older callers do not break: pre-rendered
            (English) texts are never shown; without ``findings`` the customer gets a
            generic sentence in their language. Pass ``findings``.
        point: where a parcel waits for pickup (default: ``order.delivery.point_id``).
        pickup_until: until when it waits (a day, or a moment shown in the shop's zone).
        pickup_code: the code that opens the locker, when the carrier gave one.
        key: the message's idempotency key (default ``"<kind>:<order id>"``).
        rma: the return's number (return updates).
        rma_status: the return's status, in the customer's language.
        return_steps: add what to do now (a return just opened): pack, label, send.
        return_code: the return label's parcel number or drop-off code, when there is one.
        return_url: where the return parcel can be tracked.
    """
    del reasons  # deprecated: pre-rendered English is never shown to a customer
    default_language = shop.language if shop is not None else "pl"
    language = language_of(locale or order.customer.language, default=default_language)
    out = _Writer(language)
    shipment = order.shipment
    plan = order.shipping
    carrier_id = (shipment.carrier if shipment else None) or (plan.carrier if plan else "")
    ctx = _Context(
        order=order,
        shop=shop,
        out=out,
        number=order.channel_order_id,
        tracking_number=shipment.tracking_number if shipment else None,
        tracking_url=_tracking_link(order, shop),
        carrier=(shop.carrier_name(carrier_id) if shop else carrier_name(carrier_id)) or "—",
    )
    if parcels is None:
        parcels = len(plan.parcels) if plan is not None else 1
    _greeting(ctx)
    if kind is MessageKind.CONFIRMATION:
        if plan is not None:
            ship_date = ship_date or plan.ship_date
            delivery_date = delivery_date or plan.promised_delivery
        _confirmation(ctx, ship_date, delivery_date)
    elif kind is MessageKind.SHIPPED:
        _shipped(ctx, parcels)
    elif kind is MessageKind.DELAY:
        _delay(ctx, reason, delivery_date)
    elif kind is MessageKind.DELIVERED:
        _delivered(ctx)
    elif kind is MessageKind.DATA_REQUEST:
        _data_request(ctx, findings or ())
    elif kind is MessageKind.RETURN_UPDATE:
        _return_update(ctx, rma, rma_status, return_steps, return_code, return_url)
    elif kind is MessageKind.READY_FOR_PICKUP:
        _ready_for_pickup(ctx, point or order.delivery.point_id, pickup_until, pickup_code)
    if shop is not None:
        out.footer = [out.text("footer"), shop.name]
    subject = _one_line(
        out.text(f"{kind.value}.subject", order=ctx.number, rma=rma, rma_status=rma_status)
    )
    address = order.delivery_address
    return Message(
        kind=kind,
        order_id=order.id,
        to=order.customer.email or (address.email if address else None),
        language=language,
        subject=subject,
        body=out.plain(),
        html=out.document(subject),
        key=key or f"{kind.value}:{order.id}",
        sender=shop.sender if shop is not None else None,
        reply_to=shop.reply_to if shop is not None else None,
        phone=order.customer.phone or (address.phone if address else None),
    )


def tracking_status_text(
    order: Order,
    locale: str | None = None,
    *,
    tracking: TrackingStatus | None = None,
    point: str | None = None,
) -> str:
    """The one customer-facing status wording (messages, tracking page, panel).

    A hold is worded by its reason (``order.hold_code``): waiting for goods is
    not waiting for the customer. ``tracking`` is the parcel's latest tracking
    status: while it waits at a locker or pickup point (``point``, default
    ``order.delivery.point_id``) the wording says so; other tracking statuses
    keep the order's wording.

    >>> from ecomflow.orders import HoldReason, OrderStatus
    >>> from ecomflow.testing import sample_order
    >>> order = sample_order()
    >>> tracking_status_text(order, "en")
    'Received — waiting for payment'
    >>> order.status, order.hold_code = OrderStatus.ON_HOLD, HoldReason.OUT_OF_STOCK
    >>> tracking_status_text(order, "pl")
    'Wstrzymane — czekamy na dostawę towaru'
    """
    language = language_of(locale or order.customer.language)
    number = order.shipment.tracking_number if order.shipment else ""
    msgid = f"status.{OrderStatus(order.status).value}"
    if tracking is TrackingStatus.READY_FOR_PICKUP:
        point = point or order.delivery.point_id
        text = catalog(language).gettext(f"status.ready_for_pickup.{_where_waiting(order, point)}")
        return text.format(point=point or "")
    texts = catalog(language)
    if order.status is OrderStatus.ON_HOLD and order.hold_code is not None:
        by_reason = f"status.on_hold.{order.hold_code.value}"
        if texts.gettext(by_reason) != by_reason:  # else: a reason newer than the catalog
            msgid = by_reason
    text = texts.gettext(msgid)
    return text.format(tracking_number=number or "—")


@runtime_checkable
class Notifier(Protocol):
    """Delivers messages (e-mail, SMS gateway, helpdesk, a log…).

    ``send`` returns only once the message was accepted, and raises an
    :class:`~ecomflow.errors.EcomflowError` otherwise, so the caller can retry
    or park it. A notifier delivers every call: sending exactly once per key
    is the outbox's job, and a duplicate must stay visible.
    """

    def send(self, message: Message) -> None:
        """Deliver ``message``; raise when it was not accepted."""
