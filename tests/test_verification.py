"""Verify what was received: at opening and with `tender verify`, every counting
submission and every file it names is hashed again and compared with its receipt."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from factories import (
    login,
    make_complete_bid,
    make_published_tender,
    make_user,
    pdf_bytes,
)
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tender import audit
from tender.accounts.models import Role, User
from tender.bids import service as bids
from tender.bids import verification
from tender.bids.models import Attachment, Bid, BidSubmission
from tender.bids.uploads import uploads_dir
from tender.documents import service as documents
from tender.documents.models import Document
from tender.evaluation import service as evaluation
from tender.tenders import service as tenders
from tender.tenders.models import Tender, TenderState


@dataclass
class Closed:
    tender: Tender
    bids: list[Bid]
    officers: list[User]
    after: datetime
    uploads: Path
    documents: Path


def _text(content: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages
    )


@pytest.fixture
def closed(app: Flask, session: Session, now: datetime) -> Closed:
    """Two submitted bids (the second with a plan attachment), past the deadline, the
    opening started by a first officer."""
    tender = make_published_tender(session, now=now)
    storage = uploads_dir(app.instance_path)
    received = []
    for index in range(2):
        provider = make_user(session, Role.PROVIDER, now=now)
        bid = make_complete_bid(
            session, tender=tender, provider=provider, now=now, storage_dir=storage
        )
        if index == 1:
            plan_file = bids.add_attachment(
                session, bid=bid, filename="werkwijze.pdf", content=pdf_bytes("Werkwijze"),
                storage_dir=storage, max_bytes=10 * 1024 * 1024, actor=provider, now=now,
            )  # fmt: skip
            criterion = tender.criteria[0]
            bids.save_plan(
                session, bid=bid, criterion=criterion, text=f"{criterion.code}: zie bijlage.",
                attachment=plan_file, actor=provider, now=now,
            )  # fmt: skip
        bids.submit(session, bid=bid, actor=provider, now=now)
        received.append(bid)
    officers = [make_user(session, Role.PROCUREMENT_OFFICER, now=now) for _ in range(2)]
    after = tender.submission_deadline + timedelta(hours=1)
    tenders.close_if_due(session, tender=tender, now=after)
    evaluation.start_opening(session, tender=tender, actor=officers[0], now=after)
    session.commit()
    return Closed(
        tender, received, officers, after, storage, documents.documents_dir(app.instance_path)
    )


def _confirm(session: Session, closed: Closed) -> list[Bid]:
    return evaluation.confirm_opening(
        session,
        tender=closed.tender,
        actor=closed.officers[1],
        now=closed.after,
        storage_dir=closed.documents,
        uploads_dir=closed.uploads,
    )


def _evidence(session: Session, bid: Bid) -> Attachment:
    return session.scalars(
        select(Attachment).where(Attachment.bid_id == bid.id).order_by(Attachment.id)
    ).first()


def _failed_events(session: Session) -> list[audit.AuditEvent]:
    return list(
        session.scalars(
            select(audit.AuditEvent)
            .where(audit.AuditEvent.action == verification.FAILED_ACTION)
            .execution_options(populate_existing=True)
        )
    )


def _opening_record_text(session: Session, closed: Closed) -> str:
    record = session.scalar(select(Document).where(Document.kind == documents.OPENING_RECORD))
    assert record is not None
    return _text(documents.read_document(record, storage_dir=closed.documents))


def _files_named(session: Session, closed: Closed) -> int:
    return sum(
        len({f.sha256 for f in verification.named_files(b.latest_submission.canonical)})
        for b in closed.bids
    )


def _overwrite_submission(session: Session, bid: Bid, **values: object) -> None:
    """Change the stored submission behind the application's back (it refuses to)."""
    table = BidSubmission.__table__
    session.execute(update(table).where(table.c.id == bid.latest_submission.id).values(**values))
    session.commit()


def _assert_refused_and_recorded(
    app: Flask, session: Session, closed: Closed, bid: Bid, expected: str
) -> None:
    with pytest.raises(verification.ReceiptMismatch) as refused:
        _confirm(session, closed)
    message = str(refused.value)
    assert "De opening is gestopt" in message
    assert expected in message
    assert f"intern nummer {bid.id}" in message
    # Sealed: the message names no bidder.
    for sealed in closed.bids:
        assert sealed.organisation_name not in message
        assert sealed.kvk_number not in message
    # Nothing changed but the record of the failed check, which the caller commits.
    assert closed.tender.state == TenderState.CLOSED
    assert all(b.blind_number is None for b in closed.bids)
    session.commit()
    [event] = _failed_events(session)
    assert any(expected in problem for problem in event.details["afwijkingen"])
    # The command says the same and exits 1.
    result = app.test_cli_runner().invoke(args=["tender", "verify", closed.tender.reference])
    assert result.exit_code == 1
    assert expected in result.output
    assert f"intern nummer {bid.id}" in result.output


def test_intact_bids_open_and_the_record_states_the_check(session: Session, closed: Closed) -> None:
    opened = _confirm(session, closed)
    session.commit()
    assert len(opened) == 2
    files = _files_named(session, closed)
    assert files >= 3  # evidence of both bids and the plan attachment
    text = _opening_record_text(session, closed)
    assert (
        f"Controle ontvangen inschrijvingen: 2 inschrijvingen en {files} bestanden komen "
        "overeen met de ontvangstbewijzen" in text
    )
    assert "Geen eerdere controle heeft een afwijking gevonden" in text
    assert _failed_events(session) == []


def test_altered_evidence_file_stops_the_opening(
    app: Flask, session: Session, closed: Closed
) -> None:
    bid = closed.bids[0]
    evidence = _evidence(session, bid)
    path = closed.uploads / evidence.stored_name
    original = path.read_bytes()
    path.write_bytes(original.replace(b"%%EOF", b"% gewijzigd\n%%EOF"))
    requirement = next(
        item["eis"] for item in bid.latest_submission.canonical["eisen"] if item["bewijs"]
    )
    _assert_refused_and_recorded(
        app, session, closed, bid, f"het bewijsstuk bij eis {requirement} is na ontvangst gewijzigd"
    )
    # Restored from the back-up: the opening proceeds and its record names the failed check.
    path.write_bytes(original)
    _confirm(session, closed)
    session.commit()
    text = _opening_record_text(session, closed)
    assert "Controle ontvangen inschrijvingen: 2 inschrijvingen" in text
    assert "Eerdere controles vonden afwijkingen" in text
    assert f"het bewijsstuk bij eis {requirement} is na ontvangst gewijzigd" in text


def test_altered_plan_attachment_stops_the_opening(
    app: Flask, session: Session, closed: Closed
) -> None:
    bid = closed.bids[1]
    plan = next(p for p in bid.latest_submission.canonical["plannen"] if p["bijlage"])
    stored = session.scalar(
        select(Attachment).where(
            Attachment.bid_id == bid.id, Attachment.sha256 == plan["bijlage"]["sha256"]
        )
    )
    (closed.uploads / stored.stored_name).write_bytes(pdf_bytes("Andere werkwijze"))
    _assert_refused_and_recorded(
        app,
        session,
        closed,
        bid,
        f"de bijlage bij gunningscriterium {plan['criterium']} is na ontvangst gewijzigd",
    )


def test_missing_file_stops_the_opening(app: Flask, session: Session, closed: Closed) -> None:
    bid = closed.bids[1]
    (closed.uploads / _evidence(session, bid).stored_name).unlink()
    _assert_refused_and_recorded(app, session, closed, bid, "ontbreekt in de opslag")


def test_canonical_form_altered_in_the_database_stops_the_opening(
    app: Flask, session: Session, closed: Closed
) -> None:
    bid = closed.bids[0]
    altered = dict(bid.latest_submission.canonical)
    altered["plannen"] = [
        {**plan, "tekst": plan["tekst"] + " En nog veel meer."} for plan in altered["plannen"]
    ]
    _overwrite_submission(session, bid, canonical=altered)
    _assert_refused_and_recorded(
        app, session, closed, bid, "de opgeslagen inhoud komt niet meer overeen met de vingerafdruk"
    )


def test_submission_replaced_with_a_matching_digest_is_caught_by_the_audit_trail(
    app: Flask, session: Session, closed: Closed
) -> None:
    bid = closed.bids[1]
    altered = dict(bid.latest_submission.canonical)
    altered["percelen"] = []
    _overwrite_submission(session, bid, canonical=altered, digest=bids.digest_of(altered))
    _assert_refused_and_recorded(app, session, closed, bid, "is niet die in het logboek")


def test_the_opening_view_keeps_the_record_of_the_failed_check(
    app: Flask, session: Session, closed: Closed
) -> None:
    bid = closed.bids[0]
    (closed.uploads / _evidence(session, bid).stored_name).write_bytes(pdf_bytes("Vervalst"))
    client = app.test_client()
    login(client, closed.officers[1])
    response = client.post(
        f"/aanbestedingen/{closed.tender.id}/opening/bevestigen",
        data={"understood": "y"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "De opening is gestopt" in page
    assert f"intern nummer {bid.id}" in page
    assert bid.organisation_name not in page
    session.expire_all()
    assert session.get(Tender, closed.tender.id).state == TenderState.CLOSED
    assert len(_failed_events(session)) == 1


def test_verify_command_accepts_intact_bids_and_refuses_an_unknown_tender(
    app: Flask, session: Session, closed: Closed
) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tender", "verify", closed.tender.reference])
    assert result.exit_code == 0, result.output
    files = _files_named(session, closed)
    assert f"2 inschrijvingen en {files} bestanden komen overeen" in result.output
    assert _failed_events(session) == []
    unknown = runner.invoke(args=["tender", "verify", "BESTAAT-NIET"])
    assert unknown.exit_code == 1
    assert "Onbekende aanbesteding" in unknown.output


# -- the pure part --------------------------------------------------------------------------

CANONICAL = {
    "eisen": [
        {"eis": "E1", "voldoet": True, "bewijs": {"bestand": "kvk.pdf", "sha256": "a" * 64}},
        {"eis": "E2", "voldoet": True, "bewijs": None},
    ],
    "plannen": [
        {"criterium": "K1", "tekst": "x", "bijlage": {"bestand": "plan.pdf", "sha256": "b" * 64}},
        {"criterium": "K2", "tekst": "y", "bijlage": None},
    ],
}


def _problems(**changes: object) -> list[str]:
    arguments: dict[str, object] = {
        "label": "Inschrijving met intern nummer 7",
        "canonical": CANONICAL,
        "digest": bids.digest_of(CANONICAL),
        "logged_digest": bids.digest_of(CANONICAL),
        "stored": {"a" * 64: ["a" * 64], "b" * 64: ["b" * 64, "b" * 64]},
    }
    arguments.update(changes)
    return verification.submission_problems(**arguments)  # type: ignore[arg-type]


def test_named_files_are_evidence_then_plan_attachments_by_code() -> None:
    assert verification.named_files(CANONICAL) == [
        verification.NamedFile("het bewijsstuk bij eis E1", "a" * 64),
        verification.NamedFile("de bijlage bij gunningscriterium K1", "b" * 64),
    ]


def test_a_matching_submission_has_no_problems() -> None:
    assert _problems() == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"digest": "c" * 64, "logged_digest": "c" * 64},
            "de opgeslagen inhoud komt niet meer overeen",
        ),
        ({"logged_digest": None}, "staat niet in het logboek"),
        (
            {"stored": {"b" * 64: ["b" * 64]}},
            "het bewijsstuk bij eis E1 (SHA-256 aaaaaaaaaaaa…) ontbreekt",
        ),
        (
            {"stored": {"a" * 64: [None], "b" * 64: ["b" * 64]}},
            "bij eis E1 (SHA-256 aaaaaaaaaaaa…) ontbreekt",
        ),
        (
            {"stored": {"a" * 64: ["a" * 64], "b" * 64: ["b" * 64, "d" * 64]}},
            "de bijlage bij gunningscriterium K1 is na ontvangst gewijzigd",
        ),
    ],
    ids=["digest", "not-logged", "no-row", "no-file", "one-copy-changed"],
)
def test_each_difference_is_named(changes: dict[str, object], expected: str) -> None:
    [problem] = _problems(**changes)
    assert problem.startswith("Inschrijving met intern nummer 7: ")
    assert expected in problem


def test_summary_counts_in_dutch() -> None:
    assert verification.ReceivedCheck(bids=1, files=1, problems=()).summary() == (
        "1 inschrijving en 1 bestand komen overeen met de ontvangstbewijzen"
    )
    assert verification.ReceivedCheck(bids=3, files=0, problems=()).summary() == (
        "3 inschrijvingen en 0 bestanden komen overeen met de ontvangstbewijzen"
    )
