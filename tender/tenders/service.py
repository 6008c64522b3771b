"""Creating, scheduling, publishing and withdrawing tenders."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import audit
from tender.criteria.clauses import default_source as default_clauses
from tender.criteria.lines import field_lines
from tender.criteria.spec import CriteriaFile
from tender.errors import DomainError
from tender.tenders import dates, lifecycle, publication
from tender.tenders.models import (
    ContractTerms,
    Criterion,
    Lot,
    Municipality,
    Product,
    Requirement,
    ScaleLevel,
    TargetGroup,
    Tender,
    TenderState,
)
from tender.timefmt import format_datetime, to_local


class TenderError(DomainError):
    pass


def _copy_configuration(
    tender: Tender, spec: CriteriaFile, source_text: str, filename: str
) -> None:
    """Copy the criteria file onto the tender, so later edits of the file change nothing."""
    settings = spec.tender
    tender.reference = settings.reference
    tender.title = settings.title
    tender.region = settings.region
    tender.contracting_authority = settings.contracting_authority
    tender.procedure = settings.procedure
    tender.award_mode = settings.award_mode
    tender.minimum_total = settings.minimum_total
    tender.standstill_days = settings.standstill_days
    tender.spread_flag = settings.spread_flag
    tender.court = settings.court
    tender.tie_break = settings.tie_break
    tender.criteria_filename = filename
    tender.criteria_text = source_text
    tender.criteria_sha256 = hashlib.sha256(source_text.encode("utf-8")).hexdigest()
    clauses = spec.contract.clauses or default_clauses()
    tender.contract_clauses_source = clauses.source
    tender.contract_clauses_text = clauses.text
    tender.contract_clauses_sha256 = clauses.sha256
    if spec.signatory is not None:  # not frozen: the tender page may change it later
        tender.signatory_name = spec.signatory.name
        tender.signatory_function = spec.signatory.function

    tender.scale_levels = [
        ScaleLevel(position=i, score=level.score, label=level.label, description=level.description)
        for i, level in enumerate(spec.scale)
    ]
    municipalities = {
        m.code: Municipality(position=i, code=m.code, name=m.name)
        for i, m in enumerate(spec.municipalities)
    }
    target_groups = {
        g.code: TargetGroup(position=i, code=g.code, name=g.name)
        for i, g in enumerate(spec.target_groups)
    }
    tender.municipalities = list(municipalities.values())
    tender.target_groups = list(target_groups.values())
    tender.lots = [
        Lot(
            position=i,
            code=lot.code,
            name=lot.name,
            min_providers_per_cell=lot.min_providers_per_cell,
            max_awards=lot.max_awards,
            estimated_value_eur=lot.estimated_value_eur,
            maximum_value_eur=lot.maximum_value_eur,
            municipalities=[municipalities[code] for code in lot.municipalities],
            target_groups=[target_groups[code] for code in lot.target_groups],
        )
        for i, lot in enumerate(spec.lots)
    ]
    tender.requirements = [
        Requirement(position=i, code=r.code, title=r.title, text=r.text, evidence=r.evidence)
        for i, r in enumerate(spec.requirements)
    ]
    tender.criteria = [
        Criterion(
            position=i,
            code=c.code,
            title=c.title,
            question=c.question,
            aspects=list(c.aspects),
            weight=c.weight,
            minimum=c.minimum,
            max_words=c.max_words,
        )
        for i, c in enumerate(spec.criteria)
    ]
    tender.products = [
        Product(position=i, code=p.code, name=p.name, unit=p.unit, tariff_eur=p.tariff_eur)
        for i, p in enumerate(spec.products)
    ]
    tender.contract_terms = ContractTerms(
        initial_years=spec.contract.initial_years,
        extension_years=list(spec.contract.extension_years),
        start_date=spec.contract.start_date,
        notice_months=spec.contract.notice_months,
    )


def _reference_taken(session: Session, reference: str, except_id: int | None = None) -> bool:
    query = select(Tender.id).where(Tender.reference == reference)
    if except_id is not None:
        query = query.where(Tender.id != except_id)
    return session.scalar(query) is not None


def create_tender(
    session: Session,
    *,
    spec: CriteriaFile,
    source_text: str,
    filename: str,
    actor: Any,
    now: datetime,
    is_demo: bool = False,
) -> Tender:
    """Create a tender in state concept from a validated criteria file."""
    if _reference_taken(session, spec.tender.reference):
        raise TenderError(
            f"Er bestaat al een aanbesteding met kenmerk {spec.tender.reference}. "
            "Kies een ander kenmerk (tender.reference) in het criteriabestand."
        )
    tender = Tender(
        state=TenderState.CONCEPT,
        created_at=now,
        created_by_id=actor.id if actor is not None else None,
        is_demo=is_demo,
    )
    _copy_configuration(tender, spec, source_text, filename)
    session.add(tender)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="tender.create",
        object_type="tender",
        object_id=tender.id,
        tender_id=tender.id,
        now=now,
        details={
            "kenmerk": tender.reference,
            "bestand": filename,
            "sha256": tender.criteria_sha256,
        },
    )
    return tender


def replace_configuration(
    session: Session,
    *,
    tender: Tender,
    spec: CriteriaFile,
    source_text: str,
    filename: str,
    actor: Any,
    now: datetime,
) -> None:
    """Replace a concept tender's configuration with a new version of its file."""
    if tender.state != TenderState.CONCEPT:
        raise lifecycle.ConfigurationFrozen(
            "De configuratie kan alleen worden vervangen zolang de aanbesteding een concept is."
        )
    if _reference_taken(session, spec.tender.reference, except_id=tender.id):
        raise TenderError(f"Er bestaat al een aanbesteding met kenmerk {spec.tender.reference}.")
    previous = tender.criteria_sha256
    # Flush the removal of the old parts before the new ones reuse their codes.
    for collection in ("scale_levels", "lots", "requirements", "criteria", "products"):
        getattr(tender, collection).clear()
    tender.contract_terms = None  # type: ignore[assignment]
    session.flush()
    tender.municipalities.clear()
    tender.target_groups.clear()
    session.flush()
    _copy_configuration(tender, spec, source_text, filename)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="tender.configure",
        object_type="tender",
        object_id=tender.id,
        tender_id=tender.id,
        now=now,
        details={"bestand": filename, "sha256_oud": previous, "sha256": tender.criteria_sha256},
    )


def schedule_problems(
    *,
    question_deadline: datetime | None,
    submission_deadline: datetime | None,
    planned_opening: datetime | None,
    now: datetime,
) -> dict[str, str]:
    """Field name -> Dutch message for every problem with a set of dates."""
    problems: dict[str, str] = {}
    for field, value in (
        ("question_deadline", question_deadline),
        ("submission_deadline", submission_deadline),
        ("planned_opening", planned_opening),
    ):
        if value is not None and value <= now:
            problems[field] = f"Moet in de toekomst liggen (nu is het {format_datetime(now)})."
    if question_deadline and submission_deadline and question_deadline >= submission_deadline:
        problems.setdefault("question_deadline", "Moet vóór de uiterste inschrijfdatum liggen.")
    if submission_deadline and planned_opening and planned_opening < submission_deadline:
        problems.setdefault("planned_opening", "Mag niet vóór de uiterste inschrijfdatum liggen.")
    return problems


def set_schedule(
    session: Session,
    *,
    tender: Tender,
    question_deadline: datetime | None,
    submission_deadline: datetime | None,
    planned_opening: datetime | None,
    tenderned_reference: str | None,
    actor: Any,
    now: datetime,
) -> None:
    """Set the dates and TenderNed reference of a concept tender.

    After publication the dates change only through a published Q&A round.
    """
    if tender.state != TenderState.CONCEPT:
        raise TenderError(
            "Na publicatie kunnen de data alleen worden gewijzigd via een gepubliceerde "
            "nota van inlichtingen."
        )
    problems = schedule_problems(
        question_deadline=question_deadline,
        submission_deadline=submission_deadline,
        planned_opening=planned_opening,
        now=now,
    )
    if problems:
        raise TenderError(" ".join(problems.values()))
    tender.question_deadline = question_deadline
    tender.submission_deadline = submission_deadline
    tender.planned_opening = planned_opening
    tender.tenderned_reference = (tenderned_reference or "").strip() or None
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="tender.schedule",
        object_type="tender",
        object_id=tender.id,
        tender_id=tender.id,
        now=now,
        details={
            "vragen_tot": _iso(question_deadline),
            "inschrijven_tot": _iso(submission_deadline),
            "opening": _iso(planned_opening),
            "tenderned": tender.tenderned_reference,
        },
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def publication_problems(tender: Tender, now: datetime) -> list[str]:
    """Everything that still stands in the way of publishing, in Dutch."""
    problems = []
    if not tender.tenderned_reference:
        problems.append("Vul het TenderNed-kenmerk in.")
    if not tender.question_deadline:
        problems.append("Stel de uiterste datum voor vragen in.")
    if not tender.submission_deadline:
        problems.append("Stel de uiterste inschrijfdatum in.")
    if not tender.planned_opening:
        problems.append("Stel de geplande opening in.")
    problems.extend(
        schedule_problems(
            question_deadline=tender.question_deadline,
            submission_deadline=tender.submission_deadline,
            planned_opening=tender.planned_opening,
            now=now,
        ).values()
    )
    if tender.contract_terms is not None:
        date_problems = dates.publication_date_problems(
            start=tender.contract_terms.start_date,
            published_on=to_local(now).date(),
            submission_deadline=tender.submission_deadline,
            standstill_days=tender.standstill_days,
        )
        if date_problems:
            problems.extend(date_problems)
            # A start that has passed is not refused at import (criteria/README.md,
            # "Grenzen"): it is named here, with its line, until the file is replaced.
            line = field_lines(tender.criteria_text).get("contract.start_date")
            where = f" ({tender.criteria_filename}, regel {line})" if line else ""
            problems.append(
                f"Pas contract.start_date aan in het criteriabestand{where} en vervang de "
                "configuratie."
            )
    return problems


SIGNATORY_STATES = frozenset(TenderState) - {TenderState.AWARDED, TenderState.WITHDRAWN}
SIGNATORY_MAX_LENGTH = 200


def signatory_problems(name: str, function: str) -> dict[str, str]:
    """Field name -> Dutch message for a signatory that cannot be saved."""
    problems: dict[str, str] = {}
    for field, value, label in (("name", name, "naam"), ("function", function, "functie")):
        if not value.strip():
            problems[field] = f"Vul de {label} van de ondertekenaar in."
        elif len(value.strip()) > SIGNATORY_MAX_LENGTH:
            problems[field] = f"De {label} mag hoogstens {SIGNATORY_MAX_LENGTH} tekens lang zijn."
    return problems


def set_signatory(
    session: Session, *, tender: Tender, name: str, function: str, actor: Any, now: datetime
) -> None:
    """Set who signs the award decisions; possible until the definitive award or withdrawal.

    The signatory is not part of the frozen configuration.
    """
    if tender.state not in SIGNATORY_STATES:
        raise TenderError(
            f"De ondertekenaar kan niet meer worden gewijzigd: de aanbesteding is {tender.state}."
        )
    problems = signatory_problems(name, function)
    if problems:
        raise TenderError(" ".join(problems.values()))
    old = {"naam": tender.signatory_name, "functie": tender.signatory_function}
    new = {"naam": name.strip(), "functie": function.strip()}
    if old == new:
        return
    tender.signatory_name = new["naam"]
    tender.signatory_function = new["functie"]
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="tender.signatory",
        object_type="tender",
        object_id=tender.id,
        tender_id=tender.id,
        now=now,
        details={"oud": old, "nieuw": new},
    )


def set_contract_start(
    session: Session, *, tender: Tender, start_date: date, actor: Any, now: datetime
) -> None:
    """Move the contract start of a concept tender (the demo and test factories use this
    to make an example file from the past publishable); audited as tender.contract_start."""
    if tender.state != TenderState.CONCEPT:
        raise lifecycle.ConfigurationFrozen(
            "De ingangsdatum van de overeenkomst kan alleen worden gewijzigd zolang de "
            "aanbesteding een concept is."
        )
    old = tender.contract_terms.start_date
    if old == start_date:
        return
    tender.contract_terms.start_date = start_date
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="tender.contract_start",
        object_type="tender",
        object_id=tender.id,
        tender_id=tender.id,
        now=now,
        details={"oud": old.isoformat(), "nieuw": start_date.isoformat()},
    )


def publish(
    session: Session, *, tender: Tender, actor: Any, now: datetime, storage_dir: Path
) -> None:
    """Publish: from now on the configuration is frozen and providers can bid.

    The aanbestedingsleidraad and the concept-raamovereenkomst are made from the
    frozen configuration and stored in ``storage_dir``, released at this moment.
    """
    if lifecycle.may_transition(tender, TenderState.PUBLISHED):
        problems = publication_problems(tender, now)
        if problems:
            raise TenderError("Publiceren kan nog niet. " + " ".join(problems))
    lifecycle.transition(session, tender, TenderState.PUBLISHED, actor=actor, now=now)
    tender.published_at = now
    tender.published_by_id = actor.id if actor is not None else None
    session.flush()
    publication.store_publication_documents(
        session, tender=tender, storage_dir=storage_dir, actor=actor, now=now
    )


def withdraw(session: Session, *, tender: Tender, reason: str, actor: Any, now: datetime) -> None:
    """Withdraw the tender (possible in every state before the definitive award)."""
    reason = reason.strip()
    if lifecycle.may_transition(tender, TenderState.WITHDRAWN) and not reason:
        raise TenderError("Geef de reden van intrekking op.")
    lifecycle.transition(
        session, tender, TenderState.WITHDRAWN, actor=actor, now=now, details={"reden": reason}
    )
    tender.withdrawn_at = now
    tender.withdrawal_reason = reason
    session.flush()


def close_if_due(session: Session, *, tender: Tender, now: datetime) -> bool:
    """Close a published tender whose submission deadline has passed (server clock)."""
    if (
        tender.state == TenderState.PUBLISHED
        and tender.submission_deadline is not None
        and now >= tender.submission_deadline
    ):
        lifecycle.transition(
            session,
            tender,
            TenderState.CLOSED,
            actor=None,
            now=now,
            details={"reden": "uiterste inschrijfdatum verstreken"},
        )
        session.flush()
        return True
    return False
