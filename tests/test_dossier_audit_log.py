"""Dossier folder 07: the tender's audit trail as PDF and CSV, and its verification."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tender import audit, demo
from tender.audit import AuditAnchor, AuditEvent
from tender.audit_trail import MASKED_LABEL
from tender.documents import pdf
from tender.dossier import audit_log
from tender.dossier.parts import AUDIT_TRAIL, DossierFile, Scope
from tender.tenders.models import Tender


def scope_at(event: AuditEvent, tender: Tender) -> Scope:
    return Scope(
        tender_id=tender.id,
        bid_id=None,
        audit_seq=event.id,
        audit_hash=event.hash,
        as_of=event.occurred_at,
        interim=False,
    )


def trail(session: Session, scope: Scope) -> dict[str, DossierFile]:
    with (
        pdf.generated_at(scope.as_of),
        pdf.audit_footer(AuditAnchor(scope.audit_seq, scope.audit_hash)),
    ):
        files = audit_log.audit_trail(session, scope)
    assert all(file.folder == AUDIT_TRAIL for file in files)
    return {file.name: file for file in files}


def pdf_text(file: DossierFile) -> str:
    pages = PdfReader(io.BytesIO(file.content)).pages
    return " ".join(" ".join(page.extract_text() or "" for page in pages).split())


def csv_rows(file: DossierFile) -> list[dict[str, str]]:
    assert file.content.startswith("\ufeff".encode())
    reader = csv.DictReader(io.StringIO(file.content.decode("utf-8-sig")), delimiter=";")
    assert tuple(reader.fieldnames or ()) == audit_log.CSV_HEADER
    return list(reader)


def number(value: str) -> int | None:
    return int(value) if value else None


def test_trail_up_to_the_cut_off_checkable_and_tamper_evident(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = demo.build(
        session, criteria_path=None, bids=6, now=now, instance_path=app.instance_path,
        phase="sent",
    ).tender  # fmt: skip
    session.commit()
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.tender_id == tender.id).order_by(AuditEvent.id)
    ).all()
    cut = next(e for e in events if e.action == "award.advice")
    assert events[-1].id > cut.id  # there are events after the cut-off
    scope = scope_at(cut, tender)
    files = trail(session, scope)
    assert list(files) == [audit_log.STATEMENT_NAME, audit_log.LOG_NAME, audit_log.CSV_NAME]

    rows = csv_rows(files[audit_log.CSV_NAME])
    assert [int(row["Nr."]) for row in rows] == [e.id for e in events if e.id <= cut.id]
    stored = {e.id: e for e in events}
    checked = 0
    for row in rows:
        event = stored[int(row["Nr."])]
        if row["Hash"]:
            assert row["Hash"] == event.hash
        if row["Hash"] and row["Vorige hash"]:
            # Anyone can recompute the hash from the row, as the statement describes.
            recomputed = audit.event_hash(
                prev_hash=row["Vorige hash"],
                occurred_at=datetime.fromisoformat(row["Tijdstip (UTC)"]),
                actor_id=number(row["Account-id"]),
                actor_label=row["Wie"],
                action=row["Actie"],
                object_type=row["Objecttype"],
                object_id=number(row["Object-id"]),
                tender_id=number(row["Aanbesteding-id"]),
                details=json.loads(row["Details (JSON)"]),
            )
            assert recomputed == event.hash
            checked += 1
    assert checked >= len(rows) - 10  # only rows about unsubmitted edits are left out
    assert rows[-1]["Actie"] == "award.advice" and rows[-1]["Hash"] == cut.hash

    log = pdf_text(files[audit_log.LOG_NAME])
    assert "Gunningsadvies opgesteld" in log and "Gunningsbeslissingen verzonden" not in log
    statement = pdf_text(files[audit_log.STATEMENT_NAME])
    assert "INTACT" in statement and "VERBROKEN" not in statement
    assert cut.hash in statement.replace(" ", "")
    assert f"tot en met gebeurtenis {cut.id}" in statement
    assert trail(session, scope) == files  # same state, same bytes

    # An edit in the database breaks the chain at that event; the statement names it.
    victim = next(e for e in events if e.action == "tender.state")
    session.execute(
        text("UPDATE audit_event SET actor_label = 'vervalst' WHERE id = :id"), {"id": victim.id}
    )
    session.commit()
    statement = pdf_text(trail(session, scope)[audit_log.STATEMENT_NAME])
    assert f"VERBROKEN bij gebeurtenis {victim.id}: de inhoud is gewijzigd" in statement
    assert "INTACT" not in statement


def test_sealed_trail_tells_nothing_of_who_bid(app: Flask, session: Session, now: datetime) -> None:
    tender = demo.build(
        session, criteria_path=None, bids=2, now=now, instance_path=app.instance_path
    ).tender
    session.commit()
    last = session.scalars(
        select(AuditEvent).where(AuditEvent.tender_id == tender.id).order_by(AuditEvent.id.desc())
    ).first()
    assert last is not None
    files = trail(session, scope_at(last, tender))
    rows = csv_rows(files[audit_log.CSV_NAME])
    masked = [row for row in rows if row["Omschrijving"] == MASKED_LABEL]
    assert masked and all(not row["Wie"] and not row["Hash"] for row in masked)
    masked_hashes = {e.hash for e in session.scalars(select(AuditEvent)) if e.object_type == "bid"}
    assert masked_hashes
    # No hash of a masked event, not even as the next row's previous hash.
    assert not masked_hashes & {row["Vorige hash"] for row in rows}
    everything = files[audit_log.CSV_NAME].content.decode("utf-8") + " ".join(
        pdf_text(file) for name, file in files.items() if name.endswith(".pdf")
    )
    for name, *_ in demo.PROVIDERS:
        assert name not in everything
    assert "aanbieder1@" not in everything and "aanbieder2@" not in everything
    assert "INTACT" in pdf_text(files[audit_log.STATEMENT_NAME])
