"""The tender's frozen parts, kept per process once it is published (``tender.tenders.parts``).

A submit checks the bid against the tender's lots, municipalities, target groups,
requirements and criteria and writes their codes into the canonical form; after
publication these cannot change, so they are read once per process. The copy must be
exactly what the tender's own collections hold, per tender, and a concept tender (whose
configuration may still change) is always read afresh.
"""

from __future__ import annotations

from datetime import datetime

from factories import ROOT, make_published_tender, make_tender, make_user
from flask import Flask
from sqlalchemy.orm import Session
from statements import counted

from tender.accounts.models import Role, User
from tender.bids import service as bids
from tender.bids.models import Bid
from tender.tenders.models import Tender
from tender.tenders.parts import parts_of, tender_parts


def test_a_published_tenders_parts_are_its_own_and_read_once(
    app: Flask, session: Session, now: datetime
) -> None:
    lekstroom = make_published_tender(session, now=now)
    h4 = make_published_tender(
        session, now=now, path=ROOT / "criteria" / "h4-begeleiding-2019.toml"
    )
    session.commit()
    with counted(app) as statements:
        parts = {tender.id: tender_parts(tender) for tender in (lekstroom, h4)}
    assert len(statements) == 2, statements.statements  # one statement per tender
    for tender in (lekstroom, h4):
        assert parts[tender.id] == parts_of(tender)
    assert parts[lekstroom.id] != parts[h4.id]
    assert [lot.code for lot in parts[lekstroom.id].lots] == [lot.code for lot in lekstroom.lots]

    # Another request, with nothing loaded yet: the tender's row only, none of its parts.
    with app.extensions["tender.sessionmaker"]() as other, counted(app) as statements:
        again = tender_parts(other.get_one(Tender, lekstroom.id))
    assert again is parts[lekstroom.id]
    assert len(statements) == 1, statements.statements


def test_a_concept_tenders_parts_are_read_afresh(session: Session, now: datetime) -> None:
    tender = make_tender(session, now=now)
    session.flush()
    before = tender_parts(tender)
    tender.lots[0].name = "Een andere naam"
    session.flush()
    after = tender_parts(tender)
    assert after.lots[0].name == "Een andere naam" != before.lots[0].name
    assert after == parts_of(tender)


def test_the_submit_checks_and_freezes_what_the_tender_holds(
    session: Session,
    now: datetime,
    submittable_bid: tuple[int, User],
) -> None:
    """Completeness and the canonical form (so the digest) are the same with the kept
    copy as with the tender's collections read in this session, for a complete bid and
    for one with something missing in every section that refers to the tender's parts."""
    bid_id, _ = submittable_bid
    complete = session.get_one(Bid, bid_id)
    provider = make_user(session, Role.PROVIDER, now=now)
    incomplete = bids.start_bid(
        session, tender=complete.tender, organisation=provider.organisation, actor=provider, now=now
    )
    bids.set_lots(session, bid=incomplete, lots=complete.tender.lots[:1], actor=provider, now=now)
    session.flush()

    kept = tender_parts(complete.tender)
    for bid in (complete, incomplete):
        assert bids.completeness(bid, kept) == bids.completeness(bid)
        assert bids.canonical_form(bid, kept) == bids.canonical_form(bid)
    assert bids.completeness(complete, kept) == []
    missing = {m.section for m in bids.completeness(incomplete, kept)}
    assert missing >= {"requirements", "coverage", "plan"}
