"""The demo instance: a published tender, one account per role, demo providers.

Everything made here is labelled demo (``is_demo``; e-mail addresses under
``demo.example``; organisation names ending in "(demo)"). Running it again
reuses what exists and issues fresh passwords, so the printed credentials are
always the valid ones. Demo bids are made through the same services a provider
uses; their plans start with "DEMO" and their evidence PDFs say they are demo.
"""

from __future__ import annotations

import io
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from reportlab.pdfgen import canvas
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import PROJECT_ROOT, timefmt
from tender.accounts import service as accounts
from tender.accounts.models import Organisation, Role, User
from tender.bids import service as bid_service
from tender.bids.models import Bid, BidStatus
from tender.bids.uploads import uploads_dir
from tender.config import DEFAULTS
from tender.criteria import load_criteria
from tender.documents import service as documents
from tender.errors import DomainError
from tender.evaluation import service as evaluation
from tender.tenders import dates
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
    bids: int = 0


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


def _published_tender(
    session: Session, criteria_path: Path, now: datetime, *, in_the_past: bool, instance_path: str
) -> Tender:
    spec = load_criteria(criteria_path)
    tender = session.scalar(select(Tender).where(Tender.reference == spec.tender.reference))
    if tender is not None:
        if not tender.is_demo:
            raise DomainError(
                f"Aanbesteding {tender.reference} bestaat al en is geen demo; "
                "de demo laat echte aanbestedingen ongemoeid."
            )
        if in_the_past:
            raise DomainError(
                f"De demo-aanbesteding {tender.reference} bestaat al (status {tender.state}). "
                "Bouw een latere fase op in een lege database of een nieuwe instance-map."
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
    days = DEADLINE_AFTER_START.days if in_the_past else 28
    tenders.set_schedule(
        session,
        tender=tender,
        question_deadline=timefmt.local_to_utc(today + timedelta(days=days // 2), time(12, 0)),
        submission_deadline=timefmt.local_to_utc(today + timedelta(days=days), time(12, 0)),
        planned_opening=timefmt.local_to_utc(today + timedelta(days=days), time(14, 0)),
        tenderned_reference=f"DEMO-{today:%Y%m%d}",
        actor=None,
        now=now,
    )
    # The example file starts the contract in 2022: move it to the same day in the
    # first year that leaves room for the standstill, as publication requires.
    assert tender.submission_deadline is not None
    tenders.set_contract_start(
        session,
        tender=tender,
        start_date=dates.workable_start(
            tender.contract_terms.start_date,
            submission_deadline=tender.submission_deadline,
            standstill_days=tender.standstill_days,
        ),
        actor=None,
        now=now,
    )
    tenders.publish(
        session,
        tender=tender,
        actor=None,
        now=now,
        storage_dir=documents.documents_dir(instance_path),
    )
    return tender


PLAN_SENTENCES = (
    "Onze begeleiders werken vanuit de vraag van de inwoner en stellen samen met het sociaal "
    "team concrete resultaten op.",
    "Bij elke evaluatie bekijken we of de ondersteuning kan worden afgeschaald naar een lichtere "
    "vorm of naar het voorliggend veld.",
    "We werken samen met welzijnsorganisaties, vrijwilligers en mantelzorgondersteuning "
    "in de wijk.",
    "Jongeren vanaf 16 jaar begeleiden we volgens de Big-5 benadering: support, wonen, school en "
    "werk, inkomen en welzijn.",
    "Medewerkers volgen jaarlijks scholing over herstelgericht werken en over de sociale kaart.",
    "Afronding gebeurt met een warme overdracht en een nazorgafspraak na drie maanden.",
    "Informele steun uit het eigen netwerk van de inwoner zetten we vanaf de start in.",
    "We meten cliënttevredenheid en doelrealisatie en bespreken die in het accountgesprek.",
    "Waar nodig werken we met ervaringsdeskundigen in het team.",
    "Casusregie ligt bij het sociaal team; wij rapporteren over de voortgang op de "
    "afgesproken doelen.",
)
PARTNER_NAMES = ("Welzijnsstichting", "Vrijwilligerscentrale", "Sportservice", "Mantelzorgpunt")


def _evidence_pdf(text: str) -> bytes:
    """A small real PDF standing in for a provider's evidence document (demo only)."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=True)
    page.drawString(72, 760, "DEMO-bewijsstuk (geen echt document)")
    page.drawString(72, 740, text)
    page.save()
    return buffer.getvalue()


def _plan_pdf(organisation: Organisation | None) -> bytes:
    """A demo work description attached to a plan; with ``organisation`` it names the
    bidder (as some real attachments do), so that the committee gets it held back."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=True)
    page.drawString(72, 760, "DEMO-bijlage: onze werkwijze (geen echt document)")
    page.drawString(72, 740, "Wij starten met een keukentafelgesprek en werken met een vast team.")
    if organisation is not None:
        page.drawString(72, 720, f"Meer over {organisation.name}: {organisation.website}")
        page.drawString(72, 700, f"KvK {organisation.kvk_number}, {organisation.street_address}")
    page.save()
    return buffer.getvalue()


def _demo_bid(
    session: Session,
    *,
    tender: Tender,
    provider: User,
    number: int,
    storage_dir: Path,
    now: datetime,
) -> Bid:
    """A complete, submitted demo bid with seeded, varied content."""
    generator = random.Random(number)
    bid = bid_service.start_bid(
        session,
        tender=tender,
        organisation=provider.organisation,
        actor=provider,
        now=now,
        is_demo=True,
    )
    if bid.status == BidStatus.SUBMITTED:
        return bid
    lots = [lot for lot in tender.lots if generator.random() < 0.7] or [tender.lots[0]]
    bid_service.set_lots(session, bid=bid, lots=lots, actor=provider, now=now)
    for requirement in tender.requirements:
        evidence = None
        if requirement.evidence == "required":
            evidence = bid_service.add_attachment(
                session,
                bid=bid,
                filename=f"bewijs-{requirement.code.lower()}.pdf",
                content=_evidence_pdf(f"Eis {requirement.code}: {requirement.title}"),
                storage_dir=storage_dir,
                max_bytes=10 * 1024 * 1024,
                actor=provider,
                now=now,
            )
        bid_service.declare_requirement(
            session,
            bid=bid,
            requirement=requirement,
            complies=True,
            evidence=evidence,
            actor=provider,
            now=now,
        )
    for lot in lots:
        municipalities = generator.sample(
            lot.municipalities, k=generator.randint(1, len(lot.municipalities))
        )
        groups = generator.sample(lot.target_groups, k=generator.randint(1, len(lot.target_groups)))
        cells = {(m.id, g.id) for m in municipalities for g in groups}
        bid_service.set_coverage(session, bid=bid, lot=lot, cells=cells, actor=provider, now=now)
    served = bid_service.served_municipality_ids(bid)
    for municipality in tender.municipalities:
        if municipality.id in served:
            bid_service.add_network_partner(
                session,
                bid=bid,
                municipality=municipality,
                name=f"{generator.choice(PARTNER_NAMES)} {municipality.name} (demo)",
                kind=generator.choice(bid_service.NETWORK_KINDS[:5]),
                cooperation="Gezamenlijke intake en warme overdracht bij afschalen (demo).",
                actor=provider,
                now=now,
            )
    # Every demo bid attaches its work description to the first criterion; the first
    # bid's names its organisation, so the opened demo shows a held-back attachment.
    work_description = bid_service.add_attachment(
        session,
        bid=bid,
        filename="werkwijze.pdf",
        content=_plan_pdf(provider.organisation if number == 1 else None),
        storage_dir=storage_dir,
        max_bytes=10 * 1024 * 1024,
        actor=provider,
        now=now,
    )
    for criterion in tender.criteria:
        sentences = generator.sample(PLAN_SENTENCES, k=generator.randint(3, len(PLAN_SENTENCES)))
        words = ("DEMO-plan. " + " ".join(sentences)).split()[: criterion.max_words]
        bid_service.save_plan(
            session,
            bid=bid,
            criterion=criterion,
            text=" ".join(words),
            attachment=work_description if criterion == tender.criteria[0] else None,
            actor=provider,
            now=now,
        )
    bid_service.submit(session, bid=bid, actor=provider, now=now)
    return bid


# How far the demo takes the tender. Beyond "submitted" the procedure is played
# out in the past (published 40 days ago, deadline 20 days ago), because bids can
# only be opened after the deadline.
PHASES = ("published", "submitted", "opened", "scored", "advice", "sent")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# The demo decision is taken by the first municipality's college for the region (labelled demo).
DEMO_BODY = "het college van burgemeester en wethouders van {municipality} (DEMO)"
DEMO_MANDATE = "namens de colleges van de {authority} (DEMO)"
PAST_START = timedelta(days=40)
DEADLINE_AFTER_START = timedelta(days=20)

MOTIVATIONS = (
    "Het plan {verdict}; de aanpak is {depth} uitgewerkt en sluit {fit} aan op de vraag.",
    "De inschrijver beschrijft {depth} hoe de ondersteuning wordt ingericht; het plan {verdict}.",
    "Op de aandachtspunten van dit criterium is het plan {depth} concreet en het {verdict}.",
)


def _motivation(generator: random.Random, score: int, scale_max: int) -> str:
    share = score / scale_max if scale_max else 0
    verdict = "overtuigt" if share >= 0.75 else "voldoet" if share >= 0.55 else "schiet tekort"
    depth = "zeer concreet" if share >= 0.75 else "redelijk" if share >= 0.55 else "weinig"
    fit = "goed" if share >= 0.55 else "onvoldoende"
    text = generator.choice(MOTIVATIONS).format(verdict=verdict, depth=depth, fit=fit)
    return f"DEMO-motivering. {text}"


def _nearest(levels: list[int], value: float) -> int:
    return min(levels, key=lambda level: (abs(level - value), -level))


def _open_bids(
    session: Session, tender: Tender, staff: dict[str, User], instance_path: str
) -> None:
    deadline = tender.submission_deadline
    assert deadline is not None
    tenders.close_if_due(session, tender=tender, now=deadline)
    evaluation.start_opening(
        session, tender=tender, actor=staff["inkoper"], now=deadline + timedelta(hours=1)
    )
    evaluation.confirm_opening(
        session,
        tender=tender,
        actor=staff["inkoper2"],
        now=deadline + timedelta(hours=1, minutes=5),
        storage_dir=documents.documents_dir(instance_path),
        uploads_dir=uploads_dir(instance_path),
    )


def _score_bids(session: Session, tender: Tender, staff: dict[str, User]) -> None:
    """Committee, declarations, requirement checks, scores and consensus, all seeded."""
    deadline = tender.submission_deadline
    assert deadline is not None
    when = deadline + timedelta(days=1)
    members = [
        evaluation.add_member(
            session,
            tender=tender,
            user=staff[f"beoordelaar{n}"],
            is_chair=n == 1,
            actor=staff["inkoper"],
            now=when,
        )
        for n in (1, 2, 3)
    ]
    # By id, not by blind number: blind numbers are drawn at random, the demo is seeded.
    bids = sorted(evaluation.received_bids(session, tender), key=lambda b: b.id)
    # Evaluator 3 declares a band with one named bidder (the second bid's organisation).
    conflict = bids[1].organisation_id if len(bids) > 1 else None
    for member in members:
        with_band = member.user.email.startswith("beoordelaar3")
        evaluation.sign_declaration(
            session,
            member=member,
            answers={
                b.kvk_number: evaluation.Answer(
                    band=with_band and b.organisation_id == conflict,
                    explanation="DEMO: mijn zus is teamleider bij deze organisatie.",
                )
                for b in evaluation.bidders(session, tender)
            },
            statement="DEMO-verklaring.",
            now=when,
        )
    generator = random.Random(2022)
    for index, bid in enumerate(bids):
        fails = index % 9 == 4 and tender.requirements
        for position, requirement in enumerate(tender.requirements):
            failed = bool(fails) and position == len(tender.requirements) - 1
            evaluation.record_requirement_check(
                session,
                bid=bid,
                requirement=requirement,
                complies=not failed,
                reason="DEMO: het bewijsstuk dekt de gevraagde situatie niet." if failed else "",
                actor=staff["inkoper"],
                now=when + timedelta(hours=2),
            )
    excluded = evaluation.excluded_bid_ids(session, tender)
    levels = sorted(level.score for level in tender.scale_levels)
    scale_max = levels[-1]
    minimum_chars = 50
    chair = members[0]
    for bid in bids:
        if bid.id in excluded:
            continue
        quality = generator.uniform(0.35, 0.95) * scale_max
        for criterion in tender.criteria:
            given = []
            for member in evaluation.evaluators_for(members, bid):
                score = _nearest(levels, quality + generator.gauss(0, scale_max * 0.12))
                given.append(score)
                evaluation.save_score(
                    session,
                    member=member,
                    bid=bid,
                    criterion=criterion,
                    score=score,
                    motivation=_motivation(generator, score, scale_max),
                    minimum_motivation=minimum_chars,
                    excluded=excluded,
                    now=when + timedelta(days=2),
                )
            agreed = sorted(given)[len(given) // 2]
            evaluation.record_consensus(
                session,
                member=chair,
                bid=bid,
                criterion=criterion,
                score=agreed,
                motivation="Consensus van de commissie. "
                + _motivation(generator, agreed, scale_max),
                expected_version=None,
                minimum_motivation=minimum_chars,
                excluded=excluded,
                is_open=True,
                now=when + timedelta(days=4),
            )
    evaluation.complete_evaluation(
        session, tender=tender, actor=staff["inkoper"], now=when + timedelta(days=5)
    )


def _advise(session: Session, tender: Tender, staff: dict[str, User], now: datetime):  # type: ignore[no-untyped-def]
    """The inkoper decides every coverage gap and draws every tie, then prepares the
    award advice (for the second inkoper to review)."""
    from tender.award import draws, gaps, steps
    from tender.award.outcome import tender_outcome

    officer = staff["inkoper"]
    lots = {lot.code: lot for lot in tender.lots}
    for gap in gaps.undecided_gaps(session, tender):
        lot = lots[gap.lot]
        gaps.record_gap_decision(
            session,
            tender=tender,
            lot=lot,
            municipality=next(m for m in lot.municipalities if m.code == gap.municipality),
            target_group=next(g for g in lot.target_groups if g.code == gap.target_group)
            if gap.target_group
            else None,
            decision="DEMO: aanvullende contractering door de regio.",
            actor=officer,
            now=now,
        )
    for lot_code, tied in tender_outcome(session, tender).outcome.unresolved_ties.items():
        draws.record_draw(
            session,
            tender=tender,
            lot_code=lot_code,
            places={bid_id: place for place, bid_id in enumerate(sorted(tied), start=1)},
            method="DEMO: genummerde loten in een gesloten doos.",
            drawn_by="DEMO: notaris mr. P. Lot",
            witnesses=["DEMO: I. Inkoper"],
            drawn_at=now - timedelta(hours=1),
            note="",
            actor=officer,
            now=now,
        )
    return steps.prepare_advice(session, tender=tender, actor=officer, now=now)


def decide(session: Session, decision, *, inkoper: User, approver: User, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """The award advice taken to a recorded decision as the demo's inkopers do it: the
    drafted strengths confirmed, the advice approved by the second inkoper, a demo
    signatory if the criteria file has none, the decision recorded and the letters
    previewed by the approver (who may then send them)."""
    from tender.award import steps, strengths
    from tender.timefmt import to_local

    if strengths.needed(decision.snapshot):  # the drafted texts, as the inkoper confirms them
        strengths.edit(session, decision=decision, edited={}, confirm=True, actor=inkoper, now=now)
    steps.review_advice(
        session, decision=decision, approve=True, reason="", actor=approver, now=now
    )
    if not decision.tender.signatory_name:  # a criteria file without [signatory]
        tenders.set_signatory(
            session,
            tender=decision.tender,
            name="DEMO-ondertekenaar",
            function="Manager inkoop sociaal domein (DEMO)",
            actor=inkoper,
            now=now,
        )
    steps.record_decision(
        session,
        decision=decision,
        decided_on=to_local(now).date(),
        body=DEMO_BODY.format(municipality=decision.tender.municipalities[0].name),
        mandate=DEMO_MANDATE.format(authority=_lower_first(decision.tender.contracting_authority)),
        actor=inkoper,
        now=now,
    )
    steps.record_preview(session, decision=decision, actor=approver, now=now)


def _send(
    session: Session,
    decision,  # type: ignore[no-untyped-def]
    staff: dict[str, User],
    *,
    now: datetime,
    instance_path: str,
    mail_config: Mapping[str, Any],
) -> None:
    """The advice is approved and decided (``decide``) and the letters are made and
    sent (the standstill starts today)."""
    from tender.award import documents as award_documents

    approver = staff["inkoper2"]
    decide(session, decision, inkoper=staff["inkoper"], approver=approver, now=now)
    plan, finish = award_documents.job_plan(
        award_documents.LETTERS,
        tender_id=decision.tender_id,
        decision_id=decision.id,
        snapshot=award_documents.documented(session, decision),
        storage_dir=documents.documents_dir(instance_path),
        actor_id=approver.id,
        started_at=now,
        config=mail_config,
        instance_path=instance_path,
    )
    for step in plan:
        step(session)
    finish(session, now)


def build(
    session: Session,
    *,
    criteria_path: Path | None,
    bids: int,
    now: datetime,
    instance_path: str,
    phase: str | None = None,
    mail_config: Mapping[str, Any] | None = None,
) -> DemoResult:
    """Create (or refresh) the demo instance and return the credentials to print.

    With ``bids`` > 0, that many demo providers each submit a complete bid
    (their evidence PDFs are stored in the uploads of ``instance_path``, the tender
    documents made at publication in its documents). ``phase`` takes the
    tender further: "opened" (opened by two officers), "scored" (checked,
    scored blind by three evaluators, consensus recorded: state beoordeeld),
    "advice" (gaps decided, ties drawn, the award advice awaiting the second
    inkoper's review) or "sent" (approved, decided, letters made and sent: state
    voorlopig gegund). ``mail_config`` is the app's mail configuration for the
    letters' notifications (default: write them to the outbox).
    """
    phase = phase or ("submitted" if bids else "published")
    if phase not in PHASES:
        raise DomainError(f"Onbekende fase {phase}; kies uit {', '.join(PHASES)}.")
    in_the_past = phase in ("opened", "scored", "advice", "sent")
    start = now - PAST_START if in_the_past else now
    path = criteria_path or DEFAULT_CRITERIA
    tender = _published_tender(
        session, path, start, in_the_past=in_the_past, instance_path=instance_path
    )
    result = DemoResult(tender=tender)
    staff: dict[str, User] = {}
    for role, local_part, name in STAFF:
        user, password = _account(session, role=role, local_part=local_part, name=name, now=start)
        staff[local_part] = user
        result.credentials.append((user.role_label, user.email, password))
    for number in range(1, max(len(PROVIDERS), bids) + 1):
        user, password = _provider(session, number, start)
        if number <= len(PROVIDERS):
            result.credentials.append((user.role_label, user.email, password))
        if number <= bids:
            _demo_bid(
                session,
                tender=tender,
                provider=user,
                number=number,
                storage_dir=uploads_dir(instance_path),
                now=start + timedelta(days=1, seconds=number) if in_the_past else now,
            )
            result.bids += 1
    if in_the_past:
        _open_bids(session, tender, staff, instance_path)
        if phase in ("scored", "advice", "sent"):
            _score_bids(session, tender, staff)
        if phase in ("advice", "sent"):
            decision = _advise(session, tender, staff, now)
            if phase == "sent":
                _send(
                    session,
                    decision,
                    staff,
                    now=now,
                    instance_path=instance_path,
                    mail_config=mail_config or DEFAULTS,
                )
    session.flush()
    return result


def describe(result: DemoResult) -> str:
    """The text the demo command prints."""
    lines = [
        f"Demo klaar: aanbesteding {result.tender.reference} ({result.tender.state}), "
        f"{timefmt.count_of(result.bids, 'demo-inschrijving', 'demo-inschrijvingen')}; "
        "alle gegevens zijn gemarkeerd als demo.",
        "",
        "Inloggegevens (wachtwoorden zijn bij elke demo-run nieuw):",
    ]
    width = max(len(email) for _, email, _ in result.credentials)
    lines += [
        f"  {role:<12} {email:<{width}}  {password}" for role, email, password in result.credentials
    ]
    return "\n".join(lines)
