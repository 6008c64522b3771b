"""Dossier folders 02 (bids as submitted) and 03 (requirement checks)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from dossier_steps import canaries, canary_tender, make_files, scope_of, text_of
from factories import make_complete_bid, make_published_tender, make_user
from flask import Flask
from sqlalchemy.orm import Session

from tender.accounts.models import Role
from tender.bids import service as bid_service
from tender.bids.models import Attachment
from tender.bids.submitted import counting_submission, version_of
from tender.bids.uploads import uploads_dir
from tender.dossier import bids as dossier_bids
from tender.dossier import committee as dossier_committee
from tender.dossier.parts import BIDS, OPENING
from tender.dossier.scoped import file_prefix

SECTIONS = (dossier_bids.bids_as_submitted, dossier_bids.requirement_checks)


def test_complete_file_holds_every_bid_as_received_and_every_check(
    app: Flask, session: Session, now: datetime
) -> None:
    built = canary_tender(session, now=now, instance_path=app.instance_path)
    scope = scope_of(session, built.tender)
    files = make_files(app, session, SECTIONS, scope)
    by_name = {file.name: file for file in files}
    assert len(by_name) == len(files)
    assert all("/" not in file.name and file.name.isascii() for file in files)
    assert {file.folder for file in files} == {BIDS, OPENING}

    for index, bid in enumerate(built.bids):
        prefix = file_prefix(bid)
        submission = counting_submission(bid)
        assert submission is not None
        # Anyone can hash the JSON file and get the digest on the receipt.
        canonical = by_name[f"{prefix}-canoniek.json"].content
        assert hashlib.sha256(canonical).hexdigest() == submission.digest == bid.digest
        assert json.loads(canonical) == submission.canonical
        receipt = text_of(by_name[f"{prefix}-ontvangstbevestiging-1.pdf"])
        assert submission.digest in receipt
        readable = text_of(by_name[f"{prefix}.pdf"])
        assert submission.digest in readable
        marks = canaries(index)
        for part in ("org", "plan", "netwerk", "onder", "bestandsnaam"):
            assert marks[part] in readable, part
        # Every attachment as received: its bytes have the digest the submission names.
        named = {file.sha256 for file in version_of(bid, submission).files()}
        attached = [f for f in files if f.name.startswith(f"{prefix}-bijlage-")]
        assert {hashlib.sha256(f.content).hexdigest() for f in attached} == named
        plan = next(f for f in attached if marks["bestandsnaam"] in f.name)
        assert marks["inhoud"] in text_of(plan)
        stored = session.get(Attachment, bid.attachments[-1].id)
        assert stored is not None and hashlib.sha256(plan.content).hexdigest() == stored.sha256

    checks = text_of(by_name["toetsing-eisen.pdf"])
    for index in range(len(built.bids)):
        assert canaries(index)["reden"] in checks
    assert "".join(built.officer.name.split()) in checks
    assert "voldoetniet" in checks

    again = make_files(app, session, SECTIONS, scope)
    assert [(f.name, f.content) for f in again] == [(f.name, f.content) for f in files]


def test_inzage_holds_only_the_bidders_own_bid_and_checks(
    app: Flask, session: Session, now: datetime
) -> None:
    built = canary_tender(session, now=now, instance_path=app.instance_path)
    for index, bid in enumerate(built.bids):
        files = make_files(app, session, SECTIONS, scope_of(session, built.tender, bid))
        assert files
        texts = {file.name: text_of(file) for file in files}
        everything = "".join(texts.values())
        names = "".join(texts)
        own = canaries(index)
        for part in ("org", "plan", "netwerk", "onder", "inhoud", "reden"):
            assert own[part] in everything, part
        assert own["bestandsnaam"] in names
        for other, other_bid in enumerate(built.bids):
            if other == index:
                continue
            for part, mark in canaries(other).items():
                assert mark not in everything and mark not in names, (index, part)
            assert other_bid.kvk_number not in everything
            assert other_bid.digest not in everything
        # Who checked is left out of the inzage; when is not.
        assert "".join(built.officer.name.split()) not in everything
        assert all(name.startswith(file_prefix(bid)) for name in texts)


def test_sealed_bids_give_no_files(app: Flask, session: Session, now: datetime) -> None:
    tender = make_published_tender(session, now=now)
    provider = make_user(session, Role.PROVIDER, now=now)
    bid = make_complete_bid(
        session,
        tender=tender,
        provider=provider,
        now=now,
        storage_dir=uploads_dir(app.instance_path),
    )
    bid_service.submit(session, bid=bid, actor=provider, now=now)
    session.flush()
    sections = (*SECTIONS, dossier_committee.committee_records)
    assert make_files(app, session, sections, scope_of(session, tender)) == []
    assert make_files(app, session, sections, scope_of(session, tender, bid)) == []
