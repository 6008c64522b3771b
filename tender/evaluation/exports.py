"""Score tables for the procurement officer: CSV and XLSX, with motivations."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

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

Row = Sequence[str | int]


def to_csv(header: Row, rows: Sequence[Row]) -> bytes:
    """Semicolon-separated UTF-8 with BOM: opens correctly in Dutch Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(sheets: Sequence[tuple[str, Row, Sequence[Row]]]) -> bytes:
    """One worksheet per (title, header, rows), header bold and frozen."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_safe_cell(value) for value in row])
        sheet.freeze_panes = "A2"
        for column in sheet.columns:
            letter = column[0].column_letter
            sheet.column_dimensions[letter].width = min(
                60, max(10, *(len(str(c.value or "")) for c in column[:200]))
            )
            for cell in column[1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _safe_cell(value: str | int) -> str | int:
    """Neutralise text that a spreadsheet would run as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def safe_csv_rows(rows: Sequence[Row]) -> list[list[str | int]]:
    return [[_safe_cell(value) for value in row] for row in rows]
