"""What-if settings for the benchmarks: the app's settings plus the changes named in
``BENCH_WHATIF`` (comma-separated), to measure a proposed change before it lands.

  redis_timeout   the channel layer's Redis connections read without the 5 s
                  socket timeout redis-py 8 sets by default, so a blocking
                  receive (BZPOPMIN, 5 s) is not cut off and the consumer with it
  conn_max_age    keep each thread's PostgreSQL connection for 60 s instead of
                  opening one per ``database_sync_to_async`` call

    DJANGO_SETTINGS_MODULE=bench.settings_whatif BENCH_WHATIF=redis_timeout ...
"""

import os

from config.settings import *  # noqa: F403
from config.settings import CHANNEL_LAYERS, DATABASES, REDIS_URL

WHATIF = {w.strip() for w in os.environ.get("BENCH_WHATIF", "").split(",") if w.strip()}

if "redis_timeout" in WHATIF and REDIS_URL:
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [{"address": REDIS_URL, "socket_timeout": 30}]
if "conn_max_age" in WHATIF:
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
