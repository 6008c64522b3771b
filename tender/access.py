"""Between the views and the rules: load an object for the current user, or refuse.

Every view gets its tender, bid or other object through this module. It asks the
permission module (``tender.permissions``), applies the phase rules (a tender is
closed when its deadline passed; sealed bids are refused and the refusal is
counted, and audited within the bounds of ``tender.refused_hits``) and answers
404/403, or sends an anonymous visitor to the login page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NoReturn, TypeVar

from flask import abort, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tender import audit, clock, refused_hits
from tender.bids import submitted
from tender.bids.models import Attachment, Bid
from tender.bids.submitted import SubmittedBid
from tender.db import db_session
from tender.evaluation import service as evaluation
from tender.evaluation.models import CommitteeMember
from tender.extensions import login_manager
from tender.permissions import CommitteeContext, Permission, can, has_grant
from tender.tenders import service as tenders
from tender.tenders.models import Tender

T = TypeVar("T")


def require(permission: Permission, obj: Any = None) -> None:
    """Abort unless the current user may; anonymous users are sent to the login page."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not can(current_user, permission, obj, clock.now()):
        abort(403)


def get_or_404(model: type[T], object_id: int) -> T:
    obj = db_session().get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def load_tender(tender_id: int, permission: Permission) -> Tender:
    """The tender, if the current user may ``permission`` on it.

    The role is checked before the lookup so that the existence of a tender is
    not revealed to users who may not act on tenders at all. The tender is
    brought up to date with the server clock (closed after its deadline).
    """
    require(permission)
    tender = get_or_404(Tender, tender_id)
    session = db_session()
    if tenders.close_if_due(session, tender=tender, now=clock.now()):
        session.commit()
    require(permission, tender)
    return tender


def _record_refusal(
    *, object_id: int | None, tender_id: int | None, details: dict[str, Any]
) -> None:
    """Count a refused attempt on bid content and audit it unless the visitor's counter
    for this hour has passed its bound (``tender.refused_hits``); committed."""
    session = db_session()
    now = clock.now()
    authenticated = current_user.is_authenticated
    address = refused_hits.counted_address(request.remote_addr)
    visitor = (
        refused_hits.account_visitor(current_user.id) if authenticated else refused_hits.ANONYMOUS
    )
    count = refused_hits.count_refusal(session, address=address, visitor=visitor, now=now)
    audited, note = refused_hits.audited(count, visitor=visitor)
    if audited:
        audit.record(
            session,
            actor=current_user if authenticated else None,
            actor_label=None if authenticated else f"anoniem ({address})",
            action="bid.access_refused",
            object_type="bid",
            object_id=object_id,
            tender_id=tender_id,
            now=now,
            details={**details, **({"let op": note} if note else {})},
        )
    session.commit()


def _refuse(bid_id: int, bid: Bid | None, reason: str, code: int) -> NoReturn:
    """Record a refused attempt to reach bid content, then answer ``code``."""
    db_session().rollback()
    _record_refusal(
        object_id=bid_id,
        tender_id=bid.tender_id if bid is not None else None,
        details={"route": request.endpoint, "methode": request.method, "reden": reason},
    )
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    abort(code)


def _record_view(bid: Bid, now: datetime) -> None:
    """Every read of bid content (a GET) is in the audit trail (DOMAIN 5.10)."""
    if request.method != "GET":
        return
    session = db_session()
    audit.record(
        session,
        actor=current_user,
        action="bid.view",
        object_type="bid",
        object_id=bid.id,
        tender_id=bid.tender_id,
        now=now,
        details={"route": request.endpoint},
    )
    session.commit()


def load_bid(bid_id: int, permission: Permission) -> Bid:
    """The bid, if the current user may ``permission`` on it; refusals are audited."""
    session = db_session()
    if not current_user.is_authenticated:
        _refuse(bid_id, None, "niet ingelogd", 401)
    if not has_grant(current_user, permission):
        _refuse(bid_id, None, "rol heeft geen toegang tot inschrijvingen", 403)
    # With its tender, organisation, lots and coverage in one statement: every bid page needs them
    # (a bid has at most a few lots, so the rows are the coverage cells, a few hundred).
    bid = (
        session.execute(
            select(Bid)
            .where(Bid.id == bid_id)
            .options(
                joinedload(Bid.tender),
                joinedload(Bid.organisation),
                joinedload(Bid.lots),
                joinedload(Bid.coverage),
            )
        )
        .unique()
        .scalar_one_or_none()
    )
    if bid is None:
        _refuse(bid_id, None, "inschrijving bestaat niet", 404)
    now = clock.now()
    if tenders.close_if_due(session, tender=bid.tender, now=now):
        session.commit()
    if not can(current_user, permission, bid, now):
        _refuse(bid_id, bid, "geen toegang tot deze inschrijving (verzegeld of van een ander)", 403)
    _record_view(bid, now)
    return bid


def submitted_version(bid: Bid) -> SubmittedBid:
    """What ``bid`` is for everyone but its writer: the version that counts, or 404."""
    version = submitted.submitted_version(bid)
    if version is None:
        abort(404)
    return version


def load_attachment(bid: Bid, attachment_id: int) -> Attachment:
    """An uploaded file of a loaded bid: the writer sees its own uploads, anyone else
    only the files of the submitted version."""
    stored = db_session().get(Attachment, attachment_id)
    if stored is None or stored.bid_id != bid.id:
        abort(404)
    if not can(current_user, Permission.BID_WRITE, bid, clock.now()):
        digests = {file.sha256 for file in submitted_version(bid).files()}
        if stored.sha256 not in digests:
            abort(404)
    return stored


def load_membership(tender_id: int) -> tuple[Tender, CommitteeMember]:
    """The tender and the current user's membership of its committee, or 403."""
    require(Permission.EVALUATOR_PORTAL)
    tender = get_or_404(Tender, tender_id)
    member = evaluation.membership(db_session(), tender, current_user)
    if member is None:
        abort(403)
    return tender, member


def load_committee(tender_id: int) -> tuple[Tender, CommitteeMember, list[CommitteeMember]]:
    """``load_membership``, with the current members loaded in the same statements (for the
    pages of one bid, which need every member's declaration to know its evaluators)."""
    require(Permission.EVALUATOR_PORTAL)
    tender = get_or_404(Tender, tender_id)
    members = evaluation.scorers(db_session(), tender)
    member = next((m for m in members if m.user_id == current_user.id), None)
    if member is None:
        abort(403)
    return tender, member, members


def _refuse_blind(tender: Tender, bid: Bid | None, number: int, code: int) -> NoReturn:
    """Record a committee member's refused attempt on a blind number, then answer ``code``.

    The event has the same fields for every refusal; only the stored bid id differs (it
    is for the audit, and the Logboek is read by the inkopers, who know every code).
    """
    _record_refusal(
        object_id=bid.id if bid is not None else None,
        tender_id=tender.id,
        details={"route": request.endpoint, "methode": request.method, "inschrijving": number},
    )
    abort(code)


def load_blind_bid(tender: Tender, member: CommitteeMember, number: int) -> tuple[Bid, set[int]]:
    """The bid with this blind number, if the member may see it; refusals are audited.

    A bid the member may not see (a declared conflict, excluded after a failed
    requirement) answers exactly like a number that does not exist: 404, the same page,
    the same queries and the same audit event, so the answer does not tell which code
    belongs to whom. A member who has not signed the declaration is refused (403) for
    every number alike, before any bid is looked up.
    """
    session = db_session()
    declaration = member.declaration
    if declaration is None:
        _refuse_blind(tender, None, number, 403)
    # Loaded for every number alike, so a conflict costs no query of its own.
    declaration.conflicts  # noqa: B018
    bid = session.scalar(
        select(Bid)
        .where(Bid.tender_id == tender.id, Bid.blind_number == number)
        .options(joinedload(Bid.organisation))  # the blind pages redact its name
    )
    excluded = frozenset(evaluation.excluded_bid_ids(session, tender))
    context = CommitteeContext(member, bid, excluded) if bid is not None else None
    if context is None or not can(current_user, Permission.BID_EVALUATE, context, clock.now()):
        _refuse_blind(tender, bid, number, 404)
    _record_view(bid, clock.now())
    return bid, set(excluded)
