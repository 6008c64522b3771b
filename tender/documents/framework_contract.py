"""Raamovereenkomst: the framework contract with one awarded provider (DOMAIN.md 5.6).

The parties, the signatures and the annexes are laid out here; the articles come
from the tender's clause template (``tender.criteria.clauses``, criteria/README.md),
filled in with this contract's facts. An article may end with a computed table: the
term (start, initial end, each optional extension with the date by which the
municipalities say whether they extend, and the maximum term) or the estimated and
maximum value of each lot. The annexes:

1. the lots awarded, with the municipalities and target groups the provider
   declared to serve in each;
2. the products with their tariffs;
3. the verwerkersovereenkomst, from the template as well;
4. the provider's bid by reference: blind code, time of receipt, the SHA-256 digest
   of the version submitted and the titles of its plans (not their content).

The concept contract published with the tender (no provider yet) prints
placeholders where the provider's details, lots and bid will stand.

Dates of the term (``contract_dates``), as lawyers ask about them:

- A period of N years starting on day S ends on the day before the N-th
  anniversary of S (2 years from 1 July 2022: 30 June 2024). Every end is counted
  from the contract's start, so extensions never drift. An anniversary of
  29 February in a common year is 1 March (so the period ends on 28 February).
- Notice of (non-)extension is due ``notice_months`` before the end of the period
  that is running: the same day number that many months earlier, or the last
  day of that month when it is shorter (31 May - 3 months = 28 or 29 February;
  30 June 2024 - 3 months = 30 March 2024).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Spacer,
    Table,
    TableStyle,
)

from tender.criteria import clauses
from tender.documents.pdf import (
    BODY,
    CLOSING,
    MONO_SMALL,
    NOTICE,
    RULE_GREY,
    SUBTITLE,
    TABLE_HEADER,
    TABLE_TEXT,
    TEXT_GREY,
    TEXT_WIDTH,
    TITLE,
    Paragraph,
    bullet_list,
    dutch_list,
    facts_table,
    grid_table,
    markup,
    render,
    section_heading,
)
from tender.timefmt import format_date, format_datetime_seconds, format_eur

DOCUMENT_TITLE = "Raamovereenkomst"
CONCEPT_TITLE = "Concept-raamovereenkomst"
# What the concept contract (published with the tender, before any provider is known)
# prints where the provider's details will stand.
PROVIDER_PLACEHOLDER = "[naam aanbieder]"
KVK_PLACEHOLDER = "[KvK-nummer]"
ADDRESS_PLACEHOLDER = "[adres]"
_SIGNATURE_LABEL = ParagraphStyle("SignatureLabel", parent=TABLE_TEXT, textColor=TEXT_GREY)
_BLANK = "_" * 28
_LABEL_COLUMN = 28 * mm
_NUMBER_WIDTH = 10 * mm
# An annex's article heading moves to the next page rather than end a page alone.
_ARTICLE_ROOM = 25 * mm
_NUMBERED = ParagraphStyle("Numbered", parent=BODY, leftIndent=_NUMBER_WIDTH, bulletIndent=0)
_ITEM = ParagraphStyle(
    "ClauseItem", parent=BODY, leftIndent=6 * mm, bulletIndent=1 * mm, spaceAfter=1.5 * mm
)
_NUMBERED_ITEM = ParagraphStyle(
    "NumberedItem",
    parent=_ITEM,
    leftIndent=_NUMBER_WIDTH + 6 * mm,
    bulletIndent=_NUMBER_WIDTH + 1 * mm,
)


@dataclass(frozen=True)
class Extension:
    """One optional extension: the period it adds and when notice of it is due.

    ``notice_by`` is the last day on which the municipalities tell the provider
    whether the contract is extended by this period.
    """

    years: int
    start: date
    end: date
    notice_by: date


@dataclass(frozen=True)
class ContractDates:
    start: date
    initial_years: int
    initial_end: date
    extensions: tuple[Extension, ...]

    @property
    def maximum_years(self) -> int:
        """The maximum term in years, all extensions included."""
        return self.initial_years + sum(extension.years for extension in self.extensions)

    @property
    def final_end(self) -> date:
        """The last day of the contract when every extension is used."""
        return self.extensions[-1].end if self.extensions else self.initial_end


def _anniversary(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a common year
        return date(start.year + years, 3, 1)


def months_before(day: date, months: int) -> date:
    """The same day number ``months`` earlier, clamped to the end of a shorter month."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def contract_dates(
    start: date, initial_years: int, extension_years: Sequence[int], notice_months: int
) -> ContractDates:
    """The contract's term: initial end, and each extension's end and notice date.

    See the module docstring for the rules. Raises ValueError for a period shorter
    than a year or a negative notice period.
    """
    if initial_years < 1 or any(years < 1 for years in extension_years):
        raise ValueError("every period lasts at least one year")
    if notice_months < 0:
        raise ValueError("the notice period cannot be negative")
    one_day = timedelta(days=1)
    initial_end = _anniversary(start, initial_years) - one_day
    extensions: list[Extension] = []
    running_end = initial_end
    elapsed = initial_years
    for years in extension_years:
        elapsed += years
        end = _anniversary(start, elapsed) - one_day
        extensions.append(
            Extension(
                years=years,
                start=running_end + one_day,
                end=end,
                notice_by=months_before(running_end, notice_months),
            )
        )
        running_end = end
    return ContractDates(
        start=start,
        initial_years=initial_years,
        initial_end=initial_end,
        extensions=tuple(extensions),
    )


@dataclass(frozen=True)
class Signatory:
    """A party that signs: ``name`` is the party (e.g. 'Gemeente Houten').

    ``signatory_name`` and ``signatory_function`` are the person who signs for it;
    left empty, the contract has a line to fill in by hand.
    """

    name: str
    signatory_name: str = ""
    signatory_function: str = ""


@dataclass(frozen=True)
class ContractProvider:
    """The awarded provider; ``address`` is its postal address in lines."""

    organisation_name: str
    kvk_number: str
    address: tuple[str, ...]
    signatory_name: str = ""
    signatory_function: str = ""


@dataclass(frozen=True)
class ServedMunicipality:
    """A municipality of a lot and the target groups (names) the provider serves there."""

    municipality: str
    target_groups: tuple[str, ...]


@dataclass(frozen=True)
class ContractLot:
    """A lot awarded to the provider; ``served`` is the provider's own declaration."""

    code: str
    name: str
    estimated_value_eur: Decimal
    maximum_value_eur: Decimal
    served: tuple[ServedMunicipality, ...]


@dataclass(frozen=True)
class ContractProduct:
    code: str
    name: str
    unit: str  # e.g. "maand"
    tariff_eur: Decimal


@dataclass(frozen=True)
class ContractSubcontractor:
    """A subcontractor named in the provider's bid as submitted."""

    name: str
    kvk_number: str
    activities: str


@dataclass(frozen=True)
class SubmissionReference:
    """The provider's bid by reference (Bijlage 4): which version, not its content."""

    blind_code: str
    received_at: datetime
    digest: str


@dataclass(frozen=True)
class FrameworkContractData:
    """Everything one provider's framework contract states.

    ``municipalities`` are all municipalities of the tender, each a party to the
    contract; ``lots`` are the lots awarded to this provider. The term is given as
    in the criteria file and turned into dates by ``contract_dates``. Without a
    ``provider`` it is the concept-raamovereenkomst published with the tender: the
    provider's details are placeholders to be filled in, ``lots`` are all lots.
    ``submission`` and ``subcontractors`` come from the provider's bid as submitted.
    """

    reference: str
    title: str
    contracting_authority: str
    region: str
    court: str
    municipalities: tuple[Signatory, ...]
    provider: ContractProvider | None
    lots: tuple[ContractLot, ...]
    products: tuple[ContractProduct, ...]
    start: date
    initial_years: int
    extension_years: tuple[int, ...]
    notice_months: int
    # The tender's clause template; None: the default as shipped in criteria/.
    clauses: clauses.ClauseTemplate | None = None
    # The award criteria (code, title): the plans of the bid, listed in Bijlage 4.
    plans: tuple[tuple[str, str], ...] = ()
    submission: SubmissionReference | None = None
    subcontractors: tuple[ContractSubcontractor, ...] = ()

    def __post_init__(self) -> None:
        if not self.municipalities or not self.lots:
            raise ValueError("a contract needs at least one municipality and one lot")

    @property
    def dates(self) -> ContractDates:
        return contract_dates(
            self.start, self.initial_years, self.extension_years, self.notice_months
        )


def _years(number: int) -> str:
    return f"{number} jaar"


def _lots_word(data: FrameworkContractData) -> str:
    return "perceel" if len(data.lots) == 1 else "percelen"


def _concept_provider() -> ContractProvider:
    return ContractProvider(
        organisation_name=PROVIDER_PLACEHOLDER,
        kvk_number=KVK_PLACEHOLDER,
        address=(ADDRESS_PLACEHOLDER,),
    )


def _parties(data: FrameworkContractData) -> list[Flowable]:
    provider = data.provider or _concept_provider()
    address = ", ".join(provider.address)
    return [
        *section_heading("Partijen"),
        Paragraph("1. De volgende gemeenten, ieder afzonderlijk partij:", BODY),
        *bullet_list([municipality.name for municipality in data.municipalities]),
        Paragraph(
            f"hierna samen te noemen: <b>de Gemeenten</b>, samenwerkend als {markup(data.region)};",
            BODY,
        ),
        Paragraph(
            f"2. <b>{markup(provider.organisation_name)}</b>, ingeschreven in het "
            f"Handelsregister onder KvK-nummer {markup(provider.kvk_number)}, gevestigd "
            f"aan {markup(address)},",
            BODY,
        ),
        Paragraph("hierna te noemen: <b>de Opdrachtnemer</b>.", BODY),
    ]


def _facts(data: FrameworkContractData) -> clauses.ContractFacts:
    """The values a clause template may use, for this contract."""
    provider = data.provider or _concept_provider()
    dates = data.dates
    return clauses.ContractFacts(
        reference=data.reference,
        title=data.title,
        region=data.region,
        contracting_authority=data.contracting_authority,
        court=data.court,
        municipalities=tuple(m.name.removeprefix("Gemeente ").strip() for m in data.municipalities),
        concept=data.provider is None,
        provider=provider.organisation_name,
        provider_kvk=provider.kvk_number,
        lots=tuple((lot.code, lot.name) for lot in data.lots),
        start_date=dates.start,
        initial_years=dates.initial_years,
        initial_end=dates.initial_end,
        extensions=tuple((e.years, e.start, e.end, e.notice_by) for e in dates.extensions),
        final_end=dates.final_end,
        maximum_years=dates.maximum_years,
        notice_months=data.notice_months,
        product_count=len(data.products),
        subcontractors=tuple((s.name, s.kvk_number, s.activities) for s in data.subcontractors),
    )


def _blocks(blocks: Sequence[clauses.Block], number: int | None) -> list[Flowable]:
    """An article's paragraphs, numbered '4.1', '4.2', ... when it has more than one."""
    numbered = number is not None and len(blocks) > 1
    story: list[Flowable] = []
    for index, block in enumerate(blocks, 1):
        if block.text:
            story.append(
                Paragraph(block.text, _NUMBERED, bulletText=f"{number}.{index}")
                if numbered
                else Paragraph(block.text, BODY)
            )
        item_style = _NUMBERED_ITEM if numbered else _ITEM
        story += [Paragraph(item.text, item_style, bulletText=item.label) for item in block.items]
    return story


def _considerations(rendered: clauses.RenderedClauses) -> list[Flowable]:
    return [*section_heading("Overwegingen"), *_blocks(rendered.considerations, None)]


def _articles(
    data: FrameworkContractData, articles: Sequence[clauses.RenderedArticle]
) -> list[Flowable]:
    story: list[Flowable] = []
    for article in articles:
        story += section_heading(f"Artikel {article.number} – {markup(article.title)}")
        story += _blocks(article.blocks, article.number)
        if article.table == "term":
            story.append(_term_table(data))
        elif article.table == "values":
            story.append(_values_table(data))
    return story


def _no_served_text(concept: bool) -> str:
    if concept:
        return (
            "[gemeenten en doelgroepen zoals opgegeven in de inschrijving van de aanbieder, "
            "in te vullen bij gunning]"
        )
    return "De Opdrachtnemer heeft voor dit perceel geen gemeenten opgegeven."


def _served(lot: ContractLot, *, concept: bool = False) -> list[Flowable]:
    rows = [
        [
            Paragraph(markup(served.municipality), TABLE_TEXT),
            Paragraph("<br/>".join(markup(name) for name in served.target_groups), TABLE_TEXT),
        ]
        for served in lot.served
    ]
    table: list[Flowable] = (
        [grid_table(["Gemeente", "Doelgroepen"], rows, [45 * mm, TEXT_WIDTH - 45 * mm])]
        if rows
        else [Paragraph(_no_served_text(concept), BODY)]
    )
    heading = Paragraph(f"<b>Perceel {markup(lot.code)} – {markup(lot.name)}</b>", BODY)
    return [KeepTogether([heading, *table]), Spacer(1, 3 * mm)]


def _annex_heading(number: int, title: str) -> list[Flowable]:
    return [PageBreak(), *section_heading(f"Bijlage {number} – {title}")]


def _annex_lots(data: FrameworkContractData) -> list[Flowable]:
    concept = data.provider is None
    intro = (
        "De percelen van deze aanbesteding. Bij gunning staan hier alleen de gegunde "
        "percelen, met de gemeenten en doelgroepen die de aanbieder in zijn inschrijving "
        "heeft opgegeven."
        if concept
        else f"De Opdrachtnemer levert in de {_lots_word(data)} hieronder, in de gemeenten en "
        "voor de doelgroepen die hij in zijn inschrijving heeft opgegeven, en alleen daar."
    )
    story = [*_annex_heading(1, "Percelen, gemeenten en doelgroepen"), Paragraph(intro, BODY)]
    for lot in data.lots:
        story += _served(lot, concept=concept)
    return story


def _annex_products(data: FrameworkContractData) -> list[Flowable]:
    rows = [
        [
            Paragraph(markup(product.code), TABLE_TEXT),
            Paragraph(markup(product.name), TABLE_TEXT),
            Paragraph(markup(product.unit), TABLE_TEXT),
            Paragraph(format_eur(product.tariff_eur), TABLE_TEXT),
        ]
        for product in data.products
    ]
    story: list[Flowable] = [
        *_annex_heading(2, "Producten en tarieven"),
        Paragraph(
            "De Gemeenten betalen per product het tarief hieronder, per eenheid, zoals "
            "geïndexeerd volgens de overeenkomst. De tarieven zijn door de Gemeenten "
            f"vastgesteld; zij gelden vanaf {format_date(data.start)}.",
            BODY,
        ),
    ]
    if rows:
        story.append(
            grid_table(
                ["Code", "Product", "Eenheid", "Tarief"],
                rows,
                [20 * mm, TEXT_WIDTH - 68 * mm, 20 * mm, 28 * mm],
            )
        )
    else:
        story.append(Paragraph("De aanbesteding noemt geen producten.", BODY))
    return story


def _annex_processing(rendered: clauses.RenderedClauses) -> list[Flowable]:
    story: list[Flowable] = [
        *_annex_heading(3, "Verwerkersovereenkomst"),
        Paragraph(
            "Deze verwerkersovereenkomst maakt deel uit van de raamovereenkomst en is met "
            "haar ondertekend.",
            BODY,
        ),
    ]
    return story + _articles_of(rendered.processing_articles)


def _articles_of(articles: Sequence[clauses.RenderedArticle]) -> list[Flowable]:
    story: list[Flowable] = []
    for article in articles:
        heading = f"<b>Artikel {article.number} – {markup(article.title)}</b>"
        story += [
            CondPageBreak(_ARTICLE_ROOM),
            Paragraph(heading, BODY),
            *_blocks(article.blocks, article.number),
        ]
    return story


_BID_PLACEHOLDER = "[in te vullen bij gunning]"


def _annex_bid(data: FrameworkContractData) -> list[Flowable]:
    submission = data.submission
    digest: str | Flowable = (
        Paragraph(submission.digest, MONO_SMALL) if submission else _BID_PLACEHOLDER
    )
    rows: list[tuple[str, str | Flowable]] = [
        ("Aanbesteding", data.reference),
        ("Kenmerk inschrijving", submission.blind_code if submission else _BID_PLACEHOLDER),
        (
            "Ontvangen op",
            format_datetime_seconds(submission.received_at) if submission else _BID_PLACEHOLDER,
        ),
        ("SHA-256 van de ingediende versie", digest),
    ]
    story: list[Flowable] = [
        *_annex_heading(4, "Inschrijving van de Opdrachtnemer (bij verwijzing)"),
        Paragraph(
            "De inschrijving van de Opdrachtnemer maakt deel uit van deze overeenkomst in de "
            "versie die vóór de uiterste inschrijfdatum is ontvangen en beoordeeld. Zij is "
            "niet in deze bijlage opgenomen maar wordt aangewezen met het tijdstip van "
            "ontvangst en de SHA-256-hash van de ingediende versie, zoals vermeld op het "
            "ontvangstbewijs: een versie van de inschrijving is de hier bedoelde als zij "
            "dezelfde hash heeft.",
            BODY,
        ),
        facts_table(rows, label_width=58 * mm),
        Spacer(1, 3 * mm),
    ]
    if data.plans:
        story.append(Paragraph("De inschrijving bevat de plannen bij de gunningscriteria:", BODY))
        story += bullet_list([f"{code} – {title}" for code, title in data.plans])
    return story


def _term_table(data: FrameworkContractData) -> Flowable:
    dates = data.dates
    rows: list[tuple[str, str]] = [
        ("Ingangsdatum", format_date(dates.start)),
        (
            "Eerste looptijd",
            f"{_years(dates.initial_years)}, tot en met {format_date(dates.initial_end)}",
        ),
    ]
    for number, extension in enumerate(dates.extensions, start=1):
        rows.append(
            (
                f"Verlenging {number}",
                f"{_years(extension.years)}, van {format_date(extension.start)} tot en met "
                f"{format_date(extension.end)}; besluit over deze verlenging uiterlijk op "
                f"{format_date(extension.notice_by)}",
            )
        )
    rows.append(
        (
            "Maximale looptijd",
            f"{_years(dates.maximum_years)}, tot en met {format_date(dates.final_end)}",
        )
    )
    return KeepTogether([facts_table(rows), Spacer(1, 3 * mm)])


def _values_table(data: FrameworkContractData) -> Flowable:
    rows = [
        [
            Paragraph(markup(f"{lot.code} – {lot.name}"), TABLE_TEXT),
            Paragraph(format_eur(lot.estimated_value_eur), TABLE_TEXT),
            Paragraph(format_eur(lot.maximum_value_eur), TABLE_TEXT),
        ]
        for lot in data.lots
    ]
    return grid_table(
        ["Perceel", "Geraamde waarde", "Maximale waarde"],
        rows,
        [TEXT_WIDTH - 76 * mm, 38 * mm, 38 * mm],
    )


def _signature_block(party: str, name: str, function: str) -> Table:
    rows = [
        [Paragraph(f"<b>{markup(party)}</b>", TABLE_HEADER), ""],
        [Paragraph("Naam", _SIGNATURE_LABEL), Paragraph(markup(name) or _BLANK, TABLE_TEXT)],
        [
            Paragraph("Functie", _SIGNATURE_LABEL),
            Paragraph(markup(function) or _BLANK, TABLE_TEXT),
        ],
        [Paragraph("Datum", _SIGNATURE_LABEL), Paragraph(_BLANK, TABLE_TEXT)],
        [Paragraph("Handtekening", _SIGNATURE_LABEL), ""],
    ]
    width = (TEXT_WIDTH - 8 * mm) / 2
    table = Table(
        rows, colWidths=[_LABEL_COLUMN, width - _LABEL_COLUMN], rowHeights=[None] * 4 + [16 * mm]
    )
    table.setStyle(
        TableStyle(
            [
                ("SPAN", (0, 0), (-1, 0)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LINEBELOW", (1, -1), (1, -1), 0.6, RULE_GREY),
            ]
        )
    )
    return table


def _signatures(data: FrameworkContractData) -> list[Flowable]:
    provider = data.provider or _concept_provider()
    blocks = [
        _signature_block(m.name, m.signatory_name, m.signatory_function)
        for m in data.municipalities
    ]
    blocks.append(
        _signature_block(
            provider.organisation_name, provider.signatory_name, provider.signatory_function
        )
    )
    story: list[Flowable] = [
        *section_heading("Ondertekening"),
        Paragraph("Aldus overeengekomen en ondertekend door alle partijen:", BODY),
    ]
    half = (TEXT_WIDTH - 8 * mm) / 2
    for index in range(0, len(blocks), 2):
        pair: list[Flowable | str] = [*blocks[index : index + 2]]
        if len(pair) == 1:
            pair.append("")
        grid = Table([pair], colWidths=[half, 8 * mm + half], hAlign="LEFT")
        grid.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 6 * mm),
                ]
            )
        )
        story.append(KeepTogether([grid]))
    return story


def build_framework_contract(data: FrameworkContractData) -> bytes:
    """One provider's framework contract as a PDF; the same data gives the same bytes.

    Without a provider: the concept-raamovereenkomst, titled so, with placeholders.
    """
    lots = dutch_list([lot.code for lot in data.lots])
    provider = data.provider or _concept_provider()
    template = data.clauses or clauses.default_source().template
    rendered = clauses.render(template, _facts(data))
    title = DOCUMENT_TITLE if data.provider is not None else CONCEPT_TITLE
    story: list[Flowable] = [
        Paragraph(title, TITLE),
        Paragraph(markup(f"{data.title} – {_lots_word(data)} {lots}"), SUBTITLE),
        *(
            []
            if data.provider is not None
            else [
                Paragraph(
                    "Dit is het concept van de raamovereenkomst die de Gemeenten sluiten met "
                    "iedere aanbieder aan wie wordt gegund. Wat tussen [vierkante haken] "
                    "staat, wordt bij gunning ingevuld; de overeenkomst bevat dan alleen de "
                    "gegunde percelen.",
                    NOTICE,
                )
            ]
        ),
        facts_table(
            [
                ("Kenmerk", data.reference),
                ("Opdrachtnemer", provider.organisation_name),
                ("KvK-nummer", provider.kvk_number),
            ]
        ),
        *_parties(data),
        *_considerations(rendered),
        *_articles(data, rendered.articles),
        *_signatures(data),
        *_annex_lots(data),
        *_annex_products(data),
        *_annex_processing(rendered),
        *_annex_bid(data),
        Paragraph(
            (
                "Deze overeenkomst is opgesteld uit de vastgelegde gunningsbeslissing"
                if data.provider is not None
                else "Dit concept is bij publicatie opgesteld uit de vastgelegde configuratie "
                "van de aanbesteding"
            )
            + f"; de artikelen komen uit het clausulesjabloon “{markup(template.name)}”.",
            CLOSING,
        ),
    ]
    return render(
        story,
        title=title,
        authority=data.contracting_authority,
        region=data.region,
        reference=data.reference,
        subject=f"{data.title} – {provider.organisation_name}",
    )
