"""ASGI entry point: HTTP through Django, websockets through Channels.

The websocket stack checks the Origin header against the scheme, host and
port the socket was opened on (``config.origin``, so a hostile page, even one
on another port of the same host, cannot open a socket with a visitor's
cookie) and authenticates by the Django session cookie.

``config.shutdown`` keeps count of the open websockets and, under Daphne,
makes SIGTERM close them with 1012 and stop the process within seconds
(Uvicorn does that itself given ``--timeout-graceful-shutdown``).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from sessions.routing import websocket_urlpatterns  # noqa: E402

from . import shutdown  # noqa: E402
from .origin import SameOriginValidator  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": shutdown.track_websockets(
            SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)
shutdown.install()
