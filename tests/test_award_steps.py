"""The award decision in four steps, its revision, and document jobs that survive a crash
(DOMAIN.md section 4; issue 11)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

import award_steps
import pytest
from factories import login
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from test_award import decide_all_gaps
from test_award import scored as scored

from tender import clock
from tender.accounts.models import User
from tender.audit import AuditEvent
from tender.award import documents as award_documents
from tender.award import jobs, steps, versions
from tender.award import service as award
from tender.award.models import AwardDecision, DecisionStatus, DocumentJob
from tender.bids.models import Bid
from tender.documents.models import Document
from tender.evaluation import service as evaluation
from tender.evaluation.models import ConsensusScore
from tender.tenders.models import TenderState
from tender.timefmt import AMSTERDAM

BASE = "/aanbestedingen/{}/gunning"


def _text(content: bytes) -> str:
    return " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split()
    )


def _client(app: Flask, user: User):  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, user)
    return client


@pytest.fixture
def ready(app: Flask, session: Session, scored, now: datetime):  # type: ignore[no-untyped-def]
    """A scored demo with its gaps decided and a signatory: ready for the advice."""
    tender, officer = scored
    decide_all_gaps(session, tender, officer, now)
    award_steps.with_signatory(session, tender)
    second = award_steps.second_officer(session, officer)
    session.commit()
    clock.set_clock(lambda: now)
    return tender, officer, second


def test_the_preparer_cannot_approve_its_own_advice(
    app: Flask, session: Session, ready, now
) -> None:  # type: ignore[no-untyped-def]
    tender, officer, second = ready
    decision = steps.prepare_advice(session, tender=tender, actor=officer, now=now)
    session.commit()
    with pytest.raises(award.AwardError, match="andere inkoper"):
        steps.review_advice(
            session, decision=decision, approve=True, reason="", actor=officer, now=now
        )
    page = _client(app, officer).get(f"{BASE.format(tender.id)}/goedkeuring").get_data(True)
    assert "andere inkoper dan wie het opstelde" in page and "Oordeel vastleggen" not in page
    refused = _client(app, officer).post(
        f"{BASE.format(tender.id)}/goedkeuring", data={"verdict": "approve"}
    )
    assert refused.status_code == 200
    session.expire_all()
    assert session.get(AwardDecision, decision.id).status == DecisionStatus.ADVICE
    approved = _client(app, second).post(
        f"{BASE.format(tender.id)}/goedkeuring", data={"verdict": "approve"}
    )
    assert approved.status_code == 302
    session.expire_all()
    decision = session.get(AwardDecision, decision.id)
    assert decision.status == DecisionStatus.APPROVED and decision.approved_by_id == second.id


def test_sent_back_with_a_reason_then_revised_as_the_same_version(
    app: Flask, session: Session, ready, now
) -> None:  # type: ignore[no-untyped-def]
    tender, officer, second = ready
    decision = steps.prepare_advice(session, tender=tender, actor=officer, now=now)
    session.commit()
    reviewer = _client(app, second)
    url = f"{BASE.format(tender.id)}/goedkeuring"
    page = reviewer.post(url, data={"verdict": "return", "reason": "kort"}).get_data(True)
    assert "Geef de reden waarom het advies wordt teruggestuurd" in page
    assert "kort</textarea>" in page  # what was typed is kept
    reason = "Het besluit over het tekort in Lopik moet concreter."
    assert reviewer.post(url, data={"verdict": "return", "reason": reason}).status_code == 302
    session.expire_all()
    decision = session.get(AwardDecision, decision.id)
    assert decision.status == DecisionStatus.RETURNED
    assert decision.returns[0]["reason"] == reason
    # While sent back, the gap decisions can change again; the advice is prepared anew.
    assert award.decision_for(session, tender) is None
    again = steps.prepare_advice(session, tender=tender, actor=officer, now=now)
    assert again.id == decision.id and again.version == 1
    assert again.status == DecisionStatus.ADVICE and len(again.returns) == 1
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("award.%")).order_by(AuditEvent.id)
    ).all()
    assert actions[-3:] == ["award.advice", "award.return", "award.advice"]


def test_the_decision_needs_a_date_body_mandate_and_signatory(
    app: Flask, session: Session, ready, now
) -> None:  # type: ignore[no-untyped-def]
    tender, officer, second = ready
    decision = steps.prepare_advice(session, tender=tender, actor=officer, now=now)
    steps.review_advice(session, decision=decision, approve=True, reason="", actor=second, now=now)
    tender.signatory_name = ""
    session.commit()
    client = _client(app, officer)
    url = f"{BASE.format(tender.id)}/besluit"
    tomorrow = (now + timedelta(days=1)).astimezone(AMSTERDAM).date()
    page = client.post(
        url,
        data={"decided_on": tomorrow.isoformat(), "body": "het college van Houten", "mandate": ""},
    ).get_data(True)
    assert "Dit veld is verplicht." in page and 'value="het college van Houten"' in page
    page = client.post(
        url,
        data={
            "decided_on": tomorrow.isoformat(),
            "body": "het college van Houten",
            "mandate": "namens de regio",
        },
        follow_redirects=True,
    ).get_data(True)
    assert "in de toekomst" in page and "ondertekenaar" in page
    award_steps.with_signatory(session, tender)
    session.commit()
    today = now.astimezone(AMSTERDAM).date()
    done = client.post(
        url,
        data={
            "decided_on": today.isoformat(),
            "body": "het college van Houten",
            "mandate": "namens de regio",
        },
    )
    assert done.status_code == 302
    session.expire_all()
    decision = session.get(AwardDecision, decision.id)
    assert decision.status == DecisionStatus.DECIDED and decision.decided_on == today
    assert decision.signatory_name == "Mr. A. de Wit" and decision.deciding_body


def test_letters_reach_no_provider_before_verzending_and_concepts_are_marked(
    app: Flask, session: Session, ready, now
) -> None:  # type: ignore[no-untyped-def]
    tender, officer, _second = ready
    decision = award_steps.decide(session, tender, preparer=officer, now=now)
    session.commit()
    assert (
        session.scalar(select(func.count(Document.id)).where(Document.kind == "award_letter")) == 0
    )
    entry = decision.snapshot["bids"][0]
    provider = session.scalar(select(User).where(User.organisation_id == entry["organisation_id"]))
    portal = _client(app, provider).get("/aanbieder").get_data(True)
    assert "Gunningsbeslissingen" not in portal
    # The inkoper reads every letter as a CONCEPT: in its name and on every page.
    inkoper = _client(app, officer)
    response = inkoper.get(f"{BASE.format(tender.id)}/concept/brief/{entry['bid_id']}.pdf")
    assert response.status_code == 200
    assert "concept-gunningsbeslissing-" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    assert all("CONCEPT" in page.extract_text() for page in reader.pages)
    created = reader.metadata.creation_date
    assert abs(created.astimezone(UTC) - now) < timedelta(seconds=2)  # the real moment
    archive = zipfile.ZipFile(io.BytesIO(inkoper.get(f"{BASE.format(tender.id)}/concept.zip").data))
    assert archive.namelist() and all(n.startswith("concept-") for n in archive.namelist())
    # The provider cannot reach a concept route at all.
    concept = _client(app, provider).get(
        f"{BASE.format(tender.id)}/concept/brief/{entry['bid_id']}.pdf"
    )
    assert concept.status_code == 403
    award_steps.send_over_http(app, decision)
    session.expire_all()
    assert "Gunningsbeslissingen" in _client(app, provider).get("/aanbieder").get_data(True)
    letters = session.scalars(select(Document).where(Document.kind == "award_letter")).all()
    assert len(letters) == len(decision.snapshot["bids"])
    assert not any(d.filename.startswith("concept-") for d in letters)
    sent = _text(
        award_documents.report_pdf(
            award_documents.documented(session, session.get(AwardDecision, decision.id)),
            sent_at=now,
        )
    )
    assert "CONCEPT" not in sent
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "award.award_letters_released")
    )
    assert len(event.details["sha256"]) == len(letters) + 1  # frozen: every hash recorded


def _reconsider(session: Session, tender, now: datetime) -> tuple[Bid, str]:  # type: ignore[no-untyped-def]
    """The chair records a new consensus for every reopened (bid, criterion)."""
    chair = next(m for m in evaluation.committee(session, tender) if m.is_chair)
    reopened = session.scalars(
        select(ConsensusScore)
        .join(ConsensusScore.bid)
        .where(Bid.tender_id == tender.id, ConsensusScore.reopened_at.is_not(None))
    ).all()
    for row in reopened:
        evaluation.record_consensus(
            session, member=chair, bid=row.bid, criterion=row.criterion, score=row.score,
            motivation="Na het bezwaar opnieuw beoordeeld: het plan is concreet en onderbouwd, "
            "de score blijft gelijk.", expected_version=row.version, minimum_motivation=20,
            excluded=set(), is_open=True, now=now,
        )  # fmt: skip
    return reopened[0].bid, reopened[0].criterion.code


def test_a_withdrawn_decision_is_revised_with_new_letters_and_a_new_standstill(
    app: Flask, session: Session, ready, now
) -> None:  # type: ignore[no-untyped-def]
    tender, officer, _second = ready
    sent_at = datetime(2026, 12, 4, 10, 0, tzinfo=AMSTERDAM).astimezone(UTC)
    clock.set_clock(lambda: sent_at)
    first = award_steps.decide(session, tender, preparer=officer, now=sent_at)
    session.commit()
    award_steps.send_over_http(app, first)
    session.expire_all()
    first = session.get(AwardDecision, first.id)
    assert first.status == DecisionStatus.SENT and first.standstill_end.isoformat() == "2026-12-24"
    old_letters = session.scalars(
        select(Document).where(Document.decision_id == first.id, Document.kind == "award_letter")
    ).all()
    # A kort geding: the decision is withdrawn, one criterion is scored again.
    objection = sent_at + timedelta(days=5)
    clock.set_clock(lambda: objection)
    inkoper = _client(app, officer)
    base = BASE.format(tender.id)
    reason = "Voorzieningenrechter: criterium G1 opnieuw beoordelen."
    assert inkoper.post(f"{base}/intrekken", data={"reason": reason}).status_code == 302
    session.expire_all()
    tender = session.merge(tender)
    assert tender.state == TenderState.OPENED
    assert session.get(AwardDecision, first.id).status == DecisionStatus.WITHDRAWN
    # A bid with a consensus on G1 (one excluded at the requirement check has none).
    bid_id = next(
        e["bid_id"] for e in first.snapshot["bids"] if any(s["code"] == "G1" for s in e["scores"])
    )
    revised = inkoper.post(
        f"{base}/herbeoordeling",
        data={"bids": [str(bid_id)], "criteria": ["G1"], "reason": reason},
    )
    assert revised.status_code == 302
    session.expire_all()
    _reconsider(session, tender, objection)
    session.commit()
    # The provider still reads its old letter, marked withdrawn.
    provider = session.scalar(
        select(User).where(User.organisation_id == first.snapshot["bids"][0]["organisation_id"])
    )
    portal = _client(app, provider).get("/aanbieder").get_data(True)
    assert "ingetrokken op" in portal
    # A new decision: version 2 replaces version 1, with new letters and a new standstill.
    second_decision = award_steps.decide(session, tender, preparer=officer, now=objection)
    session.commit()
    assert second_decision.version == 2 and second_decision.replaces_id == first.id
    award_steps.send_over_http(app, second_decision)
    session.expire_all()
    second_decision = session.get(AwardDecision, second_decision.id)
    assert second_decision.status == DecisionStatus.SENT
    assert second_decision.standstill_end > first.standstill_end
    new_letters = session.scalars(
        select(Document).where(
            Document.decision_id == second_decision.id, Document.kind == "award_letter"
        )
    ).all()
    assert len(new_letters) == len(old_letters)
    assert all(d.filename.endswith("-v2.pdf") for d in new_letters)
    assert all(d.released_at is not None for d in old_letters)  # the old ones stay
    storage = award_documents.documents.documents_dir(app.instance_path)
    letter = next(d for d in new_letters if d.bid_id == bid_id)
    text = _text(award_documents.documents.read_document(letter, storage_dir=storage))
    assert "04-12-2026" in text or "4 december 2026" in text  # the earlier decision
    assert "ingetrokken" in text and "Voorzieningenrechter" in text
    report = award.award_report_document(session, tender)
    assert report is not None and report.decision_id == second_decision.id
    report_text = _text(award_documents.documents.read_document(report, storage_dir=storage))
    assert "Verloop van het besluit" in report_text and "Voorzieningenrechter" in report_text
    zipped = zipfile.ZipFile(io.BytesIO(inkoper.get(f"{base}/documenten.zip").data)).namelist()
    assert len(zipped) == len(set(zipped)) == 2 * (len(old_letters) + 1)


def test_a_killed_letter_job_resumes_without_a_second_copy(
    app: Flask, session: Session, ready, now
) -> None:  # type: ignore[no-untyped-def]
    tender, officer, _second = ready
    decision = award_steps.decide(session, tender, preparer=officer, now=now)
    approver = session.get(User, decision.approved_by_id)
    steps.record_preview(session, decision=decision, actor=approver, now=now)
    session.commit()
    # The worker stores three letters, then dies (no finish, no further heartbeat).
    plan, _finish = award_documents.job_plan(
        award_documents.LETTERS, tender_id=tender.id, decision_id=decision.id,
        snapshot=award_documents.documented(session, decision),
        storage_dir=award_documents.documents.documents_dir(app.instance_path),
        actor_id=approver.id, started_at=now, config=app.config,
        instance_path=app.instance_path,
    )  # fmt: skip
    job = jobs.create_job(
        session, tender_id=tender.id, kind=award_documents.LETTERS, total=len(plan),
        actor_id=approver.id, now=now, decision_id=decision.id,
    )  # fmt: skip
    session.commit()
    for step in plan[:3]:
        step(session)
    session.commit()
    client = _client(app, approver)
    base = BASE.format(tender.id)
    clock.set_clock(lambda: now + timedelta(seconds=30))
    busy = client.post(f"{base}/hervatten/award_letters", follow_redirects=True).get_data(True)
    assert "worden nog gemaakt" in busy
    later = now + jobs.STALE_AFTER + timedelta(seconds=5)
    clock.set_clock(lambda: later)
    assert "vastgelopen" in client.get(base).get_data(True)
    assert client.post(f"{base}/hervatten/award_letters").status_code == 302
    session.expire_all()
    job = session.get(DocumentJob, job.id)
    assert job.status == jobs.DONE
    letters = session.scalars(
        select(Document).where(Document.decision_id == decision.id, Document.kind == "award_letter")
    ).all()
    assert len(letters) == len(decision.snapshot["bids"])
    assert len({d.bid_id for d in letters}) == len(letters)  # one per bidder
    assert all(d.released_at is not None for d in letters)
    tender = session.merge(tender)
    assert tender.state == TenderState.PROVISIONALLY_AWARDED
    zipped = zipfile.ZipFile(io.BytesIO(client.get(f"{base}/documenten.zip").data)).namelist()
    assert len(zipped) == len(decision.snapshot["bids"]) + 1
    # Resuming a finished job is refused; nothing is made twice.
    again = client.post(f"{base}/hervatten/award_letters", follow_redirects=True).get_data(True)
    assert "al verzonden" in again or "al klaar" in again
    assert session.scalar(
        select(func.count(Document.id)).where(Document.kind == "award_letter")
    ) == len(letters)
    assert versions.sent_decision(session, tender).id == decision.id


def test_a_decision_whose_standstill_would_outlast_the_contract_start_is_refused(
    session: Session, ready
) -> None:  # type: ignore[no-untyped-def]
    tender, officer, second = ready
    start = tender.contract_terms.start_date
    late = datetime.combine(start, datetime.min.time(), tzinfo=AMSTERDAM) - timedelta(days=5)
    decision = steps.prepare_advice(session, tender=tender, actor=officer, now=late)
    steps.review_advice(session, decision=decision, approve=True, reason="", actor=second, now=late)
    with pytest.raises(award.AwardError, match="opschortende termijn") as refused:
        steps.record_decision(
            session, decision=decision, decided_on=late.date(), body=award_steps.BODY,
            mandate=award_steps.MANDATE, actor=officer, now=late,
        )  # fmt: skip
    assert f"{start:%d-%m-%Y}" in str(refused.value) or str(start.year) in str(refused.value)
    assert decision.status == DecisionStatus.APPROVED
