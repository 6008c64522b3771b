"""The single answer to "may this user do this to that object".

Who may act is decided here; whether the tender's state allows the act is the
lifecycle's business (``tender.tenders.lifecycle``), which explains refusals in
Dutch instead of answering 403.

Two layers, both asked through ``can``:
- ``ROLE_GRANTS``: which permissions a role has at all;
- ``OBJECT_RULES``: per-permission pure functions ``rule(user, obj, now)`` that
  decide for a specific object (ownership, state of the tender, committee
  membership).
Views, templates and tests all ask ``can``; nothing else decides access.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from tender.accounts.models import Organisation, Role, User
from tender.bids.models import Bid
from tender.evaluation import service as evaluation
from tender.evaluation.models import CommitteeMember
from tender.tenders.models import Tender, TenderState


class Permission(StrEnum):
    TENDER_LIST = "tender:list"
    TENDER_READ = "tender:read"
    TENDER_CREATE = "tender:create"
    TENDER_CONFIGURE = "tender:configure"
    TENDER_SCHEDULE = "tender:schedule"
    TENDER_PUBLISH = "tender:publish"
    TENDER_WITHDRAW = "tender:withdraw"
    AUDIT_READ = "audit:read"
    USER_MANAGE = "user:manage"
    PROVIDER_PORTAL = "provider:portal"
    EVALUATOR_PORTAL = "evaluator:portal"
    BID_START = "bid:start"
    BID_WRITE = "bid:write"
    # Submit and withdraw the organisation's bid: its beheerder, or members it allows.
    BID_SUBMIT = "bid:submit"
    # The organisation's own log of its bid: who of its members did what, when.
    BID_LOG_READ = "bid:log"
    BID_READ = "bid:read"
    BID_COUNT = "bid:count"
    QUESTION_ASK = "question:ask"
    QA_READ = "qa:read"
    QA_MANAGE = "qa:manage"
    OUTBOX_READ = "outbox:read"
    OPENING_MANAGE = "opening:manage"
    REQUIREMENT_CHECK = "requirement:check"
    COMMITTEE_MANAGE = "committee:manage"
    EVALUATION_PROGRESS = "evaluation:progress"
    EVALUATION_COMPLETE = "evaluation:complete"
    SCORES_EXPORT = "scores:export"
    # Held-back plan attachments: read the matches, release a redacted copy or withhold.
    ATTACHMENT_REVIEW = "attachment:review"
    BID_EVALUATE = "bid:evaluate"
    CONSENSUS_WRITE = "consensus:write"
    # The coverage page at all: the matrix as counts per municipality x target group.
    COVERAGE_READ = "coverage:read"
    # Who is behind the counts: providers by name, failure reasons (scores, ranks), networks.
    COVERAGE_DETAIL = "coverage:detail"
    GAP_DECIDE = "gap:decide"
    AWARD_MANAGE = "award:manage"
    AWARD_REPORT_READ = "award_report:read"
    AWARD_LETTER_READ = "award_letter:read"
    # The tender's OCDS release package (open data), from publication on.
    OCDS_READ = "ocds:read"
    # Confirm (or refuse) the inkoper role another account waits for.
    ROLE_CONFIRM = "role:confirm"
    # The events of staff accounts and roles: who made whom what, and when.
    ACCOUNT_LOG_READ = "account_log:read"
    # A provider organisation's page (members, rights, invitations, join requests)...
    ORGANISATION_READ = "organisation:read"
    # ... and managing it: its beheerder only.
    ORGANISATION_MANAGE = "organisation:manage"
    # The evaluation dossier: make and download the complete file and any bidder's inzage...
    DOSSIER_MANAGE = "dossier:manage"
    # ... and a provider's own inzage dossier, once its award letter was sent (every
    # member of the organisation may read it, as the letters).
    DOSSIER_OWN = "dossier:own"


ROLE_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.PROCUREMENT_OFFICER: frozenset(
        {
            Permission.TENDER_LIST,
            Permission.TENDER_READ,
            Permission.TENDER_CREATE,
            Permission.TENDER_CONFIGURE,
            Permission.TENDER_SCHEDULE,
            Permission.TENDER_PUBLISH,
            Permission.TENDER_WITHDRAW,
            Permission.AUDIT_READ,
            Permission.BID_READ,
            Permission.BID_COUNT,
            Permission.QA_READ,
            Permission.QA_MANAGE,
            Permission.OUTBOX_READ,
            Permission.OPENING_MANAGE,
            Permission.REQUIREMENT_CHECK,
            Permission.ATTACHMENT_REVIEW,
            Permission.COMMITTEE_MANAGE,
            Permission.EVALUATION_PROGRESS,
            Permission.EVALUATION_COMPLETE,
            Permission.SCORES_EXPORT,
            Permission.COVERAGE_READ,
            Permission.COVERAGE_DETAIL,
            Permission.GAP_DECIDE,
            Permission.AWARD_MANAGE,
            Permission.AWARD_REPORT_READ,
            Permission.OCDS_READ,
            Permission.ROLE_CONFIRM,
            Permission.ACCOUNT_LOG_READ,
            Permission.DOSSIER_MANAGE,
        }
    ),
    Role.ADVISORY_COUNCIL: frozenset(
        {
            Permission.TENDER_LIST,
            Permission.TENDER_READ,
            Permission.QA_READ,
            Permission.COVERAGE_READ,
            Permission.AWARD_REPORT_READ,
            Permission.OCDS_READ,
        }
    ),
    Role.PROVIDER: frozenset(
        {
            Permission.PROVIDER_PORTAL,
            Permission.TENDER_READ,
            Permission.BID_START,
            Permission.BID_WRITE,
            Permission.BID_SUBMIT,
            Permission.BID_LOG_READ,
            Permission.BID_READ,
            Permission.QUESTION_ASK,
            Permission.QA_READ,
            Permission.AWARD_LETTER_READ,
            Permission.ORGANISATION_READ,
            Permission.ORGANISATION_MANAGE,
            Permission.DOSSIER_OWN,
        }
    ),
    Role.EVALUATOR: frozenset(
        {
            Permission.EVALUATOR_PORTAL,
            Permission.BID_EVALUATE,
            Permission.CONSENSUS_WRITE,
            Permission.EVALUATION_PROGRESS,
        }
    ),
    Role.ADMINISTRATOR: frozenset({Permission.USER_MANAGE, Permission.ACCOUNT_LOG_READ}),
}

# The set-up of a tender is public from publication on (it is on TenderNed too);
# before that only the procurement officers work on it.
_PUBLIC_STATES = frozenset(TenderState) - {TenderState.CONCEPT}


def _tender_read(user: User, tender: Tender, now: datetime | None) -> bool:
    if user.role == Role.PROCUREMENT_OFFICER:
        return True
    return tender.state in _PUBLIC_STATES


# Bids are sealed until the tender is opened: before that, only the provider
# that wrote a bid can read it.
OPENED_STATES = frozenset(
    {
        TenderState.OPENED,
        TenderState.EVALUATED,
        TenderState.PROVISIONALLY_AWARDED,
        TenderState.AWARDED,
    }
)


def bids_sealed(tender: Tender) -> bool:
    """Until the two-person opening no one but the bidder learns who bid (DOMAIN 5.2)."""
    return tender.state not in OPENED_STATES


# The award decision is known outside the procurement team once the letters are
# released (state voorlopig gegund): the bidders learn it first, at the same moment as
# the award report is released. Before that the report is a CONCEPT.
ANNOUNCED_STATES = frozenset({TenderState.PROVISIONALLY_AWARDED, TenderState.AWARDED})


def _award_report_read(user: User, tender: Tender, now: datetime | None) -> bool:
    if user.role == Role.PROCUREMENT_OFFICER:
        return True
    return tender.state in ANNOUNCED_STATES


def open_data(tender: Tender) -> bool:
    """A tender is open data (OCDS) from its publication on; a concept is the officers'
    work in progress. The export names no bidder before the letters (``tender.ocds``)."""
    return tender.published_at is not None and tender.state != TenderState.CONCEPT


def _ocds_read(user: User, tender: Tender, now: datetime | None) -> bool:
    return open_data(tender)


def _own_bid(user: User, bid: Bid, now: datetime | None) -> bool:
    return user.role == Role.PROVIDER and bid.organisation_id == user.organisation_id


def _bid_submit(user: User, bid: Bid, now: datetime | None) -> bool:
    """Submitting and withdrawing bind the organisation: its beheerder decides who may."""
    return _own_bid(user, bid, now) and user.submits_for_organisation


def _organisation_member(user: User, organisation: Organisation, now: datetime | None) -> bool:
    return user.role == Role.PROVIDER and user.organisation_id == organisation.id


def _organisation_admin(user: User, organisation: Organisation, now: datetime | None) -> bool:
    return _organisation_member(user, organisation, now) and user.organisation_admin


def _bid_read(user: User, bid: Bid, now: datetime | None) -> bool:
    if user.role == Role.PROVIDER:
        return _own_bid(user, bid, now)
    if user.role == Role.PROCUREMENT_OFFICER:
        return bid.tender.state in OPENED_STATES
    return False


@dataclass(frozen=True)
class CommitteeContext:
    """What the committee rules need to know about one bid, loaded by the caller."""

    member: CommitteeMember | None
    bid: Bid
    excluded: frozenset[int]


def _evaluate(user: User, context: CommitteeContext, now: datetime | None) -> bool:
    member = context.member
    return (
        member is not None
        and member.user_id == user.id
        and evaluation.may_read_bid(member, context.bid, set(context.excluded))
    )


def _chair(user: User, context: CommitteeContext, now: datetime | None) -> bool:
    return _evaluate(user, context, now) and bool(context.member and context.member.is_chair)


@dataclass(frozen=True)
class MembershipContext:
    """The user's membership of one tender's committee (None: not a member)."""

    member: CommitteeMember | None


def _progress(user: User, context: MembershipContext, now: datetime | None) -> bool:
    """Officers see progress; of the committee only its chair."""
    if user.role == Role.PROCUREMENT_OFFICER:
        return True
    member = context.member
    return member is not None and member.user_id == user.id and member.is_chair


OBJECT_RULES: dict[Permission, Callable[[User, Any, datetime | None], bool]] = {
    Permission.BID_EVALUATE: _evaluate,
    Permission.CONSENSUS_WRITE: _chair,
    Permission.EVALUATION_PROGRESS: _progress,
    Permission.TENDER_READ: _tender_read,
    Permission.QA_READ: _tender_read,
    Permission.COVERAGE_READ: _tender_read,
    Permission.AWARD_REPORT_READ: _award_report_read,
    Permission.OCDS_READ: _ocds_read,
    Permission.QUESTION_ASK: _tender_read,
    Permission.BID_START: _tender_read,
    Permission.BID_WRITE: _own_bid,
    Permission.BID_SUBMIT: _bid_submit,
    Permission.BID_LOG_READ: _own_bid,
    Permission.ORGANISATION_READ: _organisation_member,
    Permission.ORGANISATION_MANAGE: _organisation_admin,
    Permission.BID_READ: _bid_read,
    Permission.DOSSIER_OWN: _own_bid,
}


def has_grant(user: Any, permission: Permission) -> bool:
    """Whether the user's role carries the permission at all."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role is None:  # a role waiting for confirmation grants nothing yet
        return False
    return permission in ROLE_GRANTS.get(Role(user.role), frozenset())


def can(user: Any, permission: Permission, obj: Any = None, now: datetime | None = None) -> bool:
    """May ``user`` exercise ``permission`` (on ``obj``, at ``now``)?"""
    if not has_grant(user, permission):
        return False
    rule = OBJECT_RULES.get(permission)
    if rule is None or obj is None:
        return True
    return rule(user, obj, now)
