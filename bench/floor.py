"""The floor: a plain ``websockets`` server that broadcasts each frame to its room.

No ASGI, no channel layer, no database: the frame is encoded once and written
to every socket of the room. Nothing the app does can be faster than this on
the same machine, so it bounds what the transport and the generator cost.

    python -m bench.floor --port 8121
"""

import argparse
import asyncio
import json
from collections import defaultdict

import websockets
from websockets.asyncio.server import broadcast, serve

rooms: dict[str, set] = defaultdict(set)


async def handler(ws):
    room = ws.request.path.rstrip("/").rsplit("/", 1)[-1]
    members = rooms[room]
    members.add(ws)
    try:
        await ws.send('{"type":"hello","last_seq":0}')
        async for text in ws:
            frame = json.loads(text)
            out = json.dumps(
                {
                    "type": "event",
                    "seq": frame["seq"],
                    "event": "contribution_added",
                    "contribution": {"text": frame["text"]},
                },
                separators=(",", ":"),
            )
            broadcast(members, out)
    except websockets.ConnectionClosed:
        pass
    finally:
        members.discard(ws)


async def main(port: int) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    async with serve(handler, "127.0.0.1", port, max_size=2**16, ping_interval=20):
        await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8121)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.run(main(args.port))
    except ImportError:
        asyncio.run(main(args.port))
