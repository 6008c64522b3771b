"""Uploaded PDFs: checked by content, stored under random names with their SHA-256.

The original file name is kept only as a label; the file on disk is named by
random hex, so no name a user chooses can reach the file system. Any name a
person would give a document is accepted (spaces, accents, brackets, ``..``
inside a name); only names that are empty, too long, or carry control
characters, direction overrides or path separators are refused.

A PDF is accepted only when it is just a PDF, and a passive one:

- it starts with ``%PDF-`` and nothing but PDF white space follows its last
  ``%%EOF`` (an incremental update or a linearised file has several ``%%EOF``
  markers; only what follows the last one matters), and it carries no ZIP
  archive (a PDF/ZIP polyglot). ZIP headers are recognised by their structure,
  not by four bytes alone, which compressed page content can contain by chance;
- it can be parsed (pikepdf), is not encrypted (not even with an empty user
  password, which opens without asking), and carries no JavaScript (actions,
  the document's JavaScript name tree, XFA forms), no launch actions and no
  embedded or attached files.

Each bid has a total quota for all its uploads together (``MAX_BID_UPLOAD_BYTES``);
replaced files count too, since uploads are never deleted.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from tender import storage
from tender.errors import DomainError
from tender.stored_files import StoredFile as StoredLocation
from tender.stored_files import read_verified
from tender.timefmt import format_size

PDF_MAGIC = b"%PDF-"
EOF_MARKER = b"%%EOF"
# What the PDF standard counts as white space (ISO 32000-1, 7.2.2), NUL included.
PDF_WHITESPACE = b"\x00\t\n\x0c\r "
MAX_NAME_LENGTH = 200
# Control characters, and the direction marks and overrides that can make
# "rapport\u202efdp.exe" display as "rapportexe.pdf".
_UNSAFE_IN_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_ZIP_END_OF_DIRECTORY = b"PK\x05\x06"
# Compression methods a ZIP entry can name (stored, deflate, deflate64, bzip2, LZMA,
# zstd, xz, JPEG, WavPack, PPMd, AES).
_ZIP_METHODS = frozenset({0, 8, 9, 12, 14, 20, 93, 95, 96, 97, 98, 99})
_REDO = (
    "Open het document in uw tekstverwerker of PDF-lezer, maak er een nieuwe PDF van "
    "(‘Opslaan als PDF’ of ‘Afdrukken naar PDF’) en upload die."
)


class UploadRefused(DomainError):
    pass


@dataclass(frozen=True)
class StoredFile:
    original_filename: str
    stored_name: str
    size_bytes: int
    sha256: str


def uploads_dir(instance_path: str) -> Path:
    """``<instance>/uploads``: the place of uploads and the committee's copies (the
    folder is created even when the files live in S3, where it stays empty)."""
    path = Path(instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def checked_filename(filename: str) -> str:
    """The file name as a label (NFC), or a refusal when it cannot be one safely."""
    name = unicodedata.normalize("NFC", (filename or "").strip())
    if not name or name in {".", ".."}:
        raise UploadRefused("Het bestand heeft geen naam. Kies het bestand opnieuw.")
    if "/" in name or "\\" in name or _UNSAFE_IN_NAME.search(name):
        shown = _UNSAFE_IN_NAME.sub("", name)[:80]
        raise UploadRefused(
            f"De bestandsnaam '{shown}' is niet toegestaan: ze bevat een map-scheidingsteken "
            "(/ of \\) of een onzichtbaar stuurteken. Geef het bestand een naam zonder deze "
            "tekens en upload het opnieuw."
        )
    if len(name) > MAX_NAME_LENGTH:
        raise UploadRefused(
            f"De bestandsnaam is {len(name)} tekens lang; het maximum is {MAX_NAME_LENGTH}. "
            "Geef het bestand een kortere naam en upload het opnieuw."
        )
    return name


def check_pdf(filename: str, content: bytes, *, max_bytes: int) -> str:
    """Validate an upload; return the label to store. Dutch refusal otherwise."""
    name = checked_filename(filename)
    if len(content) > max_bytes:
        raise UploadRefused(
            f"'{name}' is {format_size(len(content))}; een bijlage mag maximaal "
            f"{format_size(max_bytes)} zijn. Verklein het bestand (bijvoorbeeld met "
            "‘Opslaan als PDF’ voor internet of kleinere afbeeldingen) en upload het opnieuw."
        )
    if not content:
        raise UploadRefused(f"'{name}' is leeg. Kies het juiste bestand en upload het opnieuw.")
    reason = pdf_refusal(content)
    if reason is not None:
        raise UploadRefused(f"'{name}' is niet geaccepteerd: {reason}")
    return name


def check_quota(name: str, size: int, *, used: int, limit: int) -> None:
    """Refuse a file that would take the bid's uploads together past ``limit`` bytes."""
    if used + size > limit:
        left = max(limit - used, 0)
        raise UploadRefused(
            f"'{name}' ({format_size(size)}) past niet meer binnen de ruimte voor bijlagen van "
            f"deze inschrijving: {format_size(used)} van {format_size(limit)} is al gebruikt "
            f"(vervangen bestanden tellen mee, ze worden bewaard), er is nog "
            f"{format_size(left)} over. Verklein het bestand en upload het opnieuw, of neem "
            "contact op met de inkoper."
        )


def pdf_refusal(content: bytes) -> str | None:
    """Why ``content`` is not accepted as a PDF (Dutch, with what to do), or None."""
    if not content.startswith(PDF_MAGIC):
        if PDF_MAGIC in content[:1024] or _contains_zip(content):
            return (
                "vóór het begin van de PDF staat andere inhoud (bijvoorbeeld een ZIP-archief "
                f"met de PDF erin). {_REDO}"
            )
        return (
            "het is geen PDF-bestand. Alleen PDF is toegestaan; sla het document op als PDF "
            "en upload het opnieuw."
        )
    end = content.rfind(EOF_MARKER)
    if end < 0:
        return f"het einde van de PDF ontbreekt; het bestand is afgebroken of beschadigd. {_REDO}"
    tail = content[end + len(EOF_MARKER) :]
    if tail.strip(PDF_WHITESPACE):
        return (
            f"na het einde van de PDF volgt nog {len(tail.strip(PDF_WHITESPACE))} bytes andere "
            f"inhoud (bijvoorbeeld een aangehecht archief). {_REDO}"
        )
    if _contains_zip(content):
        return (
            "het bestand is tegelijk een PDF en een ZIP-archief. Lever alleen de PDF aan. " + _REDO
        )
    return _parsed_refusal(content)


def _contains_zip(content: bytes) -> bool:
    """Whether a ZIP local file header or end-of-directory record is anywhere in ``content``.

    Checked by structure, so that four random bytes in compressed page content do not
    count: a local header names a known compression method and a file name of sensible
    length; an end record says the archive is on disk 0 with as many entries there as
    in total.
    """
    start = content.find(_ZIP_LOCAL_HEADER)
    while start >= 0:
        header = content[start + 4 : start + 30]
        if len(header) == 26:
            _version, _flags, method, *_rest, name_length, _extra = struct.unpack(
                "<HHHHHIIIHH", header
            )
            if method in _ZIP_METHODS and 0 < name_length <= 1024:
                return True
        start = content.find(_ZIP_LOCAL_HEADER, start + 1)
    start = content.find(_ZIP_END_OF_DIRECTORY)
    while start >= 0:
        record = content[start + 4 : start + 12]
        if len(record) == 8:
            disk, directory_disk, on_disk, total = struct.unpack("<HHHH", record)
            if disk == directory_disk == 0 and on_disk == total:
                return True
        start = content.find(_ZIP_END_OF_DIRECTORY, start + 1)
    return False


def _parsed_refusal(content: bytes) -> str | None:
    try:
        with pikepdf.open(io.BytesIO(content)) as pdf:
            if pdf.is_encrypted:
                return _ENCRYPTED
            if len(pdf.pages) == 0:
                return f"de PDF heeft geen pagina's. {_REDO}"
            found = active_content(pdf)
    except pikepdf.PasswordError:
        return _ENCRYPTED
    except (pikepdf.PdfError, ValueError, RuntimeError, RecursionError):
        return f"het bestand kan niet als PDF worden gelezen; het is beschadigd. {_REDO}"
    if not found:
        return None
    return (
        "de PDF bevat "
        + _join([_ACTIVE[kind] for kind in sorted(found, key=list(_ACTIVE).index)])
        + ". Zulke inhoud wordt niet geaccepteerd, omdat die bij het openen of aanklikken "
        f"iets kan uitvoeren. Verwijder die inhoud, of: {_REDO[0].lower()}{_REDO[1:]} Lever "
        "ingesloten documenten als eigen PDF aan."
    )


_ENCRYPTED = (
    "de PDF is versleuteld of met een wachtwoord beveiligd (ook beveiliging zonder "
    "wachtwoord bij het openen telt). Sla het document op zonder beveiliging, bijvoorbeeld "
    "in de PDF-lezer via Eigenschappen > Beveiliging: ‘Geen beveiliging’, of met ‘Afdrukken "
    "naar PDF’, en upload het opnieuw."
)
JAVASCRIPT = "javascript"
LAUNCH = "launch"
EMBEDDED = "embedded"
_ACTIVE = {
    JAVASCRIPT: "JavaScript (scripts of een XFA-formulier)",
    LAUNCH: "een opdracht om een programma of bestand te starten (Launch-actie)",
    EMBEDDED: "ingesloten of als bijlage toegevoegde bestanden",
}


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " en " + parts[-1]


def active_content(pdf: pikepdf.Pdf) -> set[str]:
    """Which kinds of active content (``JAVASCRIPT``, ``LAUNCH``, ``EMBEDDED``) the PDF has.

    Every object of the file is looked at, including dictionaries nested directly in
    others (an open action is often written inside the catalogue), so that nothing
    depends on where in the document the script or file hangs.
    """
    found: set[str] = set()
    for obj in pdf.objects:
        _inspect(obj, found, depth=0)
    return found


def _inspect(obj: pikepdf.Object, found: set[str], *, depth: int) -> None:
    if depth > 64:
        return
    if isinstance(obj, pikepdf.Array):
        for item in obj:
            if isinstance(item, pikepdf.Array | pikepdf.Dictionary) and not item.is_indirect:
                _inspect(item, found, depth=depth + 1)
        return
    if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        return
    keys = set(obj.keys())
    action = obj.get("/S") if "/S" in keys else None
    if keys & {"/JS", "/JavaScript", "/XFA"} or action == pikepdf.Name.JavaScript:
        found.add(JAVASCRIPT)
    if action == pikepdf.Name.Launch:
        found.add(LAUNCH)
    if (
        keys & {"/EmbeddedFiles", "/EF"}
        or obj.get("/Subtype") in (pikepdf.Name.FileAttachment, pikepdf.Name.RichMedia)
        or obj.get("/Type") == pikepdf.Name.EmbeddedFile
    ):
        found.add(EMBEDDED)
    for key in keys:
        value = obj.get(key)
        if isinstance(value, pikepdf.Array | pikepdf.Dictionary) and not value.is_indirect:
            _inspect(value, found, depth=depth + 1)


def store(directory: Path, content: bytes, original_filename: str) -> StoredFile:
    """Write the bytes atomically under a new random name."""
    stored_name = secrets.token_hex(16)
    storage.current().put(directory / stored_name, content)
    return StoredFile(
        original_filename=original_filename,
        stored_name=stored_name,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def read(
    directory: Path,
    stored_name: str,
    sha256: str,
    *,
    label: str,
    object_type: str | None = None,
    object_id: int | None = None,
    tender_id: int | None = None,
) -> bytes:
    """A stored upload, checked against its recorded SHA-256 (``tender.stored_files``)."""
    return read_verified(
        StoredLocation(
            directory=directory,
            stored_name=stored_name,
            sha256=sha256,
            label=label,
            object_type=object_type,
            object_id=object_id,
            tender_id=tender_id,
        )
    )
