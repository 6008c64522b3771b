"""Issue 16: a large document job lays out its PDFs in worker processes
(``tender.award.render_pool``) and stores exactly what its own process would have
made, once per document, also when it resumes a job that stored some already."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_award_documents import decided  # noqa: F401 (the fixture)

from tender import clock
from tender.audit import AuditAnchor
from tender.award import documents as award_documents
from tender.award import jobs, render_pool
from tender.award.models import AwardDecision
from tender.documents import pdf
from tender.documents import service as documents
from tender.documents.models import Document


def _plan(app: Flask, session: Session, decision: AwardDecision, config: dict, started_at):  # type: ignore[no-untyped-def, type-arg]
    return award_documents.job_plan(
        award_documents.LETTERS,
        tender_id=decision.tender_id,
        decision_id=decision.id,
        snapshot=award_documents.documented(session, decision),
        storage_dir=documents.documents_dir(app.instance_path),
        actor_id=None,
        started_at=started_at,
        config=config,
        instance_path=app.instance_path,
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def test_workers_lay_out_what_the_job_would_and_each_document_once(
    app: Flask,
    session: Session,
    decided,  # type: ignore[no-untyped-def]  # noqa: F811
    now: datetime,
) -> None:
    _tender, officer, decision = decided
    storage_dir = Path(documents.documents_dir(app.instance_path))
    pooled = {"DOCUMENT_PROCESSES": 2, "DOCUMENT_PROCESSES_FROM": 1}
    assert render_pool.used_for(pooled, 17)
    assert not render_pool.used_for({"DOCUMENT_PROCESSES": 1}, 1000)
    assert not render_pool.used_for({"DOCUMENT_PROCESSES": 2}, 17)  # below the default
    clock.set_clock(lambda: now)
    try:
        # A run before this one stored the first letter, then its worker died.
        inline, _finish = _plan(app, session, decision, {"DOCUMENT_PROCESSES": 1}, now)
        inline[0](session)
        session.commit()
        first = session.scalar(select(Document).where(Document.decision_id == decision.id))
        assert first is not None
        steps, _finish = _plan(app, session, decision, pooled, now)
        assert isinstance(steps, jobs.StepList)
        job = jobs.create_job(
            session,
            tender_id=decision.tender_id,
            kind=award_documents.LETTERS,
            total=len(steps),
            actor_id=officer.id,
            now=now,
            decision_id=decision.id,
        )
        session.commit()
        jobs.run(app.extensions["tender.sessionmaker"], job.id, steps, lambda _s, _n: None)
    finally:
        clock.set_clock(None)
    session.expire_all()
    assert session.get(type(job), job.id).status == jobs.DONE
    stored = list(
        session.scalars(
            select(Document).where(Document.decision_id == decision.id).order_by(Document.id)
        )
    )
    planned = award_documents.planned_for(
        award_documents.LETTERS, award_documents.documented(session, decision), started_at=now
    )
    assert len(stored) == len(planned) == len(decision.snapshot["bids"]) + 1
    assert stored[0].id == first.id and stored[0].sha256 == first.sha256  # not made again
    assert [(d.kind, d.bid_id) for d in stored] == [(kind, bid) for _n, kind, bid, _b in planned]
    for document, (name, _kind, _bid, build) in zip(stored, planned, strict=True):
        assert document.filename == name
        assert document.audit_seq is not None
        # Exactly the bytes the job's own process makes under the same facts.
        with (
            pdf.generated_at(_aware(document.created_at)),
            pdf.audit_footer(AuditAnchor(document.audit_seq, document.audit_hash)),
            pdf.signature_status(False),
        ):
            expected = build()
        assert documents.read_document(document, storage_dir=storage_dir) == expected
