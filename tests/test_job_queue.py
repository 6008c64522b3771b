"""Document jobs on the job queue (RQ on Redis) with separate worker processes: a
worker killed with SIGKILL in the middle of a job, and another worker that finishes
it exactly once. On SQLite (the embedded default) jobs run in the web process and
the worker command refuses to start without a queue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import award_steps
import pytest
import redis
from flask import Flask
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.orm import Session
from test_award import decide_all_gaps
from test_award import scored as scored

from tender import clock, jobqueue
from tender.accounts.models import User
from tender.audit import AuditEvent
from tender.award import documents as award_documents
from tender.award import jobs, steps
from tender.award.models import DocumentJob
from tender.documents.models import Document

REDIS_URL = "redis://127.0.0.1:6379/0"


def _needs_redis() -> None:
    """The queue lives in Redis: without a server the test is skipped locally and fails
    in CI (.ci/run starts one)."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        message = f"no Redis server at {REDIS_URL} (.ci/run starts one)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


PATIENCE = 300  # seconds a worker may take before the test gives up (never asserted)


@pytest.fixture
def letters_job(app: Flask, session: Session, scored):  # type: ignore[no-untyped-def]
    """A decided award with its letter job created and committed, not yet run."""
    tender, officer = scored
    now = clock.now()
    decide_all_gaps(session, tender, officer, now)
    award_steps.with_signatory(session, tender)
    award_steps.second_officer(session, officer)
    session.commit()
    decision = award_steps.decide(session, tender, preparer=officer, now=now)
    approver = session.get(User, decision.approved_by_id)
    steps.record_preview(session, decision=decision, actor=approver, now=now)
    session.commit()
    # The worker runs on the real clock; the job starts now, as a request would start it.
    real_now = datetime.now(UTC)
    plan, finish = award_documents.job_plan(
        award_documents.LETTERS, tender_id=tender.id, decision_id=decision.id,
        snapshot=award_documents.documented(session, decision),
        storage_dir=award_documents.documents.documents_dir(app.instance_path),
        actor_id=approver.id, started_at=real_now, config=app.config,
        instance_path=app.instance_path,
    )  # fmt: skip
    job = jobs.create_job(
        session, tender_id=tender.id, kind=award_documents.LETTERS, total=len(plan),
        actor_id=approver.id, now=real_now, decision_id=decision.id,
    )  # fmt: skip
    session.commit()
    return job.id, decision.id, plan, finish


def _worker(app: Flask, queue_name: str, *, burst: bool = False) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        DATABASE_URL=app.config["DATABASE_URL"],
        JOB_QUEUE_URL=REDIS_URL,
        JOB_QUEUE_NAME=queue_name,
        TENDER_INSTANCE_PATH=app.instance_path,
    )
    command = [sys.executable, "-m", "flask", "--app", "tender", "worker"]
    return subprocess.Popen([*command, *(["--burst"] if burst else [])], env=env)


def _job(session: Session, job_id: int) -> DocumentJob:
    session.expire_all()
    job = session.get(DocumentJob, job_id)
    assert job is not None
    return job


def _wait_until(condition) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the worker did not get there")
        time.sleep(0.05)


def test_a_killed_worker_leaves_its_job_to_another_that_finishes_it_once(
    app: Flask, session: Session, letters_job
) -> None:  # type: ignore[no-untyped-def]
    job_id, decision_id, plan, _finish = letters_job
    if app.extensions["tender.engine"].dialect.name == "sqlite":
        # The embedded default: no queue, the job runs in the web process.
        assert not jobqueue.queued(app)
        refused = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "tender", "worker"],
            env=dict(os.environ, DATABASE_URL=app.config["DATABASE_URL"],
                     TENDER_INSTANCE_PATH=app.instance_path),
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert refused.returncode != 0 and "JOB_QUEUE_URL is not set" in refused.stderr
        app.config["DOCUMENT_JOBS_INLINE"] = False
        thread = jobs.start_in_background(app, job_id, plan, _finish)
        thread.join()
        assert _job(session, job_id).status == jobs.DONE
        return
    assert len(plan) >= 3
    _needs_redis()
    queue_name = f"tender-test-{uuid.uuid4().hex}"
    app.config.update(JOB_QUEUE_URL=REDIS_URL, JOB_QUEUE_NAME=queue_name)
    jobqueue.enqueue(app, job_id)
    first = _worker(app, queue_name)
    locker = create_engine(app.config["DATABASE_URL"]).connect()
    try:
        _wait_until(lambda: _job(session, job_id).done >= 1)
        # Hold the worker inside its next step: no document can be stored meanwhile.
        locker.execute(text("LOCK TABLE document IN EXCLUSIVE MODE"))
        session.rollback()
        progress = _job(session, job_id)
        assert progress.status == jobs.RUNNING and 1 <= progress.done < progress.total
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        locker.rollback()
        locker.close()
    session.rollback()
    assert _job(session, job_id).status == jobs.RUNNING  # nobody told the database
    # A minute and more without a heartbeat: the job has stalled.
    session.execute(
        update(DocumentJob)
        .where(DocumentJob.id == job_id)
        .values(heartbeat_at=datetime.now(UTC) - jobs.STALE_AFTER - timedelta(seconds=5))
    )
    session.commit()
    second = _worker(app, queue_name, burst=True)  # requeues the stalled job, runs it, stops
    assert second.wait(timeout=PATIENCE) == 0
    jobqueue._queue(app).delete(delete_jobs=True)
    job = _job(session, job_id)
    assert (job.status, job.done, job.error) == (jobs.DONE, job.total, "")
    made = session.scalars(select(Document).where(Document.decision_id == decision_id)).all()
    assert len(made) == len(plan)  # one document per step: none twice, none missing
    assert len({(d.kind, d.bid_id) for d in made}) == len(made)
    assert all(d.released_at is not None for d in made)
    released = session.scalar(
        select(func.count()).where(AuditEvent.action == "award.award_letters_released")
    )
    assert released == 1


def test_a_stalled_job_is_requeued_once_and_a_running_one_never(
    app: Flask, session: Session, letters_job
) -> None:  # type: ignore[no-untyped-def]
    job_id, _decision_id, plan, finish = letters_job
    _needs_redis()
    queue_name = f"tender-test-{uuid.uuid4().hex}"
    # Redis down when the job starts: the request goes on, the job waits to stall.
    app.config.update(JOB_QUEUE_URL="redis://127.0.0.1:1/0", JOB_QUEUE_NAME=queue_name)
    jobqueue.dispatch(app, job_id, plan, finish)
    app.config.update(JOB_QUEUE_URL=REDIS_URL)
    queue = jobqueue._queue(app)
    started = _job(session, job_id).started_at
    assert jobqueue.requeue_stalled(app, started + jobs.STALE_AFTER / 2) == []
    later = started + jobs.STALE_AFTER + timedelta(seconds=1)
    try:
        # Two workers look at the same moment: only the first takes the job over.
        assert jobqueue.requeue_stalled(app, later) == [job_id]
        assert jobqueue.requeue_stalled(app, later) == []
        assert queue.count == 1
        job = _job(session, job_id)
        assert (job.status, job.done) == (jobs.RUNNING, 0)
        assert jobs.shown_status(job, later) == jobs.RUNNING
    finally:
        queue.delete(delete_jobs=True)


def test_with_a_job_queue_the_login_counts_go_to_its_redis(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tender.config import load_settings

    queued = load_settings(tmp_path, {"JOB_QUEUE_URL": REDIS_URL})
    assert queued["RATELIMIT_STORAGE_URI"] == REDIS_URL
    chosen = load_settings(
        tmp_path, {"JOB_QUEUE_URL": REDIS_URL, "RATELIMIT_STORAGE_URI": "redis://other:6379"}
    )
    assert chosen["RATELIMIT_STORAGE_URI"] == "redis://other:6379"
    assert load_settings(tmp_path, {})["RATELIMIT_STORAGE_URI"] == "memory://"
