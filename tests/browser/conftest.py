"""Browser tests: the real ASGI application served on loopback, driven by Chromium.

The server is ``config.asgi.application`` (HTTP through Django, websockets
through Channels) run by uvicorn in a background thread of the test process,
so a test can set data up with the ORM, click through pages in Chromium, and
read what the server did (``django.core.mail.outbox``, the database) without
any other process. ``transactional_db`` makes the test's rows committed and so
visible to the server's threads; on SQLite the test database is then a file
(see ``pytest_collection_modifyitems``), because an in-memory database shared
between threads locks whole tables and fails under concurrent requests.

Every page a person visits should pass axe-core with no serious or critical
violation: ``assert_no_serious_axe_violations`` checks that. ``nu_check`` runs
the Nu HTML checker over saved pages (``test_every_page.py`` visits them all).
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator

import pytest
from django.conf import settings

from tests.conftest import CHROMIUM, JAVA, VNU_JAR

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERIOUS_IMPACTS = ("serious", "critical")
DEFAULT_TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config, items):
    """Mark everything under tests/browser/ as a browser test, and give the run a file database if any is selected.

    The server answers requests on its own threads, each with its own
    connection; an in-memory SQLite database shared between threads takes
    table locks that no busy timeout waits for, so concurrent requests (a
    page and its websocket, two people in one room) would fail with
    "database table is locked". A file in WAL mode lets readers and the one
    writer proceed. This is decided here, before any test sets the database
    up, so it holds whichever test happens to run first.
    """
    selected = False
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            selected = True
    db = settings.DATABASES["default"]
    if selected and db["ENGINE"].endswith("sqlite3") and not db.get("TEST", {}).get("NAME"):
        folder = tempfile.mkdtemp(prefix="cg-browser-db-")
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
        db.setdefault("TEST", {})["NAME"] = os.path.join(folder, "test.sqlite3")


def _asgi_app():
    """The project's ASGI application, with static files served as runserver would.

    Tests run with DEBUG off, so WhiteNoise does not look in the source folders;
    the stylesheet must load all the same, or axe would judge an unstyled page.
    """
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from config.asgi import application

    return ASGIStaticFilesHandler(application)


@pytest.fixture
def live_server_url(transactional_db, settings) -> Iterator[str]:
    """Serve the ASGI application on a free loopback port for one test; yield its base URL."""
    import uvicorn
    from channels.layers import channel_layers

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    settings.SITE_URL = url  # links in emails point at this server

    # The server's event loop lives and dies with this test: a channel layer
    # (Redis) made in another loop holds locks and connections bound to it.
    channel_layers.backends.clear()
    config = uvicorn.Config(_asgi_app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        channel_layers.backends.clear()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, once per test module.

    Playwright's sync API keeps an event loop on the main thread while it is
    open, which Django's ORM takes for async code; the browser tests talk to
    the database only between page actions, so that check is relaxed for as
    long as the browser is open, and restored after.
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_context(browser, live_server_url):
    """Make a fresh browser context (its own cookies: one person) aimed at the live server.

    Each page opened in it records console errors, including content security
    policy refusals, in ``page.console_errors``.
    """
    contexts = []

    def make(**kwargs):
        kwargs.setdefault("base_url", live_server_url)
        kwargs.setdefault("locale", "en-US")
        context = browser.new_context(**kwargs)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.on("page", _record_console_errors)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh context: one signed-out visitor."""
    return new_context().new_page()


def _record_console_errors(page) -> None:
    page.console_errors = []

    def on_console(message) -> None:
        # Browsers ask for /favicon.ico on their own; its absence is not the page's error.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            page.console_errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))


def in_thread(function, **kwargs):
    """Run a service on its own thread and return its result: Playwright's event loop owns this one."""
    result = {}
    worker = threading.Thread(target=lambda: result.update(value=function(**kwargs)))
    worker.start()
    worker.join()
    return result.get("value")


def login(page, email: str, password: str) -> None:
    """Sign in through the sign-in form, as a person would, and wait to leave it.

    The form is found by its labels in the page's language (English, or the
    Spanish catalog's words when the browser asks for Spanish).
    """
    page.goto("/accounts/login/")
    spanish = page.locator("html").get_attribute("lang") == "es"
    page.get_by_label("Correo electrónico" if spanish else "Email address").fill(email)
    page.get_by_label("Contraseña" if spanish else "Password").fill(password)
    page.get_by_role("button", name="Entrar" if spanish else "Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def serious_axe_violations(page, *, context=None) -> list[str]:
    """Run axe-core on the page as it is now; describe each serious or critical violation (none: an empty list).

    axe is injected through the DevTools protocol, which the page's content
    security policy (no inline scripts) does not govern, so it runs on the
    page exactly as served.
    """
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context)
    serious = [v for v in results.response["violations"] if v.get("impact") in SERIOUS_IMPACTS]
    lines = []
    for violation in serious:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node.get('failureSummary', '')}")
            lines.append(f"    {node.get('html', '')[:200]}")
    return lines


def assert_no_serious_axe_violations(page, *, context=None) -> None:
    """Run axe-core on the page as it is now; fail on any serious or critical violation."""
    lines = serious_axe_violations(page, context=context)
    if lines:
        count = sum(1 for line in lines if line.startswith("- "))
        lines.insert(0, f"{count} serious or critical accessibility violations on {page.url}:")
        pytest.fail("\n".join(lines), pytrace=False)


def assert_no_console_errors(page) -> None:
    """No script error and no content security policy refusal on the page so far."""
    errors = getattr(page, "console_errors", [])
    assert not errors, f"console errors on {page.url}: {errors}"


def nu_check(paths: list[str], *, timeout: float = 300) -> list[dict]:
    """Run the Nu HTML checker once over many saved HTML files; return its errors.

    One Java start for the whole list (a start per page would take a second or
    more each). Each error is vnu's JSON message (``url``, ``lastLine``,
    ``message``, ``extract``). Warnings and notes are left out: they are advice,
    not conformance errors. Needs ``tests.conftest.nu_checker_missing()`` to be None.
    """
    if not paths:
        return []
    command = [JAVA, "-Xss8m", "-jar", VNU_JAR, "--format", "json", "--stdout", "--errors-only", *paths]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    try:
        report = json.loads(completed.stdout or "{}")
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"the Nu HTML checker gave no report: {completed.stderr[-2000:]}") from exc
    return [m for m in report.get("messages", []) if m.get("type") in ("error", "non-document-error")]
