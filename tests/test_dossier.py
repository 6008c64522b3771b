"""The evaluation dossier: reproducible bytes, the index, interim marking, the job,
the command line and the provider's own inzage (issue 15 item 2/3)."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

from factories import login
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import clock, demo, storage
from tender.accounts.models import User
from tender.audit import AuditEvent
from tender.award import jobs
from tender.award import service as award
from tender.award.models import DocumentJob
from tender.bids.models import Bid
from tender.documents import service as documents_service
from tender.documents.service import documents_dir
from tender.dossier import build
from tender.dossier.models import Dossier
from tender.dossier.sections import SECTIONS
from tender.tenders.models import Tender


def _demo(app: Flask, session: Session, now: datetime, phase: str = "sent") -> Tender:
    result = demo.build(
        session, criteria_path=None, bids=4, now=now, instance_path=app.instance_path, phase=phase
    )
    session.commit()
    clock.set_clock(lambda: now)
    return result.tender


def _zip(app: Flask, session: Session, tender: Tender, bid: Bid | None = None) -> bytes:
    """The dossier's bytes as the assembler makes them, without storing anything."""
    scope = build.scope_for(session, tender, bid)
    with app.app_context():
        files = [
            file for section in SECTIONS for file in build.render_section(section, session, scope)
        ]
        return build.archive(build.heading(session, scope), scope, files)


def _make(app: Flask, session: Session, tender: Tender, bid: Bid | None = None) -> Dossier:
    with app.app_context():
        dossier = build.make(
            session,
            tender=tender,
            bid=bid,
            storage_dir=documents_dir(app.instance_path),
            actor=None,
            now=clock.now(),
        )
    session.commit()
    return dossier


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_same_state_gives_the_same_bytes_and_a_change_gives_new_ones(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = _demo(app, session, now)
    first = _zip(app, session, tender)
    assert _zip(app, session, tender) == first
    made = _make(app, session, tender)
    assert session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)) == (
        build.MADE
    )
    # Making (and so recording) the dossier does not move the next one.
    assert _zip(app, session, tender) == first
    assert build.read(made, storage_dir=documents_dir(app.instance_path)) == first
    assert made.sha256 == hashlib.sha256(first).hexdigest()
    assert _make(app, session, tender).id == made.id
    officer = session.scalar(select(User).where(User.email == "inkoper@demo.example"))
    award.set_objection(
        session, tender=tender, pending=True, note="Kort geding aangekondigd.", actor=officer,
        now=now + timedelta(hours=1),
    )  # fmt: skip
    session.commit()
    changed = _zip(app, session, tender)
    assert changed != first
    assert _make(app, session, tender).id != made.id


def test_the_index_lists_every_file_with_its_digest_and_one_page_numbering(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = _demo(app, session, now)
    archive = zipfile.ZipFile(io.BytesIO(_zip(app, session, tender)))
    names = archive.namelist()
    assert names[:2] == [build.INDEX_NAME, build.SUMS_NAME]
    folders = [name.split("/")[0] for name in names[2:]]
    assert folders == sorted(folders)
    assert all(info.date_time == (2026, 11, 24, 14, 0, 0) for info in archive.infolist())
    index = archive.read(build.INDEX_NAME)
    text = re.sub(r"\s+", "", _pdf_text(index))
    sums = archive.read(build.SUMS_NAME).decode().splitlines()
    assert sums[0] == f"{hashlib.sha256(index).hexdigest()}  {build.INDEX_NAME}"
    page = len(PdfReader(io.BytesIO(index)).pages) + 1
    for line, name in zip(sums[1:], names[2:], strict=True):
        content = archive.read(name)
        digest = hashlib.sha256(content).hexdigest()
        assert line == f"{digest}  {name}"
        assert digest in text
        if name.endswith(".pdf"):
            pages = len(PdfReader(io.BytesIO(content)).pages)
            last = page + pages - 1
            assert (f"{page}–{last}" if pages > 1 else f"{digest}{pages}{page}") in text, name
            page = last + 1
    scope = build.scope_for(session, tender)
    assert scope.audit_hash in text


def test_interim_until_a_decision_is_taken(app: Flask, session: Session, now: datetime) -> None:
    tender = _demo(app, session, now, phase="scored")
    assert build.scope_for(session, tender).interim
    index = zipfile.ZipFile(io.BytesIO(_zip(app, session, tender))).read(build.INDEX_NAME)
    assert "TUSSENTIJDS DOSSIER" in _pdf_text(index)
    assert build.filename(session, build.scope_for(session, tender)).endswith("-tussentijds.zip")


def test_not_interim_after_the_decision(app: Flask, session: Session, now: datetime) -> None:
    tender = _demo(app, session, now)
    assert not build.scope_for(session, tender).interim
    index = zipfile.ZipFile(io.BytesIO(_zip(app, session, tender))).read(build.INDEX_NAME)
    assert "TUSSENTIJDS" not in _pdf_text(index)
    assert "tussentijds" not in build.filename(session, build.scope_for(session, tender))


def test_the_job_advances_per_section_and_a_failed_or_stalled_job_is_resumed(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = _demo(app, session, now)
    officer = session.scalar(select(User).where(User.email == "inkoper@demo.example"))
    factory = app.extensions["tender.sessionmaker"]
    folder = documents_dir(app.instance_path)
    with app.app_context():
        started = build.start(
            session, tender=tender, bid=None, storage_dir=folder, actor=officer, now=now
        )
        session.commit()
        seen: list[int] = []

        def watch(session: Session) -> None:
            session.commit()
            with factory() as other:
                job = other.get(DocumentJob, started.job_id)
                seen.append(job.done)

        def broken(session: Session) -> None:
            raise RuntimeError("schijf vol")

        steps = [s for step in started.steps for s in (step, watch)]
        jobs.run(factory, started.job_id, [*steps, broken], started.finish)
        session.expire_all()
        job = session.get(DocumentJob, started.job_id)
        assert seen == list(range(1, 2 * len(SECTIONS), 2))
        assert job.status == jobs.FAILED and "schijf vol" in job.error
        assert build.existing(session, build.scope_for(session, tender)) is None
        # Asking again takes the failed job over.
        again = build.start(
            session, tender=tender, bid=None, storage_dir=folder, actor=officer, now=now
        )
        session.commit()
        assert again.job_id == started.job_id
        # A worker that died mid-way leaves a running job without a heartbeat: stalled.
        session.get(DocumentJob, again.job_id).heartbeat_at = now - timedelta(minutes=5)
        session.commit()
        resumed = build.start(
            session, tender=tender, bid=None, storage_dir=folder, actor=officer, now=now
        )
        session.commit()
        assert resumed.job_id == started.job_id
        jobs.run(factory, resumed.job_id, resumed.steps, resumed.finish)
    session.expire_all()
    job = session.get(DocumentJob, started.job_id)
    assert (job.status, job.done, job.total) == (jobs.DONE, len(SECTIONS), len(SECTIONS))
    assert build.existing(session, build.scope_for(session, tender)) is not None


def test_command_writes_the_zip_and_refuses_an_unknown_kvk(
    app: Flask, session: Session, now: datetime, tmp_path: Path
) -> None:
    tender = _demo(app, session, now)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tender", "dossier", tender.reference, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = list(tmp_path.glob("*.zip"))
    assert len(written) == 1
    assert hashlib.sha256(written[0].read_bytes()).hexdigest() in result.output
    assert "Tussentijds" not in result.output
    bid = session.scalars(select(Bid).where(Bid.tender_id == tender.id).order_by(Bid.id)).first()
    kvk = bid.organisation.kvk_number
    result = runner.invoke(
        args=["tender", "dossier", tender.reference, "--out", str(tmp_path), "--bidder", kvk]
    )
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob(f"inzagedossier-*-{kvk}-*.zip"))) == 1
    result = runner.invoke(
        args=["tender", "dossier", tender.reference, "--out", str(tmp_path), "--bidder", "12345678"]
    )
    assert result.exit_code == 1
    assert "geen inschrijving van een organisatie met KvK-nummer 12345678" in result.output


def test_verify_checks_made_dossiers_and_their_audit_anchor(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = _demo(app, session, now)
    dossier = _make(app, session, tender)
    runner = app.test_cli_runner()
    intact = runner.invoke(args=["tender", "verify", tender.reference])
    assert intact.exit_code == 0, intact.output
    anchors = {record.label for record in documents_service.audit_anchors(session)}
    assert f"dossier {dossier.id} ‘{dossier.filename}’" in anchors

    # Wherever the storage keeps it (test_storage_s3 runs this test again on S3).
    storage.current().put(documents_dir(app.instance_path) / dossier.stored_name, b"PK vervangen")
    damaged = runner.invoke(args=["tender", "verify", tender.reference])
    assert damaged.exit_code == 1
    assert f"Dossier {dossier.id} ‘{dossier.filename}’" in damaged.output
    assert f"documents/{dossier.stored_name} is gewijzigd of beschadigd" in damaged.output


def _provider_bids(session: Session, tender: Tender) -> tuple[User, Bid, Bid]:
    provider = session.scalar(select(User).where(User.email == "aanbieder1@demo.example"))
    bids = session.scalars(select(Bid).where(Bid.tender_id == tender.id).order_by(Bid.id)).all()
    own = next(bid for bid in bids if bid.organisation_id == provider.organisation_id)
    other = next(bid for bid in bids if bid.organisation_id != provider.organisation_id)
    return provider, own, other


def test_provider_makes_and_downloads_its_own_inzage_only(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = _demo(app, session, now)
    provider, own, other = _provider_bids(session, tender)
    client = app.test_client()
    login(client, provider)
    page = client.get("/aanbieder").get_data(as_text=True)
    assert "Inzagedossier maken" in page
    response = client.post(f"/aanbieder/inzagedossier/{own.id}/maken")
    assert response.status_code == 302
    made = session.scalar(select(Dossier).where(Dossier.bid_id == own.id))
    assert made is not None
    download = client.get(f"/aanbieder/inzagedossier/{made.id}.zip")
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    assert build.INDEX_NAME in zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    # Another organisation's bid and dossier are out of reach.
    assert client.post(f"/aanbieder/inzagedossier/{other.id}/maken").status_code == 403
    theirs = _make(app, session, tender, other)
    assert client.get(f"/aanbieder/inzagedossier/{theirs.id}.zip").status_code == 404
    complete = _make(app, session, tender)
    assert client.get(f"/aanbieder/inzagedossier/{complete.id}.zip").status_code == 404


def test_provider_is_not_offered_an_inzage_before_its_letter(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = _demo(app, session, now, phase="scored")
    provider, own, _other = _provider_bids(session, tender)
    client = app.test_client()
    login(client, provider)
    assert "Inzagedossier" not in client.get("/aanbieder").get_data(as_text=True)
    assert client.post(f"/aanbieder/inzagedossier/{own.id}/maken").status_code == 404
    made = _make(app, session, tender, own)
    assert client.get(f"/aanbieder/inzagedossier/{made.id}.zip").status_code == 404


def test_inkoper_makes_the_complete_file_and_an_inzage_on_the_dossier_page(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = _demo(app, session, now)
    officer = session.scalar(select(User).where(User.email == "inkoper@demo.example"))
    _provider, own, _other = _provider_bids(session, tender)
    client = app.test_client()
    login(client, officer)
    base = f"/aanbestedingen/{tender.id}/dossier"
    assert client.post(f"{base}/maken", data={"bidder": ""}).status_code == 302
    assert client.post(f"{base}/maken", data={"bidder": str(own.id)}).status_code == 302
    refused = client.post(f"{base}/maken", data={"bidder": "999999"}, follow_redirects=True)
    assert "Kies een inschrijver uit de lijst" in refused.get_data(as_text=True)
    made = session.scalars(select(Dossier).order_by(Dossier.id)).all()
    assert [d.bid_id for d in made] == [None, own.id]
    page = client.get(base).get_data(as_text=True)
    assert all(d.filename in page and d.sha256[:16] in page for d in made)
    response = client.get(f"{base}/{made[0].id}.zip")
    assert response.status_code == 200
    assert client.get(f"{base}/voortgang.json").get_json()["dossier"]["status"] == jobs.DONE
