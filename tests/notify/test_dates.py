"""Polish grammar in dates: weekdays take the accusative after "w"/"na", the genitive after "do".

The expected phrases are written by hand (a Polish speaker's truth), never
computed from the code under test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from babel import Locale

from ecomflow.notify import MessageKind, format_day, render
from ecomflow.testing import sample_order

MONDAY = date(2026, 11, 23)  # the week of 23–29 November 2026

#: (day, after "w"/"we", after "na", after "do") — written by hand.
POLISH_WEEK = [
    (MONDAY, "w poniedziałek, 23 listopada", "na poniedziałek, 23 listopada",
     "do poniedziałku, 23 listopada"),
    (MONDAY + timedelta(1), "we wtorek, 24 listopada", "na wtorek, 24 listopada",
     "do wtorku, 24 listopada"),
    (MONDAY + timedelta(2), "w środę, 25 listopada", "na środę, 25 listopada",
     "do środy, 25 listopada"),
    (MONDAY + timedelta(3), "w czwartek, 26 listopada", "na czwartek, 26 listopada",
     "do czwartku, 26 listopada"),
    (MONDAY + timedelta(4), "w piątek, 27 listopada", "na piątek, 27 listopada",
     "do piątku, 27 listopada"),
    (MONDAY + timedelta(5), "w sobotę, 28 listopada", "na sobotę, 28 listopada",
     "do soboty, 28 listopada"),
    (MONDAY + timedelta(6), "w niedzielę, 29 listopada", "na niedzielę, 29 listopada",
     "do niedzieli, 29 listopada"),
]  # fmt: skip

#: The confirmation's date sentence, shipping on each weekday and delivering the next day.
POLISH_CONFIRMATION_SENTENCES = [
    "Wyślemy je w poniedziałek, 23 listopada, a dostawę przewidujemy na wtorek, 24 listopada.",
    "Wyślemy je we wtorek, 24 listopada, a dostawę przewidujemy na środę, 25 listopada.",
    "Wyślemy je w środę, 25 listopada, a dostawę przewidujemy na czwartek, 26 listopada.",
    "Wyślemy je w czwartek, 26 listopada, a dostawę przewidujemy na piątek, 27 listopada.",
    "Wyślemy je w piątek, 27 listopada, a dostawę przewidujemy na sobotę, 28 listopada.",
    "Wyślemy je w sobotę, 28 listopada, a dostawę przewidujemy na niedzielę, 29 listopada.",
    "Wyślemy je w niedzielę, 29 listopada, a dostawę przewidujemy na poniedziałek, 30 listopada.",
]

ENGLISH_CONFIRMATION_SENTENCES = [
    "We will ship it on Monday, 23 November, and expect delivery on Tuesday, 24 November.",
    "We will ship it on Tuesday, 24 November, and expect delivery on Wednesday, 25 November.",
    "We will ship it on Wednesday, 25 November, and expect delivery on Thursday, 26 November.",
    "We will ship it on Thursday, 26 November, and expect delivery on Friday, 27 November.",
    "We will ship it on Friday, 27 November, and expect delivery on Saturday, 28 November.",
    "We will ship it on Saturday, 28 November, and expect delivery on Sunday, 29 November.",
    "We will ship it on Sunday, 29 November, and expect delivery on Monday, 30 November.",
]


@pytest.mark.parametrize(("day", "after_w", "after_na", "after_do"), POLISH_WEEK)
def test_polish_weekday_takes_accusative_after_w(
    day: date, after_w: str, after_na: str, after_do: str
) -> None:
    assert format_day(day, "pl", preposition="w") == after_w


@pytest.mark.parametrize(("day", "after_w", "after_na", "after_do"), POLISH_WEEK)
def test_polish_weekday_takes_accusative_after_na(
    day: date, after_w: str, after_na: str, after_do: str
) -> None:
    assert format_day(day, "pl", preposition="na") == after_na


@pytest.mark.parametrize(("day", "after_w", "after_na", "after_do"), POLISH_WEEK)
def test_polish_weekday_takes_genitive_after_do(
    day: date, after_w: str, after_na: str, after_do: str
) -> None:
    assert format_day(day, "pl", preposition="do") == after_do


def test_polish_weekday_alone_is_nominative() -> None:
    assert format_day(MONDAY + timedelta(2), "pl") == "środa, 25 listopada"


def test_w_becomes_we_only_before_wtorek() -> None:
    phrases = [format_day(MONDAY + timedelta(n), "pl", preposition="w") for n in range(7)]
    assert [p.split(" ")[0] for p in phrases] == ["w", "we", "w", "w", "w", "w", "w"]


def test_english_days_take_on_and_by() -> None:
    wednesday = MONDAY + timedelta(2)
    assert format_day(wednesday, "en") == "Wednesday, 25 November"
    assert format_day(wednesday, "en", preposition="w") == "on Wednesday, 25 November"
    assert format_day(wednesday, "en", preposition="na") == "on Wednesday, 25 November"
    assert format_day(wednesday, "en", preposition="do") == "by Wednesday, 25 November"


def test_a_moment_shows_the_local_time() -> None:
    # 13:30 UTC is 14:30 in Warsaw in November (CET, UTC+1).
    moment = datetime(2026, 11, 25, 13, 30, tzinfo=UTC)
    assert format_day(moment, "pl", preposition="do") == "do środy, 25 listopada, godz. 14:30"
    assert format_day(moment, "en", preposition="do") == "by Wednesday, 25 November, 14:30"


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_day(datetime(2026, 11, 25, 13, 30), "pl")


def test_accusative_agrees_with_cldr_relative_day_phrases() -> None:
    """CLDR hides the accusative inside phrases like "w tę środę"; our forms must match it."""
    fields = Locale("pl")._data["date_fields"]
    for offset, key in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun")):
        cldr_accusative = fields[key]["relative"][0].split(" ")[-1]
        phrase = format_day(MONDAY + timedelta(offset), "pl", preposition="na")
        assert phrase.split(" ")[1].rstrip(",") == cldr_accusative


@pytest.mark.parametrize("offset", range(7))
def test_polish_confirmation_reads_naturally_on_every_weekday(offset: int) -> None:
    message = render(
        MessageKind.CONFIRMATION,
        sample_order(),
        locale="pl",
        ship_date=MONDAY + timedelta(offset),
        delivery_date=MONDAY + timedelta(offset + 1),
    )
    assert POLISH_CONFIRMATION_SENTENCES[offset] in message.body.splitlines()


@pytest.mark.parametrize("offset", range(7))
def test_english_confirmation_reads_naturally_on_every_weekday(offset: int) -> None:
    message = render(
        MessageKind.CONFIRMATION,
        sample_order(),
        locale="en",
        ship_date=MONDAY + timedelta(offset),
        delivery_date=MONDAY + timedelta(offset + 1),
    )
    assert ENGLISH_CONFIRMATION_SENTENCES[offset] in message.body.splitlines()
