"""Receipt and nota van inlichtingen PDFs: what they state, read back with pypdf."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader

from tender.audit import AuditAnchor
from tender.documents.pdf import audit_footer, generated_at
from tender.documents.qa_nota import QaNotaData, QaNotaItem, build_qa_nota, deadline_notice
from tender.documents.receipt import ReceiptData, build_receipt

AUTHORITY = "Gemeenten Houten, IJsselstein, Lopik, Nieuwegein en Vijfheerenlanden"
DIGEST = hashlib.sha256("inschrijving van Zorgcoöperatie Ëiland".encode()).hexdigest()
ATTACHMENT_DIGEST = hashlib.sha256(b"plan").hexdigest()
# Every PDF is dated the moment it is generated; these fixtures are all made at one.
MOMENT = datetime(2026, 11, 24, 13, 30, 15, tzinfo=UTC)


def _long_answer() -> str:
    """About 3000 words in paragraphs of ten numbered sentences."""
    sentence = (
        "de cliënt krijgt één vaste begeleider die de coördinatie met het wijkteam, "
        "de huisarts en het voorliggend veld in Vijfheerenlanden op zich neemt."
    )
    sentences = [f"Zin {n}: {sentence}" for n in range(1, 211)]
    return "\n\n".join(" ".join(sentences[i : i + 10]) for i in range(0, len(sentences), 10))


LONG_ANSWER = _long_answer()


def _receipt(**changes: object) -> ReceiptData:
    fields: dict[str, object] = {
        "tender_reference": "LEK-WMO-IB-2022",
        "tender_title": "Inkoop Wmo individuele begeleiding 2022",
        "contracting_authority": AUTHORITY,
        "region": "Regio Lekstroom",
        "organisation_name": "Zorgcoöperatie Het Ëiland & Zonen <B.V.>",
        "kvk_number": "12345678",
        "submission_number": 2,
        "received_at": datetime(2026, 11, 24, 13, 0, 5, tzinfo=UTC),
        "digest": DIGEST,
        "lots": ("IB – Wmo individuele begeleiding",),
        "attachments": (("Plan van aanpak – café één.pdf", ATTACHMENT_DIGEST),),
    }
    fields.update(changes)
    return ReceiptData(**fields)  # type: ignore[arg-type]


ITEMS = (
    QaNotaItem(
        number=1,
        section="Gunningscriterium 2 – lokale netwerken",
        question="Mag een <b>& in een vraag staan, en wat kost € 1.234,56 per cliënt?",
        answer="Ja. Tekens als < en & worden letterlijk overgenomen.",
    ),
    QaNotaItem(
        number=2,
        section="",
        question="Hoe ziet de samenwerking met het voorliggend veld eruit?",
        answer=LONG_ANSWER,
    ),
    QaNotaItem(
        number=3,
        section="Eisen",
        question="Geldt de eis van een VOG ook voor zzp'ers?",
        answer="Ja, voor iedereen die cliënten begeleidt.",
    ),
)


def _nota(**changes: object) -> QaNotaData:
    fields: dict[str, object] = {
        "tender_reference": "LEK-WMO-IB-2022",
        "tender_title": "Inkoop Wmo individuele begeleiding 2022",
        "contracting_authority": AUTHORITY,
        "region": "Regio Lekstroom",
        "round_number": 2,
        "published_at": datetime(2026, 10, 1, 8, 0, tzinfo=UTC),
        "items": ITEMS,
        "previous_submission_deadline": datetime(2026, 11, 24, 11, 0, tzinfo=UTC),
        "new_submission_deadline": datetime(2026, 12, 1, 11, 0, tzinfo=UTC),
    }
    fields.update(changes)
    return QaNotaData(**fields)  # type: ignore[arg-type]


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(content)).pages]


def _flat(text: str) -> str:
    """Text with every run of whitespace (line breaks included) as one space."""
    return " ".join(text.split())


def _in_order(needle: str, haystack: str) -> bool:
    """Every word of ``needle`` occurs in ``haystack`` in the same order.

    Text that flows over pages has the page header and footer between its parts.
    """
    words = iter(haystack.split())
    return all(any(word == candidate for candidate in words) for word in needle.split())


@pytest.fixture(scope="module")
def receipt_pdf() -> bytes:
    with generated_at(MOMENT):
        return build_receipt(_receipt())


@pytest.fixture(scope="module")
def nota_pdf() -> bytes:
    with generated_at(MOMENT):
        return build_qa_nota(_nota())


def test_receipt_names_tender_organisation_and_kvk(receipt_pdf: bytes) -> None:
    text = _flat("\n".join(_pages(receipt_pdf)))
    assert "Ontvangstbevestiging inschrijving" in text
    assert "LEK-WMO-IB-2022" in text
    assert "Inkoop Wmo individuele begeleiding 2022" in text
    assert "Zorgcoöperatie Het Ëiland & Zonen <B.V.>" in text
    assert "12345678" in text
    assert "IB – Wmo individuele begeleiding" in text
    assert AUTHORITY in text


def test_receipt_time_of_receipt_is_amsterdam_time_to_the_second(receipt_pdf: bytes) -> None:
    text = _flat("\n".join(_pages(receipt_pdf)))
    assert "24-11-2026 14:00:05 (Nederlandse tijd)" in text


def test_receipt_prints_the_full_digest_in_one_piece(receipt_pdf: bytes) -> None:
    # Not whitespace-flattened: the 64 hex digits must be contiguous as extracted.
    assert DIGEST in "\n".join(_pages(receipt_pdf))


def test_receipt_lists_attachments_with_their_digests(receipt_pdf: bytes) -> None:
    text = "\n".join(_pages(receipt_pdf))
    assert "Plan van aanpak – café één.pdf" in _flat(text)
    assert ATTACHMENT_DIGEST in text


def test_receipt_of_a_resubmission_says_the_newest_counts(receipt_pdf: bytes) -> None:
    text = _flat("\n".join(_pages(receipt_pdf)))
    assert "Indiening 2" in text
    assert "Alleen de laatste indiening die vóór de uiterste inschrijfdatum" in text


def test_receipt_of_a_first_submission() -> None:
    text = _flat("\n".join(_pages(build_receipt(_receipt(submission_number=1, attachments=())))))
    assert "Indiening 1" in text
    assert "eerste indiening" in text
    assert "geen bijlagen" in text


def test_receipt_explains_what_the_digest_proves(receipt_pdf: bytes) -> None:
    text = _flat("\n".join(_pages(receipt_pdf)))
    assert "Richtlijn 2014/24/EU (bijlage IV)" in text
    assert "SHA-256" in text


def test_nota_contains_every_question_and_answer(nota_pdf: bytes) -> None:
    pages = _pages(nota_pdf)
    text = _flat("\n".join(pages))
    assert "Nota van inlichtingen 2" in text
    for item in ITEMS:
        assert f"Vraag {item.number}" in text
        assert _flat(item.question) in text
        assert _in_order(item.answer, text)
    for item in (ITEMS[0], ITEMS[2]):
        assert _flat(item.answer) in text
    assert "Gunningscriterium 2 – lokale netwerken" in text


def test_nota_prints_markup_characters_literally(nota_pdf: bytes) -> None:
    text = _flat("\n".join(_pages(nota_pdf)))
    assert "Mag een <b>& in een vraag staan" in text
    assert "€ 1.234,56 per cliënt" in text


def test_nota_long_answer_flows_over_several_pages(nota_pdf: bytes) -> None:
    pages = _pages(nota_pdf)
    assert len(pages) >= 4
    first_with_zin_1 = next(i for i, page in enumerate(pages) if "Zin 1:" in page)
    last_with_zin_210 = next(i for i, page in enumerate(pages) if "Zin 210:" in page)
    assert last_with_zin_210 - first_with_zin_1 >= 2
    # The answer starts on the page where its question is, not after an empty half page.
    assert "Hoe ziet de samenwerking" in pages[first_with_zin_1]


def test_nota_announces_a_moved_deadline(nota_pdf: bytes) -> None:
    text = _flat("\n".join(_pages(nota_pdf)))
    assert (
        "De uiterste inschrijfdatum is gewijzigd van 24-11-2026 12:00 naar 01-12-2026 12:00."
        in text
    )


def test_nota_without_a_moved_deadline_says_nothing_about_it() -> None:
    same = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    for previous, new in ((None, None), (same, same), (None, same)):
        assert deadline_notice(previous, new) is None
        content = build_qa_nota(
            _nota(previous_submission_deadline=previous, new_submission_deadline=new)
        )
        assert "gewijzigd" not in _flat("\n".join(_pages(content)))


def test_nota_without_questions() -> None:
    text = _flat("\n".join(_pages(build_qa_nota(_nota(items=())))))
    assert "In deze ronde zijn geen vragen gesteld." in text


@pytest.mark.parametrize("kind", ["receipt", "nota"])
def test_every_page_footer_says_page_x_of_n(kind: str, receipt_pdf: bytes, nota_pdf: bytes) -> None:
    pages = _pages(receipt_pdf if kind == "receipt" else nota_pdf)
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        assert f"pagina {number} van {total}" in page
        assert "kenmerk LEK-WMO-IB-2022" in page
        assert AUTHORITY in _flat(page)
    assert "pagina 1 van " in pages[0]


def test_same_data_gives_identical_bytes(receipt_pdf: bytes, nota_pdf: bytes) -> None:
    with generated_at(MOMENT):
        assert build_receipt(_receipt()) == receipt_pdf
        assert build_qa_nota(_nota()) == nota_pdf
        assert build_receipt(_receipt(submission_number=3)) != receipt_pdf


def test_metadata_names_the_contracting_authority(receipt_pdf: bytes, nota_pdf: bytes) -> None:
    receipt = PdfReader(BytesIO(receipt_pdf)).metadata
    nota = PdfReader(BytesIO(nota_pdf)).metadata
    assert receipt is not None and nota is not None
    assert receipt.title == "Ontvangstbevestiging inschrijving"
    assert nota.title == "Nota van inlichtingen 2"
    assert receipt.author == nota.author == AUTHORITY
    assert nota.subject == "Inkoop Wmo individuele begeleiding 2022"


def test_text_font_is_embedded(receipt_pdf: bytes) -> None:
    fonts = PdfReader(BytesIO(receipt_pdf)).pages[0]["/Resources"]["/Font"]
    embedded = [
        font["/BaseFont"]
        for font in (ref.get_object() for ref in fonts.values())
        if "/FontDescriptor" in font and "/FontFile2" in font["/FontDescriptor"]
    ]
    assert any("Vera" in name for name in embedded)


def test_audit_footer_prints_the_chains_head_on_every_page(nota_pdf: bytes) -> None:
    anchor = AuditAnchor(event_id=1234, hash=hashlib.sha256(b"event 1234").hexdigest())
    with generated_at(MOMENT), audit_footer(anchor):
        anchored = build_qa_nota(_nota())
    pages = _pages(anchored)
    assert len(pages) > 1
    for page in pages:
        assert f"Logboek t/m gebeurtenis 1234, hash {anchor.hash}" in page
    # Outside the footer's scope nothing is printed, and the anchor is part of the bytes.
    assert not any("Logboek t/m" in page for page in _pages(nota_pdf))
    with generated_at(MOMENT):
        assert build_qa_nota(_nota()) == nota_pdf != anchored
