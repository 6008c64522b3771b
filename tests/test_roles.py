"""No one opens alone: the role inkoper needs an existing inkoper's confirmation, a
beheerder never gives itself a role, the two officers of an opening did not make each
other inkoper, and every account and role change is audited and shown to the inkopers."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from factories import login, make_complete_bid, make_published_tender, make_user
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_account_activation import activation_links

from tender import clock
from tender.accounts import roles
from tender.accounts.models import Role, RoleRequest, User
from tender.audit import AuditEvent
from tender.bids import service as bid_service
from tender.bids.uploads import uploads_dir
from tender.documents.service import documents_dir
from tender.evaluation import service as evaluation
from tender.tenders import service as tenders
from tender.tenders.models import TenderState

ANNA = {"name": "Anna Nieuw", "email": "anna@regio.example.org", "role": "inkoper"}


def _client(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    login(client, user)
    return client


def _officer(session: Session, *, beheerder: User, confirmer: User, now: datetime) -> User:
    """A new inkoper: asked for by ``beheerder``, confirmed by ``confirmer``."""
    user = make_user(session, Role.EVALUATOR, now=now)
    request = roles.request_role(
        session, user=user, role=Role.PROCUREMENT_OFFICER, actor=beheerder, now=now
    )
    assert request is not None and user.role == Role.EVALUATOR
    roles.confirm_request(session, request=request, actor=confirmer, now=now)
    assert user.role == Role.PROCUREMENT_OFFICER
    return user


def test_beheerder_cannot_make_an_inkoper_without_another_inkopers_confirmation(
    app: Flask, session: Session, now: datetime
) -> None:
    beheerder = make_user(session, Role.ADMINISTRATOR, now=now)
    inkoper = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    session.commit()
    admin = _client(app, beheerder)
    created = admin.post("/beheer/gebruikers/nieuw", data=ANNA)
    assert "wacht op bevestiging door een inkoper" in created.get_data(as_text=True)
    anna = session.scalar(select(User).where(User.email == ANNA["email"]))
    assert anna is not None and anna.role is None
    [path] = activation_links(app, ANNA["email"])
    password = {
        "password": "eigen-wachtwoord-voor-inkoop",
        "password_repeat": "eigen-wachtwoord-voor-inkoop",
    }
    assert app.test_client().post(path, data=password).status_code == 302

    # Pending: Anna can log in but has no inkoper rights at all.
    anna_client = app.test_client()
    response = anna_client.post(
        "/inloggen", data={"email": ANNA["email"], "password": password["password"]}
    )
    assert response.status_code == 302
    assert anna_client.get("/").headers["Location"].endswith("/account")
    account = anna_client.get("/account").get_data(as_text=True)
    assert "wacht op bevestiging door een inkoper" in account
    for url in ("/aanbestedingen/", "/aanbestedingen/nieuw", "/accounts"):
        assert anna_client.get(url).status_code == 403, url

    # The beheerder cannot confirm it, nor Anna herself.
    request = session.scalar(select(RoleRequest))
    assert request is not None and request.requested_by_id == beheerder.id
    assert admin.post(f"/accounts/rolverzoeken/{request.id}/bevestigen").status_code == 403
    with pytest.raises(roles.RoleError):
        roles.confirm_request(session, request=request, actor=beheerder, now=now)
    session.rollback()

    # An existing inkoper confirms on its accounts page.
    officer = _client(app, inkoper)
    page = officer.get("/accounts").get_data(as_text=True)
    assert "Anna Nieuw" in page and "Bevestigen" in page
    assert officer.post(f"/accounts/rolverzoeken/{request.id}/bevestigen").status_code == 302
    session.expire_all()
    assert anna.role == Role.PROCUREMENT_OFFICER
    assert request.decided_by_id == inkoper.id and request.outcome == "bevestigd"
    # The role took effect: Anna's session ended; she logs in again with the new role.
    assert "/inloggen" in anna_client.get("/aanbestedingen/").headers["Location"]
    anna_client.post("/inloggen", data={"email": ANNA["email"], "password": password["password"]})
    assert anna_client.get("/aanbestedingen/").status_code == 200


def test_nobody_confirms_their_own_request_or_their_own_role(
    session: Session, now: datetime
) -> None:
    beheerder = make_user(session, Role.ADMINISTRATOR, now=now)
    inkoper = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    evaluator = make_user(session, Role.EVALUATOR, now=now)
    # An inkoper cannot request the role for someone and confirm it too.
    own = roles.request_role(
        session, user=evaluator, role=Role.PROCUREMENT_OFFICER, actor=inkoper, now=now
    )
    assert own is not None
    with pytest.raises(roles.RoleError, match="zelf gedaan"):
        roles.confirm_request(session, request=own, actor=inkoper, now=now)
    # Someone whose role waits cannot confirm it: it is not yet an inkoper.
    with pytest.raises(roles.RoleError, match="actieve inkoper"):
        roles.confirm_request(session, request=own, actor=evaluator, now=now)
    # A blocked inkoper cannot confirm.
    other = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    other.active = False
    with pytest.raises(roles.RoleError, match="actieve inkoper"):
        roles.confirm_request(session, request=own, actor=other, now=now)
    assert evaluator.role == Role.EVALUATOR
    # The database refuses a confirmation by the requester as well.
    own.outcome = "bevestigd"
    own.decided_by_id = inkoper.id
    own.decided_at = now
    with pytest.raises(Exception, match="confirmed_by_another"):
        session.flush()
    session.rollback()
    assert beheerder.id


def test_beheerder_can_never_change_its_own_role(
    app: Flask, session: Session, now: datetime
) -> None:
    beheerder = make_user(session, Role.ADMINISTRATOR, now=now)
    session.commit()
    client = _client(app, beheerder)
    for role in ("inkoper", "beoordelaar", "adviesraad"):
        response = client.post(f"/beheer/gebruikers/{beheerder.id}/rol", data={"role": role})
        assert "eigen rol niet wijzigen" in response.get_data(as_text=True)
    session.expire_all()
    assert beheerder.role == Role.ADMINISTRATOR
    assert session.scalar(select(RoleRequest)) is None
    page = client.get(f"/beheer/gebruikers/{beheerder.id}").get_data(as_text=True)
    assert 'name="role"' not in page


def test_other_roles_change_directly_and_withdraw_a_waiting_request(
    app: Flask, session: Session, now: datetime
) -> None:
    beheerder = make_user(session, Role.ADMINISTRATOR, now=now)
    evaluator = make_user(session, Role.EVALUATOR, now=now)
    session.commit()
    client = _client(app, beheerder)
    url = f"/beheer/gebruikers/{evaluator.id}/rol"
    assert client.post(url, data={"role": "inkoper"}).status_code == 302
    session.expire_all()
    assert evaluator.role == Role.EVALUATOR
    assert client.post(url, data={"role": "adviesraad"}).status_code == 302
    session.expire_all()
    assert evaluator.role == Role.ADVISORY_COUNCIL
    request = session.scalar(select(RoleRequest))
    assert request is not None and request.outcome == "ingetrokken"
    actions = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "user", AuditEvent.object_id == evaluator.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions[-3:] == ["role.requested", "role.withdrawn", "role.changed"]


def test_command_line_makes_the_first_inkoper_only(app: Flask, session: Session) -> None:
    def create(email: str):  # type: ignore[no-untyped-def]
        return app.test_cli_runner().invoke(
            args=["user", "create", "--email", email, "--name", email.split("@")[0],
                  "--role", "inkoper", "--password", "een-lang-wachtwoord"]
        )  # fmt: skip

    first = create("eerste@regio.nl")
    assert first.exit_code == 0, first.output
    second = create("tweede@regio.nl")
    assert second.exit_code == 0, second.output
    assert "wacht op bevestiging door een inkoper" in second.output
    by_email = {u.email: u for u in session.scalars(select(User))}
    assert by_email["eerste@regio.nl"].role == Role.PROCUREMENT_OFFICER
    assert by_email["tweede@regio.nl"].role is None
    assert all(u.must_change_password for u in by_email.values())
    request = session.scalar(select(RoleRequest))
    assert request is not None and request.requested_by_id is None


def test_opening_refused_when_one_officer_made_the_other_inkoper(
    app: Flask, session: Session, now: datetime
) -> None:
    beheerder = make_user(session, Role.ADMINISTRATOR, now=now)
    first = make_user(session, Role.PROCUREMENT_OFFICER, now=now)  # made by the operator
    made_by_first = _officer(session, beheerder=beheerder, confirmer=first, now=now)
    independent = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    tender = make_published_tender(session, now=now)
    provider = make_user(session, Role.PROVIDER, now=now)
    storage = uploads_dir(app.instance_path)
    bid = make_complete_bid(session, tender=tender, provider=provider, now=now, storage_dir=storage)
    bid_service.submit(session, bid=bid, actor=provider, now=now)
    after = tender.submission_deadline + timedelta(hours=1)
    tenders.close_if_due(session, tender=tender, now=after)

    def confirm(actor: User) -> None:
        evaluation.confirm_opening(
            session,
            tender=tender,
            actor=actor,
            now=after,
            storage_dir=documents_dir(app.instance_path),
            uploads_dir=storage,
        )

    # A starts, B (whose inkoper role A confirmed) may not confirm.
    evaluation.start_opening(session, tender=tender, actor=first, now=after)
    with pytest.raises(evaluation.EvaluationError, match="bevestigd door"):
        confirm(made_by_first)
    # And the other way round: B starts, A (who made B inkoper) may not confirm.
    tender.opening_started_by_id = made_by_first.id
    with pytest.raises(evaluation.EvaluationError, match="zelf bevestigd"):
        confirm(first)
    assert tender.state == TenderState.CLOSED
    # Through the web the refusal is shown in Dutch.
    session.commit()
    clock.set_clock(lambda: after)
    response = _client(app, first).post(
        f"/aanbestedingen/{tender.id}/opening/bevestigen",
        data={"understood": "y"},
        follow_redirects=True,
    )
    assert "telt niet als tweede paar ogen" in response.get_data(as_text=True)
    session.expire_all()
    assert tender.state == TenderState.CLOSED
    # An inkoper neither of them made is a valid second officer.
    confirm(independent)
    assert tender.state == TenderState.OPENED


def test_account_and_role_events_are_visible_to_inkopers_not_to_others(
    app: Flask, session: Session, now: datetime
) -> None:
    beheerder = make_user(session, Role.ADMINISTRATOR, now=now)
    inkoper = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    provider = make_user(session, Role.PROVIDER, now=now)
    council = make_user(session, Role.ADVISORY_COUNCIL, now=now)
    made = _officer(session, beheerder=beheerder, confirmer=inkoper, now=now)
    session.commit()
    client = _client(app, beheerder)
    client.post("/beheer/gebruikers/nieuw", data=ANNA)
    client.post(f"/beheer/gebruikers/{council.id}/status")
    client.post(f"/beheer/gebruikers/{council.id}/activeringslink")

    officer = _client(app, inkoper)
    home = officer.get("/aanbestedingen/").get_data(as_text=True)
    assert 'href="/accounts"' in home
    page = officer.get("/accounts").get_data(as_text=True)
    for label in (
        "Account aangemaakt",
        "Activeringslink verstuurd",
        "Rol aangevraagd (wacht op bevestiging door een inkoper)",
        "Rol bevestigd door een inkoper",
        "Account geblokkeerd",
        "Wachtwoord ongeldig gemaakt (nieuwe activeringslink)",
    ):
        assert label in page, label
    assert made.email in page and beheerder.email in page and inkoper.email in page
    assert "Anna Nieuw" in page  # waiting for confirmation
    # Who registered as a provider is not shown (it could hint at who bids).
    assert provider.email not in page and provider.organisation.name not in page
    assert _client(app, beheerder).get("/accounts").status_code == 200
    others = [make_user(session, r, now=now) for r in (Role.EVALUATOR, Role.ADVISORY_COUNCIL)]
    session.commit()
    for user in [*others, provider]:
        assert _client(app, user).get("/accounts").status_code == 403


def test_demo_accounts_log_in_directly_and_its_inkopers_may_open_together(
    app: Flask, session: Session, now: datetime
) -> None:
    from tender import demo

    result = demo.build(
        session, criteria_path=None, bids=0, now=now, instance_path=app.instance_path
    )
    session.commit()
    staff = {u.email: u for u in session.scalars(select(User).where(User.is_demo.is_(True)))}
    assert not any(u.must_change_password for u in staff.values())
    first, second = staff["inkoper@demo.example"], staff["inkoper2@demo.example"]
    assert roles.four_eyes_problem(session, first_id=first.id, second=second) is None
    _role, email, password = result.credentials[1]
    client = app.test_client()
    client.post("/inloggen", data={"email": email, "password": password})
    assert client.get("/aanbestedingen/").status_code == 200
