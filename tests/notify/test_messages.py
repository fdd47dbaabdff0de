from __future__ import annotations

from datetime import date

import pytest
from babel.dates import format_date

from ecomflow.notify import (
    DelayReason,
    MessageKind,
    RecordingNotifier,
    catalog,
    render,
    tracking_status_text,
)
from ecomflow.orders import OrderStatus, ShipmentRef
from ecomflow.testing import sample_order


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1 paczka"),
        (2, "2 paczki"),
        (4, "4 paczki"),
        (5, "5 paczek"),
        (12, "12 paczek"),
        (22, "22 paczki"),
        (25, "25 paczek"),
    ],
)
def test_polish_plurals_come_from_the_catalog(n: int, text: str) -> None:
    assert catalog("pl").ngettext("{n} parcel", "{n} parcels", n).format(n=n) == text


def test_english_plurals() -> None:
    assert catalog("en").ngettext("{n} parcel", "{n} parcels", 1).format(n=1) == "1 parcel"
    assert catalog("en").ngettext("{n} parcel", "{n} parcels", 3).format(n=3) == "3 parcels"


@pytest.mark.parametrize("kind", list(MessageKind))
@pytest.mark.parametrize("language", ["pl", "en"])
def test_every_message_renders_completely(kind: MessageKind, language: str) -> None:
    order = sample_order()
    order.shipment = ShipmentRef(carrier="inpost", tracking_number="620000000000000001")
    message = render(
        kind,
        order,
        locale=language,
        ship_date=date(2026, 11, 24),
        delivery_date=date(2026, 11, 25),
        reason=DelayReason.CARRIER_EXCEPTION,
        reasons=["postcode 3114 is not in the PL format NN-NNN"],
    )
    assert "{" not in message.subject + message.body
    assert message.subject != f"{kind.value}.subject"
    assert message.to == "anna@example.com"
    assert message.key == f"{kind.value}:{order.id}"


def test_confirmation_has_dates_money_and_returns_link() -> None:
    message = render(
        MessageKind.CONFIRMATION,
        sample_order(),
        ship_date=date(2026, 12, 28),
        delivery_date=date(2026, 12, 29),
    )
    assert format_date(date(2026, 12, 28), format="EEEE, d MMMM", locale="pl_PL") in message.body
    assert sample_order().total.format("pl_PL") in message.body
    assert "https://sklep.example/zwroty" in message.body


def test_shipped_has_real_tracking() -> None:
    order = sample_order()
    order.shipment = ShipmentRef(carrier="inpost", tracking_number="620000000000000001")
    message = render(MessageKind.SHIPPED, order, parcels=2, locale="pl")
    assert "2 paczki" in message.body
    assert "620000000000000001" in message.body
    assert "number=620000000000000001" in message.body


def test_status_text_is_one_wording_everywhere() -> None:
    order = sample_order()
    for status in OrderStatus:
        order.status = status
        assert tracking_status_text(order, "pl")
        assert tracking_status_text(order, "en")
    order.status = OrderStatus.SHIPPED
    order.shipment = ShipmentRef(carrier="inpost", tracking_number="6200")
    assert tracking_status_text(order) == "Wysłane — przesyłka 6200"


def test_recording_notifier_sends_each_key_once() -> None:
    notifier = RecordingNotifier()
    message = render(MessageKind.DELIVERED, sample_order())
    notifier.send(message)
    notifier.send(message)
    assert notifier.by_kind() == {"delivered": 1}
