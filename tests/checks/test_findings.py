"""Check findings carry what a translated message needs (code, field, value, params).

Another engineer writes the Polish texts keyed by ``code``; a text may use
``{field}``, ``{value}`` and the code's declared params. These tests build
each problem by hand and say what the finding must carry.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ecomflow import Money
from ecomflow.catalog import Product
from ecomflow.checks import (
    FINDING_CODES,
    CheckPolicy,
    Finding,
    Severity,
    audit_products,
    check_address,
    check_order,
)
from ecomflow.orders import Address, InvoiceRequest, Order
from ecomflow.testing import sample_order

CHECKS_SOURCE = Path(__file__).parents[2] / "src" / "ecomflow" / "checks"


def only(findings: list[Finding], code: str) -> Finding:
    (found,) = [f for f in findings if f.code == code]
    return found


def with_billing(**update: Any) -> Order:
    order = sample_order()
    assert order.delivery_address is not None
    order.billing_address = order.delivery_address.model_copy(update=update)
    return order


def locker_without(point: bool, email: bool) -> Order:
    order = sample_order(method="parcel_locker")
    if not point:
        order.delivery.point_id = None
    if not email:
        order.customer.email = None
        assert order.delivery_address is not None
        order.delivery_address.email = None
    return order


def invoice(nip: str | None) -> Order:
    order = sample_order()
    order.invoice = InvoiceRequest(company="ACME", nip=nip)
    return order


def postcode(value: str) -> Order:
    order = sample_order()
    assert order.delivery_address is not None
    order.delivery_address.postcode = value
    return order


def phone(value: str | None) -> Order:
    order = sample_order()
    assert order.delivery_address is not None
    order.delivery_address.phone = value
    return order


def line_ean(ean: str) -> Order:
    order = sample_order()
    order.lines = [order.lines[0].model_copy(update={"ean": ean})]
    return order


def no_delivery_address() -> Order:
    order = sample_order()
    order.delivery_address = None
    return order


def empty_city() -> Order:
    order = sample_order()
    assert order.delivery_address is not None
    order.delivery_address.city = ""
    return order


# (order, code, field, value, params) — every expectation written out by hand.
ORDER_CASES: list[tuple[Order, str, str, Any, dict[str, Any]]] = [
    (no_delivery_address(), "address.missing", "delivery_address", None, {}),
    (empty_city(), "address.required", "delivery_address.city", None, {"part": "city"}),
    (
        postcode("31147"),
        "address.postcode",
        "delivery_address.postcode",
        "31147",
        {"country": "PL", "format": "NN-NNN"},
    ),
    (phone(None), "phone.missing", "delivery_address.phone", None, {}),
    (phone("123"), "phone.invalid", "delivery_address.phone", "123", {"country": "PL"}),
    (invoice(None), "invoice.nip_missing", "invoice.nip", None, {}),
    (
        invoice("7740001455"),
        "invoice.nip_invalid",
        "invoice.nip",
        "7740001455",
        {"reason": "checksum"},
    ),
    (invoice("77400014"), "invoice.nip_invalid", "invoice.nip", "77400014", {"reason": "length"}),
    (
        invoice("７７４０００１４５４"),
        "invoice.nip_invalid",
        "invoice.nip",
        "７７４０００１４５４",
        {"reason": "characters"},
    ),
    (
        line_ean("5901234123458"),
        "ean.invalid",
        "lines[0].ean",
        "5901234123458",
        {"reason": "checksum", "sku": "MUG-RED"},
    ),
    (
        locker_without(point=False, email=True),
        "delivery.point_missing",
        "delivery.point_id",
        None,
        {},
    ),
    (locker_without(point=True, email=False), "delivery.email_missing", "customer.email", None, {}),
    (
        with_billing(name="Jan Kowalski"),
        "mismatch.name",
        "billing_address.name",
        "Jan Kowalski",
        {"delivery": "Anna Nowak"},
    ),
    (
        with_billing(phone="+48 601 000 000"),
        "mismatch.phone",
        "billing_address.phone",
        "+48 601 000 000",
        {"delivery": "+48 600 100 200"},
    ),
    (
        sample_order(cod=True, lines={"TV": (1, "2500.00")}),
        "payment.cod_high",
        "payment.cod",
        Money("2500.00", "PLN"),
        {"limit": Money(2000, "PLN")},
    ),
    (
        sample_order(lines={"A": (25, "1.00")}),
        "lines.quantity_unusual",
        "lines.quantity",
        25,
        {"sku": "A", "limit": 20},
    ),
]


@pytest.mark.parametrize(
    ("order", "code", "field", "value", "params"),
    ORDER_CASES,
    ids=[case[1] + f"-{i}" for i, case in enumerate(ORDER_CASES)],
)
def test_item8_order_findings_carry_code_field_value_and_params(
    order: Order, code: str, field: str, value: Any, params: dict[str, Any]
) -> None:
    found = only(check_order(order), code)
    assert (found.code, found.field, found.value) == (code, field, value)
    assert dict(found.params) == params
    assert found.context() == {"code": code, "field": field, "value": value, **params}


def test_item8_catalogue_findings_carry_the_sku() -> None:
    report = audit_products(
        [
            Product(sku="A", ean="5901234123457", weight_kg=Decimal(0)),
            Product(sku="B", ean="5901234123457"),
            Product(sku="C", ean="5901234123458"),
            Product(sku="D"),
        ]
    )
    weight = only(report["A"], "product.weight_missing")
    assert (weight.field, weight.value, dict(weight.params)) == (
        "weight_kg",
        Decimal(0),
        {"sku": "A"},
    )
    duplicate = only(report["A"], "ean.duplicate")
    assert (duplicate.value, dict(duplicate.params)) == (
        "5901234123457",
        {"sku": "A", "others": ["B"]},
    )
    invalid = only(report["C"], "ean.invalid")
    assert (invalid.value, dict(invalid.params)) == (
        "5901234123458",
        {"reason": "checksum", "sku": "C"},
    )
    assert dict(only(report["D"], "ean.missing").params) == {"sku": "D"}
    assert dict(only(report["D"], "product.dimensions_missing").params) == {"sku": "D"}
    assert dict(only(report["D"], "product.images_missing").params) == {"sku": "D"}


def every_finding() -> list[Finding]:
    found = [f for case in ORDER_CASES for f in check_order(case[0])]
    found += check_address(None, "billing_address")
    report = audit_products(
        [Product(sku="A", ean="1"), Product(sku="B"), Product(sku="C", ean="1")]
    )
    found += [f for findings in report.values() for f in findings]
    return found


def test_item8_every_finding_uses_a_registered_code_with_its_declared_params() -> None:
    seen = set()
    for finding in every_finding():
        assert finding.code in FINDING_CODES, finding.code
        assert set(finding.params) == set(FINDING_CODES[finding.code].params), finding
        seen.add(finding.code)
    assert seen == set(FINDING_CODES), set(FINDING_CODES) - seen


def test_item8_the_registry_lists_every_code_written_in_the_checks() -> None:
    import re

    written = set()
    for path in CHECKS_SOURCE.glob("*.py"):
        written |= set(re.findall(r'"([a-z]+\.[a-z_]+)",\s*\n?\s*Severity\.', path.read_text()))
    assert written, "the pattern found no codes; update the test"
    assert written <= set(FINDING_CODES)


def test_item8_existing_codes_are_stable() -> None:
    stable = {
        "address.missing",
        "address.required",
        "address.postcode",
        "phone.missing",
        "phone.invalid",
        "invoice.nip_missing",
        "invoice.nip_invalid",
        "ean.invalid",
        "ean.missing",
        "ean.duplicate",
        "product.weight_missing",
        "product.dimensions_missing",
        "product.images_missing",
        "delivery.point_missing",
        "delivery.email_missing",
        "mismatch.name",
        "mismatch.phone",
        "payment.cod_high",
        "lines.quantity_unusual",
    }
    assert set(FINDING_CODES) == stable
    assert all(FINDING_CODES[c].meaning for c in stable)


def test_item8_findings_stay_hashable_and_printable() -> None:
    finding = only(check_order(postcode("3114")), "address.postcode")
    assert hash(finding) == hash(finding)
    assert str(finding) == (
        "[error] delivery_address.postcode: postcode 3114 is not in the PL format NN-NNN"
    )
    assert finding.severity is Severity.ERROR
    lenient = CheckPolicy(max_units_per_sku=30)
    assert check_order(sample_order(lines={"A": (25, "1.00")}), lenient) == []


def test_item8_address_required_names_each_part() -> None:
    found = check_address(Address(country="PL"), "delivery_address", phone_required=False)
    assert [(f.field, dict(f.params)) for f in found] == [
        ("delivery_address.name", {"part": "name"}),
        ("delivery_address.street", {"part": "street"}),
        ("delivery_address.city", {"part": "city"}),
        ("delivery_address.postcode", {"part": "postcode"}),
    ]
