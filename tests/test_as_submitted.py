"""What is evaluated is what was submitted (DOMAIN.md 5.1).

A provider submits, then edits every part of its bid before the deadline and never
resubmits. The tender is opened, checked, scored, decided, the letters released and
the contracts made. No page, export, JSON, CLI output or PDF for anyone else shows
any of the edits; every step reads the version on the receipt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import award_steps
import pytest
from factories import ROOT, login, pdf_bytes
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_award import decide_all_gaps
from test_sealed_crawl import _text, crawl, route_seeds

from tender import clock, demo
from tender.accounts.models import Role, User
from tender.award import service as award
from tender.award.coverage_data import provider_coverage, tender_coverage
from tender.award.outcome import tender_outcome
from tender.bids import service as bids
from tender.bids import submitted
from tender.bids.models import Attachment, Bid, BidSubmission
from tender.bids.uploads import uploads_dir
from tender.documents.models import Document
from tender.evaluation.models import Score
from tender.tenders.models import Tender, TenderState

THREE_LOTS = ROOT / "tests" / "criteria" / "files" / "three-lots-ranked.toml"

# Every edit made after the submission carries one of these; none may reach anyone.
MARKERS = (
    "Zwaluwstaart Gewijzigd",
    "na-indiening@zwaluwstaart.example",
    "Contactpersoon Nagekomen",
    "Netwerkpartner Nagekomen",
    "Onderaannemer Nagekomen",
    "Plantekst nagekomen",
    "bijlage-nagekomen.pdf",
    "Bijlage nagekomen inhoud",
    "99887766",
)


@dataclass(frozen=True)
class Edited:
    tender: Tender
    bid_id: int
    version: submitted.SubmittedBid
    working_lots: frozenset[str]
    working_cells: frozenset[tuple[str, str, str]]


def _edit_everything(session: Session, bid: Bid, storage: Path) -> None:
    """Change every part of ``bid`` after its submission, before the deadline."""
    tender = bid.tender
    provider = bid.organisation.users[0]
    at = bid.submitted_at + timedelta(minutes=5)
    assert at < tender.submission_deadline
    bids.update_organisation_details(
        session,
        bid=bid,
        fields={
            "organisation_name": MARKERS[0],
            "email": MARKERS[1],
            "contact_person": MARKERS[2],
            "kvk_number": MARKERS[8],
        },
        actor=provider,
        now=at,
    )
    chosen = {bl.lot_id for bl in bid.lots}
    other = [lot for lot in tender.lots if lot.id not in chosen] or tender.lots[:1]
    bids.set_lots(session, bid=bid, lots=other, actor=provider, now=at)
    for lot in other:
        cell = {(lot.municipalities[-1].id, lot.target_groups[-1].id)}
        bids.set_coverage(session, bid=bid, lot=lot, cells=cell, actor=provider, now=at)
    for partner in list(bid.network_partners):
        bids.remove_network_partner(session, bid=bid, partner=partner, actor=provider, now=at)
    bids.add_network_partner(
        session,
        bid=bid,
        municipality=tender.municipalities[0],
        name=MARKERS[3],
        kind="welzijn",
        cooperation="Nagekomen samenwerking.",
        actor=provider,
        now=at,
    )
    bids.add_subcontractor(
        session,
        bid=bid,
        name=MARKERS[4],
        kvk_number="12121212",
        activities="Nagekomen werk.",
        actor=provider,
        now=at,
    )
    attachment = bids.add_attachment(
        session,
        bid=bid,
        filename=MARKERS[6],
        content=pdf_bytes(MARKERS[7]),
        storage_dir=storage,
        max_bytes=10 * 1024 * 1024,
        actor=provider,
        now=at,
    )
    for position, requirement in enumerate(tender.requirements):
        bids.declare_requirement(
            session,
            bid=bid,
            requirement=requirement,
            complies=position != 0,
            evidence=attachment,
            actor=provider,
            now=at,
        )
    for criterion in tender.criteria:
        bids.save_plan(
            session,
            bid=bid,
            criterion=criterion,
            text=f"{MARKERS[5]} voor {criterion.code}.",
            attachment=attachment,
            actor=provider,
            now=at,
        )
    assert bids.has_unsubmitted_changes(bid)


@pytest.fixture
def edited(app: Flask, session: Session, now: datetime, monkeypatch: pytest.MonkeyPatch) -> Edited:
    """A scored three-lot demo in which one bid was edited after its submission."""
    found: dict[str, object] = {}
    open_bids = demo._open_bids

    def edit_then_open(session: Session, tender: Tender, *args, **kwargs):  # type: ignore[no-untyped-def]
        bid = min(
            (b for b in session.scalars(select(Bid).where(Bid.tender_id == tender.id))),
            key=lambda b: b.id,
        )
        found["version"] = submitted.submitted_version(bid)
        _edit_everything(session, bid, uploads_dir(app.instance_path))
        lots = {lot.id: lot.code for lot in tender.lots}
        m = {x.id: x.code for x in tender.municipalities}
        g = {x.id: x.code for x in tender.target_groups}
        found["lots"] = frozenset(lots[bl.lot_id] for bl in bid.lots)
        found["cells"] = frozenset(
            (lots[c.lot_id], m[c.municipality_id], g[c.target_group_id]) for c in bid.coverage
        )
        return open_bids(session, tender, *args, **kwargs)

    monkeypatch.setattr(demo, "_open_bids", edit_then_open)
    result = demo.build(
        session, criteria_path=THREE_LOTS, bids=6, now=now, instance_path=app.instance_path,
        phase="scored",
    )  # fmt: skip
    session.commit()
    version = found["version"]
    assert isinstance(version, submitted.SubmittedBid)
    return Edited(
        tender=result.tender,
        bid_id=version.bid_id,
        version=version,
        working_lots=found["lots"],  # type: ignore[arg-type]
        working_cells=found["cells"],  # type: ignore[arg-type]
    )


def _officer(session: Session, local_part: str = "inkoper") -> User:
    user = session.scalar(select(User).where(User.email == f"{local_part}@demo.example"))
    assert user is not None
    return user


def _award_completely(session: Session, tender: Tender, now: datetime) -> None:
    """Decision, letters released, standstill over, contracts made."""
    officer = _officer(session)
    decide_all_gaps(session, tender, officer, now)
    decision = award_steps.send(
        session, award_steps.decide(session, tender, preparer=officer, now=now), now=now
    )
    session.commit()
    later = now + timedelta(days=40)
    assert decision.standstill_end < later.date()
    award.make_definitive(session, tender=tender, actor=officer, now=later)
    session.commit()


def _leaks(texts: dict[str, str]) -> list[str]:
    return [
        f"{where} shows {marker!r}"
        for where, text in texts.items()
        for marker in MARKERS
        if marker.casefold() in " ".join(text.split()).casefold()
    ]


def test_the_edit_is_real_and_only_in_the_working_copy(session: Session, edited: Edited) -> None:
    """The precondition: the working copy differs in lots and cells from what was received."""
    assert edited.working_lots != edited.version.lots
    assert edited.working_cells != edited.version.cells
    bid = session.get(Bid, edited.bid_id)
    assert bid is not None and bid.organisation_name == MARKERS[0]
    counted = submitted.submitted_version(bid)
    assert counted is not None and counted.digest == edited.version.digest
    assert counted.plans == edited.version.plans


def test_the_receipt_digest_is_the_digest_of_what_is_evaluated(
    session: Session, edited: Edited
) -> None:
    bid = session.get(Bid, edited.bid_id)
    assert bid is not None
    receipt = bid.submissions[-1]
    assert receipt.digest == edited.version.digest
    assert bids.digest_of(receipt.canonical) == receipt.digest
    assert bids.digest_of(bids.canonical_form(bid)) != receipt.digest
    data = tender_outcome(session, edited.tender)
    assert data.bid(bid.id).digest == receipt.digest
    assert data.results[bid.id].lots == edited.version.lots


def test_outcome_and_coverage_read_the_submitted_lots_and_cells(
    session: Session, edited: Edited
) -> None:
    checked = tender_coverage(session, edited.tender)
    provider = next(p for p in provider_coverage(checked.data) if p.bid_id == edited.bid_id)
    assert provider.cells == edited.version.cells
    assert provider.network_municipalities == edited.version.network_municipalities
    assert provider.name == edited.version.organisation.name
    assert checked.data.results[edited.bid_id].lots == edited.version.lots


def test_the_requirement_check_shows_the_submitted_declarations(
    app: Flask, session: Session, edited: Edited
) -> None:
    client = app.test_client()
    login(client, _officer(session))
    page = client.get(f"/aanbestedingen/{edited.tender.id}/eisen/{edited.bid_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "geen verklaring" not in html
    assert html.count("voldoet</") + html.count("voldoet ·") >= len(edited.tender.requirements)
    assert not _leaks({"eisen": html})


def test_no_page_export_json_cli_or_pdf_shows_an_unsubmitted_edit(
    app: Flask, session: Session, edited: Edited, now: datetime, tmp_path: Path
) -> None:
    tender = edited.tender
    _award_completely(session, tender, now)
    assert tender.state == TenderState.AWARDED
    clock.set_clock(lambda: now + timedelta(days=41))
    texts: dict[str, str] = {}

    runner = app.test_cli_runner()
    coverage = runner.invoke(args=["coverage", tender.reference, "--format", "json"])
    assert coverage.exit_code == 0, coverage.output
    json.loads(coverage.output)
    texts["flask coverage"] = coverage.output
    out = tmp_path / "documenten"
    written = runner.invoke(args=["documents", tender.reference, "--out", str(out)])
    assert written.exit_code == 0, written.output
    files = sorted(out.iterdir())
    assert files
    texts.update({f"flask documents {f.name}": _text(f.read_bytes()) for f in files})

    for document in session.scalars(select(Document)):
        path = Path(app.instance_path) / "documents" / document.stored_name
        texts[f"document {document.filename}"] = _text(path.read_bytes())

    seeds = route_seeds(
        app,
        {
            "tender_id": [tender.id],
            "bid_id": list(session.scalars(select(Bid.id))),
            "number": list(range(1, 7)),
            "criterion_id": [c.id for c in tender.criteria],
            "attachment_id": list(session.scalars(select(Attachment.id))),
            "document_id": list(session.scalars(select(Document.id))),
        },
    )
    edited_owner = session.get(Bid, edited.bid_id).organisation_id  # type: ignore[union-attr]
    others = [
        user
        for user in session.scalars(select(User).where(User.active.is_(True)))
        if user.role != Role.PROVIDER or user.organisation_id != edited_owner
    ]
    assert {u.role for u in others} == set(Role)
    for user in others:
        client = app.test_client()
        login(client, user)
        pages, errors = crawl(client, seeds)
        assert not errors, errors
        texts.update({f"{user.email} {url}": text for url, text in pages.items()})
    assert not _leaks(texts), "\n".join(_leaks(texts)[:20])
    # The crawl did read the edited bid's submitted content: its real name is there.
    assert any(edited.version.organisation.name in t for t in texts.values())


def test_the_snapshot_and_letters_state_the_submitted_version(
    session: Session, edited: Edited, now: datetime
) -> None:
    _award_completely(session, edited.tender, now)
    decision = award.decision_for(session, edited.tender)
    assert decision is not None
    entry = next(b for b in decision.snapshot["bids"] if b["bid_id"] == edited.bid_id)
    assert entry["organisation"]["name"] == edited.version.organisation.name
    assert entry["digest"] == edited.version.digest
    assert set(entry["lots"]) == set(edited.version.lots)
    served = {(lot, m, g) for lot, cells in entry["served"].items() for m, g in cells}
    assert served == set(edited.version.cells)


def test_a_submission_cannot_be_changed_afterwards(session: Session, edited: Edited) -> None:
    receipt = session.scalars(select(BidSubmission)).first()
    assert receipt is not None
    receipt.digest = "0" * 64
    with pytest.raises(submitted.SubmissionImmutable):
        session.flush()
    session.rollback()
    receipt = session.scalars(select(BidSubmission)).first()
    session.delete(receipt)
    with pytest.raises(submitted.SubmissionImmutable):
        session.flush()
    session.rollback()


def test_the_provider_sees_its_edits_as_not_submitted(
    app: Flask, session: Session, edited: Edited
) -> None:
    bid = session.get(Bid, edited.bid_id)
    assert bid is not None
    client = app.test_client()
    login(client, bid.organisation.users[0])
    html = client.get(f"/inschrijvingen/{bid.id}").get_data(as_text=True)
    assert "Niet ingediend." in html
    assert session.scalar(select(Score.id)) is not None
