"""The advisory council reads, and changes nothing: every mutating request answers 403,
and no page it can open shows a plan text, an attachment or an individual score. Before
the award decision is announced it sees coverage as counts only: no bidder's name, KvK
number, blind code, total or reason (DOMAIN.md section 3); afterwards also the report."""

from __future__ import annotations

import re
from datetime import datetime

import award_steps
from factories import login
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_award import decide_all_gaps

from tender import clock, coverage, demo
from tender.accounts.models import User
from tender.award.coverage_data import tender_coverage
from tender.bids.models import Attachment, Bid
from tender.documents.models import Document
from tender.evaluation.models import AttachmentCopy, CommitteeMember, Score
from tender.tenders.models import Tender

# Requests that concern only the member's own session or account, not the procurement.
OWN_ACCOUNT = {
    "accounts.logout",
    "accounts.change_password",
    "accounts.login",
    "accounts.register",
    "accounts.confirm_registration",  # a registrant's mailed link; an unknown one is 404
}


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
        "document_id": session.scalar(select(Document.id).where(Document.kind == "award_letter"))
        or 999_999,
        "question_id": 1,
        "user_id": session.scalar(select(User.id)),
        "token": "onbekend",
        "request_id": 1,
        "name": "bericht.eml",
        "kind": "xlsx",
        "copy_id": session.scalar(select(AttachmentCopy.id)) or 999_999,
        "lot_code": bid.tender.lots[0].code,
        "dossier_id": 999_999,
    }


def bidder_identities(session: Session, tender: Tender) -> list[str]:
    """Everything that tells who bid: names, KvK numbers, e-mails, websites, blind codes."""
    found = []
    for bid in session.scalars(select(Bid).where(Bid.tender_id == tender.id)):
        organisation = bid.organisation
        found += [organisation.name, organisation.kvk_number, organisation.email]
        found += [organisation.website] if organisation.website else []
        found += [bid.blind_code] if bid.blind_number else []  # drawn at the opening
    return found


def verdicts(session: Session, tender: Tender) -> list[str]:
    """The reasons why bids are not awarded and the totals, as the inkoper reads them."""
    checked = tender_coverage(session, tender)
    reasons = {
        reason
        for lot in checked.report.lots
        for cell in lot.cells
        for failed in cell.declared_but_failed
        for reason in failed.reasons
    }
    totals = {
        str(round(float(outcome.evaluation.total), 2))
        for outcome in checked.data.outcome.bids
        if outcome.evaluation.total is not None
    }
    return sorted(reasons) + sorted(totals)


def leaks(body: str, secrets: list[str]) -> list[str]:
    """The secrets in ``body``; a number only counts where it stands on its own."""
    return [
        secret
        for secret in secrets
        if re.search(rf"(?<![\w.,]){re.escape(secret)}(?![\w]|[.,]\d)", body)
    ]


def _scored_demo(app: Flask, session: Session, now: datetime) -> tuple[Tender, User, User]:
    """A scored demo (one bid fails a requirement), its gaps decided: (tender, officer,
    council)."""
    result = demo.build(
        session, criteria_path=None, bids=8, now=now, instance_path=app.instance_path,
        phase="scored",
    )  # fmt: skip
    session.commit()
    officer = session.scalar(select(User).where(User.email == "inkoper@demo.example"))
    decide_all_gaps(session, result.tender, officer, now)
    session.commit()
    clock.set_clock(lambda: now)
    council = session.scalar(select(User).where(User.email == "adviesraad@demo.example"))
    return result.tender, officer, council


def announce_award(app: Flask, tender: Tender, officer: User) -> None:
    """Two inkopers take the award decision and release the letters (and the report)."""
    award_steps.announce_award(app, tender, officer)


def _crawl(
    app: Flask, client: FlaskClient, arguments: dict[str, object], secrets: list[str]
) -> tuple[list[tuple[str, int]], list[str]]:
    """Every route with every method: (mutating answers, readable GET endpoints); no text
    answer may contain a secret."""
    mutating: list[tuple[str, int]] = []
    readable: list[str] = []
    with app.test_request_context():
        rules = [
            (rule, url_for(rule.endpoint, **{a: arguments[a] for a in rule.arguments}))
            for rule in app.url_map.iter_rules()
            # Logging out (here or everywhere) ends the session the crawl reads with.
            if rule.endpoint not in ("static", "accounts.logout", "accounts.logout_everywhere")
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
                leaked = leaks(body, secrets)
                assert not leaked, (rule.endpoint, leaked[:1])
    return mutating, readable


def test_advisory_council_can_change_nothing_and_sees_no_bid_content(
    app: Flask, session: Session, now: datetime
) -> None:
    tender, officer, council = _scored_demo(app, session, now)
    client = app.test_client()
    login(client, council)
    content = [
        plan["tekst"][:80]
        for bid in session.scalars(select(Bid))
        for plan in bid.latest_submission.canonical["plannen"]
    ] + [score.motivation for score in session.scalars(select(Score))]
    before = content + bidder_identities(session, tender) + verdicts(session, tender)
    mutating, readable = _crawl(app, client, _arguments(session, tender.id), before)
    assert "coverage.show" in readable and "award.report" not in readable

    announce_award(app, tender, officer)
    mutating, readable = _crawl(app, client, _arguments(session, tender.id), content)
    assert mutating and all(code == 403 for _endpoint, code in mutating), [
        m for m in mutating if m[1] != 403
    ]
    # Among them the conflict routes: declaring a band later, taking a member off a bid.
    assert {"committee.declare_conflict", "evaluation.remove_member_from_bid"} <= {
        endpoint for endpoint, _code in mutating
    }
    assert ("committee.reopen_consensus", 403) in mutating
    # What the council does read: set-up, Q&A, coverage and (after the decision) the report.
    for endpoint in ("tenders.show", "qa.nota", "coverage.show", "award.report"):
        assert endpoint in readable
    assert not any(
        e.startswith(("bids.", "committee.", "evaluation.", "attachments.")) for e in readable
    )
    report = client.get(f"/aanbestedingen/{tender.id}/gunning/rapport")
    assert report.mimetype == "application/pdf"


def test_council_reads_coverage_as_counts_and_the_report_only_after_the_decision(
    app: Flask, session: Session, now: datetime
) -> None:
    tender, officer, council = _scored_demo(app, session, now)
    secrets = bidder_identities(session, tender) + verdicts(session, tender)
    assert any("niet voldaan" in secret for secret in secrets)  # a bid fails a requirement
    counts = coverage.count_matrix(tender_coverage(session, tender).report)
    (lot,) = counts.lots
    cells = [cell for _municipality, row in lot.rows for cell in row]
    officer_client, client = app.test_client(), app.test_client()
    login(officer_client, officer)
    login(client, council)
    page = f"/aanbestedingen/{tender.id}/dekking"
    # The inkoper's page names the bidders and the reasons: the same data, in full.
    assert set(leaks(officer_client.get(page).get_data(as_text=True), secrets)) & set(
        verdicts(session, tender)
    )

    html = client.get(page).get_data(as_text=True)
    assert leaks(html, secrets) == []
    assert "<details>" not in html and "dekking/besluit" not in html
    assert re.findall(r"<td>\s*(\d+)/(\d+)", html) == [
        (str(cell.count), str(cell.minimum)) for cell in cells
    ]
    assert re.findall(r"(\d+) aangemeld", html) == [str(cell.declared) for cell in cells]
    assert sum(cell.declared > cell.count for cell in cells) > 0  # the failed bid's cells
    assert html.count('<strong class="todo">tekort</strong>') == sum(not c.ok for c in cells)
    networks = html[html.index("<caption>Lokale netwerken") :]
    assert re.findall(r'<th scope="row">[^<]+</th>\s*<td>(\d+)</td>', networks) == [
        str(network.count) for network in lot.networks
    ]
    show = client.get(f"/aanbestedingen/{tender.id}").get_data(as_text=True)
    assert leaks(show, secrets) == []
    assert "/gunning/rapport" not in show + html
    assert client.get(f"/aanbestedingen/{tender.id}/gunning/rapport").status_code == 403

    announce_award(app, tender, officer)
    html = client.get(page).get_data(as_text=True)
    show = client.get(f"/aanbestedingen/{tender.id}").get_data(as_text=True)
    assert leaks(html, secrets) == [] and leaks(show, secrets) == []
    assert f'href="/aanbestedingen/{tender.id}/gunning/rapport"' in html
    assert f'href="/aanbestedingen/{tender.id}/gunning/rapport"' in show
    report = client.get(f"/aanbestedingen/{tender.id}/gunning/rapport")
    assert (report.status_code, report.mimetype) == (200, "application/pdf")
