"""The tender documents made at publication: leidraad, concept contract, planning annex.

They are built from the configuration copied onto the tender (frozen from
publication on) and stored with their SHA-256 and ``released_at`` = the moment
they became public, so every provider downloads the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import audit
from tender.criteria import clauses
from tender.documents import framework_contract as contract
from tender.documents import leidraad
from tender.documents.models import Document
from tender.documents.pdf import generated_at
from tender.documents.service import (
    CONCEPT_CONTRACT,
    LEIDRAAD,
    PLANNING,
    TENDER_DOCUMENT_KINDS,
    store_document,
)
from tender.tenders.models import Tender


def _slug(tender: Tender) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", tender.reference).strip("-") or "aanbesteding"


def _planning(tender: Tender) -> leidraad.Planning:
    assert tender.published_at is not None
    assert tender.question_deadline is not None
    assert tender.submission_deadline is not None
    assert tender.planned_opening is not None
    return leidraad.Planning(
        published_at=tender.published_at,
        question_deadline=tender.question_deadline,
        submission_deadline=tender.submission_deadline,
        planned_opening=tender.planned_opening,
    )


def leidraad_data(tender: Tender) -> leidraad.LeidraadData:
    """What the leidraad states: the tender's copied configuration and its dates."""
    terms = tender.contract_terms
    return leidraad.LeidraadData(
        reference=tender.reference,
        tenderned_reference=tender.tenderned_reference or "",
        title=tender.title,
        region=tender.region,
        contracting_authority=tender.contracting_authority,
        procedure=tender.procedure,
        planning=_planning(tender),
        municipalities=tuple(m.name for m in tender.municipalities),
        target_groups=tuple(g.name for g in tender.target_groups),
        lots=tuple(
            leidraad.LeidraadLot(
                code=lot.code,
                name=lot.name,
                municipalities=tuple(m.name for m in lot.municipalities),
                target_groups=tuple(g.name for g in lot.target_groups),
                min_providers_per_cell=lot.min_providers_per_cell,
                max_awards=lot.max_awards,
                estimated_value_eur=Decimal(lot.estimated_value_eur),
                maximum_value_eur=Decimal(lot.maximum_value_eur),
            )
            for lot in tender.lots
        ),
        requirements=tuple(
            leidraad.LeidraadRequirement(
                code=r.code, title=r.title, text=r.text, evidence=r.evidence
            )
            for r in tender.requirements
        ),
        criteria=tuple(
            leidraad.LeidraadCriterion(
                code=c.code,
                title=c.title,
                question=c.question,
                aspects=tuple(c.aspects),
                weight=Decimal(c.weight),
                minimum=c.minimum,
                max_words=c.max_words,
            )
            for c in tender.criteria
        ),
        scale=tuple(
            leidraad.ScaleStep(score=s.score, label=s.label, description=s.description)
            for s in tender.scale_levels
        ),
        award_mode=tender.award_mode,
        minimum_total=Decimal(tender.minimum_total),
        tie_break=tender.tie_break,
        products=tuple(
            leidraad.LeidraadProduct(
                code=p.code, name=p.name, unit=p.unit, tariff_eur=Decimal(p.tariff_eur)
            )
            for p in tender.products
        ),
        contract_start=terms.start_date,
        initial_years=terms.initial_years,
        extension_years=tuple(int(years) for years in terms.extension_years),
        standstill_days=tender.standstill_days,
        court=tender.court,
    )


def concept_contract_data(tender: Tender) -> contract.FrameworkContractData:
    """The framework contract as every awarded provider will get it, without a provider."""
    terms = tender.contract_terms
    return contract.FrameworkContractData(
        reference=tender.reference,
        title=tender.title,
        contracting_authority=tender.contracting_authority,
        region=tender.region,
        court=tender.court,
        municipalities=tuple(
            contract.Signatory(name=f"Gemeente {m.name}") for m in tender.municipalities
        ),
        provider=None,
        lots=tuple(
            contract.ContractLot(
                code=lot.code,
                name=lot.name,
                estimated_value_eur=Decimal(lot.estimated_value_eur),
                maximum_value_eur=Decimal(lot.maximum_value_eur),
                served=(),
            )
            for lot in tender.lots
        ),
        products=tuple(
            contract.ContractProduct(
                code=p.code, name=p.name, unit=p.unit, tariff_eur=Decimal(p.tariff_eur)
            )
            for p in tender.products
        ),
        start=terms.start_date,
        initial_years=terms.initial_years,
        extension_years=tuple(int(years) for years in terms.extension_years),
        notice_months=terms.notice_months,
        clauses=clauses.frozen_source(
            tender.contract_clauses_source, tender.contract_clauses_text
        ).template,
        plans=tuple((c.code, c.title) for c in tender.criteria),
    )


def _store(
    session: Session,
    *,
    tender: Tender,
    kind: str,
    filename: str,
    build: Callable[[], bytes],
    storage_dir: Path,
    actor: Any,
    now: datetime,
) -> Document:
    with generated_at(now):
        document = store_document(
            session,
            storage_dir=storage_dir,
            tender_id=tender.id,
            kind=kind,
            filename=filename,
            build=build,
            now=now,
            actor_id=actor.id if actor is not None else None,
        )
    document.released_at = now
    return document


def store_publication_documents(
    session: Session, *, tender: Tender, storage_dir: Path, actor: Any, now: datetime
) -> list[Document]:
    """Make and store the leidraad and the concept contract of a tender just published."""
    slug = _slug(tender)
    documents = [
        _store(
            session,
            tender=tender,
            kind=LEIDRAAD,
            filename=f"aanbestedingsleidraad-{slug}.pdf",
            build=lambda: leidraad.build_leidraad(leidraad_data(tender)),
            storage_dir=storage_dir,
            actor=actor,
            now=now,
        ),
        _store(
            session,
            tender=tender,
            kind=CONCEPT_CONTRACT,
            filename=f"concept-raamovereenkomst-{slug}.pdf",
            build=lambda: contract.build_framework_contract(concept_contract_data(tender)),
            storage_dir=storage_dir,
            actor=actor,
            now=now,
        ),
    ]
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="tender.documents",
        object_type="tender",
        object_id=tender.id,
        tender_id=tender.id,
        now=now,
        details={"documenten": {d.filename: d.sha256 for d in documents}},
    )
    return documents


def store_planning_annex(
    session: Session,
    *,
    tender: Tender,
    round_number: int,
    previous_submission_deadline: datetime,
    previous_planned_opening: datetime,
    storage_dir: Path,
    actor: Any,
    now: datetime,
) -> Document:
    """Store the planning as changed by nota van inlichtingen ``round_number``.

    The caller records the change in the audit trail (with the nota's own event).
    """
    data = leidraad.PlanningAnnexData(
        reference=tender.reference,
        title=tender.title,
        region=tender.region,
        contracting_authority=tender.contracting_authority,
        planning=_planning(tender),
        round_number=round_number,
        changed_at=now,
        previous_submission_deadline=previous_submission_deadline,
        previous_planned_opening=previous_planned_opening,
    )
    document = _store(
        session,
        tender=tender,
        kind=PLANNING,
        filename=f"planning-{_slug(tender)}-nota-{round_number}.pdf",
        build=lambda: leidraad.build_planning_annex(data),
        storage_dir=storage_dir,
        actor=actor,
        now=now,
    )
    session.flush()
    return document


def tender_documents(session: Session, tender: Tender) -> list[Document]:
    """The released tender documents, oldest first (leidraad, concept contract, plannings)."""
    return list(
        session.scalars(
            select(Document)
            .where(
                Document.tender_id == tender.id,
                Document.kind.in_(TENDER_DOCUMENT_KINDS),
                Document.released_at.is_not(None),
            )
            .order_by(Document.id)
        )
    )
