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
from tender.accounts import passwords
from tender.accounts.models import Organisation, Role, User
from tender.errors import DomainError

# Werkzeug's default (scrypt). The test suite lowers the cost to keep thousands of
# test accounts fast; nothing else should change it.
PASSWORD_HASH_METHOD = "scrypt"
KVK_PATTERN = re.compile(r"^\d{8}$")
# A hash to compare against when the e-mail address is unknown, so that a login
# attempt takes the same time whether or not the account exists.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


class AccountError(DomainError):
    pass


class PasswordRefused(AccountError):
    """The password policy refuses the chosen password (the form shows it at that field)."""


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


def check_password_policy(
    password: str, *, name: str, email: str, organisation: Organisation | str | None
) -> None:
    """Raise PasswordRefused when the policy (``tender.accounts.passwords``) refuses it."""
    organisation_name = (
        organisation.name if isinstance(organisation, Organisation) else organisation or ""
    )
    personal = passwords.personal_tokens(name=name, email=email, organisation=organisation_name)
    if (problem := passwords.password_problem(password, personal=personal)) is not None:
        raise PasswordRefused(problem)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_HASH_METHOD)


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
    password_hash: str | None = None,
) -> User:
    """Create an account. Providers need an organisation, other roles must not have one.

    ``password`` None: nobody knows a working password yet (an activation link
    follows). ``role`` None: no role yet (a role request follows). Only the operator
    (``actor`` None: the command line, the demo) makes an inkoper directly; a person
    asks for the role and another inkoper confirms it (``tender.accounts.roles``).
    ``password_hash``: a password checked and hashed earlier (a confirmed registration).
    """
    if email_taken(session, email):
        raise AccountError(f"Er bestaat al een account met e-mailadres {normalise_email(email)}.")
    if password is not None:
        check_password_policy(password, name=name, email=email, organisation=organisation)
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
            password_hash
            if password_hash is not None
            else unusable_password_hash()
            if password is None
            else hash_password(password)
        ),
        organisation=organisation,
        active=True,
        is_demo=is_demo,
        must_change_password=must_change_password,
        session_version=1,
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
    password: str | None,
    now: datetime,
    is_demo: bool = False,
    password_hash: str | None = None,
) -> User:
    """A provider's account together with its organisation (see ``registration`` for the
    web's route there: a confirmed e-mail address first)."""
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
        password_hash=password_hash,
    )
    # The first registrant of an organisation is its beheerder.
    user.organisation_admin = True
    session.flush()
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


# The longest attempted e-mail address an audit event keeps.
_MAX_AUDITED_EMAIL = 254


def authenticate(
    session: Session, *, email: str, password: str, address: str, now: datetime
) -> User | None:
    """The active user with these credentials, or None.

    Every attempt is audited, successful or not, with the address it came from; a
    failure also with the e-mail address tried and why. The password never is.
    """
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        reason = "onbekend e-mailadres"
    elif not check_password_hash(user.password_hash, password):
        reason = "wachtwoord onjuist"
    elif not user.active:
        reason = "account geblokkeerd"
    else:
        user.last_login_at = now
        record_account_event(
            session, user=user, action="login.success", actor=user, now=now, adres=address
        )
        return user
    audit.record(
        session,
        actor=None,
        actor_label=f"inlogpoging vanaf {address}"[:_MAX_AUDITED_EMAIL],
        action="login.failed",
        object_type="user" if user is not None else "login",
        object_id=user.id if user is not None else None,
        now=now,
        details={"email": email.strip()[:_MAX_AUDITED_EMAIL], "adres": address, "reden": reason},
    )
    return None


def set_password(session: Session, *, user: User, password: str, actor: Any, now: datetime) -> None:
    """Set a password, ending every session of the account. Chosen by the user itself, it
    ends a forced change (the view logs the current session in again)."""
    check_password_policy(
        password, name=user.name, email=user.email, organisation=user.organisation
    )
    user.password_hash = hash_password(password)
    if actor is not None and actor.id == user.id:
        user.must_change_password = False
    user.end_sessions()
    session.flush()
    record_account_event(session, user=user, action="user.password", actor=actor, now=now)


def end_all_sessions(session: Session, *, user: User, now: datetime) -> None:
    """End every session of the account, this one included ("Overal uitloggen")."""
    user.end_sessions()
    session.flush()
    record_account_event(session, user=user, action="user.sessions_ended", actor=user, now=now)


def set_active(session: Session, *, user: User, active: bool, actor: Any, now: datetime) -> None:
    """Block or unblock an account; either way its sessions end."""
    if actor is not None and user.id == actor.id and not active:
        raise AccountError("U kunt uw eigen account niet blokkeren.")
    user.active = active
    user.end_sessions()
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
