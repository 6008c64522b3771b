"""A provider's registration, which does not reveal which e-mail addresses have an account.

The registration form gives the same answer whether or not the address is known:
"check your e-mail". A new address gets a link (72 hours, once) that confirms it;
only then are the organisation and the account made, so an unconfirmed address
never logs in and never holds a KvK number. A known address gets a message that
someone tried to register with it. Both branches hash the password, write one audit
event and send one e-mail, so they also take about the same time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tender import audit
from tender.accounts import organisations, service
from tender.accounts.activation import VALIDITY, token_hash
from tender.accounts.kvk import KvkVerifier, verify_organisation
from tender.accounts.models import JoinRequest, Organisation, PendingRegistration, User
from tender.timefmt import format_datetime


class RegistrationLinkError(service.AccountError):
    """The confirmation link cannot be used; the message says why, in Dutch."""


class UnknownRegistrationLink(RegistrationLinkError):
    pass


@dataclass(frozen=True)
class RegistrationMail:
    """Who gets which e-mail: ``token`` for a new address, None for a known one.

    ``name`` is the existing account's own name (None for a new address): the mail
    repeats nothing else the registrant typed but the checked KvK number, so the form
    cannot be used to send someone else a text of one's choosing.
    """

    email: str
    name: str | None
    kvk_number: str
    token: str | None
    expires_at: datetime


def request_registration(
    session: Session,
    *,
    organisation_fields: dict[str, str],
    email: str,
    name: str,
    password: str,
    now: datetime,
) -> RegistrationMail:
    """Check the form's data and decide which e-mail goes to ``email``.

    Raises AccountError (a taken KvK number, a refused password) before anything
    depends on whether the address has an account.
    """
    kvk = service.normalise_kvk(organisation_fields["kvk_number"])
    if (problem := service.kvk_problem(kvk)) is not None:
        raise service.AccountError(problem)
    # A known KvK number is not refused here: the answer would tell anyone which
    # numbers are registered. Once the address is confirmed it becomes a request to
    # join, which the organisation's beheerder decides (``confirm_registration``).
    service.check_password_policy(
        password, name=name, email=email, organisation=organisation_fields["name"]
    )
    address = service.normalise_email(email)
    password_hash = service.hash_password(password)
    # Expired registrations (with their password hashes) are not kept.
    session.execute(delete(PendingRegistration).where(PendingRegistration.expires_at <= now))
    expires_at = now + VALIDITY
    existing = session.scalar(select(User).where(User.email == address))
    if existing is not None:
        service.record_account_event(
            session, user=existing, action="user.register_existing", actor=None, now=now
        )
        return RegistrationMail(
            email=existing.email,
            name=existing.name,
            kvk_number=kvk,
            token=None,
            expires_at=expires_at,
        )
    token = secrets.token_urlsafe(32)
    pending = PendingRegistration(
        token_hash=token_hash(token),
        email=address,
        name=name.strip(),
        password_hash=password_hash,
        organisation_fields={**organisation_fields, "kvk_number": kvk},
        created_at=now,
        expires_at=expires_at,
    )
    session.add(pending)
    session.flush()
    audit.record(
        session,
        actor=None,
        actor_label=address,
        action="registration.requested",
        object_type="registration",
        object_id=pending.id,
        now=now,
        details={"email": address, "naam": organisation_fields["name"], "kvk": kvk},
    )
    return RegistrationMail(
        email=address, name=None, kvk_number=kvk, token=token, expires_at=expires_at
    )


def usable_registration(session: Session, *, token: str, now: datetime) -> PendingRegistration:
    """The registration waiting for ``token``, or RegistrationLinkError saying what is wrong."""
    pending = session.scalar(
        select(PendingRegistration).where(PendingRegistration.token_hash == token_hash(token))
    )
    if pending is None:
        raise UnknownRegistrationLink(
            "Deze bevestigingslink is onbekend of verlopen. Controleer of u de hele link uit de "
            "e-mail hebt gebruikt, of registreer opnieuw voor een nieuwe link."
        )
    if pending.confirmed_at is not None:
        raise RegistrationLinkError(
            "Deze registratie is al bevestigd. Log in met uw e-mailadres en wachtwoord."
        )
    if now >= pending.expires_at:
        raise RegistrationLinkError(
            "Deze bevestigingslink is verlopen: hij was 72 uur geldig, tot "
            f"{format_datetime(pending.expires_at)}. Registreer opnieuw voor een nieuwe link."
        )
    return pending


@dataclass(frozen=True)
class ConfirmedRegistration:
    """A confirmed registration made an organisation with its first account (``user``),
    or, for a KvK number that already has one, a request to join it (``join``)."""

    user: User | None
    join: JoinRequest | None


def confirm_registration(
    session: Session, *, token: str, now: datetime, verifier: KvkVerifier | None = None
) -> ConfirmedRegistration:
    """The address is confirmed: the organisation and its beheerder's account are made,
    its KvK number checked by ``verifier``; or, when the KvK number is known, a request
    to join that organisation waits for its beheerder."""
    pending = usable_registration(session, token=token, now=now)
    password_hash = pending.password_hash
    # Conditional, so that two requests with the same link cannot both use it.
    used = session.execute(
        update(PendingRegistration)
        .where(PendingRegistration.id == pending.id, PendingRegistration.confirmed_at.is_(None))
        .values(confirmed_at=now, password_hash="")
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise RegistrationLinkError("Deze registratie is al bevestigd.")
    if service.email_taken(session, pending.email):
        raise RegistrationLinkError(
            f"Er bestaat al een account met e-mailadres {pending.email}. Log in met dat account."
        )
    fields = dict(pending.organisation_fields)
    existing = session.scalar(
        select(Organisation).where(
            Organisation.kvk_number == service.normalise_kvk(fields["kvk_number"])
        )
    )
    if existing is not None:
        join = organisations.request_join(
            session,
            organisation=existing,
            email=pending.email,
            name=pending.name,
            password_hash=password_hash,
            now=now,
        )
        return ConfirmedRegistration(user=None, join=join)
    user = service.register_provider(
        session,
        organisation_fields=fields,
        email=pending.email,
        name=pending.name,
        password=None,
        password_hash=password_hash,
        now=now,
    )
    # Other registrations of the same address can no longer be confirmed.
    session.execute(
        delete(PendingRegistration).where(
            PendingRegistration.email == pending.email, PendingRegistration.id != pending.id
        )
    )
    service.record_account_event(
        session, user=user, action="user.email_confirmed", actor=user, now=now
    )
    assert user.organisation is not None
    verify_organisation(session, organisation=user.organisation, verifier=verifier, now=now)
    return ConfirmedRegistration(user=user, join=None)


def registration_mail(
    mail: RegistrationMail, *, confirm_url: str, login_url: str
) -> tuple[str, str]:
    """Subject and body of the one e-mail a registration sends."""
    if mail.token is None:
        return (
            "Registratie met uw e-mailadres bij Aanbesteding Wmo",
            f"Beste {mail.name},\n\n"
            "Iemand heeft geprobeerd een organisatie (KvK-nummer "
            f"{mail.kvk_number}) te registreren in Aanbesteding Wmo met dit e-mailadres "
            f"({mail.email}). Er bestaat al een account met dit e-mailadres, dus er is niets "
            "veranderd en er is geen nieuw account gemaakt.\n\n"
            f"Was u dat zelf? Log dan in met uw bestaande account:\n\n{login_url}\n\n"
            "Weet u uw wachtwoord niet meer, neem dan contact op met de gemeente.\n\n"
            "Was u het niet? Dan hoeft u niets te doen; uw account en wachtwoord blijven "
            "zoals ze waren.\n",
        )
    return (
        "Bevestig uw registratie bij Aanbesteding Wmo",
        "Beste heer of mevrouw,\n\n"
        f"Met dit e-mailadres ({mail.email}) is in Aanbesteding Wmo een organisatie "
        f"geregistreerd (KvK-nummer {mail.kvk_number}). Bevestig via deze link dat dit "
        "e-mailadres van u is; u ziet dan de gegevens van de registratie. Daarna logt u in met "
        "het wachtwoord dat u bij de registratie hebt gekozen:\n\n"
        f"{confirm_url}\n\n"
        f"De link is 72 uur geldig, tot {format_datetime(mail.expires_at)}, en werkt één keer.\n\n"
        "Hebt u zich niet geregistreerd? Dan kunt u dit bericht negeren; zonder bevestiging "
        "wordt er geen account gemaakt.\n",
    )
