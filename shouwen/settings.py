"""Settings for Shouwen, read from environment variables (see docs/development/getting-started.md)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from shouwen.env import envbool, envchoice, envint, envlist, envstr, parse_time_range

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
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
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
    "shouwen.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
# Sign-in lockout: this many failures within the window lock the account for the window.
SHOUWEN_LOCKOUT_FAILURES = envint("SHOUWEN_LOCKOUT_FAILURES", 5, minimum=1)
SHOUWEN_LOCKOUT_MINUTES = envint("SHOUWEN_LOCKOUT_MINUTES", 15, minimum=1)

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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
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
# Quiet hours for staff e-mail and SMS, local time "HH:MM-HH:MM" ("" for none): non-urgent messages
# wait until they end, urgent (safety) ones go out at once. Parsed here so a typo stops start-up.
SHOUWEN_QUIET_HOURS = envstr("SHOUWEN_QUIET_HOURS", "22:00-07:00")
parse_time_range("SHOUWEN_QUIET_HOURS", SHOUWEN_QUIET_HOURS)
# Where staff open Shouwen, e.g. https://kefu.example.com; e-mails link to pages under it ("" = paths only).
SHOUWEN_SITE_URL = envstr("SHOUWEN_SITE_URL", "").rstrip("/")

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

# Background tasks (deadline sweep, e-mail and SMS) are queued in the database and run by `shouwen worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 12 * 3600, minimum=300)
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if MODE == "production":
    SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", True)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
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
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}
