"""Aanbestedingsleidraad and planning annex: the tender documents a provider reads.

Built at publication from the configuration copied onto the tender (which is frozen
from then on), so what a provider reads is exactly what will be applied: the same
requirements, criteria, weights, scale, minimums, award mode and tie-break. Only
the dates may change later, through a published nota van inlichtingen; each such
change gives a new planning annex (``build_planning_annex``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from tender.documents.pdf import (
    BODY,
    CLOSING,
    NOTICE,
    SUBTITLE,
    TABLE_TEXT,
    TEXT_WIDTH,
    TITLE,
    bullet_list,
    dutch_list,
    facts_table,
    grid_table,
    markup,
    render,
    section_heading,
)
from tender.timefmt import count_of, format_date, format_datetime, format_eur, format_number

DOCUMENT_TITLE = "Aanbestedingsleidraad"
PLANNING_TITLE = "Planning (bijlage bij de aanbestedingsleidraad)"

PROCEDURES = {
    "SAS": (
        "de procedure voor sociale en andere specifieke diensten (SAS-procedure, "
        "artikel 2.38 en 2.39 Aanbestedingswet 2012)"
    ),
}
EVIDENCE = {
    "required": "een bewijsstuk is verplicht",
    "optional": "een bewijsstuk is toegestaan, niet verplicht",
    "none": "geen bewijsstuk; de verklaring in de inschrijving volstaat",
}
TIE_BREAKS = {
    "criteria_order": (
        "Hebben inschrijvingen dezelfde totaalscore, dan gaat de inschrijving voor die de "
        "hoogste score heeft op het eerste gunningscriterium (in de volgorde van deze "
        "leidraad) waarop zij verschillen. Verschillen zij op geen enkel criterium, dan "
        "beslist loting."
    ),
}


@dataclass(frozen=True)
class ScaleStep:
    score: int
    label: str
    description: str


@dataclass(frozen=True)
class LeidraadLot:
    code: str
    name: str
    municipalities: tuple[str, ...]
    target_groups: tuple[str, ...]
    min_providers_per_cell: int
    max_awards: int
    estimated_value_eur: Decimal
    maximum_value_eur: Decimal


@dataclass(frozen=True)
class LeidraadRequirement:
    code: str
    title: str
    text: str
    evidence: str  # required, optional or none


@dataclass(frozen=True)
class LeidraadCriterion:
    code: str
    title: str
    question: str
    aspects: tuple[str, ...]
    weight: Decimal
    minimum: int
    max_words: int


@dataclass(frozen=True)
class LeidraadProduct:
    code: str
    name: str
    unit: str
    tariff_eur: Decimal


@dataclass(frozen=True)
class Planning:
    """The dates of the procedure (aware datetimes, shown in Europe/Amsterdam)."""

    published_at: datetime
    question_deadline: datetime
    submission_deadline: datetime
    planned_opening: datetime


@dataclass(frozen=True)
class LeidraadData:
    reference: str
    tenderned_reference: str
    title: str
    region: str
    contracting_authority: str
    procedure: str
    planning: Planning
    municipalities: tuple[str, ...]
    target_groups: tuple[str, ...]
    lots: tuple[LeidraadLot, ...]
    requirements: tuple[LeidraadRequirement, ...]
    criteria: tuple[LeidraadCriterion, ...]
    scale: tuple[ScaleStep, ...]
    award_mode: str  # threshold or ranked
    minimum_total: Decimal
    tie_break: str
    products: tuple[LeidraadProduct, ...]
    contract_start: date
    initial_years: int
    extension_years: tuple[int, ...]
    standstill_days: int
    court: str


@dataclass(frozen=True)
class PlanningAnnexData:
    """The planning after a published nota van inlichtingen changed its dates."""

    reference: str
    title: str
    region: str
    contracting_authority: str
    planning: Planning
    round_number: int
    changed_at: datetime
    previous_submission_deadline: datetime
    previous_planned_opening: datetime


def scale_range(scale: tuple[ScaleStep, ...]) -> str:
    """'1 tot en met 5': the lowest and highest score of the file's scale."""
    scores = [step.score for step in scale]
    return f"{min(scores)} tot en met {max(scores)}"


def _planning_rows(planning: Planning) -> list[tuple[str, str]]:
    return [
        ("Publicatie", format_datetime(planning.published_at)),
        ("Uiterste datum voor vragen", format_datetime(planning.question_deadline)),
        ("Uiterste inschrijfdatum", format_datetime(planning.submission_deadline)),
        ("Geplande opening", format_datetime(planning.planned_opening)),
    ]


def _header(data: LeidraadData) -> list[Flowable]:
    return [
        Paragraph(DOCUMENT_TITLE, TITLE),
        Paragraph(markup(f"{data.title} · kenmerk {data.reference}"), SUBTITLE),
        facts_table(
            [
                ("Aanbestedende dienst", data.contracting_authority),
                ("Regio", data.region),
                ("Kenmerk", data.reference),
                ("TenderNed-kenmerk", data.tenderned_reference),
            ]
        ),
    ]


def _procedure(data: LeidraadData) -> list[Flowable]:
    procedure = PROCEDURES.get(data.procedure, data.procedure)
    return [
        *section_heading("1. Procedure"),
        Paragraph(
            f"De Gemeenten besteden deze opdracht aan volgens {markup(procedure)}. De "
            "aanbesteding leidt per perceel tot raamovereenkomsten met de aanbieders aan wie "
            "wordt gegund. De tarieven zijn door de Gemeenten vastgesteld; aanbieders "
            "worden gekozen op kwaliteit.",
            BODY,
        ),
        Paragraph(
            "Deze leidraad, de concept-raamovereenkomst en de nota's van inlichtingen vormen "
            "samen de aanbestedingsdocumenten. Na publicatie liggen de eisen, de "
            "gunningscriteria, de wegingen, de beoordelingsschaal, de minimumscores, de "
            "woordlimieten en de wijze van gunnen vast; alleen de data kunnen nog wijzigen, "
            "en dan alleen via een gepubliceerde nota van inlichtingen.",
            BODY,
        ),
    ]


def _planning(data: LeidraadData) -> list[Flowable]:
    return [
        *section_heading("2. Planning"),
        Paragraph("Alle tijden zijn Nederlandse tijd (Europe/Amsterdam).", BODY),
        facts_table(_planning_rows(data.planning)),
    ]


def _scope(data: LeidraadData) -> list[Flowable]:
    story: list[Flowable] = [
        *section_heading("3. Gemeenten, doelgroepen en percelen"),
        Paragraph(f"Deelnemende gemeenten: {markup(dutch_list(list(data.municipalities)))}.", BODY),
        Paragraph("Doelgroepen:", BODY),
        *bullet_list(list(data.target_groups)),
        Paragraph(
            "U schrijft in op één of meer percelen. Per perceel geeft u op in welke gemeenten "
            "en voor welke doelgroepen u ondersteuning levert.",
            BODY,
        ),
    ]
    rows = []
    for lot in data.lots:
        awards = (
            f"ten hoogste {lot.max_awards} aanbieders"
            if data.award_mode == "ranked"
            else "iedere aanbieder die voldoet"
        )
        rows.append(
            [
                Paragraph(f"<b>{markup(lot.code)}</b><br/>{markup(lot.name)}", TABLE_TEXT),
                Paragraph(
                    f"Gemeenten: {markup(dutch_list(list(lot.municipalities)))}<br/>"
                    f"Doelgroepen: {markup(dutch_list(list(lot.target_groups)))}<br/>"
                    f"Gunning aan: {awards}<br/>"
                    f"Keuze per gemeente en doelgroep: minimaal {lot.min_providers_per_cell} "
                    f"{'aanbieder' if lot.min_providers_per_cell == 1 else 'aanbieders'}",
                    TABLE_TEXT,
                ),
                Paragraph(
                    f"geraamd {format_eur(lot.estimated_value_eur)}<br/>"
                    f"maximaal {format_eur(lot.maximum_value_eur)}",
                    TABLE_TEXT,
                ),
            ]
        )
    story.append(
        grid_table(["Perceel", "Omvang", "Waarde"], rows, [40 * mm, TEXT_WIDTH - 84 * mm, 44 * mm])
    )
    return story


def _requirements(data: LeidraadData) -> list[Flowable]:
    story: list[Flowable] = [
        *section_heading("4. Eisen (knock-out)"),
        Paragraph(
            "Elke eis is een knock-outeis: voldoet een inschrijving niet aan een eis, dan "
            "wordt zij uitgesloten en niet op de gunningscriteria beoordeeld. Per eis staat "
            "of u een bewijsstuk (PDF) moet meesturen.",
            BODY,
        ),
    ]
    rows = [
        [
            Paragraph(markup(requirement.code), TABLE_TEXT),
            Paragraph(
                f"<b>{markup(requirement.title)}</b><br/>{markup(requirement.text)}", TABLE_TEXT
            ),
            Paragraph(markup(EVIDENCE.get(requirement.evidence, requirement.evidence)), TABLE_TEXT),
        ]
        for requirement in data.requirements
    ]
    story.append(
        grid_table(
            ["Eis", "Inhoud", "Bewijsstuk"],
            rows,
            [18 * mm, TEXT_WIDTH - 64 * mm, 46 * mm],
            split_rows=True,
        )
    )
    return story


def _criteria(data: LeidraadData) -> list[Flowable]:
    story: list[Flowable] = [
        *section_heading("5. Gunningscriteria"),
        Paragraph(
            "U beantwoordt elk gunningscriterium met een plan van aanpak, binnen de "
            "woordlimiet. Tekst boven de woordlimiet kan niet worden ingediend.",
            BODY,
        ),
    ]
    rows = [
        [
            Paragraph(markup(criterion.code), TABLE_TEXT),
            Paragraph(markup(criterion.title), TABLE_TEXT),
            Paragraph(f"weging {format_number(criterion.weight)}", TABLE_TEXT),
            Paragraph(f"minimaal {criterion.minimum}", TABLE_TEXT),
            Paragraph(count_of(criterion.max_words, "woord", "woorden"), TABLE_TEXT),
        ]
        for criterion in data.criteria
    ]
    story.append(
        grid_table(
            ["Code", "Criterium", "Weging", "Minimumscore", "Woordlimiet"],
            rows,
            [16 * mm, TEXT_WIDTH - 98 * mm, 22 * mm, 32 * mm, 28 * mm],
        )
    )
    for criterion in data.criteria:
        story += section_heading(f"{markup(criterion.code)} – {markup(criterion.title)}")
        story.append(Paragraph(markup(criterion.question), BODY))
        if criterion.aspects:
            story.append(Paragraph("De beoordelaars letten op:", BODY))
            story += bullet_list(list(criterion.aspects))
    return story


def _scale(data: LeidraadData) -> list[Flowable]:
    maximum = max(step.score for step in data.scale)
    rows = [
        [
            Paragraph(str(step.score), TABLE_TEXT),
            Paragraph(markup(step.label), TABLE_TEXT),
            Paragraph(markup(step.description) or "—", TABLE_TEXT),
        ]
        for step in data.scale
    ]
    return [
        *section_heading("6. Beoordeling en scores"),
        Paragraph(
            f"Elk criterium wordt gescoord op een schaal van {scale_range(data.scale)}, met "
            "deze niveaus:",
            BODY,
        ),
        grid_table(
            ["Score", "Niveau", "Omschrijving"],
            rows,
            [16 * mm, 30 * mm, TEXT_WIDTH - 46 * mm],
            split_rows=True,
        ),
        Paragraph(
            "Iedere beoordelaar scoort eerst zelfstandig; daarna stelt de commissie per "
            "criterium een consensusscore vast, met een schriftelijke motivering.",
            BODY,
        ),
        Paragraph(
            "De totaalscore ligt tussen 0 en 100: 100 × (de som van weging × score over alle "
            f"criteria) / ({maximum} × de som van de wegingen).",
            BODY,
        ),
    ]


def _award(data: LeidraadData) -> list[Flowable]:
    minimum = (
        "Een inschrijving komt alleen in aanmerking als zij aan alle eisen voldoet en op elk "
        "criterium ten minste de minimumscore haalt"
    )
    if data.minimum_total > 0:
        minimum += f", en een totaalscore van ten minste {format_number(data.minimum_total)} heeft"
    minimum += "."
    if data.award_mode == "ranked":
        mode = (
            "Per perceel wordt gegund aan de inschrijvingen met de hoogste totaalscores, tot "
            "het aantal aanbieders dat bij het perceel staat (gunning op rangorde)."
        )
    else:
        mode = (
            "Per perceel wordt gegund aan iedere inschrijving die in aanmerking komt "
            "(gunning aan allen die voldoen en voldoende scoren)."
        )
    tie_break = TIE_BREAKS.get(data.tie_break, data.tie_break)
    return [
        *section_heading("7. Gunning"),
        Paragraph(minimum, BODY),
        Paragraph(mode, BODY),
        Paragraph(f"<b>Gelijke scores.</b> {markup(tie_break)}", BODY),
    ]


def _products(data: LeidraadData) -> list[Flowable]:
    rows = [
        [
            Paragraph(markup(product.code), TABLE_TEXT),
            Paragraph(markup(product.name), TABLE_TEXT),
            Paragraph(markup(product.unit), TABLE_TEXT),
            Paragraph(format_eur(product.tariff_eur), TABLE_TEXT),
        ]
        for product in data.products
    ]
    extensions = dutch_list([f"{years} jaar" for years in data.extension_years])
    term = f"De raamovereenkomsten gaan in op {format_date(data.contract_start)} en lopen "
    term += f"{data.initial_years} jaar"
    if data.extension_years:
        term += f", met de mogelijkheid tot verlenging met {extensions}"
    term += ". De concept-raamovereenkomst hoort bij deze leidraad."
    return [
        *section_heading("8. Producten, tarieven en overeenkomst"),
        Paragraph("De Gemeenten betalen per product het vastgestelde tarief per eenheid:", BODY),
        grid_table(
            ["Code", "Product", "Eenheid", "Tarief"],
            rows,
            [20 * mm, TEXT_WIDTH - 68 * mm, 20 * mm, 28 * mm],
        ),
        Paragraph(term, BODY),
    ]


def _questions_and_submission(data: LeidraadData) -> list[Flowable]:
    question_deadline = format_datetime(data.planning.question_deadline)
    submission_deadline = format_datetime(data.planning.submission_deadline)
    return [
        *section_heading("9. Vragen stellen"),
        Paragraph(
            "Vragen stelt u alleen via het aanbestedingsportal: log in als aanbieder, open "
            "deze aanbesteding en kies <b>Vragen</b>. Vragen kunnen tot "
            f"{question_deadline}. Alle vragen worden geanonimiseerd beantwoord in een nota "
            "van inlichtingen, die voor alle aanbieders gelijk is en deel uitmaakt van de "
            "aanbestedingsdocumenten. Verandert een nota de data, dan staat dat in de nota "
            "en komt er een nieuwe bijlage Planning.",
            BODY,
        ),
        *section_heading("10. Inschrijven"),
        Paragraph(
            "U schrijft alleen in via het aanbestedingsportal: log in als aanbieder, open "
            "deze aanbesteding en kies <b>Inschrijven</b>. Kies de percelen, geef per "
            "perceel de gemeenten en doelgroepen op, verklaar per eis dat u eraan voldoet "
            "(met bewijsstuk waar gevraagd) en schrijf per criterium uw plan. Dien daarna "
            f"in, uiterlijk op {submission_deadline}.",
            BODY,
        ),
        Paragraph(
            "U ontvangt bij elke indiening een ontvangstbevestiging met het tijdstip van "
            "ontvangst en de SHA-256-vingerafdruk van wat u heeft ingediend. Tot de uiterste "
            "inschrijfdatum kunt u opnieuw indienen; alleen de laatste indiening telt. Na de "
            "uiterste inschrijfdatum kan niets meer worden ingediend of gewijzigd. Tot de "
            "opening blijven inschrijvingen verzegeld.",
            BODY,
        ),
    ]


def _remedies(data: LeidraadData) -> list[Flowable]:
    return [
        *section_heading("11. Gunningsbeslissing, opschortende termijn en rechtsbescherming"),
        Paragraph(
            "Iedere inschrijver ontvangt tegelijk een gemotiveerde gunningsbeslissing. Daarna "
            f"geldt een opschortende termijn van {data.standstill_days} kalenderdagen; de "
            "einddatum staat in de brief. Binnen die termijn worden geen raamovereenkomsten "
            "gesloten.",
            BODY,
        ),
        Paragraph(
            "Bent u het niet eens met de gunningsbeslissing, dan kunt u binnen de opschortende "
            "termijn een kort geding aanhangig maken bij de voorzieningenrechter van de "
            f"{markup(data.court)}. Doet u dat niet, dan wordt de gunning definitief. Op deze "
            "aanbesteding is Nederlands recht van toepassing.",
            BODY,
        ),
    ]


def build_leidraad(data: LeidraadData) -> bytes:
    """The aanbestedingsleidraad as a PDF; the same data gives the same bytes."""
    story: list[Flowable] = [
        *_header(data),
        *_procedure(data),
        *_planning(data),
        *_scope(data),
        *_requirements(data),
        *_criteria(data),
        *_scale(data),
        *_award(data),
        *_products(data),
        *_questions_and_submission(data),
        *_remedies(data),
        Paragraph(
            "Dit document is bij publicatie automatisch opgesteld uit de vastgelegde "
            "configuratie van de aanbesteding en daarom niet ondertekend.",
            CLOSING,
        ),
    ]
    return render(
        story,
        title=DOCUMENT_TITLE,
        authority=data.contracting_authority,
        region=data.region,
        reference=data.reference,
        subject=data.title,
    )


def build_planning_annex(data: PlanningAnnexData) -> bytes:
    """The planning as changed by nota van inlichtingen ``round_number``, as a PDF."""
    changes: list[str] = []
    if data.previous_submission_deadline != data.planning.submission_deadline:
        changes.append(
            f"De uiterste inschrijfdatum is gewijzigd van "
            f"{format_datetime(data.previous_submission_deadline)} naar "
            f"{format_datetime(data.planning.submission_deadline)}."
        )
    if data.previous_planned_opening != data.planning.planned_opening:
        changes.append(
            f"De geplande opening is gewijzigd van "
            f"{format_datetime(data.previous_planned_opening)} naar "
            f"{format_datetime(data.planning.planned_opening)}."
        )
    story: list[Flowable] = [
        Paragraph("Planning", TITLE),
        Paragraph(
            markup(
                f"{data.title} · kenmerk {data.reference}\n"
                f"Bijlage bij de aanbestedingsleidraad, gewijzigd door nota van inlichtingen "
                f"{data.round_number} van {format_datetime(data.changed_at)}"
            ),
            SUBTITLE,
        ),
        *[Paragraph(markup(change), NOTICE) for change in changes],
        Paragraph(
            "Deze planning vervangt de planning in de aanbestedingsleidraad. Alle tijden "
            "zijn Nederlandse tijd (Europe/Amsterdam).",
            BODY,
        ),
        facts_table(_planning_rows(data.planning)),
        Paragraph("Dit document is automatisch opgesteld en daarom niet ondertekend.", CLOSING),
    ]
    return render(
        story,
        title=PLANNING_TITLE,
        authority=data.contracting_authority,
        region=data.region,
        reference=data.reference,
        subject=data.title,
    )
