"""The live room's websocket accepts only pages of this site: same scheme, host and port.

Browsers send a session cookie with a websocket handshake to any site, and a
websocket is not bound by the same-origin policy, so without a check any page
on the web could open the live room as whoever visits it (cross-site
websocket hijacking). Browsers always send ``Origin`` with the handshake and a
page cannot forge it; this check compares it with the origin the socket was
opened on.

Channels' ``AllowedHostsOriginValidator`` compares host names only, so a page
served on another port of the same host (``http://localhost:9999``, another
program on a shared machine) or over plain HTTP was let in. An origin is a
scheme, a host and a port (RFC 6454), and here all three must match:

* the socket's own origin: the ``Host`` header it was opened with (which must
  be one of ``ALLOWED_HOSTS``, as for every page) and its scheme, ``ws`` →
  ``http`` and ``wss`` → ``https``; behind a proxy that ends TLS, the scheme
  comes from ``SECURE_PROXY_SSL_HEADER`` as for pages;
* or one of ``CSRF_TRUSTED_ORIGINS`` (the list Django's CSRF check already
  trusts for forms, ``https://*.example.org`` matching subdomains).

A handshake without ``Origin`` is refused, as Channels did: every browser sends
one. A handshake without ``Host`` cannot come from a browser either; it is
held to the default port of a host in ``ALLOWED_HOSTS``.
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import validate_host
from django.utils.http import is_same_domain

DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]  # scheme, host (lower case, IPv6 in brackets), port


def parse_origin(value: str) -> Origin | None:
    """``scheme://host[:port]`` as a comparable triple, or None if it is not one."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/") or parts.query:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return scheme, host, port if port is not None else DEFAULT_PORTS[scheme]


def _headers(scope) -> dict[bytes, list[bytes]]:
    found: dict[bytes, list[bytes]] = {}
    for name, value in scope.get("headers", []):
        found.setdefault(name.lower(), []).append(value)
    return found


def _allowed_hosts() -> list[str]:
    # As Django's HttpRequest.get_host: with DEBUG and no ALLOWED_HOSTS, local names only.
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return settings.ALLOWED_HOSTS


def _scheme(scope, headers: dict[bytes, list[bytes]]) -> str:
    """``https`` when the socket is secure (itself, or as the trusted proxy says), else ``http``."""
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        name, secure_value = proxy
        name = name.lower().removeprefix("http_").replace("_", "-").encode("latin1")
        values = headers.get(name)
        if values:
            return "https" if values[0].decode("latin1").split(",")[0].strip() == secure_value else "http"
    return "https" if scope.get("scheme") in ("wss", "https") else "http"


def _is_own_origin(scope, headers: dict[bytes, list[bytes]], origin: Origin) -> bool:
    """Whether ``origin`` is the scheme, host and port this socket was opened on, and the host is ours."""
    scheme, host, port = origin
    if scheme != _scheme(scope, headers):
        return False
    hosts = headers.get(b"host", [])
    if len(hosts) > 1:
        return False
    if not hosts:
        # Not a browser (browsers always send Host): the default port of a host we serve.
        return port == DEFAULT_PORTS[scheme] and validate_host(host, _allowed_hosts())
    try:
        opened_on = parse_origin(f"{scheme}://{hosts[0].decode('ascii')}")
    except UnicodeDecodeError:
        return False
    return opened_on == origin and validate_host(host, _allowed_hosts())


def _is_trusted(origin: Origin) -> bool:
    """Whether ``origin`` is one of ``CSRF_TRUSTED_ORIGINS`` (``https://*.example.org`` matching subdomains)."""
    scheme, host, port = origin
    for entry in settings.CSRF_TRUSTED_ORIGINS:
        if "://*." in entry:
            wildcard = parse_origin(entry.replace("://*.", "://", 1))
            if wildcard is not None and (wildcard[0], wildcard[2]) == (scheme, port):
                if is_same_domain(host, "." + wildcard[1]):
                    return True
        elif parse_origin(entry) == origin:
            return True
    return False


def origin_allowed(scope) -> bool:
    """Whether the handshake's ``Origin`` is the socket's own origin or a trusted one."""
    headers = _headers(scope)
    values = headers.get(b"origin", [])
    if len(values) != 1:
        return False
    try:
        origin = parse_origin(values[0].decode("ascii"))
    except UnicodeDecodeError:
        return False
    if origin is None:
        return False
    return _is_own_origin(scope, headers, origin) or _is_trusted(origin)


class SameOriginValidator:
    """ASGI middleware: refuse (close before accepting) a websocket whose Origin is not allowed."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            raise ValueError("SameOriginValidator guards websockets only.")
        if origin_allowed(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
