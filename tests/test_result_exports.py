"""The result export (issue 14 item 7): per lot, the consensus per criterion, the
weighted total and the rank, excluded bids with their reason; in CSV and in XLSX with
real dates and numbers, a frozen header and a filter. Sealed until the opening."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
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

from tender.accounts.models import Role
from tender.evaluation import service as evaluation

EXCLUSION_REASON = "Er is geen geldige verklaring omtrent het gedrag (VOG) bijgevoegd."


@pytest.fixture
def scored(app: Flask, now: datetime):  # type: ignore[no-untyped-def]
    """Three bids: the first fails a requirement, the second scores 8 and the third 6
    on every criterion."""
    db = app.extensions["tender.sessionmaker"]()
    tender, _providers, officers, opened_at = make_opened_tender(
        db, now=now, bids=3, instance_path=app.instance_path
    )
    members = make_committee(db, tender=tender, officer=officers[0], now=opened_at)
    when = opened_at + timedelta(hours=1)
    for member in members:
        sign_declaration(db, member=member, now=when)
    excluded, high, low = evaluation.received_bids(db, tender)
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
