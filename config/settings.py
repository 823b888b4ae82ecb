"""Settings for Common Ground, read from the environment.

One module serves every mode. With no environment variables the app runs on an
embedded default (SQLite, the in-memory channel layer, console email, Celery on
a filesystem queue) so that a fresh machine with only Python can run it. With
``DATABASE_URL`` and ``REDIS_URL`` it runs on PostgreSQL, the Redis channel
layer and a Celery broker on Redis, which is how it scales past one machine.
``DJANGO_ENV=production`` turns on the deploy checklist.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-common-ground-development-only-key")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
# Origins other than the one a page or socket is served on that may post forms and
# open the live room's websocket (config/origin.py), e.g. "https://cg.example.org:8443".
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The public address used in emails (invitations, reminders, signed links).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "daphne",  # first, so that runserver serves ASGI (websockets) too
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "csp",
    "exchanges",
    "participants",
    "sessions.apps.DialogueSessionsConfig",
    "archives",
    "reminders",
    "data_rights",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the session and the user are known: the reader's language (docs/languages.md).
    "core.middleware.ReaderLanguageMiddleware",
    "core.middleware.ReaderTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "core.middleware.languages",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # Not an app: core's tags are named here ({% load when %}).
            "libraries": {"when": "core.templatetags.when"},
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default="")
if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
    # Under ASGI every request may run on another thread: persistent
    # connections would leak, so keep none (pool outside Django if needed).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Behind PgBouncer in transaction pooling (docs/operations.md), a cursor
    # cannot outlive its transaction.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DB_DISABLE_SERVER_SIDE_CURSORS", default=False)
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env.str("SQLITE_PATH", default=str(VAR_DIR / "db.sqlite3")),
            # The ASGI server and the Celery worker both write this file: WAL,
            # a busy timeout and IMMEDIATE transactions keep either from
            # seeing "database is locked".
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, cache, Celery broker ----------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # The layer blocks on Redis for up to 5 s waiting for a
                # message, which redis-py's default 5 s read timeout would cut.
                # No socket timeout at all, rather than a longer one: with one,
                # redis-py wraps each send in ``asyncio.wait_for``, which on
                # Python 3.11 can swallow a cancellation and leave a closed
                # socket's consumer polling Redis for ever (and a stopping
                # server waiting for it). A restarted Redis closes the
                # connections, which ends the reads.
                "hosts": [{"address": REDIS_URL, "socket_timeout": None, "socket_connect_timeout": 5}],
                "prefix": env.str("CHANNELS_PREFIX", default="asgi"),
                "capacity": 1000,
                "expiry": 30,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_PREFIX", default="cg"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    # No Redis: kombu's filesystem transport lets a worker with embedded beat
    # run on one machine with nothing else installed.
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    _control_dir = VAR_DIR / "celery" / "control"
    for _dir in (_queue_dir, _processed_dir, _control_dir):
        _dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "store_processed": False,
        "control_folder": str(_control_dir),
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Exactly one beat may run (docs/reminders.md): it only enqueues the scan,
# which finds due reminders in the database and is safe to run twice.
CELERY_BEAT_SCHEDULE: dict = {
    "send-due-reminders": {"task": "reminders.tasks.send_due_reminders", "schedule": 60.0, "options": {"expires": 55}},
}
# A reminder claimed for sending but not marked sent within this many seconds
# (its worker died) is claimed again by the next scan.
REMINDER_LEASE_SECONDS = env.int("REMINDER_LEASE_SECONDS", default=600)

# --- Email --------------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
    EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Common Ground <noreply@commonground.localhost>")
EMAIL_TIMEOUT = 30

# --- Accounts -----------------------------------------------------------------
AUTH_USER_MODEL = "participants.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "exchange_list"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
INVITATION_DAYS = env.int("INVITATION_DAYS", default=14)
# How long members review their own words after a session closes, before its
# archive may be published (a facilitator may change it for one session).
ARCHIVE_REVIEW_DAYS = env.int("ARCHIVE_REVIEW_DAYS", default=7)
# django-ratelimit rates for the endpoints a stranger can reach.
LOGIN_RATE = env.str("LOGIN_RATE", default="10/m")
LOGIN_ACCOUNT_RATE = env.str("LOGIN_ACCOUNT_RATE", default="30/h")
INVITATION_RATE = env.str("INVITATION_RATE", default="20/m")
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
RATELIMIT_VIEW = "participants.views.rate_limited"

# --- I18n ---------------------------------------------------------------------
# docs/languages.md. Every language the product knows; a person may choose one
# only once its catalog is compiled (OFFERED_LANGUAGES). English is the source
# language: its "catalog" is the msgids themselves, so it is always offered.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True


def offered_languages(languages: list[tuple[str, str]], locale_dir: Path) -> list[tuple[str, str]]:
    """The languages whose catalog (``<locale_dir>/<code>/LC_MESSAGES/django.mo``) is compiled, and English."""
    return [
        (code, name)
        for code, name in languages
        if code == LANGUAGE_CODE or (locale_dir / code / "LC_MESSAGES" / "django.mo").is_file()
    ]


# What pages, the header's switcher and the forms offer; with only English,
# no choice is shown and every page is English whatever the browser asks.
OFFERED_LANGUAGES = offered_languages(LANGUAGES, BASE_DIR / "locale")

# --- Static files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security -----------------------------------------------------------------
# The same content security policy in every mode, so an inline script never
# works in development and then breaks in production.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Stopping -------------------------------------------------------------------
# On SIGTERM a server process closes its websockets with 1012 and gives their
# applications this long to finish; it is gone at the latest 4 s later
# (config/shutdown.py under Daphne; Uvicorn's --timeout-graceful-shutdown,
# docs/operations.md).
SHUTDOWN_GRACE_SECONDS = env.float("SHUTDOWN_GRACE_SECONDS", default=5.0)

# --- Live room ----------------------------------------------------------------
LIVE_ROOM = {
    "MAX_TEXT": 4000,
    "MAX_FRAME_BYTES": 65536,
    "HEARTBEAT_SECONDS": env.int("LIVE_HEARTBEAT_SECONDS", default=5),
    "RATE_PER_10S": env.int("LIVE_RATE_PER_10S", default=30),
    # How long the sockets' one database thread keeps its connection (core/db.py).
    "DB_CONN_MAX_AGE": env.int("LIVE_DB_CONN_MAX_AGE", default=60),
    # Who is in a room now (sessions/presence.py): Redis keys under this prefix.
    "PRESENCE_PREFIX": env.str("CHANNELS_PREFIX", default="asgi") + ":presence",
    # Arrivals and departures within this many seconds reach the room as one
    # presence frame (the whole list: when 40 people arrive at once, one frame
    # a second rather than one each).
    "PRESENCE_COALESCE_SECONDS": env.float("LIVE_PRESENCE_COALESCE_SECONDS", default=1.0),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}
