"""Files sent to the browser as downloads, named safely."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response

PDF = "application/pdf"


def download(content: bytes | str, filename: str, mimetype: str = PDF) -> Response:
    """An attachment response; the name survives non-ASCII (RFC 6266 ``filename*``)
    and cannot break the header. Not cached: downloads are often confidential."""
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", filename) or "download"
    return Response(
        content,
        mimetype=mimetype,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
            ),
            "Cache-Control": "no-store",
        },
    )
