"""Check findings told to the customer in their language, from the stable code (+ field, value)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import ecomflow.checks
import ecomflow.notify
from ecomflow.checks import CheckPolicy, Finding, Severity, check_order, hold_if_needed
from ecomflow.notify import MessageKind, ShopSettings, catalog, describe_finding, render
from ecomflow.orders import Address, InvoiceRequest, Order, OrderFlow
from ecomflow.testing import sample_order

SHOP = ShopSettings(name="Kubkowo", sender_email="sklep@kubkowo.pl")
CHECKS_SOURCE = Path(ecomflow.checks.__file__).parent


@dataclass(frozen=True)
class Seen:
    """Any object with code, field and value will do (e.g. read back from an outbox payload)."""

    code: str
    field: str
    value: Any = None


def _codes_in_checks() -> list[str]:
    """Every finding code the checks can produce, read from their source."""
    pattern = re.compile(r'(?:Finding|_finding)\(\s*"([a-z_]+\.[a-z_]+)"')
    codes = set()
    for path in CHECKS_SOURCE.glob("*.py"):
        codes |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return sorted(codes)


def test_the_code_list_is_complete_enough_to_mean_something() -> None:
    assert len(_codes_in_checks()) >= 19


@pytest.mark.parametrize("code", _codes_in_checks())
def test_every_check_code_has_its_own_polish_and_english_sentence(code: str) -> None:
    finding = Seen(code, "delivery_address.name", "X-1")
    polish = describe_finding(finding, "pl", order=sample_order())
    english = describe_finding(finding, "en", order=sample_order())
    assert polish != describe_finding(Seen("no.such_code", "x"), "pl")
    assert english != describe_finding(Seen("no.such_code", "x"), "en")
    assert polish != english
    assert "finding." not in polish + english


POLISH = [
    (
        Seen("address.postcode", "delivery_address.postcode", "31147"),
        "Adres dostawy: kod pocztowy 31147 nie pasuje do formatu NN-NNN.",
    ),
    (
        Seen("address.required", "billing_address.name"),
        "Adres do faktury: brakuje imienia i nazwiska.",
    ),
    (
        Seen("address.required", "delivery_address.street"),
        "Adres dostawy: brakuje ulicy i numeru domu.",
    ),
    (Seen("address.required", "delivery_address.city"), "Adres dostawy: brakuje miejscowości."),
    (Seen("address.missing", "delivery_address"), "Brakuje adresu dostawy."),
    (Seen("phone.missing", "delivery_address.phone"), "Adres dostawy: brakuje numeru telefonu."),
    (
        Seen("phone.invalid", "delivery_address.phone", "123"),
        "Adres dostawy: numer telefonu 123 wygląda na niepoprawny.",
    ),
    (
        Seen("invoice.nip_missing", "invoice.nip"),
        "Prosisz o fakturę na firmę, ale nie podano numeru NIP.",
    ),
    (
        Seen("invoice.nip_invalid", "invoice.nip", "123-456-78-90"),
        "Numer NIP 123-456-78-90 jest niepoprawny.",
    ),
    (
        Seen("delivery.point_missing", "delivery.point_id"),
        "Nie wybrano automatu paczkowego — napisz, proszę, do którego mamy wysłać paczkę.",
    ),
    (
        Seen("mismatch.name", "billing_address.name", "Jan Kowalski"),
        "Adres do faktury: imię i nazwisko „Jan Kowalski” różni się od podanego w adresie dostawy.",
    ),
    (
        Seen("payment.cod_high", "payment.cod", "49.00 PLN"),
        "Zamówienie na 49,00\xa0zł ma być opłacone przy odbiorze — potwierdź, proszę, że tak ma"
        " zostać.",
    ),
    (Seen("no.such_code", "lines[0].gift_wrap"), "Część danych zamówienia wymaga sprawdzenia."),
]

ENGLISH = [
    (
        Seen("address.postcode", "delivery_address.postcode", "31147"),
        "Delivery address: the postcode 31147 does not match the format NN-NNN.",
    ),
    (Seen("address.required", "billing_address.name"), "Billing address: the name is missing."),
    (Seen("address.missing", "delivery_address"), "The delivery address is missing."),
    (
        Seen("phone.invalid", "delivery_address.phone", "123"),
        "Delivery address: the phone number 123 does not look valid.",
    ),
    (
        Seen("invoice.nip_invalid", "invoice.nip", "123-456-78-90"),
        "The tax ID (NIP) 123-456-78-90 is not valid.",
    ),
    (Seen("no.such_code", "lines[0].gift_wrap"), "Some details of the order need checking."),
]


@pytest.mark.parametrize(("finding", "sentence"), POLISH)
def test_findings_in_polish(finding: Seen, sentence: str) -> None:
    assert describe_finding(finding, "pl", order=sample_order()) == sentence


@pytest.mark.parametrize(("finding", "sentence"), ENGLISH)
def test_findings_in_english(finding: Seen, sentence: str) -> None:
    assert describe_finding(finding, "en", order=sample_order()) == sentence


def test_postcode_of_a_country_without_a_known_format_says_it_looks_wrong() -> None:
    order = sample_order(country="IE")
    finding = Seen("address.postcode", "delivery_address.postcode", "??")
    assert describe_finding(finding, "pl", order=order) == (
        "Adres dostawy: kod pocztowy ?? wygląda na niepoprawny."
    )


def test_a_value_placeholder_without_a_value_falls_back_to_the_generic_sentence() -> None:
    finding = Seen("invoice.nip_invalid", "invoice.nip", None)
    assert describe_finding(finding, "pl") == "Część danych zamówienia wymaga sprawdzenia."


def _bad_order() -> Order:
    order = sample_order()
    order.delivery_address = Address(
        name="Anna Nowak",
        street="ul. Długa 1",
        city="Kraków",
        postcode="31147",
        country="PL",
        phone="123",
    )
    return order


def test_data_request_lists_the_checks_findings_in_polish() -> None:
    order = _bad_order()
    findings = check_order(order)
    message = render(MessageKind.DATA_REQUEST, order, shop=SHOP, findings=findings)
    assert message.body == (
        "Cześć Anna,\n"
        "zanim wyślemy zamówienie 1001, prosimy o sprawdzenie:\n"
        "- Adres dostawy: kod pocztowy 31147 nie pasuje do formatu NN-NNN.\n"
        "- Adres dostawy: numer telefonu 123 wygląda na niepoprawny.\n"
        "Wystarczy odpowiedzieć na tę wiadomość, a wyślemy je od razu.\n"
        "\n"
        "Pozdrawiamy\n"
        "Kubkowo"
    )
    assert "<ul><li>Adres dostawy: kod pocztowy 31147" in message.html


def test_data_request_lists_the_checks_findings_in_english() -> None:
    order = _bad_order()
    order.customer.language = "en"
    message = render(MessageKind.DATA_REQUEST, order, findings=check_order(order))
    assert message.body == (
        "Hi Anna,\n"
        "Before we ship order 1001, please check:\n"
        "- Delivery address: the postcode 31147 does not match the format NN-NNN.\n"
        "- Delivery address: the phone number 123 does not look valid.\n"
        "Just reply to this message and we will ship it right away."
    )


def test_no_english_check_message_inside_a_polish_message() -> None:
    order = _bad_order()
    order.invoice = InvoiceRequest(company="Firma", nip="123")
    order.billing_address = Address(name="Jan Kowalski", street="", city="Kraków", postcode="1")
    flow = OrderFlow(order)
    request = hold_if_needed(order, check_order(order), flow, CheckPolicy())
    assert request is not None and len(request.findings) >= 5
    message = render(MessageKind.DATA_REQUEST, order, findings=request.findings)
    for finding in request.findings:
        assert finding.message not in message.body
    for english in (" is ", "missing", "invalid", "differs", "format NN-NNN is"):
        assert english not in message.body


def test_pre_rendered_english_reasons_are_never_inlined() -> None:
    message = render(
        MessageKind.DATA_REQUEST,
        sample_order(),
        reasons=["postcode 3114 is not in the PL format NN-NNN"],
    )
    assert "is not in the PL format" not in message.body
    assert "- Część danych zamówienia wymaga sprawdzenia." in message.body.splitlines()


def test_real_findings_objects_are_accepted() -> None:
    finding = Finding("phone.missing", Severity.ERROR, "delivery_address.phone", "no phone number")
    assert describe_finding(finding, "pl") == "Adres dostawy: brakuje numeru telefonu."


def test_every_finding_msgid_exists_in_both_catalogs() -> None:
    def ids(language: str) -> set[str]:
        path = Path(ecomflow.notify.__file__).parent / f"locale/{language}/LC_MESSAGES/ecomflow.po"
        return set(re.findall(r'^msgid "(finding\.[^"]+|field\.[^"]+)"', path.read_text(), re.M))

    assert ids("pl") == ids("en")
    assert catalog("pl").gettext("finding.generic") != catalog("en").gettext("finding.generic")
