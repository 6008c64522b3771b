"""What a tender's Logboek shows: sealed events masked, filtered and paged in the database.

The audit trail (``tender.audit``) stores every event in full. Until the
two-person opening the Logboek must not let anyone learn who bid or anything of a
bid (DOMAIN 5.2); after it, a provider's edits that it never submitted stay its own
(DOMAIN 5.1). ``shown_event`` is the one rule that decides how an event is shown,
and ``events_page`` is the one query the Logboek runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from tender.accounts.models import Organisation, Role, User
from tender.audit import ACTION_LABELS, AuditEvent
from tender.bids.models import Bid, BidStatus, BidSubmission, blind_code
from tender.permissions import bids_sealed
from tender.tenders.models import Tender

MASKED_LABEL = "een inschrijving is gewijzigd"
UNSUBMITTED_LABEL = "wijziging die niet is ingediend"
PAGE_SIZE = 50  # events per Logboek page: a screenful or two, quick at any size of log

# Events about these objects belong to a bidder, whoever caused them.
_BIDDER_OBJECTS = frozenset({"bid", "organisation"})
# A provider's bid events that carry no content of the working copy.
_CONTENT_FREE = frozenset({"bid.submit", "bid.withdraw"})


@dataclass(frozen=True)
class ShownEvent:
    """One row of the Logboek as the reader may see it; None: not shown."""

    id: int
    occurred_at: datetime
    label: str
    actor: str | None
    action: str | None
    object: str | None
    details: dict[str, Any] = field(default_factory=dict)
    hash: str | None = None

    @property
    def masked(self) -> bool:
        return self.actor is None


def is_masked(*, sealed: bool, object_type: str, actor_role: str | None) -> bool:
    """Whether an event would tell who bid: while bids are sealed, every event about a
    bid (or a bidder's organisation) and every event caused by a provider."""
    return sealed and (object_type in _BIDDER_OBJECTS or actor_role == Role.PROVIDER)


def is_unsubmitted_edit(
    *,
    object_type: str,
    action: str,
    actor_role: str | None,
    occurred_at: datetime,
    counted_until: datetime | None,
) -> bool:
    """Whether a provider's bid event belongs to a working copy that was never received:
    made after the submission that counts (``counted_until``), or on a bid of which no
    submission counts (None: never submitted, or withdrawn)."""
    return (
        object_type == "bid"
        and actor_role == Role.PROVIDER
        and action not in _CONTENT_FREE
        and (counted_until is None or occurred_at > counted_until)
    )


def shown_event(
    event: AuditEvent,
    *,
    actor_role: str | None,
    sealed: bool,
    counted_until: datetime | None,
) -> ShownEvent:
    """The event as the Logboek shows it.

    A masked event keeps only its number and time: no actor, action, object, details
    or hash (the hash of a guessable content would confirm a guess of the actor). An
    unsubmitted edit, after the opening, shows who and when, but nothing of the edit.
    ``counted_until``: for a bid event, when the bid's counting submission was received.
    """
    if is_masked(sealed=sealed, object_type=event.object_type, actor_role=actor_role):
        return ShownEvent(id=event.id, occurred_at=event.occurred_at, label=MASKED_LABEL,
                          actor=None, action=None, object=None)  # fmt: skip
    if is_unsubmitted_edit(
        object_type=event.object_type,
        action=event.action,
        actor_role=actor_role,
        occurred_at=event.occurred_at,
        counted_until=counted_until,
    ):
        return ShownEvent(id=event.id, occurred_at=event.occurred_at, label=UNSUBMITTED_LABEL,
                          actor=event.actor_label, action=None,
                          object=f"{event.object_type} {event.object_id}")  # fmt: skip
    return ShownEvent(
        id=event.id,
        occurred_at=event.occurred_at,
        label=ACTION_LABELS.get(event.action, event.action),
        actor=event.actor_label,
        action=event.action,
        object=f"{event.object_type} {event.object_id}"
        if event.object_id is not None
        else event.object_type,
        details=dict(event.details),
        hash=event.hash,
    )


@dataclass(frozen=True)
class LogFilter:
    """What the reader asked for; ``since`` inclusive and ``until`` exclusive, in UTC."""

    actor: str = ""
    action: str = ""
    bid_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def sealed(self) -> LogFilter:
        """Only the period: filtering on who, what or which bid would tell who bid."""
        return LogFilter(since=self.since, until=self.until)


@dataclass(frozen=True)
class EventPage:
    events: list[ShownEvent]
    total: int
    page: int
    pages: int
    sealed: bool


def _conditions(tender: Tender, wanted: LogFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [AuditEvent.tender_id == tender.id]
    if wanted.actor:
        needle = wanted.actor.strip().lower()
        conditions.append(func.lower(AuditEvent.actor_label).contains(needle, autoescape=True))
    if wanted.action:
        conditions.append(AuditEvent.action == wanted.action)
    if wanted.bid_id is not None:
        conditions += [AuditEvent.object_type == "bid", AuditEvent.object_id == wanted.bid_id]
    if wanted.since is not None:
        conditions.append(AuditEvent.occurred_at >= wanted.since)
    if wanted.until is not None:
        conditions.append(AuditEvent.occurred_at < wanted.until)
    return conditions


def events_page(
    session: Session, tender: Tender, wanted: LogFilter, *, page: int, per_page: int = PAGE_SIZE
) -> EventPage:
    """One page of the tender's events, newest first, filtered and counted in the database.

    A page number beyond the last shows the last page.
    """
    sealed = bids_sealed(tender)
    if sealed:
        wanted = wanted.sealed()
    conditions = _conditions(tender, wanted)
    # count(*), not count(id): PostgreSQL counts from the tender's index, not the rows.
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions)) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    rows = session.execute(
        select(AuditEvent, User.role)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(*conditions)
        .order_by(AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    counted = (
        {}
        if sealed
        else counted_until(session, {e.object_id for e, _ in rows if e.object_type == "bid"})
    )
    return EventPage(
        events=[
            shown_event(
                event,
                actor_role=role,
                sealed=sealed,
                counted_until=counted.get(event.object_id) if event.object_type == "bid" else None,
            )
            for event, role in rows
        ],
        total=total,
        page=page,
        pages=pages,
        sealed=sealed,
    )


def counted_until(session: Session, bid_ids: set[int | None]) -> dict[int, datetime]:
    """When the submission that counts was received, for each of the bids that has one."""
    if not bid_ids:
        return {}
    rows = session.execute(
        select(BidSubmission.bid_id, func.max(BidSubmission.received_at))
        .join(Bid, Bid.id == BidSubmission.bid_id)
        .where(BidSubmission.bid_id.in_(bid_ids), Bid.status == BidStatus.SUBMITTED)
        .group_by(BidSubmission.bid_id)
    )
    return {bid_id: received_at for bid_id, received_at in rows}


def logged_actions(session: Session, tender: Tender) -> list[str]:
    """The actions that occur in the tender's trail, for the filter."""
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.tender_id == tender.id)
            .distinct()
            .order_by(AuditEvent.action)
        )
    )


def bid_choices(session: Session, tender: Tender) -> list[tuple[str, str]]:
    """(bid id, label) of every bid on the tender, submitted or not, for the filter.

    Only after the opening: the labels name the organisations.
    """
    assert not bids_sealed(tender), "the bid filter names bidders"
    found = session.execute(
        select(Bid.id, Bid.blind_number, Organisation.name)
        .join(Organisation, Organisation.id == Bid.organisation_id)
        .where(Bid.tender_id == tender.id)
        .order_by(Bid.blind_number, Bid.id)
    )  # columns only: at hundreds of bids, loading the rows took most of the page
    return [
        (
            str(bid_id),
            f"{blind_code(number) if number else 'Niet ingediend'}: {name} (nr. {bid_id})",
        )
        for bid_id, number, name in found
    ]
