"""Load and validate a criteria file (CRITERIA-FORMAT.md) into a ``CriteriaFile``.

The file is a public contract written by procurement officers of any region, so a
wrong file is refused with *all* its problems at once, each a Dutch message that
starts with the path of the field it is about::

    tender.award_mode: onbekende waarde "best", kies uit: threshold, ranked
    criteria[2].weight: moet een getal groter dan 0 zijn (gevonden: 0)
    lots[1].target_groups: onbekende doelgroep "XYZ"
    scale.levels[3].score: dubbele score 4

Path convention: tables are joined with dots; items of an array (``[[criteria]]``
blocks, ``scale.levels``, list values) are numbered from 1 in file order, as a
person counts them, so the second ``[[criteria]]`` block is ``criteria[2]``. A
rule that spans several fields of a table names the table (``contract: ...``).
Problems with the file itself (missing, not UTF-8, TOML syntax) have no field
path; they start with the file name instead and carry the parser's line and
column. Every other error gets the line of its field (``CriteriaError.lines``,
``numbered()``: ``regel 38: tender.standstill_days: ...``), found by
``tender.criteria.lines``.

Beyond the format, values that would pass but fail later are refused
(criteria/README.md, "Grenzen"): texts longer than the model's column or with
control characters, numbers that do not fit their Numeric column, integers past
sane bounds, a minimum total above 100, start dates outside 2000-2099.

This module validates only: no database, no Flask.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Column, Numeric, String

from tender.criteria import clauses
from tender.criteria.clauses import ClauseSource
from tender.criteria.lines import field_lines, line_of
from tender.criteria.spec import (
    AWARD_MODES,
    EVIDENCE_KINDS,
    PROCEDURES,
    TIE_BREAKS,
    ContractTerms,
    CriteriaFile,
    Criterion,
    Lot,
    Municipality,
    Product,
    Requirement,
    ScaleLevel,
    Signatory,
    TargetGroup,
    TenderSettings,
)
from tender.tenders import models
from tender.tenders.dates import MAX_TERM_YEARS, term_problems
from tender.timefmt import count_of, format_date

FORMAT_VERSION = 1
MIN_STANDSTILL_DAYS = 20  # Aanbestedingswet 2012 art. 2.127: at least 20 calendar days
DEFAULT_SPREAD_FLAG = 4
DEFAULT_MIN_PROVIDERS_PER_CELL = 2  # advisory council: "keuze uit minimaal twee aanbieders"
DEFAULT_UNIT = "maand"

# Bounds beyond the format (criteria/README.md, "Grenzen"). A value past one of them
# would pass the format but fail later: in a database column, in a date computation
# or on a page. Text lengths and numeric sizes are not listed here: they are read
# from the model's columns (``_max_length``, ``_numeric_problem``).
MAX_STANDSTILL_DAYS = 90
MAX_SCORE = 100
MAX_MIN_PROVIDERS_PER_CELL = 100
MAX_AWARDS_PER_LOT = 1000
MAX_WORDS = 100_000
MAX_NOTICE_MONTHS = 24
EARLIEST_START = date(2000, 1, 1)
LATEST_START = date(2099, 12, 31)
MAX_TOTAL = Decimal(100)  # tender.scoring: a total runs from 0 to 100, whatever the weights
# PostgreSQL's INTEGER, which SQLAlchemy's Integer is; SQLite would store more.
_INTEGER_MAX = 2**31 - 1
# C0 control characters but tab, line feed and carriage return, and DEL: PostgreSQL
# refuses NUL in text, and none of them can be seen or typed in a form.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n]")

T = TypeVar("T")


class CriteriaError(Exception):
    """A criteria file was refused; ``errors`` lists every problem found, in Dutch.

    ``lines`` gives, for each error, the line of the file it is about (the field, or
    the table or item that lacks it); ``None`` when the error names its own line (a
    TOML syntax error) or is about the file as a whole (missing, not UTF-8).
    """

    def __init__(
        self, errors: list[str], *, source: str = "<tekst>", lines: list[int | None] | None = None
    ) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors
        self.source = source
        self.lines = lines if lines is not None else [None] * len(errors)

    def __str__(self) -> str:
        return "\n".join(self.errors)

    def numbered(self) -> list[str]:
        """Every error with its line in front: ``regel 37: tender.minimum_total: ...``."""
        return [
            message if line is None else f"regel {line}: {message}"
            for message, line in zip(self.errors, self.lines, strict=True)
        ]


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    rule: str  # completes "<path>: ..." when a value does not match


_REFERENCE = _Pattern(re.compile(r"[A-Za-z0-9-]+"), "mag alleen letters, cijfers en '-' bevatten")
# [0-9], not \d: \d also matches non-ASCII digits such as Arabic-Indic ones.
_CBS_CODE = _Pattern(
    re.compile(r"[0-9]{4}"), 'moet precies 4 cijfers zijn (CBS-gemeentecode, bijv. "0321")'
)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

_MISSING = object()


def _column(table: type[models.Base], name: str) -> Column[Any]:
    return table.__table__.c[name]  # type: ignore[attr-defined, no-any-return]


def _max_length(column: Column[Any] | None) -> int | None:
    """The number of characters the column holds; None for unbounded text."""
    if column is None or not isinstance(column.type, String):
        return None
    return column.type.length


def _single_line(column: Column[Any] | None) -> bool:
    """A bounded String column holds a name or title: one line (e-mail subjects, cells)."""
    return _max_length(column) is not None


def _characters_problem(text: str, *, single_line: bool) -> str | None:
    control = _CONTROL.search(text)
    if control:
        return (
            f"bevat een onzichtbaar stuurteken (U+{ord(control.group()):04X}) op positie "
            f"{control.start() + 1}; verwijder het"
        )
    if single_line and _LINE_BREAK.search(text):
        return "moet op één regel staan (gevonden: een regeleinde)"
    return None


def _numeric_problem(number: Decimal, numeric: Numeric[Any], *, positive: bool) -> str | None:
    """Why ``number`` does not fit a Numeric(precision, scale) column, or None."""
    scale = numeric.scale or 0
    limit = Decimal(10) ** ((numeric.precision or 0) - scale)
    if abs(number) >= limit:
        return f"is te groot: hoogstens {limit - Decimal(10) ** -scale} (gevonden: {number})"
    decimals = max(0, -int(number.normalize().as_tuple().exponent))
    if positive and number.quantize(Decimal(10) ** -scale) == 0:
        return (
            f"wordt bij het bewaren ({scale} decimalen) afgerond op 0; het moet ook dan groter "
            f"dan 0 zijn (gevonden: {number})"
        )
    if decimals > scale:
        return (
            f"heeft {decimals} decimalen; er worden er hoogstens {scale} bewaard, zodat de "
            f"aanbesteding een ander getal zou gebruiken dan het bestand noemt (gevonden: {number})"
        )
    return None


def _describe(value: object) -> str:
    """Name a TOML value's type and value in Dutch, for "gevonden: ..." hints."""
    if isinstance(value, bool):
        return f"ja/nee-waarde {str(value).lower()}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'tekst "{shown}"'
    if isinstance(value, int):
        return f"geheel getal {value}"
    if isinstance(value, float):
        return f"kommagetal {value}"
    # datetime before date: a datetime is also a date.
    if isinstance(value, datetime):
        return f"datum met tijd {value.isoformat()}"
    if isinstance(value, date):
        return f"datum {value.isoformat()}"
    if isinstance(value, time):
        return f"tijd {value.isoformat()}"
    if isinstance(value, list):
        return "een lijst"
    return "een tabel"


class _Reader:
    """One TOML table being read: knows its path, collects errors, tracks used keys.

    Every accessor returns ``None`` when the value is missing or invalid, after
    recording why; callers build a spec object only from non-``None`` values.
    """

    def __init__(self, data: dict[str, Any], path: str, errors: list[str]) -> None:
        self.data = data
        self.path = path
        self.errors = errors
        self._used: set[str] = set()

    def path_of(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str | None, message: str) -> None:
        """Record ``message`` for ``key`` (or for this table when ``key`` is None)."""
        self.errors.append(f"{self.path_of(key) if key else self.path}: {message}")

    def _get(self, key: str, *, required: bool) -> Any:
        self._used.add(key)
        value = self.data.get(key, _MISSING)
        if value is _MISSING and required:
            self.error(key, "ontbreekt")
        return value

    def _wrong_type(self, key: str, expected: str, value: object) -> None:
        # A number or date where text was meant (e.g. code = 0321) only lacks quotes.
        quotes_missing = expected == "tekst" and not isinstance(value, list | dict)
        hint = "; zet de waarde tussen aanhalingstekens" if quotes_missing else ""
        self.error(key, f"moet {expected} zijn (gevonden: {_describe(value)}){hint}")

    def str_(
        self,
        key: str,
        *,
        default: str | None = None,
        pattern: _Pattern | None = None,
        column: Column[Any] | None = None,
    ) -> str | None:
        """A stripped, non-empty string; required unless a ``default`` is given.

        With a ``column`` the text must fit it: at most its length, on one line when
        it is a bounded ``String``.
        """
        value = self._get(key, required=default is None)
        if value is _MISSING:
            return default
        return self._check_str(key, value, pattern, column)

    def _check_str(
        self,
        key: str,
        value: object,
        pattern: _Pattern | None = None,
        column: Column[Any] | None = None,
    ) -> str | None:
        if not isinstance(value, str):
            self._wrong_type(key, "tekst", value)
            return None
        text = value.strip()
        if not text:
            self.error(key, "mag niet leeg zijn")
            return None
        return self._fits(key, text, column, pattern)

    def _fits(
        self, key: str, text: str, column: Column[Any] | None, pattern: _Pattern | None = None
    ) -> str | None:
        problem = _characters_problem(text, single_line=_single_line(column))
        if problem is not None:
            self.error(key, problem)
            return None
        if pattern is not None and not pattern.regex.fullmatch(text):
            self.error(key, f'{pattern.rule} (gevonden: "{text}")')
            return None
        limit = _max_length(column)
        if limit is not None and len(text) > limit:
            self.error(key, f"is te lang: hoogstens {limit} tekens (gevonden: {len(text)})")
            return None
        return text

    def optional_text(self, key: str, *, column: Column[Any] | None = None) -> str:
        """A stripped string that may be empty or absent (then "")."""
        value = self._get(key, required=False)
        if value is _MISSING:
            return ""
        if not isinstance(value, str):
            self._wrong_type(key, "tekst", value)
            return ""
        text = value.strip()
        return (self._fits(key, text, column) or "") if text else ""

    def choice(self, key: str, choices: Iterable[str], *, default: str | None = None) -> str | None:
        """A string that must be one of ``choices``; required unless a ``default`` is given."""
        value = self.str_(key, default=default)
        options = tuple(choices)
        if value is not None and value not in options:
            self.error(key, f'onbekende waarde "{value}", kies uit: {", ".join(options)}')
            return None
        return value

    def int_(
        self,
        key: str,
        *,
        minimum: int,
        maximum: int = _INTEGER_MAX,
        why: str = "",
        default: int | None = None,
    ) -> int | None:
        """An integer from ``minimum`` to ``maximum``; required unless a ``default`` is given.

        The default ``maximum`` is what an Integer column holds; ``why`` explains a
        smaller one in the message.
        """
        value = self._get(key, required=default is None)
        if value is _MISSING:
            return default
        return self._check_int(key, value, minimum, maximum, why)

    def _check_int(
        self, key: str, value: object, minimum: int, maximum: int = _INTEGER_MAX, why: str = ""
    ) -> int | None:
        expected = f"een geheel getal van {minimum} of meer"
        # bool is a subclass of int in Python, but `true` is no number in TOML.
        if not isinstance(value, int) or isinstance(value, bool):
            self._wrong_type(key, expected, value)
            return None
        if value < minimum:
            self.error(key, f"moet {expected} zijn (gevonden: {value})")
            return None
        if value > maximum:
            reason = f" ({why})" if why else ""
            self.error(key, f"mag hoogstens {maximum} zijn{reason} (gevonden: {value})")
            return None
        return value

    def number(
        self,
        key: str,
        *,
        minimum: Decimal,
        column: Column[Any],
        exclusive: bool = False,
        default: Decimal | None = None,
    ) -> Decimal | None:
        """A number (integer or decimal) as ``Decimal``, >= ``minimum`` (> if ``exclusive``).

        It must fit the Numeric ``column`` exactly: no more decimals than its scale
        (and, when ``exclusive``, still above ``minimum`` after rounding to it), no
        more digits before the point than it holds. Required unless a ``default``
        is given.
        """
        value = self._get(key, required=default is None)
        if value is _MISSING:
            return default
        if exclusive:
            expected = f"een getal groter dan {minimum}"
        else:
            expected = f"een getal van {minimum} of meer"
        if not isinstance(value, int | float) or isinstance(value, bool):
            self._wrong_type(key, expected, value)
            return None
        # str() first: Decimal(0.1) would carry the float's binary noise.
        number = Decimal(str(value))
        if not number.is_finite():
            self._wrong_type(key, expected, value)
            return None
        if number < minimum or (exclusive and number == minimum):
            self.error(key, f"moet {expected} zijn (gevonden: {value})")
            return None
        assert isinstance(column.type, Numeric)
        problem = _numeric_problem(number, column.type, positive=exclusive)
        if problem is not None:
            self.error(key, problem)
            return None
        return number

    def date_(self, key: str, *, earliest: date, latest: date) -> date | None:
        """A required calendar date from ``earliest`` to ``latest``: a TOML date or a
        "YYYY-MM-DD" string."""
        value = self._get(key, required=True)
        if value is _MISSING:
            return None
        expected = 'een datum (2022-07-01 of "2022-07-01")'
        # A TOML date-time also is a `date` in Python; a start date has no time.
        if isinstance(value, datetime) or not isinstance(value, date | str):
            self._wrong_type(key, expected, value)
            return None
        if isinstance(value, date):
            day = value
        else:
            text = value.strip()
            if not _ISO_DATE.fullmatch(text):
                self._wrong_type(key, expected, value)
                return None
            try:
                day = date.fromisoformat(text)
            except ValueError:
                self.error(key, f'"{text}" is geen bestaande datum')
                return None
        if not earliest <= day <= latest:
            self.error(
                key,
                f"moet liggen tussen {format_date(earliest)} en {format_date(latest)} "
                f"(gevonden: {format_date(day)})",
            )
            return None
        return day

    def _list_of(
        self, key: str, check: Callable[[str, object], T | None], default: tuple[T, ...]
    ) -> tuple[T, ...] | None:
        value = self._get(key, required=False)
        if value is _MISSING:
            return default
        if not isinstance(value, list):
            self._wrong_type(key, "een lijst", value)
            return None
        before = len(self.errors)
        values = [check(f"{key}[{index}]", item) for index, item in enumerate(value, 1)]
        if len(self.errors) > before:
            return None
        return tuple(v for v in values if v is not None)

    def str_list(self, key: str, *, default: tuple[str, ...]) -> tuple[str, ...] | None:
        """An optional list of non-empty strings; ``default`` when the key is absent."""
        return self._list_of(key, self._check_str, default)

    def int_list(
        self, key: str, *, minimum: int, maximum: int, why: str, default: tuple[int, ...]
    ) -> tuple[int, ...] | None:
        """An optional list of integers from ``minimum`` to ``maximum``; ``default`` when
        the key is absent."""
        return self._list_of(
            key, lambda k, v: self._check_int(k, v, minimum, maximum, why), default
        )

    def table(self, key: str) -> _Reader | None:
        """A required sub-table."""
        value = self._get(key, required=True)
        if value is _MISSING:
            return None
        if not isinstance(value, dict):
            self._wrong_type(key, "een tabel", value)
            return None
        return _Reader(value, self.path_of(key), self.errors)

    def optional_table(self, key: str) -> _Reader | None:
        """A sub-table that may be absent (then None, without an error)."""
        if key not in self.data:
            self._used.add(key)
            return None
        return self.table(key)

    def tables(self, key: str, *, at_least: int) -> list[_Reader]:
        """An array of tables (``[[key]]`` blocks or a list of inline tables)."""
        value = self._get(key, required=at_least > 0)
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            self._wrong_type(key, "een lijst van tabellen", value)
            return []
        if len(value) < at_least:
            self.error(
                key,
                f"moet minimaal {count_of(at_least, 'element', 'elementen')} bevatten "
                f"(gevonden: {len(value)})",
            )
        readers = []
        for index, item in enumerate(value, 1):
            item_path = f"{self.path_of(key)}[{index}]"
            if isinstance(item, dict):
                readers.append(_Reader(item, item_path, self.errors))
            else:
                self.errors.append(
                    f"{item_path}: moet een tabel zijn (gevonden: {_describe(item)})"
                )
        return readers

    def finish(self) -> None:
        """Report every key that no accessor asked for: typos must not pass silently."""
        for key in self.data:
            if key not in self._used:
                close = difflib.get_close_matches(key, self._used, n=1)
                hint = f' (bedoelt u "{close[0]}"?)' if close else ""
                self.error(key, f"onbekend veld{hint}")


def _read_coded(
    parent: _Reader,
    key: str,
    read_item: Callable[[_Reader, str | None], T | None],
    *,
    at_least: int,
    code_column: Column[Any],
    code_pattern: _Pattern | None = None,
) -> tuple[T, ...]:
    """Read an array of tables whose items carry a ``code`` unique within the array."""
    first_use: dict[str, str] = {}
    items: list[T] = []
    for reader in parent.tables(key, at_least=at_least):
        code = reader.str_("code", pattern=code_pattern, column=code_column)
        if code is not None:
            if code in first_use:
                reader.error("code", f'dubbele code "{code}" (ook in {first_use[code]})')
            else:
                first_use[code] = reader.path
        item = read_item(reader, code)
        reader.finish()
        if item is not None:
            items.append(item)
    return tuple(items)


def _read_tender(reader: _Reader) -> TenderSettings | None:
    def column(name: str) -> Column[Any]:
        return _column(models.Tender, name)

    reference = reader.str_("reference", pattern=_REFERENCE, column=column("reference"))
    title = reader.str_("title", column=column("title"))
    region = reader.str_("region", column=column("region"))
    authority = reader.str_("contracting_authority", column=column("contracting_authority"))
    procedure = reader.choice("procedure", PROCEDURES)
    award_mode = reader.choice("award_mode", AWARD_MODES)
    minimum_total = reader.number(
        "minimum_total", minimum=Decimal(0), column=column("minimum_total"), default=Decimal(0)
    )
    if minimum_total is not None and minimum_total > MAX_TOTAL:
        # tender.scoring normalises: the best possible total is 100 whatever the weights.
        reader.error(
            "minimum_total",
            f"{minimum_total} is onhaalbaar: de totaalscore loopt van 0 tot en met "
            f"{MAX_TOTAL}, welke gewichten en schaal u ook kiest (een inschrijving met de "
            "hoogste score op elk criterium haalt 100)",
        )
        minimum_total = None
    standstill_days = reader.int_(
        "standstill_days",
        minimum=MIN_STANDSTILL_DAYS,
        maximum=MAX_STANDSTILL_DAYS,
        why="kalenderdagen; de wet vraagt er minstens 20",
    )
    spread_flag = reader.int_(
        "spread_flag", minimum=0, maximum=MAX_SCORE, default=DEFAULT_SPREAD_FLAG
    )
    court = reader.str_("court", column=column("court"))
    tie_break = reader.choice("tie_break", TIE_BREAKS, default=TIE_BREAKS[0])
    reader.finish()
    if (
        reference is None
        or title is None
        or region is None
        or authority is None
        or procedure is None
        or award_mode is None
        or minimum_total is None
        or standstill_days is None
        or spread_flag is None
        or court is None
        or tie_break is None
    ):
        return None
    return TenderSettings(
        reference=reference,
        title=title,
        region=region,
        contracting_authority=authority,
        procedure=procedure,
        award_mode=award_mode,
        minimum_total=minimum_total,
        standstill_days=standstill_days,
        spread_flag=spread_flag,
        court=court,
        tie_break=tie_break,
    )


def _read_scale(reader: _Reader) -> tuple[ScaleLevel, ...] | None:
    before = len(reader.errors)
    levels: list[ScaleLevel] = []
    previous: int | None = None
    for level in reader.tables("levels", at_least=2):
        score = level.int_("score", minimum=0, maximum=MAX_SCORE)
        label = level.str_("label", column=_column(models.ScaleLevel, "label"))
        description = level.optional_text(
            "description", column=_column(models.ScaleLevel, "description")
        )
        level.finish()
        if score is None:
            continue
        if any(existing.score == score for existing in levels):
            level.error("score", f"dubbele score {score}")
        elif previous is not None and score < previous:
            level.error("score", f"de scores moeten oplopen ({score} staat na {previous})")
        previous = score
        if label is not None:
            levels.append(ScaleLevel(score=score, label=label, description=description))
    reader.finish()
    return tuple(levels) if len(reader.errors) == before else None


def _read_municipality(reader: _Reader, code: str | None) -> Municipality | None:
    name = reader.str_("name", column=_column(models.Municipality, "name"))
    if code is None or name is None:
        return None
    return Municipality(code=code, name=name)


def _read_target_group(reader: _Reader, code: str | None) -> TargetGroup | None:
    name = reader.str_("name", column=_column(models.TargetGroup, "name"))
    if code is None or name is None:
        return None
    return TargetGroup(code=code, name=name)


def _read_references(
    reader: _Reader, key: str, known: tuple[str, ...] | None, noun: str, plural: str
) -> tuple[str, ...] | None:
    """A lot's list of codes from another section; all of them, in file order, when absent.

    ``known`` is None when that section had errors itself: its codes are then
    uncertain and checking against them would only add false alarms.
    """
    codes = reader.str_list(key, default=known or ())
    if codes is None or key not in reader.data:
        return codes
    if not codes:
        reader.error(key, f"mag niet leeg zijn; laat het veld weg voor alle {plural}")
        return None
    valid = True
    for index, code in enumerate(codes):
        if code in codes[:index]:
            reader.error(key, f'"{code}" staat er meer dan eens in')
            valid = False
        elif known is not None and code not in known:
            reader.error(key, f'onbekende {noun} "{code}"')
            valid = False
    return codes if valid else None


def _read_lot(
    reader: _Reader,
    code: str | None,
    *,
    group_codes: tuple[str, ...] | None,
    municipality_codes: tuple[str, ...] | None,
    award_mode: str | None,
) -> Lot | None:
    name = reader.str_("name", column=_column(models.Lot, "name"))
    target_groups = _read_references(
        reader, "target_groups", group_codes, "doelgroep", "doelgroepen"
    )
    municipalities = _read_references(
        reader, "municipalities", municipality_codes, "gemeente", "gemeenten"
    )
    min_providers = reader.int_(
        "min_providers_per_cell",
        minimum=1,
        maximum=MAX_MIN_PROVIDERS_PER_CELL,
        default=DEFAULT_MIN_PROVIDERS_PER_CELL,
    )
    max_awards = reader.int_("max_awards", minimum=0, maximum=MAX_AWARDS_PER_LOT, default=0)
    if max_awards == 0 and award_mode == "ranked":
        reader.error(
            "max_awards",
            'moet groter dan 0 zijn bij award_mode = "ranked": '
            "het aantal inschrijvingen dat in dit perceel gegund wordt",
        )
        max_awards = None
    elif max_awards and award_mode == "threshold":
        # A limit that threshold mode ignores would mislead every reader of the tender.
        reader.error(
            "max_awards",
            'wordt alleen gebruikt bij award_mode = "ranked"; bij "threshold" wordt elke '
            "geslaagde inschrijving gegund (laat het veld weg of zet het op 0)",
        )
        max_awards = None
    estimated = reader.number(
        "estimated_value_eur",
        minimum=Decimal(0),
        column=_column(models.Lot, "estimated_value_eur"),
    )
    maximum = reader.number(
        "maximum_value_eur", minimum=Decimal(0), column=_column(models.Lot, "maximum_value_eur")
    )
    if estimated is not None and maximum is not None and maximum < estimated:
        reader.error(
            "maximum_value_eur",
            f"moet minstens gelijk zijn aan estimated_value_eur ({estimated}) "
            f"(gevonden: {maximum})",
        )
        maximum = None
    if (
        code is None
        or name is None
        or target_groups is None
        or municipalities is None
        or min_providers is None
        or max_awards is None
        or estimated is None
        or maximum is None
    ):
        return None
    return Lot(
        code=code,
        name=name,
        target_groups=target_groups,
        municipalities=municipalities,
        min_providers_per_cell=min_providers,
        max_awards=max_awards,
        estimated_value_eur=estimated,
        maximum_value_eur=maximum,
    )


def _read_requirement(reader: _Reader, code: str | None) -> Requirement | None:
    title = reader.str_("title", column=_column(models.Requirement, "title"))
    text = reader.str_("text", column=_column(models.Requirement, "text"))
    evidence = reader.choice("evidence", EVIDENCE_KINDS, default="none")
    if code is None or title is None or text is None or evidence is None:
        return None
    return Requirement(code=code, title=title, text=text, evidence=evidence)


def _read_criterion(
    reader: _Reader, code: str | None, *, scores: tuple[int, ...] | None
) -> Criterion | None:
    title = reader.str_("title", column=_column(models.Criterion, "title"))
    question = reader.str_("question", column=_column(models.Criterion, "question"))
    aspects = reader.str_list("aspects", default=())
    weight = reader.number(
        "weight", minimum=Decimal(0), exclusive=True, column=_column(models.Criterion, "weight")
    )
    minimum = reader.int_("minimum", minimum=0, maximum=MAX_SCORE)
    if minimum is not None and scores is not None and minimum not in scores:
        allowed = ", ".join(str(score) for score in scores)
        reader.error("minimum", f"{minimum} is geen score op de schaal (kies uit: {allowed})")
        minimum = None
    max_words = reader.int_("max_words", minimum=1, maximum=MAX_WORDS)
    if (
        code is None
        or title is None
        or question is None
        or aspects is None
        or weight is None
        or minimum is None
        or max_words is None
    ):
        return None
    return Criterion(
        code=code,
        title=title,
        question=question,
        aspects=aspects,
        weight=weight,
        minimum=minimum,
        max_words=max_words,
    )


def _read_clauses(reader: _Reader, clauses_dir: Path) -> ClauseSource | None:
    """This project's ``[contract] clauses`` (criteria/README.md): the clause template.

    Absent: the default template as shipped. A relative path is looked up in
    ``clauses_dir`` (the criteria file's folder); its errors name this field.
    """
    name = reader.str_(
        "clauses", default="", column=_column(models.Tender, "contract_clauses_source")
    )
    if name is None:  # present but wrong: already reported
        return None
    try:
        return clauses.load_source(name, clauses_dir) if name else clauses.default_source()
    except clauses.ClauseError as error:
        for message in error.errors:
            reader.error("clauses", message)
        return None


def _read_contract(reader: _Reader, clauses_dir: Path) -> ContractTerms | None:
    term = "de maximale looptijd, Aanbestedingswet 2012 art. 2.140"
    initial = reader.int_("initial_years", minimum=1, maximum=MAX_TERM_YEARS, why=term)
    extensions = reader.int_list(
        "extension_years", minimum=1, maximum=MAX_TERM_YEARS, why=term, default=()
    )
    if extensions is not None and len(extensions) >= MAX_TERM_YEARS:
        reader.error(
            "extension_years",
            f"{len(extensions)} verlengingen passen niet binnen de maximale looptijd van "
            f"{MAX_TERM_YEARS} jaar (Aanbestedingswet 2012 art. 2.140): na een initiële "
            f"looptijd van minstens 1 jaar zijn er hoogstens {MAX_TERM_YEARS - 1} mogelijk",
        )
        extensions = None
    start = reader.date_("start_date", earliest=EARLIEST_START, latest=LATEST_START)
    notice = reader.int_(
        "notice_months",
        minimum=0,
        maximum=MAX_NOTICE_MONTHS,
        why="opzegtermijn vóór een verlenging",
    )
    template = _read_clauses(reader, clauses_dir)
    reader.finish()
    if initial is not None and extensions is not None:
        problems = term_problems(initial, extensions, start)
        for problem in problems:
            reader.error(None, problem)
        if problems:
            return None
    if initial is None or extensions is None or start is None or notice is None or template is None:
        return None
    return ContractTerms(
        initial_years=initial,
        extension_years=extensions,
        start_date=start,
        notice_months=notice,
        clauses=template,
    )


def _read_signatory(reader: _Reader) -> Signatory | None:
    name = reader.str_("name", column=_column(models.Tender, "signatory_name"))
    function = reader.str_("function", column=_column(models.Tender, "signatory_function"))
    reader.finish()
    if name is None or function is None:
        return None
    return Signatory(name=name, function=function)


def _read_product(reader: _Reader, code: str | None) -> Product | None:
    name = reader.str_("name", column=_column(models.Product, "name"))
    unit = reader.str_("unit", default=DEFAULT_UNIT, column=_column(models.Product, "unit"))
    tariff = reader.number(
        "tariff_eur", minimum=Decimal(0), column=_column(models.Product, "tariff_eur")
    )
    if code is None or name is None or unit is None or tariff is None:
        return None
    return Product(code=code, name=name, unit=unit, tariff_eur=tariff)


def _check_tender_against_scale(
    reader: _Reader, tender: TenderSettings, scale: tuple[ScaleLevel, ...]
) -> None:
    """Rules that combine [tender] with the scale."""
    score_range = scale[-1].score - scale[0].score
    if tender.spread_flag > score_range:
        shown = "" if "spread_flag" in reader.data else " (standaardwaarde)"
        reader.error(
            "spread_flag",
            f"{tender.spread_flag}{shown} is groter dan het verschil tussen de hoogste en "
            f"laagste score op de schaal ({score_range}), zodat nooit een verschil gemarkeerd "
            "wordt; kies een kleinere waarde",
        )


def _read_file(root: _Reader, clauses_dir: Path) -> CriteriaFile | None:
    """Read every section, reporting into ``root.errors``; None when anything is wrong."""
    version = root.int_("format", minimum=1)
    if version is not None and version != FORMAT_VERSION:
        root.error("format", f"versie {version} wordt niet ondersteund; gebruik format = 1")

    tender_reader = root.table("tender")
    tender = _read_tender(tender_reader) if tender_reader else None
    scale_reader = root.table("scale")
    scale = _read_scale(scale_reader) if scale_reader else None

    before = len(root.errors)
    municipalities = _read_coded(
        root,
        "municipalities",
        _read_municipality,
        at_least=1,
        code_column=_column(models.Municipality, "code"),
        code_pattern=_CBS_CODE,
    )
    municipality_codes = (
        tuple(m.code for m in municipalities) if len(root.errors) == before else None
    )
    before = len(root.errors)
    groups = _read_coded(
        root,
        "target_groups",
        _read_target_group,
        at_least=1,
        code_column=_column(models.TargetGroup, "code"),
    )
    group_codes = tuple(g.code for g in groups) if len(root.errors) == before else None

    # Taken straight from the file so that lots are still checked against the award
    # mode when other [tender] fields are wrong.
    raw_mode = tender_reader.data.get("award_mode") if tender_reader else None
    award_mode = raw_mode.strip() if isinstance(raw_mode, str) else None
    lots = _read_coded(
        root,
        "lots",
        lambda reader, code: _read_lot(
            reader,
            code,
            group_codes=group_codes,
            municipality_codes=municipality_codes,
            award_mode=award_mode,
        ),
        at_least=1,
        code_column=_column(models.Lot, "code"),
    )
    requirements = _read_coded(
        root,
        "requirements",
        _read_requirement,
        at_least=0,
        code_column=_column(models.Requirement, "code"),
    )

    scores = tuple(level.score for level in scale) if scale else None
    criteria = _read_coded(
        root,
        "criteria",
        lambda reader, code: _read_criterion(reader, code, scores=scores),
        at_least=1,
        code_column=_column(models.Criterion, "code"),
    )

    contract_reader = root.table("contract")
    contract = _read_contract(contract_reader, clauses_dir) if contract_reader else None
    products = _read_coded(
        root,
        "products",
        _read_product,
        at_least=0,
        code_column=_column(models.Product, "code"),
    )
    signatory_reader = root.optional_table("signatory")
    signatory = _read_signatory(signatory_reader) if signatory_reader else None

    if tender_reader and tender and scale:
        _check_tender_against_scale(tender_reader, tender, scale)
    root.finish()

    # A None section always comes with a recorded error, so `errors` decides.
    if root.errors or version is None or tender is None or scale is None or contract is None:
        return None
    return CriteriaFile(
        format=version,
        tender=tender,
        scale=scale,
        municipalities=municipalities,
        target_groups=groups,
        lots=lots,
        requirements=requirements,
        criteria=criteria,
        contract=contract,
        products=products,
        signatory=signatory,
    )


_TOML_POSITION = re.compile(r"(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)")
_TOML_AT_END = " (at end of document)"


def _syntax_message(source: str, text: str, exc: tomllib.TOMLDecodeError) -> str:
    """Dutch wrapper around the TOML parser's message, keeping its line and column."""
    message = str(exc)
    position = _TOML_POSITION.fullmatch(message)
    if position:
        return (
            f"{source}: ongeldige TOML op regel {position['line']}, kolom {position['column']}: "
            f"{position['message']}"
        )
    if message.endswith(_TOML_AT_END):
        last_line = max(len(text.splitlines()), 1)
        return (
            f"{source}: ongeldige TOML aan het einde van het bestand (regel {last_line}): "
            f"{message.removesuffix(_TOML_AT_END)}"
        )
    return f"{source}: ongeldige TOML: {message}"


def load_criteria_text(
    text: str, *, source: str = "<tekst>", clauses_dir: Path | None = None
) -> CriteriaFile:
    """Parse and validate the TOML ``text`` of a criteria file.

    ``source`` names the text in syntax errors (usually the file name). A clause
    template named in ``[contract] clauses`` is looked up in ``clauses_dir``: the
    criteria file's folder, by default the project's ``criteria/`` (where an
    uploaded file's template must be). Raises ``CriteriaError`` listing every
    problem found.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CriteriaError([_syntax_message(source, text, exc)], source=source) from exc
    errors: list[str] = []
    base = clauses_dir if clauses_dir is not None else clauses.CRITERIA_ROOT
    criteria_file = _read_file(_Reader(data, "", errors), base)
    if criteria_file is None:
        lines = field_lines(text)
        located: list[int | None] = [line_of(message, lines) for message in errors]
        raise CriteriaError(errors, source=source, lines=located)
    return criteria_file


def _read_text(path: Path) -> str:
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problem = "bestand niet gevonden"
    except IsADirectoryError:
        problem = "is een map, geen bestand"
    except PermissionError:
        problem = "geen leesrechten op dit bestand"
    except OSError as exc:
        problem = f"bestand kan niet worden gelezen ({exc.strerror or exc})"
    else:
        try:
            # utf-8-sig: editors on Windows often start UTF-8 files with a byte-order mark.
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            problem = f"is geen geldige UTF-8-tekst (ongeldige byte op positie {exc.start})"
    raise CriteriaError([f"{source}: {problem}"], source=source)


def load_criteria(path: str | Path) -> CriteriaFile:
    """Read the UTF-8 criteria file at ``path`` and validate it (see ``load_criteria_text``).

    A missing or unreadable file is a ``CriteriaError`` too, never an ``OSError``.
    """
    path = Path(path)
    return load_criteria_text(_read_text(path), source=str(path), clauses_dir=path.parent)
