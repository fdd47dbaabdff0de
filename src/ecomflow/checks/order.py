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
from typing import Any

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field
from stdnum import ean as stdnum_ean
from stdnum.eu import vat as stdnum_vat
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pl import nip as stdnum_nip

from ecomflow.checks.findings import Finding, Severity
from ecomflow.money import Money
from ecomflow.orders.flow import OrderFlow
from ecomflow.orders.models import Address, DeliveryMethod, HoldReason, Order
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
#:
#: Only ASCII: ``[0-9]``, never ``\d`` (which matches fullwidth and other Unicode
#: digits), and the patterns are compiled with ``re.ASCII`` so that ``[A-Z]``
#: under ``re.IGNORECASE`` does not match the Kelvin sign or the long s.
POSTCODE_FORMATS: dict[str, tuple[str, str]] = {
    "PL": (r"[0-9]{2}-[0-9]{3}", "NN-NNN"),
    "DE": (r"[0-9]{5}", "NNNNN"),
    "CZ": (r"[0-9]{3} ?[0-9]{2}", "NNN NN"),
    "SK": (r"[0-9]{3} ?[0-9]{2}", "NNN NN"),
    "LT": (r"(LT-)?[0-9]{5}", "LT-NNNNN"),
    "FR": (r"[0-9]{5}", "NNNNN"),
    "NL": (r"[0-9]{4} ?[A-Z]{2}", "NNNN AA"),
    "GB": (r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}", "AA9A 9AA"),
}
_PERMISSIVE = (r"[A-Z0-9][A-Z0-9 -]{1,9}", "2–10 letters, digits, spaces or dashes")
_FLAGS = re.IGNORECASE | re.ASCII
_COMPILED = {k: re.compile(p, _FLAGS) for k, (p, _) in POSTCODE_FORMATS.items()}
_COMPILED_DEFAULT = re.compile(_PERMISSIVE[0], _FLAGS)
#: What a tax id or an EAN may hold once spaces and dashes are gone.
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]+", re.ASCII)
_ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)


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
    code: str, severity: Severity, where: str, message: str, value: object = None, **params: Any
) -> Finding:
    return Finding(code, severity, where, message, value, params)


def _stdnum_reason(exc: StdnumError) -> str:
    """A stable word for why python-stdnum refused a number (a translation key)."""
    for kind, reason in (
        (InvalidChecksum, "checksum"),
        (InvalidLength, "length"),
        (InvalidComponent, "component"),
    ):
        if isinstance(exc, kind):
            return reason
    return "format"


def _ascii_number(number: str, allowed: re.Pattern[str]) -> bool:
    """Whether ``number`` (spaces and dashes removed) holds only ``allowed`` ASCII characters.

    python-stdnum folds fullwidth and other Unicode digits to ASCII before it
    validates; an invoice, a label or a scanner needs the ASCII ones.
    """
    return allowed.fullmatch(number.replace(" ", "").replace("-", "")) is not None


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
                country=country,
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
                    "address.required",
                    Severity.ERROR,
                    f"{where}.{name}",
                    f"{name} is missing",
                    part=name,
                )
            )
    if address.postcode:
        pattern = _COMPILED.get(address.country, _COMPILED_DEFAULT)
        shown = POSTCODE_FORMATS.get(address.country, _PERMISSIVE)[1]
        if not pattern.fullmatch(address.postcode.strip()):
            found.append(
                _finding(
                    "address.postcode",
                    Severity.ERROR,
                    f"{where}.postcode",
                    f"postcode {address.postcode} is not in the {address.country} format {shown}",
                    address.postcode,
                    country=address.country,
                    format=shown,
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
    if not _ascii_number(number, _ASCII_ALNUM):
        return [
            _invalid_nip(number, "characters other than ASCII letters and digits", "characters")
        ]
    compact = number.replace(" ", "").replace("-", "").upper()
    try:
        if compact[:2].isalpha() and not compact.startswith("PL"):
            stdnum_vat.validate(compact)
        else:
            stdnum_nip.validate(compact.removeprefix("PL"))
    except StdnumError as exc:
        return [_invalid_nip(number, str(exc), _stdnum_reason(exc))]
    return []


def _invalid_nip(number: str, why: str, reason: str) -> Finding:
    return _finding(
        "invoice.nip_invalid",
        Severity.ERROR,
        "invoice.nip",
        f"{number} is not a valid tax id ({why})",
        number,
        reason=reason,
    )


def check_ean(
    ean: str | None, where: str, severity: Severity = Severity.WARNING, **params: Any
) -> list[Finding]:
    """An EAN/GTIN with a bad checksum or format (``params`` go into the finding)."""
    if not ean:
        return []
    why, reason = "characters other than ASCII digits", "characters"
    if _ascii_number(ean, _ASCII_DIGITS):
        try:
            stdnum_ean.validate(ean)
        except StdnumError as exc:
            why, reason = str(exc), _stdnum_reason(exc)
        else:
            return []
    return [
        _finding(
            "ean.invalid",
            severity,
            where,
            f"EAN {ean} is invalid ({why})",
            ean,
            reason=reason,
            **params,
        )
    ]


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
                delivery=delivery.name,
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
                    delivery=delivery.phone,
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
            found += check_ean(line.ean, f"lines[{index}].ean", sku=line.sku)
    limit = policy.cod_limits.get(order.currency)
    if order.payment.cod and limit is not None and order.total > limit:
        found.append(
            _finding(
                "payment.cod_high",
                Severity.WARNING,
                "payment.cod",
                f"cash on delivery of {order.total} is above {limit}",
                order.total,
                limit=limit,
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
                    sku=sku,
                    limit=policy.max_units_per_sku,
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
        flow.hold("verification: " + "; ".join(reasons), code=HoldReason.VERIFICATION, actor=actor)
    return DataRequest(
        order_id=order.id,
        fields=sorted({f.field for f in blocking}),
        reasons=reasons,
        findings=blocking,
    )
