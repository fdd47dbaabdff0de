"""Check findings told to a customer, in their language, from each finding's stable code.

The checks (:mod:`ecomflow.checks`) describe problems for the shop, in
English. A customer gets one sentence per finding from the catalog, keyed by
the finding's ``code`` (and its ``field`` and ``value``); a code the catalog
does not know becomes a generic sentence in the customer's language, never
the English message.

>>> from ecomflow.checks import Finding, Severity
>>> describe_finding(Finding("phone.invalid", Severity.ERROR, "delivery_address.phone",
...                          "123 is not a valid phone number for PL", "123"), "pl")
'Adres dostawy: numer telefonu 123 wygląda na niepoprawny.'
>>> describe_finding(Finding("phone.invalid", Severity.ERROR, "delivery_address.phone",
...                          "123 is not a valid phone number for PL", "123"), "en")
'Delivery address: the phone number 123 does not look valid.'
"""

from __future__ import annotations

import string
from typing import Any, Protocol

from ecomflow.checks.order import POSTCODE_FORMATS
from ecomflow.notify._money import format_money
from ecomflow.notify.catalog import catalog, language_of
from ecomflow.orders.models import Address, Order

__all__ = ["FindingLike", "describe_finding"]

#: Fields whose findings are prefixed with the address they are in ("Adres dostawy: …").
_ADDRESSES = ("delivery_address", "billing_address")


class FindingLike(Protocol):
    """What a customer message needs of a finding: its stable code, the field and the value.

    :class:`ecomflow.checks.Finding` is one; so is anything read back from an
    outbox payload with these three attributes.
    """

    @property
    def code(self) -> str:
        """The check's stable code, e.g. ``"address.postcode"``."""

    @property
    def field(self) -> str:
        """Where the problem is, e.g. ``"delivery_address.postcode"``."""

    @property
    def value(self) -> Any:
        """The offending value (``None`` when there is none)."""


def _template(texts: Any, *msgids: str) -> str | None:
    for msgid in msgids:
        text = texts.gettext(msgid)
        if text != msgid:
            return str(text)
    return None


def _needs(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def describe_finding(finding: FindingLike, language: str, *, order: Order | None = None) -> str:
    """One sentence for the customer about ``finding``, in ``language``.

    ``order`` fills in what the finding does not carry: the postcode format of
    the address's country, the order's total (formatted for the language).
    """
    language = language_of(language)
    texts = catalog(language)
    head, _, tail = finding.field.partition(".")
    where = head if head in _ADDRESSES and tail else None
    last = finding.field.rsplit(".", 1)[-1]
    values: dict[str, str] = {}
    if finding.value is not None:
        values["value"] = str(finding.value)
    msgids = [f"finding.{finding.code}.{last}", f"finding.{finding.code}"]
    if finding.code == "address.postcode":
        address = getattr(order, where, None) if order is not None and where else None
        country = address.country if isinstance(address, Address) else None
        if country in POSTCODE_FORMATS:
            values["format"] = POSTCODE_FORMATS[country][1]
        else:
            msgids.insert(0, "finding.address.postcode.unknown_format")
    if order is not None:
        values["total"] = format_money(order.total, language)
    template = _template(texts, *msgids)
    if template is None or not _needs(template) <= values.keys():
        template = texts.gettext("finding.generic")
    sentence = template.format(**values)
    if where is not None:
        return f"{texts.gettext(f'field.{where}')}: {sentence}"
    return sentence[:1].upper() + sentence[1:]
