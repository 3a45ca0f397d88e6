"""Settings, read from the environment and an optional .env file (see .env.example)."""

from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# The fallback key only serves local development and tests; set SECRET_KEY anywhere else.
SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-set-SECRET_KEY-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
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
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction starts (no "database is locked" upgrade failures)
    # and let readers and a writer work at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
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
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # htmx comes from the npm registry (package.json), never from a CDN or a copy in the repo.
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]

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
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie: the token is sent from <body hx-headers>

# Fernet keys (comma-separated, newest first) that encrypt team API keys at rest; independent
# of SECRET_KEY. Required: the teams app refuses to start without them. Without the variable,
# the local keys `make setup` generated in var/ are used (never present on a production host).
LOCAL_KEYS_FILE = VAR_DIR / "field-encryption-keys"
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS",
    default=LOCAL_KEYS_FILE.read_text().split(",") if LOCAL_KEYS_FILE.exists() else [],
)
FIELD_ENCRYPTION_KEYS = [key.strip() for key in FIELD_ENCRYPTION_KEYS if key.strip()]

# The postpress API. Teams may override the base URL; this is the default for new teams.
# The docs' headings say /v1 and their curl examples say /api/v1: both are accepted.
POSTPRESS_DEFAULT_BASE_URL = env.str(
    "POSTPRESS_DEFAULT_BASE_URL", default="https://api.postpress.ai/api/v1"
)
# Hosts a team's base URL may point at: the API key goes wherever the base URL says. Plain http
# is accepted for loopback hosts only (the local sandbox).
POSTPRESS_ALLOWED_HOSTS = env.list(
    "POSTPRESS_ALLOWED_HOSTS", default=["api.postpress.ai", "127.0.0.1", "localhost"]
)
POSTPRESS_CONNECT_TIMEOUT = env.float("POSTPRESS_CONNECT_TIMEOUT", default=3.05)
POSTPRESS_READ_TIMEOUT = env.float("POSTPRESS_READ_TIMEOUT", default=10.0)
POSTPRESS_UPLOAD_READ_TIMEOUT = env.float("POSTPRESS_UPLOAD_READ_TIMEOUT", default=120.0)
POSTPRESS_TOTAL_BUDGET = env.float("POSTPRESS_TOTAL_BUDGET", default=25.0)

# Chat uploads, checked while the upload streams in. The defaults let a 200 MB video through.
CHAT_UPLOAD_MAX_FILE_BYTES = env.int("CHAT_UPLOAD_MAX_FILE_BYTES", default=250 * 1024 * 1024)
CHAT_UPLOAD_MAX_REQUEST_BYTES = env.int("CHAT_UPLOAD_MAX_REQUEST_BYTES", default=300 * 1024 * 1024)
CHAT_UPLOAD_MAX_FILES = env.int("CHAT_UPLOAD_MAX_FILES", default=10)

# The local sandbox API (python manage.py run_sandbox) and the key it accepts.
SANDBOX_API_KEY = env.str("SANDBOX_API_KEY", default="pp_sandbox_demo_key")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
