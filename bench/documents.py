"""Award documents at scale: every letter, the award report and every framework
contract of a tender, made as the app makes them, against raw ReportLab writing
the same pages.

``run(instance)`` takes an instance folder holding the demo tender in phase
"advice" (``flask --app tender demo --bids N --phase advice``) and works on a
copy of it:

1. In a subprocess (so that its peak memory is its own), it takes the advice
   through approval and the decision with the app's services, confirms sending
   and runs the letters job (letters and report, released at its end) exactly as
   the web app's embedded job runner does (``jobs.run``), then moves the clock past
   the standstill, awards definitively and runs the contracts job. Both jobs are
   timed; documents are stored in the copy's documents folder.
2. Every stored PDF is read back with pypdf: per page its extracted text lines.
3. Raw ReportLab writes the same documents with the same pages and the same text
   per page, in two ways, each in as many processes as the app's jobs used:
   - platypus: one ``BaseDocTemplate`` per document, one Paragraph per line of
     text (escaped, one shared style, the same embedded TTF font), a page break
     after each page;
   - canvas: ``drawString`` per line on a bare ``Canvas``.
   The baselines have none of the app's work: no layout of tables, no page
   template, no header band, no footer, no page numbering pass, no storing,
   digests or database. They are a floor, not an equivalent.

Standalone: ``.venv/bin/python bench/documents.py INSTANCE`` prints the section.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent


class _Workers:
    """The processes a job starts to lay out its documents (all descendants of this
    process: the fork server and the workers forked from it), sampled from /proc
    five times a second: the largest peak RSS (VmHWM) of one of them and their CPU
    seconds (as last seen, so up to a sample's worth short per process). Their rusage
    never reaches this process: the workers are not its children."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._cpu_ticks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.2):
            parents: dict[int, int] = {}
            stats: dict[int, list[str]] = {}
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                parents[int(entry.name)] = int(fields[1])
                stats[int(entry.name)] = fields
            descendants, frontier = set(), {me}
            while frontier:
                frontier = {pid for pid, parent in parents.items() if parent in frontier}
                descendants |= frontier
            for pid in descendants:
                fields = stats[pid]
                self._cpu_ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak_kib = max(self.peak_kib, int(line.split()[1]))

    def stop(self) -> tuple[float, float]:
        """Peak MiB of the largest worker, CPU seconds of all of them."""
        self._stop.set()
        self._thread.join()
        return self.peak_kib / 1024, sum(self._cpu_ticks.values()) / os.sysconf("SC_CLK_TCK")


def _make(instance: str, out: str) -> None:
    """The subprocess: decision, letters job, definitive award, contracts job."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, select

    from tender import clock, create_app, demo
    from tender.accounts.models import User
    from tender.award import documents as award_documents
    from tender.award import jobs, service, steps
    from tender.award.models import AwardDecision
    from tender.documents.models import Document

    workers = _Workers()
    app = create_app(instance_path=instance)
    with app.app_context():
        factory = app.extensions["tender.sessionmaker"]
        session = factory()
        decision = session.scalars(select(AwardDecision).order_by(AwardDecision.id.desc())).first()
        assert decision is not None, "no award advice in this instance"
        inkoper = session.scalar(select(User).where(User.email.like("inkoper@%")))
        approver = session.scalar(select(User).where(User.email.like("inkoper2@%")))
        demo.decide(session, decision, inkoper=inkoper, approver=approver, now=clock.now())
        session.commit()

        def run_job(kind: str) -> float:
            """Start and run the job as the web app does (``award.views._start``), timed."""
            started = time.perf_counter()
            job, plan, finish = award_documents.start_job(
                session,
                decision=decision,
                kind=kind,
                actor=approver,
                now=clock.now(),
                config=app.config,
                instance_path=app.instance_path,
            )
            session.commit()
            jobs.run(factory, job.id, plan, finish)
            elapsed = time.perf_counter() - started
            session.expire_all()
            done = session.get(type(job), job.id)
            if done.status != jobs.DONE:
                raise RuntimeError(f"{kind} job ended {done.status}: {done.error}")
            return elapsed

        steps.confirm_sending(
            decision,
            letters=steps.letter_count(decision),
            standstill=steps.sending_standstill_end(decision, clock.now()).isoformat(),
            now=clock.now(),
        )
        letters_seconds = run_job(award_documents.LETTERS)
        session.expire_all()
        # Past the standstill: the definitive award and the contracts.
        shift = timedelta(days=40)
        clock.set_clock(lambda: datetime.now(UTC) + shift)
        try:
            service.make_definitive(session, tender=decision.tender, actor=inkoper, now=clock.now())
            session.commit()
            contracts_seconds = run_job(award_documents.CONTRACTS)
        finally:
            clock.set_clock(None)
        rows = session.execute(
            select(Document.kind, Document.stored_name).where(Document.decision_id == decision.id)
        ).all()
        count = session.scalar(
            select(func.count(Document.id)).where(Document.decision_id == decision.id)
        )
        assert count == len(rows)
    own = resource.getrusage(resource.RUSAGE_SELF)
    worker_peak, worker_cpu = workers.stop()
    Path(out).write_text(
        json.dumps(
            {
                "letters_seconds": letters_seconds,
                "contracts_seconds": contracts_seconds,
                "peak_mib": own.ru_maxrss / 1024,
                "worker_peak_mib": worker_peak,
                "load": os.getloadavg()[1],
                "cpu_seconds": own.ru_utime + own.ru_stime + worker_cpu,
                "processes": _processes(app.config),
                "documents": [
                    [kind, str(Path(app.instance_path) / "documents" / name)] for kind, name in rows
                ],
            }
        )
    )


def _processes(config: object) -> int:
    try:
        from tender.award import render_pool

        return render_pool.processes(config)  # type: ignore[arg-type]
    except ImportError:
        return 1


def _page_texts(path: str) -> list[list[str]]:
    import pypdf

    reader = pypdf.PdfReader(path)
    return [
        [line for line in (page.extract_text() or "").splitlines() if line.strip()]
        for page in reader.pages
    ]


# The raw documents' pages: A4 portrait with 20 pt margins. Each page's text is set in
# one size, chosen (before timing) so that no line wraps and every line fits.
# SimpleDocTemplate's frame pads its content by 6 pt on each side.
_WIDTH, _HEIGHT = 595.27 - 40 - 12, 841.89 - 40 - 12
_STYLES: dict[float, object] = {}


def _sized(pages: list[list[str]]) -> list[tuple[float, list[str]]]:
    """Each page's lines with the font size that fits them on one page."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from tender.documents import pdf

    sized = []
    for lines in pages:
        widest = max((stringWidth(line, pdf.FONT, 1) for line in lines), default=1) or 1
        size = min(6.0, 0.97 * _WIDTH / widest, _HEIGHT / (1.2 * max(len(lines), 1) + 1))
        sized.append((round(size - 0.05, 1), lines))
    return sized


def _platypus(pages: list[tuple[float, list[str]]]) -> int:
    """Write one document's pages with platypus; its page count."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    from tender.documents import pdf  # registers the same embedded TTF font

    story: list = []
    for index, (size, lines) in enumerate(pages):
        style = _STYLES.get(size)
        if style is None:
            style = _STYLES[size] = ParagraphStyle(
                f"raw{size}", fontName=pdf.FONT, fontSize=size, leading=1.2 * size
            )
        if index:
            story.append(PageBreak())
        story += [Paragraph(escape(line), style) for line in lines] or [Paragraph("", style)]
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=20, rightMargin=20, topMargin=20, bottomMargin=20
    )
    doc.build(story)
    return doc.page


def _canvas(pages: list[tuple[float, list[str]]]) -> int:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from tender.documents import pdf

    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for size, lines in pages:
        canvas.setFont(pdf.FONT, size)
        y = A4[1] - 20 - size
        for line in lines:
            canvas.drawString(20, y, line)
            y -= 1.2 * size
        canvas.showPage()
    canvas.save()
    return len(pages)


def _cpu() -> float:
    """CPU seconds of this process and its ended children so far."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )


def _raw(write, documents: list, processes: int) -> tuple[float, float, int]:
    """Seconds, CPU seconds and pages of writing ``documents`` in ``processes``."""
    started, cpu = time.perf_counter(), _cpu()
    if processes > 1:
        with ProcessPoolExecutor(processes) as pool:
            pages = sum(pool.map(write, documents, chunksize=8))
    else:
        pages = sum(write(pages) for pages in documents)
    return time.perf_counter() - started, _cpu() - cpu, pages


def run(instance: Path) -> str:
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as scratch:
        copy = Path(scratch) / "instance"
        shutil.copytree(instance, copy)
        result_file = Path(scratch) / "result.json"
        path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        env = dict(os.environ, PYTHONPATH=path)
        env.pop("DATABASE_URL", None)  # the instance's own SQLite database
        subprocess.run(
            [sys.executable, __file__, "--make", str(copy), str(result_file)],
            env=env, cwd=ROOT, check=True,
        )  # fmt: skip
        result = json.loads(result_file.read_text())
        paths = [path for _kind, path in result["documents"]]
        processes = max(1, int(result["processes"]))
        with ProcessPoolExecutor(min(2, os.cpu_count() or 1)) as pool:
            texts = list(pool.map(_page_texts, paths, chunksize=8))
    kinds: dict[str, list[int]] = {}
    for (kind, _path), pages in zip(result["documents"], texts, strict=True):
        kinds.setdefault(kind, []).append(len(pages))
    pages = sum(len(p) for p in texts)
    sized = [_sized(pages) for pages in texts]
    platypus_seconds, platypus_cpu, platypus_pages = _raw(_platypus, sized, processes)
    canvas_seconds, canvas_cpu, canvas_pages = _raw(_canvas, sized, processes)
    # The baselines write exactly the app's pages: else the ratios compare unlike work.
    assert platypus_pages == canvas_pages == pages, (platypus_pages, canvas_pages, pages)
    app_cpu = result["cpu_seconds"]
    app_seconds = result["letters_seconds"] + result["contracts_seconds"]
    lines = [
        "## Award documents",
        "",
        f"{len(paths)} documents, {pages} pages "
        + ", ".join(
            f"{kind}: {len(counts)} ({sum(counts)} pages, max {max(counts)})"
            for kind, counts in sorted(kinds.items())
        )
        + f"; app and baselines each in {processes} process(es); load average over the "
        f"app's last 5 minutes {result['load']:.1f} on {os.cpu_count()} CPUs.",
        "",
        "| run | seconds | CPU seconds | pages | peak MiB | x raw platypus (s / CPU) "
        "| x raw canvas (s / CPU) |",
        "|---|---|---|---|---|---|---|",
        f"| app: letters job + contracts job | {app_seconds:.1f} "
        f"({result['letters_seconds']:.1f} + {result['contracts_seconds']:.1f}) | "
        f"{app_cpu:.1f} | {pages} | "
        f"{result['peak_mib']:.0f} (each worker {result['worker_peak_mib']:.0f}) | "
        f"{app_seconds / platypus_seconds:.2f} / {app_cpu / platypus_cpu:.2f} | "
        f"{app_seconds / canvas_seconds:.2f} / {app_cpu / canvas_cpu:.2f} |",
        f"| raw ReportLab platypus, same pages and text | {platypus_seconds:.1f} | "
        f"{platypus_cpu:.1f} | {platypus_pages} | | 1.00 | |",
        f"| raw ReportLab canvas drawString, same pages and text | {canvas_seconds:.1f} | "
        f"{canvas_cpu:.1f} | {canvas_pages} | | | 1.00 |",
        "",
        "Raw baselines: the text of every page of every stored document (pypdf), written "
        "per document with one Paragraph per line and a page break per page (platypus), "
        "or one drawString per line (canvas); the same embedded font, in one size per "
        "page chosen beforehand so that every line fits; no tables, page "
        "template, numbering pass, storage or database. The app's time includes the "
        "jobs' progress commits, storing each file and its SHA-256; its CPU seconds "
        "include the decision steps before the jobs and the worker processes. On a "
        "machine shared with other work the CPU ratios are the steadier ones. Peak MiB: "
        "the job process's peak RSS (about 110 MiB of it is the app's imports) and the "
        "largest of its worker processes.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--make":
        _make(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 2:
        print(run(Path(sys.argv[1])))
    else:
        sys.exit("usage: bench/documents.py INSTANCE")
