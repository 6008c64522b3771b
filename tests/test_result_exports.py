"""The result export (issue 14 item 7): per lot, the consensus per criterion, the
weighted total and the rank, excluded bids with their reason; in CSV and in XLSX with
real dates and numbers, a frozen header and a filter. Sealed until the opening."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from factories import (
    TIED_MOTIVATION,
    login,
    make_committee,
    make_opened_tender,
    make_published_tender,
    make_user,
    sign_declaration,
)
from flask import Flask
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from tender.accounts.models import Role
from tender.evaluation import exports
from tender.evaluation import service as evaluation

EXCLUSION_REASON = "Er is geen geldige verklaring omtrent het gedrag (VOG) bijgevoegd."
# Individual motivations that a spreadsheet could take for a formula, a link or a number.
MOTIVATIONS = (
    '=HYPERLINK("https://example.org") ' + TIED_MOTIVATION,
    "https://example.org/plan " + TIED_MOTIVATION,
    "0123456789 " + TIED_MOTIVATION,
)
# Late evening in winter and in summer time: the date turns over in Amsterdam.
SCORED_AT = (
    datetime(2026, 1, 15, 22, 30, 7, tzinfo=UTC),
    datetime(2026, 7, 1, 22, 45, 59, tzinfo=UTC),
)


@pytest.fixture
def scored(app: Flask, now: datetime):  # type: ignore[no-untyped-def]
    """Three bids: the first fails a requirement, the second scores 8 and the third 6
    on every criterion by consensus; each member scored those two individually."""
    db = app.extensions["tender.sessionmaker"]()
    tender, _providers, officers, opened_at = make_opened_tender(
        db, now=now, bids=3, instance_path=app.instance_path
    )
    members = make_committee(db, tender=tender, officer=officers[0], now=opened_at)
    when = opened_at + timedelta(hours=1)
    for member in members:
        sign_declaration(db, member=member, now=when)
    excluded, high, low = evaluation.received_bids(db, tender)
    for bid, moment in zip((high, low), SCORED_AT, strict=True):
        for member, motivation in zip(members, MOTIVATIONS, strict=True):
            for criterion in tender.criteria:
                evaluation.save_score(
                    db, member=member, bid=bid, criterion=criterion, score=6,
                    motivation=motivation, minimum_motivation=50, excluded=set(), now=moment,
                )  # fmt: skip
    for bid in (excluded, high, low):
        for index, requirement in enumerate(tender.requirements):
            fails = bid is excluded and index == 0
            evaluation.record_requirement_check(
                db, bid=bid, requirement=requirement, complies=not fails,
                reason=EXCLUSION_REASON if fails else "", actor=officers[0], now=when,
            )  # fmt: skip
    for bid, score in ((high, 8), (low, 6)):
        for criterion in tender.criteria:
            evaluation.record_consensus(
                db, member=members[0], bid=bid, criterion=criterion, score=score,
                motivation=TIED_MOTIVATION, expected_version=None, minimum_motivation=50,
                excluded=set(), is_open=True, now=when,
            )  # fmt: skip
    db.commit()
    client = app.test_client()
    login(client, officers[0])
    yield {"tender": tender, "client": client, "bids": (excluded, high, low)}
    db.close()


def _csv(client, url: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


def test_result_csv_has_lot_consensus_total_rank_and_the_excluded_bid(scored) -> None:  # type: ignore[no-untyped-def]
    tender, (excluded, high, low) = scored["tender"], scored["bids"]
    rows = _csv(scored["client"], f"/aanbestedingen/{tender.id}/export/uitslag")
    header = rows[0]
    codes = [c.code for c in tender.criteria]
    assert header[:4] == ["Perceel", "Inschrijving", "Organisatie", "KvK"]
    assert header[4:-4] == [f"Consensus {code}" for code in codes]
    assert header[-4:] == ["Gewogen totaal", "Rang", "Uitkomst", "Redenen"]
    by_bid: dict[str, list[list[str]]] = {}
    for row in rows[1:]:
        by_bid.setdefault(row[1], []).append(row)
    # One row per lot each bid bid on.
    high_lots = {bid_lot.lot.code for bid_lot in high.lots}
    assert {row[0] for row in by_bid[high.blind_code]} == high_lots
    for row in by_bid[excluded.blind_code]:
        assert row[-2] == "uitgesloten" and EXCLUSION_REASON in row[-1]
        assert row[-4] == "" and row[-3] == ""  # no total, no rank
    for row in by_bid[high.blind_code]:
        assert row[4:-4] == ["8"] * len(codes)
        assert row[-3] == "1"
    for row in by_bid[low.blind_code]:
        assert row[4:-4] == ["6"] * len(codes)
        assert row[-3] == ("2" if row[0] in high_lots else "1")
    # Totals in Dutch notation: 8 of 10 on every criterion is 80.
    scale = tender.scale_max
    expected = Decimal(100 * 8) / scale
    assert by_bid[high.blind_code][0][-4] == f"{expected:.2f}".replace(".", ",").removesuffix(",00")


def test_result_xlsx_has_real_numbers_dates_a_frozen_header_and_filters(scored) -> None:  # type: ignore[no-untyped-def]
    tender, (excluded, high, _low) = scored["tender"], scored["bids"]
    response = scored["client"].get(f"/aanbestedingen/{tender.id}/export/xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Uitslag per perceel", "Individuele scores", "Consensusscores"]
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == sheet.dimensions
    result = workbook["Uitslag per perceel"]
    header = [cell.value for cell in result[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in result.iter_rows(2)]
    top = next(r for r in rows if r["Inschrijving"] == high.blind_code)
    assert isinstance(top["Gewogen totaal"], (int, float)) and top["Gewogen totaal"] > 0
    assert top["Rang"] == 1 and top[f"Consensus {tender.criteria[0].code}"] == 8
    out = [r for r in rows if r["Inschrijving"] == excluded.blind_code]
    assert out and all(r["Uitkomst"] == "uitgesloten" for r in out)
    assert all(EXCLUSION_REASON in r["Redenen"] for r in out)
    consensus = workbook["Consensusscores"]
    moment = consensus.cell(row=2, column=8)
    assert isinstance(moment.value, datetime) and moment.number_format == "dd-mm-yyyy hh:mm"


def test_result_export_is_sealed_before_the_opening(app: Flask, now: datetime) -> None:
    db = app.extensions["tender.sessionmaker"]()
    tender = make_published_tender(db, now=now)
    officer = make_user(db, Role.PROCUREMENT_OFFICER, now=now)
    db.commit()
    client = app.test_client()
    login(client, officer)
    for kind in ("uitslag", "xlsx"):
        response = client.get(f"/aanbestedingen/{tender.id}/export/{kind}")
        # Sent back to the tender page with a message; no table, no names.
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/aanbestedingen/{tender.id}")
        assert not response.headers["Content-Type"].startswith(("text/csv", "application/vnd"))
    db.close()


# The CSV columns that hold numbers and moments; every other column is text in both files.
NUMBER_COLUMNS = {"Score", "Consensusscore", "Versie", "Rang", "Gewogen totaal"}
MOMENT_COLUMNS = {"Laatst gewijzigd", "Vastgelegd op"}


def _expected_cell(column: str, text: str) -> object:
    """The XLSX value of a CSV cell: a number, a moment (to the minute, as the CSV shows
    it) or the text itself; None for an empty cell."""
    if text == "":
        return None
    if column in NUMBER_COLUMNS or column.startswith("Consensus "):
        return Decimal(text.replace(",", "."))
    if column in MOMENT_COLUMNS:
        return datetime.strptime(text, "%d-%m-%Y %H:%M")
    return text


def _xlsx_cell(column: str, value: object) -> object:
    if value is None:
        return None
    if column in NUMBER_COLUMNS or column.startswith("Consensus "):
        assert isinstance(value, (int, float)) and not isinstance(value, bool), (column, value)
        return Decimal(str(value))
    if column in MOMENT_COLUMNS:
        assert isinstance(value, datetime), (column, value)
        return value.replace(second=0)
    assert isinstance(value, str), (column, value)
    return value


def test_every_xlsx_cell_has_the_value_and_type_of_its_csv_cell(scored, app: Flask) -> None:  # type: ignore[no-untyped-def]
    """Each sheet of the XLSX holds exactly the rows of its CSV export, cell by cell:
    numbers as numbers, moments as real dates in Amsterdam time, text as text (a
    formula, a link or digits stay text), with a bold frozen header, a filter and
    column widths."""
    tender, client = scored["tender"], scored["client"]
    base = f"/aanbestedingen/{tender.id}/export"
    workbook = load_workbook(io.BytesIO(client.get(f"{base}/xlsx").data))
    for title, kind in (
        ("Uitslag per perceel", "uitslag"),
        ("Individuele scores", "individueel"),
        ("Consensusscores", "consensus"),
    ):
        header, *rows = _csv(client, f"{base}/{kind}")
        assert rows, kind
        sheet = workbook[title]
        cells = list(sheet.iter_rows())
        assert [cell.value for cell in cells[0]] == header
        assert all(cell.font.bold for cell in cells[0])
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == sheet.dimensions
        for index in range(len(header)):
            assert sheet.column_dimensions[get_column_letter(index + 1)].width >= 10
        assert len(cells) == 1 + len(rows)
        for csv_row, xlsx_row in zip(rows, cells[1:], strict=True):
            assert len(xlsx_row) == len(header)
            expected = [_expected_cell(c, t) for c, t in zip(header, csv_row, strict=True)]
            found = [_xlsx_cell(c, cell.value) for c, cell in zip(header, xlsx_row, strict=True)]
            assert found == expected
            for column, cell in zip(header, xlsx_row, strict=True):
                if column in MOMENT_COLUMNS:
                    assert cell.number_format == "dd-mm-yyyy hh:mm"
                elif column == "Gewogen totaal" and cell.value is not None:
                    assert cell.number_format == "0.00"
    individual = workbook["Individuele scores"]
    texts = {row[6] for row in individual.iter_rows(min_row=2, values_only=True)}
    assert texts == {"'" + MOTIVATIONS[0], *MOTIVATIONS[1:]}
    assert all(cell.hyperlink is None for row in individual.iter_rows() for cell in row)


def test_xlsx_styles_each_cell_of_a_column_of_several_kinds_and_caps_long_text() -> None:
    """A column that holds moments, totals and text (no export has one today) still gets
    a date format on its moments and a number format on its totals; text longer than
    Excel takes is cut at Excel's limit, not left to make the file unreadable."""
    moment = datetime(2026, 7, 1, 22, 45, 59, tzinfo=UTC)
    rows = [[moment, "=1+1"], [Decimal("12.50"), "x" * 40_000], ["tekst", None]]
    content = exports.to_xlsx([("Gemengd", ("Waarde", "Tekst"), rows)])
    sheet = load_workbook(io.BytesIO(content))["Gemengd"]
    (when, formula), (total, long_text), (text, empty) = sheet.iter_rows(min_row=2)
    assert when.value == datetime(2026, 7, 2, 0, 45, 59)  # Amsterdam summer time
    assert when.number_format == exports.DATE_FORMAT
    assert total.value == 12.5 and total.number_format == "0.00"
    assert text.value == "tekst" and text.number_format == "General"
    assert formula.value == "'=1+1" and formula.data_type == "s"
    assert long_text.value == "x" * exports.XLSX_MAX_TEXT and empty.value is None
