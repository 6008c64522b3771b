"""The clause template of the framework contract: a TOML file of Jinja texts.

The articles of the raamovereenkomst (and of its verwerkersovereenkomst, Bijlage 3)
are not written in code but in a template that ships in ``criteria/clauses/`` and
that a region can replace with its own (``[contract] clauses = "..."`` in its
criteria file; criteria/README.md describes the format and every variable).

A template is validated when the criteria file is loaded: the TOML must parse,
the required keys must be there and no unknown key, and every text must compile
and render, in a sandbox and with undefined variables as errors, for a sample
concept contract and a sample provider's contract. The text of the template is
copied onto the tender when it is created, so a later edit of the file cannot
change the contract of a running procedure.

Texts are plain text, not markup: blank lines separate paragraphs (numbered 4.1,
4.2, ... when an article has more than one); a paragraph whose lines start with
``- `` or ``a. `` is a list that belongs to the paragraph before it; ``**...**``
sets words in bold.

This module validates and renders only: no database, no Flask, no PDF.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, Protocol
from xml.sax.saxutils import escape

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, UndefinedError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from tender import PROJECT_ROOT
from tender.timefmt import format_date, format_eur, format_number

CLAUSES_FORMAT = 1
# Relative to the project's criteria/ directory; in a folder of its own so that it is
# not offered as a criteria file (the tender page lists criteria/*.toml).
DEFAULT_CLAUSES = "clauses/raamovereenkomst-wmo.toml"
CRITERIA_ROOT = PROJECT_ROOT / "criteria"
TABLES = ("term", "values")  # computed tables an article may end with
_KEY = re.compile(r"[a-z][a-z0-9_]*")
_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_LIST_ITEM = re.compile(r"(?:- |([a-z])\. )(.*)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_TOML_POSITION = re.compile(r"(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)")


class ClauseError(Exception):
    """A clause template was refused; ``errors`` lists every problem, in Dutch."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ClauseArticle:
    """One article: ``text`` is Jinja source; ``table`` one of ``TABLES`` or ''."""

    title: str
    text: str
    key: str = ""
    table: str = ""


@dataclass(frozen=True)
class ClauseTemplate:
    name: str
    considerations: str
    articles: tuple[ClauseArticle, ...]
    processing_articles: tuple[ClauseArticle, ...]
    variables: Mapping[str, str | int | Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class ClauseSource:
    """The text of a template as frozen on a tender, and where it came from.

    ``source`` is the path as written in the criteria file (relative to its
    folder), or ``DEFAULT_CLAUSES`` when the file names none.
    """

    source: str
    text: str
    template: ClauseTemplate

    @property
    def sha256(self) -> str:
        return sha256_of(self.text)


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- The variables ---------------------------------------------------------------------


@dataclass(frozen=True)
class ContractFacts:
    """What a template may say about one contract (criteria/README.md lists them).

    ``extensions`` are (years, start, end, notice_by); ``subcontractors`` are
    (name, KvK number, activities) as named in the provider's bid; ``articles``
    maps an article's ``key`` to its number, for cross-references.
    """

    reference: str
    title: str
    region: str
    contracting_authority: str
    court: str
    municipalities: tuple[str, ...]
    concept: bool
    provider: str
    provider_kvk: str
    lots: tuple[tuple[str, str], ...]
    start_date: date
    initial_years: int
    initial_end: date
    extensions: tuple[tuple[int, date, date, date], ...]
    final_end: date
    maximum_years: int
    notice_months: int
    product_count: int
    subcontractors: tuple[tuple[str, str, str], ...]

    def context(self, template: ClauseTemplate) -> dict[str, Any]:
        lots = [{"code": code, "name": name} for code, name in self.lots]
        return {
            **template.variables,
            "reference": self.reference,
            "title": self.title,
            "region": self.region,
            "contracting_authority": self.contracting_authority,
            "court": self.court,
            "municipalities": list(self.municipalities),
            "municipality_list": dutch_list(self.municipalities),
            "concept": self.concept,
            "provider": self.provider,
            "provider_kvk": self.provider_kvk,
            "lots": lots,
            "lot_list": dutch_list([f"{code} ({name})" for code, name in self.lots]),
            "start_date": format_date(self.start_date),
            "initial_years": self.initial_years,
            "initial_end": format_date(self.initial_end),
            "extensions": [
                {
                    "number": number,
                    "years": years,
                    "start": format_date(start),
                    "end": format_date(end),
                    "notice_by": format_date(notice_by),
                }
                for number, (years, start, end, notice_by) in enumerate(self.extensions, 1)
            ],
            "extension_count": len(self.extensions),
            "final_end": format_date(self.final_end),
            "maximum_years": self.maximum_years,
            "notice_months": self.notice_months,
            "product_count": self.product_count,
            "subcontractors": [
                {"name": name, "kvk_number": kvk, "activities": activities}
                for name, kvk, activities in self.subcontractors
            ],
            "articles": {
                article.key: number
                for number, article in enumerate(template.articles, 1)
                if article.key
            },
        }


BUILTIN_VARIABLES = frozenset(
    {
        "reference",
        "title",
        "region",
        "contracting_authority",
        "court",
        "municipalities",
        "municipality_list",
        "concept",
        "provider",
        "provider_kvk",
        "lots",
        "lot_list",
        "start_date",
        "initial_years",
        "initial_end",
        "extensions",
        "extension_count",
        "final_end",
        "maximum_years",
        "notice_months",
        "product_count",
        "subcontractors",
        "articles",
    }
)


def dutch_list(items: Iterable[str]) -> str:
    """'A', 'A en B', 'A, B en C'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} en {items[-1]}"


# A sample concept contract and a sample provider's contract: a template must render
# for both, so both branches of ``{% if concept %}`` are tried.
_SAMPLE_DATES = (date(2027, 1, 1), date(2028, 12, 31))
SAMPLE_CONCEPT = ContractFacts(
    reference="VOORBEELD-2027",
    title="Inkoop Wmo-begeleiding 2027",
    region="Regio Voorbeeld",
    contracting_authority="Gemeenten Voorbeeld en Proef",
    court="Rechtbank Midden-Nederland",
    municipalities=("Voorbeeld", "Proef"),
    concept=True,
    provider="[naam aanbieder]",
    provider_kvk="[KvK-nummer]",
    lots=(("A", "Begeleiding volwassenen"), ("B", "Begeleiding ouderen")),
    start_date=_SAMPLE_DATES[0],
    initial_years=2,
    initial_end=_SAMPLE_DATES[1],
    extensions=(),
    final_end=_SAMPLE_DATES[1],
    maximum_years=2,
    notice_months=3,
    product_count=0,
    subcontractors=(),
)
SAMPLE_PROVIDER = replace(
    SAMPLE_CONCEPT,
    concept=False,
    provider="Zorg Voorbeeld B.V.",
    provider_kvk="12345678",
    lots=(("A", "Begeleiding volwassenen"),),
    extensions=(
        (1, date(2029, 1, 1), date(2029, 12, 31), date(2028, 9, 30)),
        (1, date(2030, 1, 1), date(2030, 12, 31), date(2029, 9, 30)),
    ),
    final_end=date(2030, 12, 31),
    maximum_years=4,
    product_count=18,
    subcontractors=(("Hulp Voorbeeld", "87654321", "Dagbesteding"),),
)


# --- Reading a template ----------------------------------------------------------------


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["eur"] = format_eur
    env.filters["getal"] = format_number
    env.filters["lijst"] = dutch_list
    return env


_ENV = _environment()


@lru_cache(maxsize=512)
def _compiled(source: str) -> Template:
    """A clause text compiled once per process: every contract of a tender fills in the
    same texts, and compiling is most of the cost of filling one in."""
    return _ENV.from_string(source)


class _Table:
    """One TOML table being read: collects errors with the path of each field."""

    def __init__(self, data: Mapping[str, Any], path: str, errors: list[str]) -> None:
        self.data = data
        self.path = path
        self.errors = errors
        self.used: set[str] = set()

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def text(self, key: str, *, required: bool = True) -> str:
        self.used.add(key)
        value = self.data.get(key)
        if value is None:
            if required:
                self.errors.append(f"{self.at(key)}: ontbreekt")
            return ""
        if not isinstance(value, str):
            self.errors.append(f"{self.at(key)}: moet tekst zijn")
            return ""
        if required and not value.strip():
            self.errors.append(f"{self.at(key)}: mag niet leeg zijn")
        return value.strip()

    def finish(self) -> None:
        for key in self.data:
            if key not in self.used:
                close = difflib.get_close_matches(key, self.used, n=1)
                hint = f' (bedoelt u "{close[0]}"?)' if close else ""
                self.errors.append(f"{self.at(key)}: onbekend veld{hint}")


def _read_variables(root: _Table) -> dict[str, str | int | Decimal]:
    root.used.add("variables")
    raw = root.data.get("variables", {})
    if not isinstance(raw, dict):
        root.errors.append("variables: moet een tabel zijn")
        return {}
    variables: dict[str, str | int | Decimal] = {}
    for key, value in raw.items():
        if not _KEY.fullmatch(key):
            root.errors.append(
                f"variables.{key}: een naam bestaat uit kleine letters, cijfers en '_' "
                "en begint met een letter"
            )
        elif key in BUILTIN_VARIABLES:
            root.errors.append(
                f"variables.{key}: deze naam is al een variabele van de overeenkomst; "
                "kies een andere naam"
            )
        elif isinstance(value, str):
            variables[key] = value.strip()
        elif isinstance(value, int) and not isinstance(value, bool):
            variables[key] = value
        elif isinstance(value, float):
            variables[key] = Decimal(str(value))
        else:
            root.errors.append(f"variables.{key}: moet tekst of een getal zijn")
    return variables


def _read_articles(root: _Table, key: str, *, with_tables: bool) -> tuple[ClauseArticle, ...]:
    root.used.add(key)
    raw = root.data.get(key)
    if raw is None:
        root.errors.append(f"{key}: ontbreekt (ten minste één [[{key}]])")
        return ()
    if not isinstance(raw, list) or not raw:
        root.errors.append(f"{key}: moet ten minste één [[{key}]] bevatten")
        return ()
    articles = []
    for index, item in enumerate(raw, 1):
        path = f"{key}[{index}]"
        if not isinstance(item, dict):
            root.errors.append(f"{path}: moet een tabel zijn")
            continue
        table = _Table(item, path, root.errors)
        title = table.text("title")
        text = table.text("text")
        article_key = table.text("key", required=False)
        if article_key and not _KEY.fullmatch(article_key):
            root.errors.append(
                f"{path}.key: bestaat uit kleine letters, cijfers en '_' (gevonden: "
                f'"{article_key}")'
            )
        computed = table.text("table", required=False) if with_tables else ""
        if computed and computed not in TABLES:
            root.errors.append(
                f'{path}.table: onbekende waarde "{computed}", kies uit: {", ".join(TABLES)}'
            )
        table.finish()
        articles.append(ClauseArticle(title=title, text=text, key=article_key, table=computed))
    keys = [a.key for a in articles if a.key]
    for duplicate in sorted({k for k in keys if keys.count(k) > 1}):
        root.errors.append(f'{key}: de key "{duplicate}" komt meer dan eens voor')
    return tuple(articles)


def _article_label(kind: str, index: int, article: ClauseArticle) -> str:
    """'article[8] ("Kwaliteit").text': the field, and the article by its title."""
    named = f' ("{article.title}")' if article.title else ""
    return f"{kind}[{index}]{named}.text"


def _check_text(label: str, source: str, known: set[str], errors: list[str]) -> None:
    """Compile ``source`` and report variables it uses that do not exist."""
    try:
        parsed = _ENV.parse(source)
    except TemplateSyntaxError as exc:
        errors.append(f"{label}: Jinja-fout op regel {exc.lineno} van de tekst: {exc.message}")
        return
    for name in sorted(meta.find_undeclared_variables(parsed) - known):
        close = difflib.get_close_matches(name, known, n=1)
        hint = f' (bedoelt u "{close[0]}"?)' if close else ""
        errors.append(f'{label}: onbekende variabele "{name}"{hint}')


def _render_error(label: str, exc: Exception) -> str:
    if isinstance(exc, UndefinedError):
        return f"{label}: onbekende variabele of eigenschap ({exc.message})"
    if isinstance(exc, SecurityError):
        return f"{label}: niet toegestaan in een sjabloon ({exc})"
    return f"{label}: kan niet worden ingevuld ({type(exc).__name__}: {exc})"


def _texts(template: ClauseTemplate) -> list[tuple[str, str]]:
    texts = [("considerations", template.considerations)]
    texts += [(_article_label("article", i, a), a.text) for i, a in enumerate(template.articles, 1)]
    texts += [
        (_article_label("processing_article", i, a), a.text)
        for i, a in enumerate(template.processing_articles, 1)
    ]
    return texts


def check_template(template: ClauseTemplate) -> list[str]:
    """Every problem rendering ``template`` for the sample contracts, in Dutch."""
    errors: list[str] = []
    known = set(BUILTIN_VARIABLES) | set(template.variables)
    texts = _texts(template)
    for label, source in texts:
        _check_text(label, source, known, errors)
    if errors:
        return errors
    for facts in (SAMPLE_CONCEPT, SAMPLE_PROVIDER):
        context = facts.context(template)
        for label, source in texts:
            try:
                _ENV.from_string(source).render(context)
            except Exception as exc:  # a template may fail in any way; report, never crash
                message = _render_error(label, exc)
                if message not in errors:
                    errors.append(message)
    return errors


def parse_template(text: str) -> ClauseTemplate:
    """Read and validate the TOML ``text`` of a clause template; ``ClauseError`` if wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        position = _TOML_POSITION.fullmatch(str(exc))
        message = (
            f"ongeldige TOML op regel {position['line']}, kolom {position['column']}: "
            f"{position['message']}"
            if position
            else f"ongeldige TOML: {exc}"
        )
        raise ClauseError([message]) from exc
    errors: list[str] = []
    root = _Table(data, "", errors)
    root.used.add("format")
    version = data.get("format")
    if version is None:
        errors.append("format: ontbreekt")
    elif version != CLAUSES_FORMAT:
        errors.append(f"format: versie {version} wordt niet ondersteund; gebruik format = 1")
    name = root.text("name")
    considerations = root.text("considerations")
    variables = _read_variables(root)
    articles = _read_articles(root, "article", with_tables=True)
    processing = _read_articles(root, "processing_article", with_tables=False)
    root.finish()
    if errors:
        raise ClauseError(errors)
    template = ClauseTemplate(
        name=name,
        considerations=considerations,
        articles=articles,
        processing_articles=processing,
        variables=variables,
    )
    problems = check_template(template)
    if problems:
        raise ClauseError(problems)
    return template


def resolve(name: str, base: Path) -> Path:
    """The template file ``name`` (as written in a criteria file) inside ``base``.

    Only a relative path of plain names is accepted (``eigen.toml`` or
    ``clauses/eigen.toml``): no absolute path, no ``..``, no backslash, and the file
    must not lead out of ``base`` through a link. Raises ``ClauseError``.
    """
    parts = PurePosixPath(name).parts
    if (
        "\\" in name
        or name.startswith("/")
        or not parts
        or not all(_PART.fullmatch(part) for part in parts)
        or ".." in parts
    ):
        raise ClauseError(
            [
                f'"{name}" is geen toegestane bestandsnaam: geef een bestandsnaam (eventueel '
                "met een map) naast het criteriabestand, zonder '..' of een volledig pad"
            ]
        )
    if not name.endswith(".toml"):
        raise ClauseError([f'"{name}": een clausulesjabloon is een .toml-bestand'])
    path = base.joinpath(*parts)
    try:
        inside = path.resolve().is_relative_to(base.resolve())
    except OSError:
        inside = False
    if not inside:
        raise ClauseError([f'"{name}" ligt buiten de map van het criteriabestand'])
    return path


def load_source(name: str, base: Path) -> ClauseSource:
    """Resolve, read and validate the template ``name``; ``ClauseError`` names the file."""
    path = resolve(name, base)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError as exc:
        raise ClauseError([f"{name}: bestand niet gevonden"]) from exc
    except IsADirectoryError as exc:
        raise ClauseError([f"{name}: is een map, geen bestand"]) from exc
    except OSError as exc:
        raise ClauseError([f"{name}: bestand kan niet worden gelezen ({exc.strerror})"]) from exc
    except UnicodeDecodeError as exc:
        raise ClauseError([f"{name}: is geen geldige UTF-8-tekst"]) from exc
    try:
        template = parse_template(text)
    except ClauseError as error:
        raise ClauseError([f"{name}: {message}" for message in error.errors]) from error
    return ClauseSource(source=name, text=text, template=template)


# Parsed templates by their text: each contract of a tender is built from the same one.
_parsed = lru_cache(maxsize=16)(parse_template)


def default_source() -> ClauseSource:
    """The default template as shipped in ``criteria/`` (``ClauseError`` if broken)."""
    path = CRITERIA_ROOT / DEFAULT_CLAUSES
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ClauseError([f"{DEFAULT_CLAUSES}: standaardclausules niet gevonden"]) from exc
    try:
        template = _parsed(text)
    except ClauseError as error:
        raise ClauseError([f"{DEFAULT_CLAUSES}: {m}" for m in error.errors]) from error
    return ClauseSource(source=DEFAULT_CLAUSES, text=text, template=template)


def frozen_source(source: str | None, text: str | None) -> ClauseSource:
    """The template frozen on a tender; the default as shipped for a tender without one.

    A tender created before templates existed (issue 12) has none (NULL): its
    contract has always been the project's own, so it follows the default.
    """
    if text is None:
        return default_source()
    if text == (default := default_source()).text:
        return ClauseSource(source=source or DEFAULT_CLAUSES, text=text, template=default.template)
    return ClauseSource(source=source or "", text=text, template=_parsed(text))


class _Subcontractor(Protocol):
    name: str
    kvk_number: str
    activities: str


def snapshot_entry(
    *, source: str | None, text: str | None, subcontractors: Mapping[int, Iterable[_Subcontractor]]
) -> dict[str, Any]:
    """The clauses as the award decision freezes them, with each bid's subcontractors.

    The subcontractors are those named in the bid as submitted, by bid id (a string,
    as JSON keys are); the contract's article on subcontracting names them.
    """
    frozen = frozen_source(source, text)
    return {
        "source": frozen.source,
        "text": frozen.text,
        "sha256": frozen.sha256,
        "subcontractors": {
            str(bid_id): [[s.name, s.kvk_number, s.activities] for s in named]
            for bid_id, named in subcontractors.items()
        },
    }


# --- Rendering -------------------------------------------------------------------------


@dataclass(frozen=True)
class ListItem:
    label: str  # "•" or a letter with a full stop ("a.")
    text: str  # ReportLab paragraph markup, escaped


@dataclass(frozen=True)
class Block:
    """A paragraph (``text``, markup) with the list items that follow it, if any."""

    text: str
    items: tuple[ListItem, ...] = ()


@dataclass(frozen=True)
class RenderedArticle:
    number: int
    title: str
    blocks: tuple[Block, ...]
    table: str = ""


@dataclass(frozen=True)
class RenderedClauses:
    considerations: tuple[Block, ...]
    articles: tuple[RenderedArticle, ...]
    processing_articles: tuple[RenderedArticle, ...]


def _markup(text: str) -> str:
    return _BOLD.sub(r"<b>\1</b>", escape(text))


def blocks_of(text: str) -> tuple[Block, ...]:
    """Rendered plain text as paragraphs and lists (see the module docstring)."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = [line.strip() for line in chunk.strip().splitlines() if line.strip()]
        lead: list[str] = []
        items: list[list[str]] = []
        for line in lines:
            match = _LIST_ITEM.fullmatch(line)
            if match:
                items.append([f"{match[1]}." if match[1] else "•", match[2]])
            elif items:  # a long item continued on the next line
                items[-1][1] += " " + line
            else:
                lead.append(line)
        if not lines:
            continue
        rendered = tuple(ListItem(label, _markup(body)) for label, body in items)
        if lead or not blocks:
            blocks.append(Block(_markup(" ".join(lead)), rendered))
        else:  # a list on its own belongs to the paragraph before it
            blocks[-1] = Block(blocks[-1].text, blocks[-1].items + rendered)
    return tuple(blocks)


def _render(source: str, context: Mapping[str, Any]) -> tuple[Block, ...]:
    return blocks_of(_compiled(source).render(context))


def render(template: ClauseTemplate, facts: ContractFacts) -> RenderedClauses:
    """Fill in ``template`` for one contract (validated templates always render)."""
    context = facts.context(template)
    return RenderedClauses(
        considerations=_render(template.considerations, context),
        articles=tuple(
            RenderedArticle(number, a.title, _render(a.text, context), a.table)
            for number, a in enumerate(template.articles, 1)
        ),
        processing_articles=tuple(
            RenderedArticle(number, a.title, _render(a.text, context))
            for number, a in enumerate(template.processing_articles, 1)
        ),
    )
