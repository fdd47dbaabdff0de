"""Money in messages: babel's currency format, with CLDR's currency spacing."""

from __future__ import annotations

import re

from ecomflow.money import Money
from ecomflow.notify.dates import LOCALES


def format_money(amount: Money, language: str) -> str:
    """``amount`` for a customer reading ``language`` (``49,00 zł``, ``PLN 49.00``)."""
    # babel leaves out CLDR's currencySpacing rule: "PLN49.00" must read "PLN 49.00"
    # (a no-break space where a currency code touches a digit).
    text = amount.format(LOCALES.get(language, LOCALES["pl"]))
    text = re.sub(r"^([A-Z]{3})(?=\d)", "\\1\xa0", text)
    return re.sub(r"(?<=\d)([A-Z]{3})$", "\xa0\\1", text)
