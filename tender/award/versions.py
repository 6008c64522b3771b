"""Which version of a tender's award decision counts for what.

A tender has at most one decision in progress or in force (``active``): an advice
awaiting review, an approved advice, a decision not yet sent, or a sent decision.
An advice sent back (``teruggestuurd``) is being revised by its preparer; a
withdrawn decision stays on record and is replaced by the next version.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from tender.award.models import AwardDecision, DecisionStatus
from tender.tenders.models import Tender

S = DecisionStatus
ACTIVE = (S.ADVICE, S.APPROVED, S.DECIDED, S.SENT)
OPEN = (S.RETURNED, *ACTIVE)


def versions(
    session: Session, tender: Tender, *, with_snapshot: bool = True
) -> list[AwardDecision]:
    """Every version of the tender's award decision, oldest first; without
    ``with_snapshot`` the snapshots (every bid, hundreds of kilobytes of JSON each) are
    left unread for a version not loaded before."""
    query = (
        select(AwardDecision)
        .where(AwardDecision.tender_id == tender.id)
        .order_by(AwardDecision.version)
    )
    if not with_snapshot:
        query = query.options(defer(AwardDecision.snapshot))
    return list(session.scalars(query))


def _latest(
    session: Session, tender: Tender, statuses: tuple[str, ...], *, with_snapshot: bool = True
) -> AwardDecision | None:
    query = (
        select(AwardDecision)
        .where(AwardDecision.tender_id == tender.id, AwardDecision.status.in_(statuses))
        .order_by(AwardDecision.version.desc())
        .limit(1)
    )
    if not with_snapshot:
        query = query.options(defer(AwardDecision.snapshot))
    return session.scalar(query)


def active_decision(session: Session, tender: Tender) -> AwardDecision | None:
    """The decision in progress (advice, approved, decided) or in force (sent)."""
    return _latest(session, tender, tuple(ACTIVE))


def open_decision(
    session: Session, tender: Tender, *, with_snapshot: bool = True
) -> AwardDecision | None:
    """The version being worked on or in force: active, or sent back for revision."""
    return _latest(session, tender, tuple(OPEN), with_snapshot=with_snapshot)


def sent_decision(
    session: Session, tender: Tender, *, with_snapshot: bool = True
) -> AwardDecision | None:
    """The decision whose letters went out and that has not been withdrawn."""
    return _latest(session, tender, (S.SENT,), with_snapshot=with_snapshot)


def replaced_decision(session: Session, tender: Tender) -> AwardDecision | None:
    """The newest withdrawn decision whose letters had been sent: the next one replaces it."""
    return session.scalar(
        select(AwardDecision)
        .where(
            AwardDecision.tender_id == tender.id,
            AwardDecision.status == S.WITHDRAWN,
            AwardDecision.letters_sent_at.is_not(None),
        )
        .order_by(AwardDecision.version.desc())
        .limit(1)
    )
