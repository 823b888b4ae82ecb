"""Top-level URLs: each app owns its own ``urls.py``."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog

from participants import views as participant_views

from .health import healthz


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on their own: send them to the site's icon.

    Resolved per request, so that in production it names the hashed file.
    """
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    # The djangojs catalog of the reader's language, read by static/js/i18n.js
    # (docs/languages.md); base.html loads it on any page not in English.
    path(
        "jsi18n/",
        cache_control(private=True, max_age=3600)(JavaScriptCatalog.as_view()),
        name="javascript_catalog",
    ),
    # Ahead of the admin's own URLs: its sign-in, under the site's sign-in limits.
    path("admin/login/", participant_views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("accounts/login/", participant_views.login_view, name="login"),
    path("accounts/logout/", participant_views.logout_view, name="logout"),
    path("", include("exchanges.urls")),
    path("", include("reminders.urls")),
    path("", include("participants.urls")),
    path("", include("data_rights.urls")),
    path("", include("sessions.urls")),
    path("", include("archives.urls")),
]
