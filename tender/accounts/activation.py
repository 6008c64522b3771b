"""Activation links: a user chooses its own password, so no one else ever knows it.

A link is valid for 72 hours and works once. Only the SHA-256 of its token is
stored; the token travels in the e-mail to the user alone. Issuing a new link
(a reset) replaces every link of that account that is still open.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tender.accounts import service
from tender.accounts.models import AccountActivation, User
from tender.timefmt import format_datetime

VALIDITY = timedelta(hours=72)


class ActivationError(service.AccountError):
    pass


class UnknownLink(ActivationError):
    """No link has this token (as opposed to a link that was used or expired)."""


@dataclass(frozen=True)
class ActivationLink:
    """A freshly issued link: the token goes into the e-mail, nowhere else."""

    user: User
    token: str
    expires_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_activation(session: Session, *, user: User, actor: Any, now: datetime) -> ActivationLink:
    """A new link for ``user``; links still open are revoked."""
    session.execute(
        update(AccountActivation)
        .where(
            AccountActivation.user_id == user.id,
            AccountActivation.used_at.is_(None),
            AccountActivation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    token = secrets.token_urlsafe(32)
    expires_at = now + VALIDITY
    session.add(
        AccountActivation(
            user_id=user.id,
            token_hash=token_hash(token),
            created_at=now,
            created_by_id=actor.id if actor is not None else None,
            expires_at=expires_at,
        )
    )
    session.flush()
    service.record_account_event(
        session,
        user=user,
        action="user.activation_sent",
        actor=actor,
        now=now,
        geldig_tot=format_datetime(expires_at),
    )
    return ActivationLink(user=user, token=token, expires_at=expires_at)


def reset_account(session: Session, *, user: User, actor: Any, now: datetime) -> ActivationLink:
    """The password stops working; the user chooses a new one through a new link."""
    if user.organisation_id is not None:
        raise ActivationError("Accounts van aanbieders worden hier niet beheerd.")
    user.password_hash = service.unusable_password_hash()
    user.must_change_password = False
    user.end_sessions()
    session.flush()
    service.record_account_event(session, user=user, action="user.reset", actor=actor, now=now)
    return issue_activation(session, user=user, actor=actor, now=now)


def usable_activation(session: Session, *, token: str, now: datetime) -> AccountActivation:
    """The open activation for ``token``, or ActivationError saying in Dutch what is wrong."""
    activation = session.scalar(
        select(AccountActivation).where(AccountActivation.token_hash == token_hash(token))
    )
    if activation is None:
        raise UnknownLink(
            "Deze activeringslink is onbekend. Controleer of u de hele link uit de e-mail "
            "hebt gebruikt, of vraag de beheerder om een nieuwe link."
        )
    if activation.used_at is not None:
        raise ActivationError(
            "Deze activeringslink is al gebruikt en werkt maar één keer. Log in met het "
            "wachtwoord dat u toen hebt gekozen, of vraag de beheerder om een nieuwe link."
        )
    if activation.revoked_at is not None:
        raise ActivationError(
            "Deze activeringslink is vervangen door een nieuwere. Gebruik de link uit de "
            "laatste e-mail, of vraag de beheerder om een nieuwe link."
        )
    if now >= activation.expires_at:
        raise ActivationError(
            "Deze activeringslink is verlopen: hij was 72 uur geldig, tot "
            f"{format_datetime(activation.expires_at)}. Vraag de beheerder om een nieuwe link."
        )
    return activation


def activate(session: Session, *, token: str, password: str, now: datetime) -> User:
    """The user behind ``token`` chooses its password; the link is used up."""
    activation = usable_activation(session, token=token, now=now)
    user = activation.user
    service.check_password_policy(
        password, name=user.name, email=user.email, organisation=user.organisation
    )
    # Conditional, so that two requests with the same link cannot both use it.
    used = session.execute(
        update(AccountActivation)
        .where(AccountActivation.id == activation.id, AccountActivation.used_at.is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise ActivationError("Deze activeringslink is al gebruikt en werkt maar één keer.")
    service.set_password(session, user=user, password=password, actor=user, now=now)
    service.record_account_event(session, user=user, action="user.activated", actor=user, now=now)
    return user


def awaiting_activation(session: Session, *, now: datetime) -> set[int]:
    """Ids of the accounts with an open, unexpired activation link."""
    return set(
        session.scalars(
            select(AccountActivation.user_id).where(
                AccountActivation.used_at.is_(None),
                AccountActivation.revoked_at.is_(None),
                AccountActivation.expires_at > now,
            )
        )
    )


def activation_mail(link: ActivationLink, url: str) -> tuple[str, str]:
    """Subject and body of the e-mail that carries the link."""
    user = link.user
    subject = "Activeer uw account voor Aanbesteding Wmo"
    body = (
        f"Beste {user.name},\n\n"
        f"Voor u is een account klaargezet in Aanbesteding Wmo (rol: {user.role_label}). "
        "Kies via deze link zelf uw wachtwoord:\n\n"
        f"{url}\n\n"
        f"De link is 72 uur geldig, tot {format_datetime(link.expires_at)}, en werkt één keer. "
        "Niemand anders kent deze link; geef hem niet door. Is hij verlopen, vraag de "
        "beheerder dan om een nieuwe.\n\n"
        "Verwachtte u dit bericht niet? Dan kunt u het negeren.\n"
    )
    return subject, body
