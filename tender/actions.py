"""The end of most POST views: one service call, then commit and say so, or roll back
and show the rule's Dutch refusal. One commit per request, rollback on refusal."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash

from tender.db import db_session
from tender.errors import DomainError


def attempt(action: Callable[[], object], *, success: str) -> bool:
    """Run ``action``; commit and flash ``success``, or roll back and flash the refusal."""
    session = db_session()
    try:
        action()
    except DomainError as error:
        session.rollback()
        flash(str(error), "error")
        return False
    session.commit()
    flash(success, "success")
    return True
