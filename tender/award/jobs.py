"""Generating award documents in the background, with progress other workers can read.

A job runs in a job-queue worker (tender.jobqueue, with ``JOB_QUEUE_URL``) or, the
embedded default, in a thread of the web process; either way with its own session; each stored
document advances the progress row, committed as it goes, so the page that polls
it (in any worker) and other users' requests are never blocked by the batch.

The worker writes a heartbeat at every step (a step is one document, well under a
second). A running job without a heartbeat for ``STALE_AFTER`` lost its worker (a
crash or restart): it shows as stalled and can be resumed. Resuming runs the same
plan again; each step stores its document only if the decision does not have it
yet, so no letter is ever made twice.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tender import clock
from tender.award.models import DocumentJob
from tender.errors import DomainError

# Work to do: each step stores one document; the finisher completes the job (e.g.
# releases the letters) in the same transaction as the last progress update.
Steps = list[Callable[[Session], None]]
Finisher = Callable[[Session, datetime], None]


class StepList(list[Callable[[Session], None]]):
    """Steps that hold something to let go of when the job ends however it ends (the
    processes that lay out a large job's documents, ``award.render_pool``)."""

    def __init__(
        self, steps: Iterable[Callable[[Session], None]], *, close: Callable[[], None] | None
    ) -> None:
        super().__init__(steps)
        self._close = close

    def close(self) -> None:
        if self._close is not None:
            self._close()


RUNNING = "bezig"
DONE = "klaar"
FAILED = "mislukt"
STALLED = "vastgelopen"  # shown, never stored: a running job without a heartbeat
# A running job that has written no heartbeat for this long has lost its worker.
STALE_AFTER = timedelta(minutes=1)
HEARTBEAT_EVERY = timedelta(seconds=15)


def shown_status(job: DocumentJob, now: datetime) -> str:
    """The job's status as users see it: a running job without a heartbeat is stalled."""
    if job.status == RUNNING and now - (job.heartbeat_at or job.started_at) > STALE_AFTER:
        return STALLED
    return job.status


def latest_job(session: Session, tender_id: int, kind: str) -> DocumentJob | None:
    return session.scalar(
        select(DocumentJob)
        .where(DocumentJob.tender_id == tender_id, DocumentJob.kind == kind)
        .order_by(DocumentJob.id.desc())
        .limit(1)
    )


def create_job(
    session: Session,
    *,
    tender_id: int,
    kind: str,
    total: int,
    actor_id: int | None,
    now: datetime,
    decision_id: int | None = None,
) -> DocumentJob:
    running = latest_job(session, tender_id, kind)
    if running is not None and running.status == RUNNING:
        if shown_status(running, now) == STALLED:
            raise DomainError(
                "Het maken van deze documenten is vastgelopen; hervat het in plaats van "
                "opnieuw te beginnen."
            )
        raise DomainError("Deze documenten worden al gemaakt; wacht tot de voortgang klaar is.")
    job = DocumentJob(
        tender_id=tender_id,
        kind=kind,
        decision_id=decision_id,
        status=RUNNING,
        total=total,
        done=0,
        error="",
        started_at=now,
        heartbeat_at=now,
        started_by_id=actor_id,
    )
    session.add(job)
    session.flush()
    return job


def claim_for_resume(session: Session, job: DocumentJob, *, now: datetime) -> None:
    """Take over a stalled or failed job: it runs again from the start of its plan
    (steps already done are skipped by the plan itself)."""
    if job.status == DONE:
        raise DomainError("Deze documenten zijn al klaar.")
    if job.status == RUNNING and shown_status(job, now) != STALLED:
        raise DomainError("Deze documenten worden nog gemaakt; wacht tot de voortgang klaar is.")
    job.status = RUNNING
    job.error = ""
    job.done = 0
    job.finished_at = None
    job.heartbeat_at = now
    session.flush()


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
            job.heartbeat_at = clock.now()
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
        if isinstance(steps, StepList):
            steps.close()
        session.close()


@contextmanager
def heartbeat(app: Flask, job_id: int) -> Iterator[None]:
    """Beat for the job in a thread beside the work while the block runs.

    The beat keeps a long step (a large report) from looking stalled; it dies with
    the process, which is exactly when the job should look stalled.
    """
    factory = app.extensions["tender.sessionmaker"]
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_EVERY.total_seconds()):
            session = factory()
            try:
                session.execute(
                    update(DocumentJob)
                    .where(DocumentJob.id == job_id, DocumentJob.status == RUNNING)
                    .values(heartbeat_at=clock.now())
                )
                session.commit()
            except Exception:  # a missed beat only matters if every beat is missed
                session.rollback()
            finally:
                session.close()

    beater = threading.Thread(target=beat, name=f"document-job-{job_id}-beat", daemon=True)
    beater.start()
    try:
        yield
    finally:
        stop.set()


def start_in_background(
    app: Flask, job_id: int, steps: Steps, finish: Finisher
) -> threading.Thread:
    """Run the job in a daemon thread of this process (the embedded default, without a
    job queue), with a heartbeat beside it."""
    factory = app.extensions["tender.sessionmaker"]

    def target() -> None:
        with heartbeat(app, job_id), app.app_context():
            run(factory, job_id, steps, finish)

    thread = threading.Thread(target=target, name=f"document-job-{job_id}", daemon=True)
    thread.start()
    return thread
