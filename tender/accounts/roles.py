"""Roles: who may give whom which role, and the four-eyes rule between inkopers.

A beheerder changes the role of other staff accounts, never its own. The role
inkoper is only asked for: the account keeps its current role (or none) and gets
no inkoper rights until an active inkoper other than the account itself and the
one who asked confirms it. Only the operator (the command line) makes the very
first inkoper directly. Two inkopers who act as each other's second pair of
eyes must be two persons of whom neither made the other inkoper.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tender.accounts import service
from tender.accounts.models import Role, RoleRequest, RoleRequestOutcome, User

# Roles that only take effect after an existing inkoper's confirmation.
CONFIRMED_ROLES = frozenset({Role.PROCUREMENT_OFFICER})


class RoleError(service.AccountError):
    pass


def _label(user: User | None) -> str:
    return user.email if user is not None else "systeem (opdrachtregel)"


def open_request(session: Session, user: User) -> RoleRequest | None:
    return session.scalar(
        select(RoleRequest).where(RoleRequest.user_id == user.id, RoleRequest.outcome.is_(None))
    )


def open_requests(session: Session) -> list[RoleRequest]:
    """Every request that waits for an inkoper, oldest first."""
    return list(
        session.scalars(
            select(RoleRequest)
            .where(RoleRequest.outcome.is_(None))
            .order_by(RoleRequest.requested_at, RoleRequest.id)
            .options(selectinload(RoleRequest.user), selectinload(RoleRequest.requested_by))
        )
    )


def active_inkoper_exists(session: Session) -> bool:
    return (
        session.scalar(
            select(User.id)
            .where(User.role == Role.PROCUREMENT_OFFICER, User.active.is_(True))
            .limit(1)
        )
        is not None
    )


def _close(
    session: Session,
    request: RoleRequest,
    *,
    outcome: RoleRequestOutcome,
    actor: Any,
    now: datetime,
    action: str,
) -> None:
    request.outcome = outcome
    request.decided_by_id = actor.id if actor is not None else None
    request.decided_at = now
    session.flush()
    service.record_account_event(
        session,
        user=request.user,
        action=action,
        actor=actor,
        now=now,
        rol=str(request.role),
        aangevraagd_door=_label(request.requested_by),
    )


def request_role(
    session: Session, *, user: User, role: Role, actor: Any, now: datetime
) -> RoleRequest | None:
    """Change a staff account's role, or, for inkoper, ask for it.

    Returns the new request when the role waits for confirmation, else None.
    ``actor`` None is the operator on the command line.
    """
    if actor is not None and actor.id == user.id:
        raise RoleError(
            "U kunt uw eigen rol niet wijzigen of aanvragen; dat doet een andere beheerder."
        )
    if user.organisation_id is not None or role == Role.PROVIDER:
        raise RoleError("Aanbieders hebben altijd de rol aanbieder; die wijzigt u hier niet.")
    pending = open_request(session, user)
    if role in CONFIRMED_ROLES:
        if user.role == role:
            raise RoleError(f"{user.name} is al {role}.")
        if pending is not None and pending.role == role:
            raise RoleError(f"De rol {role} van {user.name} wacht al op bevestiging.")
    elif user.role == role and pending is None:
        raise RoleError(f"{user.name} heeft de rol {user.role_label} al.")
    if pending is not None:
        _close(
            session,
            pending,
            outcome=RoleRequestOutcome.WITHDRAWN,
            actor=actor,
            now=now,
            action="role.withdrawn",
        )
    if role in CONFIRMED_ROLES:
        request = RoleRequest(
            user_id=user.id,
            role=role,
            requested_by_id=actor.id if actor is not None else None,
            requested_at=now,
        )
        session.add(request)
        session.flush()
        service.record_account_event(
            session, user=user, action="role.requested", actor=actor, now=now, rol=str(role)
        )
        return request
    if user.role != role:
        previous = user.role_label
        user.role = role
        user.end_sessions()
        session.flush()
        service.record_account_event(
            session,
            user=user,
            action="role.changed",
            actor=actor,
            now=now,
            van=previous,
            naar=user.role_label,
        )
    return None


def _decision_problem(request: RoleRequest, actor: User) -> str | None:
    if request.outcome is not None:
        return f"Dit verzoek is al afgehandeld ({request.outcome})."
    if actor.role != Role.PROCUREMENT_OFFICER or not actor.active:
        return "Alleen een actieve inkoper kan een rolverzoek afhandelen."
    if actor.id == request.user_id:
        return "U kunt niet over uw eigen rol beslissen; dat doet een andere inkoper."
    return None


def confirm_request(session: Session, *, request: RoleRequest, actor: User, now: datetime) -> None:
    """An existing inkoper, not the account itself nor its requester, confirms the role."""
    if (problem := _decision_problem(request, actor)) is not None:
        raise RoleError(problem)
    if request.requested_by_id == actor.id:
        raise RoleError("U hebt dit verzoek zelf gedaan; een andere inkoper moet het bevestigen.")
    if not request.user.active:
        raise RoleError(
            f"Het account van {request.user.name} is geblokkeerd; een rol bevestigen kan pas "
            "als de beheerder het weer activeert."
        )
    request.user.role = request.role
    request.user.end_sessions()
    _close(
        session,
        request,
        outcome=RoleRequestOutcome.CONFIRMED,
        actor=actor,
        now=now,
        action="role.confirmed",
    )


def reject_request(session: Session, *, request: RoleRequest, actor: User, now: datetime) -> None:
    if (problem := _decision_problem(request, actor)) is not None:
        raise RoleError(problem)
    _close(
        session,
        request,
        outcome=RoleRequestOutcome.REJECTED,
        actor=actor,
        now=now,
        action="role.rejected",
    )


def made_inkoper_by(session: Session, user_id: int) -> int | None:
    """Who confirmed the user's (current) inkoper role; None when the operator made it."""
    return session.scalar(
        select(RoleRequest.decided_by_id)
        .where(
            RoleRequest.user_id == user_id,
            RoleRequest.role == Role.PROCUREMENT_OFFICER,
            RoleRequest.outcome == RoleRequestOutcome.CONFIRMED,
        )
        .order_by(RoleRequest.decided_at.desc(), RoleRequest.id.desc())
        .limit(1)
    )


def four_eyes_problem(session: Session, *, first_id: int, second: User) -> str | None:
    """Why ``second`` may not be the second pair of eyes after ``first_id``, or None.

    The two must be different persons, and neither may have confirmed the
    other's inkoper role: otherwise one person made its own second officer.
    """
    if first_id == second.id:
        return "De tweede inkoper moet een ander persoon zijn dan de eerste (vier-ogenprincipe)."
    first = session.get(User, first_id)
    first_name = first.name if first is not None else "de eerste inkoper"
    if made_inkoper_by(session, second.id) == first_id:
        return (
            f"Uw rol als inkoper is bevestigd door {first_name}. Wie de ander inkoper heeft "
            "gemaakt, telt niet als tweede paar ogen: vraag een andere inkoper."
        )
    if made_inkoper_by(session, first_id) == second.id:
        return (
            f"U hebt de inkopersrol van {first_name} zelf bevestigd. Wie de ander inkoper heeft "
            "gemaakt, telt niet als tweede paar ogen: vraag een andere inkoper."
        )
    return None
