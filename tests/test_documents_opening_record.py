"""Proces-verbaal van opening: what the record states, read back with pypdf."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from tender.documents.opening_record import (
    FailedCheck,
    OpenedBid,
    OpeningRecordData,
    ReceiptCheck,
    build_opening_record,
)
from tender.documents.pdf import generated_at

AUTHORITY = "Gemeenten Houten, IJsselstein, Lopik, Nieuwegein en Vijfheerenlanden"
HEADER_ROW = "Inschrijving Inschrijver Ontvangen Indieningen"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


BIDS = (
    OpenedBid(
        blind_code="Inschrijving 01",
        organisation_name="Zorgcoöperatie Het Ëiland & Zonen <B.V.>",
        kvk_number="12345678",
        received_at=datetime(2026, 11, 24, 10, 59, 58, tzinfo=UTC),
        digest=_digest("eiland"),
        submissions=3,
    ),
    OpenedBid(
        blind_code="Inschrijving 02",
        organisation_name="Stichting Begeleid Thuis Lekstroom",
        kvk_number="23456789",
        received_at=datetime(2026, 11, 20, 8, 15, 1, tzinfo=UTC),
        digest=_digest("begeleid thuis"),
        submissions=1,
    ),
    OpenedBid(
        blind_code="Inschrijving 03",
        organisation_name="Buurtzorg Vijfheerenlanden B.V.",
        kvk_number="34567890",
        received_at=datetime(2026, 11, 23, 16, 0, 0, tzinfo=UTC),
        digest=_digest("buurtzorg"),
        submissions=1,
    ),
)
WITHDRAWN = OpenedBid(
    blind_code="Inschrijving 04",
    organisation_name="Teruggetrokken Zorg B.V.",
    kvk_number="45678901",
    received_at=datetime(2026, 11, 21, 9, 30, 0, tzinfo=UTC),
    digest=_digest("teruggetrokken"),
    submissions=2,
)


def _data(**changes: object) -> OpeningRecordData:
    fields: dict[str, object] = {
        "tender_reference": "LEK-WMO-IB-2022",
        "tender_title": "Inkoop Wmo individuele begeleiding 2022",
        "contracting_authority": AUTHORITY,
        "region": "Regio Lekstroom",
        "submission_deadline": datetime(2026, 11, 24, 11, 0, tzinfo=UTC),
        "opening_started_at": datetime(2026, 11, 24, 13, 0, 0, tzinfo=UTC),
        "opening_started_by": "Anouk Jansen",
        "opened_at": datetime(2026, 11, 24, 13, 4, 12, tzinfo=UTC),
        "opened_by": "Bram de Vries",
        "bids": BIDS,
        "withdrawn": (WITHDRAWN,),
        "receipt_check": ReceiptCheck(
            statement="3 inschrijvingen en 5 bestanden komen overeen met de ontvangstbewijzen",
            earlier_failures=(),
        ),
    }
    fields.update(changes)
    return OpeningRecordData(**fields)  # type: ignore[arg-type]


def _many_bids(count: int) -> tuple[OpenedBid, ...]:
    start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    return tuple(
        OpenedBid(
            blind_code=f"Inschrijving {number:02d}",
            organisation_name=f"Zorgaanbieder {number} met een wat langere statutaire naam B.V.",
            kvk_number=f"{10000000 + number}",
            received_at=start + timedelta(seconds=97 * number),
            digest=_digest(f"bid {number}"),
            submissions=1 + number % 3,
        )
        for number in range(1, count + 1)
    )


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(content)).pages]


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def record_pdf() -> bytes:
    return build_opening_record(_data())


@pytest.fixture(scope="module")
def record_text(record_pdf: bytes) -> str:
    return "\n".join(_pages(record_pdf))


def test_every_bid_is_listed_with_code_organisation_kvk_and_time(record_text: str) -> None:
    text = _flat(record_text)
    for bid, time in zip(
        BIDS, ("24-11-2026 11:59:58", "20-11-2026 09:15:01", "23-11-2026 17:00:00"), strict=True
    ):
        assert bid.blind_code in text
        assert bid.organisation_name in text
        assert f"KvK {bid.kvk_number}" in text
        assert time in text  # Amsterdam time, to the second


def test_every_digest_is_printed_in_one_piece(record_text: str) -> None:
    # Not whitespace-flattened: the 64 hex digits must be contiguous as extracted.
    for bid in (*BIDS, WITHDRAWN):
        assert bid.digest is not None
        assert bid.digest in record_text


def test_each_bid_row_states_its_number_of_submissions(record_text: str) -> None:
    text = _flat(record_text)
    assert "KvK 12345678 24-11-2026 11:59:58 3 SHA-256" in text
    assert "KvK 23456789 20-11-2026 09:15:01 1 SHA-256" in text


def test_withdrawn_bid_is_listed_under_its_own_heading(record_text: str) -> None:
    text = _flat(record_text)
    received, withdrawn = text.split("Ingetrokken inschrijvingen (1)")
    assert "Ontvangen inschrijvingen (3)" in received
    assert WITHDRAWN.organisation_name not in received
    assert WITHDRAWN.organisation_name in withdrawn
    assert "Inschrijving 04" in withdrawn
    assert "21-11-2026 10:30:00" in withdrawn
    assert all(bid.organisation_name not in withdrawn for bid in BIDS)


def test_names_both_officers_and_when_each_acted(record_text: str) -> None:
    text = _flat(record_text)
    assert "Opening gestart 24-11-2026 14:00:00 door Anouk Jansen" in text
    assert "Opening bevestigd 24-11-2026 14:04:12 door Bram de Vries" in text
    assert (
        "De opening is gestart door Anouk Jansen op 24-11-2026 14:00:00 en bevestigd door "
        "Bram de Vries op 24-11-2026 14:04:12: twee verschillende inkopers." in text
    )


def test_states_tender_and_deadline(record_text: str) -> None:
    text = _flat(record_text)
    assert "Proces-verbaal van opening" in text
    assert "Inkoop Wmo individuele begeleiding 2022" in text
    assert "LEK-WMO-IB-2022" in text
    assert "Uiterste inschrijfdatum 24-11-2026 12:00 (Nederlandse tijd)" in text


def test_states_the_totals(record_text: str) -> None:
    text = _flat(record_text)
    assert "Ontvangen inschrijvingen 3" in text
    assert "Ingetrokken inschrijvingen 1" in text
    assert "Bij de opening zijn in totaal 3 inschrijvingen geopend, met samen 5 indieningen." in (
        text
    )
    assert "Daarnaast is 1 inschrijving ingetrokken en niet geopend." in text


def test_closes_with_the_automatic_generation_statement(record_text: str) -> None:
    text = _flat(record_text)
    assert (
        "Dit proces-verbaal is automatisch door het systeem opgesteld op het moment van de "
        "opening, 24-11-2026 14:04:12 (Nederlandse tijd)" in text
    )


def test_markup_characters_are_printed_literally(record_text: str) -> None:
    assert "Het Ëiland & Zonen <B.V.>" in _flat(record_text)


def test_a_record_without_bids_says_so() -> None:
    text = _flat("\n".join(_pages(build_opening_record(_data(bids=(), withdrawn=())))))
    assert "Vóór de uiterste inschrijfdatum is geen enkele inschrijving ontvangen." in text
    assert "Er zijn geen inschrijvingen ingetrokken." in text
    assert "in totaal 0 inschrijvingen geopend, met samen 0 indieningen." in text
    assert HEADER_ROW not in text


def test_a_withdrawn_bid_without_receipt_shows_dashes() -> None:
    never_received = OpenedBid("Inschrijving 05", "Nooit Ingediend B.V.", "56789012", None, None, 0)
    text = _flat("\n".join(_pages(build_opening_record(_data(withdrawn=(never_received,))))))
    assert "Nooit Ingediend B.V. KvK 56789012 — 0 SHA-256 —" in text


def test_forty_bids_flow_over_pages_with_the_header_row_repeated() -> None:
    bids = _many_bids(40)
    pages = _pages(build_opening_record(_data(bids=bids, withdrawn=())))
    assert len(pages) >= 3
    pages_with_bids = [page for page in pages if "SHA-256\n" in page or "KvK 1" in page]
    assert len(pages_with_bids) >= 3
    for page in pages_with_bids:
        assert HEADER_ROW in _flat(page)
    text = "\n".join(pages)
    for bid in bids:
        assert _flat(text).count(f"{bid.blind_code} ") == 1
        assert bid.digest is not None and bid.digest in text
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        assert f"pagina {number} van {total}" in page
        assert "kenmerk LEK-WMO-IB-2022" in page


@pytest.mark.parametrize("title_lines", range(12))
def test_a_bid_is_never_split_from_its_digest_over_two_pages(title_lines: int) -> None:
    # A longer title moves the table down, so page breaks fall at every point of a bid.
    title = "Inkoop Wmo individuele begeleiding 2022" + " met een toelichting" * 2 * title_lines
    bids = _many_bids(40)
    pages = _pages(build_opening_record(_data(tender_title=title, bids=bids, withdrawn=())))
    for bid in bids:
        [page] = [page for page in pages if bid.organisation_name in _flat(page)]
        assert bid.digest is not None and bid.digest in page


def test_same_data_gives_identical_bytes() -> None:
    # PDF dates are the moment of generation: the same moment, the same bytes.
    with generated_at(datetime(2026, 11, 24, 12, 0, tzinfo=UTC)):
        record = build_opening_record(_data())
        assert build_opening_record(_data()) == record
        assert build_opening_record(_data(opened_by="Carla Smit")) != record


def test_metadata_names_the_document_and_the_authority(record_pdf: bytes) -> None:
    metadata = PdfReader(BytesIO(record_pdf)).metadata
    assert metadata is not None
    assert metadata.title == "Proces-verbaal van opening"
    assert metadata.author == AUTHORITY


def test_states_the_check_against_the_receipts(record_text: str) -> None:
    text = _flat(record_text)
    assert (
        "Controle ontvangen inschrijvingen: 3 inschrijvingen en 5 bestanden komen overeen met "
        "de ontvangstbewijzen." in text
    )
    assert "Geen eerdere controle heeft een afwijking gevonden." in text


def test_lists_every_earlier_failed_check_with_its_time() -> None:
    problem = (
        "Inschrijving met intern nummer 12 (indiening 2, ontvangen 24-11-2026 11:59:58): het "
        "bewijsstuk bij eis E2 is na ontvangst gewijzigd."
    )
    check = ReceiptCheck(
        statement="3 inschrijvingen en 5 bestanden komen overeen met de ontvangstbewijzen",
        earlier_failures=(
            FailedCheck(datetime(2026, 11, 24, 12, 30, 5, tzinfo=UTC), (problem,)),
            FailedCheck(datetime(2026, 11, 24, 12, 45, 0, tzinfo=UTC), (problem, problem)),
        ),
    )
    text = _flat("\n".join(_pages(build_opening_record(_data(receipt_check=check)))))
    assert "Eerdere controles vonden afwijkingen" in text
    assert "Controle van 24-11-2026 13:30:05" in text
    assert "Controle van 24-11-2026 13:45:00" in text
    assert text.count(problem) == 3
    assert "Geen eerdere controle" not in text
