"""Steward settings, read from the environment (django-environ).

With nothing set, the embedded default runs: SQLite under var/ and kombu's filesystem broker.
DATABASE_URL and CELERY_BROKER_URL switch to PostgreSQL and Redis. DJANGO_DEBUG=false is production:
it refuses to start without SECRET_KEY.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; development runs with no .env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
VAR_DIR = Path(env.str("STEWARD_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production-0123456789")
else:
    # Production: SECRET_KEY (or SECRET_KEY_FILE) must be given, or start-up fails here.
    SECRET_KEY = env.str("SECRET_KEY") if "SECRET_KEY" in env else Path(env.str("SECRET_KEY_FILE")).read_text().strip()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "django_htmx",
    "template_partials",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "apps.core",
    "apps.accounts",
    "apps.catalog",
    "apps.fulfillment",
    "apps.automation",
    "apps.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

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

# --- Database -------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'steward.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Without these, the worker and the web process hit "database is locked" (TOOLCHAIN.md).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
    # A file, not :memory:, so the Celery test worker thread sees the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    # A fresh PostgreSQL login per request halves throughput of cheap pages: keep connections.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["apps.accounts.backends.ThrottledModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "catalog:home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media ----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request when it is missing
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Only each package's dist folder, under a vendor/ prefix, never the whole node_modules.
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"  # never served directly: attachments go through an access-checked view
STEWARD_ATTACHMENT_MAX_BYTES = env.int("STEWARD_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
STEWARD_ATTACHMENT_TYPES = env.list(
    "STEWARD_ATTACHMENT_TYPES",
    default=["image/png", "image/jpeg", "image/gif", "application/pdf", "text/plain", "text/csv", "application/json"],
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Email ----------------------------------------------------------------------------------------
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
if "EMAIL_URL" in env:  # e.g. smtp+tls://user:password@smtp.example.com:587
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="steward@localhost")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Celery ---------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "polling_interval": 0.1,  # the default 1 s adds a second of latency to every task
    }
    (VAR_DIR / "results").mkdir(parents=True, exist_ok=True)
    _default_results = f"file://{VAR_DIR / 'results'}"
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    _default_results = CELERY_BROKER_URL
else:
    _default_results = "disabled"
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=_default_results)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "fulfillment-close-fulfilled-requests": {
        "task": "apps.fulfillment.tasks.fulfillment_close_fulfilled_requests",
        "schedule": crontab(minute="17"),  # hourly, off the top of the hour
    },
    "fulfillment-sla-sweep": {
        "task": "apps.fulfillment.tasks.sla.fulfillment_sla_sweep",
        "schedule": crontab(minute="*"),  # every minute: warn due within the hour, escalate overdue
    },
    "fulfillment-send-approval-reminders": {
        "task": "apps.fulfillment.tasks.approvals.fulfillment_send_approval_reminders",
        "schedule": crontab(minute="*/15"),  # claims per request: never twice within STEWARD_APPROVAL_REMINDER_HOURS
    },
    "automation-sweep-pending": {
        "task": "apps.automation.tasks.automation_sweep_pending",
        "schedule": 60.0,  # re-dispatch automation the broker lost (the embedded one cannot redeliver)
    },
}
STEWARD_AUTO_CLOSE_DAYS = env.int("STEWARD_AUTO_CLOSE_DAYS", default=5)
STEWARD_AUTOMATION_ALLOWED_HOSTS = env.list("STEWARD_AUTOMATION_ALLOWED_HOSTS", default=[])
STEWARD_AUTOMATION_SWEEP_AFTER_SECONDS = env.int("STEWARD_AUTOMATION_SWEEP_AFTER_SECONDS", default=60)
STEWARD_AUTOMATION_RUN_TIMEOUT_SECONDS = env.int("STEWARD_AUTOMATION_RUN_TIMEOUT_SECONDS", default=600)
STEWARD_AUTOMATION_ENABLED = True  # seed_demo switches it off while it writes its scripted history
STEWARD_APPROVAL_REMINDER_HOURS = env.int("STEWARD_APPROVAL_REMINDER_HOURS", default=24)
STEWARD_BENCH_CEILING = env.bool("STEWARD_BENCH_CEILING", default=False)
STEWARD_SEND_NOTIFICATIONS = True  # seed_demo switches it off while it writes its history

# --- Cache ----------------------------------------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# --- REST framework -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Steward API",
    "DESCRIPTION": "Service catalog, service requests and API tokens.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "ServiceStatusEnum": "apps.catalog.choices.ServiceStatus",
        "CatalogItemStatusEnum": "apps.catalog.choices.ItemStatus",
        "RequestStatusEnum": "apps.fulfillment.choices.RequestStatus",
        "PriorityEnum": "apps.fulfillment.choices.Priority",
    },
}

# --- Security -------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the meta tag, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Login throttling: after SOFT failures in the window each attempt must wait 2**n seconds;
# after HARD failures the user or address is refused until the window has passed.
STEWARD_LOGIN_WINDOW_SECONDS = 15 * 60
STEWARD_LOGIN_SOFT_LIMIT = 5
STEWARD_LOGIN_HARD_LIMIT = 10

STEWARD_DEMO_PASSWORD = env.str("STEWARD_DEMO_PASSWORD", default="steward-demo")
