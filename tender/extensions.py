"""The Flask extensions, created once; the app factory and the access module both use them."""

from __future__ import annotations

from typing import Any

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Log in om deze pagina te bekijken."
login_manager.login_message_category = "info"
# No limit applies unless a view asks for one (the login, the registration). The
# storage comes from the setting RATELIMIT_STORAGE_URI (memory:// by default; a
# redis:// URI shares the counts between workers in production).
limiter = Limiter(key_func=get_remote_address)


@login_manager.user_loader
def _load_user(user_id: str) -> Any:
    """The user of a session (or remember-me cookie) whose session version still holds.

    The session stores ``"<id>:<version>"`` (``User.get_id``); a raised version, or a
    value without one, ends the session.
    """
    from tender.accounts.models import User
    from tender.db import db_session

    id_text, _, version = user_id.partition(":")
    if not id_text.isdigit() or not version.isdigit():
        return None
    user = db_session().get(User, int(id_text))
    if user is None or user.session_version != int(version):
        return None
    return user
