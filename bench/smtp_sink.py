"""A local SMTP sink that counts what it receives (aiosmtpd), for the reminder scan.

python -m bench.smtp_sink --port 8139 --count-file /tmp/cg_bench/smtp-count
"""

import argparse
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class Counter:
    def __init__(self):
        self.messages = 0

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        return "250 OK"


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=8139)
    p.add_argument("--count-file", required=True)
    p.add_argument("--seconds", type=float, default=900, help="stop after this long at most")
    args = p.parse_args()
    handler = Counter()
    controller = Controller(handler, hostname="127.0.0.1", port=args.port)
    controller.start()
    out = Path(args.count_file)
    stop = threading.Event()
    deadline = time.monotonic() + args.seconds
    try:
        while time.monotonic() < deadline and not stop.wait(0.5):
            out.write_text(str(handler.messages))
    except KeyboardInterrupt:
        pass
    finally:
        out.write_text(str(handler.messages))
        controller.stop()
