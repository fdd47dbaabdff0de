"""Findings: what a check found, with a stable code, the field and the offending value.

A finding's ``message`` is plain English for logs and the audit trail. A
message for a customer or a person in the shop is rendered from the ``code``
in their language: the text for a code may use ``{field}``, ``{value}`` and
the code's declared :attr:`FindingCode.params`, all in :meth:`Finding.context`.

>>> finding = Finding("address.postcode", Severity.ERROR, "delivery_address.postcode",
...                   "postcode 31147 is not in the PL format NN-NNN", "31147",
...                   {"country": "PL", "format": "NN-NNN"})
>>> "Kod pocztowy {value} nie ma formatu {format}".format(**finding.context())
'Kod pocztowy 31147 nie ma formatu NN-NNN'
>>> FINDING_CODES[finding.code].params
('country', 'format')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as _field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

__all__ = ["FINDING_CODES", "Finding", "FindingCode", "Severity"]


class Severity(StrEnum):
    """``error`` stops an order (it is held); ``warning`` is for a person to look at."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class FindingCode:
    """What a finding code means, and the params its findings carry besides field and value."""

    code: str
    meaning: str
    params: tuple[str, ...] = ()


def _codes(*codes: FindingCode) -> Mapping[str, FindingCode]:
    return MappingProxyType({c.code: c for c in codes})


#: Every finding code the checks produce. Codes are stable: a translation is keyed by them.
FINDING_CODES: Mapping[str, FindingCode] = _codes(
    FindingCode("address.missing", "the order has no such address at all (value: None)"),
    FindingCode(
        "address.required",
        "a required part of the address is empty (value: None; part: name, street, city "
        "or postcode)",
        ("part",),
    ),
    FindingCode(
        "address.postcode",
        "the postcode is not in the country's format (only ASCII digits and letters count)",
        ("country", "format"),
    ),
    FindingCode("phone.missing", "no phone number (value: None)"),
    FindingCode(
        "phone.invalid", "the phone number is not a valid number for the country", ("country",)
    ),
    FindingCode(
        "invoice.nip_missing", "a company invoice was requested without a NIP (value: None)"
    ),
    FindingCode(
        "invoice.nip_invalid",
        "the NIP / EU VAT id is not valid (reason: checksum, length, format, component "
        "or characters — characters other than ASCII letters and digits)",
        ("reason",),
    ),
    FindingCode(
        "ean.invalid",
        "the EAN/GTIN is not valid (reason as for invoice.nip_invalid; sku: the product "
        "or order line)",
        ("reason", "sku"),
    ),
    FindingCode("ean.missing", "the product has no EAN (value: None)", ("sku",)),
    FindingCode(
        "ean.duplicate",
        "another product uses the same EAN (others: their SKUs)",
        ("sku", "others"),
    ),
    FindingCode(
        "product.weight_missing",
        "the product has no weight, or weight 0 (value: the weight or None)",
        ("sku",),
    ),
    FindingCode(
        "product.dimensions_missing", "the product has no dimensions (value: None)", ("sku",)
    ),
    FindingCode("product.images_missing", "the product has no images (value: None)", ("sku",)),
    FindingCode(
        "delivery.point_missing", "a parcel-locker delivery without a locker id (value: None)"
    ),
    FindingCode(
        "delivery.email_missing",
        "a parcel-locker delivery without the customer's e-mail (value: None)",
    ),
    FindingCode(
        "mismatch.name",
        "the billing name differs from the delivery name (value: billing; delivery: the other)",
        ("delivery",),
    ),
    FindingCode(
        "mismatch.phone",
        "the billing phone differs from the delivery phone (value: billing; delivery: the other)",
        ("delivery",),
    ),
    FindingCode(
        "payment.cod_high",
        "cash on delivery above the policy's limit (value: the order total as Money; limit: Money)",
        ("limit",),
    ),
    FindingCode(
        "lines.quantity_unusual",
        "more units of one SKU than the policy calls usual (value: the quantity; limit: the "
        "policy's maximum)",
        ("sku", "limit"),
    ),
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: a stable ``code``, its severity, the field, a message and the value.

    ``value`` is the offending value as found (``None`` when it is missing);
    ``params`` holds what else a translated text needs (see :data:`FINDING_CODES`).
    """

    code: str
    severity: Severity
    field: str
    message: str
    value: Any = None
    params: Mapping[str, Any] = _field(default_factory=dict, hash=False)

    @property
    def is_error(self) -> bool:
        """Whether the finding stops the order."""
        return self.severity is Severity.ERROR

    def context(self) -> dict[str, Any]:
        """The placeholders a message template for :attr:`code` may use."""
        return {"code": self.code, "field": self.field, "value": self.value, **self.params}

    def __str__(self) -> str:
        return f"[{self.severity.value}] {self.field}: {self.message}"
