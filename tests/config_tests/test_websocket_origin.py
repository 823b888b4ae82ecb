"""The live room's websocket opens only for pages of this very site: scheme, host and port.

Each case drives ``config.asgi.application`` through ``WebsocketCommunicator``
as a browser would open it: the ``Host`` it connected to, the ``Origin`` of the
page, the visitor's session cookie. A refused socket is closed before the
application runs (no hello, nothing recorded).
"""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from config.origin import origin_allowed, parse_origin
from tests.factories import DialogueSessionFactory, MeetingFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(30)]


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def _connect(member, *, origin=None, host=None, scheme="ws", extra=()):
    """Open the member's socket to a session of their exchange; return (accepted, communicator)."""
    session = await sync_to_async(DialogueSessionFactory)(
        meeting=await sync_to_async(MeetingFactory)(exchange=member.exchange)
    )
    headers = [(b"cookie", f"sessionid={await sync_to_async(_cookie)(member.user)}".encode())]
    if host is not None:
        headers.append((b"host", host.encode()))
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    headers.extend(extra)
    communicator = WebsocketCommunicator(application, f"/ws/sessions/{session.pk}/", headers=headers)
    communicator.scope["scheme"] = scheme
    connected, _ = await communicator.connect(timeout=5)
    if connected:
        hello = await communicator.receive_json_from(timeout=5)
        assert hello["type"] == "hello"
    # End the application either way (a refused socket's denier too), so no
    # task is left waiting on the channel layer when the test's loop closes.
    await communicator.disconnect(timeout=5)
    return connected


async def test_the_sites_own_origin_is_accepted(participant):
    """A page of the site, on the host and port the socket was opened on, gets its room."""
    assert await _connect(participant, host="localhost:8000", origin="http://localhost:8000")


async def test_same_host_on_another_port_is_refused(participant):
    """The reported hole: http://localhost:9999 (another program on the same machine) is refused."""
    assert not await _connect(participant, host="localhost:8000", origin="http://localhost:9999")


async def test_default_and_explicit_ports_are_the_same_origin(participant):
    """http://localhost and http://localhost:80 are one origin; http://localhost:8000 is another."""
    assert await _connect(participant, host="localhost", origin="http://localhost:80")
    assert await _connect(participant, host="localhost:80", origin="http://localhost")
    assert not await _connect(participant, host="localhost", origin="http://localhost:8000")


async def test_another_scheme_is_refused(participant):
    """A plain-HTTP page cannot open the secure site's socket, nor an HTTPS page the plain one's."""
    assert await _connect(participant, host="localhost", origin="https://localhost", scheme="wss")
    assert not await _connect(participant, host="localhost", origin="http://localhost", scheme="wss")
    assert not await _connect(participant, host="localhost", origin="https://localhost", scheme="ws")


async def test_behind_the_proxy_the_scheme_comes_from_x_forwarded_proto(participant, settings):
    """TLS ends at the proxy: with SECURE_PROXY_SSL_HEADER, X-Forwarded-Proto says the page was HTTPS."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proto = [(b"x-forwarded-proto", b"https")]
    assert await _connect(participant, host="localhost", origin="https://localhost", extra=proto)
    assert not await _connect(participant, host="localhost", origin="http://localhost", extra=proto)


async def test_another_site_is_refused(participant):
    """A hostile page elsewhere is refused, whatever Host it claims the socket was opened on."""
    assert not await _connect(participant, host="localhost:8000", origin="http://evil.example")
    assert not await _connect(participant, host="evil.example", origin="http://evil.example")  # not ALLOWED_HOSTS


async def test_missing_or_unreadable_origin_is_refused(participant):
    """Every browser sends Origin; a handshake without one, or with "null", is refused."""
    assert not await _connect(participant, host="localhost:8000")
    assert not await _connect(participant, host="localhost:8000", origin="null")
    assert not await _connect(
        participant, host="localhost:8000", extra=[(b"origin", b"http://localhost:8000"), (b"origin", b"http://x")]
    )


async def test_a_trusted_origin_is_accepted(participant, settings):
    """An origin listed in CSRF_TRUSTED_ORIGINS may open the socket: exactly that scheme, host and port."""
    settings.CSRF_TRUSTED_ORIGINS = ["https://cg.example.org:8443"]
    assert await _connect(participant, host="localhost:8001", origin="https://cg.example.org:8443")
    assert not await _connect(participant, host="localhost:8001", origin="https://cg.example.org")
    assert not await _connect(participant, host="localhost:8001", origin="http://cg.example.org:8443")


async def test_without_host_only_the_default_port_of_an_allowed_host(participant):
    """A client that sends no Host (not a browser) is held to the default port of a host we serve."""
    assert await _connect(participant, origin="http://testserver")
    assert not await _connect(participant, origin="http://testserver:9999")
    assert not await _connect(participant, origin="http://evil.example")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("http://localhost:9999", ("http", "localhost", 9999)),
        ("HTTPS://Example.ORG", ("https", "example.org", 443)),
        ("http://[::1]:8000", ("http", "[::1]", 8000)),
        ("null", None),
        ("ftp://example.org", None),
        ("http://user@example.org", None),
        ("http://example.org/path", None),
        ("http://example.org:99999", None),
    ],
)
def test_parse_origin(value, expected):
    assert parse_origin(value) == expected


def test_wildcard_trusted_origins_match_subdomains_on_the_same_scheme_and_port(settings):
    """``https://*.example.org`` trusts its subdomains over HTTPS on port 443, nothing else."""
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.org"]

    def allowed(origin: str) -> bool:
        return origin_allowed({"type": "websocket", "headers": [(b"host", b"localhost"), (b"origin", origin.encode())]})

    assert allowed("https://cg.example.org")
    assert not allowed("http://cg.example.org")
    assert not allowed("https://cg.example.org:8443")
    assert not allowed("https://example.org.evil.example")
