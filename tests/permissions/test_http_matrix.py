"""Every URL of the project × every kind of visitor, against ``matrix.HTTP``.

The URL names come from the resolver itself, so a page added without a row in
the table fails ``test_every_url_has_a_row``. A refused request must change
nothing.
"""

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .matrix import HTTP, LOGIN
from .world import PARAMETERS, ROLES

# The project's URLs (plus the data-rights pages until config/urls.py includes them).
URLCONF = "tests.permissions.urls"
pytestmark = [pytest.mark.urls(URLCONF)]

SKIPPED_PREFIXES = ("admin/", settings.STATIC_URL.lstrip("/"))
APP_LABELS = ("exchanges", "participants", "dialogue_sessions", "archives")


def _walk(resolver: URLResolver | None = None, prefix: str = ""):
    resolver = resolver or get_resolver(URLCONF)
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            yield from _walk(entry, route)
        elif isinstance(entry, URLPattern):
            yield entry.name, route, sorted(entry.pattern.regex.groupindex)


def url_patterns():
    """(table key, name, route, parameter names) for every URL of the project.

    The key is the URL name, or ``name(param,...)`` for a name routed more than once.
    """
    found = list(_walk())
    counts = {}
    for name, _, _ in found:
        counts[name] = counts.get(name, 0) + 1
    for name, route, params in found:
        key = name if counts[name] == 1 or not name else f"{name}({','.join(params)})"
        yield key, name, route, params


PATTERNS = {key: (name, params) for key, name, _, params in url_patterns()}


def test_every_url_has_a_row():
    """A new page cannot skip the matrix: every named URL has a row, every URL has a name, and no row is stale."""
    found = list(url_patterns())
    unnamed = [route for _, name, route, _ in found if not name]
    names = {key for key, name, _, _ in found if name}
    assert not unnamed, f"URLs without a name cannot be checked: {unnamed}"
    assert sorted(names - set(HTTP)) == [], "add these URL names to tests/permissions/matrix.py"
    assert sorted(set(HTTP) - names) == [], "these rows name URLs that no longer exist"


def _url(world, key: str, *, wrong_secret: bool = False) -> str:
    row = HTTP[key]
    name, params = PATTERNS[key]
    kwargs = {}
    for param in params:
        if param == "token":
            token = world.secrets[row.secret]
            kwargs[param] = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB") if wrong_secret else token
        else:
            kwargs[param] = PARAMETERS[row.objects.get(param, param)](world)
    return reverse(name, kwargs=kwargs)


def snapshot() -> dict:
    """Every row of the app's own tables (what a refused request must leave alone)."""
    state = {}
    for label in APP_LABELS:
        for model in apps.get_app_config(label).get_models():
            state[model._meta.label] = list(model.objects.order_by("pk").values())
    return state


def _request(client, world, name: str, role: str, url: str):
    user = world.user(role)
    if user is not None:
        client.force_login(user)
    method = HTTP[name].method
    before = snapshot()
    response = client.post(url, {}) if method == "POST" else client.get(url)
    return response, before


def _assert_status(response, expected, url):
    if expected == LOGIN:
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), response["Location"]
    else:
        assert response.status_code == expected, (url, response.status_code)


@pytest.mark.parametrize(("name", "role"), [(name, role) for name in sorted(HTTP) for role in ROLES])
def test_http_matrix(client, world, name, role):
    """The answer each visitor gets matches the table; a refusal changes nothing."""
    url = _url(world, name)
    response, before = _request(client, world, name, role, url)
    expected = HTTP[name].expect[role]
    _assert_status(response, expected, url)
    if expected in (LOGIN, 403, 404, 405):
        assert snapshot() == before, f"{name} refused {role} but changed data"


@pytest.mark.parametrize("name", sorted(n for n, row in HTTP.items() if row.secret))
def test_wrong_secret_opens_nothing(client, world, name):
    """A tampered per-person link answers the same refusal to everyone and changes nothing."""
    row = HTTP[name]
    url = _url(world, name, wrong_secret=True)
    for role in ROLES:
        client.logout()
        response, before = _request(client, world, name, role, url)
        assert response.status_code == row.wrong, (role, url, response.status_code)
        assert snapshot() == before


@pytest.mark.parametrize("name", sorted(n for n, row in HTTP.items() if row.method == "POST"))
def test_post_only_endpoints_refuse_get(client, world, name):
    """A state-changing endpoint never acts on GET (a link or an image cannot trigger it)."""
    client.force_login(world.user("convener"))
    before = snapshot()
    assert client.get(_url(world, name)).status_code == 405
    assert snapshot() == before
