"""Files sent to the browser as downloads, named safely, and the answer when a stored
file cannot be sent."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response, current_app, render_template, request
from flask_login import current_user

from tender import audit, clock
from tender.db import db_session
from tender.stored_files import StoredFileError

PDF = "application/pdf"
STORED_FILE_ACTION = "stored_file.unavailable"
# Not 500: the application works, one stored file does not; the page says what to do.
STORED_FILE_STATUS = 503


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the full name, percent-encoded,
    as RFC 6266/5987 ``filename*``: any label (accents, quotes, semicolons, line
    breaks) stays inside the header and survives as far as the browser allows."""
    encoded = quote(filename, safe="") or "download"
    return f"attachment; filename=\"{_ascii_fallback(filename)}\"; filename*=UTF-8''{encoded}"


def _ascii_fallback(filename: str) -> str:
    """The name for clients without ``filename*``: accents dropped, anything else but
    letters, digits and ``._()-`` replaced, never empty and never starting with a dot."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    safe = re.sub(r"[^A-Za-z0-9._()-]+", "_", ascii_name).strip("_")
    stem, dot, extension = safe.rpartition(".")
    if not dot:
        stem, extension = safe, ""
    stem = stem.strip("._") or "download"
    return f"{stem}.{extension}" if extension else stem


def download(content: bytes | str, filename: str, mimetype: str = PDF) -> Response:
    """An attachment response; the name survives non-ASCII (RFC 6266 ``filename*``)
    and cannot break the header. Not cached: downloads are often confidential."""
    return Response(
        content,
        mimetype=mimetype,
        headers={
            "Content-Disposition": content_disposition(filename),
            "Cache-Control": "no-store",
        },
    )


def _relative(error: StoredFileError) -> str:
    """The file's path below the instance folder (the administrator knows where that is)."""
    try:
        return str(error.path.relative_to(current_app.instance_path))
    except ValueError:
        return str(error.path)


def stored_file_unavailable(error: StoredFileError) -> tuple[str, int]:
    """A stored file is missing or changed: audit it, log it, and answer a Dutch page.

    Registered as the app's handler for ``StoredFileError``, so every route that reads
    a stored file (downloads, previews, copies made on first request) answers alike.
    The audit event names the object and the path, not the file's label: before
    opening a file name may identify the bidder.
    """
    session = db_session()
    session.rollback()
    authenticated = current_user.is_authenticated
    path = _relative(error)
    audit.record(
        session,
        actor=current_user if authenticated else None,
        actor_label=None if authenticated else f"anoniem ({request.remote_addr})",
        action=STORED_FILE_ACTION,
        object_type=error.object_type or "bestand",
        object_id=error.object_id,
        tender_id=error.tender_id,
        now=clock.now(),
        details={"probleem": error.problem, "pad": path, "route": request.endpoint},
    )
    session.commit()
    current_app.logger.error(
        "stored file %s %s (%s %s, route %s)",
        path,
        error.problem,
        error.object_type,
        error.object_id,
        request.endpoint,
    )
    return render_template("errors/stored_file.html", message=str(error)), STORED_FILE_STATUS
