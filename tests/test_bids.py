"""Bidding rules: completeness, submission, receipts, deadline, resubmission, anonymity."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from factories import make_complete_bid, make_published_tender, make_user, pdf_bytes
from sqlalchemy.orm import Session

from tender.accounts.models import Role
from tender.bids import service as bids
from tender.bids.models import BidStatus
from tender.tenders.models import TenderState
from tender.timefmt import format_number


@pytest.fixture
def tender(session: Session, now: datetime):  # type: ignore[no-untyped-def]
    return make_published_tender(session, now=now)


@pytest.fixture
def provider(session: Session, now: datetime):  # type: ignore[no-untyped-def]
    return make_user(session, Role.PROVIDER, now=now)


def _complete(session, tender, provider, now, tmp_path):  # type: ignore[no-untyped-def]
    return make_complete_bid(
        session, tender=tender, provider=provider, now=now, storage_dir=tmp_path
    )


def test_empty_draft_lists_everything_missing(session, tender, provider, now) -> None:  # type: ignore[no-untyped-def]
    bid = bids.start_bid(
        session, tender=tender, organisation=provider.organisation, actor=provider, now=now
    )
    sections = {m.section for m in bids.completeness(bid)}
    assert sections == {"lots", "requirements", "plan"}
    with pytest.raises(bids.BidError, match="nog niet compleet"):
        bids.submit(session, bid=bid, actor=provider, now=now)


def test_network_partner_required_for_each_served_municipality(
    session,
    tender,
    provider,
    now,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    bid = make_complete_bid(
        session, tender=tender, provider=provider, now=now, storage_dir=tmp_path
    )
    assert bids.completeness(bid) == []
    bids.remove_network_partner(
        session, bid=bid, partner=bid.network_partners[0], actor=provider, now=now
    )
    missing = bids.completeness(bid)
    assert [m.section for m in missing] == ["network"]
    assert tender.lots[0].municipalities[0].name in missing[0].message


def test_submission_records_receipt_time_and_digest(
    session,
    tender,
    provider,
    now,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    bid = make_complete_bid(
        session, tender=tender, provider=provider, now=now, storage_dir=tmp_path
    )
    submission = bids.submit(session, bid=bid, actor=provider, now=now)
    assert submission.received_at == now
    assert submission.digest == bids.digest_of(bids.canonical_form(bid)) == bid.digest
    assert len(submission.digest) == 64
    assert bid.status == BidStatus.SUBMITTED
    assert not bids.has_unsubmitted_changes(bid)


def test_resubmission_replaces_and_keeps_the_earlier_version(
    session,
    tender,
    provider,
    now,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    bid = make_complete_bid(
        session, tender=tender, provider=provider, now=now, storage_dir=tmp_path
    )
    first = bids.submit(session, bid=bid, actor=provider, now=now)
    later = now + timedelta(hours=1)
    bids.save_plan(
        session,
        bid=bid,
        criterion=tender.criteria[0],
        text="Een herzien plan.",
        attachment=None,
        actor=provider,
        now=later,
    )
    assert bids.has_unsubmitted_changes(bid)
    assert first.canonical["plannen"][0]["tekst"] != "Een herzien plan."
    second = bids.submit(session, bid=bid, actor=provider, now=later)
    assert second.number == 2 and second.digest != first.digest
    assert [s.number for s in bid.submissions] == [1, 2]
    assert bid.digest == second.digest


def test_submission_one_second_before_deadline_accepted_at_deadline_refused(
    session,
    tender,
    provider,
    tmp_path,
    now,  # type: ignore[no-untyped-def]
) -> None:
    bid = make_complete_bid(
        session, tender=tender, provider=provider, now=now, storage_dir=tmp_path
    )
    deadline = tender.submission_deadline
    bids.submit(session, bid=bid, actor=provider, now=deadline - timedelta(seconds=1))
    with pytest.raises(bids.DeadlinePassed, match="uiterste inschrijfdatum"):
        bids.submit(session, bid=bid, actor=provider, now=deadline)
    with pytest.raises(bids.DeadlinePassed):
        bids.save_plan(
            session,
            bid=bid,
            criterion=tender.criteria[0],
            text="Te laat.",
            attachment=None,
            actor=provider,
            now=deadline + timedelta(seconds=5),
        )
    with pytest.raises(bids.DeadlinePassed):
        bids.withdraw(session, bid=bid, actor=provider, now=deadline)
    assert len(bid.submissions) == 1


def test_no_bid_on_a_closed_or_concept_tender(session, tender, provider, now) -> None:  # type: ignore[no-untyped-def]
    tender.state = TenderState.CLOSED
    with pytest.raises(bids.BidError):
        bids.start_bid(
            session, tender=tender, organisation=provider.organisation, actor=provider, now=now
        )


def test_withdraw_and_submit_again(session, tender, provider, now, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bid = make_complete_bid(
        session, tender=tender, provider=provider, now=now, storage_dir=tmp_path
    )
    with pytest.raises(bids.BidError, match="Alleen een ingediende"):
        bids.withdraw(session, bid=bid, actor=provider, now=now)
    bids.submit(session, bid=bid, actor=provider, now=now)
    bids.withdraw(session, bid=bid, actor=provider, now=now)
    assert bid.status == BidStatus.WITHDRAWN
    assert bids.submitted_count(session, tender) == 0
    bids.submit(session, bid=bid, actor=provider, now=now)
    assert bid.status == BidStatus.SUBMITTED
    assert bids.submitted_count(session, tender) == 1


def test_word_limit_enforced_by_the_service(session, tender, provider, now) -> None:  # type: ignore[no-untyped-def]
    bid = bids.start_bid(
        session, tender=tender, organisation=provider.organisation, actor=provider, now=now
    )
    criterion = tender.criteria[0]
    exact = " ".join(["woord"] * criterion.max_words)
    bids.save_plan(
        session, bid=bid, criterion=criterion, text=exact, attachment=None, actor=provider, now=now
    )
    maximum = format_number(criterion.max_words)
    with pytest.raises(bids.WordLimitExceeded, match=f"het maximum is {maximum}"):
        bids.save_plan(
            session,
            bid=bid,
            criterion=criterion,
            text=exact + " teveel",
            attachment=None,
            actor=provider,
            now=now,
        )


def test_coverage_outside_the_lot_is_refused(session, tender, provider, now) -> None:  # type: ignore[no-untyped-def]
    bid = bids.start_bid(
        session, tender=tender, organisation=provider.organisation, actor=provider, now=now
    )
    lot = tender.lots[0]
    with pytest.raises(bids.BidError, match="Kies eerst perceel"):
        bids.set_coverage(session, bid=bid, lot=lot, cells=set(), actor=provider, now=now)
    bids.set_lots(session, bid=bid, lots=[lot], actor=provider, now=now)
    with pytest.raises(bids.BidError, match="hoort"):
        bids.set_coverage(session, bid=bid, lot=lot, cells={(999, 999)}, actor=provider, now=now)


def test_anonymity_warning_for_name_kvk_and_domain(
    session,
    tender,
    provider,
    now,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    bid = make_complete_bid(
        session, tender=tender, provider=provider, now=now, storage_dir=tmp_path
    )
    assert bids.anonymity_warnings(bid) == []
    organisation = provider.organisation
    text = (
        f"Bij {organisation.name} B.V. (KvK {organisation.kvk_number}) zie "
        f"www.{organisation.website.split('//')[1]}"
    )
    attachment = bids.add_attachment(
        session,
        bid=bid,
        filename=f"plan {organisation.name}.pdf",
        content=pdf_bytes(),
        storage_dir=tmp_path,
        max_bytes=10_000_000,
        actor=provider,
        now=now,
    )
    bids.save_plan(
        session,
        bid=bid,
        criterion=tender.criteria[1],
        text=text,
        attachment=attachment,
        actor=provider,
        now=now,
    )
    warnings = bids.anonymity_warnings(bid)
    assert len(warnings) == 2
    assert organisation.kvk_number in warnings[0] and organisation.name in warnings[0]
    assert "bestandsnaam" in warnings[1]
    bids.submit(session, bid=bid, actor=provider, now=now)  # a warning, not a block
