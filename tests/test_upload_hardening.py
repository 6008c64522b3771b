"""Uploads are parsed, not sniffed (issue 13 item 7).

A PDF is refused, with a Dutch message that says what to do, when it is encrypted
(also with an empty user password), carries JavaScript, a launch action or embedded
files, has anything before ``%PDF-`` or after its last ``%%EOF``, contains a ZIP
archive (a PDF/ZIP polyglot), or cannot be parsed; each refusal is proved through the
provider's upload route and at the service level. What real PDFs legitimately
contain is accepted: several ``%%EOF`` markers (incremental update, linearised file),
white space after the end, links, object streams, and bytes in compressed content
that happen to look like a ZIP signature. A bid's uploads together stay within a
quota; any safe file name is a label (``versie..2.pdf``), never a path; a criteria
file upload that is binary, not UTF-8 or too large is refused in Dutch.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import datetime

import pikepdf
import pytest
from factories import login, make_published_tender, make_user, pdf_bytes
from flask import Flask
from pypdf import PdfWriter
from reportlab.pdfgen import canvas
from sqlalchemy import func, select

from tender import clock
from tender.accounts.models import Role
from tender.bids import service as bids
from tender.bids import uploads
from tender.bids.models import Attachment, Bid
from tender.tenders.forms import CriteriaUploadRefused, criteria_upload
from tender.timefmt import format_size

# -- crafted PDFs -----------------------------------------------------------------------------


def _base() -> bytes:
    return pdf_bytes("Ons plan voor de wijk")


def _edited(change: Callable[[pikepdf.Pdf], None], **save: object) -> bytes:
    with pikepdf.open(io.BytesIO(_base())) as pdf:
        change(pdf)
        out = io.BytesIO()
        pdf.save(out, **save)  # type: ignore[arg-type]
    return out.getvalue()


def _zip(name: str = "lees-mij.txt", content: bytes = b"verborgen") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def encrypted_with_password() -> bytes:
    return _edited(lambda pdf: None, encryption=pikepdf.Encryption(owner="eigenaar", user="geheim"))


def encrypted_without_user_password() -> bytes:
    """Opens without asking (empty user password), yet is encrypted."""
    return _edited(lambda pdf: None, encryption=pikepdf.Encryption(owner="eigenaar", user=""))


def _open_action(action: pikepdf.Dictionary) -> Callable[[pikepdf.Pdf], None]:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.OpenAction = action

    return change


def open_action_javascript() -> bytes:
    return _edited(
        _open_action(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Action,
                S=pikepdf.Name.JavaScript,
                JS=pikepdf.String("app.alert('hallo');"),
            )
        )
    )


def javascript_name_tree_in_object_streams() -> bytes:
    """Document-level JavaScript, written inside compressed object streams."""

    def change(pdf: pikepdf.Pdf) -> None:
        script = pdf.make_indirect(
            pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("this.print();"))
        )
        pdf.Root.Names = pikepdf.Dictionary(
            JavaScript=pdf.make_indirect(
                pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("start"), script]))
            )
        )

    return _edited(change, object_stream_mode=pikepdf.ObjectStreamMode.generate)


def page_additional_action_javascript() -> bytes:
    """/AA on a page: a script when the page is opened, as a JavaScript stream."""

    def change(pdf: pikepdf.Pdf) -> None:
        code = pdf.make_stream(b"app.launchURL('https://example.invalid');")
        action = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=code))
        pdf.pages[0].obj.AA = pikepdf.Dictionary(O=action)

    return _edited(change)


def launch_action() -> bytes:
    return _edited(
        _open_action(
            pikepdf.Dictionary(
                S=pikepdf.Name.Launch, F=pikepdf.String("C:\\Windows\\System32\\calc.exe")
            )
        )
    )


def embedded_file() -> bytes:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.attachments["begroting.xlsx"] = pikepdf.AttachedFileSpec(pdf, b"PK spreadsheet")

    return _edited(change)


def file_attachment_annotation() -> bytes:
    def change(pdf: pikepdf.Pdf) -> None:
        spec = pikepdf.AttachedFileSpec(pdf, b"inhoud", filename="notitie.txt")
        annotation = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.FileAttachment,
            Rect=[100, 100, 120, 120],
            FS=spec.obj,
        )
        pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([annotation]))

    return _edited(change)


def zip_appended() -> bytes:
    return _base() + _zip()


def zip_appended_before_a_last_eof() -> bytes:
    """The tail after the last %%EOF is clean, but a ZIP sits in front of it."""
    return _base() + _zip() + b"\n%%EOF\n"


def zip_inside_a_stream() -> bytes:
    """A ZIP stored uncompressed in a stream: readers of both formats find theirs."""

    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.Extra = pdf.make_stream(_zip())

    return _edited(change, compress_streams=False)


def zip_with_the_pdf_prepended() -> bytes:
    return _zip("plan.pdf", _base()) + _base()


def content_before_the_header() -> bytes:
    return b"<html><script>alert(1)</script></html>\n" + _base()


def text_after_the_end() -> bytes:
    return _base() + b"<script>alert(1)</script>\n"


def unparseable() -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\ngarbage\n%%EOF\n"


def truncated() -> bytes:
    content = _base()
    return content[: len(content) // 2]


REFUSED = [
    ("encrypted", encrypted_with_password, "versleuteld"),
    ("empty user password", encrypted_without_user_password, "versleuteld"),
    ("open action JavaScript", open_action_javascript, "JavaScript"),
    ("names tree JavaScript", javascript_name_tree_in_object_streams, "JavaScript"),
    ("page /AA JavaScript", page_additional_action_javascript, "JavaScript"),
    ("launch action", launch_action, "Launch-actie"),
    ("embedded file", embedded_file, "ingesloten"),
    ("file attachment annotation", file_attachment_annotation, "ingesloten"),
    ("ZIP appended", zip_appended, "na het einde van de PDF"),
    ("ZIP before a last %%EOF", zip_appended_before_a_last_eof, "ZIP-archief"),
    ("ZIP inside a stream", zip_inside_a_stream, "ZIP-archief"),
    ("ZIP with PDF prepended", zip_with_the_pdf_prepended, "vóór het begin van de PDF"),
    ("content before %PDF-", content_before_the_header, "vóór het begin van de PDF"),
    ("text after %%EOF", text_after_the_end, "na het einde van de PDF"),
    ("unparseable", unparseable, "kan niet als PDF worden gelezen"),
    ("truncated", truncated, "het einde van de PDF ontbreekt"),
]


def incremental_update() -> bytes:
    """A signed-off document saved again: the original bytes, then an update section."""
    writer = PdfWriter(io.BytesIO(_base()), incremental=True)
    writer.add_metadata({"/Title": "Plan, versie 2"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def linearised() -> bytes:
    return _edited(lambda pdf: None, linearize=True)


def with_a_link_and_trailing_whitespace() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Zie onze website")
    page.linkURL("https://example.org", (72, 710, 200, 730))
    page.save()
    return buffer.getvalue() + b"\r\n\x00\x00  \n"


def zip_like_bytes_in_content() -> bytes:
    """Four bytes of a ZIP signature inside page content, no archive around them."""

    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.Extra = pdf.make_stream(
            b"PK\x03\x04" + b"\xff" * 40 + b"PK\x05\x06" + b"\x01\x00\x02\x00" + b"\x00" * 20
        )

    return _edited(change, compress_streams=False)


ACCEPTED = [
    ("reportlab", _base),
    ("incremental update", incremental_update),
    ("linearised", linearised),
    ("link and trailing white space", with_a_link_and_trailing_whitespace),
    (
        "object streams",
        lambda: _edited(lambda pdf: None, object_stream_mode=pikepdf.ObjectStreamMode.generate),
    ),
    ("ZIP-like bytes in content", zip_like_bytes_in_content),
]


def test_crafted_files_are_what_they_claim_to_be() -> None:
    """The refusals below are earned: each file really is what its name says."""
    assert incremental_update().count(b"%%EOF") == 2
    assert linearised().count(b"%%EOF") == 2
    assert zipfile.is_zipfile(io.BytesIO(zip_appended()))
    assert zipfile.is_zipfile(io.BytesIO(zip_with_the_pdf_prepended()))
    with pikepdf.open(io.BytesIO(encrypted_without_user_password())) as pdf:
        assert pdf.is_encrypted and len(pdf.pages) == 1  # opens without a password
    with pikepdf.open(io.BytesIO(zip_appended())) as pdf:
        assert len(pdf.pages) == 1  # a PDF reader opens the polyglot happily
    assert b"/JavaScript" not in javascript_name_tree_in_object_streams()  # compressed away


# -- the checks on their own ----------------------------------------------------------------


@pytest.mark.parametrize(
    "build,message", [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED]
)
def test_check_pdf_refuses_in_dutch_with_what_to_do(
    build: Callable[[], bytes], message: str
) -> None:
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.check_pdf("plan.pdf", build(), max_bytes=10 * 1024 * 1024)
    text = str(refused.value)
    assert "'plan.pdf' is niet geaccepteerd" in text
    assert message in text
    assert "upload" in text  # says what to do


@pytest.mark.parametrize(
    "build", [case[1] for case in ACCEPTED], ids=[case[0] for case in ACCEPTED]
)
def test_check_pdf_accepts_what_real_pdfs_contain(build: Callable[[], bytes]) -> None:
    assert uploads.check_pdf("plan.pdf", build(), max_bytes=10 * 1024 * 1024) == "plan.pdf"


@pytest.mark.parametrize(
    "name",
    [
        "versie..2.pdf",
        "..windowsplan.pdf",
        "Plan van aanpak (definitief) – Zorgcoöperatie Ëiland.pdf",
        "  met spaties aan het eind .pdf  ",
        'rapport;bijlage=1 "citaat".pdf',
        "日本語.pdf",
        "a" * 196 + ".pdf",
    ],
)
def test_any_safe_file_name_is_a_label(name: str) -> None:
    assert uploads.checked_filename(name) == name.strip()


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "..",
        "../../etc/passwd.pdf",
        "map\\plan.pdf",
        "plan\x00.pdf",
        "plan\n.pdf",
        "plan\u202efdp.exe",
        "a" * 197 + ".pdf",
    ],
)
def test_unsafe_file_names_are_refused(name: str) -> None:
    with pytest.raises(uploads.UploadRefused):
        uploads.checked_filename(name)


# -- through the service and the provider's upload route ------------------------------------


@pytest.fixture
def draft(app: Flask, now: datetime):  # type: ignore[no-untyped-def]
    db = app.extensions["tender.sessionmaker"]()
    tender = make_published_tender(db, now=now)
    provider = make_user(db, Role.PROVIDER, now=now)
    db.commit()
    client = app.test_client()
    login(client, provider)
    clock.set_clock(lambda: now)
    response = client.post(f"/aanbestedingen/{tender.id}/inschrijven")
    bid_id = int(response.headers["Location"].rsplit("/", 1)[1])
    yield {
        "db": db,
        "client": client,
        "tender": tender,
        "provider": provider,
        "bid": db.get(Bid, bid_id),
        "storage": uploads.uploads_dir(app.instance_path),
        "plan_url": f"/inschrijvingen/{bid_id}/plannen/{tender.criteria[0].id}",
    }
    db.close()


def _post_plan(draft, content: bytes, name: str = "plan.pdf"):  # type: ignore[no-untyped-def]
    return draft["client"].post(
        draft["plan_url"],
        data={"text": "Mijn plan.", "attachment": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def _stored(draft) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    db = draft["db"]
    db.expire_all()
    count = db.scalar(select(func.count(Attachment.id)))
    return count, sorted(p.name for p in draft["storage"].iterdir())


def test_every_refusal_holds_through_the_service_and_the_upload_route(draft, now) -> None:  # type: ignore[no-untyped-def]
    db, bid = draft["db"], draft["bid"]
    for case, build, message in REFUSED:
        content = build()
        with pytest.raises(uploads.UploadRefused, match=re.escape(message)):
            bids.add_attachment(
                db,
                bid=bid,
                filename="plan.pdf",
                content=content,
                storage_dir=draft["storage"],
                max_bytes=10 * 1024 * 1024,
                actor=draft["provider"],
                now=now,
            )
        db.rollback()
        response = _post_plan(draft, content)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, case
        assert message in html, case
        assert "Mijn plan." in html, case  # the typed plan is kept
        assert _stored(draft) == (0, []), case


def test_legitimate_pdfs_and_names_are_accepted_and_stored_under_generated_names(draft) -> None:  # type: ignore[no-untyped-def]
    uploaded = []
    for (case, build), name in zip(
        ACCEPTED,
        [
            "versie..2.pdf",
            "Plan (def) – Zorgcoöperatie.pdf",
            "met spaties.pdf",
            "a.pdf",
            "b.pdf",
            "c.pdf",
        ],
        strict=True,
    ):
        content = build()
        response = _post_plan(draft, content, name)
        assert response.status_code == 302, (case, response.get_data(as_text=True)[-2000:])
        uploaded.append((name, content))
    db = draft["db"]
    db.expire_all()
    attachments = db.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [a.original_filename for a in attachments] == [name for name, _ in uploaded]
    for attachment, (name, content) in zip(attachments, uploaded, strict=True):
        assert attachment.stored_name != name and len(attachment.stored_name) == 32
        assert (draft["storage"] / attachment.stored_name).read_bytes() == content
    first = attachments[0]
    download = draft["client"].get(f"/inschrijvingen/{draft['bid'].id}/bijlagen/{first.id}")
    assert download.status_code == 200 and download.data == uploaded[0][1]
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"versie..2.pdf\"; filename*=UTF-8''versie..2.pdf"
    )
    accented = draft["client"].get(
        f"/inschrijvingen/{draft['bid'].id}/bijlagen/{attachments[1].id}"
    )
    assert (
        "filename*=UTF-8''Plan%20%28def%29%20%E2%80%93%20Zorgco%C3%B6peratie.pdf"
        in (accented.headers["Content-Disposition"])
    )
    assert 'filename="Plan_(def)_Zorgcooperatie.pdf"' in accented.headers["Content-Disposition"]


def test_the_bid_quota_counts_every_upload_and_says_what_is_used_and_left(
    app: Flask,
    draft,
    now,  # type: ignore[no-untyped-def]
) -> None:
    content = _base()
    size = len(content)
    app.config["MAX_BID_UPLOAD_BYTES"] = 2 * size + size // 2
    assert _post_plan(draft, content).status_code == 302
    assert _post_plan(draft, content, "vervangen.pdf").status_code == 302  # replaces the first
    refused = _post_plan(draft, content, "derde.pdf")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    used, limit, left = (format_size(n) for n in (2 * size, 2 * size + size // 2, size // 2))
    assert f"{used} van {limit} is al gebruikt" in html
    assert f"er is nog {left} over" in html
    assert "vervangen bestanden tellen mee" in html
    assert _stored(draft)[0] == 2
    # The same rule at the service level, with the configured default of 100 MB.
    db = draft["db"]
    with pytest.raises(uploads.UploadRefused, match="al gebruikt"):
        bids.add_attachment(
            db,
            bid=db.get(Bid, draft["bid"].id),
            filename="groot.pdf",
            content=content,
            storage_dir=draft["storage"],
            max_bytes=10 * 1024 * 1024,
            max_bid_bytes=2 * size,
            actor=draft["provider"],
            now=now,
        )
    db.rollback()
    assert app.config["MAX_BID_UPLOAD_BYTES"] != 100 * 1024 * 1024
    from tender.config import DEFAULTS

    assert DEFAULTS["MAX_BID_UPLOAD_BYTES"] == 100 * 1024 * 1024


# -- the criteria file upload --------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,message",
    [
        (b"x" * (1024 * 1024 + 1), "groter dan 1 MB"),
        ("naam = 'Zorgcoöperatie'".encode("latin-1"), "geen UTF-8-tekst (regel 1)"),
        ("[aanbesteding]\nnaam = 'x'".encode("utf-16"), "geen UTF-8-tekst"),
        (b"[aanbesteding]\nnaam = 'x'\x00\n", "binaire tekens (regel 2, teken U+0000)"),
        (_base(), "geen UTF-8-tekst"),
    ],
    ids=["oversized", "latin-1", "utf-16", "NUL", "a PDF"],
)
def test_criteria_upload_refuses_binary_and_oversized_files(raw: bytes, message: str) -> None:
    with pytest.raises(CriteriaUploadRefused, match=re.escape(message)):
        criteria_upload("criteria.toml", raw)


def test_criteria_upload_accepts_utf8_with_a_byte_order_mark() -> None:
    raw = "\ufeffnaam = 'één'\r\n".encode()
    assert criteria_upload("criteria (versie 2).toml", raw) == (
        "criteria (versie 2).toml",
        "naam = 'één'\r\n",
    )


def test_criteria_upload_through_the_web_refuses_in_dutch_without_500(app: Flask, now) -> None:  # type: ignore[no-untyped-def]
    db = app.extensions["tender.sessionmaker"]()
    officer = make_user(db, Role.PROCUREMENT_OFFICER, now=now)
    db.commit()
    client = app.test_client()
    login(client, officer)
    for raw, message in [
        (b"[aanbesteding]\x00\x01\x02", "binaire tekens"),
        ("naam = 'Zorgcoöperatie'".encode("latin-1"), "geen UTF-8-tekst"),
        (b"# " + b"x" * (1024 * 1024), "groter dan 1 MB"),
    ]:
        response = client.post(
            "/aanbestedingen/nieuw",
            data={"criteria_file": "", "upload": (io.BytesIO(raw), "criteria.toml")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 200, message
        assert message in response.get_data(as_text=True)
    db.close()
