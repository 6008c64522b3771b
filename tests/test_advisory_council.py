"""The advisory council reads, and changes nothing: every mutating request answers 403,
and no page it can open shows a plan text, an attachment or an individual score."""

from __future__ import annotations

from datetime import datetime

from factories import login
from flask import Flask, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_award import decide_all_gaps

from tender import clock, demo
from tender.accounts.models import User
from tender.bids.models import Attachment, Bid
from tender.documents.models import Document
from tender.evaluation.models import CommitteeMember, Score

# Requests that concern only the member's own session or account, not the procurement.
OWN_ACCOUNT = {"accounts.logout", "accounts.change_password", "accounts.login", "accounts.register"}


def _arguments(session: Session, tender_id: int) -> dict[str, object]:
    bid = session.scalar(select(Bid).where(Bid.tender_id == tender_id).order_by(Bid.id))
    return {
        "tender_id": tender_id,
        "bid_id": bid.id,
        "criterion_id": bid.plans[0].criterion_id,
        "number": bid.blind_number,
        "attachment_id": session.scalar(select(Attachment.id).where(Attachment.bid_id == bid.id)),
        "partner_id": bid.network_partners[0].id,
        "subcontractor_id": 1,
        "member_id": session.scalar(select(CommitteeMember.id)),
        "document_id": session.scalar(select(Document.id).where(Document.kind == "award_letter")),
        "question_id": 1,
        "user_id": session.scalar(select(User.id)),
        "name": "bericht.eml",
        "kind": "xlsx",
    }


def test_advisory_council_can_change_nothing_and_sees_no_bid_content(
    app: Flask, session: Session, now: datetime
) -> None:
    result = demo.build(
        session, criteria_path=None, bids=8, now=now, instance_path=app.instance_path,
        phase="scored",
    )  # fmt: skip
    session.commit()
    officer = session.scalar(select(User).where(User.email == "inkoper@demo.example"))
    decide_all_gaps(session, result.tender, officer, now)
    session.commit()
    clock.set_clock(lambda: now)
    officer_client = app.test_client()
    login(officer_client, officer)
    officer_client.post(f"/aanbestedingen/{result.tender.id}/gunning/besluit")
    officer_client.post(f"/aanbestedingen/{result.tender.id}/gunning/brieven")
    council = session.scalar(select(User).where(User.email == "adviesraad@demo.example"))
    client = app.test_client()
    login(client, council)
    arguments = _arguments(session, result.tender.id)
    secrets = [
        plan["tekst"][:80]
        for bid in session.scalars(select(Bid))
        for plan in bid.latest_submission.canonical["plannen"]
    ] + [score.motivation for score in session.scalars(select(Score))]
    mutating, readable = [], []
    with app.test_request_context():
        rules = [
            (rule, url_for(rule.endpoint, **{a: arguments[a] for a in rule.arguments}))
            for rule in app.url_map.iter_rules()
            if rule.endpoint not in ("static", "accounts.logout")  # logout ends the session
        ]
    for rule, url in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if method == "POST" and rule.endpoint not in OWN_ACCOUNT:
                mutating.append((rule.endpoint, response.status_code))
            if method == "GET" and response.status_code == 200:
                readable.append(rule.endpoint)
                body = (
                    response.get_data(as_text=True) if response.mimetype.startswith("text") else ""
                )
                leaked = [s for s in secrets if s and s in body]
                assert not leaked, (rule.endpoint, leaked[:1])
    assert mutating and all(code == 403 for _endpoint, code in mutating), [
        m for m in mutating if m[1] != 403
    ]
    # What the council does read: set-up, Q&A, coverage and (after the decision) the report.
    for endpoint in ("tenders.show", "qa.nota", "coverage.show", "award.report"):
        assert endpoint in readable
    assert not any(e.startswith(("bids.", "committee.", "evaluation.")) for e in readable)
    report = client.get(f"/aanbestedingen/{result.tender.id}/gunning/rapport")
    assert report.mimetype == "application/pdf"
