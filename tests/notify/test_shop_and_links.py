"""Shop settings instead of hard-coded links; tracking links and carrier names from the shipment."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from ecomflow.notify import MessageKind, ShopSettings, render
from ecomflow.orders import ShipmentRef
from ecomflow.testing import sample_order

SHOP = ShopSettings(
    name="Kubkowo",
    sender_email="sklep@kubkowo.pl",
    reply_to="pomoc@kubkowo.pl",
    returns_url="https://kubkowo.pl/zwroty",
    help_url="https://kubkowo.pl/pomoc",
    tracking_page="https://kubkowo.pl/sledzenie?numer={tracking_number}",
    carrier_names={"dpd": "DPD Polska"},
)
BARE_SHOP = ShopSettings(name="Kubkowo", sender_email="sklep@kubkowo.pl")
DPD_LINK = "https://tracktrace.dpd.com.pl/parcelDetails?p1=0000123456789"


def _dpd(url: str | None = DPD_LINK) -> ShipmentRef:
    return ShipmentRef(carrier="dpd", tracking_number="0000123456789", tracking_url=url)


def test_shop_settings_have_no_made_up_defaults() -> None:
    with pytest.raises(ValidationError) as caught:
        ShopSettings()  # type: ignore[call-arg]
    missing = {error["loc"][0] for error in caught.value.errors()}
    assert missing == {"name", "sender_email"}


def test_shop_settings_refuse_unknown_keys() -> None:
    with pytest.raises(ValidationError, match="extra"):
        ShopSettings(name="K", sender_email="k@k.pl", returns_link="https://k.pl")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sender_email", "not-an-address"),
        ("returns_url", "kubkowo.pl/zwroty"),
        ("help_url", "javascript:alert(1)"),
        ("tracking_page", "https://kubkowo.pl/sledzenie"),
        ("tracking_page", "https://kubkowo.pl/{parcel}"),
        ("timezone", "Mars/Olympus"),
        ("name", "Kubkowo\nBcc: x@y.pl"),
    ],
)
def test_shop_settings_check_what_they_are_given(field: str, value: str) -> None:
    data = {"name": "Kubkowo", "sender_email": "sklep@kubkowo.pl", field: value}
    with pytest.raises(ValidationError):
        ShopSettings.model_validate(data)


def test_messages_carry_no_made_up_shop_links() -> None:
    for kind in MessageKind:
        message = render(kind, sample_order(), locale="pl")
        assert "sklep.example" not in message.body
        assert "inpost.pl" not in message.body


def test_confirmation_points_to_the_shops_returns_page_and_is_signed_by_the_shop() -> None:
    message = render(
        MessageKind.CONFIRMATION,
        sample_order(),
        shop=SHOP,
        ship_date=date(2026, 11, 25),
        delivery_date=date(2026, 11, 26),
    )
    assert message.body == (
        "Cześć Anna,\n"
        "dziękujemy za zamówienie 1001 na 49,00\xa0zł.\n"
        "Wyślemy je w środę, 25 listopada, a dostawę przewidujemy na czwartek, 26 listopada.\n"
        "Zwrot? Wystarczy kilka kliknięć: https://kubkowo.pl/zwroty\n"
        "\n"
        "Pozdrawiamy\n"
        "Kubkowo"
    )
    assert message.sender == "Kubkowo <sklep@kubkowo.pl>"
    assert message.reply_to == "pomoc@kubkowo.pl"


def test_without_a_returns_page_the_customer_is_asked_to_reply() -> None:
    message = render(MessageKind.CONFIRMATION, sample_order(), shop=BARE_SHOP, locale="en")
    assert message.body == (
        "Hi Anna,\n"
        "Thank you for your order 1001 (PLN\xa049.00).\n"
        "We will let you know as soon as the parcel is on its way.\n"
        "Need to return something? Just reply to this message and we will help.\n"
        "\n"
        "Best regards,\n"
        "Kubkowo"
    )


def test_confirmation_dates_default_to_the_orders_shipping_plan() -> None:
    from ecomflow.parcels import Parcel

    order = sample_order()
    order.shipping = {  # type: ignore[assignment]
        "service_id": "dpd_classic",
        "carrier": "dpd",
        "ship_date": date(2026, 11, 24),
        "promised_delivery": date(2026, 11, 25),
        "parcels": [Parcel(weight_kg="1", length_cm="20", width_cm="15", height_cm="10")],
        "decided_at": "2026-11-24T08:00:00+00:00",
    }
    message = render(MessageKind.CONFIRMATION, order, shop=SHOP)
    assert (
        "Wyślemy je we wtorek, 24 listopada, a dostawę przewidujemy na środę, 25 listopada."
        in message.body.splitlines()
    )


def test_tracking_link_comes_from_the_shipment() -> None:
    order = sample_order()
    order.shipment = _dpd()
    message = render(MessageKind.SHIPPED, order, shop=SHOP, parcels=1)
    assert message.body == (
        "Cześć Anna,\n"
        "Twoja paczka z zamówienia 1001 jest już u przewoźnika DPD Polska.\n"
        "Numer przesyłki: 0000123456789\n"
        f"Śledź ją tutaj: {DPD_LINK}\n"
        "\n"
        "Pozdrawiamy\n"
        "Kubkowo"
    )


def test_tracking_link_falls_back_to_the_shops_own_page() -> None:
    order = sample_order()
    order.shipment = _dpd(url=None)
    message = render(MessageKind.SHIPPED, order, shop=SHOP, parcels=2, locale="en")
    assert message.body == (
        "Hi Anna,\n"
        "2 parcels from order 1001 are now with DPD Polska.\n"
        "Tracking number: 0000123456789\n"
        "Track them here: https://kubkowo.pl/sledzenie?numer=0000123456789\n"
        "\n"
        "Best regards,\n"
        "Kubkowo"
    )


def test_another_carrier_never_gets_an_inpost_link() -> None:
    order = sample_order()
    order.shipment = _dpd(url=None)
    message = render(MessageKind.SHIPPED, order, shop=BARE_SHOP, parcels=5)
    assert message.body == (
        "Cześć Anna,\n"
        "5 paczek z zamówienia 1001 jest już u przewoźnika DPD.\n"
        "Numer przesyłki: 0000123456789\n"
        "\n"
        "Pozdrawiamy\n"
        "Kubkowo"
    )


def test_a_link_that_is_not_http_is_not_shown() -> None:
    order = sample_order()
    order.shipment = _dpd(url="javascript:alert(1)")
    message = render(MessageKind.SHIPPED, order, shop=BARE_SHOP)
    assert "javascript" not in message.body + message.html


@pytest.mark.parametrize(
    ("parcels", "sentence"),
    [
        (2, "2 paczki z zamówienia 1001 są już u przewoźnika InPost."),
        (4, "4 paczki z zamówienia 1001 są już u przewoźnika InPost."),
        (5, "5 paczek z zamówienia 1001 jest już u przewoźnika InPost."),
        (22, "22 paczki z zamówienia 1001 są już u przewoźnika InPost."),
    ],
)
def test_the_verb_agrees_with_the_number_of_parcels(parcels: int, sentence: str) -> None:
    order = sample_order()
    order.shipment = ShipmentRef(carrier="inpost", tracking_number="620000000000000001")
    message = render(MessageKind.SHIPPED, order, parcels=parcels)
    assert sentence in message.body.splitlines()


def test_unknown_carrier_is_shown_as_given_not_upper_cased() -> None:
    order = sample_order()
    order.shipment = ShipmentRef(carrier="Kurier Lokalny", tracking_number="KL-1")
    message = render(MessageKind.SHIPPED, order, shop=BARE_SHOP)
    assert "u przewoźnika Kurier Lokalny." in message.body


def test_customers_language_falls_back_to_the_shops() -> None:
    order = sample_order()
    order.customer.language = "de"
    english_shop = BARE_SHOP.model_copy(update={"language": "en"})
    assert render(MessageKind.DELIVERED, order, shop=english_shop).language == "en"
    assert render(MessageKind.DELIVERED, order, shop=BARE_SHOP).language == "pl"
