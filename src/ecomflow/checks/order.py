"""Order checks: address, postcode, phone, NIP / VAT id, EAN, mismatches, COD and quantity.

Each check returns :class:`~ecomflow.checks.Finding` objects and never raises
for bad data. :func:`hold_if_needed` turns error findings into a hold with the
``verification`` tag and a :class:`DataRequest` for the customer.

>>> from ecomflow.testing import sample_order
>>> order = sample_order()
>>> order.delivery_address.postcode = "31147"
>>> [str(f) for f in check_order(order)]
['[error] delivery_address.postcode: postcode 31147 is not in the PL format NN-NNN']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field
from stdnum import ean as stdnum_ean
from stdnum.eu import vat as stdnum_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pl import nip as stdnum_nip

from ecomflow.checks.findings import Finding, Severity
from ecomflow.money import Money
from ecomflow.orders.flow import OrderFlow
from ecomflow.orders.models import Address, DeliveryMethod, Order
from ecomflow.orders.status import OrderStatus
from ecomflow.orders.tags import Tag

__all__ = [
    "POSTCODE_FORMATS",
    "CheckPolicy",
    "DataRequest",
    "check_address",
    "check_ean",
    "check_order",
    "check_phone",
    "check_tax_id",
    "hold_if_needed",
    "normalise_phone",
]

#: Postcode patterns per country, with the format shown to people.
POSTCODE_FORMATS: dict[str, tuple[str, str]] = {
    "PL": (r"\d{2}-\d{3}", "NN-NNN"),
    "DE": (r"\d{5}", "NNNNN"),
    "CZ": (r"\d{3} ?\d{2}", "NNN NN"),
    "SK": (r"\d{3} ?\d{2}", "NNN NN"),
    "LT": (r"(LT-)?\d{5}", "LT-NNNNN"),
    "FR": (r"\d{5}", "NNNNN"),
    "NL": (r"\d{4} ?[A-Z]{2}", "NNNN AA"),
    "GB": (r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}", "AA9A 9AA"),
}
_PERMISSIVE = (r"[A-Z0-9][A-Z0-9 -]{1,9}", "2–10 letters, digits, spaces or dashes")
_COMPILED = {k: re.compile(f"^{p}$", re.IGNORECASE) for k, (p, _) in POSTCODE_FORMATS.items()}
_COMPILED_DEFAULT = re.compile(f"^{_PERMISSIVE[0]}$", re.IGNORECASE)


class CheckPolicy(BaseModel):
    """Thresholds and switches for :func:`check_order`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cod_limits: dict[str, Money] = Field(
        default_factory=lambda: {"PLN": Money(2000, "PLN"), "EUR": Money(500, "EUR")},
        description="Cash on delivery above this is a warning.",
    )
    max_units_per_sku: int = Field(default=20, ge=1, description="More is 'unusual'.")
    hold_codes: frozenset[str] = Field(
        default=frozenset({"mismatch.name", "mismatch.phone"}),
        description="Warnings that also put the order on hold for verification.",
    )
    check_ean: bool = True


@dataclass
class DataRequest:
    """What to ask the customer so a held order can go on."""

    order_id: str
    fields: list[str]
    reasons: list[str]
    findings: list[Finding] = field(default_factory=list)

    def __str__(self) -> str:
        return f"Order {self.order_id}: please confirm " + "; ".join(self.reasons)


def _finding(
    code: str, severity: Severity, where: str, message: str, value: object = None
) -> Finding:
    return Finding(code, severity, where, message, value)


def normalise_phone(phone: str, country: str) -> str | None:
    """``phone`` in E.164 (``+48600100200``), or ``None`` when it is not a valid number.

    >>> normalise_phone("600 100 200", "PL")
    '+48600100200'
    """
    try:
        parsed = phonenumbers.parse(phone, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def check_phone(phone: str | None, country: str, where: str) -> list[Finding]:
    """A missing or invalid phone number for ``country``."""
    if not phone:
        return [_finding("phone.missing", Severity.ERROR, where, "no phone number")]
    if normalise_phone(phone, country) is None:
        return [
            _finding(
                "phone.invalid",
                Severity.ERROR,
                where,
                f"{phone} is not a valid phone number for {country}",
                phone,
            )
        ]
    return []


def check_address(
    address: Address | None, where: str, *, phone_required: bool = True
) -> list[Finding]:
    """Required fields, postcode format per country, and the phone."""
    if address is None:
        return [_finding("address.missing", Severity.ERROR, where, "no address")]
    found = []
    for name in ("name", "street", "city", "postcode"):
        if not getattr(address, name):
            found.append(
                _finding(
                    "address.required", Severity.ERROR, f"{where}.{name}", f"{name} is missing"
                )
            )
    if address.postcode:
        pattern = _COMPILED.get(address.country, _COMPILED_DEFAULT)
        shown = POSTCODE_FORMATS.get(address.country, _PERMISSIVE)[1]
        if not pattern.match(address.postcode.strip()):
            found.append(
                _finding(
                    "address.postcode",
                    Severity.ERROR,
                    f"{where}.postcode",
                    f"postcode {address.postcode} is not in the {address.country} format {shown}",
                    address.postcode,
                )
            )
    if phone_required or address.phone:
        found += check_phone(address.phone, address.country, f"{where}.phone")
    return found


def check_tax_id(order: Order) -> list[Finding]:
    """A company invoice needs a valid NIP (or EU VAT id)."""
    invoice = order.invoice
    if invoice is None or not invoice.requested:
        return []
    number = (invoice.nip or "").strip()
    if not number:
        return [
            _finding(
                "invoice.nip_missing",
                Severity.ERROR,
                "invoice.nip",
                "a company invoice was requested without a NIP",
            )
        ]
    compact = number.replace(" ", "").replace("-", "").upper()
    try:
        if compact[:2].isalpha() and not compact.startswith("PL"):
            stdnum_vat.validate(compact)
        else:
            stdnum_nip.validate(compact.removeprefix("PL"))
    except StdnumError as exc:
        return [
            _finding(
                "invoice.nip_invalid",
                Severity.ERROR,
                "invoice.nip",
                f"{number} is not a valid tax id ({exc})",
                number,
            )
        ]
    return []


def check_ean(ean: str | None, where: str, severity: Severity = Severity.WARNING) -> list[Finding]:
    """An EAN/GTIN with a bad checksum or format."""
    if not ean:
        return []
    try:
        stdnum_ean.validate(ean)
    except StdnumError as exc:
        return [_finding("ean.invalid", severity, where, f"EAN {ean} is invalid ({exc})", ean)]
    return []


def _mismatches(order: Order) -> list[Finding]:
    billing, delivery = order.billing_address, order.delivery_address
    if billing is None or delivery is None:
        return []
    found = []
    if billing.name and delivery.name and billing.name.casefold() != delivery.name.casefold():
        found.append(
            _finding(
                "mismatch.name",
                Severity.WARNING,
                "billing_address.name",
                f"billing name {billing.name!r} differs from delivery name {delivery.name!r}",
                billing.name,
            )
        )
    if billing.phone and delivery.phone:
        left = normalise_phone(billing.phone, billing.country) or billing.phone
        right = normalise_phone(delivery.phone, delivery.country) or delivery.phone
        if left != right:
            found.append(
                _finding(
                    "mismatch.phone",
                    Severity.WARNING,
                    "billing_address.phone",
                    f"billing phone {billing.phone} differs from delivery phone {delivery.phone}",
                    billing.phone,
                )
            )
    return found


def check_order(order: Order, policy: CheckPolicy | None = None) -> list[Finding]:
    """Every check on ``order``; an empty list when it is fine to go."""
    policy = policy or CheckPolicy()
    locker = order.delivery.method is DeliveryMethod.PARCEL_LOCKER
    found: list[Finding] = []
    if order.delivery.method is not DeliveryMethod.PICKUP:
        found += check_address(order.delivery_address, "delivery_address")
    if order.billing_address is not None:
        found += check_address(order.billing_address, "billing_address", phone_required=False)
    if locker and not order.delivery.point_id:
        found.append(
            _finding(
                "delivery.point_missing",
                Severity.ERROR,
                "delivery.point_id",
                "parcel-locker delivery without a locker id",
            )
        )
    if (
        locker
        and order.delivery_address
        and not (order.delivery_address.email or order.customer.email)
    ):
        found.append(
            _finding(
                "delivery.email_missing",
                Severity.ERROR,
                "customer.email",
                "parcel-locker delivery needs the customer's e-mail",
            )
        )
    found += check_tax_id(order)
    found += _mismatches(order)
    if policy.check_ean:
        for index, line in enumerate(order.lines):
            found += check_ean(line.ean, f"lines[{index}].ean")
    limit = policy.cod_limits.get(order.currency)
    if order.payment.cod and limit is not None and order.total > limit:
        found.append(
            _finding(
                "payment.cod_high",
                Severity.WARNING,
                "payment.cod",
                f"cash on delivery of {order.total} is above {limit}",
                str(order.total),
            )
        )
    for sku, quantity in order.quantities().items():
        if quantity > policy.max_units_per_sku:
            found.append(
                _finding(
                    "lines.quantity_unusual",
                    Severity.WARNING,
                    "lines.quantity",
                    f"{quantity} × {sku} is unusual (more than {policy.max_units_per_sku})",
                    quantity,
                )
            )
    return found


def hold_if_needed(
    order: Order,
    findings: Iterable[Finding],
    flow: OrderFlow,
    policy: CheckPolicy | None = None,
    *,
    actor: str = "checks",
) -> DataRequest | None:
    """Hold the order with tag ``verification`` when a finding requires it.

    Errors always hold; warnings hold when their code is in the policy's
    ``hold_codes`` (billing/delivery mismatches by default, as in the seeds'
    SOP). Returns the data request to send, or ``None`` when nothing holds.
    An order already on hold or already shipped is tagged but not moved.
    """
    policy = policy or CheckPolicy()
    blocking = [f for f in findings if f.is_error or f.code in policy.hold_codes]
    if not blocking:
        return None
    order.tags.add(Tag.VERIFICATION.value)
    reasons = [f.message for f in blocking]
    if order.status is not OrderStatus.ON_HOLD and flow.can("hold"):
        flow.hold("verification: " + "; ".join(reasons), actor=actor)
    return DataRequest(
        order_id=order.id,
        fields=sorted({f.field for f in blocking}),
        reasons=reasons,
        findings=blocking,
    )
