"""Score tables for the procurement officer: CSV and XLSX, with motivations and results.

A row holds typed values: ``datetime`` (UTC) for moments, ``Decimal`` and ``int`` for
numbers, ``None`` for an empty cell. The CSV writes them as Dutch text (dates in
Europe/Amsterdam, decimal comma); the XLSX keeps them as real dates and numbers with a
Dutch number format, so sorting and filtering in a spreadsheet work.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from tender import collector, scoring
from tender.timefmt import format_datetime, format_number, to_local

if TYPE_CHECKING:
    from tender.award.outcome import TenderOutcome

INDIVIDUAL_HEADER = (
    "Inschrijving",
    "Organisatie",
    "KvK",
    "Criterium",
    "Beoordelaar",
    "Score",
    "Motivering",
    "Laatst gewijzigd",
)
CONSENSUS_HEADER = (
    "Inschrijving",
    "Organisatie",
    "KvK",
    "Criterium",
    "Consensusscore",
    "Motivering",
    "Vastgelegd door",
    "Vastgelegd op",
    "Versie",
)

Value = str | int | Decimal | datetime | None
Row = Sequence[Value]

# Excel's own number formats; Excel shows them with the reader's separators.
DATE_FORMAT = "dd-mm-yyyy hh:mm"
TOTAL_FORMAT = "0.00"
WRAPPED = {"text_wrap": True, "valign": "top"}
# Excel opens no file with a longer text in a cell.
XLSX_MAX_TEXT = 32_767
_CENT = Decimal("0.01")

OUTCOME_LABELS = {
    scoring.LotStatus.AWARDED: "gegund",
    scoring.LotStatus.NOT_AWARDED: "niet gegund",
    scoring.LotStatus.UNDECIDED: "nog open",
}
EXCLUDED = "uitgesloten"


def result_header(criteria_codes: Sequence[str]) -> tuple[str, ...]:
    """The header of the result table: one consensus column per criterion."""
    return (
        "Perceel",
        "Inschrijving",
        "Organisatie",
        "KvK",
        *(f"Consensus {code}" for code in criteria_codes),
        "Gewogen totaal",
        "Rang",
        "Uitkomst",
        "Redenen",
    )


def result_rows(data: TenderOutcome) -> list[list[Value]]:
    """One row per bid and lot it bid on, by lot and then rank, unranked bids last.

    Excluded bids (a requirement not met) are in the table with outcome 'uitgesloten'
    and their reasons; so are bids below a minimum ('niet gegund', with the reason).
    The weighted total is rounded down to cents, as the letters print it.
    """
    codes = [criterion.code for criterion in data.rules.criteria]
    rows: list[tuple[tuple[str, int, int], list[Value]]] = []
    for bid in data.bids:
        result = data.outcome.for_bid(bid.bid_id)
        evaluation = result.evaluation
        excluded = any(r.kind == scoring.ReasonKind.REQUIREMENT for r in evaluation.reasons)
        scores = data.results[bid.bid_id].scores
        total = (
            evaluation.total.quantize(_CENT, rounding=ROUND_DOWN)
            if evaluation.total is not None
            else None
        )
        for decision in result.lots:
            reasons = [r.text for r in evaluation.reasons]
            reasons += [r.text for r in decision.reasons if r.text not in reasons]
            outcome = EXCLUDED if excluded else OUTCOME_LABELS[decision.status]
            row: list[Value] = [
                decision.lot,
                bid.blind_code,
                bid.organisation.name,
                bid.organisation.kvk_number,
                *(scores.get(code) for code in codes),
                total,
                decision.rank,
                outcome,
                "; ".join(reasons),
            ]
            key = (decision.lot, decision.rank or 1_000_000, bid.blind_number or 0)
            rows.append((key, row))
    return [row for _, row in sorted(rows, key=lambda item: item[0])]


def _csv_text(value: Value) -> str | int:
    kind = type(value)
    if kind is str:  # the most common cell first, without the isinstance chain
        return "'" + value if value[:1] in _FORMULA_START else value  # type: ignore[index,operator]
    if kind is int:
        return value  # type: ignore[return-value]
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, Decimal):
        return format_number(value)
    return _safe_cell(value)


def to_csv(header: Row, rows: Sequence[Row]) -> bytes:
    """Semicolon-separated UTF-8 with BOM: opens correctly in Dutch Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_csv_text(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_value(value: Value) -> Value:
    if isinstance(value, datetime):
        # Excel has no time zones: the wall-clock time in Amsterdam, as the pages show it.
        return to_local(value).replace(tzinfo=None, microsecond=0)
    value = _safe_cell(value)
    if isinstance(value, str) and len(value) > XLSX_MAX_TEXT:
        # A longer cell is one Excel refuses to open; the CSV keeps the whole text.
        return value[:XLSX_MAX_TEXT]
    return value


def _xlsx_column(values: Sequence[Value]) -> tuple[list[Value], set[str]]:
    """A column's values as the XLSX holds them, and the styles they need: 'date',
    'total' or 'text' (wrapped, general). Only text and moments are converted."""
    kinds = set(map(type, values)) - {type(None)}
    if kinds - {int, Decimal}:
        values = [_xlsx_value(value) for value in values]
    return list(values), {_style(kind) for kind in kinds} or {"text"}


def _style(kind: type) -> str:
    if issubclass(kind, datetime):
        return "date"
    if issubclass(kind, Decimal):
        return "total"
    return "text"


def to_xlsx(sheets: Sequence[tuple[str, Row, Sequence[Row]]]) -> bytes:
    """One worksheet per (title, header, rows): header bold and frozen, a filter on
    every column, real dates and numbers.

    Written with XlsxWriter: text never becomes a formula, link or number, and the
    styles sit on the columns (a cell without its own style takes its column's), so a
    row is written in one call without a style per cell. Column widths come from the
    first 200 rows.
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = workbook.add_format({"bold": True})
    styles = {
        "text": workbook.add_format(WRAPPED),
        "date": workbook.add_format({**WRAPPED, "num_format": DATE_FORMAT}),
        "total": workbook.add_format({**WRAPPED, "num_format": TOTAL_FORMAT}),
    }
    with collector.paused():  # XlsxWriter keeps a tuple per cell until the file is written
        for title, header, rows in sheets:
            _write_sheet(workbook.add_worksheet(title[:31]), header, rows, styles, bold)
        workbook.close()
    return buffer.getvalue()


def _write_sheet(
    sheet: Worksheet, header: Row, rows: Sequence[Row], styles: dict[str, Format], bold: Format
) -> None:
    """The header in bold, frozen and filtered; the rows, styled by their column."""
    columns = []
    mixed = []  # columns of several kinds: dates and totals get a style per cell
    for index, (name, raw) in enumerate(zip(header, _columns(rows, len(header)), strict=True)):
        column, kinds = _xlsx_column(raw)
        columns.append(column)
        widest = max([len(str(name)), *(len(str(value or "")) for value in column[:199])])
        if len(kinds) > 1:
            mixed.append(index)
        style = styles[kinds.pop() if len(kinds) == 1 else "text"]
        sheet.set_column(index, index, min(60, max(10, widest)), style)
    sheet.write_row(0, 0, header, bold)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), max(0, len(header) - 1))
    for number, row in enumerate(zip(*columns, strict=True), start=1):
        sheet.write_row(number, 0, row)
        for index in mixed:
            if (style_name := _style(type(row[index]))) != "text":
                sheet.write(number, index, row[index], styles[style_name])


def _columns(rows: Sequence[Row], width: int) -> list[Sequence[Value]]:
    """The rows as columns (``width`` of them, also when there are no rows)."""
    return list(zip(*rows, strict=True)) if rows else [()] * width


_FORMULA_START = ("=", "+", "-", "@")


def _safe_cell(value: Value) -> Value:
    """Neutralise text that a spreadsheet would run as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in _FORMULA_START:
        return "'" + value
    return value
