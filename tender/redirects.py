"""Where a user may be sent after logging in: a path of this app, nothing else.

``next`` comes from the query string, so an attacker chooses it. Browsers drop tabs
and line breaks from a URL and read a backslash as a slash, so ``/\\t/evil.example``
and ``/\\evil.example`` lead off-site although they start with one slash. Instead
of listing tricks, the target must parse as a bare path (no scheme, no host) made of
printable characters that matches a GET route of the app; it is then rebuilt from
its parts, so what goes into the Location header is exactly what was checked.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

from flask import current_app, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


def safe_next(target: str | None) -> str:
    """``target`` when it is a path of this app, else the start page."""
    home = url_for("portal.home")
    if not target or _UNSAFE.search(target) or not target.startswith("/"):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path.startswith("//"):
        return home
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(parts.path, method="GET")
    except RequestRedirect:
        pass  # a route that exists, reached with or without its trailing slash
    except HTTPException:
        return home
    path = quote(parts.path, safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="=&%+-._~/:,;!$'()*@")
    return urlunsplit(("", "", path, query, ""))
