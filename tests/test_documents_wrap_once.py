"""Issue 16: a paragraph breaks its lines once per width (``pdf.Paragraph``), and the
award documents it lays out are exactly those that ReportLab's own paragraph, which
breaks them at every measurement, lays out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from reportlab.platypus.paragraph import Paragraph as ReportLabParagraph
from sqlalchemy.orm import Session
from test_award_documents import decided  # noqa: F401 (the fixture)

from tender.award import documents as award_documents
from tender.award import service as award
from tender.documents import pdf

TEXT = "Zorg in de wijk, " * 40


def _measured(paragraph: ReportLabParagraph, width: float) -> tuple[float, float, list[str]]:
    size = paragraph.wrap(width, 1000)
    assert paragraph.blPara.kind == 0  # one font: lines of (free space, words)
    return (*size, [" ".join(words) for _space, words in paragraph.blPara.lines])


def test_a_measurement_at_another_width_breaks_the_lines_again() -> None:
    paragraph = pdf.Paragraph(TEXT, pdf.BODY)
    for width in (300, 120, 300, 300, 120):
        assert _measured(paragraph, width) == _measured(ReportLabParagraph(TEXT, pdf.BODY), width)


def test_a_paragraph_moved_on_by_a_split_is_measured_again() -> None:
    paragraph = pdf.Paragraph(TEXT, pdf.BODY)
    paragraph.wrap(300, 1000)
    assert paragraph.split(300, 1) == []  # no room: the paragraph drops its lines
    assert _measured(paragraph, 300) == _measured(ReportLabParagraph(TEXT, pdf.BODY), 300)


def test_documents_are_the_bytes_reportlab_lays_out(
    session: Session,
    decided,  # type: ignore[no-untyped-def]  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _tender, _officer, decision = decided
    snapshot = award_documents.documented(session, decision)
    awarded = set(award.awarded_bid_ids(snapshot))
    sent = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)

    def made() -> list[bytes]:
        with pdf.generated_at(sent):
            return [
                award_documents.report_pdf(snapshot, sent_at=sent),
                *(award_documents.letter_pdf(snapshot, e, sent_at=sent) for e in snapshot["bids"]),
                *(
                    award_documents.contract_pdf(snapshot, e)
                    for e in snapshot["bids"]
                    if e["bid_id"] in awarded
                ),
            ]

    once = made()
    assert pdf.page_count(once[0]) > 5  # the report's tables span pages
    monkeypatch.setattr(pdf.Paragraph, "wrap", ReportLabParagraph.wrap)
    assert made() == once
