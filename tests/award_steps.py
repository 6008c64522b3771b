"""Walking a tender through the four steps of the award decision, for tests.

``decide`` and ``send`` call the services (advice by one inkoper, its winners'
strengths confirmed in ranked mode, approval by a second, the decision recorded,
the approver's preview, the letters released without making PDFs);
``announce_award`` drives the same steps over HTTP, letters made, as two inkopers
would.
"""

from __future__ import annotations

from datetime import datetime

from factories import login
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import clock
from tender.accounts.models import Role, User
from tender.award import steps, strengths, versions
from tender.award.models import AwardDecision
from tender.tenders.models import Tender
from tender.timefmt import to_local

BODY = "het college van burgemeester en wethouders van Houten"
MANDATE = "namens de gemeenten van de regio"


def with_signatory(session: Session, tender: Tender) -> None:
    """Give the tender a signatory when its criteria file named none."""
    if not tender.signatory_name:
        tender.signatory_name = "Mr. A. de Wit"
        tender.signatory_function = "Manager inkoop sociaal domein"
        session.flush()


def second_officer(session: Session, officer: User) -> User:
    """Another active inkoper who may be the second pair of eyes after ``officer``
    (the demo has one; tests without one get a new one)."""
    from tender.accounts import roles

    others = session.scalars(
        select(User)
        .where(
            User.role == Role.PROCUREMENT_OFFICER,
            User.active.is_(True),
            User.id != officer.id,
        )
        .order_by(User.id)
    )
    for other in others:
        if roles.four_eyes_problem(session, first_id=officer.id, second=other) is None:
            return other
    from factories import make_user

    return make_user(session, Role.PROCUREMENT_OFFICER, now=officer.created_at)


def confirm_strengths(
    session: Session, decision: AwardDecision, *, actor: User, now: datetime
) -> None:
    """The preparer confirms the drafted strengths of the winners (ranked mode only)."""
    if strengths.needed(decision.snapshot):
        strengths.edit(session, decision=decision, edited={}, confirm=True, actor=actor, now=now)


def decide(
    session: Session,
    tender: Tender,
    *,
    preparer: User,
    now: datetime,
    approver: User | None = None,
) -> AwardDecision:
    """Advice, approval by a second inkoper, and the decision recorded (not yet sent)."""
    approver = approver or second_officer(session, preparer)
    with_signatory(session, tender)
    decision = steps.prepare_advice(session, tender=tender, actor=preparer, now=now)
    confirm_strengths(session, decision, actor=preparer, now=now)
    steps.review_advice(
        session, decision=decision, approve=True, reason="", actor=approver, now=now
    )
    steps.record_decision(
        session,
        decision=decision,
        decided_on=to_local(now).date(),
        body=BODY,
        mandate=MANDATE,
        actor=preparer,
        now=now,
    )
    return decision


def send(session: Session, decision: AwardDecision, *, now: datetime) -> AwardDecision:
    """The approver previews, then the letters are released (no PDFs are made)."""
    approver = session.get(User, decision.approved_by_id)
    assert approver is not None
    steps.record_preview(session, decision=decision, actor=approver, now=now)
    return steps.release_letters(session, decision=decision, actor=approver, now=now)


def announce_award(
    app: Flask, tender: Tender, officer: User, approver: User | None = None
) -> AwardDecision:
    """Two inkopers take the award decision over HTTP and send its letters (made)."""
    session = app.extensions["tender.sessionmaker"]()
    tender = session.get(Tender, tender.id)
    assert tender is not None
    with_signatory(session, tender)
    approver = approver or second_officer(session, session.get(User, officer.id))
    approver_id = approver.id
    session.commit()
    base = f"/aanbestedingen/{tender.id}/gunning"
    first = app.test_client()
    login(first, officer)
    second = app.test_client()
    login(second, session.get(User, approver_id))
    assert first.post(f"{base}/advies").status_code == 302
    session.expire_all()
    advice = versions.open_decision(session, tender)
    assert advice is not None
    if strengths.needed(advice.snapshot):
        texts = {f"text_{key}": item["text"] for key, item in advice.strengths.items()}
        confirmed = first.post(f"{base}/kenmerken", data={**texts, "action": "confirm"})
        assert confirmed.status_code == 302, confirmed.get_data(as_text=True)[-3000:]
    reviewed = second.post(f"{base}/goedkeuring", data={"verdict": "approve"})
    assert reviewed.status_code == 302, reviewed.get_data(as_text=True)[-3000:]
    today = to_local(clock.now()).date()
    decided = first.post(
        f"{base}/besluit",
        data={"decided_on": today.isoformat(), "body": BODY, "mandate": MANDATE},
    )
    assert decided.status_code == 302, decided.get_data(as_text=True)
    session.expire_all()
    decision = versions.open_decision(session, tender)
    assert decision is not None
    session.close()
    send_over_http(app, decision)
    with app.extensions["tender.sessionmaker"]() as session:
        return session.get(AwardDecision, decision.id)


def send_over_http(app: Flask, decision: AwardDecision) -> None:
    """The approver of a recorded decision previews its letters and sends them."""
    session = app.extensions["tender.sessionmaker"]()
    decision = session.get(AwardDecision, decision.id)
    assert decision is not None
    approver = session.get(User, decision.approved_by_id)
    client = app.test_client()
    login(client, approver)
    base = f"/aanbestedingen/{decision.tender_id}/gunning"
    assert client.get(f"{base}/verzending").status_code == 200
    session.expire_all()
    assert decision.previewed_at is not None
    sent = client.post(
        f"{base}/verzending",
        data={
            "letters": str(steps.letter_count(decision)),
            "standstill": steps.sending_standstill_end(decision, clock.now()).isoformat(),
            "confirm": "y",
        },
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    try:
        _assert_letters_made(session, decision)
    finally:
        session.close()  # an open transaction would block the test's clean-up


def _assert_letters_made(session: Session, decision: AwardDecision) -> None:
    """The letters job of the decision finished; if not, say why (its error)."""
    from tender.award import jobs
    from tender.award.models import DocumentJob

    session.expire_all()
    job = session.scalar(
        select(DocumentJob)
        .where(DocumentJob.decision_id == decision.id)
        .order_by(DocumentJob.id.desc())
        .limit(1)
    )
    assert job is not None, "no letters job was started (see the flashed refusal)"
    assert job.status == jobs.DONE, f"letters job {job.status}: {job.error}"
