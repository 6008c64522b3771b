"""The demo command builds a ready-to-use, clearly labelled instance."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import demo
from tender.accounts.models import Organisation, Role, User
from tender.tenders.models import Tender, TenderState


def test_demo_builds_published_tender_and_one_account_per_role(
    app: Flask, session: Session, now: datetime
) -> None:
    result = demo.build(
        session, criteria_path=None, bids=0, now=now, instance_path=app.instance_path
    )
    session.commit()
    assert result.tender.state == TenderState.PUBLISHED
    assert result.tender.is_demo
    roles = {user.role for user in session.scalars(select(User))}
    assert roles == set(Role)
    assert all(user.is_demo for user in session.scalars(select(User)))
    organisations = session.scalars(select(Organisation)).all()
    assert len(organisations) >= 5
    assert all(o.is_demo and o.name.endswith("(demo)") for o in organisations)


def test_demo_again_reuses_and_renews_passwords(
    app: Flask, session: Session, now: datetime
) -> None:
    first = demo.build(
        session, criteria_path=None, bids=0, now=now, instance_path=app.instance_path
    )
    session.commit()
    second = demo.build(
        session, criteria_path=None, bids=0, now=now, instance_path=app.instance_path
    )
    session.commit()
    assert len(session.scalars(select(Tender)).all()) == 1
    assert [c[1] for c in first.credentials] == [c[1] for c in second.credentials]
    assert [c[2] for c in first.credentials] != [c[2] for c in second.credentials]
    client = app.test_client()
    _role, email, password = second.credentials[0]
    response = client.post("/inloggen", data={"email": email, "password": password})
    assert response.status_code == 302


def test_demo_command_prints_credentials(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "inkoper@demo.example" in result.output
    assert "adviesraad@demo.example" in result.output
    assert "gemarkeerd als demo" in result.output


def test_demo_phase_scored_leaves_a_consistent_tender(
    app: Flask, session: Session, now: datetime
) -> None:
    from tender.evaluation import service as evaluation
    from tender.evaluation.models import ConsensusScore

    result = demo.build(
        session,
        criteria_path=None,
        bids=12,
        now=now,
        instance_path=app.instance_path,
        phase="scored",
    )
    session.commit()
    tender = result.tender
    assert tender.state == TenderState.EVALUATED
    assert evaluation.evaluation_problems(session, tender) == []
    bids = evaluation.received_bids(session, tender)
    excluded = evaluation.excluded_bid_ids(session, tender)
    assert len(bids) == 12 and 0 < len(excluded) < 12
    agreed = session.scalars(select(ConsensusScore)).all()
    assert len(agreed) == (12 - len(excluded)) * len(tender.criteria)
    assert all(len(c.motivation) >= 50 for c in agreed)
    members = evaluation.committee(session, tender)
    assert sum(m.is_chair for m in members) == 1
    # Evaluator 3 declared a band with one named bidder, explained; the others none.
    bands = [a for m in members for a in m.declaration.answers if a.band]
    assert len(bands) == 1 and bands[0].explanation.startswith("DEMO: mijn zus")
    assert all(len(m.declaration.answers) == 12 for m in members)
    assert tender.opening_started_by_id != tender.opened_by_id
    assert tender.submission_deadline < now


def test_demo_with_another_criteria_file(app: Flask, session: Session, now: datetime) -> None:
    from factories import ROOT

    result = demo.build(
        session,
        criteria_path=ROOT / "tests" / "criteria" / "files" / "three-lots-ranked.toml",
        bids=6,
        now=now,
        instance_path=app.instance_path,
        phase="scored",
    )
    session.commit()
    assert result.tender.reference == "RV-WMO-2023"
    assert result.tender.state == TenderState.EVALUATED


def test_demo_stops_at_the_advice_awaiting_the_second_inkoper(
    app: Flask, session: Session, now: datetime
) -> None:
    from tender.award import versions
    from tender.award.models import DecisionStatus

    result = demo.build(
        session, criteria_path=None, bids=6, now=now, instance_path=app.instance_path,
        phase="advice",
    )  # fmt: skip
    session.commit()
    decision = versions.open_decision(session, result.tender)
    assert decision is not None and decision.status == DecisionStatus.ADVICE
    officer = session.scalar(select(User).where(User.email == "inkoper@demo.example"))
    assert decision.prepared_by_id == officer.id
    assert result.tender.state == TenderState.EVALUATED


def test_demo_stops_with_the_letters_sent(app: Flask, session: Session, now: datetime) -> None:
    from tender.award import versions
    from tender.documents.models import Document

    result = demo.build(
        session, criteria_path=None, bids=6, now=now, instance_path=app.instance_path,
        phase="sent",
    )  # fmt: skip
    session.commit()
    tender = result.tender
    assert tender.state == TenderState.PROVISIONALLY_AWARDED
    decision = versions.sent_decision(session, tender)
    assert decision is not None and decision.approved_by_id != decision.prepared_by_id
    assert decision.previewed_by_id == decision.approved_by_id
    assert decision.deciding_body.endswith("(DEMO)")
    assert tender.municipalities[0].name in decision.deciding_body
    letters = session.scalars(
        select(Document).where(Document.decision_id == decision.id, Document.kind == "award_letter")
    ).all()
    assert len(letters) == 6 and all(d.released_at == decision.letters_sent_at for d in letters)
