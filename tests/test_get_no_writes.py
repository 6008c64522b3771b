"""A GET never changes state (issue 13 item 8).

Every GET route of the app, filled in with the real ids of a tender in its richest
phase (bids opened, scored, the award decision announced: voorlopig gegund), is asked
by every role and by an anonymous visitor. Before and after each request the database
is snapshotted: the row count and a hash of the rows of every table. Nothing may change
except:

- audit events appended (never changed) for reads that DOMAIN 5.10 requires to be
  recorded (``READ_ACTIONS``: reading bid content, a refused attempt);
- the counters of refused requests (``refused_hit``, issue 13 item 8b);
- the stored outcome's cached copy (``outcome_cache``: ``cached_version``, ``code``,
  ``payload``; issue 16), which a page that computes the outcome keeps for the next
  one. Its ``version``, which only a change of what the outcome depends on raises,
  is checked like every other column.

Time-driven transitions are allowed on a GET: a tender whose deadline has passed is
closed lazily by the first request that loads it (``tenders.close_if_due``). Every
tender is brought up to date with the clock before the first snapshot, so such a
transition cannot hide a write, nor be mistaken for one.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from factories import login
from flask import Flask, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from test_permission_matrix import ANON, _tender_in_phase

from tender import clock, notifications
from tender.accounts.models import User
from tender.audit import AuditEvent
from tender.award.outcome_cache import OutcomeCache
from tender.bids.models import Attachment, Bid, BidSubmission
from tender.db import db_session
from tender.documents.models import Document
from tender.evaluation.models import AttachmentCopy
from tender.models import Base
from tender.qa.models import QaRound, Question
from tender.refused_hits import RefusedHit
from tender.tenders import service as tenders
from tender.tenders.models import Tender

# Reads of bid content: a page or file of a bid, a refused attempt, the scores export,
# the preview of a redacted attachment, the download of a dossier.
READ_ACTIONS = frozenset(
    {"bid.view", "bid.access_refused", "scores.export", "attachment.preview", "dossier.download"}
)
COUNTERS = frozenset({RefusedHit.__tablename__})
# The audit trail is checked as a chain (appended only, earlier events unchanged).
SEPARATELY_CHECKED = COUNTERS | {AuditEvent.__tablename__}
# Columns a GET may fill: a cache of what the other tables already determine.
CACHED_COLUMNS = {OutcomeCache.__tablename__: {"cached_version", "code", "payload"}}
MISSING = 999_999
# The demo's accounts: the provider owns a bid, the evaluator sits on the committee.
ACCOUNTS = {
    "inkoper": "inkoper@demo.example",
    "beoordelaar": "beoordelaar1@demo.example",
    "adviesraad": "adviesraad@demo.example",
    "beheerder": "beheerder@demo.example",
    "aanbieder": "aanbieder1@demo.example",
}


def snapshot(session: Session) -> dict[str, tuple[int, str]]:
    """(row count, SHA-256 of the rows in primary-key order) of every table but the
    audit trail and the counters of refused requests, without the cached columns."""
    session.expire_all()
    state = {}
    for table in Base.metadata.sorted_tables:
        if table.name in SEPARATELY_CHECKED:
            continue
        cached = CACHED_COLUMNS.get(table.name, set())
        columns = [column for column in table.columns if column.name not in cached]
        rows = session.execute(select(*columns).order_by(*table.primary_key.columns)).all()
        digest = hashlib.sha256(
            json.dumps([list(row) for row in rows], default=str, sort_keys=True).encode()
        ).hexdigest()
        state[table.name] = (len(rows), digest)
    return state


def _audit_events_after(session: Session, last_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id))
    )


def _last_audit_id(session: Session) -> int:
    return session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0


def _audit_prefix(session: Session, last_id: int) -> tuple[int, str | None]:
    """How many events up to ``last_id`` and the hash of that one: with the chain (each
    hash covers the one before) this tells whether any earlier event changed."""
    count = session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.id <= last_id))
    return count or 0, session.scalar(select(AuditEvent.hash).where(AuditEvent.id == last_id))


def route_values(app: Flask, session: Session, tender: Tender) -> dict[str, dict[str, Any]]:
    """For every GET endpoint, the URL arguments that point at real objects of ``tender``
    (or at a missing one where the phase has none, e.g. a question)."""
    provider = session.scalar(select(User).where(User.email == ACCOUNTS["aanbieder"]))
    assert provider is not None
    bid = session.scalars(
        select(Bid).where(
            Bid.tender_id == tender.id, Bid.organisation_id == provider.organisation_id
        )
    ).one()
    submission = session.scalars(
        select(BidSubmission).where(BidSubmission.bid_id == bid.id).order_by(BidSubmission.id)
    ).first()
    attachment = session.scalars(select(Attachment).where(Attachment.bid_id == bid.id)).first()
    copy = session.scalars(select(AttachmentCopy).where(AttachmentCopy.bid_id == bid.id)).first()
    documents = list(session.scalars(select(Document).where(Document.tender_id == tender.id)))
    tender_document = next(d for d in documents if d.kind == "leidraad")
    own_letter = next(d for d in documents if d.bid_id == bid.id and d.released_at is not None)
    question = session.scalars(select(Question).where(Question.tender_id == tender.id)).first()
    qa_round = session.scalars(select(QaRound).where(QaRound.tender_id == tender.id)).first()
    outbox = notifications.outbox_names(app.instance_path)
    assert submission is not None and attachment is not None and outbox
    common = {
        "tender_id": tender.id,
        "bid_id": bid.id,
        "criterion_id": tender.criteria[0].id,
        "attachment_id": attachment.id,
        "question_id": question.id if question else MISSING,
        "copy_id": copy.id if copy else MISSING,
        "lot_code": tender.lots[0].code,
        "kind": "xlsx",
        "user_id": provider.id,
        "token": "onbekend",
        "name": outbox[0],
        "document_id": own_letter.id,
        "dossier_id": MISSING,
    }
    by_endpoint: dict[str, dict[str, Any]] = {
        "bids.receipt": {"number": submission.number},
        "bids.receipt_pdf": {"number": submission.number},
        "qa.nota_pdf": {"number": qa_round.number if qa_round else MISSING},
        "committee.score_bid": {"number": bid.blind_number},
        "committee.plan_attachment": {"number": bid.blind_number},
        "committee.consensus": {"number": bid.blind_number},
        "tenders.tender_document": {"document_id": tender_document.id},
    }
    values = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in (rule.methods or ()):
            continue
        wanted = {**common, **by_endpoint.get(rule.endpoint, {})}
        missing = set(rule.arguments) - set(wanted)
        assert not missing, f"{rule.endpoint}: no value for {missing}"
        values[rule.endpoint] = {name: wanted[name] for name in rule.arguments}
    return values


def test_no_get_changes_the_database(app: Flask, now: datetime) -> None:
    tender_id, moment = _tender_in_phase(app, "voorlopig gegund", now)
    clock.set_clock(lambda: moment)
    with app.app_context():
        session = db_session()
        for tender in session.scalars(select(Tender)):
            tenders.close_if_due(session, tender=tender, now=moment)
        session.commit()
        tender = session.get(Tender, tender_id)
        values = route_values(app, session, tender)
        with app.test_request_context():
            urls = {endpoint: url_for(endpoint, **args) for endpoint, args in values.items()}
        users = {
            role: session.scalar(select(User).where(User.email == email)).id
            for role, email in ACCOUNTS.items()
        }

    checker = app.extensions["tender.sessionmaker"]()
    changes: list[str] = []
    answered: dict[str, set[int]] = {}
    for role in [ANON, *ACCOUNTS]:
        client = app.test_client()
        if role != ANON:
            with app.app_context():
                login(client, db_session().get(User, users[role]))
        before = snapshot(checker)
        for endpoint, url in urls.items():
            last_audit = _last_audit_id(checker)
            prefix = _audit_prefix(checker, last_audit)
            status = client.get(url).status_code
            answered.setdefault(endpoint, set()).add(status)
            assert status < 500, (role, url, status)
            after = snapshot(checker)
            changed = {name for name in after if after[name] != before[name]}
            if changed:
                changes.append(f"{role} GET {url}: {sorted(changed)}")
            if _audit_prefix(checker, last_audit) != prefix:
                changes.append(f"{role} GET {url}: earlier audit events changed")
            written = {e.action for e in _audit_events_after(checker, last_audit)}
            if written - READ_ACTIONS:
                changes.append(f"{role} GET {url}: audit {sorted(written - READ_ACTIONS)}")
            before = after
    checker.close()
    assert changes == []
    # The walk reached real pages, not only refusals.
    reached = {endpoint for endpoint, codes in answered.items() if 200 in codes}
    assert {
        "bids.overview",
        "committee.score_bid",
        "award.report",
        "tenders.audit_trail",
    } <= reached
    assert len(reached) > len(urls) // 2, sorted(set(urls) - reached)
