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
from copy import copy
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from tender import scoring
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
BOLD = Font(bold=True)
WRAPPED = Alignment(wrap_text=True, vertical="top")
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
    return _safe_cell(value)


def to_xlsx(sheets: Sequence[tuple[str, Row, Sequence[Row]]]) -> bytes:
    """One worksheet per (title, header, rows): header bold and frozen, a filter on
    every column, real dates and numbers.

    Written in openpyxl's write-only mode: rows stream out as they are appended, so
    nothing but the column widths is worked out beforehand (from the first 200 rows).
    """
    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        values = [[_xlsx_value(value) for value in row] for row in rows]
        for index, name in enumerate(header):
            widest = max([len(str(name)), *(len(str(row[index] or "")) for row in values[:199])])
            sheet.column_dimensions[get_column_letter(index + 1)].width = min(60, max(10, widest))
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(max(1, len(header)))}{len(values) + 1}"
        styled = _Styles(sheet)
        sheet.append([styled.cell(name, styled.header) for name in header])
        for row in values:
            sheet.append([styled.cell(value, styled.body_style(value)) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class _Styles:
    """The few cell styles of a sheet, each worked out once.

    Setting a font or alignment on a cell makes openpyxl look the style up in the
    workbook's style tables; at thousands of rows that dominates the export. A new
    cell takes a copy of a template cell's style (ids into those tables) instead.
    """

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self.sheet = sheet
        self.header = self._template(font=BOLD)
        self.text = self._template(alignment=WRAPPED)
        self.date = self._template(alignment=WRAPPED, number_format=DATE_FORMAT)
        self.total = self._template(alignment=WRAPPED, number_format=TOTAL_FORMAT)

    def _template(self, **style: Font | Alignment | str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet)
        for name, setting in style.items():
            setattr(cell, name, setting)
        return cell

    def body_style(self, value: Value) -> WriteOnlyCell:
        if isinstance(value, datetime):
            return self.date
        if isinstance(value, Decimal):
            return self.total
        return self.text

    def cell(self, value: Value, template: WriteOnlyCell) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=value)
        cell._style = copy(template._style)
        return cell


_FORMULA_START = ("=", "+", "-", "@")


def _safe_cell(value: Value) -> Value:
    """Neutralise text that a spreadsheet would run as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in _FORMULA_START:
        return "'" + value
    return value
