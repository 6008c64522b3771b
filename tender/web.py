"""Extensions, template helpers, error pages and blueprints of the web app."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from decimal import Decimal

from flask import Flask, has_request_context, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from tender import scoring, timefmt
from tender.extensions import csrf, limiter, login_manager
from tender.permissions import Permission, can

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"
# Fields the expired-form page never echoes back into HTML.
_NOT_ECHOED = ("csrf_token", "password", "current")


def _loopback(host: str) -> bool:
    """Whether ``host`` (from the Host header, port included) is this machine."""
    if host.startswith("["):
        name = host[1:].split("]", 1)[0]
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with the Secure flag on outside development.

    ``SESSION_COOKIE_SECURE = None`` (the default) sets Secure on every response but
    plain HTTP to the machine itself (``flask run`` on 127.0.0.1, where a Secure
    cookie would not come back in every browser); True or False forces it.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        setting = app.config.get("SESSION_COOKIE_SECURE")
        if setting is not None:
            return bool(setting)
        if not has_request_context():
            return True
        return request.is_secure or not _loopback(request.host)


def _echoed_fields() -> list[tuple[str, str]]:
    """The posted values the expired-form page gives back, in order."""
    return [
        (name, value)
        for name, value in request.form.items(multi=True)
        if not any(part in name for part in _NOT_ECHOED)
    ]


def init_app(app: Flask) -> None:
    from tender.accounts.organisation_views import bp as organisations_bp
    from tender.accounts.views import admin_bp
    from tender.accounts.views import bp as accounts_bp
    from tender.award.coverage_views import bp as coverage_bp
    from tender.award.draw_views import bp as award_draw_bp
    from tender.award.views import bp as award_bp
    from tender.award.views import provider_bp as award_documents_bp
    from tender.bids import service as bids_service
    from tender.bids.views import bp as bids_bp
    from tender.dossier.views import bp as dossier_bp
    from tender.dossier.views import own_bp as own_dossier_bp
    from tender.evaluation.attachment_views import bp as attachments_bp
    from tender.evaluation.views import committee_bp, officer_bp
    from tender.portal import bp as portal_bp
    from tender.qa.views import bp as qa_bp
    from tender.tenders.schedule_views import bp as schedule_bp
    from tender.tenders.views import bp as tenders_bp

    app.session_interface = SessionInterface()
    if app.config.get("PROXY_COUNT"):
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)

    app.jinja_env.filters["datum_tijd"] = timefmt.format_datetime
    app.jinja_env.filters["datum_tijd_sec"] = timefmt.format_datetime_seconds
    app.jinja_env.filters["datum"] = timefmt.format_date
    app.jinja_env.filters["euro"] = timefmt.format_eur
    app.jinja_env.filters["getal"] = timefmt.format_number
    app.jinja_env.filters["aantal"] = timefmt.count_of
    app.jinja_env.filters["resterend"] = timefmt.time_left
    app.jinja_env.filters["inschrijvingsstatus"] = bids_service.shown_status
    app.jinja_env.filters["grootte"] = timefmt.format_size
    app.jinja_env.filters["totaal"] = lambda total: scoring.format_total(Decimal(str(total)))
    app.jinja_env.globals.update(can=can, Permission=Permission)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.after_request
    def _security_headers(response):  # type: ignore[no-untyped-def]
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if request.endpoint != "static" and current_user.is_authenticated:
            # Pages and downloads of a logged-in user stay out of every cache.
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response

    @app.errorhandler(403)
    def _forbidden(_error: Exception) -> tuple[str, int]:
        return render_template("errors/403.html"), 403

    @app.errorhandler(429)
    def _too_many_requests(_error: Exception) -> tuple[str, int, dict[str, str]]:
        # When the limit lets the next attempt through (Flask-Limiter's window).
        limit = limiter.current_limit
        retry_at = datetime.fromtimestamp(limit.reset_at, UTC) if limit else None
        wait = max(int((retry_at - datetime.now(UTC)).total_seconds()), 1) if retry_at else 60
        return (
            render_template("errors/429.html", retry_at=retry_at, minutes=-(-wait // 60)),
            429,
            {"Retry-After": str(wait)},
        )

    @app.errorhandler(404)
    def _not_found(_error: Exception) -> tuple[str, int]:
        return render_template("errors/404.html"), 404

    @app.errorhandler(CSRFError)
    def _csrf_failed(error: CSRFError) -> tuple[str, int]:
        # The typed input comes back on the page, with a fresh token to send it again;
        # files and passwords cannot, and the page says so.
        fields = _echoed_fields()
        return render_template(
            "errors/csrf.html",
            fields=fields,
            expired="expired" in str(error.description),
            had_files=bool(request.files),
            had_password=len(fields) < len(request.form),
            hours=(app.config.get("WTF_CSRF_TIME_LIMIT") or 0) // 3600,
        ), 400

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_error: RequestEntityTooLarge) -> tuple[str, int]:
        return render_template(
            "errors/413.html", limit=timefmt.format_size(int(app.config["MAX_UPLOAD_BYTES"]))
        ), 413

    # A stored file that is missing or changed: Dutch page and audit event (not 500).
    from tender.downloads import stored_file_unavailable
    from tender.stored_files import StoredFileError

    app.register_error_handler(StoredFileError, stored_file_unavailable)
    app.register_blueprint(portal_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(organisations_bp)
    app.register_blueprint(tenders_bp)
    app.register_blueprint(qa_bp)
    app.register_blueprint(schedule_bp)
    app.register_blueprint(bids_bp)
    app.register_blueprint(officer_bp)
    app.register_blueprint(committee_bp)
    app.register_blueprint(attachments_bp)
    app.register_blueprint(award_bp)
    app.register_blueprint(award_documents_bp)
    app.register_blueprint(coverage_bp)
    app.register_blueprint(award_draw_bp)
    app.register_blueprint(dossier_bp)
    app.register_blueprint(own_dossier_bp)
