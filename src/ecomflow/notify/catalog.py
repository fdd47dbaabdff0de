"""Message catalogs: gettext ``.po`` files read by babel and compiled in memory.

Texts live in ``locale/<lang>/LC_MESSAGES/ecomflow.po``, apart from code;
plural forms come from each catalog's ``Plural-Forms`` header (Polish has
three: 1 paczka, 2 paczki, 5 paczek).

>>> catalog("pl").ngettext("{n} parcel", "{n} parcels", 5).format(n=5)
'5 paczek'
>>> catalog("en").gettext("status.delivered")
'Delivered'
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from importlib import resources
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = ["LANGUAGES", "catalog", "language_of"]

#: Languages with a catalog; Polish first.
LANGUAGES = ("pl", "en")


def language_of(locale: str | None, default: str = "pl") -> str:
    """The catalog language for a locale (``pl_PL`` → ``pl``; unknown → ``default``).

    >>> language_of("en-GB"), language_of("de_DE"), language_of("de_DE", default="en")
    ('en', 'pl', 'en')
    """
    for candidate in (locale, default):
        code = (candidate or "").replace("-", "_").split("_")[0].lower()
        if code in LANGUAGES:
            return code
    return "pl"


@lru_cache(maxsize=len(LANGUAGES))
def catalog(language: str) -> gettext.GNUTranslations:
    """The compiled catalog of ``language`` (read once)."""
    lang = language_of(language)
    source = resources.files("ecomflow.notify").joinpath(f"locale/{lang}/LC_MESSAGES/ecomflow.po")
    with source.open("rb") as handle:
        po = read_po(handle, locale=lang)
    buffer = BytesIO()
    write_mo(buffer, po)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
