"""The one place that turns UTC instants into Dutch local dates and back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def to_local(moment: datetime) -> datetime:
    """The instant in Europe/Amsterdam."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(AMSTERDAM)


def format_datetime(moment: datetime | None) -> str:
    """'24-11-2026 14:00' in Europe/Amsterdam; '' for no value."""
    if moment is None:
        return ""
    return to_local(moment).strftime("%d-%m-%Y %H:%M")


def format_datetime_seconds(moment: datetime | None) -> str:
    """'24-11-2026 14:00:05' in Europe/Amsterdam, for receipts and the audit trail."""
    if moment is None:
        return ""
    return to_local(moment).strftime("%d-%m-%Y %H:%M:%S")


def format_date(day: date | None) -> str:
    """'24-11-2026'; '' for no value."""
    return day.strftime("%d-%m-%Y") if day is not None else ""


_MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def format_long_date(day: date | None) -> str:
    """'1 september 2026', the Dutch long form for the text of letters; '' for no value."""
    if day is None:
        return ""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def local_to_utc(day: date, clock_time: time) -> datetime:
    """A wall-clock date and time in Europe/Amsterdam as a UTC instant.

    Forms refuse the wall-clock times that do not name one instant
    (``wall_clock_problem``); for those, this takes the summer-time reading.
    """
    return datetime.combine(day, clock_time, tzinfo=AMSTERDAM).astimezone(UTC)


def wall_clock_problem(day: date, clock_time: time) -> str | None:
    """Why this Amsterdam date and time is not one moment, in Dutch; None when it is.

    In the spring the clock jumps from 02:00 to 03:00, so 02:30 does not exist; in the
    autumn it goes back from 03:00 to 02:00, so 02:30 happens twice. Either way the
    message names the two moments the user may have meant.
    """
    summer = datetime.combine(day, clock_time, tzinfo=AMSTERDAM).replace(fold=0)
    winter = summer.replace(fold=1)
    if summer.utcoffset() == winter.utcoffset():
        return None
    typed = f"{clock_time:%H:%M} op {format_date(day)}"
    first, second = sorted((summer.astimezone(UTC), winter.astimezone(UTC)))
    if to_local(summer.astimezone(UTC)).replace(tzinfo=None) != summer.replace(tzinfo=None):
        return (
            f"{typed} bestaat niet: die nacht gaat de klok van 02:00 naar 03:00 (zomertijd). "
            f"Bedoelt u {to_local(first):%H:%M} (wintertijd) of {to_local(second):%H:%M} "
            "(zomertijd)? Vul dat tijdstip in."
        )
    return (
        f"{typed} komt twee keer voor: die nacht gaat de klok van 03:00 terug naar 02:00. "
        f"Bedoelt u de eerste keer (zomertijd, {first:%H:%M} UTC) of de tweede keer "
        f"(wintertijd, {second:%H:%M} UTC)? Kies een tijdstip buiten 02:00-03:00, "
        "bijvoorbeeld 01:59 of 03:00."
    )


def format_eur(amount) -> str:  # type: ignore[no-untyped-def]
    """'€ 1.234.567,89' in Dutch notation."""
    text = format_decimal(Decimal(str(amount)), format="#,##0.00", locale="nl_NL")
    return f"€ {text}"


def format_number(value) -> str:  # type: ignore[no-untyped-def]
    """A count, weight, minimum or score in Dutch notation, without trailing zeros
    ('40', '12,5', '1.234'); '' for no value. The one number format of the app."""
    if value is None:
        return ""
    number = Decimal(str(value)).normalize()
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return format_decimal(number, locale="nl_NL", decimal_quantization=False)


def count_of(count: int, singular: str, plural: str) -> str:
    """'1 woord', '3 woorden', '1.200 woorden': a count with the noun in the right form.

    Dutch has one singular (exactly 1) and one plural form (0 and 2 or more).
    """
    return f"{format_number(count)} {singular if count == 1 else plural}"


def format_size(size: int) -> str:
    """A file size as people read it: '10 MB', '2,5 MB', '340 KB' (below 1 MB)."""
    if size < 1_048_576:
        return f"{format_number(max(round(size / 1024), 1 if size else 0))} KB"
    return f"{format_number(round(Decimal(size) / 1_048_576, 1))} MB"


def time_left(until: datetime | None, now: datetime) -> str:
    """What is left until a deadline: 'nog 3 dagen en 4 uur' while more than a day is
    left, 'nog 5 uur en 12 minuten' or 'nog 12 minuten' in the last 24 hours.

    Rounded down, so that it never promises more time than there is.
    """
    if until is None:
        return ""
    if until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    left = until - now
    if left <= timedelta(0):
        return "de termijn is verstreken"
    minutes = int(left.total_seconds() // 60)
    days, hours = minutes // 1440, minutes % 1440 // 60
    if days:
        spoken_days = count_of(days, "dag", "dagen")
        return f"nog {spoken_days} en {hours} uur" if hours else f"nog {spoken_days}"
    if minutes == 0:
        return "nog minder dan een minuut"
    spoken = count_of(minutes % 60, "minuut", "minuten")
    return f"nog {hours} uur en {spoken}" if hours else f"nog {spoken}"
