"""Generating award documents in the background, with progress other workers can read.

A job runs in a thread of the web process with its own session; each stored
document advances the progress row, committed as it goes, so the page that polls
it (in any worker) and other users' requests are never blocked by the batch.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import clock
from tender.award.models import DocumentJob
from tender.errors import DomainError

# Work to do: each step stores one document; the finisher completes the job (e.g.
# releases the letters) in the same transaction as the last progress update.
Steps = list[Callable[[Session], None]]
Finisher = Callable[[Session, datetime], None]

RUNNING = "bezig"
DONE = "klaar"
FAILED = "mislukt"
# A job that reports no progress for this long died with its process (a restart).
STALE_AFTER = timedelta(hours=1)


def latest_job(session: Session, tender_id: int, kind: str) -> DocumentJob | None:
    return session.scalar(
        select(DocumentJob)
        .where(DocumentJob.tender_id == tender_id, DocumentJob.kind == kind)
        .order_by(DocumentJob.id.desc())
        .limit(1)
    )


def create_job(
    session: Session, *, tender_id: int, kind: str, total: int, actor_id: int | None, now: datetime
) -> DocumentJob:
    running = latest_job(session, tender_id, kind)
    if running is not None and running.status == RUNNING:
        if now - running.started_at < STALE_AFTER:
            raise DomainError("Deze documenten worden al gemaakt; wacht tot de voortgang klaar is.")
        running.status = FAILED
        running.error = "Afgebroken: het maken stond langer dan een uur stil (herstart?)."
        running.finished_at = now
    job = DocumentJob(
        tender_id=tender_id,
        kind=kind,
        status=RUNNING,
        total=total,
        done=0,
        error="",
        started_at=now,
        started_by_id=actor_id,
    )
    session.add(job)
    session.flush()
    return job


def run(
    session_factory: Callable[[], Session], job_id: int, steps: Steps, finish: Finisher
) -> None:
    """Run every step, committing progress; on failure record the error and stop."""
    session = session_factory()
    try:
        for index, step in enumerate(steps, start=1):
            step(session)
            job = session.get(DocumentJob, job_id)
            assert job is not None
            job.done = index
            session.commit()
        job = session.get(DocumentJob, job_id)
        assert job is not None
        now = clock.now()
        finish(session, now)
        job.status = DONE
        job.finished_at = now
        session.commit()
    except Exception as error:  # the job reports every failure instead of dying silently
        session.rollback()
        job = session.get(DocumentJob, job_id)
        if job is not None:
            job.status = FAILED
            job.error = str(error) if isinstance(error, DomainError) else traceback.format_exc()
            job.finished_at = clock.now()
            session.commit()
    finally:
        session.close()


def start_in_background(
    app: Flask, job_id: int, steps: Steps, finish: Finisher
) -> threading.Thread:
    """Run the job in a daemon thread of this process."""
    factory = app.extensions["tender.sessionmaker"]

    def target() -> None:
        with app.app_context():
            run(factory, job_id, steps, finish)

    thread = threading.Thread(target=target, name=f"document-job-{job_id}", daemon=True)
    thread.start()
    return thread
