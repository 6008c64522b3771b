"""The award documents of a tender: which ones, their stable file names, and the
jobs that make them from the frozen snapshot.

Letters and the report are made when the letters are sent; contracts at the
definitive award. Every document is stored with its SHA-256 and released to its
readers in the same transaction that completes the batch, so all bidders get
their letters at the same moment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import audit, clock, coverage, scoring
from tender.accounts.models import User
from tender.award import jobs, render_pool, service, strengths, versions
from tender.award import steps as steps_module
from tender.award.jobs import Finisher, StepList, Steps
from tender.award.models import AwardDecision, DocumentJob
from tender.bids.models import Bid
from tender.criteria import clauses
from tender.documents import award_letter as letter
from tender.documents import award_report as report
from tender.documents import framework_contract as contract
from tender.documents import pdf, signing
from tender.documents import service as documents
from tender.documents.models import Document
from tender.errors import DomainError
from tender.evaluation.service import EARLIER_EXPLANATION
from tender.tenders.models import Tender
from tender.timefmt import to_local

LETTERS = "award_letters"
CONTRACTS = "contracts"


def _versioned(name: str, version: int) -> str:
    """Documents of a later version of the decision end in ``-v2``, ``-v3``, ..."""
    return f"{name.removesuffix('.pdf')}-v{version}.pdf" if version > 1 else name


def _version(snapshot: Mapping[str, Any]) -> int:
    return int(snapshot.get("decision", {}).get("version", 1))


def letter_filename(reference: str, entry: Mapping[str, Any], version: int = 1) -> str:
    number = entry["blind_code"].split()[-1]
    name = f"gunningsbeslissing-{reference}-{number}-{entry['organisation']['kvk']}.pdf"
    return _versioned(name, version)


def contract_filename(reference: str, entry: Mapping[str, Any], version: int = 1) -> str:
    return _versioned(f"raamovereenkomst-{reference}-{entry['organisation']['kvk']}.pdf", version)


def report_filename(reference: str, version: int = 1) -> str:
    return _versioned(f"gunningsadvies-{reference}.pdf", version)


PlannedDocument = tuple[str, str, int | None, Callable[[], bytes]]  # name, kind, bid, build
# What a signature says it signs, per kind of document.
_SIGNED_AS = {
    documents.AWARD_LETTER: letter.DOCUMENT_TITLE,
    documents.AWARD_REPORT: report.DOCUMENT_TITLE,
    documents.CONTRACT: contract.DOCUMENT_TITLE,
}


def _as_concept(planned: list[PlannedDocument], concept: bool) -> list[PlannedDocument]:
    """Drafts: ``concept-`` in the name and the CONCEPT watermark on every page."""
    if not concept:
        return planned

    def drafted(build: Callable[[], bytes]) -> Callable[[], bytes]:
        def build_concept() -> bytes:
            with pdf.concept():
                return build()

        return build_concept

    return [(f"concept-{name}", kind, bid, drafted(build)) for name, kind, bid, build in planned]


def planned_letters(
    snapshot: Mapping[str, Any], *, sent_at: datetime, concept: bool = False
) -> list[PlannedDocument]:
    """One letter per bidder plus the award report, as (name, kind, bid id, build)."""
    reference = snapshot["tender"]["reference"]
    version = _version(snapshot)
    planned: list[PlannedDocument] = [
        (
            letter_filename(reference, entry, version),
            documents.AWARD_LETTER,
            entry["bid_id"],
            lambda entry=entry: letter_pdf(snapshot, entry, sent_at=sent_at),
        )
        for entry in snapshot["bids"]
    ]
    planned.append(
        (
            report_filename(reference, version),
            documents.AWARD_REPORT,
            None,
            lambda: report_pdf(snapshot, sent_at=None if concept else sent_at),
        )
    )
    return _as_concept(planned, concept)


def planned_contracts(
    snapshot: Mapping[str, Any], *, concept: bool = False
) -> list[PlannedDocument]:
    reference = snapshot["tender"]["reference"]
    version = _version(snapshot)
    awarded = set(service.awarded_bid_ids(snapshot))
    planned: list[PlannedDocument] = [
        (
            contract_filename(reference, entry, version),
            documents.CONTRACT,
            entry["bid_id"],
            lambda entry=entry: contract_pdf(snapshot, entry),
        )
        for entry in snapshot["bids"]
        if entry["bid_id"] in awarded
    ]
    return _as_concept(planned, concept)


def _store_step(
    planned: PlannedDocument,
    *,
    tender_id: int,
    decision_id: int,
    storage_dir: Path,
    actor_id: int | None,
    signer: signing.Signer | None = None,
    signed_by: str = "",
    reference: str = "",
    pool: render_pool.RenderPool | None = None,
    index: int = 0,
) -> Callable[[Session], None]:
    """Store one document of the decision, unless a run before this one already did:
    a resumed job never makes a second copy (one per decision, kind and bidder).

    With a ``signer`` the PDF gets a PAdES signature after it is built; either way
    its footer says whether it is digitally signed. With a ``pool`` the PDF (number
    ``index`` of the plan) is laid out by its worker processes, ahead of this step."""
    name, kind, bid_id, build_unsigned = planned

    def signed(content: bytes) -> bytes:
        if signer is None:
            return content
        reason = f"{_SIGNED_AS.get(kind, kind)} {reference}".strip()
        return signing.sign_pdf(content, signer, reason=reason, name=signed_by)

    def build() -> bytes:
        with pdf.signature_status(signer is not None):
            content = build_unsigned()
        return signed(content)

    def step(session: Session) -> None:
        made = session.scalar(
            select(Document.id).where(
                Document.decision_id == decision_id,
                Document.kind == kind,
                Document.bid_id == bid_id if bid_id is not None else Document.bid_id.is_(None),
            )
        )
        if made is not None:
            if pool is not None:
                pool.skip(index)
            return
        if pool is not None:
            laid_out = pool.laid_out(session, index)
            documents.store_built(
                session,
                storage_dir=storage_dir,
                tender_id=tender_id,
                kind=kind,
                filename=name,
                content=signed(laid_out.content),
                anchor=laid_out.anchor,
                now=laid_out.moment,
                actor_id=actor_id,
                bid_id=bid_id,
                decision_id=decision_id,
            )
            return
        now = clock.now()
        with pdf.generated_at(now):
            documents.store_document(
                session,
                storage_dir=storage_dir,
                tender_id=tender_id,
                kind=kind,
                filename=name,
                build=build,
                now=now,
                actor_id=actor_id,
                bid_id=bid_id,
                decision_id=decision_id,
            )

    return step


def decision_context(session: Session, decision: AwardDecision) -> dict[str, Any]:
    """What the documents of this version say about the decision and its history."""

    def name(user_id: int | None) -> str | None:
        user = session.get(User, user_id) if user_id else None
        return f"{user.name} ({user.email})" if user else None

    def iso(moment: datetime | date | None) -> str | None:
        return moment.isoformat() if moment else None

    replaced = decision.replaces
    history = [
        {
            "version": d.version,
            "prepared_by": name(d.prepared_by_id),
            "prepared_at": iso(d.prepared_at),
            "approved_by": name(d.approved_by_id),
            "approved_at": iso(d.approved_at),
            "sent_back": [[r["at"], r["by"], r["reason"]] for r in d.returns],
            "decided_on": iso(d.decided_on),
            "body": d.deciding_body,
            "mandate": d.mandate,
            "sent_at": iso(d.letters_sent_at),
            "withdrawn_at": iso(d.withdrawn_at),
            "withdrawn_by": name(d.withdrawn_by_id),
            "withdrawal_reason": d.withdrawal_reason,
        }
        for d in versions.versions(session, decision.tender)
        if d.version <= decision.version
    ]
    return {
        "version": decision.version,
        "decided_on": iso(decision.decided_on),
        "decided_at": iso(decision.decided_at),
        "decided_by": name(decision.decided_by_id),
        "body": decision.deciding_body,
        "mandate": decision.mandate,
        "signatory": {"name": decision.signatory_name, "function": decision.signatory_function}
        if decision.signatory_name
        else None,
        "replaces": {
            "version": replaced.version,
            "sent_on": iso(to_local(replaced.letters_sent_at).date()),
            "withdrawn_on": iso(to_local(replaced.withdrawn_at).date()),
            "reason": replaced.withdrawal_reason,
        }
        if replaced is not None and replaced.letters_sent_at and replaced.withdrawn_at
        else None,
        "history": history,
        "strengths": strengths.texts(decision.snapshot, decision.strengths or {}),
    }


def documented(session: Session, decision: AwardDecision) -> dict[str, Any]:
    """The decision's snapshot with what the documents say about the decision itself."""
    return {**decision.snapshot, "decision": decision_context(session, decision)}


def planned_for(
    kind: str, snapshot: Mapping[str, Any], *, started_at: datetime
) -> list[PlannedDocument]:
    """The documents of a job of this kind, in the order its steps store them."""
    if kind == LETTERS:
        return planned_letters(snapshot, sent_at=started_at)
    if kind == CONTRACTS:
        return planned_contracts(snapshot)
    raise ValueError(kind)


def job_plan(
    kind: str,
    *,
    tender_id: int,
    decision_id: int,
    snapshot: Mapping[str, Any],
    storage_dir: Path,
    actor_id: int | None,
    started_at: datetime,
    config: Mapping[str, Any],
    instance_path: str,
) -> tuple[Steps, Finisher]:
    """The steps of a document job and what completes it.

    ``snapshot`` is the decision's, with its context (``documented``). Running the
    plan again (a resumed job) stores only what is missing.
    """
    planned = planned_for(kind, snapshot, started_at=started_at)
    signer = signing.load_signer(config)
    signatory = snapshot.get("decision", {}).get("signatory")
    signed_by = signatory["name"] if signatory else snapshot["tender"]["contracting_authority"]
    pool = (
        render_pool.RenderPool(
            kind=kind,
            snapshot=snapshot,
            started_at=started_at,
            decision_id=decision_id,
            keys=[(document_kind, bid_id) for _name, document_kind, bid_id, _build in planned],
            first=[
                index
                for index, (_name, document_kind, _bid, _build) in enumerate(planned)
                if document_kind == documents.AWARD_REPORT
            ],
            signed=signer is not None,
            processes=render_pool.processes(config),
        )
        if render_pool.used_for(config, len(planned))
        else None
    )
    steps = StepList(
        (
            _store_step(
                p,
                tender_id=tender_id,
                decision_id=decision_id,
                storage_dir=storage_dir,
                actor_id=actor_id,
                signer=signer,
                signed_by=signed_by,
                reference=snapshot["tender"]["reference"],
                pool=pool,
                index=index,
            )
            for index, p in enumerate(planned)
        ),
        close=pool.close if pool is not None else None,
    )

    def finish(session: Session, now: datetime) -> None:
        decision = session.get(AwardDecision, decision_id)
        actor = session.get(User, actor_id) if actor_id else None
        assert decision is not None and actor is not None
        tender = decision.tender
        if kind == LETTERS:
            if to_local(now).date() != to_local(started_at).date():
                raise DomainError(
                    "Het maken van de brieven liep over middernacht heen; de datum in de "
                    "brieven klopt niet meer. Start het verzenden opnieuw."
                )
            steps_module.release_letters(session, decision=decision, actor=actor, now=now)
        released = release(session, decision_id=decision_id, kinds=_kinds(kind), now=now)
        audit.record(
            session,
            actor=actor,
            action=f"award.{kind}_released",
            object_type="award_decision",
            object_id=decision_id,
            tender_id=tender_id,
            now=now,
            details={
                "versie": decision.version,
                "documenten": len(released),
                "sha256": {d.filename: d.sha256 for d in released},
            },
        )
        notify_bidders(
            session, tender, decision, kind, config=config, instance_path=instance_path, now=now
        )

    return steps, finish


def start_job(
    session: Session,
    *,
    decision: AwardDecision,
    kind: str,
    actor: User,
    now: datetime,
    config: Mapping[str, Any],
    instance_path: str,
) -> tuple[DocumentJob, Steps, Finisher]:
    """Start a document job of the decision: its plan, its progress row and the audit
    event that it started. The caller commits, then runs the steps (``jobs.run``)."""
    steps, finish = job_plan(
        kind,
        tender_id=decision.tender_id,
        decision_id=decision.id,
        snapshot=documented(session, decision),
        storage_dir=documents.documents_dir(instance_path),
        actor_id=actor.id,
        started_at=now,
        config=config,
        instance_path=instance_path,
    )
    job = jobs.create_job(
        session,
        tender_id=decision.tender_id,
        kind=kind,
        total=len(steps),
        actor_id=actor.id,
        now=now,
        decision_id=decision.id,
    )
    audit.record(
        session,
        actor=actor,
        action=f"award.{kind}",
        object_type="award_decision",
        object_id=decision.id,
        tender_id=decision.tender_id,
        now=now,
        details={"versie": decision.version, "documenten": len(steps)},
    )
    return job, steps, finish


def _kinds(kind: str) -> tuple[str, ...]:
    if kind == LETTERS:
        return (documents.AWARD_LETTER, documents.AWARD_REPORT)
    return (documents.CONTRACT,)


def release(
    session: Session, *, decision_id: int, kinds: tuple[str, ...], now: datetime
) -> list[Document]:
    """Release every stored, unreleased document of the decision of these kinds at one
    moment; from then on they are frozen (their SHA-256 is in the audit event)."""
    items = list(
        session.scalars(
            select(Document)
            .where(
                Document.decision_id == decision_id,
                Document.kind.in_(kinds),
                Document.released_at.is_(None),
            )
            .order_by(Document.id)
        )
    )
    for item in items:
        item.released_at = now
    session.flush()
    return items


def notify_bidders(
    session: Session,
    tender: Tender,
    decision: AwardDecision,
    kind: str,
    *,
    config: Mapping[str, Any],
    instance_path: str,
    now: datetime,
) -> None:
    """Tell every bidder's users that their letter (or contract) is in the portal."""
    from tender.notifications import send_mail

    bid_ids = (
        [entry["bid_id"] for entry in decision.snapshot["bids"]]
        if kind == LETTERS
        else service.awarded_bid_ids(decision.snapshot)
    )
    organisation_ids = set(session.scalars(select(Bid.organisation_id).where(Bid.id.in_(bid_ids))))
    addresses = sorted(
        session.scalars(
            select(User.email).where(
                User.organisation_id.in_(organisation_ids), User.active.is_(True)
            )
        )
    )
    if not addresses:
        return
    what = "de gunningsbeslissing" if kind == LETTERS else "de raamovereenkomst"
    if kind == LETTERS and decision.replaces_id is not None:
        what = "een nieuwe gunningsbeslissing (de eerdere is ingetrokken)"
    send_mail(
        config,
        instance_path=instance_path,
        to=addresses,
        subject=f"{tender.reference}: {what} staat voor u klaar",
        body=(
            f"In de aanbesteding {tender.title} ({tender.reference}) staat {what} voor uw "
            "organisatie klaar in het portaal. Log in om het document te lezen.\n"
        ),
        now=now,
    )


def bid_of(session: Session, document: Document) -> Bid | None:
    return session.get(Bid, document.bid_id) if document.bid_id else None


def released_for(session: Session, organisation_id: int) -> list[tuple[Document, datetime | None]]:
    """The released letters and contracts addressed to an organisation, newest first,
    each with when its decision was withdrawn (None while it stands)."""
    rows = session.execute(
        select(Document, AwardDecision.withdrawn_at)
        .join(Bid, Bid.id == Document.bid_id)
        .outerjoin(AwardDecision, AwardDecision.id == Document.decision_id)
        .where(
            Bid.organisation_id == organisation_id,
            Document.kind.in_([documents.AWARD_LETTER, documents.CONTRACT]),
            Document.released_at.is_not(None),
        )
        .order_by(Document.released_at.desc(), Document.kind)
    )
    return [(document, withdrawn_at) for document, withdrawn_at in rows]


def write_all(
    snapshot: Mapping[str, Any], out: Path, *, sent_at: datetime, contracts: bool, concept: bool
) -> list[Path]:
    """Write every letter, the report and (if asked) the contracts to ``out``;
    ``concept`` marks them as drafts (name and watermark)."""
    out.mkdir(parents=True, exist_ok=True)
    planned = planned_letters(snapshot, sent_at=sent_at, concept=concept)
    if contracts:
        planned += planned_contracts(snapshot, concept=concept)
    written = []
    with pdf.generated_at(clock.now()):
        for name, _kind, _bid, build in planned:
            path = out / name
            path.write_bytes(build())
            written.append(path)
    return written


REQUIREMENT_KINDS = ("requirement",)
ASSESSMENT_KINDS = ("criterion_minimum", "total_minimum")


def _address(organisation: Mapping[str, Any]) -> tuple[str, ...]:
    return (organisation["street_address"], f"{organisation['postcode']} {organisation['city']}")


def _letter_tender(snapshot: Mapping[str, Any]) -> letter.LetterTender:
    tender = snapshot["tender"]
    entries = {entry["bid_id"]: entry for entry in snapshot["bids"]}
    codes = [criterion["code"] for criterion in tender["criteria"]]

    # The texts the inkoper confirmed; concepts made before the advice show drafts.
    reviewed = _context(snapshot).get("strengths")
    texts = (
        reviewed
        if reviewed is not None
        else {key: item["text"] for key, item in strengths.drafts(snapshot).items()}
    )

    def party(bid_id: int) -> letter.AwardedParty:
        entry = entries[bid_id]
        scores = {item["code"]: item["score"] for item in entry["scores"]}
        return letter.AwardedParty(
            organisation_name=entry["organisation"]["name"],
            scores=tuple((code, scores[code]) for code in codes),
            total=Decimal(entry["total"]),
            strengths=texts.get(str(bid_id), ""),
        )

    ranked = tender["award_mode"] == "ranked"
    return letter.LetterTender(
        reference=tender["reference"],
        title=tender["title"],
        contracting_authority=tender["contracting_authority"],
        region=tender["region"],
        court=tender["court"],
        standstill_days=int(tender["standstill_days"]),
        award_mode=tender["award_mode"],
        scale_max=int(tender["scale_max"]),
        scale_min=int(tender.get("scale_min", 0)),
        minimum_total=Decimal(tender["minimum_total"]),
        criteria=tuple(
            letter.AwardCriterion(
                code=c["code"], title=c["title"], weight=Decimal(c["weight"]), minimum=c["minimum"]
            )
            for c in tender["criteria"]
        ),
        lots=tuple(
            letter.LotAward(
                code=lot["code"],
                name=lot["name"],
                places=int(lot["max_awards"]) if ranked else 0,
                parties=tuple(party(bid_id) for bid_id in snapshot["awarded"][lot["code"]]),
            )
            for lot in tender["lots"]
        ),
    )


UNDECIDED = (
    "Nog niet beslist: uw inschrijving staat gelijk met een andere op de grens van het aantal "
    "te gunnen plaatsen; de loting beslist (concept)."
)


def _lot_reasons(result: Mapping[str, Any]) -> tuple[str, ...]:
    """The reasons that concern this lot only: the rank, or an undecided tie (concepts)."""
    if result["status"] == "undecided":
        return (UNDECIDED,)
    return tuple(r["text"] for r in result["reasons"] if r["kind"] == "rank")


def _bands(member: Mapping[str, Any]) -> tuple[report.DeclaredBand, ...]:
    """The bands in a snapshot's committee entry (older snapshots name the organisations only)."""
    if "bands" not in member:
        return tuple(
            report.DeclaredBand(name, "", EARLIER_EXPLANATION)
            for name in member.get("conflicts", [])
        )
    return tuple(
        report.DeclaredBand(
            organisation=band["organisation"],
            kvk_number=band["kvk_number"],
            explanation=band["explanation"],
            declared_at=_moment(band["declared_at"]) if band["declared_later"] else None,
            by_officer=band["by_officer"],
        )
        for band in member["bands"]
    )


def _context(snapshot: Mapping[str, Any]) -> Mapping[str, Any]:
    """What ``documented`` added about the decision (nothing for a bare snapshot)."""
    return snapshot.get("decision", {})


def _signatory(snapshot: Mapping[str, Any]) -> letter.Signatory | None:
    signatory = _context(snapshot).get("signatory")
    return letter.Signatory(signatory["name"], signatory["function"]) if signatory else None


def _decision_facts(snapshot: Mapping[str, Any]) -> letter.DecisionFacts | None:
    context = _context(snapshot)
    if not context.get("decided_on"):
        return None
    return letter.DecisionFacts(
        decided_on=date.fromisoformat(context["decided_on"]),
        body=context["body"],
        mandate=context["mandate"],
    )


def _replaces(snapshot: Mapping[str, Any]) -> letter.EarlierDecision | None:
    replaced = _context(snapshot).get("replaces")
    if not replaced:
        return None
    return letter.EarlierDecision(
        sent_on=date.fromisoformat(replaced["sent_on"]),
        withdrawn_on=date.fromisoformat(replaced["withdrawn_on"]),
        reason=replaced["reason"],
    )


def _draw_moment(draw: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(draw.get("drawn_at") or draw["recorded_at"])


def _drawn(snapshot: Mapping[str, Any], lot: str, bid_id: int) -> letter.DrawFacts | None:
    """This bid's place in a draw by lot in this lot, if its place was drawn."""
    for draw in snapshot.get("draws", []):
        order = draw.get("bid_ids", [])
        if draw["lot"] == lot and bid_id in order:
            return letter.DrawFacts(
                place=order.index(bid_id) + 1,
                tied=len(order),
                drawn_on=to_local(_draw_moment(draw)).date(),
                method=draw.get("method") or draw["note"],
            )
    return None


def letter_data(
    snapshot: Mapping[str, Any], entry: Mapping[str, Any], *, sent_at: datetime
) -> letter.AwardLetterData:
    """One bidder's letter, from the frozen snapshot only."""
    tender = snapshot["tender"]
    names = {lot["code"]: lot["name"] for lot in tender["lots"]}
    organisation = entry["organisation"]
    requirement_reasons = tuple(
        r["text"] for r in entry["reasons"] if r["kind"] in REQUIREMENT_KINDS
    )
    excluded = bool(requirement_reasons)
    return letter.AwardLetterData(
        tender=_letter_tender(snapshot),
        recipient=letter.Recipient(
            organisation_name=organisation["name"],
            kvk_number=organisation["kvk"],
            address=_address(organisation),
            contact_person=organisation["contact_person"],
        ),
        sent_at=sent_at,
        results=tuple(
            letter.LotResult(
                code=result["lot"],
                name=names[result["lot"]],
                awarded=result["status"] == "awarded",
                reasons=_lot_reasons(result),
                draw=_drawn(snapshot, result["lot"], entry["bid_id"]),
            )
            for result in entry["lot_results"]
        ),
        requirement_reasons=requirement_reasons,
        assessment_reasons=tuple(
            r["text"] for r in entry["reasons"] if r["kind"] in ASSESSMENT_KINDS
        ),
        scores=()
        if excluded
        else tuple(
            letter.CriterionScore(
                code=item["code"], score=item["score"], motivation=item["motivation"]
            )
            for item in entry["scores"]
        ),
        total=None if excluded or entry["total"] is None else Decimal(entry["total"]),
        sender_name=f"Team inkoop {tender['region']}",
        sender_function=f"namens {tender['contracting_authority']}",
        signatory=_signatory(snapshot),
        decision=_decision_facts(snapshot),
        replaces=_replaces(snapshot),
    )


def letter_pdf(
    snapshot: Mapping[str, Any], entry: Mapping[str, Any], *, sent_at: datetime
) -> bytes:
    return letter.build_award_letter(letter_data(snapshot, entry, sent_at=sent_at))


def contract_data(
    snapshot: Mapping[str, Any], entry: Mapping[str, Any]
) -> contract.FrameworkContractData:
    """One awarded provider's framework contract, from the frozen snapshot only."""
    tender = snapshot["tender"]
    municipality_names = dict(tender["municipalities"])
    group_names = dict(tender["target_groups"])
    organisation = entry["organisation"]
    lots = []
    for lot in tender["lots"]:
        if lot["code"] not in entry["awarded_lots"]:
            continue
        served: dict[str, list[str]] = {}
        for municipality, group in entry["served"].get(lot["code"], []):
            served.setdefault(municipality, []).append(group)
        lots.append(
            contract.ContractLot(
                code=lot["code"],
                name=lot["name"],
                estimated_value_eur=Decimal(lot["estimated_value_eur"]),
                maximum_value_eur=Decimal(lot["maximum_value_eur"]),
                served=tuple(
                    contract.ServedMunicipality(
                        municipality=municipality_names[code],
                        target_groups=tuple(group_names[g] for g in served[code]),
                    )
                    for code, _name in lot["municipalities"]
                    if code in served
                ),
            )
        )
    terms = tender["contract"]
    # A snapshot from before clause templates belongs to a tender from before them:
    # its contract follows the default as shipped (``clauses.frozen_source``).
    frozen = tender.get("contract_clauses")
    named = frozen["subcontractors"].get(str(entry["bid_id"]), []) if frozen else []
    return contract.FrameworkContractData(
        reference=tender["reference"],
        title=tender["title"],
        contracting_authority=tender["contracting_authority"],
        region=tender["region"],
        court=tender["court"],
        municipalities=tuple(
            contract.Signatory(name=f"Gemeente {name}") for _code, name in tender["municipalities"]
        ),
        provider=contract.ContractProvider(
            organisation_name=organisation["name"],
            kvk_number=organisation["kvk"],
            address=_address(organisation),
            signatory_name=organisation["contact_person"],
        ),
        lots=tuple(lots),
        products=tuple(
            contract.ContractProduct(
                code=p["code"], name=p["name"], unit=p["unit"], tariff_eur=Decimal(p["tariff_eur"])
            )
            for p in tender["products"]
        ),
        start=date.fromisoformat(terms["start_date"]),
        initial_years=int(terms["initial_years"]),
        extension_years=tuple(int(y) for y in terms["extension_years"]),
        notice_months=int(terms["notice_months"]),
        clauses=clauses.frozen_source(
            frozen["source"] if frozen else None, frozen["text"] if frozen else None
        ).template,
        plans=tuple((c["code"], c["title"]) for c in tender["criteria"]),
        submission=contract.SubmissionReference(
            blind_code=entry["blind_code"],
            received_at=datetime.fromisoformat(entry["received_at"]),
            digest=entry["digest"],
        ),
        subcontractors=tuple(
            contract.ContractSubcontractor(name=name, kvk_number=kvk, activities=activities)
            for name, kvk, activities in named
        ),
    )


def contract_pdf(snapshot: Mapping[str, Any], entry: Mapping[str, Any]) -> bytes:
    return contract.build_framework_contract(contract_data(snapshot, entry))


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def coverage_of(snapshot: Mapping[str, Any]) -> coverage.CoverageReport:
    """The coverage check recomputed from the snapshot's frozen inputs (a pure function)."""
    lots = tuple(
        coverage.LotGrid(
            code=lot["code"],
            name=lot["name"],
            minimum=int(lot["minimum"]),
            municipalities=tuple((code, name) for code, name in lot["municipalities"]),
            target_groups=tuple((code, name) for code, name in lot["target_groups"]),
        )
        for lot in snapshot["tender"]["lots"]
    )
    providers = tuple(
        coverage.ProviderCoverage(
            bid_id=entry["bid_id"],
            name=entry["organisation"]["name"],
            cells=frozenset(
                (lot, municipality, group)
                for lot, cells in entry["served"].items()
                for municipality, group in cells
            ),
            network_municipalities=frozenset(entry["network"]),
            awarded_lots=frozenset(entry["awarded_lots"]),
            failure_reasons={
                result["lot"]: tuple(r["text"] for r in result["reasons"])
                for result in entry["lot_results"]
                if result["status"] == "not_awarded"
            },
        )
        for entry in snapshot["bids"]
    )
    return coverage.coverage_report(lots, providers)


def report_data(snapshot: Mapping[str, Any], *, sent_at: datetime | None) -> report.AwardReportData:
    """The award report, from the frozen snapshot only."""
    tender = snapshot["tender"]
    timeline = tender["timeline"]
    codes = [criterion["code"] for criterion in tender["criteria"]]
    letters = [
        evaluator["letter"] for evaluator in snapshot.get("proceedings", {}).get("evaluators", [])
    ]

    def report_bid(entry: Mapping[str, Any]) -> report.ReportBid:
        scores = {item["code"]: item["score"] for item in entry["scores"]}
        complete = all(code in scores for code in codes)
        return report.ReportBid(
            blind_code=entry["blind_code"],
            organisation_name=entry["organisation"]["name"],
            kvk_number=entry["organisation"]["kvk"],
            received_at=datetime.fromisoformat(entry["received_at"]),
            failed_requirements=tuple(
                scoring.RequirementFailure(code=f["code"], title=f["title"], reason=f["reason"])
                for f in entry["requirement_failures"]
            ),
            scores=tuple((code, scores[code]) for code in codes) if complete else (),
            total=Decimal(entry["total"]) if entry["total"] is not None else None,
            results=tuple(
                report.LotOutcome(
                    lot=result["lot"],
                    awarded=result["status"] == "awarded",
                    rank=result["rank"],
                    reasons=tuple(r["text"] for r in result["reasons"]),
                )
                for result in entry["lot_results"]
            ),
            reasons=tuple(r["text"] for r in entry["reasons"]),
            motivations=tuple((item["code"], item["motivation"]) for item in entry["scores"]),
            digest=entry.get("digest") or "",
        )

    return report.AwardReportData(
        reference=tender["reference"],
        title=tender["title"],
        contracting_authority=tender["contracting_authority"],
        region=tender["region"],
        standstill_days=int(tender["standstill_days"]),
        award_mode=tender["award_mode"],
        scale_max=int(tender["scale_max"]),
        scale_min=int(tender.get("scale_min", 0)),
        minimum_total=Decimal(tender["minimum_total"]),
        criteria=tuple(
            report.ReportCriterion(
                code=c["code"], title=c["title"], weight=Decimal(c["weight"]), minimum=c["minimum"]
            )
            for c in tender["criteria"]
        ),
        lots=tuple(
            report.ReportLot(code=lot["code"], name=lot["name"], max_awards=int(lot["max_awards"]))
            for lot in tender["lots"]
        ),
        timeline=report.Timeline(
            published_at=datetime.fromisoformat(timeline["published_at"]),
            qa_rounds=tuple(
                report.QaRoundEntry(
                    number=r["number"], published_at=datetime.fromisoformat(r["published_at"])
                )
                for r in timeline["qa_rounds"]
            ),
            question_deadline=_moment(timeline["question_deadline"]),
            submission_deadline=datetime.fromisoformat(timeline["submission_deadline"]),
            opening_started_at=datetime.fromisoformat(timeline["opening_started_at"]),
            opening_started_by=timeline["opening_started_by"],
            opened_at=datetime.fromisoformat(timeline["opened_at"]),
            opened_by=timeline["opened_by"],
            decided_at=datetime.fromisoformat(
                _context(snapshot).get("decided_at") or timeline["decided_at"]
            ),
            decided_by=_context(snapshot).get("decided_by")
            or timeline["decided_by"]
            or "nog niet genomen (concept)",
            letters_sent_at=sent_at,
        ),
        committee=tuple(
            report.CommitteeMember(
                name=m["name"],
                is_chair=m["chair"],
                declaration_signed_at=_moment(m["signed_at"]),
                conflicts=_bands(m),
                removed_at=_moment(m.get("removed_at")),
                removed_reason=m.get("removed_reason", ""),
                letter=letters[index] if index < len(letters) else "",
            )
            for index, m in enumerate(snapshot["committee"])
        ),
        bids=tuple(report_bid(entry) for entry in snapshot["bids"]),
        coverage=coverage_of(snapshot),
        gap_decisions=tuple(
            report.GapDecisionEntry(
                lot=g["lot"],
                municipality=g["municipality"],
                target_group=g["target_group"],
                decision=g["decision"],
                decided_by=g["decided_by"],
                decided_at=datetime.fromisoformat(g["decided_at"]),
            )
            for g in snapshot["gap_decisions"]
        ),
        draws=tuple(
            report.DrawRecord(
                lot=d["lot"],
                codes=tuple(d["order"]),
                method=d.get("method") or d["note"],
                drawn_by=d.get("drawn_by", ""),
                witnesses=tuple(d.get("witnesses", ())),
                drawn_at=_draw_moment(d),
                recorded_by=d["recorded_by"],
                note=d["note"] if d.get("method") else "",
            )
            for d in snapshot.get("draws", [])
        ),
        history=tuple(version_entry(v) for v in _context(snapshot).get("history", [])),
        signatory=_signatory(snapshot),
        decision=_decision_facts(snapshot),
        proceedings=_proceedings(snapshot),
    )


def _proceedings(snapshot: Mapping[str, Any]) -> report.Proceedings | None:
    """The evaluation's record in the snapshot; None for a snapshot frozen before it
    was recorded there (the report then says so)."""
    recorded = snapshot.get("proceedings")
    if recorded is None:
        return None
    codes = {entry["bid_id"]: entry["blind_code"] for entry in snapshot["bids"]}
    opening = recorded["opening"]["record"]
    head = recorded["audit_head"]
    return report.Proceedings(
        spread_flag=int(recorded["spread_flag"]),
        individual=tuple(
            report.IndividualScore(
                bid=codes[item["bid_id"]],
                criterion=item["criterion"],
                evaluator=item["evaluator"],
                score=item["score"],
                set_aside_at=_moment(item["set_aside_at"]),
                set_aside_reason=item["set_aside_reason"],
            )
            for item in recorded["individual"]
        ),
        consensus=tuple(
            report.ConsensusRecord(
                bid=codes[item["bid_id"]],
                criterion=item["criterion"],
                recorded_by=item["recorded_by"],
                recorded_at=datetime.fromisoformat(item["recorded_at"]),
            )
            for item in recorded["consensus"]
        ),
        reopenings=tuple(
            report.Reopening(
                bid=codes[item["bid_id"]],
                criterion=item["criterion"],
                score=item["score"],
                reason=item["reason"],
                reopened_by=item["reopened_by"],
                reopened_at=datetime.fromisoformat(item["reopened_at"]),
            )
            for item in recorded["reopenings"]
        ),
        opening_record=report.OpeningRecord(
            filename=opening["filename"],
            sha256=opening["sha256"],
            created_at=datetime.fromisoformat(opening["created_at"]),
        )
        if opening
        else None,
        audit_head=report.AuditHead(seq=head["seq"], hash=head["hash"]) if head else None,
        frozen_at=datetime.fromisoformat(snapshot["computed_at"]),
    )


def version_entry(entry: Mapping[str, Any]) -> report.DecisionVersion:
    return report.DecisionVersion(
        version=entry["version"],
        prepared_by=entry["prepared_by"] or "onbekend",
        prepared_at=datetime.fromisoformat(entry["prepared_at"]),
        approved_by=(entry["approved_by"] or "onbekend") if entry["approved_at"] else None,
        approved_at=_moment(entry["approved_at"]),
        sent_back=tuple(
            (datetime.fromisoformat(at), by, reason) for at, by, reason in entry["sent_back"]
        ),
        decided_on=date.fromisoformat(entry["decided_on"]) if entry["decided_on"] else None,
        body=entry["body"],
        mandate=entry["mandate"],
        sent_at=_moment(entry["sent_at"]),
        withdrawn_at=_moment(entry["withdrawn_at"]),
        withdrawn_by=(entry["withdrawn_by"] or "onbekend") if entry["withdrawn_at"] else None,
        withdrawal_reason=entry["withdrawal_reason"],
    )


def report_pdf(snapshot: Mapping[str, Any], *, sent_at: datetime | None) -> bytes:
    return report.build_award_report(report_data(snapshot, sent_at=sent_at))
