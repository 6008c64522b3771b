"""A provider organisation's own page: members, their rights, invitations, join requests.

Every member reads it; only the organisation's beheerder changes anything
(``Permission.ORGANISATION_MANAGE``, asked of ``tender.permissions``).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers.response import Response as WerkzeugResponse

from tender import clock
from tender.access import get_or_404, require
from tender.accounts import activation, organisations, service
from tender.accounts.forms import MemberInviteForm, MemberRightsForm
from tender.accounts.models import JoinRequest, Organisation, User
from tender.accounts.views import send_confidential
from tender.actions import attempt
from tender.db import db_session
from tender.permissions import Permission, can
from tender.tenders.forms import EmptyForm

bp = Blueprint("organisations", __name__, url_prefix="/organisatie")


def _organisation(permission: Permission) -> Organisation:
    """The current user's own organisation, if it may ``permission`` on it."""
    require(permission)
    organisation = current_user.organisation
    if organisation is None:
        abort(403)
    require(permission, organisation)
    return organisation  # type: ignore[no-any-return]


def _member(organisation: Organisation, user_id: int) -> User:
    member = get_or_404(User, user_id)
    if member.organisation_id != organisation.id:
        abort(404)
    return member


def _rights(member: User) -> str:
    if member.organisation_admin:
        return "beheerder"
    return "indienen" if member.may_submit else "lid"


def _render(organisation: Organisation, invite_form: MemberInviteForm | None = None):  # type: ignore[no-untyped-def]
    session = db_session()
    members = organisations.members(session, organisation)
    manage = can(current_user, Permission.ORGANISATION_MANAGE, organisation, clock.now())
    return render_template(
        "accounts/organisation.html",
        organisation=organisation,
        members=members,
        rights_forms={
            m.id: MemberRightsForm(prefix=f"lid{m.id}", data={"rights": _rights(m)})
            for m in members
        },
        awaiting=activation.awaiting_activation(session, now=clock.now()),
        joins=organisations.open_join_requests(session, organisation) if manage else [],
        invite_form=invite_form or MemberInviteForm(),
        button_form=EmptyForm(),
        manage=manage,
        admins=organisations.admin_count(session, organisation),
    )


@bp.route("/leden")
def show():  # type: ignore[no-untyped-def]
    return _render(_organisation(Permission.ORGANISATION_READ))


@bp.route("/leden/uitnodigen", methods=["POST"])
def invite():  # type: ignore[no-untyped-def]
    organisation = _organisation(Permission.ORGANISATION_MANAGE)
    form = MemberInviteForm()
    if not form.validate_on_submit():
        return _render(organisation, form), 400
    session = db_session()
    try:
        link = organisations.invite_member(
            session,
            organisation=organisation,
            email=form.email.data,
            name=form.name.data,
            may_submit=form.rights.data == "indienen",
            actor=current_user,
            now=clock.now(),
        )
    except service.AccountError as error:
        session.rollback()
        form.email.errors = [str(error)]
        return _render(organisation, form), 400
    session.commit()
    url = url_for("accounts.activate", token=link.token, _external=True)
    subject, body = organisations.invitation_mail(link, url, inviter=current_user)
    send_confidential(link.user.email, subject, body)
    flash(
        f"{link.user.name} is uitgenodigd. De activeringslink is naar {link.user.email} "
        "gestuurd; daarmee kiest uw collega zelf een wachtwoord.",
        "success",
    )
    return redirect(url_for("organisations.show"))


@bp.route("/leden/<int:user_id>/rechten", methods=["POST"])
def member_rights(user_id: int) -> WerkzeugResponse:
    organisation = _organisation(Permission.ORGANISATION_MANAGE)
    member = _member(organisation, user_id)
    form = MemberRightsForm(prefix=f"lid{member.id}")
    if not form.validate_on_submit():
        flash("Kies de rechten uit de lijst.", "error")
        return redirect(url_for("organisations.show"))
    attempt(
        lambda: organisations.set_member_rights(
            db_session(),
            member=member,
            organisation_admin=form.rights.data == "beheerder",
            may_submit=form.rights.data == "indienen",
            actor=current_user,
            now=clock.now(),
        ),
        success=f"De rechten van {member.name} zijn gewijzigd.",
    )
    return redirect(url_for("organisations.show"))


@bp.route("/leden/<int:user_id>/verwijderen", methods=["POST"])
def remove(user_id: int) -> WerkzeugResponse:
    organisation = _organisation(Permission.ORGANISATION_MANAGE)
    member = _member(organisation, user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    attempt(
        lambda: organisations.remove_member(
            db_session(), member=member, actor=current_user, now=clock.now()
        ),
        success=f"{member.name} heeft geen toegang meer tot de organisatie.",
    )
    return redirect(url_for("organisations.show"))


def _join(organisation: Organisation, request_id: int) -> JoinRequest:
    join = get_or_404(JoinRequest, request_id)
    if join.organisation_id != organisation.id:
        abort(404)
    return join


def _mail_decision(join: JoinRequest, accepted: bool) -> None:
    organisation = join.organisation
    if accepted:
        subject = f"U bent toegevoegd aan {organisation.name}"
        body = (
            f"Beste {join.name},\n\n"
            f"De beheerder van {organisation.name} heeft uw aanmelding geaccepteerd. U kunt "
            "nu inloggen in Aanbesteding Wmo met uw e-mailadres en het wachtwoord dat u bij de "
            f"registratie koos:\n\n{url_for('accounts.login', _external=True)}\n"
        )
    else:
        subject = "Uw aanmelding bij Aanbesteding Wmo"
        body = (
            f"Beste {join.name},\n\n"
            f"De beheerder van de organisatie met KvK-nummer {organisation.kvk_number} heeft "
            "uw aanmelding niet geaccepteerd. Er is geen account gemaakt. Neem bij vragen "
            "contact op met die organisatie.\n"
        )
    send_confidential(join.email, subject, body)


@bp.route("/aanmeldingen/<int:request_id>/accepteren", methods=["POST"])
def accept_join(request_id: int) -> WerkzeugResponse:
    organisation = _organisation(Permission.ORGANISATION_MANAGE)
    join = _join(organisation, request_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    done = attempt(
        lambda: organisations.accept_join(
            db_session(), join=join, actor=current_user, now=clock.now()
        ),
        success=f"{join.name} is lid van de organisatie en kan nu inloggen.",
    )
    if done:
        _mail_decision(join, accepted=True)
    return redirect(url_for("organisations.show"))


@bp.route("/aanmeldingen/<int:request_id>/weigeren", methods=["POST"])
def refuse_join(request_id: int) -> WerkzeugResponse:
    organisation = _organisation(Permission.ORGANISATION_MANAGE)
    join = _join(organisation, request_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    done = attempt(
        lambda: organisations.refuse_join(
            db_session(), join=join, actor=current_user, now=clock.now()
        ),
        success=f"De aanmelding van {join.name} is geweigerd; er is geen account gemaakt.",
    )
    if done:
        _mail_decision(join, accepted=False)
    return redirect(url_for("organisations.show"))
