"""Days in messages, with the grammar each language needs around a weekday.

Polish declines the weekday after a preposition: *w środę* and *na środę*
(accusative), *do środy* (genitive), and *w* becomes *we* before *wtorek*.
English only puts *on* or *by* in front.

>>> from datetime import date
>>> format_day(date(2026, 12, 23), "pl", preposition="w")
'w środę, 23 grudnia'
>>> format_day(date(2026, 12, 22), "pl", preposition="w")
'we wtorek, 22 grudnia'
>>> format_day(date(2026, 12, 23), "en", preposition="na")
'on Wednesday, 23 December'
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from ecomflow.clock import ensure_aware

__all__ = ["LOCALES", "Preposition", "format_day"]

#: The babel locale of each catalog language.
LOCALES = {"pl": "pl_PL", "en": "en_GB"}

#: The Polish preposition a day follows: "w" (on), "na" (for), "do" (by/until).
Preposition = Literal["w", "na", "do"]

# babel's CLDR data was checked first: for Polish the weekday names are nominative in
# both the "format" and the "stand-alone" context (EEEE and cccc both give "środa").
# CLDR has no case forms of weekdays as data; the accusative only appears inside the
# relative-day phrases ("w tę środę", "w przyszłą środę"), which babel does not expose
# publicly and which carry no genitive. So the two declined forms are this small table
# (Monday = 0, as date.weekday()); a test checks the accusative against those CLDR
# phrases. Month names need no table: the format context of "d MMMM" is already the
# genitive ("23 grudnia").
_POLISH_ACCUSATIVE = (
    "poniedziałek",
    "wtorek",
    "środę",
    "czwartek",
    "piątek",
    "sobotę",
    "niedzielę",
)
_POLISH_GENITIVE = (
    "poniedziałku",
    "wtorku",
    "środy",
    "czwartku",
    "piątku",
    "soboty",
    "niedzieli",
)
_ENGLISH = {"w": "on", "na": "on", "do": "by"}


def _locale(language: str) -> str:
    return LOCALES.get(language, LOCALES["pl"])


def _polish(day: date, preposition: Preposition) -> str:
    if preposition == "do":
        return f"do {_POLISH_GENITIVE[day.weekday()]}"
    weekday = _POLISH_ACCUSATIVE[day.weekday()]
    if preposition == "w" and weekday == "wtorek":  # "w wtorek" is hard to say: "we wtorek"
        return f"we {weekday}"
    return f"{preposition} {weekday}"


def format_day(
    value: date | datetime,
    language: str,
    *,
    preposition: Preposition | None = None,
    tz: str | tzinfo = "Europe/Warsaw",
) -> str:
    """``value`` as "weekday, day month" in ``language``, after ``preposition`` if given.

    ``preposition`` is the Polish one the day follows ("w", "na" or "do"); in
    English "w" and "na" become "on" and "do" becomes "by". A
    :class:`~datetime.datetime` (timezone-aware) also shows its time in ``tz``.

    >>> from datetime import UTC, datetime
    >>> format_day(datetime(2026, 11, 25, 13, 30, tzinfo=UTC), "pl", preposition="do")
    'do środy, 25 listopada, godz. 14:30'
    """
    locale = _locale(language)
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = ensure_aware(value, "value").astimezone(zone)
        value = moment.date()
    day_month = str(format_date(value, format="d MMMM", locale=locale))
    if preposition is None:
        weekday = str(format_date(value, format="EEEE", locale=locale))
    elif language == "pl":
        weekday = _polish(value, preposition)
    else:
        weekday = f"{_ENGLISH[preposition]} {format_date(value, format='EEEE', locale=locale)}"
    text = f"{weekday}, {day_month}"
    if moment is not None:
        clock = str(format_time(moment, format="HH:mm", locale=locale))
        text += f", godz. {clock}" if language == "pl" else f", {clock}"
    return text
