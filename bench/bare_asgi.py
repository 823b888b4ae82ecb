"""The bare Channels reference: re-broadcast each frame to the room's group.

Same ASGI servers and the same channel layer settings as the app (Django
settings are loaded only for ``CHANNEL_LAYERS``), but no database, no
authentication, no ordering: a client's ``contribute`` frame comes back to
everyone in the room as an ``event`` with the seq the client put in it. The
app's cost of persistence, ordering and authorization is measured against it.

    daphne bench.bare_asgi:application
    uvicorn bench.bare_asgi:application
"""

import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class BareConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.group = f"bare.{self.scope['url_route']['kwargs']['room']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send(text_data='{"type":"hello","last_seq":0}')

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        frame = json.loads(text_data)
        out = json.dumps(
            {
                "type": "event",
                "seq": frame["seq"],
                "event": "contribution_added",
                "contribution": {"text": frame["text"]},
            },
            separators=(",", ":"),
        )
        await self.channel_layer.group_send(self.group, {"type": "room.frame", "text": out})

    async def room_frame(self, message):
        await self.send(text_data=message["text"])


application = ProtocolTypeRouter({"websocket": URLRouter([path("ws/bare/<int:room>/", BareConsumer.as_asgi())])})
