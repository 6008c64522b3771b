"""Tender lifecycle: publication freezes the configuration; illegal moves are refused."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from factories import documents_storage, make_published_tender, make_tender, schedule
from sqlalchemy.orm import Session

from tender.tenders import lifecycle
from tender.tenders import service as tenders
from tender.tenders.lifecycle import TRANSITIONS, ConfigurationFrozen, IllegalTransition
from tender.tenders.models import Criterion, TenderState


def test_concept_to_published_walk(session: Session, now: datetime) -> None:
    tender = make_tender(session, now=now)
    assert tender.state == TenderState.CONCEPT
    problems = tenders.publication_problems(tender, now)
    assert "Vul het TenderNed-kenmerk in." in problems
    with pytest.raises(tenders.TenderError, match="TenderNed"):
        tenders.publish(
            session, tender=tender, actor=None, now=now, storage_dir=documents_storage()
        )

    schedule(session, tender, now=now)
    tenders.publish(session, tender=tender, actor=None, now=now, storage_dir=documents_storage())
    session.commit()
    assert tender.state == TenderState.PUBLISHED
    assert tender.published_at == now


def test_publication_requires_tenderned_reference(session: Session, now: datetime) -> None:
    tender = make_tender(session, now=now)
    tenders.set_schedule(
        session,
        tender=tender,
        question_deadline=now + timedelta(days=1),
        submission_deadline=now + timedelta(days=2),
        planned_opening=now + timedelta(days=2),
        tenderned_reference="  ",
        actor=None,
        now=now,
    )
    with pytest.raises(tenders.TenderError, match="Vul het TenderNed-kenmerk in"):
        tenders.publish(
            session, tender=tender, actor=None, now=now, storage_dir=documents_storage()
        )
    assert tender.state == TenderState.CONCEPT


def test_schedule_must_be_in_order_and_in_the_future(session: Session, now: datetime) -> None:
    tender = make_tender(session, now=now)
    with pytest.raises(tenders.TenderError, match="vóór de uiterste inschrijfdatum"):
        tenders.set_schedule(
            session,
            tender=tender,
            question_deadline=now + timedelta(days=3),
            submission_deadline=now + timedelta(days=2),
            planned_opening=now + timedelta(days=3),
            tenderned_reference="TN-1",
            actor=None,
            now=now,
        )
    with pytest.raises(tenders.TenderError, match="in de toekomst"):
        tenders.set_schedule(
            session,
            tender=tender,
            question_deadline=now - timedelta(seconds=1),
            submission_deadline=now + timedelta(days=2),
            planned_opening=now + timedelta(days=3),
            tenderned_reference="TN-1",
            actor=None,
            now=now,
        )


FROZEN_EDITS = {
    "title": lambda t: setattr(t, "title", "Andere titel"),
    "award_mode": lambda t: setattr(t, "award_mode", "ranked"),
    "minimum_total": lambda t: setattr(t, "minimum_total", Decimal("50")),
    "standstill_days": lambda t: setattr(t, "standstill_days", 25),
    "spread_flag": lambda t: setattr(t, "spread_flag", 2),
    "court": lambda t: setattr(t, "court", "Rechtbank Amsterdam"),
    "tie_break": lambda t: setattr(t, "tie_break", "iets anders"),
    "reference": lambda t: setattr(t, "reference", "ANDERS-1"),
    "criteria_text": lambda t: setattr(t, "criteria_text", "format = 1"),
    "criterion weight": lambda t: setattr(t.criteria[0], "weight", Decimal("99")),
    "criterion minimum": lambda t: setattr(t.criteria[0], "minimum", 8),
    "criterion word limit": lambda t: setattr(t.criteria[0], "max_words", 5000),
    "criterion question": lambda t: setattr(t.criteria[0], "question", "Nieuwe vraag?"),
    "criterion removed": lambda t: t.criteria.pop(),
    "criterion added": lambda t: t.criteria.append(
        Criterion(
            position=99,
            code="GX",
            title="Extra",
            question="?",
            aspects=[],
            weight=Decimal(1),
            minimum=0,
            max_words=10,
        )
    ),
    "scale level score": lambda t: setattr(t.scale_levels[1], "score", 3),
    "scale level label": lambda t: setattr(t.scale_levels[1], "label", "slecht"),
    "requirement text": lambda t: setattr(t.requirements[0], "text", "Iets anders."),
    "lot minimum per cell": lambda t: setattr(t.lots[0], "min_providers_per_cell", 1),
    "lot municipalities": lambda t: t.lots[0].municipalities.pop(),
    "lot max awards": lambda t: setattr(t.lots[0], "max_awards", 3),
    "product tariff": lambda t: setattr(t.products[0], "tariff_eur", Decimal("1.00")),
    "contract term": lambda t: setattr(t.contract_terms, "initial_years", 3),
    "municipality name": lambda t: setattr(t.municipalities[0], "name", "Utrecht"),
    "target group removed": lambda t: t.target_groups.pop(),
}


@pytest.mark.parametrize("edit", FROZEN_EDITS, ids=list(FROZEN_EDITS))
def test_frozen_field_refused_after_publication(session: Session, now: datetime, edit: str) -> None:
    tender = make_published_tender(session, now=now)
    session.commit()
    FROZEN_EDITS[edit](tender)
    with pytest.raises(ConfigurationFrozen, match="Na publicatie liggen de gunningscriteria"):
        session.flush()
    session.rollback()


@pytest.mark.parametrize("edit", ["criterion weight", "award_mode", "lot max awards"])
def test_same_edit_is_allowed_in_concept(session: Session, now: datetime, edit: str) -> None:
    tender = make_tender(session, now=now)
    session.commit()
    FROZEN_EDITS[edit](tender)
    session.flush()


def test_replacing_the_configuration_is_refused_after_publication(
    session: Session, now: datetime
) -> None:
    from factories import LEKSTROOM

    from tender.criteria import load_criteria

    tender = make_published_tender(session, now=now)
    with pytest.raises(ConfigurationFrozen):
        tenders.replace_configuration(
            session,
            tender=tender,
            spec=load_criteria(LEKSTROOM),
            source_text=LEKSTROOM.read_text(encoding="utf-8"),
            filename=LEKSTROOM.name,
            actor=None,
            now=now,
        )


def test_dates_cannot_be_set_after_publication(session: Session, now: datetime) -> None:
    tender = make_published_tender(session, now=now)
    with pytest.raises(tenders.TenderError, match="nota van inlichtingen"):
        schedule(session, tender, now=now)


ILLEGAL = [
    (source, target)
    for source in TenderState
    for target in TenderState
    if target not in TRANSITIONS[source]
]


@pytest.mark.parametrize("source,target", ILLEGAL, ids=[f"{s}->{t}" for s, t in ILLEGAL])
def test_illegal_transition_is_refused(
    session: Session, now: datetime, source: TenderState, target: TenderState
) -> None:
    tender = make_tender(session, now=now)
    tender.state = source
    with pytest.raises(IllegalTransition, match=f"status '{source.value}' kan niet"):
        lifecycle.transition(session, tender, target, actor=None, now=now)
    assert tender.state == source


def test_withdrawal_possible_before_definitive_award_only(session: Session, now: datetime) -> None:
    assert TenderState.WITHDRAWN not in TRANSITIONS[TenderState.AWARDED]
    tender = make_published_tender(session, now=now)
    with pytest.raises(tenders.TenderError, match="reden"):
        tenders.withdraw(session, tender=tender, reason=" ", actor=None, now=now)
    tenders.withdraw(session, tender=tender, reason="Budget vervallen", actor=None, now=now)
    assert tender.state == TenderState.WITHDRAWN
    with pytest.raises(IllegalTransition):
        tenders.withdraw(session, tender=tender, reason="nogmaals", actor=None, now=now)


def test_tender_closes_at_the_submission_deadline(session: Session, now: datetime) -> None:
    tender = make_published_tender(session, now=now)
    deadline = tender.submission_deadline
    assert not tenders.close_if_due(session, tender=tender, now=deadline - timedelta(seconds=1))
    assert tender.state == TenderState.PUBLISHED
    assert tenders.close_if_due(session, tender=tender, now=deadline)
    assert tender.state == TenderState.CLOSED
