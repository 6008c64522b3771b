"""Login, logout, provider registration, own password, activation links, user management
and the inkopers' confirmation of roles."""

from __future__ import annotations

import math
from collections.abc import Callable

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.security import check_password_hash
from werkzeug.wrappers.response import Response as WerkzeugResponse

from tender import audit, clock, notifications, redirects
from tender.access import get_or_404, require
from tender.accounts import activation, kvk, organisations, registration, roles, service, staff
from tender.accounts.forms import (
    LoginForm,
    NewPasswordForm,
    PasswordChangeForm,
    RegistrationForm,
    RoleForm,
    UserForm,
)
from tender.accounts.models import JoinRequest, Role, RoleRequest, User
from tender.actions import attempt
from tender.db import db_session
from tender.extensions import limiter
from tender.permissions import Permission

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/beheer")

EVENTS_PER_PAGE = 50
USERS_PER_PAGE = 100
# What a user whose password someone else chose may still reach before choosing its own.
_BEFORE_OWN_PASSWORD = {"accounts.change_password", "accounts.logout", "static"}


@bp.before_app_request
def _own_password_first() -> WerkzeugResponse | None:
    """A one-time password opens one page only: the form to choose one's own."""
    if request.endpoint in _BEFORE_OWN_PASSWORD or not current_user.is_authenticated:
        return None
    if current_user.must_change_password:
        return redirect(url_for("accounts.change_password"))
    return None


def _safe_next(target: str | None) -> str:
    """Only follow a path of this app after login (no open redirect)."""
    return redirects.safe_next(target)


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def _login_account_key() -> str:
    """The account a login attempt is for: its normalised e-mail address."""
    return "account:" + service.normalise_email(request.form.get("email", ""))[:254]


def _login_address_key() -> str:
    return f"address:{request.remote_addr or 'onbekend'}"


def _failed_login(response: WerkzeugResponse) -> bool:
    """A refused login shows the form again (200); a success redirects."""
    return response.status_code == 200


@bp.route("/inloggen", methods=["GET", "POST"])
@limiter.limit(
    _setting("LOGIN_LIMIT_PER_ACCOUNT"),
    key_func=_login_account_key,
    methods=["POST"],
    deduct_when=_failed_login,
)
@limiter.limit(
    _setting("LOGIN_LIMIT_PER_ADDRESS"),
    key_func=_login_address_key,
    methods=["POST"],
    deduct_when=_failed_login,
)
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("portal.home"))
    form = LoginForm()
    if form.validate_on_submit():
        session = db_session()
        user = service.authenticate(
            session,
            email=form.email.data,
            password=form.password.data,
            address=request.remote_addr or "onbekend",
            now=clock.now(),
        )
        session.commit()  # a failed attempt is audited too
        if user is not None:
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


@bp.route("/account/overal-uitloggen", methods=["POST"])
@login_required
def logout_everywhere() -> WerkzeugResponse:
    """End every session of the account: other browsers and devices, and this one."""
    session = db_session()
    service.end_all_sessions(session, user=current_user, now=clock.now())
    session.commit()
    logout_user()
    flash("U bent overal uitgelogd, ook hier. Log opnieuw in om verder te gaan.", "success")
    return redirect(url_for("accounts.login"))


@bp.route("/registreren", methods=["GET", "POST"])
@limiter.limit(
    _setting("REGISTRATION_LIMIT_PER_ADDRESS"), key_func=_login_address_key, methods=["POST"]
)
def register():  # type: ignore[no-untyped-def]
    """The same answer whether or not the address has an account: an e-mail goes to it."""
    if current_user.is_authenticated:
        return redirect(url_for("portal.home"))
    form = RegistrationForm()
    if form.validate_on_submit():
        session = db_session()
        try:
            mail = registration.request_registration(
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
        except service.PasswordRefused as error:
            session.rollback()
            form.password.errors = [str(error)]
        except service.AccountError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            _send_registration_mail(mail)
            return render_template("accounts/registration_sent.html", email=mail.email)
    return render_template("accounts/register.html", form=form)


def _send_registration_mail(mail: registration.RegistrationMail) -> None:
    confirm_url = (
        url_for("accounts.confirm_registration", token=mail.token, _external=True)
        if mail.token is not None
        else ""
    )
    subject, body = registration.registration_mail(
        mail, confirm_url=confirm_url, login_url=url_for("accounts.login", _external=True)
    )
    send_confidential(mail.email, subject, body)


@bp.route("/registreren/bevestigen/<token>", methods=["GET", "POST"])
def confirm_registration(token: str):  # type: ignore[no-untyped-def]
    """The link from the registration e-mail; a button (POST) makes the account."""
    session = db_session()
    try:
        pending = registration.usable_registration(session, token=token, now=clock.now())
    except registration.RegistrationLinkError as error:
        status = 404 if isinstance(error, registration.UnknownRegistrationLink) else 410
        return render_template("accounts/registration_invalid.html", message=str(error)), status
    if request.method == "POST":
        try:
            confirmed = registration.confirm_registration(
                session,
                token=token,
                now=clock.now(),
                verifier=kvk.configured_verifier(current_app.config),
            )
        except service.AccountError as error:
            session.rollback()
            return render_template("accounts/registration_invalid.html", message=str(error)), 409
        session.commit()
        if confirmed.join is not None:
            _announce_join_request(confirmed.join)
            return render_template("accounts/join_requested.html", join=confirmed.join)
        flash(
            "Uw e-mailadres is bevestigd en uw organisatie is geregistreerd. Log in met uw "
            "e-mailadres en het wachtwoord dat u bij de registratie koos.",
            "success",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/registration_confirm.html", pending=pending)


def _announce_join_request(join: JoinRequest) -> None:
    """Tell the organisation's beheerders that someone asks to join."""
    organisation = join.organisation
    for member in organisations.members(db_session(), organisation):
        if member.organisation_admin and member.active:
            send_confidential(
                member.email,
                f"Aanmelding voor {organisation.name}: accepteren of weigeren",
                f"Beste {member.name},\n\n"
                f"{join.name} ({join.email}) heeft zich geregistreerd met het KvK-nummer van "
                f"{organisation.name} ({organisation.kvk_number}) en vraagt om lid te worden. "
                "Zonder uw besluit krijgt deze persoon geen toegang. Accepteer of weiger de "
                f"aanmelding op de pagina van uw organisatie:\n\n"
                f"{url_for('organisations.show', _external=True)}\n\n"
                "Kent u deze persoon niet? Weiger de aanmelding dan.\n",
            )


@bp.route("/account/wachtwoord", methods=["GET", "POST"])
@login_required
def change_password():  # type: ignore[no-untyped-def]
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not check_password_hash(current_user.password_hash, form.current.data):
            form.current.errors = ["Het huidige wachtwoord is onjuist."]
        elif form.password.data == form.current.data:
            form.password.errors = ["Kies een ander wachtwoord dan het huidige."]
        else:
            session = db_session()
            user = current_user._get_current_object()
            try:
                service.set_password(
                    session, user=user, password=form.password.data, actor=user, now=clock.now()
                )
            except service.PasswordRefused as error:
                session.rollback()
                form.password.errors = [str(error)]
            else:
                session.commit()
                # Every other session has ended; this one goes on with the new version.
                login_user(user)
                flash(
                    "Uw wachtwoord is gewijzigd. Op andere apparaten bent u uitgelogd.", "success"
                )
                return redirect(url_for("portal.home"))
    return render_template("accounts/password.html", form=form)


@bp.route("/account")
@login_required
def my_account():  # type: ignore[no-untyped-def]
    pending = roles.open_request(db_session(), current_user)
    return render_template("accounts/account.html", pending=pending)


@bp.route("/account/activeren/<token>", methods=["GET", "POST"])
def activate(token: str):  # type: ignore[no-untyped-def]
    """The link from the activation e-mail: the user chooses its own password."""
    if current_user.is_authenticated:
        return render_template("accounts/activation_logged_in.html"), 403
    session = db_session()
    try:
        link = activation.usable_activation(session, token=token, now=clock.now())
    except activation.ActivationError as error:
        status = 404 if isinstance(error, activation.UnknownLink) else 410
        return render_template("accounts/activation_invalid.html", message=str(error)), status
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            activation.activate(session, token=token, password=form.password.data, now=clock.now())
        except service.PasswordRefused as error:
            session.rollback()
            form.password.errors = [str(error)]
        except activation.ActivationError as error:
            session.rollback()
            return render_template("accounts/activation_invalid.html", message=str(error)), 410
        else:
            session.commit()
            flash(
                "Uw wachtwoord is ingesteld. Log in met uw e-mailadres en dit wachtwoord.",
                "success",
            )
            return redirect(url_for("accounts.login"))
    return render_template("accounts/activate.html", form=form, user=link.user)


@bp.route("/accounts")
def account_events():  # type: ignore[no-untyped-def]
    """Roles waiting for confirmation, and every event about staff accounts."""
    require(Permission.ACCOUNT_LOG_READ)
    session = db_session()
    page = max(request.args.get("pagina", 1, type=int) or 1, 1)
    events, total = service.staff_account_events(session, page=page, per_page=EVENTS_PER_PAGE)
    return render_template(
        "accounts/events.html",
        requests=roles.open_requests(session),
        events=events,
        page=page,
        pages=max((total + EVENTS_PER_PAGE - 1) // EVENTS_PER_PAGE, 1),
        total=total,
        action_labels=audit.ACTION_LABELS,
    )


def _decide(request_id: int, decide: Callable[..., None], success: str) -> WerkzeugResponse:
    """An inkoper confirms or rejects a role request (``success`` may name {user}, {role})."""
    require(Permission.ROLE_CONFIRM)
    role_request = get_or_404(RoleRequest, request_id)
    attempt(
        lambda: decide(db_session(), request=role_request, actor=current_user, now=clock.now()),
        success=success.format(user=role_request.user.name, role=role_request.role),
    )
    return redirect(url_for("accounts.account_events"))


@bp.route("/accounts/rolverzoeken/<int:request_id>/bevestigen", methods=["POST"])
def confirm_role(request_id: int) -> WerkzeugResponse:
    return _decide(request_id, roles.confirm_request, "{user} is nu {role}.")


@bp.route("/accounts/rolverzoeken/<int:request_id>/afwijzen", methods=["POST"])
def reject_role(request_id: int) -> WerkzeugResponse:
    return _decide(
        request_id, roles.reject_request, "Het verzoek om {user} {role} te maken is afgewezen."
    )


def _send_activation(link: activation.ActivationLink) -> None:
    """Mail the link to the user alone; the outbox pages do not show its text."""
    url = url_for("accounts.activate", token=link.token, _external=True)
    subject, body = activation.activation_mail(link, url)
    send_confidential(link.user.email, subject, body)


def send_confidential(to: str, subject: str, body: str) -> None:
    """A message for ``to``'s eyes only (it carries a link): the outbox pages hide its text."""
    try:
        notifications.send_mail(
            current_app.config,
            instance_path=current_app.instance_path,
            to=[to],
            subject=subject,
            body=body,
            now=clock.now(),
            confidential=True,
        )
    except notifications.MailNotSent:
        flash(
            "De mailserver nam de e-mail niet aan. Het bericht staat in de map outbox op de "
            "server; vraag de beheerder van de server het door te sturen.",
            "error",
        )


def _staff_user(user_id: int) -> User:
    """A staff account; provider accounts are not managed here."""
    user = get_or_404(User, user_id)
    if user.organisation_id is not None:
        abort(404)
    return user


@admin_bp.route("/gebruikers")
def users():  # type: ignore[no-untyped-def]
    require(Permission.USER_MANAGE)
    session = db_session()
    staff = User.organisation_id.is_(None)
    total = session.scalar(select(func.count(User.id)).where(staff)) or 0
    pages = max(1, math.ceil(total / USERS_PER_PAGE))
    page = min(max(1, request.args.get("page", 1, type=int)), pages)
    staff_users = session.scalars(
        select(User)
        .where(staff)
        .order_by(User.role, User.name, User.id)
        .limit(USERS_PER_PAGE)
        .offset((page - 1) * USERS_PER_PAGE)
    ).all()
    return render_template(
        "accounts/users.html",
        users=staff_users,
        total=total,
        page=page,
        pages=pages,
        pending={r.user_id: r for r in roles.open_requests(session)},
        awaiting=activation.awaiting_activation(session, now=clock.now()),
    )


@admin_bp.route("/gebruikers/nieuw", methods=["GET", "POST"])
def new_user():  # type: ignore[no-untyped-def]
    require(Permission.USER_MANAGE)
    form = UserForm()
    if form.validate_on_submit():
        session = db_session()
        try:
            link = staff.invite_staff(
                session,
                email=form.email.data,
                name=form.name.data,
                role=Role(form.role.data),
                actor=current_user,
                now=clock.now(),
            )
        except service.AccountError as error:
            session.rollback()
            flash(str(error), "error")
        else:
            session.commit()
            _send_activation(link)
            return render_template(
                "accounts/user_created.html",
                user=link.user,
                expires_at=link.expires_at,
                pending=roles.open_request(session, link.user),
            )
    return render_template("accounts/user_new.html", form=form)


def _render_user(user: User, form: RoleForm):  # type: ignore[no-untyped-def]
    session = db_session()
    events, _total = service.staff_account_events(
        session, page=1, per_page=EVENTS_PER_PAGE, user=user
    )
    return render_template(
        "accounts/user.html",
        user=user,
        form=form,
        pending=roles.open_request(session, user),
        awaiting=user.id in activation.awaiting_activation(session, now=clock.now()),
        events=events,
        action_labels=audit.ACTION_LABELS,
    )


@admin_bp.route("/gebruikers/<int:user_id>")
def user_detail(user_id: int):  # type: ignore[no-untyped-def]
    require(Permission.USER_MANAGE)
    user = _staff_user(user_id)
    return _render_user(user, RoleForm(data={"role": user.role}))


@admin_bp.route("/gebruikers/<int:user_id>/rol", methods=["POST"])
def change_role(user_id: int):  # type: ignore[no-untyped-def]
    require(Permission.USER_MANAGE)
    user = _staff_user(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _render_user(user, form)
    session = db_session()
    try:
        pending = roles.request_role(
            session, user=user, role=Role(form.role.data), actor=current_user, now=clock.now()
        )
    except service.AccountError as error:
        session.rollback()
        flash(str(error), "error")
        return _render_user(user, form)
    session.commit()
    if pending is not None:
        flash(
            f"De rol {pending.role} voor {user.name} wacht op bevestiging door een inkoper.",
            "success",
        )
    else:
        flash(f"{user.name} heeft nu de rol {user.role_label}.", "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@admin_bp.route("/gebruikers/<int:user_id>/activeringslink", methods=["POST"])
def reset_user(user_id: int) -> WerkzeugResponse:
    require(Permission.USER_MANAGE)
    user = _staff_user(user_id)
    session = db_session()
    try:
        link = activation.reset_account(session, user=user, actor=current_user, now=clock.now())
    except service.AccountError as error:
        session.rollback()
        flash(str(error), "error")
    else:
        session.commit()
        _send_activation(link)
        flash(
            f"Het wachtwoord van {user.name} werkt niet meer; een nieuwe activeringslink is "
            f"naar {user.email} gestuurd.",
            "success",
        )
    return redirect(url_for("admin.user_detail", user_id=user.id))


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
