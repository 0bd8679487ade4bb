"""Settings for Shouwen, read from environment variables (see docs/development/getting-started.md)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from shouwen.core.csp import CSP
from shouwen.env import (
    envbool,
    envchoice,
    envheader,
    envint,
    envlist,
    envnetworks,
    envnetworks_default,
    envrate,
    envstr,
    parse_time_range,
)

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(envstr("SHOUWEN_VAR_DIR", str(PROJECT_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# "development" generates and keeps a secret key under var/; "production" requires SECRET_KEY.
MODE = envchoice("SHOUWEN_MODE", "development", ("development", "production"))
DEBUG = envbool("DEBUG", False)


def _secret_key() -> str:
    key = envstr("SECRET_KEY", "")
    if key:
        return key
    if MODE == "production":
        raise ImproperlyConfigured("SECRET_KEY must be set when SHOUWEN_MODE=production")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "shouwen.core",
    "shouwen.access",
    "shouwen.accounts",
    "shouwen.directory",
    "shouwen.procedures",
    "shouwen.cases",
    "shouwen.notifications",
    "shouwen.sla",
    "shouwen.workorders",
    "shouwen.followups",
    "shouwen.duty",
    "shouwen.homevisits",
    "shouwen.surveys",
    "shouwen.reports",
    "shouwen.rounds",
    "shouwen.mailbox",
    "shouwen.notices",
    "shouwen.portal",
    "shouwen.wechat",
    "shouwen.api",
    "shouwen.development",
]

MIDDLEWARE = [
    "shouwen.core.logs.RequestIdMiddleware",
    "shouwen.core.metrics.RequestLatencyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "shouwen.core.csp.ContentSecurityPolicyMiddleware",
    "shouwen.core.middleware.RefuseNulCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shouwen.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads the body (CSRF reads the form): a body of megabytes is refused unread.
    "shouwen.core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Directory history rows name the signed-in user (the API's token user too: DRF sets request.user).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "shouwen.core.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "shouwen.urls"
WSGI_APPLICATION = "shouwen.wsgi.application"

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
                "django.template.context_processors.i18n",
                "shouwen.core.context_processors.shouwen",
                "shouwen.notifications.context_processors.notifications",
            ],
        },
    }
]

# Database: PostgreSQL from DATABASE_URL, otherwise SQLite (WAL mode) under var/.
_database_url = envstr("DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=envint("DB_CONN_MAX_AGE", 60))}
    if DATABASES["default"]["ENGINE"] not in (
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    ):
        raise ImproperlyConfigured(
            "DATABASE_URL must point at PostgreSQL (postgres://…) or SQLite (sqlite:///…)"
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "shouwen.sqlite3"),
        }
    }
# How long a write on SQLite waits for another one to finish before it gives up ("database is
# locked"). Write transactions are kept short (no segmentation, rendering, mail or SMS inside them),
# so a writer normally waits milliseconds; the margin covers a burst of them and a nightly ANALYZE.
SHOUWEN_SQLITE_BUSY_TIMEOUT = envint("SHOUWEN_SQLITE_BUSY_TIMEOUT", 20, minimum=1)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": SHOUWEN_SQLITE_BUSY_TIMEOUT,
            # BEGIN IMMEDIATE: a write transaction takes the write lock when it starts (waiting up to
            # the busy timeout) instead of failing at once when a read turns into a write.
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
    # A file, not memory, so that a worker process started by a test sees the test's data; one per
    # test process, so that parallel runs never share it.
    DATABASES["default"]["TEST"] = {
        "NAME": envstr("SHOUWEN_TEST_SQLITE", "") or str(VAR_DIR / f"test-{os.getpid()}.sqlite3")
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["shouwen.accounts.backends.StaffNumberOrUsernameBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Sign-in throttle (docs/development/decisions.md): after the free failures, each further attempt for
# the account, or from the address, waits 2, 4, 8 … seconds, never more than the cap. A counter is
# forgotten after that many quiet hours (the account's also at a successful sign-in).
SHOUWEN_SIGNIN_ACCOUNT_FREE_FAILURES = envint("SHOUWEN_SIGNIN_ACCOUNT_FREE_FAILURES", 5, minimum=1)
SHOUWEN_SIGNIN_ADDRESS_FREE_FAILURES = envint("SHOUWEN_SIGNIN_ADDRESS_FREE_FAILURES", 20, minimum=1)
SHOUWEN_SIGNIN_MAX_DELAY_MINUTES = envint("SHOUWEN_SIGNIN_MAX_DELAY_MINUTES", 15, minimum=1)
SHOUWEN_SIGNIN_ACCOUNT_FORGET_HOURS = envint("SHOUWEN_SIGNIN_ACCOUNT_FORGET_HOURS", 24, minimum=1)
SHOUWEN_SIGNIN_ADDRESS_FORGET_HOURS = envint("SHOUWEN_SIGNIN_ADDRESS_FORGET_HOURS", 1, minimum=1)
# Proxies whose X-Forwarded-For is believed (addresses or CIDRs, comma-separated); none by default.
SHOUWEN_TRUSTED_PROXIES = envnetworks("SHOUWEN_TRUSTED_PROXIES")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = envstr("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at start-up if it is missing
# Uploads (attachments, photos, signatures): a folder, shared by every web node and worker when
# there are several (SHOUWEN_MEDIA_ROOT on NFS or similar), or an S3-compatible store through
# django-storages with SHOUWEN_MEDIA_STORAGE=s3 and SHOUWEN_S3_* (AWS_* credentials as boto3 reads them).
SHOUWEN_MEDIA_STORAGE = envchoice("SHOUWEN_MEDIA_STORAGE", "file", ("file", "s3"))
if SHOUWEN_MEDIA_STORAGE == "s3":
    _media: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": envstr("SHOUWEN_S3_BUCKET", ""),
            "endpoint_url": envstr("SHOUWEN_S3_ENDPOINT_URL", "") or None,
            "region_name": envstr("SHOUWEN_S3_REGION", "") or None,
            "location": envstr("SHOUWEN_S3_PREFIX", "media"),
            "default_acl": None,
            "querystring_auth": True,  # never public: the application streams files after its checks
            "file_overwrite": False,
        },
    }
    if not _media["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("SHOUWEN_MEDIA_STORAGE=s3 needs SHOUWEN_S3_BUCKET")
else:
    _media = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(envstr("SHOUWEN_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"  # never served as is: attachments go out through a view that checks the estate
# Largest photo or PDF that may be attached to a case, in megabytes.
SHOUWEN_ATTACHMENT_MAX_MB = envint("SHOUWEN_ATTACHMENT_MAX_MB", 10, minimum=1)
# Largest request body without files (forms, JSON), in bytes. The longest real one, an intake form
# with four long texts at their limit, is under 1 MB; a drawn signature is far smaller. Bodies with
# files may be as large as the largest upload plus this (shouwen.core.middleware.RequestSizeLimitMiddleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024, minimum=64 * 1024)
# How many days back a contact's reception time may be given (a letter or a night-log entry
# registered late); an earlier date is refused as a typing mistake.
SHOUWEN_CONTACT_BACKDATE_DAYS = envint("SHOUWEN_CONTACT_BACKDATE_DAYS", 31, minimum=1)
# TrueType CJK font for printed work orders, "path" or "path#index" for a .ttc ("" = Debian's usual fonts).
SHOUWEN_PDF_FONT = envstr("SHOUWEN_PDF_FONT", "")
# Text messages: the default backend writes to the log; name a gateway class to send for real.
SHOUWEN_SMS_BACKEND = envstr("SHOUWEN_SMS_BACKEND", "shouwen.core.sms.LogSmsBackend")
# Receipts texted to a resident about one case within 24 hours (a mistaken or malicious resend loop
# must not flood a resident's phone or the company's SMS bill).
# WeChat official accounts: template messages out and media in go through this backend (the default
# writes to the log; name a client of WeChat's API to send for real).
SHOUWEN_WECHAT_BACKEND = envstr("SHOUWEN_WECHAT_BACKEND", "shouwen.wechat.backends.LogWechatBackend")
# A WeChat request whose timestamp is further than this from now is refused (a replayed request).
SHOUWEN_WECHAT_REPLAY_SECONDS = envint("SHOUWEN_WECHAT_REPLAY_SECONDS", 300, minimum=30)
# A follower's message within this many minutes of their last one joins that case if still open.
SHOUWEN_WECHAT_FOLLOWUP_MINUTES = envint("SHOUWEN_WECHAT_FOLLOWUP_MINUTES", 30, minimum=1)
# How many hours the link that binds a follower to a resident (sent in the account's reply) stays valid.
SHOUWEN_WECHAT_BIND_HOURS = envint("SHOUWEN_WECHAT_BIND_HOURS", 24, minimum=1)
SHOUWEN_SMS_PER_CASE_PER_DAY = envint("SHOUWEN_SMS_PER_CASE_PER_DAY", 3, minimum=1)
# A notice's text messages go out at most this many a minute across all workers (the gateway's rate
# and the company's bill); the rest follow in the next minutes. They also wait for the end of quiet hours.
SHOUWEN_NOTICE_SMS_PER_MINUTE = envint("SHOUWEN_NOTICE_SMS_PER_MINUTE", 60, minimum=1)
# The longest text message of a notice, signature and link included (a long SMS of several parts).
SHOUWEN_NOTICE_SMS_MAX_CHARS = envint("SHOUWEN_NOTICE_SMS_MAX_CHARS", 300, minimum=70)
# Survey links sent per worker run (once a minute): a round of 1,600 households goes out over the day.
SHOUWEN_SURVEY_SMS_PER_RUN = envint("SHOUWEN_SURVEY_SMS_PER_RUN", 30, minimum=1)
# Quiet hours for staff e-mail and SMS, local time "HH:MM-HH:MM" ("" for none): non-urgent messages
# wait until they end, urgent (safety) ones go out at once. Parsed here so a typo stops start-up.
SHOUWEN_QUIET_HOURS = envstr("SHOUWEN_QUIET_HOURS", "22:00-07:00")
parse_time_range("SHOUWEN_QUIET_HOURS", SHOUWEN_QUIET_HOURS)
# Where staff open Shouwen, e.g. https://kefu.example.com; e-mails link to pages under it ("" = paths only).
SHOUWEN_SITE_URL = envstr("SHOUWEN_SITE_URL", "").rstrip("/")

# The residents' portal (/r/): sign-in codes by text message and their limits, sessions, API tokens,
# and how long a receipt's link opens its case (docs/development/decisions.md).
SHOUWEN_PORTAL_CODE_MINUTES = envint("SHOUWEN_PORTAL_CODE_MINUTES", 10, minimum=1)
SHOUWEN_PORTAL_CODE_ATTEMPTS = envint("SHOUWEN_PORTAL_CODE_ATTEMPTS", 5, minimum=1)
SHOUWEN_PORTAL_CODE_GAP_SECONDS = envint("SHOUWEN_PORTAL_CODE_GAP_SECONDS", 60, minimum=0)
SHOUWEN_PORTAL_CODES_PER_PHONE = envint("SHOUWEN_PORTAL_CODES_PER_PHONE", 5, minimum=1)
SHOUWEN_PORTAL_CODES_PER_ADDRESS = envint("SHOUWEN_PORTAL_CODES_PER_ADDRESS", 20, minimum=1)
SHOUWEN_PORTAL_FAILURES_PER_ADDRESS = envint("SHOUWEN_PORTAL_FAILURES_PER_ADDRESS", 30, minimum=1)
SHOUWEN_PORTAL_SESSION_HOURS = envint("SHOUWEN_PORTAL_SESSION_HOURS", 24 * 7, minimum=1)
SHOUWEN_PORTAL_TOKEN_DAYS = envint("SHOUWEN_PORTAL_TOKEN_DAYS", 30, minimum=1)
SHOUWEN_PORTAL_LINK_DAYS = envint("SHOUWEN_PORTAL_LINK_DAYS", 30, minimum=1)

# Staff e-mail goes out through SMTP by the background worker (`shouwen worker`).
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "shouwen@localhost")
# Seconds before a silent mail server counts as failed, so one bad server cannot stall the worker.
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 15, minimum=1)
# An e-mail or SMS copy that cannot be sent (mail server down, SMS gateway error) is tried again,
# waiting 30 s, 1 min, 2 min … (never more than the longest wait) between tries, until this many
# minutes have passed since its first try; only then does it count as failed (admin, /metrics).
SHOUWEN_DELIVERY_RETRY_MINUTES = envint("SHOUWEN_DELIVERY_RETRY_MINUTES", 120, minimum=0)
SHOUWEN_DELIVERY_RETRY_FIRST_SECONDS = envint("SHOUWEN_DELIVERY_RETRY_FIRST_SECONDS", 30, minimum=1)
SHOUWEN_DELIVERY_RETRY_MAX_SECONDS = envint("SHOUWEN_DELIVERY_RETRY_MAX_SECONDS", 900, minimum=1)
# One delivery run sends for at most this many seconds; the next run goes on (the sweep is not held up).
SHOUWEN_DELIVERY_RUN_SECONDS = envint("SHOUWEN_DELIVERY_RUN_SECONDS", 20, minimum=1)
# A copy "sending" this long belongs to a worker that died mid-send: another worker sends it again.
# Longer than any one send can take (each SMTP step waits at most EMAIL_TIMEOUT), so a live worker
# has always finished (or given up) before its claim expires.
SHOUWEN_DELIVERY_CLAIM_SECONDS = envint("SHOUWEN_DELIVERY_CLAIM_SECONDS", 300, minimum=1)
if SHOUWEN_DELIVERY_CLAIM_SECONDS <= 6 * EMAIL_TIMEOUT:
    raise ImproperlyConfigured(
        "SHOUWEN_DELIVERY_CLAIM_SECONDS must be more than six times EMAIL_TIMEOUT (one send's longest time)"
    )
# Where the file backend (django.core.mail.backends.filebased.EmailBackend; `shouwen demo` uses it) writes.
EMAIL_FILE_PATH = envstr("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))

# Background tasks (deadline sweep, e-mail and SMS) run by `shouwen worker`: queued in the database
# (the default, nothing more to operate) or, with SHOUWEN_TASKS_BACKEND=rq, in Redis through RQ.
SHOUWEN_TASKS_BACKEND = envchoice("SHOUWEN_TASKS_BACKEND", "db", ("db", "rq"))
SHOUWEN_REDIS_URL = envstr("SHOUWEN_REDIS_URL", "redis://127.0.0.1:6379/0")
# A task killed with its worker is moved to RQ's failed list; the periodic ones run again anyway.
RQ_QUEUES = {"default": {"URL": SHOUWEN_REDIS_URL, "DEFAULT_TIMEOUT": 900}}
if SHOUWEN_TASKS_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# The deadline sweep runs once per this many seconds across all workers (a lease row decides which).
SHOUWEN_SWEEP_SECONDS = envint("SHOUWEN_SWEEP_SECONDS", 60, minimum=1)
# The estates' mailboxes are read over IMAP once per this many seconds across all workers.
SHOUWEN_MAIL_POLL_SECONDS = envint("SHOUWEN_MAIL_POLL_SECONDS", 60, minimum=5)
# Seconds to wait for an IMAP server before giving up until the next poll.
SHOUWEN_MAIL_TIMEOUT = envint("SHOUWEN_MAIL_TIMEOUT", 30, minimum=1)

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Security headers and cookies (docs/security.md). The same in every mode except what needs HTTPS:
# production is served over HTTPS only, development (`make demo`) over plain http://127.0.0.1:8000.
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 12 * 3600, minimum=300)
SESSION_COOKIE_HTTPONLY = True
# Lax rather than Strict: a link in a staff e-mail must open the page signed in.
SESSION_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie: forms and htmx take the token from the page.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Behind a proxy that ends TLS: the header it sets on HTTPS requests, e.g. "X-Forwarded-Proto: https".
# Only set it when the proxy always sets or strips that header, or clients could claim HTTPS.
SECURE_PROXY_SSL_HEADER = envheader("SECURE_PROXY_SSL_HEADER")
if MODE == "production":
    # Plain-HTTP requests are redirected to HTTPS; turn off only where the proxy redirects itself.
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    # A monitor on the machine or the load balancer may probe the health check over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 365 * 24 * 3600, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", True)
    LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # The __Host- prefix makes browsers refuse these cookies from a sibling subdomain or over HTTP.
    if SESSION_COOKIE_SECURE:
        SESSION_COOKIE_NAME = "__Host-sessionid"
    if CSRF_COOKIE_SECURE:
        CSRF_COOKIE_NAME = "__Host-csrftoken"

# Content-Security-Policy of every response, in every mode, so that development meets what
# production refuses (shouwen.core.csp). Scripts and styles come only from our own static files:
# no inline script, no eval, no inline style. Images also from data: and blob: URLs (the drawn
# signature, photo previews). The API docs pages have their own narrow exception (shouwen/api/urls.py).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, CSP.DATA, CSP.BLOB],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Shared counters (API throttling) live in the database by default, so every gunicorn worker and
# web node sees the same ones; SHOUWEN_CACHE_URL=redis://host:6379/0 moves them to Redis.
CACHE_TABLE = "shouwen_cache"
# Sessions are rows in the database (every web node sees them); SHOUWEN_SESSIONS=cache keeps them in
# the cache above (Redis, when SHOUWEN_CACHE_URL names one), with the database behind it.
SHOUWEN_SESSIONS = envchoice("SHOUWEN_SESSIONS", "db", ("db", "cache"))
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if SHOUWEN_SESSIONS == "cache"
    else "django.contrib.sessions.backends.db"
)
_cache_url = envstr("SHOUWEN_CACHE_URL", "")
CACHES: dict[str, dict[str, Any]]
if _cache_url.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}}
elif _cache_url:
    raise ImproperlyConfigured("SHOUWEN_CACHE_URL must be a redis:// URL (or empty for the database)")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            # One entry per user and per client address: room for a large company before culling.
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

# API request rates ("N/s|min|hour|day"); an administrator can change them in the admin (限流设置).
SHOUWEN_THROTTLE_RATES = {
    "user_read": envrate("SHOUWEN_RATE_USER_READ", "120/min"),
    "user_write": envrate("SHOUWEN_RATE_USER_WRITE", "30/min"),
    "anon": envrate("SHOUWEN_RATE_ANON", "20/min"),
    "sign_in": envrate("SHOUWEN_RATE_SIGN_IN", "60/min"),
}

# API tokens (django-rest-knox): only a hash is stored; each token expires.
SHOUWEN_TOKEN_DAYS = envint("SHOUWEN_TOKEN_DAYS", 90, minimum=1)
KNOX_TOKEN_MODEL = "accounts.ApiToken"
# knox's migrations would create its own token table, unused (our model replaces it) but holding a
# foreign key to auth_user that stops PostgreSQL from truncating users (flush, transactional tests).
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=SHOUWEN_TOKEN_DAYS),
    "AUTH_HEADER_PREFIX": "Token",  # what clients already send: "Authorization: Token …"
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shouwen.accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        # Not a way in: counts requests that no one above authenticated, per client address.
        "shouwen.core.throttling.AnonymousRequestThrottling",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "shouwen.core.throttling.UserReadThrottle",
        "shouwen.core.throttling.UserWriteThrottle",
    ],
    "EXCEPTION_HANDLER": "shouwen.api.exceptions.exception_handler",
    "DEFAULT_PERMISSION_CLASSES": ["shouwen.access.permissions.IsStaffMember"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "shouwen.api.pagination.BoundedLimitOffsetPagination",
    "DEFAULT_PARSER_CLASSES": [
        "shouwen.api.parsers.JSONParser",
        "shouwen.api.parsers.FormParser",
        "shouwen.api.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Shouwen API",
    "DESCRIPTION": "首问 Shouwen: property directory, cases and first-contact accountability.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The ways in; the last authentication class only counts anonymous requests and is no scheme.
    "AUTHENTICATION_WHITELIST": [
        "shouwen.accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "shouwen.portal.auth.ResidentAuthentication",
    ],
    # The error answers (400/401/403/404/409…) are documented too, so clients and schemathesis expect them.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "shouwen.api.schema.document_error_responses",
    ],
    # Choice sets sharing the field name "channel": where a contact came from, how a notice was given,
    # how a return visit was made; and "status" of a case, a handover and a return visit.
    "ENUM_NAME_OVERRIDES": {
        "ContactChannelEnum": "shouwen.cases.models.Channel",
        "NoticeChannelEnum": "shouwen.cases.models.OneTimeNotice.Channel",
        "ReturnVisitChannelEnum": "shouwen.followups.models.VisitChannel",
        "ReturnVisitStatusEnum": "shouwen.followups.models.VisitStatus",
        "StatusEnum": "shouwen.cases.models.CaseStatus",  # the name it had before return visits came
        # Work orders: their kind and state share field names with cases' events and deadlines.
        "WorkOrderKindEnum": "shouwen.workorders.models.OrderKind",
        "WorkOrderStateEnum": "shouwen.workorders.models.State",
        "AttributionEnum": "shouwen.cases.models.Attribution",  # a case's attribution, an order's responsibility
        "ResidentRatingEnum": "shouwen.workorders.models.Rating",
        "PaymentMethodEnum": "shouwen.workorders.models.PaymentMethod",
        # A repair case's urgency (three levels) and a work order's (emergency or normal).
        "CaseUrgencyEnum": "shouwen.cases.models.Urgency",
        "WorkOrderUrgencyEnum": "shouwen.workorders.models.Urgency",
        "CaseCategoryEnum": "shouwen.cases.models.Category",
        # A return visit's unanswered call and a home visit both have an outcome; a home visit's
        # opinion becomes a case of fewer categories than the intake offers.
        "OutcomeEnum": "shouwen.followups.models.AttemptOutcome",
        "HomeVisitOutcomeEnum": "shouwen.homevisits.models.Outcome",
        "SurveyRatingEnum": "shouwen.surveys.models.Rating",
        "SurveyServiceEnum": "shouwen.surveys.models.ServiceKind",
        "SurveyQuestionKindEnum": "shouwen.surveys.models.QuestionKind",
        "VisitCaseCategoryEnum": "shouwen.api.serializers.homevisits.VISIT_CASE_CATEGORIES",
    },
}

# Logs go to standard error: plain text by default, one JSON object per line with
# SHOUWEN_LOG_FORMAT=json (what docs/deploy.md sets); either way each line names its request id.
SHOUWEN_LOG_FORMAT = envchoice("SHOUWEN_LOG_FORMAT", "text", ("text", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "shouwen.core.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "shouwen.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": SHOUWEN_LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}

# /metrics (Prometheus) answers a request with "Authorization: Bearer <token>", or from these networks.
SHOUWEN_METRICS_TOKEN = envstr("SHOUWEN_METRICS_TOKEN", "")
SHOUWEN_METRICS_NETWORKS = envnetworks("SHOUWEN_METRICS_NETWORKS") or envnetworks_default(
    ["127.0.0.0/8", "::1"]
)
