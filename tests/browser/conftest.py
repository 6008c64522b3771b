"""Browser harness: the real app over HTTP, driven by Chromium, every page scanned by axe-core.

- ``live_server``: the app with CSRF protection on, served by werkzeug in a
  thread, on the same databases as the other tests (``database_url``).
- ``demo``: the demo instance (``tender.demo.build``) in that database, with the
  credentials per role.
- ``page``: a fresh browser context and page per test. It records every page
  the browser lands on; the test scans each one with ``check_a11y()`` (or opens
  it with ``visit(path)``, which scans), and a page that was shown but never
  scanned fails the test at teardown.

Chromium is Debian's (``/usr/bin/chromium``, or ``CHROMIUM_PATH``). Without it
the browser tests are skipped, except under CI, where they fail.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, Frame, Page, expect, sync_playwright
from werkzeug.serving import make_server

from tender import clock, create_app
from tests.browser.demo_scenes import DemoData, built_demo
from tests.conftest import _empty_all_tables

LogIn = Callable[[str, str], None]

HERE = Path(__file__).resolve().parent
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


_CALL_FAILED = pytest.StashKey[bool]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test, without each module having to say so."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    report: pytest.TestReport = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


# -- the browser ---------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM_PATH).is_file():
        message = (
            f"Chromium not found at {CHROMIUM_PATH} (install Debian's 'chromium' package "
            "or set CHROMIUM_PATH)"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{message}; browser tests cannot be skipped under CI.", pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


# -- the app under test ----------------------------------------------------------


@pytest.fixture
def live_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app as deployed: CSRF protection on (unlike the ``app`` fixture)."""
    application = create_app(
        {
            "DATABASE_URL": database_url,
            "WTF_CSRF_ENABLED": True,
            "CRITERIA_DIR": str(HERE.parent.parent / "criteria"),
        },
        instance_path=str(tmp_path / "instance"),
    )
    yield application
    application.extensions["tender.engine"].dispose()
    clock.set_clock(None)
    _empty_all_tables(database_url)


@pytest.fixture
def live_server(live_app: Flask) -> Iterator[str]:
    """Base URL (no trailing slash) of the app served over HTTP in a background thread."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def demo(live_app: Flask) -> DemoData:
    with built_demo(live_app, bids=0) as (_session, _result, data):
        return data


# -- pages, each scanned by axe-core ----------------------------------------------


@dataclass
class Shown:
    """A document the browser displayed, and whether axe has scanned it."""

    url: str
    scanned: bool = False


@dataclass
class NavigationLog:
    shown: list[Shown] = field(default_factory=list)

    def navigated(self, url: str) -> None:
        if url == "about:blank":
            return
        previous = self.shown[-1].url if self.shown else None
        # A jump to an anchor (the skip link) is the same document, not a new page.
        if previous and urldefrag(url).fragment and urldefrag(url).url == urldefrag(previous).url:
            return
        self.shown.append(Shown(url))

    def unscanned(self) -> list[str]:
        return [entry.url for entry in self.shown if not entry.scanned]


_AXE = Axe()


def format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe-core found {len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f"\n    {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}: {node['html'][:200]}")
    return "\n".join(lines)


@pytest.fixture
def navigation_log() -> NavigationLog:
    return NavigationLog()


@pytest.fixture
def page(
    browser: Browser,
    live_server: str,
    navigation_log: NavigationLog,
    request: pytest.FixtureRequest,
) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server, locale="nl-NL")
    context.set_default_timeout(10_000)
    browser_page = context.new_page()

    def on_navigated(frame: Frame) -> None:
        if frame == browser_page.main_frame:
            navigation_log.navigated(frame.url)

    browser_page.on("framenavigated", on_navigated)
    yield browser_page
    context.close()
    if request.node.stash.get(_CALL_FAILED, False):
        return
    if unscanned := navigation_log.unscanned():
        pytest.fail(
            "Pages shown but not scanned for accessibility (call check_a11y() after every "
            "navigation, or use visit()):\n  " + "\n  ".join(unscanned),
            pytrace=False,
        )


@pytest.fixture
def check_a11y(page: Page, navigation_log: NavigationLog) -> Callable[[], None]:
    """Scan the page now shown with axe-core; any violation fails the test."""

    def check() -> None:
        page.wait_for_load_state("load")
        results = _AXE.run(page)
        if navigation_log.shown:
            navigation_log.shown[-1].scanned = True
        if violations := results.response["violations"]:
            pytest.fail(format_violations(page.url, violations))

    return check


@pytest.fixture
def visit(page: Page, check_a11y: Callable[[], None]) -> Callable[[str], None]:
    """Open a path of the live server and scan it."""

    def go(path: str) -> None:
        page.goto(path)
        check_a11y()

    return go


@pytest.fixture
def log_in(page: Page, visit: Callable[[str], None], check_a11y: Callable[[], None]) -> LogIn:
    """Log in through the login form, as a person would."""

    def go(email: str, password: str) -> None:
        visit("/inloggen")
        page.get_by_label("E-mailadres").fill(email)
        page.get_by_label(re.compile(r"^Wachtwoord")).fill(password)
        page.get_by_role("button", name="Inloggen").click()
        check_a11y()

    return go


@pytest.fixture
def log_out(page: Page, check_a11y: Callable[[], None]) -> Callable[[], None]:
    def go() -> None:
        page.get_by_role("button", name="Uitloggen", exact=True).click()
        check_a11y()
        expect(page.get_by_role("status")).to_contain_text("U bent uitgelogd.")

    return go
