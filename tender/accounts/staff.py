"""Creating staff accounts so that nobody but the user knows a working password.

Through the web, a beheerder creates an account without a password and an
activation link goes to the user. On the command line the operator types a
one-time password that must be changed at the first login. Either way the role
inkoper waits for an existing inkoper's confirmation, except for the very first
inkoper, whom only the operator can make.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tender.accounts import roles, service
from tender.accounts.activation import ActivationLink, issue_activation
from tender.accounts.models import Role, RoleRequest, User


def invite_staff(
    session: Session, *, email: str, name: str, role: Role, actor: User, now: datetime
) -> ActivationLink:
    """A beheerder creates a staff account; the returned link is for the user's e-mail only."""
    if role == Role.PROVIDER:
        raise service.AccountError("Aanbieders registreren zichzelf.")
    confirmed_later = role in roles.CONFIRMED_ROLES
    user = service.create_user(
        session,
        email=email,
        name=name,
        role=None if confirmed_later else role,
        password=None,
        actor=actor,
        now=now,
    )
    if confirmed_later:
        roles.request_role(session, user=user, role=role, actor=actor, now=now)
    return issue_activation(session, user=user, actor=actor, now=now)


@dataclass(frozen=True)
class OperatorAccount:
    user: User
    pending: RoleRequest | None  # the role waiting for an inkoper's confirmation


def create_by_operator(
    session: Session, *, email: str, name: str, role: Role, password: str, now: datetime
) -> OperatorAccount:
    """``flask user create``: a one-time password; the first inkoper is made directly."""
    if role == Role.PROVIDER:
        raise service.AccountError("Aanbieders registreren zichzelf in de webapplicatie.")
    confirmed_later = role in roles.CONFIRMED_ROLES and roles.active_inkoper_exists(session)
    user = service.create_user(
        session,
        email=email,
        name=name,
        role=None if confirmed_later else role,
        password=password,
        actor=None,
        now=now,
        must_change_password=True,
    )
    pending = (
        roles.request_role(session, user=user, role=role, actor=None, now=now)
        if confirmed_later
        else None
    )
    return OperatorAccount(user=user, pending=pending)
