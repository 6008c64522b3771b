"""Acceptance (issue 15): an inzage dossier contains nothing of another bidder.

Every bid carries its own canary strings, planted through the services the app uses:
its organisation's name, plan texts, an attachment's name and content, a network
partner, requirement-check reasons, and the evaluators' individual and consensus
motivations. Each bidder's inzage ZIP, over every registered section
(``sections.SECTIONS``), may hold its own canaries and the names of the awarded
bidders, nothing else; the complete file holds them all, so the test can fail.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timedelta

import award_steps
from factories import (
    make_committee,
    make_complete_bid,
    make_published_tender,
    make_user,
    open_bids,
    pdf_bytes,
    sign_declaration,
)
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_award import decide_all_gaps

from tender import clock
from tender.accounts.models import Role
from tender.award import service as award
from tender.award.models import AwardDecision
from tender.bids import service as bid_service
from tender.bids.models import Bid
from tender.bids.uploads import uploads_dir
from tender.documents.service import documents_dir
from tender.dossier import build
from tender.dossier.sections import SECTIONS
from tender.evaluation import service as evaluation
from tender.tenders.models import Tender

BIDS = 4
# The kinds of canary, and the sections that put them in the complete file. The kinds
# whose section is not registered yet (``sections.SECTIONS``) are only checked for
# absence from the inzage dossiers; remove a kind here when its section is merged.
KINDS = ("ORG", "PLAN", "FILE", "INHOUD", "NETWERK", "TOETS", "INDIVIDUEEL", "CONSENSUS")
PADDING = " Het plan is concreet, onderbouwd en passend bij de aandachtspunten van de regio."


def canary(number: int, kind: str) -> str:
    """A token without spaces, so that it survives line wrapping in a PDF."""
    return f"KANARIE{number}{kind}Q4X"


def _planted_world(
    app: Flask, session: Session, now: datetime
) -> tuple[Tender, dict[int, dict[str, str]]]:
    """A tender with ``BIDS`` bids, each full of its own canaries, opened, checked (the
    last bid fails a requirement), scored, and with the award letters sent."""
    storage = uploads_dir(app.instance_path)
    tender = make_published_tender(session, now=now, storage_dir=documents_dir(app.instance_path))
    planted: dict[int, dict[str, str]] = {}
    for number in range(1, BIDS + 1):
        provider = make_user(session, Role.PROVIDER, now=now)
        provider.organisation.name = f"Zorg {canary(number, 'ORG')}"
        bid = make_complete_bid(
            session, tender=tender, provider=provider, now=now, storage_dir=storage,
            plan_text=f"Ons plan {canary(number, 'PLAN')}.",
        )  # fmt: skip
        attachment = bid_service.add_attachment(
            session, bid=bid, filename=f"{canary(number, 'FILE')}.pdf",
            content=pdf_bytes(f"Bijlage {canary(number, 'INHOUD')}"), storage_dir=storage,
            max_bytes=10 * 1024 * 1024, actor=provider, now=now,
        )  # fmt: skip
        criterion = tender.criteria[0]
        bid_service.save_plan(
            session, bid=bid, criterion=criterion, attachment=attachment, actor=provider,
            text=f"Ons plan {canary(number, 'PLAN')}, zie de bijlage.", now=now,
        )  # fmt: skip
        bid_service.add_network_partner(
            session, bid=bid, municipality=tender.lots[0].municipalities[0],
            name=f"Partner {canary(number, 'NETWERK')}", kind="welzijn",
            cooperation="Warme overdracht bij afschalen.", actor=provider, now=now,
        )  # fmt: skip
        bid_service.submit(session, bid=bid, actor=provider, now=now)
        planted[bid.id] = {kind: canary(number, kind) for kind in KINDS}
    officers, opened_at = open_bids(session, tender, now=now, instance_path=app.instance_path)
    when = opened_at + timedelta(hours=1)
    members = make_committee(session, tender=tender, officer=officers[0], now=when)
    for member in members:
        sign_declaration(session, member=member, now=when)
    bids = sorted(evaluation.received_bids(session, tender), key=lambda bid: bid.id)
    failing = bids[-1]
    for bid in bids:
        for requirement in tender.requirements:
            fails = bid is failing and requirement is tender.requirements[-1]
            evaluation.record_requirement_check(
                session, bid=bid, requirement=requirement, complies=not fails,
                reason=f"Toetsing {planted[bid.id]['TOETS']}: bewijs bekeken.", actor=officers[0],
                now=when,
            )  # fmt: skip
    excluded = evaluation.excluded_bid_ids(session, tender)
    top = max(level.score for level in tender.scale_levels)
    for bid in bids:
        if bid.id in excluded:
            for kind in ("INDIVIDUEEL", "CONSENSUS"):
                del planted[bid.id][kind]
            continue
        for criterion in tender.criteria:
            for member in evaluation.evaluators_for(members, bid):
                evaluation.save_score(
                    session, member=member, bid=bid, criterion=criterion, score=top,
                    motivation=f"Individueel {planted[bid.id]['INDIVIDUEEL']}.{PADDING}",
                    minimum_motivation=50, excluded=excluded, now=when,
                )  # fmt: skip
            evaluation.record_consensus(
                session, member=members[0], bid=bid, criterion=criterion, score=top,
                motivation=f"Consensus {planted[bid.id]['CONSENSUS']}.{PADDING}",
                expected_version=None, minimum_motivation=50, excluded=excluded, is_open=True,
                now=when,
            )  # fmt: skip
    evaluation.complete_evaluation(session, tender=tender, actor=officers[0], now=when)
    decide_all_gaps(session, tender, officers[0], when)
    session.commit()
    clock.set_clock(lambda: when + timedelta(days=1))
    award_steps.announce_award(app, tender, officers[0])
    session.expire_all()
    return tender, planted


def _texts(content: bytes) -> dict[str, str]:
    """Every file of a dossier ZIP as text without whitespace: PDFs through pypdf, other
    files decoded; the entry's name is part of its text."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    texts = {}
    for name in archive.namelist():
        data = archive.read(name)
        if name.endswith(".pdf"):
            text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
        else:
            text = data.decode("utf-8", errors="replace")
        texts[name] = re.sub(r"\s+", "", name + text)
    return texts


def _dossier(app: Flask, session: Session, tender: Tender, bid: Bid | None) -> dict[str, str]:
    scope = build.scope_for(session, tender, bid)
    with app.app_context():
        files = [f for section in SECTIONS for f in build.render_section(section, session, scope)]
        return _texts(build.archive(build.heading(session, scope), scope, files))


def test_an_inzage_dossier_holds_nothing_of_another_bidder(
    app: Flask, session: Session, now: datetime
) -> None:
    tender, planted = _planted_world(app, session, now)
    decision = session.scalar(select(AwardDecision).where(AwardDecision.tender_id == tender.id))
    awarded = set(award.awarded_bid_ids(decision.snapshot))
    assert awarded and len(awarded) < len(planted)
    complete = "".join(_dossier(app, session, tender, None).values())
    expected = {token for tokens in planted.values() for token in tokens.values()}
    assert sorted(token for token in expected if token not in complete) == []
    for bid_id in planted:
        texts = _dossier(app, session, tender, session.get(Bid, bid_id))
        leaks = [
            (name, token)
            for other, tokens in planted.items()
            if other != bid_id
            for kind, token in tokens.items()
            if not (kind == "ORG" and other in awarded)
            for name, text in texts.items()
            if token in text
        ]
        assert leaks == [], f"inzage of bid {bid_id} leaks {leaks[:5]}"
        own = "".join(texts.values())
        assert planted[bid_id]["ORG"] in own
