"""Accounts: registration of providers, creation of staff accounts, authentication."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from tender import audit
from tender.accounts.models import Organisation, Role, User
from tender.errors import DomainError

MIN_PASSWORD_LENGTH = 12
# Werkzeug's default (scrypt). The test suite lowers the cost to keep thousands of
# test accounts fast; nothing else should change it.
PASSWORD_HASH_METHOD = "scrypt"
KVK_PATTERN = re.compile(r"^\d{8}$")
# A hash to compare against when the e-mail address is unknown, so that a login
# attempt takes the same time whether or not the account exists.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


class AccountError(DomainError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_kvk(kvk: str) -> str:
    """Strip spaces and dots people type in KvK numbers ('1234 5678')."""
    return re.sub(r"[\s.]", "", kvk)


def kvk_problem(kvk: str) -> str | None:
    """The Dutch problem with a KvK number, or None when it is well-formed."""
    if not KVK_PATTERN.match(normalise_kvk(kvk)):
        return "Een KvK-nummer bestaat uit precies 8 cijfers."
    return None


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Kies een wachtwoord van minstens {MIN_PASSWORD_LENGTH} tekens."
    return None


def email_taken(session: Session, email: str) -> bool:
    return (
        session.scalar(select(User.id).where(func.lower(User.email) == normalise_email(email)))
        is not None
    )


def kvk_taken(session: Session, kvk: str) -> bool:
    return (
        session.scalar(select(Organisation.id).where(Organisation.kvk_number == normalise_kvk(kvk)))
        is not None
    )


def unusable_password_hash() -> str:
    """The hash of a random password nobody knows: the account cannot log in yet."""
    return generate_password_hash(secrets.token_urlsafe(32), method=PASSWORD_HASH_METHOD)


def record_account_event(
    session: Session, *, user: User, action: str, actor: Any, now: datetime, **details: Any
) -> None:
    """One audit event about an account (shown on the page 'Accounts en rollen')."""
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="user",
        object_id=user.id,
        now=now,
        details=details,
    )


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role | None,
    password: str | None,
    actor: Any,
    now: datetime,
    organisation: Organisation | None = None,
    is_demo: bool = False,
    must_change_password: bool = False,
) -> User:
    """Create an account. Providers need an organisation, other roles must not have one.

    ``password`` None: nobody knows a working password yet (an activation link
    follows). ``role`` None: no role yet (a role request follows). Only the operator
    (``actor`` None: the command line, the demo) makes an inkoper directly; a person
    asks for the role and another inkoper confirms it (``tender.accounts.roles``).
    """
    if email_taken(session, email):
        raise AccountError(f"Er bestaat al een account met e-mailadres {normalise_email(email)}.")
    if password is not None and (problem := password_problem(password)) is not None:
        raise AccountError(problem)
    if (role == Role.PROVIDER) != (organisation is not None):
        raise AccountError("Alleen een aanbieder hoort bij een organisatie.")
    if role == Role.PROCUREMENT_OFFICER and actor is not None:
        raise AccountError(
            "De rol inkoper wordt pas toegekend als een andere inkoper die bevestigt."
        )
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        role=role,
        password_hash=(
            unusable_password_hash()
            if password is None
            else generate_password_hash(password, method=PASSWORD_HASH_METHOD)
        ),
        organisation=organisation,
        active=True,
        is_demo=is_demo,
        must_change_password=must_change_password,
        created_at=now,
    )
    session.add(user)
    session.flush()
    details: dict[str, Any] = {"email": user.email, "rol": str(role) if role else "geen"}
    if must_change_password:
        details["wachtwoord"] = "tijdelijk; wijzigen bij eerste keer inloggen"
    if role == Role.PROCUREMENT_OFFICER:
        details["bevestigd"] = "door de beheerder van de server (opdrachtregel)"
    record_account_event(session, user=user, action="user.create", actor=actor, now=now, **details)
    return user


def register_provider(
    session: Session,
    *,
    organisation_fields: dict[str, str],
    email: str,
    name: str,
    password: str,
    now: datetime,
    is_demo: bool = False,
) -> User:
    """A provider registers itself together with its organisation."""
    kvk = normalise_kvk(organisation_fields["kvk_number"])
    if (problem := kvk_problem(kvk)) is not None:
        raise AccountError(problem)
    if kvk_taken(session, kvk):
        raise AccountError(
            f"KvK-nummer {kvk} is al geregistreerd. Vraag een collega met een account "
            "of de beheerder om toegang."
        )
    organisation = Organisation(
        **{**organisation_fields, "kvk_number": kvk},
        is_demo=is_demo,
        created_at=now,
    )
    session.add(organisation)
    session.flush()
    user = create_user(
        session,
        email=email,
        name=name,
        role=Role.PROVIDER,
        password=password,
        organisation=organisation,
        actor=None,
        now=now,
        is_demo=is_demo,
    )
    audit.record(
        session,
        actor=user,
        action="organisation.register",
        object_type="organisation",
        object_id=organisation.id,
        now=now,
        details={"naam": organisation.name, "kvk": kvk},
    )
    return user


def authenticate(session: Session, *, email: str, password: str, now: datetime) -> User | None:
    """The active user with these credentials, or None."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = now
    return user


def set_password(session: Session, *, user: User, password: str, actor: Any, now: datetime) -> None:
    """Set a password. Chosen by the user itself, it ends a forced change."""
    if (problem := password_problem(password)) is not None:
        raise AccountError(problem)
    user.password_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)
    if actor is not None and actor.id == user.id:
        user.must_change_password = False
    session.flush()
    record_account_event(session, user=user, action="user.password", actor=actor, now=now)


def set_active(session: Session, *, user: User, active: bool, actor: Any, now: datetime) -> None:
    if actor is not None and user.id == actor.id and not active:
        raise AccountError("U kunt uw eigen account niet blokkeren.")
    user.active = active
    session.flush()
    record_account_event(
        session,
        user=user,
        action="user.activate" if active else "user.deactivate",
        actor=actor,
        now=now,
    )


def generate_password() -> str:
    """A random password that is easy to read out (no look-alike characters)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(3))


def staff_account_events(
    session: Session, *, page: int, per_page: int, user: User | None = None
) -> tuple[list[tuple[audit.AuditEvent, User]], int]:
    """Events about staff accounts (newest first, one page) and how many there are.

    Provider accounts are left out: before an opening, who registered could hint at
    who bid. ``user`` narrows the list to one account.
    """
    query = (
        select(audit.AuditEvent, User)
        .join(User, audit.AuditEvent.object_id == User.id)
        .where(audit.AuditEvent.object_type == "user", User.organisation_id.is_(None))
    )
    if user is not None:
        query = query.where(User.id == user.id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(audit.AuditEvent.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return [(event, account) for event, account in rows], total
