"""Settings for stampcard, read from the environment (12-factor).

Every setting that differs between a laptop demo and production is an environment variable; the README lists
them. Defaults give a working single-process install on SQLite under ``var/``.
"""

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("STAMPCARD_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret_key() -> str:
    # A development key is generated once per checkout under var/ so that nothing secret lives in the repo and
    # sessions survive restarts. Production sets SECRET_KEY.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or _dev_secret_key()
DEBUG = _env_bool("DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]
BASE_URL = os.environ.get("BASE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}").rstrip("/")
CSRF_TRUSTED_ORIGINS = [BASE_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "django_prometheus",
    "ninja",
    "stampcard.core",
    "stampcard.merchants",
    "stampcard.customers",
    "stampcard.cards",
    "stampcard.rewards",
    "stampcard.vouchers",
    "stampcard.lottery",
    "stampcard.referrals",
    "stampcard.wallet",
    "stampcard.public",
    "stampcard.wallet.google",
    "stampcard.wallet.apple",
    "stampcard.receipts",
    "stampcard.scanner",
    "stampcard.inserts",
    "stampcard.poster",
    "stampcard.campaigns",
    "stampcard.analytics",
    "stampcard.api",
    "stampcard.panel",
    "stampcard.demo",
    "django_htmx",
    # Two-factor sign-in to the panel (TOTP apps and one-time backup codes).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "log_request_id.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "stampcard.core.lanes.CspForPages",  # django-csp's; the API's JSON answers get a constant policy
    "stampcard.core.middleware.FrameAncestorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the session, the body or the path: NUL and other control characters, oversized bodies.
    "stampcard.api.guard.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",  # as is: check --deploy's cookie checks look for it
    "django.middleware.locale.LocaleMiddleware",
    "stampcard.core.pagelimits.PageViewLimitMiddleware",  # customer pages per address; after Locale (its page)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",  # as is: check --deploy looks for it by name; ninja views are exempt
    # The POS API (/api/, bearer keys) skips the browser-only middleware from here on: stampcard.core.lanes.
    "stampcard.core.lanes.AuthenticationForPages",
    "stampcard.core.lanes.OtpForPages",
    "stampcard.panel.middleware.StaffLanguageMiddleware",
    "stampcard.core.lanes.MessagesForPages",
    "stampcard.core.lanes.HtmxForPages",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "stampcard.api.middleware.ApiErrorPagesMiddleware",
    "stampcard.core.metrics.RequestMetricsMiddleware",  # django-prometheus' PrometheusAfterMiddleware, cheaper
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'stampcard.sqlite3'}"


def _database(url: str) -> dict[str, Any]:
    """A database from its URL; on PostgreSQL with server-side parameter binding, which lets psycopg prepare the
    statements a connection repeats (every checkout runs the same dozen) and saves the server's parse and plan
    work: +26% checkouts/s in bench/stamp_throughput. Query parameters in the URL override both (e.g.
    ?server_side_binding=false behind a pooler that cannot keep prepared statements)."""
    database: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60"))))
    if database["ENGINE"] == "django.db.backends.postgresql":
        database.setdefault("OPTIONS", {})
        database["OPTIONS"].setdefault("server_side_binding", True)
        database["OPTIONS"].setdefault("prepare_threshold", 5)
    return database


DATABASES = {"default": _database(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE transactions take the write lock up front, so two
    # writers queue on the busy timeout instead of failing with "database is locked" half-way through.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # One test database per test process, so that two suites (a developer's and a helper's, or CI's) can run at once.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
# A streaming replica of the primary for the reads that may lag by seconds: the analytics page and API, and the CSV
# exports (stampcard.core.reads names them; nothing else reads it). Unset, there is one database and they read it.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = _database(DATABASE_REPLICA_URL)
    # Tests read the replica alias from the test database itself (no second test database is created), and
    # migrations never run against it (stampcard.core.reads.ReplicaRouter): the primary streams the schema to it.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    # Only with a replica: Django asks every router on every query, and this one has nothing to say about those.
    DATABASE_ROUTERS = ["stampcard.core.reads.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # A Redis that does not answer within a quarter second counts as down: the cache answers as an empty one
    # (stampcard.core.cache) and the request goes on, instead of customer pages failing until Redis is back.
    CACHES = {
        "default": {
            "BACKEND": "stampcard.core.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_timeout": 0.25, "socket_connect_timeout": 0.25},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# A worker refreshes its heartbeat row this often; a RUNNING task whose worker has not been seen for the timeout is
# re-queued (stampcard.core.workers), and one claimed TASKS_MAX_CLAIMS times without finishing is failed.
TASKS_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("TASKS_WORKER_HEARTBEAT_SECONDS", "10"))
TASKS_WORKER_TIMEOUT_SECONDS = float(os.environ.get("TASKS_WORKER_TIMEOUT_SECONDS", "60"))
TASKS_MAX_CLAIMS = int(os.environ.get("TASKS_MAX_CLAIMS", "5"))
# The largest CSV file a merchant may import at once (about 50,000 customers); the file is kept in the import job's
# row until the job finishes, so any worker can resume it (stampcard.cards.imports).
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))

AUTH_USER_MODEL = "merchants.StaffUser"
# Staff sign in through the admin's login page until the merchant panel has its own.
LOGIN_URL = "panel:login"
LOGIN_REDIRECT_URL = "panel:dashboard"
# The name authenticator apps show beside a staff login's two-factor codes.
OTP_TOTP_ISSUER = "stampcard"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("uk", _("Ukrainian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]  # English times without "a.m." (see config/formats/en/formats.py)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every start until collectstatic has filled it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# Logs go to stderr, one JSON object a line when LOG_FORMAT=json (production: a log shipper reads them), each with
# the request id of the request it belongs to ("none" outside a request; X-Request-ID answers it to the client).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Request lines and paths lose the bearer tokens of customer links before any handler sees them.
    "filters": {
        "request_id": {"()": "log_request_id.filters.RequestIDFilter"},
        "redact_secrets": {"()": "stampcard.core.logredact.RedactSecrets"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id", "redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["redact_secrets"]},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
# A request id from the proxy in front (e.g. nginx's $request_id as X-Request-ID) is kept, so its access log and ours
# line up; without one, an id is generated. Set REQUEST_ID_HEADER= (empty) where clients reach the app directly.
_REQUEST_ID_HEADER = os.environ.get("REQUEST_ID_HEADER", "X-Request-ID")
LOG_REQUEST_ID_HEADER = "HTTP_" + _REQUEST_ID_HEADER.upper().replace("-", "_") if _REQUEST_ID_HEADER else None
GENERATE_REQUEST_ID_IF_NOT_IN_HEADER = True
REQUEST_ID_RESPONSE_HEADER = "X-Request-ID"

# Email (lost-phone codes, later campaigns). SMTP when EMAIL_HOST is set; otherwise printed to the console.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "stampcard <noreply@localhost>")

# stampcard's own knobs.
STAMPCARD = {
    # API keys record their last use at most this often, so the hot path does not write on every request.
    "API_KEY_LAST_USED_RESOLUTION_SECONDS": int(os.environ.get("API_KEY_LAST_USED_RESOLUTION_SECONDS", "60")),
    # An API key that verified is remembered this long per process (stampcard.merchants.keycache): a revocation, a
    # deactivated login or location, a plan change made elsewhere apply within it. 0 turns the memory off.
    "API_KEY_CACHE_SECONDS": int(os.environ.get("API_KEY_CACHE_SECONDS", "1")),
    # Idempotency records are kept this long; a replay after that is treated as a new request.
    "IDEMPOTENCY_TTL_HOURS": int(os.environ.get("IDEMPOTENCY_TTL_HOURS", "48")),
    "NAME_SEARCH_PAGE_SIZE": 20,
    # Failed voucher-code lookups allowed per window, per API key and per card, so codes cannot be guessed.
    "VOUCHER_LOOKUP_WINDOW_SECONDS": int(os.environ.get("VOUCHER_LOOKUP_WINDOW_SECONDS", "600")),
    "VOUCHER_LOOKUP_FAILURES_PER_KEY": int(os.environ.get("VOUCHER_LOOKUP_FAILURES_PER_KEY", "30")),
    "VOUCHER_LOOKUP_FAILURES_PER_CARD": int(os.environ.get("VOUCHER_LOOKUP_FAILURES_PER_CARD", "10")),
    # The paid plan's price per location, in minor units of EUR (shown in the panel; payment collection is separate).
    "PLAN_PRICE_MONTH_MINOR": int(os.environ.get("PLAN_PRICE_MONTH_MINOR", "2900")),
    "PLAN_PRICE_YEAR_MINOR": int(os.environ.get("PLAN_PRICE_YEAR_MINOR", "29000")),
    "VOUCHER_LOOKUP_FAILURES_PER_IP": int(os.environ.get("VOUCHER_LOOKUP_FAILURES_PER_IP", "100")),
    # Card-number and receipt-code lookups that find nothing, per window, per API key, scanner device and address
    # (stampcard.api.misses): 30 misses per 10 minutes leave a mistyping cashier alone and stop walking the numbers.
    "LOOKUP_WINDOW_SECONDS": int(os.environ.get("LOOKUP_WINDOW_SECONDS", "600")),
    "LOOKUP_MISSES_PER_KEY": int(os.environ.get("LOOKUP_MISSES_PER_KEY", "30")),
    "LOOKUP_MISSES_PER_DEVICE": int(os.environ.get("LOOKUP_MISSES_PER_DEVICE", "30")),
    "LOOKUP_MISSES_PER_IP": int(os.environ.get("LOOKUP_MISSES_PER_IP", "100")),
    # Customer pages (/c/, /r/, /i/, /v/) opened per address per window, counted in the cache (Redis when set).
    "PAGE_VIEWS_WINDOW_SECONDS": int(os.environ.get("PAGE_VIEWS_WINDOW_SECONDS", "600")),
    "PAGE_VIEWS_PER_IP": int(os.environ.get("PAGE_VIEWS_PER_IP", "600")),
}

# The stand-ins of stampcard.sandbox that dev and `make run` talk to instead of APNs, Google Wallet and Poster, each
# on its own loopback port. The defaults follow PORT (8000 -> 8197, 8790, 8791), so two `make run`s with different
# PORTs on one machine each get their own; 0 = any free port. `manage.py demo` prints the ports it got and passes
# them on to the web server and the worker (stampcard/demo/stand_ins.py).
STANDIN_PORT_OFFSETS = {"APNS_STANDIN_PORT": 197, "GOOGLE_WALLET_STANDIN_PORT": 790, "POSTER_STANDIN_PORT": 791}
_RUN_PORT = int(os.environ.get("PORT") or "8000")


def _standin_port(name: str) -> int:
    return int(os.environ.get(name) or _RUN_PORT + STANDIN_PORT_OFFSETS[name])


APNS_STANDIN_PORT = _standin_port("APNS_STANDIN_PORT")
GOOGLE_WALLET_STANDIN_PORT = _standin_port("GOOGLE_WALLET_STANDIN_PORT")
POSTER_STANDIN_PORT = _standin_port("POSTER_STANDIN_PORT")

# Apple Wallet (stampcard.wallet.apple). Certificates and keys are a file path or the PEM text itself. With no pass
# certificate configured (dev, demo, tests) a throwaway CA, "WWDR" intermediate, pass certificate and APNs token key
# are generated under var/apple_wallet/ at first use, and pushes go to the APNs stand-in (stampcard.sandbox.apns).
_APPLE_DEV = not (os.environ.get("APPLE_PASS_CERT") or os.environ.get("APPLE_PASS_P12"))
APPLE_WALLET = {
    "PASS_TYPE_ID": os.environ.get("APPLE_PASS_TYPE_ID", "pass.dev.stampcard.card"),
    "TEAM_ID": os.environ.get("APPLE_TEAM_ID", "STAMPCARD1"),
    "PASS_CERT": os.environ.get("APPLE_PASS_CERT", ""),
    "PASS_KEY": os.environ.get("APPLE_PASS_KEY", ""),
    "PASS_KEY_PASSWORD": os.environ.get("APPLE_PASS_KEY_PASSWORD", ""),
    "PASS_P12": os.environ.get("APPLE_PASS_P12", ""),
    "PASS_P12_PASSWORD": os.environ.get("APPLE_PASS_P12_PASSWORD", ""),
    "WWDR_CERT": os.environ.get("APPLE_WWDR_CERT", ""),
    "VAR_DIR": VAR_DIR / "apple_wallet",  # generated dev keys, rendered images
    # The device appends /v1/...; Apple requires HTTPS in production.
    "WEB_SERVICE_URL": os.environ.get("APPLE_WEB_SERVICE_URL", f"{BASE_URL}/wallet/apple"),
    "APNS_URL": os.environ.get(
        "APNS_URL", f"https://127.0.0.1:{APNS_STANDIN_PORT}" if _APPLE_DEV else "https://api.push.apple.com"
    ),
    # Token auth (an ES256 .p8 key from the developer account); without it the pass certificate is the TLS client cert.
    "APNS_KEY": os.environ.get("APNS_KEY", ""),
    "APNS_KEY_ID": os.environ.get("APNS_KEY_ID", ""),
    "APNS_TEAM_ID": os.environ.get("APNS_TEAM_ID", "") or os.environ.get("APPLE_TEAM_ID", "STAMPCARD1"),
    # A CA bundle that the APNs server's certificate must chain to; empty = the system's (production).
    "APNS_CA_FILE": os.environ.get("APNS_CA_FILE", str(VAR_DIR / "sandbox" / "apns" / "tls.pem") if _APPLE_DEV else ""),
    "APNS_TIMEOUT_SECONDS": float(os.environ.get("APNS_TIMEOUT_SECONDS", "10")),
    "APNS_MAX_ATTEMPTS": int(os.environ.get("APNS_MAX_ATTEMPTS", "6")),
    "PUSH_BATCH_SIZE": int(os.environ.get("APPLE_PUSH_BATCH_SIZE", "500")),
    # Changes committed up to this long after a later one still reach a device that asked in between.
    "UPDATE_TAG_SKEW_SECONDS": 5,
}

# Google Wallet (stampcard.wallet.google). Production sets the issuer id and the service account's JSON key file
# (the account is invited as a Developer in the Google Pay & Wallet Console). Without a key file (dev, demo, tests)
# everything points at the Google Wallet stand-in (stampcard.sandbox.google_wallet), which generates a throwaway
# service account under var/google_wallet/; while that file does not exist Google Wallet is simply off.
_GOOGLE_DEV = not os.environ.get("GOOGLE_SERVICE_ACCOUNT_FILE")
_GOOGLE_SANDBOX_URL = os.environ.get(
    "GOOGLE_WALLET_SANDBOX_URL", f"http://127.0.0.1:{GOOGLE_WALLET_STANDIN_PORT}"
).rstrip("/")
GOOGLE_WALLET_ISSUER_ID = os.environ.get("GOOGLE_WALLET_ISSUER_ID", "3388000000000000000" if _GOOGLE_DEV else "")
GOOGLE_SERVICE_ACCOUNT_FILE = os.environ.get(
    "GOOGLE_SERVICE_ACCOUNT_FILE", str(VAR_DIR / "google_wallet" / "service_account.json")
)
GOOGLE_WALLET_API_URL = os.environ.get(
    "GOOGLE_WALLET_API_URL",
    f"{_GOOGLE_SANDBOX_URL}/walletobjects/v1"
    if _GOOGLE_DEV
    else "https://walletobjects.googleapis.com/walletobjects/v1",
)
GOOGLE_OAUTH_TOKEN_URL = os.environ.get(
    "GOOGLE_OAUTH_TOKEN_URL", f"{_GOOGLE_SANDBOX_URL}/token" if _GOOGLE_DEV else "https://oauth2.googleapis.com/token"
)
# Google's root keys for verifying save/delete callbacks (ECv2SigningOnly).
GOOGLE_WALLET_CALLBACK_KEYS_URL = os.environ.get(
    "GOOGLE_WALLET_CALLBACK_KEYS_URL",
    f"{_GOOGLE_SANDBOX_URL}/gp/m/issuer/keys" if _GOOGLE_DEV else "https://pay.google.com/gp/m/issuer/keys",
)
GOOGLE_WALLET_CALLBACK_SENDER_ID = "GooglePayPasses"
GOOGLE_WALLET_SAVE_URL = os.environ.get(
    "GOOGLE_WALLET_SAVE_URL", f"{_GOOGLE_SANDBOX_URL}/gp/v/save" if _GOOGLE_DEV else "https://pay.google.com/gp/v/save"
)
# Classes are sent UNDER_REVIEW: drafts cannot back objects, and Google refuses APPROVED from issuers.
GOOGLE_WALLET_REVIEW_STATUS = os.environ.get("GOOGLE_WALLET_REVIEW_STATUS", "UNDER_REVIEW")
GOOGLE_WALLET_TIMEOUT_SECONDS = float(os.environ.get("GOOGLE_WALLET_TIMEOUT_SECONDS", "10"))
GOOGLE_WALLET_MAX_ATTEMPTS = int(os.environ.get("GOOGLE_WALLET_MAX_ATTEMPTS", "8"))
GOOGLE_WALLET_RETRY_BASE_SECONDS = int(os.environ.get("GOOGLE_WALLET_RETRY_BASE_SECONDS", "30"))
GOOGLE_WALLET_SYNC_BATCH_SIZE = int(os.environ.get("GOOGLE_WALLET_SYNC_BATCH_SIZE", "200"))

# Poster POS (stampcard.poster). Production sets POSTER_APPLICATION_ID and POSTER_APPLICATION_SECRET (developer
# cabinet -> the application's settings) and the URLs default to Poster's own. Without a secret (dev, demo, tests)
# everything points at the Poster stand-in (stampcard.sandbox.poster) on loopback, with an application secret
# generated once under var/.
_POSTER_DEV = not os.environ.get("POSTER_APPLICATION_SECRET")
_POSTER_SANDBOX_URL = os.environ.get("POSTER_SANDBOX_URL", f"http://127.0.0.1:{POSTER_STANDIN_PORT}").rstrip("/")


def _dev_poster_secret() -> str:
    path = VAR_DIR / "poster_application_secret"
    if not path.exists():
        path.write_text(secrets.token_hex(16))
        path.chmod(0o600)
    return path.read_text().strip()


POSTER_API_URL = os.environ.get(
    "POSTER_API_URL", f"{_POSTER_SANDBOX_URL}/api" if _POSTER_DEV else "https://joinposter.com/api"
).rstrip("/")
POSTER_APPLICATION_ID = os.environ.get("POSTER_APPLICATION_ID", "4242" if _POSTER_DEV else "")
POSTER_APPLICATION_SECRET = os.environ.get("POSTER_APPLICATION_SECRET") or _dev_poster_secret()
POSTER_OAUTH_AUTHORIZE_URL = os.environ.get(
    "POSTER_OAUTH_AUTHORIZE_URL",
    f"{_POSTER_SANDBOX_URL}/api/auth" if _POSTER_DEV else "https://joinposter.com/api/auth",
)
# {account} is the Poster login from the callback (validated before it becomes part of this URL).
POSTER_OAUTH_TOKEN_URL = os.environ.get(
    "POSTER_OAUTH_TOKEN_URL",
    f"{_POSTER_SANDBOX_URL}/{{account}}/api/v2/auth/access_token"
    if _POSTER_DEV
    else "https://{account}.joinposter.com/api/v2/auth/access_token",
)
# Must equal, character for character, the redirect URI in the application's settings at Poster.
POSTER_OAUTH_REDIRECT_URI = os.environ.get("POSTER_OAUTH_REDIRECT_URI", f"{BASE_URL}/integrations/poster/callback")
POSTER_TIMEOUT_SECONDS = float(os.environ.get("POSTER_TIMEOUT_SECONDS", "10"))
POSTER_MAX_ATTEMPTS = int(os.environ.get("POSTER_MAX_ATTEMPTS", "3"))  # per Web API call, in all
POSTER_RETRY_BACKOFF_SECONDS = float(os.environ.get("POSTER_RETRY_BACKOFF_SECONDS", "0.5"))
POSTER_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("POSTER_WEBHOOK_MAX_ATTEMPTS", "8"))  # tasks per delivery
POSTER_WEBHOOK_RETRY_BASE_SECONDS = int(os.environ.get("POSTER_WEBHOOK_RETRY_BASE_SECONDS", "30"))
# How long one run may hold a delivery before another may take it over (longer than a run's Poster calls take).
POSTER_DELIVERY_LEASE_SECONDS = int(os.environ.get("POSTER_DELIVERY_LEASE_SECONDS", "300"))
# Fernet key for the account tokens at rest; empty = derived from SECRET_KEY. Old keys (comma-separated) stay
# readable during a rotation.
POSTER_TOKEN_KEY = os.environ.get("POSTER_TOKEN_KEY", "")
POSTER_TOKEN_OLD_KEYS = os.environ.get("POSTER_TOKEN_OLD_KEYS", "")

# Outbound webhooks (stampcard.campaigns.webhooks, docs/webhooks.md). Only https:// to public addresses unless
# STAMPCARD_WEBHOOKS_ALLOW_HTTP is on (the demo turns it on): then http:// and local addresses such as
# http://127.0.0.1:9000/hook are allowed too. Never on in production.
STAMPCARD_WEBHOOKS_ALLOW_HTTP = _env_bool("STAMPCARD_WEBHOOKS_ALLOW_HTTP", False)
STAMPCARD_WEBHOOKS_TIMEOUT_SECONDS = float(os.environ.get("STAMPCARD_WEBHOOKS_TIMEOUT_SECONDS", "10"))
# A sending round starts no new POST after this long (a round's deliveries of one endpoint go one after another).
STAMPCARD_WEBHOOKS_ROUND_SECONDS = float(os.environ.get("STAMPCARD_WEBHOOKS_ROUND_SECONDS", "30"))
# Messages (stampcard.campaigns.messages.sender): how long a sending round holds a batch it has not finished (renewed
# as it goes; a dead worker's batch is sent by another round once it lapses), and how long a round runs before it
# queues its continuation.
STAMPCARD_MESSAGES_CLAIM_SECONDS = float(os.environ.get("STAMPCARD_MESSAGES_CLAIM_SECONDS", "120"))
STAMPCARD_MESSAGES_ROUND_SECONDS = float(os.environ.get("STAMPCARD_MESSAGES_ROUND_SECONDS", "120"))

# --- Production: TLS, security headers, health and metrics (docs/deploy.md lists the production environment) -------
# Everything below follows from BASE_URL: an https:// BASE_URL turns on the redirect to HTTPS, HSTS and secure
# cookies; each can still be set on its own. `make run` on http://127.0.0.1 keeps them all off.
HTTPS = _env_bool("HTTPS", BASE_URL.startswith("https://"))
# Behind a proxy that terminates TLS the app sees plain HTTP: trust the proxy's X-Forwarded-Proto, but only when told
# (anyone reaching the app directly could otherwise claim to be on HTTPS).
if _env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = _env_bool("USE_X_FORWARDED_HOST", False)
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", HTTPS)
# Probes and the metrics scraper talk to the app from inside, in plain HTTP: never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = _env_bool("CSRF_COOKIE_SECURE", HTTPS)
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp) on every page: scripts and styles from our origin or with the request's nonce
# (`<script nonce="{{ request.csp_nonce }}">`), no plugins, no framing. The admin keeps Django's own headers.
# CSP_REPORT_URI collects violations (e.g. a report-uri.com endpoint or an internal collector).
_CSP_DIRECTIVES: dict[str, list[Any] | bool] = {
    "default-src": [SELF],
    "script-src": [SELF, NONCE],
    "style-src": [SELF, NONCE],
    # OpenStreetMap's tiles: the map that places a location in the panel (frontend/panel/src/organisation.js).
    "img-src": [SELF, "data:", "blob:", "https://tile.openstreetmap.org"],
    "media-src": [SELF, "blob:"],  # the scanner's camera stream
    "worker-src": [SELF, "blob:"],
    "connect-src": [SELF],
    "font-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
if HTTPS:
    _CSP_DIRECTIVES["upgrade-insecure-requests"] = True
if os.environ.get("CSP_REPORT_URI"):
    _CSP_DIRECTIVES["report-uri"] = [os.environ["CSP_REPORT_URI"]]
CONTENT_SECURITY_POLICY = {"EXCLUDE_URL_PREFIXES": ["/admin/"], "DIRECTIVES": _CSP_DIRECTIVES}
# Pages that others embed in a frame: the Poster connection pages open inside Poster's admin (its "manage" platform
# iframe). These paths get this frame-ancestors instead of 'none', and no X-Frame-Options (stampcard.core.middleware).
POSTER_FRAME_ANCESTORS = os.environ.get("POSTER_FRAME_ANCESTORS", "https://joinposter.com https://*.joinposter.com")
FRAME_ANCESTORS_BY_PATH = {"/integrations/poster/": POSTER_FRAME_ANCESTORS.split()}

# /readyz answers 503 when the database is unreachable or the oldest task waiting to run is older than this.
READY_MAX_TASK_AGE_SECONDS = int(os.environ.get("READY_MAX_TASK_AGE_SECONDS", "600"))
# /metrics (Prometheus) needs `Authorization: Bearer <METRICS_TOKEN>`; without a token it answers only to loopback.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# With several web processes (gunicorn workers) their counters meet in this directory (prometheus-client's
# multiprocess mode): set PROMETHEUS_MULTIPROC_DIR in the environment of every process, an empty directory per start.
PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
PROMETHEUS_METRIC_NAMESPACE = "stampcard"
# A worker serves its own process's metrics (wallet push failures) on this port when set; keep it internal.
WORKER_METRICS_PORT = int(os.environ.get("WORKER_METRICS_PORT") or "0")
WORKER_METRICS_ADDRESS = os.environ.get("WORKER_METRICS_ADDRESS", "127.0.0.1")
