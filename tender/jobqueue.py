"""Where document jobs run: in separate worker processes through a job queue (RQ on
Redis, when ``JOB_QUEUE_URL`` is set), or, the embedded default, in the web process.

A queued job is only data: the id of its ``DocumentJob`` row. The worker rebuilds
the plan from that row (kind, tender, decision, the user who started it) and the
database, so any worker on any machine can run it. Steps are idempotent (a document
that exists is not made again) and the finisher runs in the transaction of the
last progress update, so a job that runs again completes exactly once.

A worker that dies (``kill -9``, a lost machine) stops beating; after
``jobs.STALE_AFTER`` its job shows as stalled. Every worker requeues stalled jobs
when it starts and then every ``jobs.STALE_AFTER``; the page's 'Hervatten' button
does the same by hand. Taking over a stalled job is one conditional UPDATE, so
of several workers only one requeues it.

Start a worker with ``flask --app tender worker`` (see README).
"""

from __future__ import annotations

import contextlib
import threading
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from redis import Redis, RedisError
from rq import Queue, SimpleWorker
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tender import clock
from tender.award import jobs
from tender.award.models import AwardDecision, DocumentJob

QUEUE_NAME = "tender-documents"


def queued(app: Flask) -> bool:
    return bool(app.config.get("JOB_QUEUE_URL"))


def _queue(app: Flask) -> Queue:
    name = app.config.get("JOB_QUEUE_NAME") or QUEUE_NAME
    return Queue(name, connection=Redis.from_url(app.config["JOB_QUEUE_URL"]))


def dispatch(app: Flask, job_id: int, steps: jobs.Steps, finish: jobs.Finisher) -> None:
    """Run a committed job: on the queue, inline (tests) or in a thread of this process."""
    if queued(app):
        try:
            enqueue(app, job_id)
        except RedisError:
            # The job is committed: without a heartbeat it stalls, and the next worker
            # that looks (within a minute) puts it on the queue.
            app.logger.warning("job %s not queued: Redis unreachable", job_id, exc_info=True)
    elif app.config.get("DOCUMENT_JOBS_INLINE"):
        jobs.run(app.extensions["tender.sessionmaker"], job_id, steps, finish)
    else:
        jobs.start_in_background(app, job_id, steps, finish)


def enqueue(app: Flask, job_id: int) -> None:
    # No time limit: the heartbeat, not RQ, tells a slow job from a dead one.
    _queue(app).enqueue(perform, job_id, job_timeout=-1, result_ttl=0)


def plan_for(app: Flask, session: Session, job: DocumentJob) -> tuple[jobs.Steps, jobs.Finisher]:
    """The job's plan, rebuilt from its row and the database."""
    from tender.award import documents as award_documents
    from tender.bids.models import Bid
    from tender.documents.service import documents_dir
    from tender.dossier import build
    from tender.tenders.models import Tender

    storage_dir = documents_dir(app.instance_path)
    if job.kind in (award_documents.LETTERS, award_documents.CONTRACTS):
        decision = session.get(AwardDecision, job.decision_id)
        assert decision is not None
        return award_documents.job_plan(
            job.kind,
            tender_id=job.tender_id,
            decision_id=decision.id,
            snapshot=award_documents.documented(session, decision),
            storage_dir=storage_dir,
            actor_id=job.started_by_id,
            started_at=job.started_at,
            config=app.config,
            instance_path=app.instance_path,
        )
    tender = session.get(Tender, job.tender_id)
    assert tender is not None
    _, _, bid_part = job.kind.partition(f"{build.FULL_KIND}-")
    bid = session.get(Bid, int(bid_part)) if bid_part else None
    scope = build.scope_for(session, tender, bid)
    return build.plan(scope, storage_dir=storage_dir, actor_id=job.started_by_id)


def perform(job_id: int) -> None:
    """The queued work (in a worker, inside the app context): run the job's plan."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    factory = app.extensions["tender.sessionmaker"]
    session = factory()
    try:
        job = session.get(DocumentJob, job_id)
        if job is None or job.status != jobs.RUNNING:
            return  # done, failed or gone: nothing to run (a duplicate delivery)
        steps, finish = plan_for(app, session, job)
    finally:
        session.close()
    with jobs.heartbeat(app, job_id):
        jobs.run(factory, job_id, steps, finish)


def requeue_stalled(app: Flask, now: datetime) -> list[int]:
    """Take over every stalled job and put it on the queue again; the ids requeued."""
    session = app.extensions["tender.sessionmaker"]()
    requeued = []
    try:
        stalled = session.scalars(
            select(DocumentJob).where(DocumentJob.status == jobs.RUNNING)
        ).all()
        for job in stalled:
            if jobs.shown_status(job, now) != jobs.STALLED:
                continue
            # Only the worker whose UPDATE still sees the old heartbeat takes it over.
            taken = session.execute(
                update(DocumentJob)
                .where(
                    DocumentJob.id == job.id,
                    DocumentJob.status == jobs.RUNNING,
                    DocumentJob.heartbeat_at == job.heartbeat_at,
                )
                .values(heartbeat_at=now, done=0, error="")
            )
            session.commit()
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                enqueue(app, job.id)
                requeued.append(job.id)
    finally:
        session.close()
    return requeued


def _watch_stalled(app: Flask) -> None:
    """Requeue stalled jobs now and every STALE_AFTER, in a thread of the worker."""

    def loop() -> None:
        while True:
            with contextlib.suppress(Exception):  # the next round tries again
                requeue_stalled(app, clock.now())
            threading.Event().wait(jobs.STALE_AFTER.total_seconds())

    threading.Thread(target=loop, name="requeue-stalled", daemon=True).start()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (tests, cron).")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run a job worker: makes award documents and dossiers from the job queue."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if not queued(app):
        raise click.ClickException(
            "JOB_QUEUE_URL is not set: without a job queue, jobs run in the web process."
        )
    queue = _queue(app)
    if burst:
        requeue_stalled(app, clock.now())
    else:
        _watch_stalled(app)
    # SimpleWorker runs each job in this process (no fork): killing the worker kills
    # its job, whose heartbeat then stops, and the app context below is the job's.
    SimpleWorker([queue], connection=queue.connection).work(burst=burst)
