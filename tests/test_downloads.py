"""Download names: non-ASCII names survive, and no name can break the header."""

from __future__ import annotations

from tender.downloads import download


def test_download_keeps_a_dutch_name_and_cannot_break_the_header(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        response = download(b"%PDF-1.4", 'plan "zorg" één.pdf\r\nX-Evil: 1')
    header = response.headers["Content-Disposition"]
    assert header.startswith('attachment; filename="plan_zorg_')
    assert "filename*=UTF-8''plan%20%22zorg%22%20%C3%A9%C3%A9n.pdf%0D%0AX-Evil%3A%201" in header
    assert "\r" not in header and "\n" not in header
    assert response.headers["Cache-Control"] == "no-store"
    assert "X-Evil" not in response.headers
