"""The standstill: Dutch public holidays, the end date and the moment it is over."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tender.award.standstill import (
    dutch_public_holidays,
    easter_sunday,
    is_working_day,
    kings_day,
    standstill_end,
    standstill_over,
)
from tender.timefmt import AMSTERDAM


def test_public_holidays_2026_are_exactly_those_of_the_algemene_termijnenwet() -> None:
    assert dutch_public_holidays(2026) == {
        date(2026, 1, 1),  # Nieuwjaarsdag
        date(2026, 4, 5),  # Eerste Paasdag
        date(2026, 4, 6),  # Tweede Paasdag
        date(2026, 4, 27),  # Koningsdag (Monday)
        date(2026, 5, 5),  # Bevrijdingsdag
        date(2026, 5, 14),  # Hemelvaartsdag
        date(2026, 5, 24),  # Eerste Pinksterdag
        date(2026, 5, 25),  # Tweede Pinksterdag
        date(2026, 12, 25),  # Eerste Kerstdag
        date(2026, 12, 26),  # Tweede Kerstdag
    }


def test_public_holidays_2027_are_exactly_those_of_the_algemene_termijnenwet() -> None:
    assert dutch_public_holidays(2027) == {
        date(2027, 1, 1),
        date(2027, 3, 28),
        date(2027, 3, 29),
        date(2027, 4, 27),
        date(2027, 5, 5),
        date(2027, 5, 6),
        date(2027, 5, 16),
        date(2027, 5, 17),
        date(2027, 12, 25),
        date(2027, 12, 26),
    }


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2019, date(2019, 4, 21)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter_follows_the_gregorian_computus(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_kings_day_moves_to_the_26th_when_the_27th_is_a_sunday() -> None:
    assert date(2025, 4, 27).weekday() == 6
    assert kings_day(2025) == date(2025, 4, 26)
    assert date(2025, 4, 26) in dutch_public_holidays(2025)
    assert date(2025, 4, 27) not in dutch_public_holidays(2025)
    assert kings_day(2026) == date(2026, 4, 27)


def test_good_friday_is_a_working_day() -> None:
    good_friday = easter_sunday(2026) - timedelta(days=2)
    assert is_working_day(good_friday)
    assert standstill_end(good_friday - timedelta(days=20), 20) == good_friday


def test_holidays_before_koningsdag_existed_are_refused() -> None:
    with pytest.raises(ValueError):
        dutch_public_holidays(2013)


def test_normal_end_is_the_day_after_sending_plus_the_days_minus_one() -> None:
    # Sent on Tuesday 1 September: day 1 is 2 September, day 20 Monday 21 September.
    assert standstill_end(date(2026, 9, 1), 20) == date(2026, 9, 21)


def test_end_on_a_saturday_moves_to_monday() -> None:
    assert date(2026, 6, 13).weekday() == 5
    assert standstill_end(date(2026, 5, 24), 20) == date(2026, 6, 15)


def test_end_on_tweede_paasdag_moves_to_tuesday() -> None:
    assert standstill_end(date(2026, 3, 17), 20) == date(2026, 4, 7)


def test_end_on_koningsdag_moves_to_the_next_day() -> None:
    assert standstill_end(date(2026, 4, 7), 20) == date(2026, 4, 28)


def test_end_on_hemelvaartsdag_moves_to_friday() -> None:
    assert standstill_end(date(2026, 4, 24), 20) == date(2026, 5, 15)


def test_end_on_christmas_moves_past_both_christmas_days_and_the_weekend() -> None:
    # Friday 25 December, Saturday 26 (Tweede Kerstdag), Sunday 27: Monday 28.
    assert standstill_end(date(2026, 12, 5), 20) == date(2026, 12, 28)


def test_a_short_period_holds_at_least_two_working_days() -> None:
    # Three days from Wednesday 24 December 2025: Christmas, Tweede Kerstdag and
    # Saturday; art. 1 gives Monday 29, art. 2 adds Tuesday 30 as a second working day.
    assert standstill_end(date(2025, 12, 24), 3) == date(2025, 12, 30)


def test_a_period_of_no_days_is_refused() -> None:
    with pytest.raises(ValueError):
        standstill_end(date(2026, 9, 1), 0)


def _amsterdam_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=AMSTERDAM)


def test_standstill_is_over_at_amsterdam_midnight_after_the_last_day() -> None:
    # End Monday 21 September 2026 (summer time): over at 00:00 CEST = 22:00 UTC.
    sent_on = date(2026, 9, 1)
    midnight = datetime(2026, 9, 21, 22, 0, tzinfo=UTC)
    assert _amsterdam_midnight(date(2026, 9, 22)) == midnight
    assert not standstill_over(sent_on, 20, midnight - timedelta(seconds=1))
    assert standstill_over(sent_on, 20, midnight)


def test_standstill_over_across_the_change_to_summer_time() -> None:
    # Sent in winter time (10 March 2026); the end, Monday 30 March, is in summer time.
    sent_on = date(2026, 3, 10)
    assert standstill_end(sent_on, 20) == date(2026, 3, 30)
    midnight = datetime(2026, 3, 30, 22, 0, tzinfo=UTC)  # 31 March 00:00 CEST
    assert not standstill_over(sent_on, 20, midnight - timedelta(seconds=1))
    assert standstill_over(sent_on, 20, midnight)


def test_standstill_over_across_the_change_to_winter_time() -> None:
    # Sent in summer time (10 October 2026); the end, Friday 30 October, is in winter time.
    sent_on = date(2026, 10, 10)
    assert standstill_end(sent_on, 20) == date(2026, 10, 30)
    midnight = datetime(2026, 10, 30, 23, 0, tzinfo=UTC)  # 31 October 00:00 CET
    assert not standstill_over(sent_on, 20, midnight - timedelta(seconds=1))
    assert standstill_over(sent_on, 20, midnight)


@given(
    sent_on=st.dates(min_value=date(2014, 1, 1), max_value=date(2099, 12, 1)),
    days=st.integers(min_value=1, max_value=60),
)
def test_end_is_never_early_and_always_a_working_day(sent_on: date, days: int) -> None:
    end = standstill_end(sent_on, days)
    assert end >= sent_on + timedelta(days=days)
    assert is_working_day(end)
    # Never later than needed: from a week on, art. 2 cannot bite, so every day
    # between the nominal last day and the end is a weekend day or a holiday.
    if days >= 7:
        nominal = sent_on + timedelta(days=days)
        assert all(
            not is_working_day(nominal + timedelta(days=n)) for n in range((end - nominal).days)
        )


@given(
    sent_on=st.dates(min_value=date(2014, 1, 1), max_value=date(2099, 12, 1)),
    days=st.integers(min_value=1, max_value=60),
)
def test_over_exactly_from_local_midnight_after_the_end(sent_on: date, days: int) -> None:
    midnight = _amsterdam_midnight(standstill_end(sent_on, days) + timedelta(days=1))
    assert not standstill_over(sent_on, days, midnight - timedelta(seconds=1))
    assert standstill_over(sent_on, days, midnight)
