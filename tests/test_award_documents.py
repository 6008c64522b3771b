"""Award letters, contracts and the report, read back from the PDFs; the web flow."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import award_steps
import pytest
from factories import ROOT, login
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_award import decide_all_gaps

from tender import clock, demo
from tender.accounts.models import User
from tender.award import documents as award_documents
from tender.award import service as award
from tender.bids.models import Bid
from tender.documents.models import Document
from tender.tenders.models import TenderState
from tender.timefmt import AMSTERDAM

THREE_LOTS = ROOT / "tests" / "criteria" / "files" / "three-lots-ranked.toml"


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def decided(app: Flask, session: Session, now: datetime):  # type: ignore[no-untyped-def]
    result = demo.build(
        session, criteria_path=None, bids=16, now=now, instance_path=app.instance_path,
        phase="scored",
    )  # fmt: skip
    session.commit()
    officer = session.scalar(select(User).where(User.email == "inkoper@demo.example"))
    decide_all_gaps(session, result.tender, officer, now)
    decision = award_steps.decide(session, result.tender, preparer=officer, now=now)
    session.commit()
    return result.tender, officer, decision


def test_rejected_letter_states_everything_the_law_asks(session: Session, decided) -> None:  # type: ignore[no-untyped-def]
    tender, _officer, decision = decided
    snapshot = decision.snapshot
    sent = datetime(2026, 12, 4, 10, 0, tzinfo=AMSTERDAM).astimezone(UTC)
    rejected = next(
        b for b in snapshot["bids"] if not b["awarded_lots"] and not b["requirement_failures"]
    )
    text = _flat(_text(award_documents.letter_pdf(snapshot, rejected, sent_at=sent)))
    for item in rejected["scores"]:
        assert _flat(item["motivation"]) in text
    for reason in rejected["reasons"]:
        assert _flat(reason["text"]) in text
    for bid_id in snapshot["awarded"]["IB"]:
        name = next(b for b in snapshot["bids"] if b["bid_id"] == bid_id)["organisation"]["name"]
        assert name in text
    assert "24-12-2026" in text  # 20 days after Friday 4 December
    assert tender.court in text
    assert "kort geding" in text
    plans = [
        plan["tekst"]
        for bid in session.scalars(select(Bid))
        for plan in bid.latest_submission.canonical["plannen"]
    ]
    assert plans and not any(_flat(plan)[:60] in text for plan in plans)


def test_excluded_letter_gives_the_requirement_reason(session: Session, decided) -> None:  # type: ignore[no-untyped-def]
    _tender, _officer, decision = decided
    excluded = next(b for b in decision.snapshot["bids"] if b["requirement_failures"])
    text = _flat(
        _text(award_documents.letter_pdf(decision.snapshot, excluded, sent_at=clock.now()))
    )
    assert _flat(excluded["requirement_failures"][0]["reason"]) in text


def test_contract_has_the_terms_the_providers_cells_and_tariffs(session: Session, decided) -> None:  # type: ignore[no-untyped-def]
    tender, _officer, decision = decided
    snapshot = decision.snapshot
    winner = next(b for b in snapshot["bids"] if b["awarded_lots"])
    text = _flat(_text(award_documents.contract_pdf(snapshot, winner)))
    start = tender.contract_terms.start_date
    ends = [start.replace(year=start.year + years) - timedelta(days=1) for years in (2, 3, 4)]
    for day in (start, *ends):  # the lekstroom terms: 2 years and two extensions of 1
        assert f"{day:%d-%m-%Y}" in text
    municipalities = dict(snapshot["tender"]["municipalities"])
    served = {municipalities[m] for m, _g in winner["served"]["IB"]}
    for name in served:
        assert name in text
    for name in set(municipalities.values()) - served:
        # every municipality is a party, but the provider serves only its own
        assert f"Gemeente {name}" in text
    product = tender.products[0]
    assert product.name[:30] in text
    assert (
        f"{product.tariff_eur:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".") in text
    )
    assert winner["organisation"]["kvk"] in text


def test_web_flow_sends_all_letters_at_once_then_contracts(
    app: Flask,
    session: Session,
    decided,
    now: datetime,  # type: ignore[no-untyped-def]
) -> None:
    tender, officer, decision = decided
    client = app.test_client()
    login(client, officer)
    clock.set_clock(lambda: now)
    award_steps.send_over_http(app, decision)
    session.expire_all()
    letters = session.scalars(select(Document).where(Document.kind == "award_letter")).all()
    assert len(letters) == 16
    assert len({d.released_at for d in letters}) == 1 and letters[0].released_at is not None
    assert session.scalar(select(Document).where(Document.kind == "award_report")) is not None
    tender = session.merge(tender)
    session.refresh(tender)
    assert tender.state == TenderState.PROVISIONALLY_AWARDED
    zipped = client.get(f"/aanbestedingen/{tender.id}/gunning/documenten.zip").data
    assert len(zipfile.ZipFile(io.BytesIO(zipped)).namelist()) == 17
    progress = json.loads(client.get(f"/aanbestedingen/{tender.id}/gunning/voortgang.json").data)
    assert progress["award_letters"] == {"status": "klaar", "done": 17, "total": 17}
    # Each provider reads its own letter, not another's.
    letter = letters[0]
    bid = session.get(Bid, letter.bid_id)
    own = next(u for u in session.scalars(select(User)) if u.organisation_id == bid.organisation_id)
    other = next(
        u
        for u in session.scalars(select(User))
        if u.organisation_id and u.organisation_id != bid.organisation_id
    )
    provider = app.test_client()
    login(provider, own)
    assert provider.get(f"/mijn-documenten/{letter.id}").status_code == 200
    assert "Gunningsbeslissingen" in provider.get("/aanbieder").get_data(as_text=True)
    stranger = app.test_client()
    login(stranger, other)
    assert stranger.get(f"/mijn-documenten/{letter.id}").status_code == 404
    # The definitive award waits for the standstill, then the contracts follow.
    refused = client.post(f"/aanbestedingen/{tender.id}/gunning/definitief", follow_redirects=True)
    assert "opschortende termijn loopt nog" in refused.get_data(as_text=True)
    clock.set_clock(lambda: now + timedelta(days=40))
    client.post(f"/aanbestedingen/{tender.id}/gunning/definitief")
    session.expire_all()
    contracts = session.scalars(select(Document).where(Document.kind == "contract")).all()
    assert contracts and all(c.released_at is not None for c in contracts)
    assert len(contracts) == len(
        award.awarded_bid_ids(award.decision_for(session, tender).snapshot)
    )


@pytest.mark.parametrize("criteria", [None, THREE_LOTS], ids=["lekstroom", "three-lots-ranked"])
def test_demo_60_then_coverage_and_documents_cli(
    app: Flask,
    session: Session,
    now: datetime,
    tmp_path: Path,
    criteria,  # type: ignore[no-untyped-def]
) -> None:
    result = demo.build(
        session, criteria_path=criteria, bids=60, now=now, instance_path=app.instance_path,
        phase="scored",
    )  # fmt: skip
    session.commit()
    runner = app.test_cli_runner()
    reference = result.tender.reference
    shown = runner.invoke(args=["coverage", reference, "--format", "json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["tender"] == reference
    written = runner.invoke(args=["documents", reference, "--out", str(tmp_path / "out")])
    assert written.exit_code == 0, written.output
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    # Before the letters are sent every document is a draft, in its name and on each page.
    assert "CONCEPT" in written.output
    assert sum(name.startswith("concept-gunningsbeslissing-") for name in files) == 60
    assert f"concept-gunningsadvies-{reference}.pdf" in files
    assert any(name.startswith("concept-raamovereenkomst-") for name in files)
    assert all(name.startswith("concept-") for name in files)
    sample = PdfReader(str(tmp_path / "out" / f"concept-gunningsadvies-{reference}.pdf"))
    assert all("CONCEPT" in page.extract_text() for page in sample.pages)
    again = runner.invoke(args=["documents", reference, "--out", str(tmp_path / "again")])
    assert again.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == files  # stable names


def test_the_scale_in_letters_and_report_comes_from_the_criteria_file(
    session: Session, decided
) -> None:  # type: ignore[no-untyped-def]
    tender, _officer, decision = decided
    snapshot = decision.snapshot
    levels = sorted(level.score for level in tender.scale_levels)
    assert snapshot["tender"]["scale_min"] == levels[0]
    one_to_five = {**snapshot, "tender": {**snapshot["tender"], "scale_min": 1, "scale_max": 5}}
    entry = next(b for b in snapshot["bids"] if b["awarded_lots"])
    letter = _flat(_text(award_documents.letter_pdf(one_to_five, entry, sent_at=clock.now())))
    assert "schaal van 1 tot en met 5" in letter and "schaal van 0 tot en met" not in letter
    report = _flat(_text(award_documents.report_pdf(one_to_five, sent_at=None)))
    assert "schaal van 1 tot en met 5" in report
