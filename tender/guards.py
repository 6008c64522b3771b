"""View-side use of the permission module: load the object, ask, refuse."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from tender import clock
from tender.db import db_session
from tender.permissions import Permission, can

T = TypeVar("T")


def require(permission: Permission, obj: Any = None) -> None:
    """Abort unless the current user may; anonymous users are sent to the login page."""
    if not current_user.is_authenticated:
        from tender.web import login_manager

        abort(login_manager.unauthorized())
    if not can(current_user, permission, obj, clock.now()):
        abort(403)


def get_or_404(model: type[T], object_id: int) -> T:
    obj = db_session().get(model, object_id)
    if obj is None:
        abort(404)
    return obj
