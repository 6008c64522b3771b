"""The demo instance: a published tender, one account per role, demo providers.

Everything made here is labelled demo (``is_demo``; e-mail addresses under
``demo.example``; organisation names ending in "(demo)"). Running it again
reuses what exists and issues fresh passwords, so the printed credentials are
always the valid ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import PROJECT_ROOT, timefmt
from tender.accounts import service as accounts
from tender.accounts.models import Organisation, Role, User
from tender.criteria import load_criteria
from tender.errors import DomainError
from tender.tenders import service as tenders
from tender.tenders.models import Tender

DEFAULT_CRITERIA = PROJECT_ROOT / "criteria" / "lekstroom-2022.toml"
DEMO_DOMAIN = "demo.example"

STAFF = (
    (Role.PROCUREMENT_OFFICER, "inkoper", "Ingrid Inkoper (demo)"),
    (Role.PROCUREMENT_OFFICER, "inkoper2", "Ivo Inkoper (demo)"),
    (Role.EVALUATOR, "beoordelaar1", "Bram Beoordelaar (demo)"),
    (Role.EVALUATOR, "beoordelaar2", "Bea Beoordelaar (demo)"),
    (Role.EVALUATOR, "beoordelaar3", "Bart Beoordelaar (demo)"),
    (Role.ADVISORY_COUNCIL, "adviesraad", "Anna Adviesraad (demo)"),
    (Role.ADMINISTRATOR, "beheerder", "Bob Beheerder (demo)"),
)

PROVIDERS = (
    ("Zorg aan de Lek", "Houten", "Stationsplein 1", "3995 AA"),
    ("Begeleiding Plus", "IJsselstein", "Overtoom 12", "3401 BK"),
    ("Thuis in de Wijk", "Nieuwegein", "Stadsplein 5", "3431 LZ"),
    ("Het Groene Hart Begeleiding", "Lopik", "Raadhuisstraat 3", "3411 AK"),
    ("Vijfheerenlanden Zorgt", "Vianen", "Voorstraat 40", "4131 LW"),
    ("Samen Sterk Wmo", "Houten", "Onderdoor 20", "3995 DW"),
)


@dataclass
class DemoResult:
    tender: Tender
    credentials: list[tuple[str, str, str]] = field(default_factory=list)  # role, email, password


def _account(
    session: Session,
    *,
    role: Role,
    local_part: str,
    name: str,
    now: datetime,
    organisation: Organisation | None = None,
) -> tuple[User, str]:
    email = f"{local_part}@{DEMO_DOMAIN}"
    password = accounts.generate_password()
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = accounts.create_user(
            session,
            email=email,
            name=name,
            role=role,
            password=password,
            organisation=organisation,
            actor=None,
            now=now,
            is_demo=True,
        )
    else:
        accounts.set_password(session, user=user, password=password, actor=None, now=now)
    return user, password


def _provider(session: Session, number: int, now: datetime) -> tuple[User, str]:
    name, city, street, postcode = PROVIDERS[(number - 1) % len(PROVIDERS)]
    if number > len(PROVIDERS):
        name = f"{name} {number}"
    kvk = f"{99_000_000 + number:08d}"
    local_part = f"aanbieder{number}"
    email = f"{local_part}@{DEMO_DOMAIN}"
    organisation = session.scalar(select(Organisation).where(Organisation.kvk_number == kvk))
    if organisation is None:
        user = accounts.register_provider(
            session,
            organisation_fields={
                "name": f"{name} (demo)",
                "kvk_number": kvk,
                "street_address": street,
                "postcode": postcode,
                "city": city,
                "contact_person": f"Contactpersoon {number} (demo)",
                "email": email,
                "phone": f"030-{6000000 + number}",
                "website": f"https://aanbieder{number}.{DEMO_DOMAIN}",
            },
            email=email,
            name=f"Contactpersoon {number} (demo)",
            password=(password := accounts.generate_password()),
            now=now,
            is_demo=True,
        )
        return user, password
    return _account(
        session,
        role=Role.PROVIDER,
        local_part=local_part,
        name=f"Contactpersoon {number} (demo)",
        organisation=organisation,
        now=now,
    )


def _published_tender(session: Session, criteria_path: Path, now: datetime) -> Tender:
    spec = load_criteria(criteria_path)
    tender = session.scalar(select(Tender).where(Tender.reference == spec.tender.reference))
    if tender is not None:
        if not tender.is_demo:
            raise DomainError(
                f"Aanbesteding {tender.reference} bestaat al en is geen demo; "
                "de demo laat echte aanbestedingen ongemoeid."
            )
        return tender
    tender = tenders.create_tender(
        session,
        spec=spec,
        source_text=criteria_path.read_text(encoding="utf-8"),
        filename=criteria_path.name,
        actor=None,
        now=now,
        is_demo=True,
    )
    today = timefmt.to_local(now).date()
    tenders.set_schedule(
        session,
        tender=tender,
        question_deadline=timefmt.local_to_utc(today + timedelta(days=14), time(12, 0)),
        submission_deadline=timefmt.local_to_utc(today + timedelta(days=28), time(12, 0)),
        planned_opening=timefmt.local_to_utc(today + timedelta(days=28), time(14, 0)),
        tenderned_reference=f"DEMO-{today:%Y%m%d}",
        actor=None,
        now=now,
    )
    tenders.publish(session, tender=tender, actor=None, now=now)
    return tender


def build(session: Session, *, criteria_path: Path | None, bids: int, now: datetime) -> DemoResult:
    """Create (or refresh) the demo instance and return the credentials to print."""
    if bids:
        raise DomainError("Demo-inschrijvingen (--bids) komen beschikbaar met de inschrijfmodule.")
    tender = _published_tender(session, criteria_path or DEFAULT_CRITERIA, now)
    result = DemoResult(tender=tender)
    for role, local_part, name in STAFF:
        user, password = _account(session, role=role, local_part=local_part, name=name, now=now)
        result.credentials.append((user.role_label, user.email, password))
    for number in range(1, len(PROVIDERS) + 1):
        user, password = _provider(session, number, now)
        result.credentials.append((user.role_label, user.email, password))
    session.flush()
    return result


def describe(result: DemoResult) -> str:
    """The text the demo command prints."""
    lines = [
        f"Demo klaar: aanbesteding {result.tender.reference} ({result.tender.state}), "
        "alle gegevens zijn gemarkeerd als demo.",
        "",
        "Inloggegevens (wachtwoorden zijn bij elke demo-run nieuw):",
    ]
    width = max(len(email) for _, email, _ in result.credentials)
    lines += [
        f"  {role:<12} {email:<{width}}  {password}" for role, email, password in result.credentials
    ]
    return "\n".join(lines)
