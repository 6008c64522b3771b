"""The deadline rush: 300 providers submitting in the last minute, through gunicorn.

The demo tender is built on PostgreSQL with 300 complete bids (each submitted once
by the demo), every provider gets a password set through the account service, and
the app runs under gunicorn with 4 workers. Then:

1. all providers log in through the login form, one after the other over
   ``LOGIN_SECONDS`` (login latency);
2. sustained throughput: ``SUSTAINED_CLIENTS`` providers resubmit through the real
   submit form (CSRF token, confirmation box) as fast as they can for
   ``SUSTAINED_SECONDS``; then as many clients POST the bare insert endpoint
   (``/_bench/insert``: one row, one commit) for as long; the ratio of the two
   request rates is the target of issue 16 (>= 25%);
3. the rush: the deadline is moved to about a minute ahead (a direct update of the
   tender's schedule, standing in for a clock that runs to it), every provider
   opens its bid and submits at a random moment in the last minute, a third submit
   once more, and after the deadline a fifth try again and must be refused.

The report compares what the clients saw with what the database holds: a
submission accepted by HTTP without its version in the database, or a version
received in the rush that no client saw, is *lost*.

Standalone: ``.venv/bin/python -m bench.rush [--database-url URL]``.
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from bench.common import (
    CSRF_FIELD,
    Instance,
    Server,
    demo_instance,
    gunicorn,
    log,
    login,
    markdown_table,
    median,
    percentile,
)

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_rush"
PROVIDERS = 300
WORKERS = 4
RUSH_SECONDS = 60  # submissions fall in the last minute before the deadline
LOGIN_SECONDS = 45  # the providers log in one after the other over this time
LAST_SUBMIT_BEFORE = 3  # no client starts a submit later than this before the deadline
RESUBMIT_SHARE = 1 / 3
LATE_SHARE = 1 / 5
SUSTAINED_CLIENTS = 8
SUSTAINED_SECONDS = 10.0
TARGET_RATIO = 0.25
RECEIPT = re.compile(r"/inschrijvingen/(\d+)/ontvangstbevestiging/(\d+)$")


@dataclass
class Provider:
    email: str
    password: str
    bid_id: int
    client: requests.Session | None = None
    token: str = ""


@dataclass
class Attempt:
    bid_id: int
    started: float  # time.time()
    seconds: float
    number: int | None  # the version number the receipt redirect names; None: not accepted
    error: str = ""


@dataclass
class RushLog:
    attempts: list[Attempt] = field(default_factory=list)
    late: list[Attempt] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, attempt: Attempt, *, late: bool) -> None:
        with self.lock:
            (self.late if late else self.attempts).append(attempt)


# --- set-up -----------------------------------------------------------------------


def _prepare(instance: Instance, count: int) -> list[Provider]:
    """Give each demo provider a password (the account service) and find its bid."""
    from sqlalchemy import select

    from tender import create_app
    from tender.accounts import service as accounts
    from tender.accounts.models import User
    from tender.bids.models import Bid
    from tender.db import db_session

    app = create_app({"DATABASE_URL": instance.database_url}, instance_path=str(instance.path))
    providers = []
    started = time.monotonic()
    with app.app_context():
        session = db_session()
        now = datetime.now(UTC)
        for number in range(1, count + 1):
            email = f"aanbieder{number}@demo.example"
            user = session.scalar(select(User).where(User.email == email))
            assert user is not None, email
            password = f"rush-{number}-{random.randrange(10**9):09d}"
            accounts.set_password(session, user=user, password=password, actor=None, now=now)
            bid_id = session.scalar(
                select(Bid.id).where(Bid.organisation_id == user.organisation_id)
            )
            assert bid_id is not None, email
            providers.append(Provider(email=email, password=password, bid_id=bid_id))
        session.commit()
    app.extensions["tender.engine"].dispose()
    log(f"{count} provider passwords set in {time.monotonic() - started:.0f} s")
    return providers


def _move_deadline(instance: Instance, deadline: datetime) -> None:
    """Put the submission deadline at ``deadline`` (and the question deadline before it)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(instance.database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE tender SET submission_deadline = :deadline, "
                "question_deadline = LEAST(question_deadline, :asked)"
            ),
            {
                "deadline": deadline.replace(tzinfo=None),
                "asked": (deadline - timedelta(hours=1)).replace(tzinfo=None),
            },
        )
    engine.dispose()


def _submissions(instance: Instance, since: datetime) -> list[tuple[int, int, datetime]]:
    """(bid id, number, received at) of every submission received at or after ``since``."""
    from sqlalchemy import create_engine, text

    engine = create_engine(instance.database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT bid_id, number, received_at FROM bid_submission WHERE received_at >= :since"
            ),
            {"since": since.replace(tzinfo=None)},
        ).all()
    engine.dispose()
    return [(row[0], row[1], row[2].replace(tzinfo=UTC)) for row in rows]


# --- clients ------------------------------------------------------------------------


def _log_in(server: Server, provider: Provider, at: float) -> float:
    _sleep_until(at)
    started = time.perf_counter()
    provider.client = login(server.url, provider.email, provider.password)
    return time.perf_counter() - started


def _submit_token(server: Server, provider: Provider) -> str:
    """Open the bid's overview (as the provider does before pressing submit): the token."""
    assert provider.client is not None
    page = provider.client.get(f"{server.url}/inschrijvingen/{provider.bid_id}")
    found = CSRF_FIELD.search(page.text)
    if page.status_code != 200 or found is None:
        raise RuntimeError(f"no submit form for bid {provider.bid_id} ({page.status_code})")
    return found.group(1)


def _submit(
    server: Server, provider: Provider, token: str, cookies: dict[str, str] | None = None
) -> Attempt:
    """Press 'Inschrijving indienen': accepted when redirected to the receipt.

    ``cookies`` replaces the session cookie the last answer set: the sustained loop
    sends the one from before its first submit, as a browser that shows the receipt
    (and so takes the flashed message out of the session) does.
    """
    assert provider.client is not None
    started = time.time()
    clock = time.perf_counter()
    try:
        answer = provider.client.post(
            f"{server.url}/inschrijvingen/{provider.bid_id}/indienen",
            data={"csrf_token": token, "understood": "y"},
            cookies=cookies,
            allow_redirects=False,
            timeout=120,
        )
    except requests.RequestException as error:
        return Attempt(provider.bid_id, started, time.perf_counter() - clock, None, repr(error))
    seconds = time.perf_counter() - clock
    found = RECEIPT.search(answer.headers.get("Location", "")) if answer.is_redirect else None
    if found is None or int(found.group(1)) != provider.bid_id:
        return Attempt(provider.bid_id, started, seconds, None, f"HTTP {answer.status_code}")
    return Attempt(provider.bid_id, started, seconds, int(found.group(2)))


def _sleep_until(moment: float) -> None:
    delay = moment - time.time()
    if delay > 0:
        time.sleep(delay)


def _rush_client(
    server: Server, provider: Provider, moments: list[float], late: float | None, log_: RushLog
) -> None:
    for moment in moments:
        _sleep_until(moment)
        try:
            token = _submit_token(server, provider)
        except (RuntimeError, requests.RequestException) as error:
            log_.add(Attempt(provider.bid_id, time.time(), 0.0, None, repr(error)), late=False)
            continue
        log_.add(_submit(server, provider, token), late=False)
    if late is not None:
        _sleep_until(late)
        # The form as it was opened before the deadline: the token is still valid.
        log_.add(_submit(server, provider, provider.token), late=True)


def _sustained(server: Server, providers: list[Provider], seconds: float) -> tuple[float, int, int]:
    """Requests per second of ``providers`` resubmitting in a loop; requests; failures."""
    stop = time.monotonic() + seconds
    counts = [0] * len(providers)
    failures = [0] * len(providers)

    def loop(index: int) -> None:
        provider = providers[index]
        assert provider.client is not None
        cookies = provider.client.cookies.get_dict()
        while time.monotonic() < stop:
            if _submit(server, provider, provider.token, cookies).number is None:
                failures[index] += 1
            counts[index] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(len(providers)) as pool:
        list(pool.map(loop, range(len(providers))))
    return sum(counts) / (time.monotonic() - started), sum(counts), sum(failures)


def _bare_inserts(server: Server, clients: int, seconds: float) -> tuple[float, int]:
    """Requests per second of ``clients`` POSTing the bare insert endpoint in a loop;
    requests."""
    stop = time.monotonic() + seconds
    counts = [0] * clients

    def loop(index: int) -> None:
        with requests.Session() as client:
            while time.monotonic() < stop:
                answer = client.post(f"{server.url}/_bench/insert", data=f"client {index}")
                answer.raise_for_status()
                counts[index] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(loop, range(clients)))
    return sum(counts) / (time.monotonic() - started), sum(counts)


# --- the run ------------------------------------------------------------------------


def run(
    database_url: str = DEFAULT_DATABASE_URL,
    *,
    providers: int = PROVIDERS,
    sustained_clients: int = SUSTAINED_CLIENTS,
    sustained_seconds: float = SUSTAINED_SECONDS,
    rush_seconds: int = RUSH_SECONDS,
    seed: int = 16,
) -> str:
    """Build, serve and rush the demo tender; the Markdown section of the results."""
    generator = random.Random(seed)
    login_gap = LOGIN_SECONDS / providers
    with tempfile.TemporaryDirectory(prefix="bench-rush-") as folder:
        instance = demo_instance(
            Path(folder), bids=providers, phase="submitted", database_url=database_url
        )
        people = _prepare(instance, providers)
        with gunicorn(instance, workers=WORKERS) as server:
            # Providers log in before the rush, spread over LOGIN_SECONDS (not all at
            # once: a burst of 300 scrypt checks on 4 workers only measures a queue).
            started = time.time()
            with ThreadPoolExecutor(providers) as pool:
                login_seconds = list(
                    pool.map(
                        lambda i: _log_in(server, people[i], started + i * login_gap),
                        range(providers),
                    )
                )
            log(f"{providers} logins in {time.time() - started:.1f} s")
            with ThreadPoolExecutor(32) as pool:
                tokens = list(pool.map(lambda p: _submit_token(server, p), people))
            for person, token in zip(people, tokens, strict=True):
                person.token = token

            clients = people[:sustained_clients]
            cpu = server.worker_cpu_seconds()
            submit_rate, submits, sustained_failures = _sustained(
                server, clients, sustained_seconds
            )
            submit_cpu = (server.worker_cpu_seconds() - cpu) / submits
            cpu = server.worker_cpu_seconds()
            insert_rate, inserts = _bare_inserts(server, sustained_clients, sustained_seconds)
            insert_cpu = (server.worker_cpu_seconds() - cpu) / inserts
            log(f"sustained: {submit_rate:.1f} submits/s, {insert_rate:.1f} bare inserts/s")

            # The rush: the deadline a minute (and the time to start 300 threads) ahead.
            rush_start = datetime.now(UTC)
            deadline = (rush_start + timedelta(seconds=rush_seconds + 5)).replace(microsecond=0)
            _move_deadline(instance, deadline)
            first = deadline.timestamp() - rush_seconds
            last = deadline.timestamp() - LAST_SUBMIT_BEFORE
            plans = []
            for person in people:
                moments = sorted(
                    generator.uniform(first, last)
                    for _ in range(2 if generator.random() < RESUBMIT_SHARE else 1)
                )
                late = (
                    deadline.timestamp() + generator.uniform(0.5, 5.0)
                    if generator.random() < LATE_SHARE
                    else None
                )
                plans.append((person, moments, late))
            log(f"rush: deadline {deadline:%H:%M:%S} UTC, {providers} providers submitting")
            rush_log = RushLog()
            with ThreadPoolExecutor(providers) as pool:
                futures = [
                    pool.submit(_rush_client, server, person, moments, late, rush_log)
                    for person, moments, late in plans
                ]
                for future in futures:
                    future.result()
        received = _submissions(instance, rush_start)
    return _report(
        rush_log,
        received,
        deadline=deadline,
        providers=providers,
        login_seconds=login_seconds,
        submit_rate=submit_rate,
        insert_rate=insert_rate,
        worker_cpu=(submit_cpu, insert_cpu),
        sustained_clients=sustained_clients,
        sustained_seconds=sustained_seconds,
        sustained_failures=sustained_failures,
    )


def _report(
    rush_log: RushLog,
    received: list[tuple[int, int, datetime]],
    *,
    deadline: datetime,
    providers: int,
    login_seconds: list[float],
    submit_rate: float,
    insert_rate: float,
    worker_cpu: tuple[float, float],
    sustained_clients: int,
    sustained_seconds: float,
    sustained_failures: int,
) -> str:
    attempts = rush_log.attempts
    accepted = [a for a in attempts if a.number is not None]
    seen = Counter((a.bid_id, a.number) for a in accepted)
    stored = Counter((bid_id, number) for bid_id, number, _ in received)
    lost = sum(1 for key in seen if key not in stored) + sum(1 for key in stored if key not in seen)
    duplicates = sum(n - 1 for n in seen.values() if n > 1) + sum(
        n - 1 for n in stored.values() if n > 1
    )
    after_deadline = [r for r in received if r[2] >= deadline]
    late_accepted = [a for a in rush_log.late if a.number is not None]
    held = not after_deadline and not late_accepted
    latencies = [a.seconds for a in accepted] or [0.0]
    ratio = submit_rate / insert_rate if insert_rate else 0.0
    # A submit started before the deadline but answered after it may have reached the
    # server too late: refused by the deadline, not a failure of the server.
    refused = [a for a in attempts if a.number is None]
    overtaken = [a for a in refused if a.started + a.seconds >= deadline.timestamp()]
    failed = [a for a in refused if a not in overtaken]
    errors = Counter(a.error for a in failed)
    rows = [
        ["providers (gunicorn workers)", f"{providers} ({WORKERS})"],
        ["submissions attempted in the last minute", str(len(attempts))],
        ["accepted", str(len(accepted))],
        ["failed", str(len(failed))],
        ["not accepted, answered after the deadline (in flight at it)", str(len(overtaken))],
        ["lost", str(lost)],
        ["duplicates", str(duplicates)],
        ["submit p50 / p95", f"{median(latencies):.3f} s / {percentile(latencies, 0.95):.3f} s"],
        [
            "deadline held",
            f"{'yes' if held else 'NO'}: {len(rush_log.late)} tries after it, "
            f"{len(late_accepted)} accepted, {len(after_deadline)} versions received after it",
        ],
        [
            "login p50 / p95",
            f"{median(login_seconds):.3f} s / {percentile(login_seconds, 0.95):.3f} s",
        ],
        [
            f"sustained resubmission ({sustained_clients} clients, {sustained_seconds:.0f} s)",
            f"{submit_rate:.1f} requests/s ({sustained_failures} failed), "
            f"worker CPU {worker_cpu[0] * 1000:.1f} ms per request",
        ],
        [
            f"bare insert ({sustained_clients} clients, same gunicorn)",
            f"{insert_rate:.1f} requests/s, worker CPU {worker_cpu[1] * 1000:.1f} ms per request",
        ],
        [
            "resubmission / bare insert",
            f"{ratio:.1%} (target >= {TARGET_RATIO:.0%}: "
            f"{'met' if ratio >= TARGET_RATIO else 'MISSED'})",
        ],
    ]
    lines = [
        "## Deadline rush",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, PostgreSQL, gunicorn "
        f"{WORKERS} sync workers.",
        "",
        markdown_table(["", "result"], rows),
    ]
    if errors:
        lines += ["", "Failures: " + ", ".join(f"{n}x {e}" for e, n in errors.most_common())]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--providers", type=int, default=PROVIDERS)
    parser.add_argument("--clients", type=int, default=SUSTAINED_CLIENTS)
    parser.add_argument("--seconds", type=float, default=SUSTAINED_SECONDS)
    parser.add_argument("--rush-seconds", type=int, default=RUSH_SECONDS)
    arguments = parser.parse_args()
    print(
        run(
            arguments.database_url,
            providers=arguments.providers,
            sustained_clients=arguments.clients,
            sustained_seconds=arguments.seconds,
            rush_seconds=arguments.rush_seconds,
        )
    )


if __name__ == "__main__":
    main()
