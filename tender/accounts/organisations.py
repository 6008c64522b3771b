"""A provider organisation and its members: beheerder, invitations, join requests.

The first registrant of an organisation is its beheerder (of the organisation, not the
application's role). It invites colleagues by e-mail (an activation link: they choose
their own password), decides who besides itself may submit and withdraw the
organisation's bids, and accepts or refuses requests to join: a registration for a
KvK number that already has an organisation never makes an account by itself, so no
one bids under another company's number. An organisation always keeps at least one
active beheerder. Every change is audited; ``bid_events`` shows the organisation who
did what on its bid.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tender import audit
from tender.accounts import activation, service
from tender.accounts.models import (
    AccountActivation,
    JoinOutcome,
    JoinRequest,
    Organisation,
    Role,
    User,
)
from tender.bids.models import Bid
from tender.timefmt import format_datetime

# What the organisation's log of a bid calls each action (views of content and
# refused attempts are left out: they change nothing).
BID_ACTION_LABELS = {
    "bid.create": "Inschrijving begonnen",
    "bid.organisation": "Organisatiegegevens gewijzigd",
    "bid.lots": "Percelen gewijzigd",
    "bid.requirement": "Eis beantwoord",
    "bid.coverage": "Dekking gewijzigd",
    "bid.network": "Netwerkpartner toegevoegd",
    "bid.network_removed": "Netwerkpartner verwijderd",
    "bid.subcontractor": "Onderaannemer toegevoegd",
    "bid.subcontractor_removed": "Onderaannemer verwijderd",
    "bid.plan": "Plan opgeslagen",
    "bid.attachment": "Bijlage geüpload",
    "bid.submit": "Ingediend",
    "bid.withdraw": "Ingetrokken",
}


class OrganisationError(service.AccountError):
    pass


def _ensure_admin(actor: Any, organisation: Organisation) -> None:
    if not (
        actor is not None
        and actor.organisation_id == organisation.id
        and actor.organisation_admin
        and actor.active
    ):
        raise OrganisationError("Alleen de beheerder van de organisatie kan dit doen.")


def _record(
    session: Session,
    *,
    organisation: Organisation,
    action: str,
    actor: Any,
    now: datetime,
    **details: Any,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="organisation",
        object_id=organisation.id,
        now=now,
        details=details,
    )


def members(session: Session, organisation: Organisation) -> list[User]:
    """Everyone with an account in the organisation, beheerders first."""
    return list(
        session.scalars(
            select(User)
            .where(User.organisation_id == organisation.id)
            .order_by(User.organisation_admin.desc(), User.name, User.id)
        )
    )


def admin_count(session: Session, organisation: Organisation) -> int:
    return (
        session.scalar(
            select(func.count(User.id)).where(
                User.organisation_id == organisation.id,
                User.organisation_admin.is_(True),
                User.active.is_(True),
            )
        )
        or 0
    )


def open_join_requests(session: Session, organisation: Organisation) -> list[JoinRequest]:
    return list(
        session.scalars(
            select(JoinRequest)
            .where(JoinRequest.organisation_id == organisation.id, JoinRequest.outcome.is_(None))
            .order_by(JoinRequest.requested_at, JoinRequest.id)
        )
    )


def invite_member(
    session: Session,
    *,
    organisation: Organisation,
    email: str,
    name: str,
    may_submit: bool,
    actor: User,
    now: datetime,
) -> activation.ActivationLink:
    """A colleague's account, without a password: the activation link lets it choose one."""
    _ensure_admin(actor, organisation)
    member = service.create_user(
        session,
        email=email,
        name=name,
        role=Role.PROVIDER,
        password=None,
        organisation=organisation,
        actor=actor,
        now=now,
    )
    member.may_submit = may_submit
    session.flush()
    _record(
        session,
        organisation=organisation,
        action="organisation.member_invited",
        actor=actor,
        now=now,
        lid=member.email,
        rechten=member.member_role_label,
    )
    return activation.issue_activation(session, user=member, actor=actor, now=now)


def set_member_rights(
    session: Session,
    *,
    member: User,
    organisation_admin: bool,
    may_submit: bool,
    actor: User,
    now: datetime,
) -> None:
    """Make a member beheerder, allow it to submit and withdraw, or neither.

    The organisation keeps at least one active beheerder.
    """
    organisation = member.organisation
    if organisation is None:
        raise OrganisationError("Dit account hoort niet bij een organisatie.")
    _ensure_admin(actor, organisation)
    if (
        member.organisation_admin
        and not organisation_admin
        and admin_count(session, organisation) <= 1
    ):
        raise OrganisationError(
            "De organisatie heeft altijd minstens één beheerder. Maak eerst een ander lid "
            "beheerder."
        )
    if organisation_admin and not member.active:
        raise OrganisationError("Een geblokkeerd lid kan geen beheerder worden.")
    before = member.member_role_label
    member.organisation_admin = organisation_admin
    member.may_submit = may_submit and not organisation_admin
    session.flush()
    _record(
        session,
        organisation=organisation,
        action="organisation.member_rights",
        actor=actor,
        now=now,
        lid=member.email,
        was=before,
        wordt=member.member_role_label,
    )


def remove_member(session: Session, *, member: User, actor: User, now: datetime) -> None:
    """The member loses access (its account is blocked; its past work stays on record)."""
    organisation = member.organisation
    if organisation is None:
        raise OrganisationError("Dit account hoort niet bij een organisatie.")
    _ensure_admin(actor, organisation)
    if not member.active:
        raise OrganisationError(f"{member.name} heeft al geen toegang meer.")
    if member.organisation_admin and admin_count(session, organisation) <= 1:
        raise OrganisationError(
            "U bent de laatste beheerder van de organisatie en kunt uzelf niet verwijderen. "
            "Maak eerst een ander lid beheerder."
        )
    member.active = False
    member.organisation_admin = False
    member.may_submit = False
    member.end_sessions()
    session.execute(
        update(AccountActivation)
        .where(
            AccountActivation.user_id == member.id,
            AccountActivation.used_at.is_(None),
            AccountActivation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    session.flush()
    _record(
        session,
        organisation=organisation,
        action="organisation.member_removed",
        actor=actor,
        now=now,
        lid=member.email,
    )


def request_join(
    session: Session,
    *,
    organisation: Organisation,
    email: str,
    name: str,
    password_hash: str,
    now: datetime,
) -> JoinRequest:
    """A confirmed registration for a known KvK number waits for the beheerder.

    A second request from the same address replaces the open one.
    """
    address = service.normalise_email(email)
    for earlier in session.scalars(
        select(JoinRequest).where(
            JoinRequest.organisation_id == organisation.id,
            JoinRequest.email == address,
            JoinRequest.outcome.is_(None),
        )
    ):
        earlier.outcome = JoinOutcome.REFUSED
        earlier.decided_at = now
        earlier.password_hash = ""
    session.flush()
    join = JoinRequest(
        organisation_id=organisation.id,
        email=address,
        name=name.strip(),
        password_hash=password_hash,
        requested_at=now,
    )
    session.add(join)
    session.flush()
    audit.record(
        session,
        actor=None,
        actor_label=address,
        action="organisation.join_requested",
        object_type="organisation",
        object_id=organisation.id,
        now=now,
        details={"email": address, "naam": join.name},
    )
    return join


def _open(join: JoinRequest) -> None:
    if join.outcome is not None:
        raise OrganisationError(f"Over dit verzoek is al besloten ({join.outcome}).")


def accept_join(session: Session, *, join: JoinRequest, actor: User, now: datetime) -> User:
    """The registrant becomes a member (not beheerder, may not submit) with its password."""
    _ensure_admin(actor, join.organisation)
    _open(join)
    if service.email_taken(session, join.email):
        raise OrganisationError(
            f"Er bestaat al een account met e-mailadres {join.email}; weiger dit verzoek."
        )
    member = service.create_user(
        session,
        email=join.email,
        name=join.name,
        role=Role.PROVIDER,
        password=None,
        password_hash=join.password_hash,
        organisation=join.organisation,
        actor=actor,
        now=now,
    )
    join.outcome = JoinOutcome.ACCEPTED
    join.decided_at = now
    join.decided_by_id = actor.id
    join.user_id = member.id
    join.password_hash = ""
    session.flush()
    _record(
        session,
        organisation=join.organisation,
        action="organisation.join_accepted",
        actor=actor,
        now=now,
        lid=member.email,
    )
    return member


def refuse_join(session: Session, *, join: JoinRequest, actor: User, now: datetime) -> None:
    _ensure_admin(actor, join.organisation)
    _open(join)
    join.outcome = JoinOutcome.REFUSED
    join.decided_at = now
    join.decided_by_id = actor.id
    join.password_hash = ""
    session.flush()
    _record(
        session,
        organisation=join.organisation,
        action="organisation.join_refused",
        actor=actor,
        now=now,
        email=join.email,
    )


def bid_events(session: Session, bid: Bid) -> list[tuple[audit.AuditEvent, User]]:
    """Who of the organisation did what on its bid, oldest first.

    Only the organisation's own members' changes: not views, not refused attempts,
    nothing the municipality did.
    """
    rows = session.execute(
        select(audit.AuditEvent, User)
        .join(User, audit.AuditEvent.actor_id == User.id)
        .where(
            audit.AuditEvent.object_type == "bid",
            audit.AuditEvent.object_id == bid.id,
            audit.AuditEvent.action.in_(BID_ACTION_LABELS),
            User.organisation_id == bid.organisation_id,
        )
        .order_by(audit.AuditEvent.id)
    ).all()
    return [(event, user) for event, user in rows]


def invitation_mail(link: activation.ActivationLink, url: str, *, inviter: User) -> tuple[str, str]:
    """Subject and body of the e-mail that invites a colleague."""
    member = link.user
    organisation = member.organisation
    assert organisation is not None
    subject = f"Uitnodiging: werk mee aan inschrijvingen van {organisation.name}"
    body = (
        f"Beste {member.name},\n\n"
        f"{inviter.name} nodigt u uit om in Aanbesteding Wmo mee te werken aan de "
        f"inschrijvingen van {organisation.name} (KvK-nummer {organisation.kvk_number}). "
        "Kies via deze link zelf uw wachtwoord:\n\n"
        f"{url}\n\n"
        f"De link is 72 uur geldig, tot {format_datetime(link.expires_at)}, en werkt één keer. "
        "Geef hem niet door. Is hij verlopen, vraag dan de beheerder van uw organisatie om een "
        "nieuwe uitnodiging.\n\n"
        "Verwachtte u dit bericht niet? Dan kunt u het negeren.\n"
    )
    return subject, body
