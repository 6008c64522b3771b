"""The standstill ("opschortende termijn", Alcatel) and the Dutch calendar it runs on.

Pure functions: no clock, no database. The rules, as lawyers ask about them:

- **Start and length** (Aw 2012 art. 2.127): the period starts on the day after the
  award decision is sent and lasts ``days`` calendar days, so without adjustment
  its last day is ``sent_on + days``.
- **Weekend and holidays** (Algemene termijnenwet art. 1): a period whose last day
  falls on a Saturday, a Sunday or a general public holiday ends on the next day
  that is none of these.
- **Two working days** (Algemene termijnenwet art. 2): a period of at least three
  days is extended as far as needed to include at least two such working days.
  This can matter only for very short periods; a standstill of 20 days or more
  always includes them.
- **Over**: the standstill is over from 00:00 Europe/Amsterdam on the day after its
  last day; until then a contract may not be concluded.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tender.timefmt import to_local

# Koningsdag replaced Koninginnedag (30 April) in 2014; earlier years would need
# the old rule, and no procedure in this tool runs before then.
FIRST_YEAR = 2014
_ONE_DAY = timedelta(days=1)


def easter_sunday(year: int) -> date:
    """Eerste Paasdag: the Gregorian computus (Meeus/Jones/Butcher algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def kings_day(year: int) -> date:
    """Koningsdag: 27 April, or 26 April when the 27th is a Sunday (Wet viering Koningsdag)."""
    day = date(year, 4, 27)
    return day - _ONE_DAY if day.weekday() == 6 else day


def dutch_public_holidays(year: int) -> frozenset[date]:
    """The general public holidays of the Algemene termijnenwet (art. 3) in ``year``.

    Nieuwjaarsdag, Eerste en Tweede Paasdag, Hemelvaartsdag, Eerste en Tweede
    Pinksterdag, Eerste en Tweede Kerstdag, Koningsdag and 5 May (Bevrijdingsdag,
    every year, not only in lustrum years). Goede Vrijdag is not a general holiday
    in that act, so it counts as a working day. Raises ValueError before 2014.
    """
    if year < FIRST_YEAR:
        raise ValueError(f"holidays are known from {FIRST_YEAR} (Koningsdag) onwards")
    easter = easter_sunday(year)
    return frozenset(
        {
            date(year, 1, 1),
            easter,
            easter + timedelta(days=1),
            easter + timedelta(days=39),  # Hemelvaartsdag
            easter + timedelta(days=49),  # Eerste Pinksterdag
            easter + timedelta(days=50),  # Tweede Pinksterdag
            kings_day(year),
            date(year, 5, 5),
            date(year, 12, 25),
            date(year, 12, 26),
        }
    )


def is_working_day(day: date) -> bool:
    """Neither a Saturday, a Sunday nor a general public holiday."""
    return day.weekday() < 5 and day not in dutch_public_holidays(day.year)


def _next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += _ONE_DAY
    return day


def standstill_end(sent_on: date, days: int) -> date:
    """The last day of the standstill for a decision sent on ``sent_on`` (a local date).

    ``sent_on + days``, moved to the next working day when that is a Saturday,
    Sunday or public holiday, and extended further if the period would otherwise
    hold fewer than two working days (Algemene termijnenwet art. 1 and 2). The
    result is never earlier than ``sent_on + days`` and is always a working day.
    """
    if days < 1:
        raise ValueError("a standstill lasts at least one day")
    end = _next_working_day(sent_on + timedelta(days=days))
    if days >= 3:
        first = sent_on + _ONE_DAY
        working = sum(
            is_working_day(first + timedelta(days=n)) for n in range((end - first).days + 1)
        )
        while working < 2:
            end = _next_working_day(end + _ONE_DAY)
            working += 1
    return end


def standstill_over(sent_on: date, days: int, now: datetime) -> bool:
    """Whether the standstill is over at ``now``: from 00:00 Europe/Amsterdam on the
    day after ``standstill_end(sent_on, days)``. A naive ``now`` is taken as UTC."""
    return to_local(now).date() > standstill_end(sent_on, days)
