"""Extensions, template helpers, error pages and blueprints of the web app."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

from tender import scoring, timefmt
from tender.extensions import csrf, login_manager
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


def init_app(app: Flask) -> None:
    from tender.accounts.views import admin_bp
    from tender.accounts.views import bp as accounts_bp
    from tender.award.coverage_views import bp as coverage_bp
    from tender.award.draw_views import bp as award_draw_bp
    from tender.award.views import bp as award_bp
    from tender.award.views import provider_bp as award_documents_bp
    from tender.bids.views import bp as bids_bp
    from tender.evaluation.attachment_views import bp as attachments_bp
    from tender.evaluation.views import committee_bp, officer_bp
    from tender.portal import bp as portal_bp
    from tender.qa.views import bp as qa_bp
    from tender.tenders.views import bp as tenders_bp

    csrf.init_app(app)
    login_manager.init_app(app)

    app.jinja_env.filters["datum_tijd"] = timefmt.format_datetime
    app.jinja_env.filters["datum_tijd_sec"] = timefmt.format_datetime_seconds
    app.jinja_env.filters["datum"] = timefmt.format_date
    app.jinja_env.filters["euro"] = timefmt.format_eur
    app.jinja_env.filters["getal"] = timefmt.format_number
    app.jinja_env.filters["totaal"] = lambda total: scoring.format_total(Decimal(str(total)))
    app.jinja_env.globals.update(can=can, Permission=Permission)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.after_request
    def _security_headers(response):  # type: ignore[no-untyped-def]
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        return response

    @app.errorhandler(403)
    def _forbidden(_error: Exception) -> tuple[str, int]:
        return render_template("errors/403.html"), 403

    @app.errorhandler(404)
    def _not_found(_error: Exception) -> tuple[str, int]:
        return render_template("errors/404.html"), 404

    @app.errorhandler(CSRFError)
    def _csrf_failed(_error: CSRFError) -> tuple[str, int]:
        return render_template("errors/csrf.html"), 400

    app.register_blueprint(portal_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(tenders_bp)
    app.register_blueprint(qa_bp)
    app.register_blueprint(bids_bp)
    app.register_blueprint(officer_bp)
    app.register_blueprint(committee_bp)
    app.register_blueprint(attachments_bp)
    app.register_blueprint(award_bp)
    app.register_blueprint(award_documents_bp)
    app.register_blueprint(coverage_bp)
    app.register_blueprint(award_draw_bp)
