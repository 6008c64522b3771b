"""Dates of a tender that cannot work, refused in Dutch (issue 11, item 5).

Pure functions: no clock, no database. Every ``*_problems`` function returns a
list of Dutch messages, empty when the dates work. The rules:

- **Contract start after publication**: a contract cannot start on or before the
  day the tender is published.
- **Standstill before the contract start** (Aw 2012 art. 2.127): the standstill
  after the award decision (``tender.award.standstill.standstill_end``) must be
  over before the contract starts, so its last day lies before the start date.
  At publication this is checked for the earliest possible decision, sent on the
  day after the submission deadline; at the decision for its real sending date.
- **Maximum term** (Aw 2012 art. 2.140): a framework agreement runs at most
  ``MAX_TERM_YEARS`` years, extensions included. The criteria loader uses
  ``term_problems`` for this rule; it lives here only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from tender.award.standstill import standstill_end
from tender.timefmt import format_date, to_local

if TYPE_CHECKING:
    from tender.tenders.models import Tender

MAX_TERM_YEARS = 4  # Aanbestedingswet 2012 art. 2.140: framework agreements
_ONE_DAY = timedelta(days=1)
# How much room ``workable_start`` leaves after the earliest standstill end: the
# evaluation and the decision take time, and the demo and tests decide later.
WORKABLE_MARGIN = timedelta(days=183)


def _anniversary(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a common year
        return date(start.year + years, 3, 1)


def period_end(start: date, years: int) -> date:
    """The last day of a period of ``years`` years from ``start`` (1-7-2022, 2: 30-6-2024)."""
    return _anniversary(start, years) - _ONE_DAY


def contract_start_problems(start: date, published_on: date) -> list[str]:
    """A contract start on or before the publication date is refused."""
    if start > published_on:
        return []
    return [
        f"De ingangsdatum van de overeenkomst ({format_date(start)}) moet na de "
        f"publicatiedatum ({format_date(published_on)}) liggen."
    ]


def standstill_problems(start: date, earliest_sent_on: date, standstill_days: int) -> list[str]:
    """The standstill after a decision sent on ``earliest_sent_on`` must end before ``start``."""
    end = standstill_end(earliest_sent_on, standstill_days)
    if end < start:
        return []
    return [
        f"Bij verzending van de gunningsbeslissing op {format_date(earliest_sent_on)} loopt de "
        f"opschortende termijn van {standstill_days} dagen tot en met {format_date(end)}; die "
        f"moet vóór de ingangsdatum van de overeenkomst ({format_date(start)}) afgelopen zijn. "
        f"Kies een ingangsdatum op of na {format_date(end + _ONE_DAY)}."
    ]


def term_problems(
    initial_years: int, extension_years: Sequence[int], start: date | None = None
) -> list[str]:
    """A total term above ``MAX_TERM_YEARS`` years is refused (art. 2.140).

    With a ``start`` the message names the end date of the initial term and of
    each extension, and the last day the agreement may run.
    """
    total = initial_years + sum(extension_years)
    if total <= MAX_TERM_YEARS:
        return []
    message = (
        f"de totale looptijd (initial_years + extension_years) is {total} jaar; "
        f"maximaal {MAX_TERM_YEARS} jaar toegestaan (Aanbestedingswet 2012 art. 2.140)"
    )
    if start is not None:
        limit = period_end(start, MAX_TERM_YEARS)
        ends = [f"de initiële looptijd tot en met {format_date(period_end(start, initial_years))}"]
        elapsed = initial_years
        for number, years in enumerate(extension_years, 1):
            elapsed += years
            end = period_end(start, elapsed)
            beyond = " (te laat)" if end > limit else ""
            ends.append(f"verlenging {number} tot en met {format_date(end)}{beyond}")
        message += (
            f". Vanaf {format_date(start)} mag de overeenkomst uiterlijk lopen tot en met "
            f"{format_date(limit)}; nu loopt " + ", ".join(ends)
        )
    return [message]


def earliest_sent_on(submission_deadline: datetime) -> date:
    """The first day a decision can be sent: the local day after the submission deadline."""
    return to_local(submission_deadline).date() + _ONE_DAY


def publication_date_problems(
    *, start: date, published_on: date, submission_deadline: datetime | None, standstill_days: int
) -> list[str]:
    """The date checks at publication: start after publication, standstill before start."""
    problems = contract_start_problems(start, published_on)
    if submission_deadline is not None and not problems:
        problems += standstill_problems(
            start, earliest_sent_on(submission_deadline), standstill_days
        )
    return problems


def decision_date_problems(tender: Tender, sent_on: date) -> list[str]:
    """Whether a decision of ``tender`` sent on ``sent_on`` (a local date) can work.

    The contract start must lie after ``sent_on`` (not in the past) and the standstill
    that starts the day after ``sent_on`` must end before it.
    """
    start = tender.contract_terms.start_date
    if start <= sent_on:
        return [
            f"De ingangsdatum van de overeenkomst ({format_date(start)}) ligt niet na de "
            f"verzenddatum van de gunningsbeslissing ({format_date(sent_on)}); een overeenkomst "
            "kan niet met terugwerkende kracht ingaan."
        ]
    return standstill_problems(start, sent_on, tender.standstill_days)


def workable_start(start: date, *, submission_deadline: datetime, standstill_days: int) -> date:
    """``start``, or the same day and month in the first later year that leaves room.

    For the demo and tests, whose example files start in 2022: room means at least
    ``WORKABLE_MARGIN`` after the end of the earliest possible standstill.
    """
    earliest = standstill_end(earliest_sent_on(submission_deadline), standstill_days)
    years = 0
    while _anniversary(start, years) <= earliest + WORKABLE_MARGIN:
        years += 1
    return _anniversary(start, years)
