"""Counting the SQL statements a request issues (issue 16: constant in the number of bids).

``counted(app)`` counts every statement the app's engine executes inside the block;
``scaled_tender`` builds the demo tender with a given number of bids at a phase, so a
test can request a page at 5 and at 50 bids and compare the counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from tender import clock, demo
from tender.tenders.models import Tender


@dataclass
class Counted:
    statements: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.statements)


@contextmanager
def counted(app: Flask) -> Iterator[Counted]:
    """Every statement the app's engine executes inside the block, in order."""
    engine = app.extensions["tender.engine"]
    result = Counted()

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        result.statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield result
    finally:
        event.remove(engine, "before_cursor_execute", record)


def scaled_tender(
    app: Flask, session: Session, now: datetime, *, bids: int, phase: str = "scored"
) -> Tender:
    """The Lekstroom demo tender with ``bids`` demo bids, taken to ``phase``."""
    result = demo.build(
        session, criteria_path=None, bids=bids, now=now, instance_path=app.instance_path,
        phase=phase,
    )  # fmt: skip
    session.commit()
    clock.set_clock(lambda: now)
    return result.tender
