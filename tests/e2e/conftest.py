"""The browser-journey harness: a live server, real SMTP to a local test server, real Chromium.

- ``live_server`` (pytest-django) serves the portal, static files included, against the
  transactional test database: what a journey writes is committed and visible to the test.
- ``smtp``: an aiosmtpd server on a free localhost port. The portal's SMTP backend delivers to
  it (Celery runs eagerly in tests, so mail goes out when the transaction commits), and
  ``smtp.wait_for_link(to=..., pattern=...)`` returns the link a person would click.
- ``page``: a fresh Playwright page (sync API) in Debian's Chromium for each test, whose URLs are
  relative to the live server. On failure a screenshot is saved under test-results/; a static
  file that fails to load fails the test.

Every test module here sets ``pytestmark = pytest.mark.e2e``.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings as django_settings
from playwright.sync_api import Browser, Page, Response, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEFAULT_TIMEOUT_MS = 10_000
MAIL_TIMEOUT_SECONDS = 15.0
SCREENSHOTS = Path(django_settings.BASE_DIR) / "test-results"

expect.set_options(timeout=DEFAULT_TIMEOUT_MS)

_call_report = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    report: pytest.TestReport = yield
    if report.when == "call":
        item.stash[_call_report] = report
    return report


# --- Email over real SMTP ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedEmail:
    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain",))
        return body.get_content() if body is not None else ""  # type: ignore[attr-defined]

    @property
    def html(self) -> str:
        body = self.message.get_body(preferencelist=("html",))
        return body.get_content() if body is not None else ""  # type: ignore[attr-defined]

    @property
    def links(self) -> list[str]:
        return re.findall(r"https?://[^\s<>\"']+", self.text)


class SmtpInbox:
    """Collects every message the SMTP test server receives (aiosmtpd handler)."""

    def __init__(self) -> None:
        self._messages: list[ReceivedEmail] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        message = BytesParser(policy=policy.default).parsebytes(content)
        recipients = tuple(address.lower() for address in envelope.rcpt_tos)
        with self._lock:
            self._messages.append(ReceivedEmail(recipients=recipients, message=message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[ReceivedEmail]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def to(self, address: str) -> list[ReceivedEmail]:
        """Messages received so far for ``address``, oldest first."""
        return [received for received in self.messages if address.lower() in received.recipients]

    def wait_for(
        self, *, to: str, subject: str | None = None, timeout: float = MAIL_TIMEOUT_SECONDS
    ) -> ReceivedEmail:
        """The newest message to ``to`` (whose subject matches the regex ``subject``, if given),
        waiting for it up to ``timeout`` seconds."""
        return self._poll(
            lambda: next(
                (
                    received
                    for received in reversed(self.to(to))
                    if subject is None or re.search(subject, received.subject)
                ),
                None,
            ),
            timeout=timeout,
            waiting_for=f"an email to {to}" + (f" with subject /{subject}/" if subject else ""),
        )

    def wait_for_link(self, *, to: str, pattern: str, timeout: float = MAIL_TIMEOUT_SECONDS) -> str:
        """The first link matching the regex ``pattern`` in the newest message to ``to`` that has
        one, waiting for it up to ``timeout`` seconds."""
        return self._poll(
            lambda: next(
                (
                    link
                    for received in reversed(self.to(to))
                    for link in received.links
                    if re.search(pattern, link)
                ),
                None,
            ),
            timeout=timeout,
            waiting_for=f"a link matching /{pattern}/ in an email to {to}",
        )

    def _poll(self, find: Any, *, timeout: float, waiting_for: str) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            found = find()
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                received = [(received.recipients, received.subject) for received in self.messages]
                raise AssertionError(f"No {waiting_for} within {timeout:.0f}s; received: {received}")
            time.sleep(0.05)


def _free_localhost_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[SmtpInbox, int]]:
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_localhost_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture
def smtp(smtp_server: tuple[SmtpInbox, int], settings: Any) -> SmtpInbox:
    """The portal sends its email over SMTP to the test server; starts empty for each test."""
    inbox, port = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    inbox.clear()
    return inbox


# --- The live server --------------------------------------------------------------------------


@pytest.fixture
def portal(live_server: Any, transactional_db: None, settings: Any, smtp: SmtpInbox) -> Any:
    """The live server, configured as a deployment would be: emails link to its address."""
    settings.SITE_URL = live_server.url
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.DEBUG = False
    return live_server


# --- The browser ------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    # Playwright's sync API keeps an asyncio loop running in this thread, which Django would
    # otherwise take for async code and refuse database access from the test.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Browser, portal: Any, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context for each test (no cookies shared), with relative URLs."""
    context = browser.new_context(base_url=portal.url, locale="en-GB")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    broken_static: list[str] = []

    def check_static(response: Response) -> None:
        if django_settings.STATIC_URL in response.url and response.status >= 400:
            broken_static.append(f"{response.status} {response.url}")

    page.on("response", check_static)
    page.on("requestfailed", lambda failed: broken_static.append(f"failed {failed.url}"))
    yield page
    report = request.node.stash.get(_call_report, None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid) + ".png")
        page.screenshot(path=str(path), full_page=True)
        print(f"Screenshot of the failed journey: {path}")
    context.close()
    assert not broken_static, f"Static files failed to load: {broken_static}"
