"""Dates that cannot work (issue 11, item 5): contract start, standstill, maximum term."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from factories import (
    LEKSTROOM,
    documents_storage,
    make_published_tender,
    make_tender,
    schedule,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender.audit import AuditEvent
from tender.criteria import CriteriaError, load_criteria_text
from tender.tenders import dates
from tender.tenders import schedule as schedule_changes
from tender.tenders import service as tenders
from tender.tenders.lifecycle import ConfigurationFrozen
from tender.tenders.models import TenderState

# --- The pure rules -----------------------------------------------------------------


def test_contract_start_must_lie_after_the_publication_date() -> None:
    assert dates.contract_start_problems(date(2026, 11, 25), date(2026, 11, 24)) == []
    for start in (date(2026, 11, 24), date(2022, 7, 1)):
        assert dates.contract_start_problems(start, date(2026, 11, 24)) == [
            f"De ingangsdatum van de overeenkomst ({start:%d-%m-%Y}) moet na de "
            "publicatiedatum (24-11-2026) liggen."
        ]


def test_standstill_must_end_before_the_contract_start() -> None:
    # Sent on Friday 4 December 2026: 20 days end on Thursday 24 December.
    assert dates.standstill_problems(date(2026, 12, 25), date(2026, 12, 4), 20) == []
    assert dates.standstill_problems(date(2026, 12, 24), date(2026, 12, 4), 20) == [
        "Bij verzending van de gunningsbeslissing op 04-12-2026 loopt de opschortende "
        "termijn van 20 dagen tot en met 24-12-2026; die moet vóór de ingangsdatum van de "
        "overeenkomst (24-12-2026) afgelopen zijn. Kies een ingangsdatum op of na 25-12-2026."
    ]


def test_standstill_check_follows_the_holidays() -> None:
    # Sent on 5 December: day 20 is Christmas, so the standstill runs to Monday 28 December.
    refused = dates.standstill_problems(date(2026, 12, 28), date(2026, 12, 5), 20)
    assert len(refused) == 1 and "tot en met 28-12-2026" in refused[0]
    assert "op of na 29-12-2026" in refused[0]
    assert dates.standstill_problems(date(2026, 12, 29), date(2026, 12, 5), 20) == []


def test_term_of_four_years_is_allowed_five_is_not() -> None:
    assert dates.term_problems(2, [1, 1]) == []
    assert dates.term_problems(4, []) == []
    assert dates.term_problems(2, [1, 1, 1]) == [
        "de totale looptijd (initial_years + extension_years) is 5 jaar; maximaal 4 jaar "
        "toegestaan (Aanbestedingswet 2012 art. 2.140)"
    ]


def test_term_problem_names_each_extension_end() -> None:
    (message,) = dates.term_problems(3, [1, 2], date(2024, 2, 29))
    assert "is 6 jaar" in message
    # 29 February: a year later the period ends on the last day of February.
    assert "uiterlijk lopen tot en met 28-02-2028" in message
    assert "de initiële looptijd tot en met 28-02-2027" in message
    assert "verlenging 1 tot en met 28-02-2028, " in message  # exactly four years
    assert "verlenging 2 tot en met 28-02-2030 (te laat)" in message


def test_the_loader_uses_the_same_term_rule() -> None:
    text = LEKSTROOM.read_text(encoding="utf-8").replace(
        "extension_years = [1, 1]", "extension_years = [1, 2]", 1
    )
    with pytest.raises(CriteriaError) as info:
        load_criteria_text(text)
    (expected,) = dates.term_problems(2, [1, 2], date(2022, 7, 1))
    assert info.value.errors == [f"contract: {expected}"]


def _tender(start: date, standstill_days: int = 20) -> SimpleNamespace:
    return SimpleNamespace(
        contract_terms=SimpleNamespace(start_date=start), standstill_days=standstill_days
    )


def test_decision_date_problems() -> None:
    tender = _tender(date(2027, 1, 1))
    assert dates.decision_date_problems(tender, date(2026, 12, 4)) == []  # type: ignore[arg-type]
    late = dates.decision_date_problems(tender, date(2026, 12, 14))  # type: ignore[arg-type]
    assert len(late) == 1 and "opschortende termijn" in late[0] and "01-01-2027" in late[0]
    for sent_on in (date(2027, 1, 1), date(2027, 3, 1)):
        (past,) = dates.decision_date_problems(tender, sent_on)  # type: ignore[arg-type]
        assert past.startswith("De ingangsdatum van de overeenkomst (01-01-2027) ligt niet na")
        assert f"({sent_on:%d-%m-%Y})" in past and "terugwerkende kracht" in past


def test_earliest_sending_day_is_the_local_day_after_the_deadline() -> None:
    # 23:30 UTC on 14 December is 00:30 on 15 December in Amsterdam.
    assert dates.earliest_sent_on(datetime(2026, 12, 14, 23, 30, tzinfo=UTC)) == date(2026, 12, 16)
    assert dates.earliest_sent_on(datetime(2026, 12, 14, 11, 0, tzinfo=UTC)) == date(2026, 12, 15)


def test_workable_start_keeps_day_and_month_and_leaves_room() -> None:
    deadline = datetime(2026, 12, 14, 11, 0, tzinfo=UTC)
    # Earliest standstill end: Monday 4 January 2027; plus half a year: July 2027.
    assert dates.workable_start(
        date(2022, 7, 1), submission_deadline=deadline, standstill_days=20
    ) == (date(2028, 7, 1))
    assert dates.workable_start(
        date(2022, 9, 1), submission_deadline=deadline, standstill_days=20
    ) == (date(2027, 9, 1))
    assert dates.workable_start(
        date(2030, 1, 1), submission_deadline=deadline, standstill_days=20
    ) == (date(2030, 1, 1))
    start = dates.workable_start(date(2022, 7, 1), submission_deadline=deadline, standstill_days=20)
    assert (
        dates.publication_date_problems(
            start=start,
            published_on=date(2026, 11, 24),
            submission_deadline=deadline,
            standstill_days=20,
        )
        == []
    )


# --- At publication -----------------------------------------------------------------


def _schedule_without_moving(session: Session, tender, now: datetime) -> None:  # type: ignore[no-untyped-def]
    tenders.set_schedule(
        session,
        tender=tender,
        question_deadline=now + timedelta(days=10),
        submission_deadline=now + timedelta(days=20),
        planned_opening=now + timedelta(days=20, hours=2),
        tenderned_reference="TN-1",
        actor=None,
        now=now,
    )


def test_publication_refuses_a_contract_start_in_the_past(session: Session, now: datetime) -> None:
    tender = make_tender(session, now=now)
    _schedule_without_moving(session, tender, now)
    problems = tenders.publication_problems(tender, now)
    assert (
        "De ingangsdatum van de overeenkomst (01-07-2022) moet na de publicatiedatum "
        "(24-11-2026) liggen." in problems
    )
    assert "Pas contract.start_date aan" in problems[-1]
    with pytest.raises(tenders.TenderError, match=r"01-07-2022\) moet na de publicatiedatum"):
        tenders.publish(
            session, tender=tender, actor=None, now=now, storage_dir=documents_storage()
        )
    assert tender.state == TenderState.CONCEPT


def test_publication_refuses_a_start_before_the_earliest_standstill_end(
    session: Session, now: datetime
) -> None:
    tender = make_tender(session, now=now)
    _schedule_without_moving(session, tender, now)  # deadline 14-12-2026 14:00
    # The earliest decision goes out on 15 December; its standstill runs to Monday 4 January.
    tenders.set_contract_start(
        session, tender=tender, start_date=date(2027, 1, 4), actor=None, now=now
    )
    problems = tenders.publication_problems(tender, now)
    assert (
        "Bij verzending van de gunningsbeslissing op 15-12-2026 loopt de opschortende termijn "
        "van 20 dagen tot en met 04-01-2027; die moet vóór de ingangsdatum van de overeenkomst "
        "(04-01-2027) afgelopen zijn. Kies een ingangsdatum op of na 05-01-2027." in problems
    )
    with pytest.raises(tenders.TenderError, match="opschortende termijn"):
        tenders.publish(
            session, tender=tender, actor=None, now=now, storage_dir=documents_storage()
        )

    tenders.set_contract_start(
        session, tender=tender, start_date=date(2027, 1, 5), actor=None, now=now
    )
    assert tenders.publication_problems(tender, now) == []
    tenders.publish(session, tender=tender, actor=None, now=now, storage_dir=documents_storage())
    assert tender.state == TenderState.PUBLISHED


def test_moving_the_start_is_audited_and_only_in_concept(session: Session, now: datetime) -> None:
    tender = make_tender(session, now=now)
    schedule(session, tender, now=now)  # the factory moves the start to 2028
    assert tender.contract_terms.start_date == date(2028, 7, 1)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "tender.contract_start"))
    assert event is not None
    assert event.details == {"oud": "2022-07-01", "nieuw": "2028-07-01"}
    tenders.publish(session, tender=tender, actor=None, now=now, storage_dir=documents_storage())
    with pytest.raises(ConfigurationFrozen, match="concept"):
        tenders.set_contract_start(
            session, tender=tender, start_date=date(2029, 7, 1), actor=None, now=now
        )


# --- When a schedule change moves the submission deadline ----------------------------


def test_moving_the_deadline_keeps_the_standstill_before_the_start(
    session: Session, now: datetime
) -> None:
    tender = make_published_tender(session, now=now)
    start = tender.contract_terms.start_date  # 1 July 2028
    too_late = datetime(2028, 6, 20, 10, 0, tzinfo=UTC)

    def problems_for(deadline: datetime) -> dict[str, str]:
        new = schedule_changes.new_dates(
            tender,
            question_deadline=None,
            submission_deadline=deadline,
            planned_opening=deadline + timedelta(hours=2),
        )
        return schedule_changes.change_problems(session, tender, new, reason="Reden.", now=now)

    problems = problems_for(too_late)
    assert set(problems) == {"submission_deadline"}
    message = problems["submission_deadline"]
    assert "op 21-06-2028" in message and "tot en met 11-07-2028" in message
    assert f"({start:%d-%m-%Y})" in message

    assert problems_for(datetime(2027, 3, 1, 10, 0, tzinfo=UTC)) == {}
