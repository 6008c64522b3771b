"""The shared PDF foundation: fonts, styles and the municipal-letter page template.

Every document builder (receipt, nota van inlichtingen, opening record, award
letter, report, contract) composes a story of flowables from the styles here and
hands it to ``render()``.

A PDF's CreationDate and ModDate are the moment it is generated: ``now`` in UTC,
or the moment set with ``generated_at(moment)`` (the service passes its clock's
``now``). Everything else is reproducible: ReportLab's ``invariant`` mode keeps
timestamps, object order and the document ID free of the wall clock, so the same
input rendered at the same ``generated_at`` moment gives the same bytes, and a
document's SHA-256 can be reproduced.

Documents rendered inside ``concept()`` carry a diagonal CONCEPT watermark on every
page, drawn by the page template (portrait and landscape) so no builder can leave
it out: anything produced before the award letters are sent is a draft
(DOMAIN.md 5.9).

Documents rendered inside ``audit_footer(anchor)`` print the audit chain's head in
the footer of every page. It is set there rather than passed through every builder
because it is not the document's content but a fact about the moment it was made:
``documents.service.store_document`` (and the few places that hand out a document
without storing it) read the head and render under it, so no builder can forget it.

Documents rendered inside ``signature_status(signed)`` say in the footer of every
page whether they carry a digital (PAdES) signature; the final award documents are
rendered so (``award.documents._store_step``), everything else says nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import partial
from io import BytesIO
from math import atan2, degrees, hypot
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pikepdf
import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Table,
    TableStyle,
)
from reportlab.platypus.paragraph import Paragraph as ReportLabParagraph

from tender.audit import AuditAnchor


class Paragraph(ReportLabParagraph):
    """ReportLab's paragraph that breaks its lines once per width.

    Platypus measures a flowable again and again: a table measures every cell for
    each part it is split into at a page break, and again to draw it; a frame
    measures before it splits and draws. The line breaks at a given width never
    change, so a second measurement at the same width returns the first one's
    result (same lines, same height: the same PDF)."""

    _wrapped_at: float | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        # ``split`` drops ``blPara`` when it moves the paragraph on: measure again then.
        if availWidth == self._wrapped_at and "blPara" in self.__dict__:
            return self.width, self.height
        self._wrapped_at = None
        width, height = super().wrap(availWidth, availHeight)
        if width == availWidth:  # not the "no room at all" answer
            self._wrapped_at = availWidth
        return width, height


# Bitstream Vera ships with ReportLab, so the font is always there and is embedded
# (subset) in every PDF; it covers the Dutch diacritics, the euro sign and en dashes.
_FONT_DIR = Path(reportlab.__file__).resolve().parent / "fonts"
FONT = "Vera"
FONT_BOLD = "Vera-Bold"
FONT_ITALIC = "Vera-Italic"
FONT_BOLD_ITALIC = "Vera-BoldItalic"
# Only ever used for hexadecimal digests: one of the PDF standard fonts, which every
# reader provides, and fixed-width so that digests line up and are easy to compare.
FONT_MONO = "Courier-Bold"


def _register_fonts() -> None:
    for name, file_name in (
        (FONT, "Vera.ttf"),
        (FONT_BOLD, "VeraBd.ttf"),
        (FONT_ITALIC, "VeraIt.ttf"),
        (FONT_BOLD_ITALIC, "VeraBI.ttf"),
    ):
        pdfmetrics.registerFont(TTFont(name, str(_FONT_DIR / file_name)))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC
    )


_register_fonts()

PAGE_SIZE = A4
MARGIN_LEFT = 25 * mm
MARGIN_RIGHT = 25 * mm
BAND_HEIGHT = 21 * mm
MARGIN_TOP = BAND_HEIGHT + 12 * mm
MARGIN_BOTTOM = 22 * mm
TEXT_WIDTH = PAGE_SIZE[0] - MARGIN_LEFT - MARGIN_RIGHT
# Landscape pages, for tables too wide for portrait (see ``landscape_pages``): the same
# margins, band and footer, on A4 turned a quarter.
LANDSCAPE_PAGE_SIZE = landscape(A4)
LANDSCAPE_TEXT_WIDTH = LANDSCAPE_PAGE_SIZE[0] - MARGIN_LEFT - MARGIN_RIGHT
_PORTRAIT = "letter"
_LANDSCAPE = "landscape"

HOUSE_BLUE = colors.HexColor("#154273")
PALE_BLUE = colors.HexColor("#e8eef5")
RULE_GREY = colors.HexColor("#b4b4b4")
TEXT_GREY = colors.HexColor("#535353")
NOTICE_AMBER = colors.HexColor("#fff4d6")
NOTICE_BORDER = colors.HexColor("#c98a00")

TITLE = ParagraphStyle(
    "Title", fontName=FONT_BOLD, fontSize=17, leading=21, textColor=HOUSE_BLUE, spaceAfter=3 * mm
)
SUBTITLE = ParagraphStyle(
    "Subtitle", fontName=FONT, fontSize=11, leading=15, textColor=TEXT_GREY, spaceAfter=6 * mm
)
HEADING = ParagraphStyle(
    "Heading",
    fontName=FONT_BOLD,
    fontSize=11.5,
    leading=15,
    textColor=HOUSE_BLUE,
    spaceBefore=5 * mm,
    spaceAfter=2 * mm,
)
# A heading moves to the next page rather than end a page with less than this below it.
_HEADING_ROOM = 30 * mm
BODY = ParagraphStyle("Body", fontName=FONT, fontSize=9.5, leading=14, spaceAfter=2.5 * mm)
SMALL = ParagraphStyle(
    "Small", fontName=FONT, fontSize=8, leading=11, textColor=TEXT_GREY, spaceAfter=2 * mm
)
CLOSING = ParagraphStyle("Closing", parent=SMALL, spaceBefore=6 * mm)
BULLET = ParagraphStyle(
    "Bullet", parent=BODY, leftIndent=5 * mm, bulletIndent=1 * mm, spaceAfter=1.5 * mm
)
TABLE_TEXT = ParagraphStyle("TableText", fontName=FONT, fontSize=9, leading=12)
TABLE_HEADER = ParagraphStyle("TableHeader", parent=TABLE_TEXT, fontName=FONT_BOLD)
MONO = ParagraphStyle("Mono", fontName=FONT_MONO, fontSize=10, leading=14, spaceAfter=2 * mm)
MONO_SMALL = ParagraphStyle("MonoSmall", fontName=FONT_MONO, fontSize=7, leading=10)
NOTICE = ParagraphStyle(
    "Notice",
    parent=BODY,
    fontName=FONT_BOLD,
    backColor=NOTICE_AMBER,
    borderColor=NOTICE_BORDER,
    borderWidth=0.8,
    borderPadding=(3 * mm, 3 * mm, 3 * mm, 3 * mm),
    spaceBefore=5 * mm,
    spaceAfter=6 * mm,
)

_BAND_AUTHORITY = ParagraphStyle(
    "BandAuthority", fontName=FONT_BOLD, fontSize=10.5, leading=13, textColor=colors.white
)
_BAND_REGION = ParagraphStyle(
    "BandRegion", fontName=FONT, fontSize=9, leading=12, textColor=colors.HexColor("#d5e0ec")
)
_FOOTER_SIZE = 7.5
_FOOTER_Y = 12 * mm
_ANCHOR_SIZE = 6.5
_ANCHOR_Y = _FOOTER_Y - 3.5 * mm
_AUDIT_ANCHOR: ContextVar[AuditAnchor | None] = ContextVar("audit_anchor", default=None)
_CONCEPT: ContextVar[bool] = ContextVar("concept", default=False)
_GENERATED_AT: ContextVar[datetime | None] = ContextVar("generated_at", default=None)
_SIGNED: ContextVar[bool | None] = ContextVar("signed", default=None)
SIGNED_TEXT = "digitaal ondertekend (PAdES)"
UNSIGNED_TEXT = "niet digitaal ondertekend"
CONCEPT_MARK = "CONCEPT"
# Light grey and see-through: the watermark lies over the text without hiding it.
_CONCEPT_COLOUR = colors.Color(0.55, 0.55, 0.55, alpha=0.28)
_CONCEPT_MAX_SIZE = 130
# The share of the page's diagonal the word spans.
_CONCEPT_SPAN = 0.72


def anchor_text(anchor: AuditAnchor) -> str:
    """The footer line that ties a document to the audit chain (full hash, to compare)."""
    return f"Logboek t/m gebeurtenis {anchor.event_id}, hash {anchor.hash}"


@contextmanager
def audit_footer(anchor: AuditAnchor | None) -> Iterator[None]:
    """Documents rendered inside print ``anchor`` (the audit chain's head) on every page."""
    token = _AUDIT_ANCHOR.set(anchor)
    try:
        yield
    finally:
        _AUDIT_ANCHOR.reset(token)


@contextmanager
def concept() -> Iterator[None]:
    """Documents rendered inside carry a diagonal CONCEPT watermark on every page."""
    token = _CONCEPT.set(True)
    try:
        yield
    finally:
        _CONCEPT.reset(token)


def is_concept() -> bool:
    """Whether documents rendered now are marked CONCEPT."""
    return _CONCEPT.get()


@contextmanager
def signature_status(signed: bool) -> Iterator[None]:
    """Documents rendered inside say in the footer whether they are digitally signed."""
    token = _SIGNED.set(signed)
    try:
        yield
    finally:
        _SIGNED.reset(token)


@contextmanager
def generated_at(moment: datetime) -> Iterator[None]:
    """Documents rendered inside carry ``moment`` (aware) as their PDF creation date."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("generated_at needs an aware datetime")
    token = _GENERATED_AT.set(moment)
    try:
        yield
    finally:
        _GENERATED_AT.reset(token)


def generation_moment() -> datetime:
    """The creation date of a document rendered now, in UTC to the second."""
    moment = _GENERATED_AT.get() or datetime.now(UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def markup(text: str) -> str:
    """User text made safe for ReportLab's paragraph mini-markup; line breaks kept."""
    return escape(text).replace("\r\n", "\n").replace("\n", "<br/>")


def section_heading(text: str) -> list[Flowable]:
    """A heading (markup, so escape user text first) that never ends a page on its own.

    A conditional page break rather than ``keepWithNext``: keeping a heading with a
    paragraph longer than the space left would push both to the next page, leaving
    a blank half page behind.
    """
    return [CondPageBreak(_HEADING_ROOM), Paragraph(text, HEADING)]


def user_paragraphs(
    text: str, style: ParagraphStyle = BODY, *, label: str | None = None
) -> list[Paragraph]:
    """Free text typed by a user as paragraphs: blank lines separate them.

    Each paragraph may flow across pages, so answers of any length fit. A ``label``
    (plain text) is set in bold above the first paragraph, as part of it, so that
    it stays with the text's first lines.
    """
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    texts = [markup(block) for block in blocks if block] or [""]
    if label is not None:
        texts[0] = f"<b>{escape(label)}</b><br/>{texts[0]}"
    return [Paragraph(block, style) for block in texts if block]


def dutch_list(items: Sequence[str]) -> str:
    """Plain-text items joined the Dutch way: 'A', 'A en B', 'A, B en C'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} en {items[-1]}"


def bullet_list(items: Sequence[str]) -> list[Paragraph]:
    """Plain-text items (escaped) as a bulleted list, one paragraph per item."""
    return [Paragraph(markup(item), BULLET, bulletText="•") for item in items]


def facts_table(
    rows: Sequence[tuple[str, str | Flowable]], *, label_width: float = 48 * mm
) -> Table:
    """A two-column table of labelled facts, as at the top of a letter.

    Values given as ``str`` are user data and escaped; flowables are used as they are.
    """
    data = [
        [
            Paragraph(escape(label), TABLE_HEADER),
            Paragraph(markup(value), TABLE_TEXT) if isinstance(value, str) else value,
        ]
        for label, value in rows
    ]
    table = Table(data, colWidths=[label_width, TEXT_WIDTH - label_width], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE_GREY),
            ]
        )
    )
    return table


def grid_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Flowable]],
    widths: Sequence[float],
    *,
    split_rows: bool = False,
) -> Table:
    """A table with a tinted header row that repeats on every page it spans.

    ``split_rows`` lets a row continue on the next page, for cells whose content has
    no upper bound (e.g. a list of every awarded provider), which would otherwise
    make the layout fail once a row is taller than a page.
    """
    data: list[list[Any]] = [[Paragraph(escape(cell), TABLE_HEADER) for cell in header]]
    data.extend(list(row) for row in rows)
    table = Table(
        data,
        colWidths=list(widths),
        repeatRows=1,
        hAlign="LEFT",
        splitInRow=1 if split_rows else 0,
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), PALE_BLUE),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, HOUSE_BLUE),
                ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE_GREY),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def landscape_pages() -> list[Flowable]:
    """Continue the story on a new landscape page (and on landscape pages after it)."""
    return [NextPageTemplate(_LANDSCAPE), PageBreak()]


def portrait_pages() -> list[Flowable]:
    """Continue the story on a new portrait page, after ``landscape_pages``."""
    return [NextPageTemplate(_PORTRAIT), PageBreak()]


def _timestamp(moment: datetime) -> TimeStamp:
    """ReportLab's timestamp for a UTC ``moment``: the PDF's CreationDate and ModDate."""
    stamp = TimeStamp(invariant=True)
    stamp.t = moment.timestamp()
    stamp.lt = moment.timetuple()
    stamp.YMDhms = tuple(stamp.lt)[:6]
    stamp.dhh = stamp.dmm = 0
    stamp.tzname = "UTC"
    return stamp


class _NumberedCanvas(Canvas):
    """Holds every page back until the end, so each footer can say 'pagina X van Y'.

    Rendered in ReportLab's ``invariant`` mode, which dates every PDF 2000-01-01;
    the document's timestamp is then set to ``generated_at`` (UTC, whole seconds).
    The moment also goes into the document ID, which stays free of the wall clock.
    """

    def __init__(
        self,
        *args: Any,
        generated_at: datetime,
        first_page: int = 1,
        pages_after: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._doc._timeStamp = _timestamp(generated_at)
        self._doc.updateSignature(generated_at.isoformat())
        self._page_states: list[dict[str, Any]] = []
        # Pages of the same document rendered apart (``append_pages``): how many come
        # before these and after them.
        self._first_page = first_page
        self._pages_after = pages_after

    def showPage(self) -> None:
        self._page_states.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        first, after = self._first_page, self._pages_after
        total = first - 1 + len(self._page_states) + after
        for state in self._page_states:
            self.__dict__.update(state)
            self._draw_page_number(first - 1 + self._pageNumber, total)
            super().showPage()
        super().save()

    def _draw_page_number(self, number: int, total: int) -> None:
        self.saveState()
        self.setFont(FONT, _FOOTER_SIZE)
        self.setFillColor(TEXT_GREY)
        self.drawRightString(
            self._pagesize[0] - MARGIN_RIGHT, _FOOTER_Y, f"pagina {number} van {total}"
        )
        self.restoreState()


class MunicipalLetter(BaseDocTemplate):
    """A4 letter of the contracting authority: a header band and a referenced footer.

    Pages are portrait; ``landscape_pages()`` in the story turns the following pages.
    """

    def __init__(
        self,
        target: BytesIO,
        *,
        title: str,
        authority: str,
        region: str,
        reference: str,
        subject: str,
    ) -> None:
        super().__init__(
            target,
            pagesize=PAGE_SIZE,
            leftMargin=MARGIN_LEFT,
            rightMargin=MARGIN_RIGHT,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=title,
            author=authority,
            subject=subject,
            creator="tender",
            producer="tender (ReportLab)",
            lang="nl-NL",
            displayDocTitle=True,
            invariant=True,
        )
        self.authority = authority
        self.region = region
        self.reference = reference
        self.audit_anchor = _AUDIT_ANCHOR.get()
        self.concept = _CONCEPT.get()
        self.signed = _SIGNED.get()
        self._band_lines: tuple[Paragraph, float, Paragraph, float] | None = None
        self.addPageTemplates(
            [
                PageTemplate(
                    id=_PORTRAIT,
                    frames=[self._body_frame(PAGE_SIZE)],
                    onPage=self._decorate,
                    onPageEnd=self._watermark,
                    pagesize=PAGE_SIZE,
                ),
                PageTemplate(
                    id=_LANDSCAPE,
                    frames=[self._body_frame(LANDSCAPE_PAGE_SIZE)],
                    onPage=self._decorate,
                    onPageEnd=self._watermark,
                    pagesize=LANDSCAPE_PAGE_SIZE,
                ),
            ]
        )

    def _body_frame(self, page_size: tuple[float, float]) -> Frame:
        width, height = page_size
        return Frame(
            self.leftMargin,
            self.bottomMargin,
            width - self.leftMargin - self.rightMargin,
            height - self.topMargin - self.bottomMargin,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )

    def _decorate(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        width, height = canvas._pagesize
        canvas.saveState()
        canvas.setFillColor(HOUSE_BLUE)
        canvas.rect(0, height - BAND_HEIGHT, width, BAND_HEIGHT, stroke=0, fill=1)
        authority, authority_height, region, region_height = self._band()
        top = height - (BAND_HEIGHT - authority_height - region_height) / 2
        authority.drawOn(canvas, MARGIN_LEFT, top - authority_height)
        region.drawOn(canvas, MARGIN_LEFT, top - authority_height - region_height)

        canvas.setStrokeColor(RULE_GREY)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_LEFT, _FOOTER_Y + 4 * mm, width - MARGIN_RIGHT, _FOOTER_Y + 4 * mm)
        canvas.setFont(FONT, _FOOTER_SIZE)
        canvas.setFillColor(TEXT_GREY)
        footer = f"{doc.title} · kenmerk {self.reference}"
        if self.signed is not None:
            footer += f" · {SIGNED_TEXT if self.signed else UNSIGNED_TEXT}"
        canvas.drawString(MARGIN_LEFT, _FOOTER_Y, footer)
        if self.audit_anchor is not None:
            canvas.setFont(FONT, _ANCHOR_SIZE)
            canvas.drawString(MARGIN_LEFT, _ANCHOR_Y, anchor_text(self.audit_anchor))
        canvas.restoreState()

    def _band(self) -> tuple[Paragraph, float, Paragraph, float]:
        """The header band's two lines, laid out once per document (the same on every
        page) rather than once per page."""
        if self._band_lines is None:
            authority = Paragraph(escape(self.authority), _BAND_AUTHORITY)
            region = Paragraph(escape(self.region), _BAND_REGION)
            _, authority_height = authority.wrap(TEXT_WIDTH, BAND_HEIGHT)
            _, region_height = region.wrap(TEXT_WIDTH, BAND_HEIGHT)
            self._band_lines = (authority, authority_height, region, region_height)
        return self._band_lines

    def _watermark(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        """CONCEPT from corner to corner, over the page's content (drawn last)."""
        if not self.concept:
            return
        width, height = canvas._pagesize
        diagonal = hypot(width, height)
        size = min(
            _CONCEPT_MAX_SIZE,
            _CONCEPT_SPAN * diagonal / pdfmetrics.stringWidth(CONCEPT_MARK, FONT_BOLD, 1),
        )
        canvas.saveState()
        canvas.translate(width / 2, height / 2)
        canvas.rotate(degrees(atan2(height, width)))
        canvas.setFont(FONT_BOLD, size)
        canvas.setFillColor(_CONCEPT_COLOUR)
        # The text's vertical middle on the diagonal: a cap height is about 0.73 em.
        canvas.drawCentredString(0, -0.36 * size, CONCEPT_MARK)
        canvas.restoreState()


def render(
    story: list[Flowable],
    *,
    title: str,
    authority: str,
    region: str,
    reference: str,
    subject: str | None = None,
    first_page: int = 1,
    pages_after: int = 0,
) -> bytes:
    """Lay out ``story`` as a municipal letter and return the PDF.

    ``title`` is the document's title (PDF metadata and footer), ``authority`` the
    contracting authority (header band and PDF author), ``reference`` the tender's
    reference (footer). The same input rendered at the same ``generated_at`` moment
    gives the same bytes; inside ``concept()`` every page is marked CONCEPT.

    For a document whose pages are rendered in parts and joined (``append_pages``):
    ``first_page`` is the number of the story's first page, ``pages_after`` the
    number of pages that follow it, so that every footer counts the whole document.
    """
    buffer = BytesIO()
    doc = MunicipalLetter(
        buffer,
        title=title,
        authority=authority,
        region=region,
        reference=reference,
        subject=subject if subject is not None else f"{title} – {reference}",
    )
    doc.build(
        story,
        canvasmaker=partial(
            _NumberedCanvas,
            generated_at=generation_moment(),
            first_page=first_page,
            pages_after=pages_after,
        ),
    )
    return buffer.getvalue()


def page_count(content: bytes) -> int:
    """The number of pages of a PDF."""
    with pikepdf.open(BytesIO(content)) as document:
        return len(document.pages)


def append_pages(content: bytes, *parts: bytes) -> bytes:
    """``content`` with the pages of ``parts`` after its own, as one PDF.

    The document keeps its own metadata (title, author, dates, language, viewer
    preferences); the parts give only their pages, each with the fonts and images it
    uses. Rendered with matching ``first_page`` and ``pages_after``, the footers
    number the pages of the whole. The same inputs give the same bytes (the document
    ID is derived from the content).
    """
    with pikepdf.open(BytesIO(content)) as document:
        opened = [pikepdf.open(BytesIO(part)) for part in parts]
        try:
            for part in opened:
                document.pages.extend(part.pages)
            out = BytesIO()
            document.save(out, deterministic_id=True)
        finally:
            for part in opened:
                part.close()
    return out.getvalue()


def rendering_context() -> tuple[AuditAnchor | None, bool, bool | None]:
    """What the page template prints besides the story (the audit anchor, the CONCEPT
    mark, the signature status): parts rendered apart must agree on it."""
    return _AUDIT_ANCHOR.get(), _CONCEPT.get(), _SIGNED.get()
