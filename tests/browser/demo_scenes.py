"""The demo tender for a browser test: built in the test's database, with its logins."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from tender import clock
from tender.db import db_session
from tender.demo import DemoResult
from tender.demo import build as build_demo


@dataclass(frozen=True)
class DemoData:
    """What ``flask --app tender demo`` prints: the tender and one login per account."""

    reference: str
    passwords: dict[str, str]  # e-mail -> password
    emails_by_role: dict[str, list[str]]  # role ('inkoper', 'aanbieder', ...) -> e-mails

    @classmethod
    def of(cls, result: DemoResult) -> DemoData:
        emails_by_role: dict[str, list[str]] = {}
        for role_label, email, _ in result.credentials:
            emails_by_role.setdefault(role_label.lower(), []).append(email)
        return cls(
            reference=result.tender.reference,
            passwords={email: password for _, email, password in result.credentials},
            emails_by_role=emails_by_role,
        )

    def login(self, role: str) -> tuple[str, str]:
        """(e-mail, password) of the first demo account with this role."""
        email = self.emails_by_role[role][0]
        return email, self.passwords[email]

    def account(self, name: str) -> tuple[str, str]:
        """(e-mail, password) of the demo account ``name@demo.example``."""
        email = f"{name}@demo.example"
        return email, self.passwords[email]


@contextmanager
def built_demo(
    live_app: Flask, *, bids: int, phase: str | None = None, criteria_path: Path | None = None
) -> Iterator[tuple[Session, DemoResult, DemoData]]:
    """The demo tender (``tender.demo.build``) with ``bids`` bids at ``phase``, committed;
    the session stays open inside the block for a test to read its scene from."""
    with live_app.app_context():
        session = db_session()
        result = build_demo(
            session,
            criteria_path=criteria_path,
            bids=bids,
            now=clock.now(),
            instance_path=live_app.instance_path,
            phase=phase,
        )
        session.commit()
        try:
            yield session, result, DemoData.of(result)
        finally:
            session.close()
