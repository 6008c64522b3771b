"""What every part of the benchmark needs: a demo instance, gunicorn, a logged-in client.

Linux only: the CPU time of a gunicorn worker is read from ``/proc``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CREDENTIAL_LINE = re.compile(r"^\s+(\S+)\s+(\S+@demo\.example)\s+(\S+)\s*$", re.MULTILINE)
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Instance:
    """An instance folder with a demo tender, and the database it uses."""

    path: Path
    database_url: str | None  # None: the SQLite file in the instance folder
    credentials: dict[str, str] = field(default_factory=dict)  # e-mail -> password

    def env(self) -> dict[str, str]:
        env = dict(os.environ, TENDER_INSTANCE_PATH=str(self.path))
        env.pop("DATABASE_URL", None)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def flask(self, *args: str) -> str:
        """Run ``flask --app tender ARGS`` on this instance; its standard output."""
        done = subprocess.run(
            [str(VENV_BIN / "flask"), "--app", "tender", *args],
            env=self.env(), cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout


def demo_instance(
    path: Path, *, bids: int, phase: str, database_url: str | None, reuse: bool = False
) -> Instance:
    """The Lekstroom demo tender with ``bids`` bids at ``phase``, made by ``flask demo``.

    With ``reuse``, a tender this function made earlier in ``path`` with the same bids,
    phase and database is used again (after ``flask db upgrade``) instead of rebuilt.
    """
    path.mkdir(parents=True, exist_ok=True)
    instance = Instance(path=path, database_url=database_url)
    made = path / "bench-demo.json"
    what = {"bids": bids, "phase": phase, "database_url": database_url}
    if reuse and made.exists():
        earlier = json.loads(made.read_text())
        if earlier["what"] == what:
            instance.flask("db", "upgrade")
            instance.credentials = earlier["credentials"]
            log(f"reusing the demo tender in {path}")
            return instance
    if database_url:
        reset_postgres(database_url)
    started = time.monotonic()
    output = instance.flask("demo", "--bids", str(bids), "--phase", phase)
    found = CREDENTIAL_LINE.findall(output)
    instance.credentials = {email: password for _, email, password in found}
    if database_url:
        vacuum_analyze(database_url)
    made.write_text(json.dumps({"what": what, "credentials": instance.credentials}))
    log(f"demo tender with {bids} bids ({phase}) in {time.monotonic() - started:.0f} s")
    return instance


def reset_postgres(url: str) -> None:
    """Drop and create the database of ``url`` (a benchmark database, never a real one)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def vacuum_analyze(url: str) -> None:
    """Planner statistics and visibility map after the bulk load, as autovacuum would
    make them on a database in use (without them PostgreSQL plans for a few rows per
    table and cannot answer from an index alone)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM (ANALYZE)"))
    engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def worker_cpu_seconds(self) -> float:
        """User and system CPU time of all workers so far."""
        total = 0
        for pid in self.worker_pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / CLOCK_TICKS


@contextmanager
def gunicorn(instance: Instance, *, workers: int = 1, threads: int = 1) -> Iterator[Server]:
    """The app with bench/wsgi.py's endpoints under gunicorn, until the block ends."""
    port = free_port()
    command = [
        str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--threads", str(threads),
        "--bind", f"127.0.0.1:{port}", "--timeout", "300", "--log-level", "warning",
        "bench.wsgi:app",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=instance.env(), cwd=ROOT)
    server = Server(url=f"http://127.0.0.1:{port}", process=process)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{server.url}/_bench/bare", timeout=5).ok:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or the workers are still importing the app
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        while len(server.worker_pids()) < workers:
            time.sleep(0.1)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def login(base_url: str, email: str, password: str) -> requests.Session:
    """A session logged in through the login form, as a browser does it."""
    client = requests.Session()
    page = client.get(f"{base_url}/inloggen")
    token = CSRF_FIELD.search(page.text)
    if token is None:
        raise RuntimeError("no CSRF token on the login page")
    answer = client.post(
        f"{base_url}/inloggen",
        data={"csrf_token": token.group(1), "email": email, "password": password},
    )
    if "/inloggen" in answer.url:
        raise RuntimeError(f"login failed for {email}")
    return client


def percentile(samples: list[float], fraction: float) -> float:
    """The nearest-rank percentile (0 < fraction <= 1)."""
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
