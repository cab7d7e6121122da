"""A real headless browser on the e2e stack's admin console: Debian's Chromium (`/usr/bin/chromium`, which
`make test` installs when missing) driven by Playwright for Python.

- `launch`: Chromium for a test module; `ConsoleTabs.open(...)` opens a new tab on the console, signed in.
- Every answer the browser receives from the stack's gateway is added to the e2e capture when its tab
  closes, so the secrets check that runs after the e2e tests (`test_secrets_never_leak.py`) reads the
  console's traffic too; every request is kept for the tests' own checks (no API key in a URL).
- A tab records the dialogs that opened (none may: an `alert` would mean a string ran as code), uncaught
  page errors, and the console's error messages.
- Screenshots go to `docs/admin/` (`screenshot`), where `docs/admin-console.md` shows them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Playwright, Request

from tests.e2e.conftest import API_KEY, REPO_ROOT, E2eCapture, RunningStack

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
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
SCREENSHOTS = REPO_ROOT / "docs" / "admin"
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}
# The page's own calls take a few seconds at most (a test connection, a send); a miss is a failure.
TIMEOUT_MS = 20_000


@dataclass
class ConsoleTab:
    page: Page
    stack: RunningStack
    requests: list[Request] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def record(self, request: Request) -> None:
        self.requests.append(request)

    def api_requests(self) -> list[Request]:
        """The page's calls to the API (not the page and its assets)."""
        return [
            request
            for request in self.requests
            if request.url.startswith(self.stack.url) and "/admin" not in request.url.split("?", 1)[0]
        ]

    def answers(self) -> list[str]:
        """Each answer from the gateway as the capture keeps them: status, URL, headers, body."""
        recorded = []
        for request in self.requests:
            if not request.url.startswith(self.stack.url):
                continue
            response = request.response()
            if response is None:
                continue
            try:
                body = response.text()
            except Exception:  # a body the browser no longer holds (the page's own files)
                body = ""
            headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
            recorded.append(f"{response.status} {request.url}\n{headers}\n\n{body}")
        return recorded


def launch(playwright: Playwright) -> Browser:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `make test` installs Debian's chromium package"
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


class ConsoleTabs:
    """Opens console tabs and hands their traffic to the e2e capture when they close."""

    def __init__(self, browser: Browser, stack: RunningStack, capture: E2eCapture) -> None:
        self._browser = browser
        self._stack = stack
        self._capture = capture
        self._open: list[ConsoleTab] = []

    def open(
        self, *, path: str = "/admin", viewport: dict[str, int] = WIDE, sign_in: bool = True
    ) -> ConsoleTab:
        context = self._browser.new_context(viewport=viewport, locale="en-GB", timezone_id="UTC")
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=self._stack.url)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        tab = ConsoleTab(page, self._stack)
        page.on("request", tab.record)
        page.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: tab.page_errors.append(str(error)))
        page.on("console", lambda message: _console(tab, message.type, message.text))
        self._open.append(tab)
        page.goto(f"{self._stack.url}{path}")
        if sign_in:
            sign_in_with(page, API_KEY)
            page.locator("#list-screen").wait_for()
        return tab

    def close_all(self) -> None:
        for tab in self._open:
            self._capture.answers.extend(tab.answers())
            tab.page.context.close()
        self._open.clear()


def _console(tab: ConsoleTab, kind: str, text: str) -> None:
    # The browser reports every 4xx answer as an error ("Failed to load resource"); the page asks for some
    # on purpose (is an integration id free? 404). Script errors are what counts.
    if kind == "error" and not text.startswith("Failed to load resource"):
        tab.console_errors.append(text)


def sign_in_with(page: Page, key: str) -> None:
    page.get_by_label("API key", exact=True).fill(key)
    page.get_by_role("button", name="Continue").click()


def screenshot(page: Page, name: str) -> Path:
    """A PNG of the whole page for the docs (docs/admin/<name>.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # The page as it rests: no focus ring, no passing notice floating over the full-page capture.
    page.evaluate(
        "document.activeElement && document.activeElement.blur(); document.getElementById('notice').hidden = true"
    )
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    return path


def idle(page: Page) -> None:
    """Wait until no call of the page is running (its busy indicator is hidden)."""
    page.locator("#busy").wait_for(state="hidden")


def no_horizontal_scroll(page: Page) -> bool:
    width: Any = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    return bool(width)
