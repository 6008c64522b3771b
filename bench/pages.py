"""Pages at N bids: statements, median and p95, ratio to the bare page, worker CPU.

One gunicorn sync worker serves the scored demo tender; each page is requested
repeatedly by a client logged in as the role that uses it. The bare page
(``/_bench/bare``: one ``SELECT 1``) is measured in the same run, before and after
the pages, and every ratio is to its median.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import requests

from bench.common import Instance, Server, gunicorn, log, login, markdown_table, median, percentile

# Targets of issue 16, as ratios to the bare page.
ORDINARY, LISTS_ALL_BIDS, XLSX = 10, 100, 200


@dataclass(frozen=True)
class Page:
    label: str
    account: str  # local part of the demo account (…@demo.example)
    # With {tender}, {bid} (the provider's own bid) and {number} (the first blind number on
    # the committee home).
    path: str
    target: int  # the ratio to the bare page it should stay under


PAGES = (
    Page("aanbestedingen", "inkoper", "/aanbestedingen/", ORDINARY),
    Page("aanbesteding", "inkoper", "/aanbestedingen/{tender}", ORDINARY),
    Page("opening", "inkoper", "/aanbestedingen/{tender}/opening", ORDINARY),
    Page("toetsing eisen (lijst)", "inkoper", "/aanbestedingen/{tender}/eisen", LISTS_ALL_BIDS),
    Page("voortgang en consensus", "inkoper", "/aanbestedingen/{tender}/voortgang", LISTS_ALL_BIDS),
    Page("gunning", "inkoper", "/aanbestedingen/{tender}/gunning", LISTS_ALL_BIDS),
    Page("gunningsadvies", "inkoper", "/aanbestedingen/{tender}/gunning/advies", LISTS_ALL_BIDS),
    Page("dekking (inkoper)", "inkoper", "/aanbestedingen/{tender}/dekking", LISTS_ALL_BIDS),
    Page("dekking (adviesraad)", "adviesraad", "/aanbestedingen/{tender}/dekking", LISTS_ALL_BIDS),
    Page("export individueel (CSV)", "inkoper",
         "/aanbestedingen/{tender}/export/individueel", LISTS_ALL_BIDS),
    Page("export consensus (CSV)", "inkoper",
         "/aanbestedingen/{tender}/export/consensus", LISTS_ALL_BIDS),
    Page("export uitslag (CSV)", "inkoper", "/aanbestedingen/{tender}/export/uitslag",
         LISTS_ALL_BIDS),
    Page("export (XLSX)", "inkoper", "/aanbestedingen/{tender}/export/xlsx", XLSX),
    Page("logboek (pagina 1)", "inkoper", "/aanbestedingen/{tender}/logboek", ORDINARY),
    Page("commissie thuis", "beoordelaar1", "/beoordelen/{tender}/", LISTS_ALL_BIDS),
    Page("beoordelen 1 inschrijving", "beoordelaar1",
         "/beoordelen/{tender}/inschrijving/{number}", ORDINARY),
    Page("consensus 1 inschrijving", "beoordelaar1",
         "/beoordelen/{tender}/consensus/{number}", ORDINARY),
    Page("gebruikers (beheerder)", "beheerder", "/beheer/gebruikers", ORDINARY),
    Page("aanbieder portaal", "aanbieder1", "/aanbieder", ORDINARY),
    Page("inschrijving overzicht", "aanbieder1", "/inschrijvingen/{bid}", ORDINARY),
    Page("inschrijving dekking", "aanbieder1", "/inschrijvingen/{bid}/dekking", ORDINARY),
    Page("inschrijving eisen", "aanbieder1", "/inschrijvingen/{bid}/eisen", ORDINARY),
    Page("inschrijving logboek", "aanbieder1", "/inschrijvingen/{bid}/logboek", ORDINARY),
)  # fmt: skip


@dataclass
class Measured:
    statements: int
    samples: list[float]  # seconds per request
    cpu_per_request: float  # seconds of worker CPU


def _checked(response: requests.Response, url: str) -> None:
    """The page itself answered: no error, no redirect to another page."""
    response.raise_for_status()
    if response.history or response.url != url:
        raise RuntimeError(f"{url} answered with a redirect to {response.url}")


def measure(
    server: Server,
    client: requests.Session,
    url: str,
    *,
    at_least: int,
    at_most: int,
    budget: float,
) -> Measured:
    """Request ``url`` until ``at_most`` samples or ``budget`` seconds (but ``at_least``)."""
    _checked(client.get(url), url)  # warm up: templates compiled, caches filled
    samples: list[float] = []
    statements = 0
    cpu_before = server.worker_cpu_seconds()
    started = time.monotonic()
    while len(samples) < at_most and (
        len(samples) < at_least or time.monotonic() - started < budget
    ):
        begin = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - begin)
        _checked(response, url)
        statements = int(response.headers["X-Bench-Statements"])
    cpu = (server.worker_cpu_seconds() - cpu_before) / len(samples)
    return Measured(statements=statements, samples=samples, cpu_per_request=cpu)


def _ids(server: Server, clients: dict[str, requests.Session]) -> dict[str, int]:
    tenders = clients["inkoper"].get(f"{server.url}/aanbestedingen/").text
    portal = clients["aanbieder1"].get(f"{server.url}/aanbieder").text
    tender = int(re.findall(r"/aanbestedingen/(\d+)", tenders)[0])
    committee = clients["beoordelaar1"].get(f"{server.url}/beoordelen/{tender}/").text
    return {
        "tender": tender,
        "bid": int(re.findall(r"/inschrijvingen/(\d+)", portal)[0]),
        "number": int(re.findall(rf"/beoordelen/{tender}/inschrijving/(\d+)", committee)[0]),
    }


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}".replace(",", " ")


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}x".replace(",", " ")


def run(instance: Instance, *, bids: int, samples: int = 40, bare_samples: int = 300) -> str:
    """The Markdown section with one row per page: at most ``samples`` requests or 20 s
    of requests per page (at least 5), ``bare_samples`` of the bare page before and after."""
    with gunicorn(instance, workers=1) as server:
        clients = {
            account: login(server.url, f"{account}@demo.example",
                           instance.credentials[f"{account}@demo.example"])
            for account in sorted({page.account for page in PAGES})
        }  # fmt: skip
        ids = _ids(server, clients)
        bare_url = f"{server.url}/_bench/bare"
        bare = measure(server, clients["inkoper"], bare_url, at_least=bare_samples,
                       at_most=bare_samples, budget=0)  # fmt: skip
        rows, missed = [], []
        for page in PAGES:
            url = server.url + page.path.format(**ids)
            result = measure(server, clients[page.account], url, at_least=min(5, samples),
                             at_most=samples, budget=20)  # fmt: skip
            log(f"{page.label}: {median(result.samples) * 1000:.1f} ms")
            rows.append((page, result))
        bare_after = measure(server, clients["inkoper"], bare_url, at_least=bare_samples,
                             at_most=bare_samples, budget=0)  # fmt: skip
    baseline = bare.samples + bare_after.samples
    base = median(baseline)
    bare_cpu = (bare.cpu_per_request + bare_after.cpu_per_request) / 2
    table = []
    for page, result in rows:
        ratio = median(result.samples) / base
        if ratio > page.target:
            missed.append(page.label)
        table.append([
            page.label, f"`{page.path}`", str(result.statements), _ms(median(result.samples)),
            _ms(percentile(result.samples, 0.95)), _times(ratio),
            f"<= {page.target}x", "yes" if ratio <= page.target else "**no**",
            _ms(result.cpu_per_request),
            _times(result.cpu_per_request / bare_cpu) if bare_cpu else "n/a",
        ])  # fmt: skip
    header = ["page", "path", "statements", "median ms", "p95 ms", "x bare", "target", "met",
              "worker CPU ms/request", "CPU x bare"]  # fmt: skip
    lines = [
        f"## Pages at {bids} bids",
        "",
        f"One gunicorn sync worker; database: {instance.database_url or 'SQLite'}. The bare page "
        f"(`/_bench/bare`, one `SELECT 1`): median {_ms(base)} ms, p95 "
        f"{_ms(percentile(baseline, 0.95))} ms over {len(baseline)} requests (before and "
        f"after the pages), worker CPU {_ms(bare_cpu)} ms per request. Worker CPU is averaged "
        'over all requests of a row; statements are those of the last request. "x bare" '
        '(the target) divides medians; "CPU x bare" divides worker CPU, which depends less '
        "on what else the machine runs.",
        "",
        markdown_table(header, table),
        "",
        "Targets missed: " + (", ".join(missed) if missed else "none") + ".",
    ]
    return "\n".join(lines)
