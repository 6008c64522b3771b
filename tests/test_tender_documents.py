"""Tender documents for providers: leidraad and concept contract made at publication.

They state the frozen configuration (the only criteria that will be applied), are
stored with their SHA-256 and released at the publication moment, and every reader
of the tender downloads the same bytes; a nota that moves dates adds a planning annex.
"""

from __future__ import annotations

import hashlib
import io
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from factories import (
    LEKSTROOM,
    ROOT,
    ask_question,
    login,
    make_published_tender,
    make_tender,
    make_user,
    schedule,
)
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import clock
from tender.accounts.models import Role
from tender.audit import AuditEvent
from tender.documents import framework_contract, leidraad
from tender.documents.models import Document
from tender.documents.service import documents_dir, read_document
from tender.qa import service as qa
from tender.tenders import schedule as schedule_changes
from tender.tenders.models import Tender
from tender.timefmt import format_datetime, format_eur, format_number

THREE_LOTS = ROOT / "tests" / "criteria" / "files" / "three-lots-ranked.toml"


def pdf_text(content: bytes) -> str:
    """The text of every page, whitespace collapsed (table cells wrap anywhere)."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)


def _documents(session: Session, tender: Tender) -> dict[str, Document]:
    return {
        d.kind: d for d in session.scalars(select(Document).where(Document.tender_id == tender.id))
    }


def _published(app: Flask, session: Session, now: datetime, path: Path) -> Tender:
    tender = make_published_tender(
        session, now=now, path=path, storage_dir=documents_dir(app.instance_path)
    )
    session.commit()
    return tender


def _stored_text(app: Flask, document: Document) -> str:
    return pdf_text(read_document(document, storage_dir=documents_dir(app.instance_path)))


@pytest.mark.parametrize("path", [LEKSTROOM, THREE_LOTS], ids=lambda p: p.stem)
def test_leidraad_states_the_frozen_configuration(
    app: Flask, session: Session, now: datetime, path: Path
) -> None:
    tender = _published(app, session, now, path)
    stored = _documents(session, tender)
    document = stored["leidraad"]
    assert document.released_at == now
    text = _stored_text(app, document)

    assert "Aanbestedingsleidraad" in text
    assert tender.title in text and tender.reference in text and "TN-123456" in text
    # Procedure and planning, in Dutch local time.
    assert "SAS-procedure" in text and "artikel 2.38" in text
    assert "Europe/Amsterdam" in text
    assert f"Publicatie {format_datetime(now)}" in text
    assert format_datetime(now) == "24-11-2026 14:00"  # 13:00 UTC is 14:00 in Amsterdam
    assert f"Uiterste datum voor vragen {format_datetime(tender.question_deadline)}" in text
    assert f"Uiterste inschrijfdatum {format_datetime(tender.submission_deadline)}" in text
    assert f"Geplande opening {format_datetime(tender.planned_opening)}" in text
    # Municipalities, target groups, lots with their values.
    for municipality in tender.municipalities:
        assert municipality.name in text
    for group in tender.target_groups:
        assert group.name in text
    for lot in tender.lots:
        assert lot.code in text and lot.name in text
        assert f"maximaal {format_eur(lot.maximum_value_eur)}" in text
    # Knock-out requirements, each with its evidence rule.
    assert "knock-out" in text
    for requirement in tender.requirements:
        assert requirement.code in text and requirement.title in text
    assert "een bewijsstuk is verplicht" in text
    # Criteria with weights, minimums and word limits, in Dutch notation.
    for criterion in tender.criteria:
        weight = f"{criterion.weight.normalize():f}".replace(".", ",")
        assert criterion.title in text
        words = format_number(criterion.max_words)
        assert f"weging {weight} minimaal {criterion.minimum} {words} woorden" in text
        assert criterion.question.split("\n")[0].strip()[:40] in text
    assert not re.search(r"weging \d+\.\d", text)
    # Scale from the file, every level.
    low, high = tender.scale_min, tender.scale_max
    assert f"schaal van {low} tot en met {high}" in text
    for level in tender.scale_levels:
        assert level.label in text
    # Award mode and tie-break.
    if tender.award_mode == "ranked":
        assert "gunning op rangorde" in text
        assert f"ten hoogste {tender.lots[0].max_awards} aanbieders" in text
    else:
        assert "gunning aan allen die voldoen" in text
    assert "Gelijke scores" in text and "eerste gunningscriterium" in text
    # Products with tariffs.
    for product in tender.products:
        assert product.code in text and format_eur(product.tariff_eur) in text
    # How to ask and how to submit: in the portal.
    assert "Vragen stellen" in text and "Inschrijven" in text
    assert "aanbestedingsportal" in text
    # Standstill and legal remedy, with the court from the file.
    assert f"opschortende termijn van {tender.standstill_days} kalenderdagen" in text
    assert "kort geding" in text and tender.court in text


def test_three_lot_leidraad_prints_the_files_one_to_five_scale_and_minimum_total(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = _published(app, session, now, THREE_LOTS)
    text = _stored_text(app, _documents(session, tender)["leidraad"])
    assert "schaal van 1 tot en met 5" in text
    assert "0 tot en met 5" not in text
    assert "weging 60" in text and "weging 40" in text
    assert "totaalscore van ten minste 60 heeft" in text
    assert "minimaal 3 aanbieders" in text  # STABIEL: choice of three per cell
    assert "€ 1.500.000,50" in text


def test_lekstroom_leidraad_has_its_zero_to_ten_scale_and_no_empty_minimum_total(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = _published(app, session, now, LEKSTROOM)
    text = _stored_text(app, _documents(session, tender)["leidraad"])
    assert "schaal van 0 tot en met 10" in text
    assert "totaalscore van ten minste" not in text  # minimum_total = 0
    assert "gunning aan allen die voldoen" in text
    assert "Rechtbank Midden-Nederland" in text


def test_scale_text_comes_from_the_file(tmp_path: Path) -> None:
    """A variant with levels 2-7: the leidraad says so (never a hard-coded 0 or 1)."""
    steps = tuple(leidraad.ScaleStep(score, f"niveau {score}", "") for score in range(2, 8))
    assert leidraad.scale_range(steps) == "2 tot en met 7"


@pytest.mark.parametrize("path", [LEKSTROOM, THREE_LOTS], ids=lambda p: p.stem)
def test_concept_contract_has_placeholders_for_the_provider(
    app: Flask, session: Session, now: datetime, path: Path
) -> None:
    tender = _published(app, session, now, path)
    document = _documents(session, tender)["concept_contract"]
    assert document.released_at == now
    text = _stored_text(app, document)
    assert text.count("Concept-raamovereenkomst") >= 2  # title and every footer
    assert "Raamovereenkomst ·" not in text
    assert "[naam aanbieder]" in text and "[KvK-nummer]" in text and "[adres]" in text
    assert "in te vullen bij gunning" in text
    for municipality in tender.municipalities:
        assert f"Gemeente {municipality.name}" in text
    for lot in tender.lots:
        assert lot.code in text
    for product in tender.products:
        assert format_eur(product.tariff_eur) in text
    assert tender.court in text


def test_contract_with_a_provider_is_unchanged_by_the_concept_option() -> None:
    data = publication_free_contract()
    text = pdf_text(framework_contract.build_framework_contract(data))
    assert "Concept-raamovereenkomst" not in text and "[naam aanbieder]" not in text
    assert "Zorg B.V." in text and "12345678" in text


def publication_free_contract() -> framework_contract.FrameworkContractData:
    from datetime import date
    from decimal import Decimal

    return framework_contract.FrameworkContractData(
        reference="K-1",
        title="Inkoop",
        contracting_authority="Gemeente A",
        region="Regio",
        court="Rechtbank Midden-Nederland",
        municipalities=(framework_contract.Signatory("Gemeente A"),),
        provider=framework_contract.ContractProvider("Zorg B.V.", "12345678", ("Straat 1",)),
        lots=(
            framework_contract.ContractLot(
                "IB", "Begeleiding", Decimal("10"), Decimal("20"), served=()
            ),
        ),
        products=(),
        start=date(2028, 1, 1),
        initial_years=2,
        extension_years=(1,),
        notice_months=3,
    )


def test_provider_downloads_both_and_the_page_lists_their_digests(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = _published(app, session, now, THREE_LOTS)
    provider = make_user(session, Role.PROVIDER, now=now)
    session.commit()
    stored = _documents(session, tender)
    assert set(stored) == {"leidraad", "concept_contract"}
    clock.set_clock(lambda: now)
    client = app.test_client()
    login(client, provider)

    page = client.get(f"/aanbestedingen/{tender.id}").get_data(as_text=True)
    assert "Aanbestedingsdocumenten" in page
    for kind, label in (("leidraad", "Aanbestedingsleidraad"), ("concept_contract", "Concept")):
        document = stored[kind]
        url = f"/aanbestedingen/{tender.id}/documenten/{document.id}"
        assert url in page and label in page
        response = client.get(url)
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        digest = hashlib.sha256(response.data).hexdigest()
        assert digest == document.sha256
        assert f"<code>{digest}</code>" in page

    # The same bytes for everyone, and the publication is in the audit trail.
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "tender.documents")).one()
    assert set(event.details["documenten"].values()) == {d.sha256 for d in stored.values()}


def test_other_documents_and_other_tenders_are_not_served(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = _published(app, session, now, THREE_LOTS)
    other = _published(app, session, now, LEKSTROOM)
    provider = make_user(session, Role.PROVIDER, now=now)
    session.commit()
    clock.set_clock(lambda: now)
    client = app.test_client()
    login(client, provider)
    leidraad_id = _documents(session, other)["leidraad"].id
    assert client.get(f"/aanbestedingen/{tender.id}/documenten/{leidraad_id}").status_code == 404
    assert client.get(f"/aanbestedingen/{other.id}/documenten/{leidraad_id}").status_code == 200


def test_a_concept_tender_has_no_tender_documents(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = make_tender(session, now=now)
    schedule(session, tender, now=now)
    session.commit()
    assert _documents(session, tender) == {}


def test_schedule_change_adds_a_planning_annex_and_its_nota_states_the_new_deadline(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = _published(app, session, now, LEKSTROOM)
    officer = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    provider = make_user(session, Role.PROVIDER, now=now)
    old_deadline, old_opening = tender.submission_deadline, tender.planned_opening
    assert old_deadline is not None and old_opening is not None
    later = now + timedelta(days=1)
    new_deadline = old_deadline + timedelta(days=7)
    new_opening = old_opening + timedelta(days=7)
    change = schedule_changes.change_schedule(
        session,
        tender=tender,
        actor=officer,
        now=later,
        storage_dir=documents_dir(app.instance_path),
        reason="Meer tijd voor de inschrijvers.",
        submission_deadline=new_deadline,
        planned_opening=new_opening,
    )
    qa_round = change.qa_round
    session.commit()

    planning = _documents(session, tender)["planning"]
    assert planning.released_at == later
    text = _stored_text(app, planning)
    assert "Planning" in text and "nota van inlichtingen 1" in text
    assert (
        f"De uiterste inschrijfdatum is gewijzigd van {format_datetime(old_deadline)} naar "
        f"{format_datetime(new_deadline)}." in text
    )
    assert (
        f"De geplande opening is gewijzigd van {format_datetime(old_opening)} naar "
        f"{format_datetime(new_opening)}." in text
    )
    assert f"Uiterste inschrijfdatum {format_datetime(new_deadline)}" in text
    assert f"Uiterste datum voor vragen {format_datetime(tender.question_deadline)}" in text

    assert qa_round.document is not None
    nota = pdf_text(read_document(qa_round.document, storage_dir=documents_dir(app.instance_path)))
    assert (
        f"De uiterste inschrijfdatum is gewijzigd van {format_datetime(old_deadline)} naar "
        f"{format_datetime(new_deadline)}." in nota
    )
    moved = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "tender.schedule_changed")
    ).one()
    assert moved.details["planning_sha256"] == planning.sha256

    # Listed on the tender page and downloadable by the provider.
    clock.set_clock(lambda: later)
    client = app.test_client()
    login(client, provider)
    page = client.get(f"/aanbestedingen/{tender.id}").get_data(as_text=True)
    assert f"<code>{planning.sha256}</code>" in page
    response = client.get(f"/aanbestedingen/{tender.id}/documenten/{planning.id}")
    assert hashlib.sha256(response.data).hexdigest() == planning.sha256


def test_nota_without_date_change_adds_no_planning(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = _published(app, session, now, LEKSTROOM)
    officer = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    provider = make_user(session, Role.PROVIDER, now=now)
    question = ask_question(session, tender, asker=provider, now=now)
    qa.answer_question(session, question=question, answer="Ja.", actor=officer, now=now)
    qa.publish_round(
        session,
        tender=tender,
        actor=officer,
        now=now,
        storage_dir=documents_dir(app.instance_path),
    )
    assert "planning" not in _documents(session, tender)
