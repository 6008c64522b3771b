"""Rendering the PDFs of a large document job in several processes.

A document job (``award.documents.job_plan``) stores one document per step, in
order, committing progress as it goes. Laying out a PDF is pure CPU work on the
frozen snapshot, so for a large job the PDFs are laid out ahead of the steps by a
pool of worker processes (``DOCUMENT_PROCESSES``, default: one per CPU) while the
job's own process stores them: the steps, their order, the progress rows and the
rule that a document that exists is never made again stay exactly as they are,
so a job that is resumed or runs twice still makes each document once.

Each worker gets the snapshot once, when it starts, and rebuilds the same plan
from it; a task is only the index of a document in that plan with the facts of the
moment it is laid out (the audit chain's head, the creation date, whether it will
be signed). Signing happens afterwards in the job's process (the key never leaves
it). At most a few documents per worker are laid out ahead, so memory stays flat
whatever the number of bidders; the longest document (the award report) is laid
out first so that it does not hold up the end of the job.

Workers are forked from a fork server (never from the job's process itself: the
job may run in a thread of a web or job worker), stop when the job ends, and stop
by themselves when the job's process dies (a killed job worker); the fork server
then ends too, so none is left behind.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from multiprocessing import get_context
from multiprocessing.context import BaseContext
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import audit, clock
from tender.audit import AuditAnchor
from tender.documents.models import Document

# A job with fewer documents to make lays them out in its own process: starting the
# workers (each imports the app) would cost more than it saves.
DEFAULT_FROM = 40
# Documents laid out ahead of the step that stores them, per worker process.
AHEAD_PER_PROCESS = 3


def processes(config: Mapping[str, Any]) -> int:
    """How many processes lay out a large job's PDFs (1: the job's own process)."""
    configured = config.get("DOCUMENT_PROCESSES")
    if configured in (None, ""):
        return os.cpu_count() or 1
    return max(1, int(configured))


def used_for(config: Mapping[str, Any], documents: int) -> bool:
    """Whether a job of this many documents is laid out by a pool of processes."""
    threshold = config.get("DOCUMENT_PROCESSES_FROM")
    threshold = DEFAULT_FROM if threshold in (None, "") else int(threshold)
    return processes(config) > 1 and documents >= threshold


# --- In a worker process --------------------------------------------------------------

_PLAN: list[tuple[str, str, int | None, Callable[[], bytes]]] = []


def _watch_parent(job_process: int) -> None:
    """Stop this worker once the job's process is gone (killed): the worker's own
    parent is the fork server, which lives on as long as any worker does."""

    def watch() -> None:
        while not threading.Event().wait(1.0):
            try:
                os.kill(job_process, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # alive, under another user (a reused id)
                pass

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _start_worker(
    kind: str, snapshot: Mapping[str, Any], started_at: datetime, job_process: int
) -> None:
    from tender.award import documents as award_documents

    _watch_parent(job_process)
    _PLAN[:] = award_documents.planned_for(kind, snapshot, started_at=started_at)


def _lay_out(index: int, anchor: AuditAnchor | None, moment: datetime, signed: bool) -> bytes:
    """The unsigned PDF of the plan's document ``index``, as ``_store_step`` makes it."""
    from tender.documents import pdf

    build = _PLAN[index][3]
    with pdf.generated_at(moment), pdf.audit_footer(anchor), pdf.signature_status(signed):
        return build()


# --- In the job's process -------------------------------------------------------------


def _context() -> BaseContext:
    """Workers are forked from a fork server that has imported the document builders
    once: a clean, single-threaded process (forking the job's own process, which may
    run threads, is not safe), which stays for later jobs of this process, so a
    worker starts without importing the app again."""
    context = get_context("forkserver")
    context.set_forkserver_preload(["tender.award.documents"])
    return context


class LaidOut:
    """A document laid out by a worker: its unsigned PDF, the audit head printed in its
    footer and its creation moment (which the stored row records)."""

    def __init__(self, content: bytes, anchor: AuditAnchor | None, moment: datetime) -> None:
        self.content = content
        self.anchor = anchor
        self.moment = moment


class RenderPool:
    """Lays out the documents of one job's plan ahead of its steps.

    ``keys`` are the plan's (kind, bid id) in plan order: what a step checks before it
    stores. ``signed`` says whether the documents will be signed (their footer says
    so).
    """

    def __init__(
        self,
        *,
        kind: str,
        snapshot: Mapping[str, Any],
        started_at: datetime,
        decision_id: int,
        keys: Sequence[tuple[str, int | None]],
        first: Sequence[int],
        signed: bool,
        processes: int,
    ) -> None:
        self._init_args = (kind, dict(snapshot), started_at)
        self._decision_id = decision_id
        self._keys = list(keys)
        self._first = list(first)
        self._signed = signed
        self._processes = processes
        self._pool: ProcessPoolExecutor | None = None
        self._order: list[int] = []
        self._next = 0  # the next position in ``_order`` to submit
        self._pending: dict[int, tuple[Future[bytes], AuditAnchor | None, datetime]] = {}

    def _start(self, session: Session) -> None:
        made = {
            (kind, bid_id)
            for kind, bid_id in session.execute(
                select(Document.kind, Document.bid_id).where(
                    Document.decision_id == self._decision_id
                )
            )
        }
        missing = [index for index, key in enumerate(self._keys) if key not in made]
        # The longest documents first, then in the order the steps store them.
        self._order = [i for i in self._first if i in missing] + [
            i for i in missing if i not in self._first
        ]
        self._pool = ProcessPoolExecutor(
            self._processes,
            mp_context=_context(),
            initializer=_start_worker,
            initargs=(*self._init_args, os.getpid()),
        )

    def _submit(self, session: Session, indices: list[int]) -> None:
        assert self._pool is not None
        anchor = audit.head(session)
        moment = clock.now()
        for index in indices:
            future = self._pool.submit(_lay_out, index, anchor, moment, self._signed)
            self._pending[index] = (future, anchor, moment)

    def laid_out(self, session: Session, index: int) -> LaidOut:
        """Document ``index`` of the plan, laid out (waits for it if need be)."""
        if self._pool is None:
            self._start(session)
        ahead = AHEAD_PER_PROCESS * self._processes
        batch = []
        while self._next < len(self._order) and len(self._pending) + len(batch) < ahead:
            batch.append(self._order[self._next])
            self._next += 1
        if index not in self._pending and index not in batch:
            batch.append(index)  # not foreseen (made missing since the start): lay it out now
        if batch:
            self._submit(session, batch)
        future, anchor, moment = self._pending.pop(index)
        try:
            content = future.result()
        except BaseException:
            self.close()
            raise
        if not self._pending and self._next >= len(self._order):
            self.close()
        return LaidOut(content, anchor, moment)

    def skip(self, index: int) -> None:
        """Document ``index`` needs no layout after all (a run before this one stored it)."""
        pending = self._pending.pop(index, None)
        if pending is not None:
            pending[0].cancel()
        if not self._pending and self._next >= len(self._order):
            self.close()

    def close(self) -> None:
        """Stop the workers (pending layouts are dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            self._pending.clear()
            self._next = len(self._order)
