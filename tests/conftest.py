"""Shared fixtures, and the rule that service-backed tests may not be skipped in CI.

Tests marked ``postgres`` skip unless the database is PostgreSQL; tests marked
``redis`` skip unless ``REDIS_URL`` is set; ``browser`` tests skip when no
Chromium is installed, and the one that runs the Nu HTML checker when no Java
or vnu.jar is (``nu_checker_missing``). With ``REQUIRE_SERVICES=1`` (CI's run on PostgreSQL +
Redis) any such skip fails the run, so a broken service cannot pass silently.
"""

import os
import shutil

import pytest
from channels.layers import channel_layers
from django.conf import settings

from sessions import sockets
from sessions.services import presence_forget_all

from .factories import ExchangeFactory, MemberFactory, TeamFactory, UserFactory

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
# The Nu HTML checker (vnu.jar, from the pinned ``vnu-jar`` npm package: ``make vnu``) and a Java to run it.
JAVA = os.environ.get("JAVA_PATH") or shutil.which("java")
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VNU_JAR = os.environ.get("VNU_JAR") or os.path.join(
    _ROOT, ".tools", "node_modules", "vnu-jar", "build", "dist", "vnu.jar"
)


def nu_checker_missing() -> str | None:
    """Why the Nu HTML checker cannot run here, or None when it can.

    A test that needs it skips with this reason; under ``REQUIRE_SERVICES=1``
    that skip fails the run like any other service-backed skip.
    """
    if not JAVA:
        return "needs Java for the Nu HTML checker (apt-get install default-jre-headless)"
    if not os.path.isfile(VNU_JAR):
        return f"needs the Nu HTML checker at {VNU_JAR} (make vnu)"
    return None


SERVICE_MARKERS = ("postgres", "redis", "browser")
_skipped_service_tests: list[str] = []


def _is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("postgres") and not _is_postgres():
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL"))
        if item.get_closest_marker("redis") and not settings.REDIS_URL:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL"))
        if item.get_closest_marker("browser") and not CHROMIUM:
            item.add_marker(pytest.mark.skip(reason="needs Chromium (apt-get install chromium)"))


def pytest_runtest_logreport(report):
    # An expected failure is reported as skipped too; it ran, so it counts as run.
    if report.skipped and not hasattr(report, "wasxfail") and any(m in report.keywords for m in SERVICE_MARKERS):
        _skipped_service_tests.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("REQUIRE_SERVICES") == "1" and _skipped_service_tests:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(
                f"REQUIRE_SERVICES=1 but {len(_skipped_service_tests)} service-backed tests were skipped:", red=True
            )
            for nodeid in _skipped_service_tests[:20]:
                reporter.write_line(f"  {nodeid}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    """Every test gets fresh caches (rate limits), a memory email outbox, a fast
    password hasher and a fresh channel layer.

    The one home of these: a test package needs no autouse fixture of its own
    for any of them.
    """
    from django.core.cache import cache

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # A fast hasher: factories hash a password for every person they make.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Presence frames a tenth of a second after an arrival, so tests that wait
    # for one (or for its absence) wait a little.
    settings.LIVE_ROOM = {**settings.LIVE_ROOM, "PRESENCE_COALESCE_SECONDS": 0.1}
    cache.clear()
    # A fresh channel layer per test: each async test runs its own event loop,
    # and a Redis layer's locks and connections belong to the loop that made them.
    channel_layers.backends.clear()
    # Nobody is in any room, and no attendance is remembered as recorded.
    presence_forget_all()
    sockets.forget_all()
    yield
    cache.clear()
    channel_layers.backends.clear()
    presence_forget_all()
    sockets.forget_all()


@pytest.fixture(scope="session", autouse=True)
def _socket_thread_connection_closed(django_db_setup, django_db_blocker):
    """Close the connection the sockets' database thread keeps (``core.db``)
    before the test database is dropped, which an open connection would block."""
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    with django_db_blocker.unblock():
        SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=30)


@pytest.fixture
def exchange(db):
    return ExchangeFactory()


@pytest.fixture
def team(exchange):
    return TeamFactory(exchange=exchange)


@pytest.fixture
def make_member(exchange, team):
    """Make a member of ``exchange`` with a given exchange role."""

    def make(role="participant", **kwargs):
        kwargs.setdefault("team", team)
        return MemberFactory(exchange=exchange, exchange_role=role, **kwargs)

    return make


@pytest.fixture
def facilitator(make_member):
    return make_member("facilitator")


@pytest.fixture
def convener(make_member):
    return make_member("convener")


@pytest.fixture
def scribe(make_member):
    return make_member("scribe")


@pytest.fixture
def participant(make_member):
    return make_member("participant")


@pytest.fixture
def outsider(db):
    """A member of another exchange: signed in, but not in ours."""
    return MemberFactory()


@pytest.fixture
def stranger(db):
    """A signed-in person who belongs to no exchange."""
    return UserFactory()
