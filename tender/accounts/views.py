"""Login, logout, provider registration, own password, and user management."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash

from tender import clock
from tender.access import get_or_404, require
from tender.accounts import service
from tender.accounts.forms import LoginForm, PasswordChangeForm, RegistrationForm, UserForm
from tender.accounts.models import Role, User
from tender.db import db_session
from tender.permissions import Permission

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/beheer")


def _safe_next(target: str | None) -> str:
    """Only follow a local path after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("portal.home")


@bp.route("/inloggen", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("portal.home"))
    form = LoginForm()
    if form.validate_on_submit():
        session = db_session()
        user = service.authenticate(
            session, email=form.email.data, password=form.password.data, now=clock.now()
        )
        if user is not None:
            session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors = [
            "E-mailadres of wachtwoord is onjuist, of het account is geblokkeerd."
        ]
    return render_template("accounts/login.html", form=form)


@bp.route("/uitloggen", methods=["POST"])
def logout():  # type: ignore[no-untyped-def]
    logout_user()
    flash("U bent uitgelogd.", "success")
    return redirect(url_for("accounts.login"))


@bp.route("/registreren", methods=["GET", "POST"])
def register():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("portal.home"))
    form = RegistrationForm()
    if form.validate_on_submit():
        session = db_session()
        try:
            user = service.register_provider(
                session,
                organisation_fields={
                    "name": form.organisation_name.data.strip(),
                    "kvk_number": form.kvk_number.data,
                    "street_address": form.street_address.data.strip(),
                    "postcode": form.postcode.data.strip().upper(),
                    "city": form.city.data.strip(),
                    "contact_person": form.contact_person.data.strip(),
                    "email": service.normalise_email(form.email.data),
                    "phone": (form.phone.data or "").strip(),
                    "website": (form.website.data or "").strip(),
                },
                email=form.email.data,
                name=form.contact_person.data,
                password=form.password.data,
                now=clock.now(),
            )
        except service.AccountError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            login_user(user)
            flash("Uw organisatie is geregistreerd. Welkom!", "success")
            return redirect(url_for("portal.home"))
    return render_template("accounts/register.html", form=form)


@bp.route("/account/wachtwoord", methods=["GET", "POST"])
@login_required
def change_password():  # type: ignore[no-untyped-def]
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not check_password_hash(current_user.password_hash, form.current.data):
            form.current.errors = ["Het huidige wachtwoord is onjuist."]
        else:
            session = db_session()
            service.set_password(
                session,
                user=current_user,
                password=form.password.data,
                actor=current_user,
                now=clock.now(),
            )
            session.commit()
            flash("Uw wachtwoord is gewijzigd.", "success")
            return redirect(url_for("portal.home"))
    return render_template("accounts/password.html", form=form)


@admin_bp.route("/gebruikers")
def users():  # type: ignore[no-untyped-def]
    require(Permission.USER_MANAGE)
    all_users = db_session().scalars(select(User).order_by(User.role, User.name)).all()
    return render_template("accounts/users.html", users=all_users)


@admin_bp.route("/gebruikers/nieuw", methods=["GET", "POST"])
def new_user():  # type: ignore[no-untyped-def]
    require(Permission.USER_MANAGE)
    form = UserForm()
    if form.validate_on_submit():
        session = db_session()
        password = service.generate_password()
        try:
            user = service.create_user(
                session,
                email=form.email.data,
                name=form.name.data,
                role=Role(form.role.data),
                password=password,
                actor=current_user,
                now=clock.now(),
            )
        except service.AccountError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            return render_template("accounts/user_created.html", user=user, password=password)
    return render_template("accounts/user_new.html", form=form)


@admin_bp.route("/gebruikers/<int:user_id>/status", methods=["POST"])
def toggle_user(user_id: int):  # type: ignore[no-untyped-def]
    require(Permission.USER_MANAGE)
    user = get_or_404(User, user_id)
    session = db_session()
    try:
        service.set_active(
            session, user=user, active=not user.active, actor=current_user, now=clock.now()
        )
    except service.AccountError as error:
        session.rollback()
        flash(str(error), "error")
    else:
        session.commit()
        state = "geactiveerd" if user.active else "geblokkeerd"
        flash(f"Het account van {user.name} is {state}.", "success")
    return redirect(url_for("admin.users"))
