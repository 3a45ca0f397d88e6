"""Settings, read from the environment and an optional .env file (see .env.example)."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

# "development" (the default: the demo, runserver and the tests) or "production" (gunicorn
# behind TLS; see docs/deployment.md). Production has no fallbacks: every secret must be set.
DEPLOYMENT = env.str("DEPLOYMENT", default="development")
if DEPLOYMENT not in ("development", "production"):
    raise ImproperlyConfigured("DEPLOYMENT must be 'development' or 'production'.")
PRODUCTION = DEPLOYMENT == "production"

DEBUG = env.bool("DEBUG", default=False)
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    # The fallback key only serves local development and tests.
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-set-SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "postpress_dashboard.core",
    "postpress_dashboard.sandbox",
    "postpress_dashboard.teams",
    "invitations",
    "chats",
    "campaigns",
    "activity",
    "django_tasks_db",
]

MIDDLEWARE = [
    # First, so every response (redirects and static files included) is logged with its id.
    "postpress_dashboard.core.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check reads a form: a body over its view's limit is refused with 413.
    "postpress_dashboard.core.middleware.RequestBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Cache-Control: private, no-store for signed-in users (static files are answered above).
    "postpress_dashboard.core.middleware.PrivatePagesMiddleware",
    "postpress_dashboard.teams.middleware.CurrentTeamMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "postpress_dashboard.urls"
WSGI_APPLICATION = "postpress_dashboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "postpress_dashboard.teams.context_processors.current_team",
            ],
        },
    },
]

# Local state (the default SQLite database) lives in var/, which git ignores.
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)
# Production names its database and cache: SQLite and a cache in each process's memory would
# keep the login limits and sessions per process.
DATABASES = {
    "default": env.db("DATABASE_URL")
    if PRODUCTION
    else env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction starts (no "database is locked" upgrade failures)
    # and let readers and a writer work at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
# Persistent connections (seconds; 0 closes each after its request), checked before reuse:
# opening one for every request cost each request a millisecond or more (SQLite's setup,
# PostgreSQL's connection), a good share of a page. One per worker thread at most.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# redis://host:port/db selects Django's built-in Redis cache; the default lives in one process.
CACHES = {
    "default": env.cache("CACHE_URL")
    if PRODUCTION
    else env.cache("CACHE_URL", default="locmemcache://")
}
# Sessions in the database by default (Django's store, read by hand-written SQL:
# core/sessions.py); with Redis, "django.contrib.sessions.backends.cache" (or cached_db) keeps
# them there instead.
SESSION_ENGINE = env.str("SESSION_ENGINE", default="postpress_dashboard.core.sessions")
# Django's ModelBackend, the signed-in user read by hand-written SQL (core/auth_backend.py);
# Django's own after it only for the sessions that name it (signed in before it was added).
AUTHENTICATION_BACKENDS = [
    "postpress_dashboard.core.auth_backend.ModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# collectstatic's output, served in production only (elsewhere the source folders are).
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles") if PRODUCTION else None
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # htmx comes from the npm registry (package.json), never from a CDN or a copy in the repo.
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
# WhiteNoise serves static files in every deployment: in production from `collectstatic`'s
# output, compressed, with hashed names that browsers may cache for good; elsewhere from the
# source folders, so the demo and the tests need no collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# A strict Content-Security-Policy: scripts and styles only from our own static files,
# no inline code, no eval (so no hx-on attributes).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# htmx reads no cookie (the token is sent from <body hx-headers>), so no script needs it either.
CSRF_COOKIE_HTTPONLY = True
# Production is served over TLS only: redirect plain http (but for the load balancer's health
# check), cookies only over https, and HSTS (sent on https responses only).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
# Behind a load balancer that terminates TLS, trust its X-Forwarded-Proto (only there: a
# client could send the header itself).
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Addresses or networks of the proxies in front (e.g. 10.0.0.0/8): only from them is
# X-Forwarded-For believed, to find the client's address for the login limits.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# Login limits (core/login_limits.py; docs/deployment.md), counted in the cache: with Redis,
# across every process and machine, within a window (seconds) from a counter's first attempt.
# A client address is an IPv4 address or an IPv6 /64. A correct password takes its attempt
# back. These block: attempts at one username from one client address, and attempts (failed
# sign-ins and sign-ups through invite links) from one address whatever the usernames.
LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS = env.int(
    "LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS", default=5
)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=20)
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=15 * 60)
# The gate: once a username has failed this often (from anywhere) in the window, its password
# is checked at most once per N seconds for addresses it never signed in from; attempts in
# between are refused at once ("try again in N seconds"). N is the first value, doubling with
# each further failure up to the most, rounded up to whole seconds. Nothing waits in a worker.
LOGIN_SLOWDOWN_AFTER = env.int("LOGIN_SLOWDOWN_AFTER", default=10)
LOGIN_SLOWDOWN_FIRST_SECONDS = env.float("LOGIN_SLOWDOWN_FIRST_SECONDS", default=1.0)
LOGIN_SLOWDOWN_MAX_SECONDS = env.float("LOGIN_SLOWDOWN_MAX_SECONDS", default=30.0)

# Fernet keys (comma-separated, newest first) that encrypt team API keys at rest; independent
# of SECRET_KEY. Required: the teams app refuses to start without them. Without the variable,
# development uses the local keys `make setup` generated in var/; production never does.
LOCAL_KEYS_FILE = VAR_DIR / "field-encryption-keys"
LOCAL_KEYS = LOCAL_KEYS_FILE.read_text().split(",") if LOCAL_KEYS_FILE.exists() else []
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[] if PRODUCTION else LOCAL_KEYS)
FIELD_ENCRYPTION_KEYS = [key.strip() for key in FIELD_ENCRYPTION_KEYS if key.strip()]

# The postpress API. Teams may override the base URL; this is the default for new teams.
# The docs' headings say /v1 and their curl examples say /api/v1: both are accepted.
POSTPRESS_DEFAULT_BASE_URL = env.str(
    "POSTPRESS_DEFAULT_BASE_URL", default="https://api.postpress.ai/api/v1"
)
# Hosts a team's base URL may point at: the API key goes wherever the base URL says (the rule:
# postpress_dashboard/postpress/base_url.py). Production's default has no loopback host, so
# "Test connection" cannot probe the dashboard's own machine. Plain http is accepted only for
# loopback hosts, and only while POSTPRESS_ALLOW_LOOPBACK_HTTP is on (the local sandbox: the
# demo, development and the tests).
POSTPRESS_ALLOWED_HOSTS = env.list(
    "POSTPRESS_ALLOWED_HOSTS",
    default=["api.postpress.ai"] if PRODUCTION else ["api.postpress.ai", "127.0.0.1", "localhost"],
)
POSTPRESS_ALLOW_LOOPBACK_HTTP = env.bool("POSTPRESS_ALLOW_LOOPBACK_HTTP", default=not PRODUCTION)
POSTPRESS_CONNECT_TIMEOUT = env.float("POSTPRESS_CONNECT_TIMEOUT", default=3.05)
POSTPRESS_READ_TIMEOUT = env.float("POSTPRESS_READ_TIMEOUT", default=10.0)
POSTPRESS_UPLOAD_READ_TIMEOUT = env.float("POSTPRESS_UPLOAD_READ_TIMEOUT", default=120.0)
POSTPRESS_TOTAL_BUDGET = env.float("POSTPRESS_TOTAL_BUDGET", default=25.0)
# How long a reported usage (50/75/90/95% of the provider's limit) stands: the provider's
# window, after which its limit has reset. The API reports usage only at those landings.
POSTPRESS_USAGE_WINDOW_HOURS = env.float("POSTPRESS_USAGE_WINDOW_HOURS", default=24.0)
# The largest answer read from the API (bytes); a larger one is refused, not held in memory.
POSTPRESS_MAX_RESPONSE_BYTES = env.int("POSTPRESS_MAX_RESPONSE_BYTES", default=5 * 1024 * 1024)
# How start-chat spells its form arrays, which the docs leave open (docs/api-client.md):
# "brackets-for-attendees" (attendees_ids[], attachments repeated, as the docs' example),
# "brackets" (attendees_ids[], attachments[]) or "repeated" (attendees_ids, attachments).
POSTPRESS_MULTIPART_ARRAYS = env.str("POSTPRESS_MULTIPART_ARRAYS", default="brackets-for-attendees")
if POSTPRESS_MULTIPART_ARRAYS not in ("brackets-for-attendees", "brackets", "repeated"):
    raise ImproperlyConfigured(
        "POSTPRESS_MULTIPART_ARRAYS must be 'brackets-for-attendees', 'brackets' or 'repeated'."
    )
# Bulk accept/decline and bulk withdraw, all their calls together: rows not tried by then come
# back "not tried, try again" instead of holding the page.
POSTPRESS_BULK_BUDGET = env.float("POSTPRESS_BULK_BUDGET", default=25.0)
# How many of one bulk request's calls may be in flight at once (invitations/bulk.py); none
# starts after an answer asking to slow down.
POSTPRESS_BULK_IN_FLIGHT = env.int("POSTPRESS_BULK_IN_FLIGHT", default=4)

# Chat uploads, checked while the upload streams in. The defaults let a 200 MB video through.
CHAT_UPLOAD_MAX_FILE_BYTES = env.int("CHAT_UPLOAD_MAX_FILE_BYTES", default=250 * 1024 * 1024)
CHAT_UPLOAD_MAX_REQUEST_BYTES = env.int("CHAT_UPLOAD_MAX_REQUEST_BYTES", default=300 * 1024 * 1024)
CHAT_UPLOAD_MAX_FILES = env.int("CHAT_UPLOAD_MAX_FILES", default=10)


def chat_upload_stream_from(raw: str) -> int | None:
    """CHAT_UPLOAD_STREAM_FROM_BYTES as written: "off" or empty is None, else bytes from 0."""
    raw = raw.strip()
    if raw.lower() in ("", "off"):
        return None
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise ImproperlyConfigured(
            "CHAT_UPLOAD_STREAM_FROM_BYTES must be a number of bytes from 0, or 'off' (or empty) "
            f"to never stream uploads; it is {raw[:40]!r}."
        )
    return value


# Uploads of at least this many bytes (the request's Content-Length) are forwarded to postpress
# while they arrive; smaller ones are stored, then forwarded. 0: always; "off" or empty: never
# (for an API that refuses chunked bodies); anything else stops startup. docs/chats.md, "Uploads".
CHAT_UPLOAD_STREAM_FROM_BYTES: int | None = chat_upload_stream_from(
    env.str("CHAT_UPLOAD_STREAM_FROM_BYTES", default="16777216")
)

# Campaigns run in background workers through Django's tasks framework (docs/campaigns.md).
# TASKS_QUEUE selects the queue: "database" (the default: django-tasks-db, whose worker is
# `manage.py db_worker`, needs nothing but the database) or "rq" (RQ on Redis at
# TASKS_REDIS_URL, for workers on several machines: `manage.py rqworker --with-scheduler
# --job-class django_tasks_rq.backend.Job default`). `manage.py campaign_worker` runs the right
# one. Tests set a backend that only records what was enqueued.
TASKS_QUEUE = env.str("TASKS_QUEUE", default="database")
if TASKS_QUEUE == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
elif TASKS_QUEUE == "rq":
    INSTALLED_APPS.append("django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": env.str("TASKS_REDIS_URL", default="redis://127.0.0.1:6379/0")}}
else:
    raise ImproperlyConfigured("TASKS_QUEUE must be 'database' or 'rq'.")
# A campaign's send still under way after this long lost its worker mid-call: it is marked
# unconfirmed (never sent again by itself). Longer than any call may take.
CAMPAIGN_ABANDONED_AFTER_SECONDS = env.int("CAMPAIGN_ABANDONED_AFTER_SECONDS", default=120)
# A campaign stops by itself once postpress reports the account's usage at this percentage.
CAMPAIGN_STOP_AT_USAGE = env.int("CAMPAIGN_STOP_AT_USAGE", default=95)
# The most recipients a campaign holds, and the largest recipients file (bytes).
CAMPAIGN_MAX_RECIPIENTS = env.int("CAMPAIGN_MAX_RECIPIENTS", default=10_000)
CAMPAIGN_MAX_FILE_BYTES = env.int("CAMPAIGN_MAX_FILE_BYTES", default=10 * 1024 * 1024)

# The local sandbox API (python manage.py run_sandbox) and the key it accepts.
SANDBOX_API_KEY = env.str("SANDBOX_API_KEY", default="pp_sandbox_demo_key")

# Logs go to stderr, one JSON object per line in production ("text" reads better locally).
# Every record carries the request id; postpress errors also carry the API's instance id.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "postpress_dashboard.core.observability.RequestIdFilter"},
        # An invite link's token never reaches a log line, Django's own included.
        "path_token": {"()": "postpress_dashboard.core.observability.PathTokenFilter"},
    },
    "formatters": {
        "json": {"()": "postpress_dashboard.core.observability.JsonFormatter"},
        # Control characters in a message are escaped: a request cannot forge a line.
        "text": {"()": "postpress_dashboard.core.observability.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "path_token"],
            "formatter": LOG_FORMAT,
        }
    },
    "loggers": {"django.request": {"filters": ["path_token"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
