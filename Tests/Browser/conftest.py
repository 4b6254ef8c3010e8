"""Fixtures of the console's browser tests (issue 17): the processes (`mislink_stack.Stack`), Chromium through
Playwright, signed webhooks, sign-in, screenshots, and the worker's and emulator's logs on a failure.

Run through `scripts/test-browser` (it makes the venv, builds `mislink` and sets MISLINK_BIN). Screenshots of each
screen go to `.build/browser-screens/` (MISLINK_BROWSER_SCREENS overrides it).
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

import mislink_stack as ms

SCREENS = Path(os.environ.get("MISLINK_BROWSER_SCREENS", ms.REPO / ".build" / "browser-screens"))
CARD_BUDGET_MS = float(os.environ.get("MISLINK_CARD_BUDGET_MS", "300"))

expect.set_options(timeout=10_000)


# MARK: - Processes


@pytest.fixture(scope="session")
def stack():
    binary = Path(os.environ.get("MISLINK_BIN", ms.REPO / ".build" / "debug" / "mislink"))
    if not binary.exists():
        pytest.exit(f"{binary} is missing: run scripts/test-browser (it builds mislink)", returncode=2)
    root = Path(tempfile.mkdtemp(prefix="mislink-browser-", dir=os.environ.get("FIREBIRD_TEST_DIR") or None))
    stack = ms.Stack(root=root, mislink=binary, patients=int(os.environ.get("MISLINK_BROWSER_PATIENTS", "2000")))
    pytest_stack_holder.append(stack)
    atexit.register(stack.stop)  # also when the run is cut short (scripts/test-browser's timeout sends SIGTERM)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        stack.start()
    except Exception:
        stack.stop()
        raise
    yield stack
    stack.stop()
    if os.environ.get("MISLINK_BROWSER_KEEP"):
        print(f"\nthe browser tests' folder is kept: {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)


pytest_stack_holder: list = []  # for the failure hook, which has no fixture access


@pytest.fixture(scope="session")
def api(stack) -> ms.API:
    """The REST API as a machine client (bearer token): sees everything."""
    return stack.api


@pytest.fixture(scope="session")
def operators(stack) -> dict:
    return stack.operators


# MARK: - Calls and chats


@pytest.fixture
def calls(stack):
    """Makes inbound calls (`calls.new(client)`); any left ringing are hung up after the test, so no card stays open."""

    class Calls:
        def __init__(self):
            self.made: list[ms.Call] = []

        def new(self, client: str = ms.FAMILY_NUMBER) -> ms.Call:
            call = ms.Call(stack.mango, client)
            self.made.append(call)
            return call

    made = Calls()
    yield made
    for call in made.made:
        try:
            call.hang_up()
        except Exception:
            pass


# MARK: - Browser


@pytest.fixture(scope="session")
def browser(stack):
    # After the stack: every process is spawned before Playwright runs its driver and event loop in this process
    # (one early run hung in the first spawn with the driver started before it).
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("MISLINK_CHROMIUM", "/usr/bin/chromium"), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def context(browser, stack):
    context = browser.new_context(base_url=stack.base, locale="ru-RU", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context, request) -> Page:
    page = context.new_page()
    console_lines: list[str] = []
    page.on("console", lambda message: console_lines.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console_lines.append(f"pageerror: {error}"))
    request.node.browser_console = console_lines
    yield page
    # The last state of every test's page, whatever happened.
    shot(page, f"{request.node.name}-end")


def shot(page: Page, name: str) -> Path:
    """A screenshot of the whole page into .build/browser-screens/<name>.png."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / (re.sub(r"[^A-Za-z0-9_.-]+", "-", name) + ".png")
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception:
        pass
    return path


@pytest.fixture
def screens():
    return shot


# MARK: - Sign-in


def sign_in_ui(page: Page, login: str, password: str = ms.PASSWORD) -> None:
    """Signs in through the console's form and waits for the navigation."""
    page.goto("/console/")
    page.get_by_test_id("login-form").wait_for()
    page.get_by_test_id("login-user").fill(login)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("nav-calls")).to_be_visible()


def sign_in_api(page: Page, login: str, password: str = ms.PASSWORD, route: str = "") -> dict:
    """Signs in through `POST /api/v1/session` in the page's browser context (the cookie lands in it), then opens
    the console; returns the session body (operator, csrf_token)."""
    answer = page.context.request.post("/api/v1/session", data={"login": login, "password": password})
    assert answer.status == 200, f"sign-in as {login}: {answer.status} {answer.text()}"
    page.goto("/console/" + route)
    expect(page.get_by_test_id("nav-calls")).to_be_visible()
    return answer.json()


@pytest.fixture
def operator_page(page, operators) -> Page:
    """The console signed in as operator1 (extension 101)."""
    page.session = sign_in_api(page, "operator1")
    return page


# MARK: - Cards


def card_for(page: Page, api: ms.API, call: ms.Call):
    """The `incoming-card` of a call (by its MisLink id, read from the call log)."""
    item = api.call_for_entry(call.entry_id, call.client)
    return page.locator(f'[data-testid="incoming-card"][data-call-id="{item["id"]}"]'), item


def card_shown_at(page: Page, call_id: int, timeout: float = 10) -> float:
    """`window.__mislinkCardShown[call_id]` (ms since the epoch), waiting for the page to record it."""
    page.wait_for_function(
        "id => window.__mislinkCardShown && window.__mislinkCardShown[id] !== undefined", arg=call_id,
        timeout=timeout * 1000)
    return page.evaluate("id => window.__mislinkCardShown[id]", call_id)


# MARK: - Logs on failure


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "setup" and report.passed:
        item.log_offsets = {p.name: p.log.stat().st_size if p.log.exists() else 0
                            for s in pytest_stack_holder for p in s.processes}
    if not report.failed:
        return
    offsets = getattr(item, "log_offsets", {})
    for stack in pytest_stack_holder:
        for process in stack.processes:
            if process.name == "worker-create" and offsets:
                continue  # the database was built: its log matters only when the start failed
            text = ms.tail(process.log, lines=150, start=offsets.get(process.name, 0))
            title = f"{process.name} log since the test started ({process.log})"
            if not text.strip():
                text = ms.tail(process.log, lines=30)
                title = f"{process.name} log: nothing during the test; its last lines ({process.log})"
            if text.strip():
                report.sections.append((title, text))
    console_lines = getattr(item, "browser_console", None)
    if console_lines:
        report.sections.append(("browser console", "\n".join(console_lines[-100:])))


def pytest_terminal_summary(terminalreporter):
    if SCREENS.exists():
        terminalreporter.write_line(f"screenshots of each screen: {SCREENS}/")
