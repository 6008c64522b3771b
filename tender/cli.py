"""Flask commands, each a thin wrapper around domain functions."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tender import audit, clock, jobqueue, migrate
from tender.accounts import staff
from tender.accounts.models import Role
from tender.criteria import CriteriaError, load_criteria
from tender.db import db_session
from tender.errors import DomainError
from tender.tenders import service as tenders
from tender.tenders.models import Tender
from tender.timefmt import count_of, format_number

db_cli = AppGroup("db", help="Database: schema aanmaken en bijwerken.")
criteria_cli = AppGroup("criteria", help="Criteriabestanden controleren.")
tender_cli = AppGroup("tender", help="Aanbestedingen aanmaken.")
user_cli = AppGroup("user", help="Accounts beheren.")
audit_cli = AppGroup("audit", help="Het logboek controleren.")


def needs_schema(command: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse, in Dutch and without a traceback, to run ``command`` on a database that
    is empty or not migrated to the newest schema."""

    @functools.wraps(command)
    def checked(*args: Any, **kwargs: Any) -> Any:
        problem = migrate.schema_problem(current_app.config["DATABASE_URL"])
        if problem is not None:
            click.echo(problem, err=True)
            sys.exit(1)
        return command(*args, **kwargs)

    return checked


def out_option(help_text: str, *, folder: bool) -> Callable[..., Any]:
    """The required ``--out`` option: a folder, or a file that is not a folder."""
    return click.option(
        "--out",
        "out",
        required=True,
        type=click.Path(file_okay=not folder, dir_okay=folder, path_type=Path),
        help=help_text,
    )


def _tender_or_exit(session: Session, reference: str) -> Tender:
    """The tender with ``reference``, or a Dutch message and exit code 1."""
    tender = session.scalar(select(Tender).where(Tender.reference == reference))
    if tender is None:
        click.echo(f"Onbekende aanbesteding: {reference}.", err=True)
        sys.exit(1)
    return tender


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Create or update the schema to the newest migration."""
    migrate.upgrade(current_app.config["DATABASE_URL"])
    click.echo("Database bijgewerkt.")


@criteria_cli.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def criteria_check(file: Path) -> None:
    """Validate a criteria file; exit 1 with the errors."""
    try:
        spec = load_criteria(file)
    except CriteriaError as error:
        click.echo(f"{file}: {count_of(len(error.errors), 'fout', 'fouten')}:", err=True)
        for message in error.numbered():
            click.echo(f"  - {message}", err=True)
        sys.exit(1)
    click.echo(
        f"{file}: in orde ({spec.tender.reference}: "
        f"{count_of(len(spec.lots), 'perceel', 'percelen')}, "
        f"{count_of(len(spec.criteria), 'gunningscriterium', 'gunningscriteria')}, "
        f"{count_of(len(spec.requirements), 'eis', 'eisen')})."
    )
    if spec.contract.clauses is not None:
        click.echo(
            f"Clausules raamovereenkomst: {spec.contract.clauses.source} "
            f"({spec.contract.clauses.template.name})."
        )


@tender_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@needs_schema
def tender_import(file: Path) -> None:
    """Create a tender in state concept from a criteria file; print its reference."""
    try:
        spec = load_criteria(file)
        session = db_session()
        tender = tenders.create_tender(
            session,
            spec=spec,
            source_text=file.read_text(encoding="utf-8"),
            filename=file.name,
            actor=None,
            now=clock.now(),
        )
    except CriteriaError as error:
        for message in error.numbered():
            click.echo(f"  - {message}", err=True)
        sys.exit(1)
    except DomainError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    session.commit()
    click.echo(tender.reference)


@tender_cli.command("verify")
@click.argument("reference")
@needs_schema
def tender_verify(reference: str) -> None:
    """Hash every received bid and file again and compare with the receipts, and every
    stored file of the tender (uploads, committee copies, documents) with its recorded
    SHA-256; name each difference and exit 1 on any, which is also recorded in the audit
    trail."""
    from tender import storage_check
    from tender.bids import uploads, verification
    from tender.documents.service import documents_dir

    session = db_session()
    tender = _tender_or_exit(session, reference)
    check = verification.verify_received(
        session,
        tender=tender,
        uploads_dir=uploads.uploads_dir(current_app.instance_path),
        actor=None,
        now=clock.now(),
    )
    stored = storage_check.verify_stored(
        session,
        tender=tender,
        uploads_dir=uploads.uploads_dir(current_app.instance_path),
        documents_dir=documents_dir(current_app.instance_path),
        actor=None,
        now=clock.now(),
    )
    session.commit()
    if not check.ok:
        click.echo(
            f"{reference}: {count_of(len(check.problems), 'afwijking', 'afwijkingen')} "
            "van de ontvangstbewijzen "
            "(vastgelegd in het logboek):",
            err=True,
        )
        for problem in check.problems:
            click.echo(f"  - {problem}", err=True)
    if not stored.ok:
        click.echo(
            f"{reference}: {format_number(len(stored.problems))} van "
            f"{count_of(stored.files, 'opgeslagen bestand', 'opgeslagen bestanden')} "
            f"{'ontbreekt of is' if len(stored.problems) == 1 else 'ontbreken of zijn'} "
            "gewijzigd (vastgelegd in het logboek):",
            err=True,
        )
        for problem in stored.problems:
            click.echo(f"  - {problem}", err=True)
    if not (check.ok and stored.ok):
        sys.exit(1)
    click.echo(
        f"{reference}: in orde, {check.summary()}; alle {stored.files} opgeslagen bestanden "
        "hebben hun vastgelegde SHA-256."
    )


@tender_cli.command("ocds")
@click.argument("reference")
@out_option("Bestand waarin het OCDS-releasepakket (JSON) wordt geschreven.", folder=False)
@needs_schema
def tender_ocds(reference: str, out: Path) -> None:
    """Write the tender's OCDS 1.1 release package (open data) to a JSON file."""
    from tender import ocds
    from tender.permissions import open_data

    session = db_session()
    tender = _tender_or_exit(session, reference)
    if not open_data(tender):
        click.echo(
            f"Aanbesteding {reference} is nog niet gepubliceerd: er zijn nog geen open data.",
            err=True,
        )
        sys.exit(1)
    prefix = current_app.config["OCDS_PREFIX"]
    package = ocds.release_package(session, tender, published=clock.now(), prefix=prefix)
    out.write_bytes(ocds.package_json(package))
    releases = len(package["releases"])
    click.echo(
        f"{count_of(releases, 'release', 'releases')} van {reference} geschreven naar {out} "
        f"(ocid {prefix}-{reference})."
    )


@tender_cli.command("dossier")
@click.argument("reference")
@out_option("Map waarin het dossier (ZIP) wordt geschreven.", folder=True)
@click.option(
    "--bidder", "kvk", default=None, help="KvK-nummer: het inzagedossier van die inschrijver."
)
@needs_schema
def tender_dossier(reference: str, out: Path, kvk: str | None) -> None:
    """Write the evaluation dossier of a tender as one ZIP: the complete file, or with
    --bidder the inzage dossier of that bidder. The same state gives the same bytes."""
    from tender.accounts.models import Organisation
    from tender.bids.models import Bid
    from tender.documents.service import documents_dir
    from tender.dossier import build

    session = db_session()
    tender = _tender_or_exit(session, reference)
    bid = None
    if kvk is not None:
        bid = session.scalar(
            select(Bid)
            .join(Organisation, Organisation.id == Bid.organisation_id)
            .where(Bid.tender_id == tender.id, Organisation.kvk_number == kvk.strip())
        )
        if bid is None:
            click.echo(
                f"Aanbesteding {reference} heeft geen inschrijving van een organisatie met "
                f"KvK-nummer {kvk}.",
                err=True,
            )
            sys.exit(1)
    try:
        dossier = build.make(
            session,
            tender=tender,
            bid=bid,
            storage_dir=documents_dir(current_app.instance_path),
            actor=None,
            now=clock.now(),
        )
    except DomainError as error:
        session.rollback()
        click.echo(str(error), err=True)
        sys.exit(1)
    content = build.read(dossier, storage_dir=documents_dir(current_app.instance_path))
    session.commit()
    out.mkdir(parents=True, exist_ok=True)
    path = out / dossier.filename
    path.write_bytes(content)
    click.echo(f"{path}")
    click.echo(f"SHA-256: {dossier.sha256}")
    if dossier.interim:
        click.echo("Tussentijds dossier: er is nog geen gunningsbeslissing.")


@user_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice([r.value for r in Role if r != Role.PROVIDER]),
    help="Aanbieders registreren zichzelf in de webapplicatie.",
)
@click.password_option(
    "--password",
    help="Tijdelijk wachtwoord, minstens 12 tekens; wordt gevraagd als het ontbreekt. "
    "De gebruiker moet het bij de eerste keer inloggen wijzigen.",
)
@needs_schema
def user_create(email: str, name: str, role: str, password: str) -> None:
    """Create a staff account with a one-time password (changed at the first login).

    The first inkoper is made here; any later inkoper waits for an inkoper's confirmation.
    """
    session = db_session()
    try:
        created = staff.create_by_operator(
            session, email=email, name=name, role=Role(role), password=password, now=clock.now()
        )
    except DomainError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    session.commit()
    user = created.user
    click.echo(
        f"Account {user.email} ({user.role_label}) aangemaakt. Het wachtwoord is tijdelijk: "
        "bij de eerste keer inloggen kiest de gebruiker een eigen wachtwoord."
    )
    if created.pending is not None:
        click.echo(
            f"De rol {created.pending.role} wacht op bevestiging door een inkoper "
            "(pagina Accounts en rollen)."
        )


@audit_cli.command("verify")
@needs_schema
def audit_verify() -> None:
    """Check the hash chain and every document's record of its head; exit 1 on a fault."""
    from tender.documents import service as documents

    session = db_session()
    broken = audit.verify(session)
    anchors = documents.audit_anchors(session)
    missing = audit.missing_anchors(session, anchors)
    if broken is not None:
        click.echo(
            f"Logboek beschadigd bij gebeurtenis {broken.event_id}: {broken.reason}.", err=True
        )
    for problem in missing:
        click.echo(
            f"Logboek ingekort: {problem.record.label} legde het logboek vast t/m gebeurtenis "
            f"{problem.record.anchor.event_id} (hash {problem.record.anchor.hash}), maar "
            f"{problem.reason}.",
            err=True,
        )
    if broken is not None or missing:
        sys.exit(1)
    count = session.scalar(select(func.count(audit.AuditEvent.id)))
    click.echo(
        f"Logboek in orde: {count_of(count or 0, 'gebeurtenis', 'gebeurtenissen')}, keten "
        f"ongebroken; {count_of(len(anchors), 'document verwijst', 'documenten verwijzen')} "
        "naar gebeurtenissen die er ongewijzigd zijn."
    )


@click.command("demo")
@with_appcontext
@click.option(
    "--criteria",
    "criteria_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Criteriabestand (standaard criteria/lekstroom-2022.toml).",
)
@click.option("--bids", default=0, show_default=True, help="Aantal demo-inschrijvingen.")
@click.option(
    "--phase",
    type=click.Choice(["published", "submitted", "opened", "scored", "advice", "sent"]),
    default=None,
    help="Hoe ver de demo gaat: gepubliceerd, ingeschreven, geopend, beoordeeld, "
    "gunningsadvies (wacht op goedkeuring) of verzonden (brieven verstuurd).",
)
def demo_command(criteria_file: Path | None, bids: int, phase: str | None) -> None:
    """Build a ready-to-use demo instance (everything labelled demo)."""
    from tender import demo

    migrate.upgrade(current_app.config["DATABASE_URL"])
    session = db_session()
    try:
        result = demo.build(
            session,
            criteria_path=criteria_file,
            bids=bids,
            now=clock.now(),
            instance_path=current_app.instance_path,
            phase=phase,
            mail_config=current_app.config,
        )
    except (CriteriaError, DomainError) as error:
        session.rollback()
        click.echo(f"Demo kon niet worden opgebouwd: {error}", err=True)
        sys.exit(1)
    session.commit()
    click.echo(demo.describe(result))


@click.command("coverage")
@with_appcontext
@click.argument("reference")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Leesbare tabel of JSON.",
)
@needs_schema
def coverage_command(reference: str, output_format: str) -> None:
    """Print the coverage check (dekkend aanbod) of an opened tender."""
    import json

    from tender import coverage
    from tender.award import coverage_data

    try:
        checked = coverage_data.coverage_for_reference(db_session(), reference)
    except DomainError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    if output_format == "json":
        document = coverage.to_json_dict(checked.report, reference)
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        click.echo(coverage.to_text(checked.report, reference))


@click.command("documents")
@with_appcontext
@click.argument("reference")
@out_option("Map waarin de documenten worden geschreven.", folder=True)
@needs_schema
def documents_command(reference: str, out: Path) -> None:
    """Write every award letter, the award report and the contracts to a folder.

    The documents of the decision in force (sent) are written as they were frozen;
    before that, every document is a draft: "concept-" in its name and a CONCEPT
    watermark on every page.
    """
    import time

    from tender.award import documents as award_documents
    from tender.award import service as award
    from tender.award import versions
    from tender.award.outcome import tender_outcome
    from tender.documents.pdf import audit_footer
    from tender.timefmt import to_local

    session = db_session()
    tender = _tender_or_exit(session, reference)
    decision = versions.open_decision(session, tender)
    now = clock.now()
    if decision is not None:
        snapshot = award_documents.documented(session, decision)
        sent_at = decision.letters_sent_at or now
    elif tender.state in award.DECIDABLE_STATES:
        snapshot = award.build_snapshot(session, tender_outcome(session, tender), now=now)
        sent_at = now
    else:
        click.echo(
            f"Aanbesteding {reference} heeft status '{tender.state}': er zijn nog geen "
            "gunningsdocumenten te maken.",
            err=True,
        )
        sys.exit(1)
    concept = decision is None or decision.letters_sent_at is None
    if concept:
        click.echo(
            "CONCEPT: de brieven zijn nog niet verzonden; de documenten heten concept-... en "
            "dragen op elke pagina het watermerk CONCEPT, met een opschortende termijn vanaf "
            f"vandaag ({to_local(now):%d-%m-%Y})."
        )
    started = time.perf_counter()
    # Like stored documents, the written ones print the audit chain's head.
    with audit_footer(audit.head(session)):
        written = award_documents.write_all(
            snapshot, out, sent_at=sent_at, contracts=True, concept=concept
        )
    seconds = time.perf_counter() - started
    click.echo(
        f"{count_of(len(written), 'document', 'documenten')} geschreven naar {out} "
        f"in {format_number(round(seconds, 1))} s."
    )


def init_app(app: Flask) -> None:
    for group in (db_cli, criteria_cli, tender_cli, user_cli, audit_cli):
        app.cli.add_command(group)
    app.cli.add_command(demo_command)
    app.cli.add_command(documents_command)
    app.cli.add_command(coverage_command)
    app.cli.add_command(jobqueue.worker_command)
