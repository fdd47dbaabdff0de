from __future__ import annotations

from datetime import date

import pytest

from ecomflow.checks import Finding, Severity
from ecomflow.notify import (
    DelayReason,
    MessageKind,
    ShopSettings,
    catalog,
    render,
)
from ecomflow.orders import ShipmentRef
from ecomflow.testing import sample_order

SHOP = ShopSettings(
    name="Kubkowo",
    sender_email="sklep@kubkowo.pl",
    returns_url="https://kubkowo.pl/zwroty",
    help_url="https://kubkowo.pl/pomoc",
)


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


@pytest.mark.parametrize("shop", [SHOP, None], ids=["shop", "no-shop"])
@pytest.mark.parametrize("kind", list(MessageKind))
@pytest.mark.parametrize("language", ["pl", "en"])
def test_every_message_renders_completely(
    kind: MessageKind, language: str, shop: ShopSettings | None
) -> None:
    order = sample_order()
    order.shipment = ShipmentRef(
        carrier="inpost",
        tracking_number="620000000000000001",
        tracking_url="https://inpost.pl/sledzenie-przesylek?number=620000000000000001",
    )
    message = render(
        kind,
        order,
        shop=shop,
        locale=language,
        ship_date=date(2026, 11, 24),
        delivery_date=date(2026, 11, 25),
        reason=DelayReason.CARRIER_EXCEPTION,
        findings=[
            Finding(
                "address.postcode",
                Severity.ERROR,
                "delivery_address.postcode",
                "postcode 3114 is not in the PL format NN-NNN",
                "3114",
            )
        ],
        rma="RMA-1",
        rma_status="przyjęty" if language == "pl" else "accepted",
    )
    texts = message.subject + message.body + message.html
    assert "{" not in texts
    assert "." + "subject" not in message.subject
    assert not any(line.startswith(("status.", "finding.")) for line in message.body.split("\n"))
    assert message.to == "anna@example.com"
    assert message.key == f"{kind.value}:{order.id}"
    assert message.language == language


DELAYS = {
    DelayReason.NO_MOVEMENT: "Przewoźnik od dłuższego czasu nie pokazuje ruchu przesyłki.",
    DelayReason.NOT_PICKED_UP: "Kurier nie odebrał jeszcze paczki z magazynu.",
    DelayReason.PROMISE_MISSED: "Przesyłka nie dotarła w obiecanym terminie.",
    DelayReason.CARRIER_EXCEPTION: "Przewoźnik zgłosił problem z doręczeniem.",
}


def test_every_delay_reason_is_told_in_polish() -> None:
    assert set(DELAYS) == set(DelayReason)
    for reason, what in DELAYS.items():
        message = render(MessageKind.DELAY, sample_order(), reason=reason)
        assert f"{what} Paczka jest bezpieczna." in message.body.splitlines()


def test_polish_delay_message_reads_naturally() -> None:
    order = sample_order(method="parcel_locker")
    order.shipment = ShipmentRef(carrier="inpost", tracking_number="620000000000000001")
    message = render(
        MessageKind.DELAY,
        order,
        shop=SHOP,
        reason=DelayReason.CARRIER_EXCEPTION,
        delivery_date=date(2026, 11, 27),
    )
    assert message.subject == "Zamówienie 1001: mała obsuwa"
    assert message.body == (
        "Cześć Anna,\n"
        "piszemy w sprawie zamówienia 1001.\n"
        "Przewoźnik zgłosił problem z doręczeniem. Paczka jest bezpieczna.\n"
        "Nowy przewidywany termin dostawy: piątek, 27 listopada.\n"
        "Paczka czeka w automacie paczkowym — odbierz ją, zanim minie termin.\n"
        "Numer przesyłki: 620000000000000001\n"
        "\n"
        "Pozdrawiamy\n"
        "Kubkowo"
    )


def test_polish_delivered_message_reads_naturally() -> None:
    message = render(MessageKind.DELIVERED, sample_order(), shop=SHOP)
    assert message.body == (
        "Cześć Anna,\n"
        "przewoźnik potwierdził dostawę zamówienia 1001. Mamy nadzieję, że wszystko się podoba!\n"
        "Chcesz coś zwrócić? Masz 14 dni na zgłoszenie: https://kubkowo.pl/zwroty\n"
        "Potrzebujesz pomocy? Odpisz na tę wiadomość albo zajrzyj tutaj: https://kubkowo.pl/pomoc\n"
        "\n"
        "Pozdrawiamy\n"
        "Kubkowo"
    )


def test_a_customer_without_a_name_is_greeted_politely() -> None:
    order = sample_order()
    order.customer.name = ""
    assert render(MessageKind.DELIVERED, order).body.startswith("Dzień dobry,\n")
    assert render(MessageKind.DELIVERED, order, locale="en").body.startswith("Hello,\n")
