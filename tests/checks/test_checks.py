from __future__ import annotations

from decimal import Decimal

import pytest

from ecomflow import Money
from ecomflow.catalog import Product
from ecomflow.checks import (
    CheckPolicy,
    Severity,
    audit_products,
    check_address,
    check_order,
    hold_if_needed,
    normalise_phone,
    weight_mismatch,
)
from ecomflow.orders import Address, InvoiceRequest, OrderFlow, OrderStatus
from ecomflow.testing import sample_order


def codes(findings: list) -> list[str]:  # type: ignore[type-arg]
    return sorted(f.code for f in findings)


def test_a_good_order_has_no_findings() -> None:
    assert check_order(sample_order()) == []
    assert check_order(sample_order(method="parcel_locker")) == []


@pytest.mark.parametrize(
    ("country", "good", "bad"),
    [
        ("PL", "00-950", "00950"),
        ("DE", "10115", "1011"),
        ("CZ", "110 00", "1100"),
        ("SK", "81101", "8110A"),
        ("LT", "LT-01100", "0110"),
        ("FR", "75008", "7500"),
        ("GB", "SW1A 1AA", "SW1A1"),
        ("NL", "1012 JS", "1012"),
        ("IT", "00184", "#"),
    ],
)
def test_postcodes_per_country(country: str, good: str, bad: str) -> None:
    ok = Address(name="A", street="S 1", city="C", postcode=good, country=country)
    assert check_address(ok, "a", phone_required=False) == []
    wrong = ok.model_copy(update={"postcode": bad})
    (finding,) = check_address(wrong, "a", phone_required=False)
    assert finding.code == "address.postcode"
    assert finding.value == bad


def test_required_fields_and_missing_address() -> None:
    found = check_address(Address(country="PL"), "delivery_address", phone_required=False)
    assert codes(found) == ["address.required"] * 4
    assert codes(check_address(None, "x")) == ["address.missing"]


@pytest.mark.parametrize(
    ("phone", "country", "e164"),
    [
        ("600 100 200", "PL", "+48600100200"),
        ("+48 600-100-200", "PL", "+48600100200"),
        ("030 901820", "DE", "+4930901820"),
        ("12", "PL", None),
        ("not a phone", "PL", None),
    ],
)
def test_phones(phone: str, country: str, e164: str | None) -> None:
    assert normalise_phone(phone, country) == e164


def test_invalid_phone_is_an_error() -> None:
    order = sample_order()
    order.delivery_address.phone = "123"  # type: ignore[union-attr]
    (finding,) = check_order(order)
    assert (finding.code, finding.severity) == ("phone.invalid", Severity.ERROR)


@pytest.mark.parametrize(
    ("nip", "code"),
    [
        ("7740001454", None),
        ("774-000-14-54", None),
        ("PL5260250274", None),
        ("DE136695976", None),
        ("7740001455", "invoice.nip_invalid"),
        ("1234567890", "invoice.nip_invalid"),
        ("DE136695977", "invoice.nip_invalid"),
        ("", "invoice.nip_missing"),
    ],
)
def test_nip_and_vat_ids(nip: str, code: str | None) -> None:
    order = sample_order()
    order.invoice = InvoiceRequest(company="ACME sp. z o.o.", nip=nip or None)
    found = [f for f in check_order(order) if f.code.startswith("invoice")]
    assert codes(found) == ([code] if code else [])


def test_locker_without_point_and_email() -> None:
    order = sample_order(method="parcel_locker")
    order.delivery.point_id = None
    order.customer.email = None
    order.delivery_address.email = None  # type: ignore[union-attr]
    assert codes(check_order(order)) == ["delivery.email_missing", "delivery.point_missing"]


def test_ean_on_lines_is_a_warning() -> None:
    order = sample_order()
    order.lines = [order.lines[0].model_copy(update={"ean": "5901234123458"})]
    (finding,) = check_order(order)
    assert (finding.code, finding.severity) == ("ean.invalid", Severity.WARNING)


def test_mismatch_cod_and_quantity_warnings() -> None:
    order = sample_order(cod=True, lines={"A": (25, "100.00")})
    order.billing_address = order.delivery_address.model_copy(  # type: ignore[union-attr]
        update={"name": "Jan Kowalski", "phone": "+48 601 000 000"}
    )
    found = check_order(order)
    assert codes(found) == [
        "lines.quantity_unusual",
        "mismatch.name",
        "mismatch.phone",
        "payment.cod_high",
    ]
    assert all(f.severity is Severity.WARNING for f in found)
    lenient = CheckPolicy(cod_limits={"PLN": Money(5000, "PLN")}, max_units_per_sku=50)
    assert codes(check_order(order, lenient)) == ["mismatch.name", "mismatch.phone"]


def test_hold_if_needed_holds_with_verification_and_asks_for_data() -> None:
    order = sample_order(paid=True)
    order.delivery_address.postcode = "3114"  # type: ignore[union-attr]
    flow = OrderFlow(order)
    flow.pay()
    request = hold_if_needed(order, check_order(order), flow)
    assert request is not None
    assert order.status is OrderStatus.ON_HOLD
    assert "verification" in order.tags
    assert request.fields == ["delivery_address.postcode"]
    assert "postcode 3114" in str(request)
    assert order.history[-1].actor == "checks"


def test_mismatch_holds_by_policy_and_clean_orders_do_not() -> None:
    order = sample_order()
    order.billing_address = order.delivery_address.model_copy(  # type: ignore[union-attr]
        update={"name": "Jan Kowalski"}
    )
    flow = OrderFlow(order)
    assert hold_if_needed(order, check_order(order), flow) is not None
    relaxed = CheckPolicy(hold_codes=frozenset())
    clean = sample_order()
    assert hold_if_needed(clean, check_order(clean), OrderFlow(clean), relaxed) is None
    assert clean.status is OrderStatus.NEW


def test_audit_products() -> None:
    report = audit_products(
        [
            Product(
                sku="A",
                ean="5901234123457",
                weight_kg=Decimal(1),
                dimensions_cm=(Decimal(1), Decimal(2), Decimal(3)),
                images=["a.jpg"],
            ),
            Product(
                sku="B",
                ean="5901234123457",
                weight_kg=Decimal(1),
                dimensions_cm=(Decimal(1), Decimal(2), Decimal(3)),
                images=["b.jpg"],
            ),
            Product(sku="C"),
        ]
    )
    assert codes(report["A"]) == ["ean.duplicate"]
    assert "also used by B" in report["A"][0].message
    assert codes(report["C"]) == [
        "ean.missing",
        "product.dimensions_missing",
        "product.images_missing",
        "product.weight_missing",
    ]


def test_weight_mismatch() -> None:
    check = weight_mismatch("2.05", "2.00", "0.1")
    assert not check.flagged
    assert check.difference_kg == Decimal("0.05")
    assert weight_mismatch(3, 2).flagged
