"""A small opened and scored tender with a canary string planted in every part of every
bid, and helpers to render dossier sections and read their text (tests of tender.dossier)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

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

from tender.accounts.models import Role, User
from tender.audit import AuditAnchor, AuditEvent
from tender.bids import service as bid_service
from tender.bids.models import Bid
from tender.bids.uploads import uploads_dir
from tender.documents import pdf
from tender.dossier.parts import DossierFile, Scope
from tender.evaluation import service as evaluation
from tender.evaluation.models import CommitteeMember
from tender.tenders.models import Tender

BIDS = 3
# The bid (by index) that fails a requirement: excluded, never scored.
EXCLUDED = 2


def canaries(index: int) -> dict[str, str]:
    """The strings planted in bid ``index``, by where they are (no spaces: they survive
    PDF line wrapping)."""
    return {
        part: f"KANARIE{index}{part.upper()}"
        for part in ("org", "plan", "netwerk", "onder", "inhoud", "reden", "indiv", "cons")
    } | {"bestandsnaam": f"kanarie{index}naam"}


@dataclass
class CanaryTender:
    tender: Tender
    bids: list[Bid]  # by index
    officer: User
    members: list[CommitteeMember]


def _canary_bid(
    session: Session, tender: Tender, index: int, *, now: datetime, instance_path: str
) -> Bid:
    marks = canaries(index)
    provider = make_user(session, Role.PROVIDER, now=now)
    storage = uploads_dir(instance_path)
    bid = make_complete_bid(
        session,
        tender=tender,
        provider=provider,
        now=now,
        storage_dir=storage,
        plan_text=f"Ons plan {marks['plan']} voor de regio.",
    )
    bid_service.update_organisation_details(
        session,
        bid=bid,
        fields={"organisation_name": f"Zorg {marks['org']} BV"},
        actor=provider,
        now=now,
    )
    lot = tender.lots[0]
    bid_service.add_network_partner(
        session,
        bid=bid,
        municipality=lot.municipalities[0],
        name=f"Buurthuis {marks['netwerk']}",
        kind="welzijn",
        cooperation="Samen aan tafel.",
        actor=provider,
        now=now,
    )
    bid_service.add_subcontractor(
        session,
        bid=bid,
        name=f"Onderaannemer {marks['onder']}",
        kvk_number=f"{90_000_000 + bid.id:08d}",
        activities="Vervoer naar de dagbesteding.",
        actor=provider,
        now=now,
    )
    attachment = bid_service.add_attachment(
        session,
        bid=bid,
        filename=f"{marks['bestandsnaam']}.pdf",
        content=pdf_bytes(f"Werkwijze {marks['inhoud']}"),
        storage_dir=storage,
        max_bytes=10 * 1024 * 1024,
        actor=provider,
        now=now,
    )
    criterion = tender.criteria[0]
    bid_service.save_plan(
        session,
        bid=bid,
        criterion=criterion,
        text=f"Zie de bijlage; ons plan {marks['plan']}.",
        attachment=attachment,
        actor=provider,
        now=now,
    )
    bid_service.submit(session, bid=bid, actor=provider, now=now)
    return bid


def canary_tender(session: Session, *, now: datetime, instance_path: str) -> CanaryTender:
    """Three bids, opened, checked (one excluded), scored by a committee of three with
    one band declared at signing and one reported later (scores set aside)."""
    tender = make_published_tender(session, now=now)
    bids = [
        _canary_bid(session, tender, index, now=now, instance_path=instance_path)
        for index in range(BIDS)
    ]
    officers, opened_at = open_bids(session, tender, now=now, instance_path=instance_path)
    officer = officers[0]
    members = make_committee(session, tender=tender, officer=officer, now=opened_at)
    when = opened_at + timedelta(hours=1)
    sign_declaration(session, member=members[0], now=when)
    sign_declaration(session, member=members[1], now=when)
    sign_declaration(
        session,
        member=members[2],
        now=when,
        bands={bids[1].kvk_number: "Mijn broer werkt daar als teamleider."},
    )
    for index, bid in enumerate(bids):
        last = len(tender.requirements) - 1
        for position, requirement in enumerate(tender.requirements):
            evaluation.record_requirement_check(
                session,
                bid=bid,
                requirement=requirement,
                complies=not (index == EXCLUDED and position == last),
                reason=f"Getoetst: {canaries(index)['reden']} bewijs gezien.",
                actor=officer,
                now=when,
            )
    excluded = evaluation.excluded_bid_ids(session, tender)
    for index, bid in enumerate(bids):
        if bid.id in excluded:
            continue
        marks = canaries(index)
        for criterion in tender.criteria:
            for number, member in enumerate(evaluation.evaluators_for(members, bid)):
                evaluation.save_score(
                    session,
                    member=member,
                    bid=bid,
                    criterion=criterion,
                    score=6,
                    motivation=f"Lid {number}: {marks['indiv']} goed onderbouwd.",
                    minimum_motivation=10,
                    excluded=excluded,
                    now=when + timedelta(hours=1),
                )
            evaluation.record_consensus(
                session,
                member=members[0],
                bid=bid,
                criterion=criterion,
                score=6,
                motivation=f"De commissie: {marks['cons']} overtuigend plan.",
                expected_version=None,
                minimum_motivation=10,
                excluded=excluded,
                is_open=True,
                now=when + timedelta(hours=2),
            )
    # A band found after scoring: the member's scores on bid 0 are set aside.
    evaluation.declare_conflict_later(
        session,
        member=members[1],
        kvk_number=bids[0].kvk_number,
        explanation="Later bleek mijn buurvrouw daar directeur.",
        now=when + timedelta(hours=3),
    )
    session.flush()
    return CanaryTender(tender=tender, bids=bids, officer=officer, members=members)


def scope_of(session: Session, tender: Tender, bid: Bid | None = None) -> Scope:
    """The scope of a dossier made now: cut off at the tender's newest audit event."""
    event = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.tender_id == tender.id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).one()
    return Scope(
        tender_id=tender.id,
        bid_id=bid.id if bid is not None else None,
        audit_seq=event.id,
        audit_hash=event.hash,
        as_of=event.occurred_at,
        interim=True,
    )


Section = Callable[[Session, Scope], list[DossierFile]]


def make_files(
    app: Flask, session: Session, sections: Sequence[Section], scope: Scope
) -> list[DossierFile]:
    """The sections' files, rendered as the assembler renders them."""
    anchor = AuditAnchor(event_id=scope.audit_seq, hash=scope.audit_hash)
    with app.app_context(), pdf.generated_at(scope.as_of), pdf.audit_footer(anchor):
        return [file for section in sections for file in section(session, scope)]


def text_of(file: DossierFile) -> str:
    """A file's text without any whitespace (PDFs through pypdf), to search for canaries."""
    if file.name.endswith(".pdf"):
        reader = PdfReader(io.BytesIO(file.content))
        text = "".join(page.extract_text() or "" for page in reader.pages)
    else:
        text = file.content.decode("utf-8")
    return "".join(text.split())
