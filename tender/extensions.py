"""The Flask extensions, created once; the app factory and the access module both use them."""

from __future__ import annotations

from typing import Any

from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Log in om deze pagina te bekijken."
login_manager.login_message_category = "info"


@login_manager.user_loader
def _load_user(user_id: str) -> Any:
    from tender.accounts.models import User
    from tender.db import db_session

    return db_session().get(User, int(user_id))
