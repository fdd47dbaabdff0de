from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from ecomflow.calendar import BusinessCalendar
from ecomflow.errors import ConfigurationError

PL = BusinessCalendar()


@pytest.mark.parametrize("day", [date(2025, 12, 24), date(2026, 12, 24)])
def test_christmas_eve_is_a_holiday_from_2025(day: date) -> None:
    assert not PL.is_business_day(day)
    assert PL.holiday_name(day) == "Christmas Eve"


@pytest.mark.parametrize(
    ("day", "worked"),
    [
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 11, 1), False),  # Sunday, All Saints' Day
        (date(2026, 11, 2), True),
        (date(2026, 11, 11), False),  # Independence Day
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 24), True),
    ],
)
def test_polish_working_days(day: date, worked: bool) -> None:
    assert PL.is_business_day(day) is worked


def test_instants_are_taken_in_the_calendar_zone() -> None:
    # 00:30 UTC on 29 March 2026 is 01:30 in Warsaw, still 29 March.
    assert PL.to_date(datetime(2026, 3, 29, 0, 30, tzinfo=UTC)) == date(2026, 3, 29)
    # 23:30 UTC on 24 Nov is already 25 Nov in Warsaw.
    assert PL.to_date(datetime(2026, 11, 24, 23, 30, tzinfo=UTC)) == date(2026, 11, 25)
    new_york = timezone(timedelta(hours=-5))
    assert PL.to_date(datetime(2026, 11, 24, 19, 0, tzinfo=new_york)) == date(2026, 11, 25)


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        PL.is_business_day(datetime(2026, 11, 24, 10, 0))


def test_next_and_add_business_days() -> None:
    assert PL.next_business_day(date(2026, 12, 23)) == date(2026, 12, 28)
    assert PL.next_business_day(date(2026, 11, 27)) == date(2026, 11, 30)  # Fri → Mon
    assert PL.add_business_days(date(2026, 11, 28), 1) == date(2026, 11, 30)  # Sat + 1
    assert PL.add_business_days(date(2026, 11, 28), 0) == date(2026, 11, 30)
    assert PL.add_business_days(date(2026, 11, 24), 0) == date(2026, 11, 24)
    assert PL.add_business_days(date(2026, 12, 22), 3) == date(2026, 12, 29)
    with pytest.raises(ValueError, match="forward"):
        PL.add_business_days(date(2026, 11, 24), -1)


def test_business_days_between() -> None:
    assert PL.business_days_between(date(2026, 12, 23), date(2026, 12, 28)) == 1
    assert PL.business_days_between(date(2026, 11, 23), date(2026, 11, 30)) == 5
    assert PL.business_days_between(date(2026, 11, 30), date(2026, 11, 23)) == -5
    for n in range(10):
        start = date(2026, 12, 18)
        assert PL.business_days_between(start, PL.add_business_days(start, n)) == n


def test_closed_and_open_days() -> None:
    stock_take = date(2026, 11, 26)
    saturday = date(2026, 11, 28)
    shop = BusinessCalendar(closed=[stock_take], open=[saturday])
    assert not shop.is_business_day(stock_take)
    assert shop.is_business_day(saturday)
    with pytest.raises(ConfigurationError, match="both closed and open"):
        BusinessCalendar(closed=[saturday], open=[saturday])
    with pytest.raises(ConfigurationError, match="time zone"):
        BusinessCalendar(tz="Europe/Nowhere")


def test_calendars_compose() -> None:
    warehouse = BusinessCalendar(weekend=(6,), closed=[date(2026, 11, 25)])
    carrier = BusinessCalendar(weekend=(5, 6))
    both = warehouse & carrier
    assert not both.is_business_day(date(2026, 11, 25))  # warehouse closed
    assert not both.is_business_day(date(2026, 11, 28))  # carrier does not pick up Saturday
    assert both.is_business_day(date(2026, 11, 26))
    assert both.next_business_day(date(2026, 11, 24)) == date(2026, 11, 26)
    assert "&" in both.name


def test_other_countries() -> None:
    de = BusinessCalendar("DE", "Europe/Berlin")
    assert not de.is_business_day(date(2026, 10, 3))  # German Unity Day
    assert BusinessCalendar(None).is_business_day(date(2026, 12, 24))
    with pytest.raises(ConfigurationError, match="holiday data"):
        BusinessCalendar("XX").is_business_day(date(2026, 1, 5))
