"""BusinessCalendar: working days, public holidays and local dates.

Public holidays come from the ``holidays`` package (in Poland Christmas Eve is
a public holiday from 2025 on); a shop adds its own closed days (a stock-take)
and open days (a working Saturday). Instants are converted to the calendar's
time zone before the date is taken, so an order at 00:30 UTC on 29 March 2026
is on 29 March in Warsaw, and DST changes never shift a cut-off.

>>> from datetime import date
>>> pl = BusinessCalendar()
>>> pl.is_business_day(date(2026, 12, 24))  # Christmas Eve, a holiday since 2025
False
>>> pl.next_business_day(date(2026, 12, 23))
datetime.date(2026, 12, 28)
>>> pl.add_business_days(date(2026, 4, 3), 1)  # Good Friday + 1 skips Easter Monday
datetime.date(2026, 4, 7)

Calendars compose: a ship date must be a working day of both the warehouse
and the carrier's pickup.

>>> warehouse = BusinessCalendar(weekend=(6,))          # works Saturdays
>>> carrier = BusinessCalendar(weekend=(5, 6))          # picks up Monday to Friday
>>> (warehouse & carrier).is_business_day(date(2026, 11, 28))
False
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from ecomflow.clock import ensure_aware
from ecomflow.errors import ConfigurationError

__all__ = ["BusinessCalendar", "DateLike"]

#: A calendar date, or an aware instant (converted to the calendar's zone first).
DateLike = date | datetime

_SEARCH_LIMIT = 400  # days: a calendar with no working day in a year is misconfigured


@lru_cache(maxsize=64)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    try:
        table = holidays.country_holidays(country, subdiv=subdivision, years=[year])
    except NotImplementedError as exc:
        raise ConfigurationError(f"No public-holiday data for country {country!r}: {exc}") from None
    return frozenset(table)


class BusinessCalendar:
    """Working days of one place: weekends, public holidays and explicit exceptions.

    Args:
        country: ISO 3166 code whose public holidays apply (``None`` for none).
        tz: the IANA time zone local dates are taken in.
        closed: extra non-working days (a stock-take day).
        open: extra working days, even on a weekend or holiday (a working Saturday).
        weekend: weekday numbers that are not worked (Monday is 0).
        subdivision: a region, for countries whose holidays differ by region.
        name: shown in explanations.
    """

    def __init__(
        self,
        country: str | None = "PL",
        tz: str = "Europe/Warsaw",
        *,
        closed: Iterable[date] = (),
        open: Iterable[date] = (),
        weekend: Iterable[int] = (5, 6),
        subdivision: str | None = None,
        name: str | None = None,
    ) -> None:
        try:
            self.zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError(f"Unknown time zone {tz!r}; use an IANA name.") from None
        self.country = country.upper() if country else None
        self.tz = tz
        self.subdivision = subdivision
        self.closed = frozenset(closed)
        self.open = frozenset(open)
        self.weekend = frozenset(weekend)
        if not self.weekend <= set(range(7)):
            raise ConfigurationError(f"weekend {sorted(self.weekend)} must be weekday numbers 0–6.")
        if self.closed & self.open:
            raise ConfigurationError(
                f"Days both closed and open: {sorted(self.closed & self.open)}."
            )
        self.name = name or f"{self.country or 'no holidays'} ({tz})"
        self._also: tuple[BusinessCalendar, ...] = ()

    # -- dates and instants --------------------------------------------------------------

    def local(self, instant: datetime) -> datetime:
        """``instant`` in the calendar's zone (naive instants are rejected)."""
        return ensure_aware(instant, "instant").astimezone(self.zone)

    def to_date(self, value: DateLike) -> date:
        """The local date of an instant, or the date itself."""
        if isinstance(value, datetime):
            return self.local(value).date()
        return value

    def at(self, day: date, when: time) -> datetime:
        """The aware instant of local wall-clock ``when`` on ``day`` (DST-correct)."""
        return datetime.combine(day, when, tzinfo=self.zone)

    # -- working days ----------------------------------------------------------------------

    def holiday_name(self, value: DateLike) -> str | None:
        """The public holiday on that day, if any."""
        day = self.to_date(value)
        if not self.country:
            return None
        table = holidays.country_holidays(self.country, subdiv=self.subdivision, years=[day.year])
        name = table.get(day)
        return str(name) if name else None

    def _works(self, day: date) -> bool:
        if day in self.open:
            return True
        if day in self.closed or day.weekday() in self.weekend:
            return False
        return not (
            self.country and day in _public_holidays(self.country, self.subdivision, day.year)
        )

    def is_business_day(self, value: DateLike) -> bool:
        """Whether the (local) day is worked here — and in every calendar composed with it."""
        day = self.to_date(value)
        return self._works(day) and all(other._works(day) for other in self._also)

    def next_business_day(self, value: DateLike) -> date:
        """The first working day strictly after the (local) day."""
        return self.add_business_days(value, 1)

    def on_or_after(self, value: DateLike) -> date:
        """The day itself if worked, otherwise the next working day."""
        day = self.to_date(value)
        for _ in range(_SEARCH_LIMIT):
            if self.is_business_day(day):
                return day
            day += timedelta(days=1)
        raise ConfigurationError(f"{self.name} has no working day within {_SEARCH_LIMIT} days.")

    def add_business_days(self, value: DateLike, days: int) -> date:
        """The ``days``-th working day after the (local) day (``0``: the day, rolled forward).

        Friday + 1 is Monday; Saturday + 1 is Monday too.
        """
        if days < 0:
            raise ValueError("add_business_days() counts forward; days must be ≥ 0.")
        day = self.to_date(value)
        if days == 0:
            return self.on_or_after(day)
        counted = 0
        for _ in range(days * 7 + _SEARCH_LIMIT):
            day += timedelta(days=1)
            if self.is_business_day(day):
                counted += 1
                if counted == days:
                    return day
        raise ConfigurationError(f"{self.name} has too few working days to add {days}.")

    def business_days_between(self, start: DateLike, end: DateLike) -> int:
        """Working days in ``(start, end]`` (negative when ``end`` is before ``start``).

        So ``business_days_between(d, add_business_days(d, n)) == n``.
        """
        a, b = self.to_date(start), self.to_date(end)
        sign = 1
        if b < a:
            a, b, sign = b, a, -1
        count = sum(
            1
            for offset in range(1, (b - a).days + 1)
            if self.is_business_day(a + timedelta(days=offset))
        )
        return sign * count

    # -- composition -----------------------------------------------------------------------

    def __and__(self, other: BusinessCalendar) -> BusinessCalendar:
        """A calendar whose working days are worked in both (dates taken in ``self``'s zone)."""
        combined = BusinessCalendar(
            self.country,
            self.tz,
            closed=self.closed,
            open=self.open,
            weekend=self.weekend,
            subdivision=self.subdivision,
            name=f"{self.name} & {other.name}",
        )
        combined._also = (*self._also, other, *other._also)
        return combined

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar({self.country!r}, {self.tz!r}, weekend={sorted(self.weekend)}, "
            f"closed={len(self.closed)}, open={len(self.open)})"
        )
