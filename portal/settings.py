"""Steward settings, read from the environment (django-environ).

With nothing set, the embedded default runs: SQLite under var/ and kombu's filesystem broker.
DATABASE_URL and CELERY_BROKER_URL switch to PostgreSQL and Redis. Production is the default: DEBUG is
off unless DJANGO_DEBUG=true (set by `make run`, `make test`, `manage.py dev` and pytest's settings module
portal.settings_test), and start-up fails without a SECRET_KEY other than the development one.
"""

import re
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# NAME_FILE, where set, is read in place of NAME: secrets mounted as files (Docker/Kubernetes secrets).
env = environ.FileAwareEnv()
environ.Env.read_env(BASE_DIR / ".env")  # optional; development runs with no .env

# Off unless asked for: a server started with nothing set must not show tracebacks or accept a known key.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
VAR_DIR = Path(env.str("STEWARD_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789"  # noqa: S105  # public on purpose
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY if DEBUG else "").strip()
if not DEBUG and SECRET_KEY in {"", DEV_SECRET_KEY}:
    # The development key is public (it is in this file): sessions signed with it could be forged.
    raise ImproperlyConfigured(
        "DJANGO_DEBUG is off: set SECRET_KEY (or SECRET_KEY_FILE) to a secret value, "
        "or set DJANGO_DEBUG=true for development."
    )

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
    "apps.approvals",
    "apps.catalog",
    "apps.fulfillment",
    "apps.automation",
    "apps.changes",
    "apps.knowledge",
    "apps.schedule",
    "apps.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # CSP, Permissions-Policy and Cache-Control on every answer below, including other middleware's refusals.
    "apps.core.middleware.SecurityHeadersMiddleware",
    # Before anything reads the body (CSRF reads POST): an oversized body answers 413 unread.
    "apps.core.middleware.BodyLimitMiddleware",
    # Calendar clients' polls whose copy is current answer 304 here, ahead of sessions and sign-in (feeds use neither).
    "apps.schedule.middleware.FeedPollMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before any view or filter reads request.GET: a lone surrogate there answers 400 (apps.core.surrogates).
    "apps.core.surrogates.SurrogateQueryStringMiddleware",
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
                "apps.core.context_processors.navigation",  # templates/base.html's links
            ],
            # Every template shows people and times the same way: {{ user|person }}, {{ moment|when }} / |ago.
            "builtins": ["apps.accounts.templatetags.people", "apps.core.templatetags.when"],
        },
    },
    {
        # Hot fragments only (the queue's rows): autoescaped like Django templates, a third of the time.
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
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
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # The same backend, with a health check that looks at the socket instead of sending SELECT 1 (its docstring).
        DATABASES["default"]["ENGINE"] = "portal.postgresql"
    # Parameters bound by the server, so that psycopg prepares a statement run five times on a connection and
    # PostgreSQL stops planning it again: planning costs the hot reads (the gate, the queue) more than running
    # them. Turn off behind a pooler in transaction mode (PgBouncer < 1.21): prepared statements don't survive it.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
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
    # FullCalendar 7 ships its built files at the package root (all/global.js, skeleton.css, themes/).
    ("vendor/fullcalendar", NODE_MODULES / "fullcalendar"),
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
    # apps.core.uploads.DEFAULT_TYPES (its table maps extensions to these; SVG and macro formats are left out).
    default=[
        "application/json",
        "application/pdf",
        "application/zip",
        "image/gif",
        "image/jpeg",
        "image/png",
        "image/webp",
        "text/csv",
        "text/plain",
        "application/vnd.oasis.opendocument.presentation",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ],
)
# Largest request body per URL prefix ("*" stands for one path segment; the longest matching prefix wins).
# apps.core.middleware.BodyLimitMiddleware answers 413 above it; STEWARD_BODY_LIMITS="/prefix/=bytes;..." adds
# to or overrides these, separated by ";" (e.g. "/api/v1/webhooks/=5242880;/=1048576").
STEWARD_BODY_LIMITS: dict[str, int] = {
    "/": 2 * 1024 * 1024,
    "/requests/*/attachments/": STEWARD_ATTACHMENT_MAX_BYTES + 64 * 1024,  # the file plus multipart framing
    "/knowledge/*/files/": STEWARD_ATTACHMENT_MAX_BYTES + 64 * 1024,  # article files: the same limit
    # Filing with attachments (apps.fulfillment.services.request_file: at most 5 files) plus the form.
    "/requests/new/*/": 5 * STEWARD_ATTACHMENT_MAX_BYTES + 2 * 1024 * 1024,
    **env.dict("STEWARD_BODY_LIMITS", cast={"value": int}, default={}),
}
# Django's own check (it raises RequestDataTooBig, answered 413 too) is only a backstop for the limits above.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(STEWARD_BODY_LIMITS.values())
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
    # redis-py waits forever by default: a broker that accepts connections but never answers would hold a
    # request. A worker's BRPOP returns every second, so 3 s without an answer is a dead broker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=1.0),
        "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=3.0),
    }
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = CELERY_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"]
    _default_results = CELERY_BROKER_URL
else:
    _default_results = "disabled"
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=_default_results)
# Sending never needs the result backend: with results on, apply_async first subscribes to the task's result
# (RedisBackend.on_task_call), which retried a dead Redis for 20 s inside the request. Only a caller that
# reads a result asks for one (apply_async(ignore_result=False)).
CELERY_TASK_IGNORE_RESULT = True
# A web request publishing to a dead broker gives up within about a second (connect timeout, one retry);
# what it published is in the database too, and the sweeps send it later (apps.core.dispatch).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=1.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
# Every task is bounded: the soft limit raises SoftTimeLimitExceeded inside it, the hard one kills its process
# (prefork pool). A message whose worker process died goes back to the queue (with acks_late) instead of
# being acknowledged as done; tasks are idempotent, and automation's sweep reclaims the run if Redis holds
# the message back until its visibility timeout. Tasks that need other limits set their own.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=270)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "fulfillment-close-fulfilled-requests": {
        "task": "apps.fulfillment.tasks.fulfillment_close_fulfilled_requests",
        "schedule": crontab(minute="17"),  # hourly, off the top of the hour
        "options": {"expires": 30 * 60},
    },
    "fulfillment-sla-sweep": {
        "task": "apps.fulfillment.tasks.sla.fulfillment_sla_sweep",
        "schedule": crontab(minute="*"),  # every minute: warn due within the hour, escalate overdue
        "options": {"expires": 50},
    },
    "fulfillment-send-approval-reminders": {
        "task": "apps.fulfillment.tasks.approvals.fulfillment_send_approval_reminders",
        "schedule": crontab(minute="*/15"),  # claims per request: never twice within STEWARD_APPROVAL_REMINDER_HOURS
        "options": {"expires": 10 * 60},
    },
    "automation-sweep-pending": {
        "task": "apps.automation.tasks.automation_sweep_pending",
        # Re-dispatch automation the broker lost (the embedded one cannot redeliver) and reclaim runs whose
        # worker died, soon after their time limit (two indexed queries when there is nothing to do).
        "schedule": 15.0,
        "options": {"expires": 12},
    },
    "knowledge-send-review-reminders": {
        "task": "apps.knowledge.tasks.knowledge_send_review_reminders",
        "schedule": 7 * 24 * 60 * 60.0,  # weekly; a reminder row per article and week makes extra runs send nothing
        "options": {"expires": 6 * 60 * 60},
    },
    "changes-sweep-backtests": {
        "task": "apps.changes.tasks.changes_sweep_backtests",
        "schedule": 60.0,  # a back-test pending for a minute lost its message; one running too long, its worker
        "options": {"expires": 50},
    },
    "core-sweep-notifications": {
        "task": "apps.core.tasks.core_sweep_notifications",
        "schedule": 30.0,  # publish outbox rows still pending (a broker that was down, a lost message)
        "options": {"expires": 25},
    },
}
# Every beat entry expires before its next run: the copies queued while the workers were down are discarded
# when they arrive instead of all running back to back (tests/core/test_outbox_settings.py checks it).
STEWARD_AUTO_CLOSE_DAYS = env.int("STEWARD_AUTO_CLOSE_DAYS", default=5)
# Knowledge base (apps.knowledge): publishing needs a second person of the owner team unless the team's
# ReviewPolicy says otherwise; PostgreSQL's text search configuration (language); an opened suggestion counts
# as a deflected request when its reader files nothing for the item within this many minutes.
# Change enablement (apps/changes/conf.py says what each means).
STEWARD_CHANGES_PIPELINE_WINDOW_MINUTES = env.int("STEWARD_CHANGES_PIPELINE_WINDOW_MINUTES", default=60)
STEWARD_CHANGES_MAX_PATHS = env.int("STEWARD_CHANGES_MAX_PATHS", default=200)
STEWARD_CHANGES_GATE_RETRY_SECONDS = env.int("STEWARD_CHANGES_GATE_RETRY_SECONDS", default=10)
STEWARD_CHANGES_REVIEW_BUSINESS_DAYS = env.int("STEWARD_CHANGES_REVIEW_BUSINESS_DAYS", default=5)
STEWARD_CHANGES_HISTORY_CACHE_SECONDS = env.int("STEWARD_CHANGES_HISTORY_CACHE_SECONDS", default=60)
STEWARD_CHANGES_BACKTEST_DAYS = env.int("STEWARD_CHANGES_BACKTEST_DAYS", default=90)
STEWARD_KNOWLEDGE_REVIEW_REQUIRED = env.bool("STEWARD_KNOWLEDGE_REVIEW_REQUIRED", default=True)
STEWARD_KNOWLEDGE_SEARCH_CONFIG = env.str("STEWARD_KNOWLEDGE_SEARCH_CONFIG", default="english")
STEWARD_KNOWLEDGE_ABANDON_MINUTES = env.int("STEWARD_KNOWLEDGE_ABANDON_MINUTES", default=30)
STEWARD_KNOWLEDGE_COUNT_DEFLECTION = env.bool("STEWARD_KNOWLEDGE_COUNT_DEFLECTION", default=True)
STEWARD_AUTOMATION_ALLOWED_HOSTS = env.list("STEWARD_AUTOMATION_ALLOWED_HOSTS", default=[])
STEWARD_AUTOMATION_SWEEP_AFTER_SECONDS = env.int("STEWARD_AUTOMATION_SWEEP_AFTER_SECONDS", default=60)
# Hard time limit of one automation run's task (soft: up to 10 s less); an HTTP endpoint's timeout (at most 60 s)
# must fit inside it. A run still "running" this long plus the margin has lost its worker: the sweep reclaims it.
STEWARD_AUTOMATION_TIME_LIMIT_SECONDS = env.int("STEWARD_AUTOMATION_TIME_LIMIT_SECONDS", default=75)
STEWARD_AUTOMATION_RECLAIM_MARGIN_SECONDS = env.int("STEWARD_AUTOMATION_RECLAIM_MARGIN_SECONDS", default=15)
STEWARD_AUTOMATION_ENABLED = True  # seed_demo switches it off while it writes its scripted history
STEWARD_APPROVAL_REMINDER_HOURS = env.int("STEWARD_APPROVAL_REMINDER_HOURS", default=24)
# Mounts /bench/ (portal/urls.py): the benchmark's ceiling page, for bench/queue_bench.py only.
STEWARD_BENCH_CEILING = env.bool("STEWARD_BENCH_CEILING", default=False)
STEWARD_SEND_NOTIFICATIONS = True  # seed_demo switches it off while it writes its history
# An outbox row still pending this long after it was due is published again by the sweep (apps.core.notifications).
STEWARD_NOTIFICATION_SWEEP_AFTER_SECONDS = env.int("STEWARD_NOTIFICATION_SWEEP_AFTER_SECONDS", default=60)

# --- Secrets at rest (apps.core.crypto) ----------------------------------------------------------
# Fernet keys, comma-separated, newest first: the first encrypts, every one decrypts (rotation). Production
# refuses to start without one; development derives one from SECRET_KEY (as apps.core.crypto.derive_key).
# FileAwareEnv reads STEWARD_SECRETS_KEY_FILE's content as the value: one key per line or comma-separated.
STEWARD_SECRETS_KEYS = env.str("STEWARD_SECRETS_KEY", default="").replace(",", " ").split()
if not STEWARD_SECRETS_KEYS and DEBUG:
    import base64
    import hashlib

    _derived = hashlib.sha256(b"steward-secrets:" + SECRET_KEY.encode()).digest()
    STEWARD_SECRETS_KEYS = [base64.urlsafe_b64encode(_derived).decode()]
if not STEWARD_SECRETS_KEYS:
    raise ImproperlyConfigured(
        "DJANGO_DEBUG is off: set STEWARD_SECRETS_KEY (or STEWARD_SECRETS_KEY_FILE) to a Fernet key, e.g. from "
        "python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'."
    )

# --- Cache ----------------------------------------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# --- REST framework -------------------------------------------------------------------------------
_RATE = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


def throttle_rate(name: str, default: str) -> str:
    """A DRF rate such as "120/minute" from the environment, checked now rather than at the first call."""
    rate = env.str(name, default=default).strip()
    if not _RATE.match(rate):
        raise ImproperlyConfigured(f'{name}={rate!r}: give a rate such as "120/minute" (per s, m, h or d).')
    return rate


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: answers, scopes and nulls have no faithful form encoding; other bodies answer 415.
    "DEFAULT_PARSER_CLASSES": ["apps.core.api.parsers.SafeJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exceptions.exception_handler",
    # One bucket per token (pipelines), per signed-in user (sessions) and per client address (anonymous);
    # apps.core.api.throttling. Buckets live in the cache: set CACHE_URL so that every process shares them.
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.core.api.throttling.TokenRateThrottle",
        "apps.core.api.throttling.UserRateThrottle",
        "apps.core.api.throttling.AddressRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": throttle_rate("STEWARD_API_THROTTLE_TOKEN", "600/minute"),
        "user": throttle_rate("STEWARD_API_THROTTLE_USER", "600/minute"),
        "anon": throttle_rate("STEWARD_API_THROTTLE_ANON", "60/minute"),
    },
}
# Lifetime of the tokens POST /api/v1/auth/token/ mints from a password.
STEWARD_API_LOGIN_TOKEN_DAYS = env.int("STEWARD_API_LOGIN_TOKEN_DAYS", default=90)
# The deployment gate is polled: its own bucket per token (apps/changes/api/throttling.py).
STEWARD_CHANGES_GATE_THROTTLE = throttle_rate("STEWARD_CHANGES_GATE_THROTTLE", "1200/minute")
# The OpenAPI schema and its docs pages answer anonymous callers too only when this is on.
STEWARD_API_DOCS_PUBLIC = env.bool("STEWARD_API_DOCS_PUBLIC", default=False)
SPECTACULAR_SETTINGS = {
    "TITLE": "Steward API",
    "DESCRIPTION": (
        "Service catalog, service requests and API tokens.\n\n"
        "**Lists** page by cursor: follow `next`; `page_size` takes 1 to 200 (default 50), other values answer 400.\n\n"
        '**Concurrent edits**: GET of a request answers `ETag: "<version>"`. A write that sends it back as '
        "`If-Match` happens only if nobody changed the request since (else 409; a malformed If-Match is 412). "
        "If-Match is optional: without it the last write wins, per field (a PATCH writes only the fields it "
        "names, so two clients changing different fields never conflict)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["apps.core.api.permissions.ApiDocsPermission"],  # reads STEWARD_API_DOCS_PUBLIC
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # 400/413/414/429 come from middleware and the server, not views: apps.core.api.schema lists them everywhere.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.api.schema.document_transport_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ServiceStatusEnum": "apps.catalog.choices.ServiceStatus",
        "CatalogItemStatusEnum": "apps.catalog.choices.ItemStatus",
        "RequestStatusEnum": "apps.fulfillment.choices.RequestStatus",
        "PriorityEnum": "apps.fulfillment.choices.Priority",
        "ArticleStateEnum": "apps.knowledge.choices.ArticleState",
        "ArticleAudienceEnum": "apps.knowledge.choices.ArticleAudience",
        "TierEnum": "apps.changes.choices.Tier",  # risk-policy authoring: tier and expected_tier share it
        "PolicyRuleKindEnum": "apps.changes.choices.RuleKind",
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

# Login throttling (apps.accounts.throttling): failures are counted per (user name, address) pair and per
# address. After SOFT failures in the window each attempt must wait 2**n seconds; after HARD failures the
# pair (or address) is refused until the window has passed. The address limits are higher: many people may
# share one address, and one address must not lock a user out everywhere.
STEWARD_LOGIN_WINDOW_SECONDS = env.int("STEWARD_LOGIN_WINDOW_SECONDS", default=15 * 60)
STEWARD_LOGIN_SOFT_LIMIT = env.int("STEWARD_LOGIN_SOFT_LIMIT", default=5)
STEWARD_LOGIN_HARD_LIMIT = env.int("STEWARD_LOGIN_HARD_LIMIT", default=10)
STEWARD_LOGIN_ADDRESS_SOFT_LIMIT = env.int("STEWARD_LOGIN_ADDRESS_SOFT_LIMIT", default=30)
STEWARD_LOGIN_ADDRESS_HARD_LIMIT = env.int("STEWARD_LOGIN_ADDRESS_HARD_LIMIT", default=100)

# Content-Security-Policy and Permissions-Policy of every answer (apps.core.middleware). No inline script
# or style, no eval: htmx is configured for it in templates/base.html (htmx-config meta tag).
STEWARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Relaxed only where a third-party page needs it, by path prefix: the Swagger UI page (served split, so its
# script is a file) and Redoc keep inline <style> blocks and inject styles; Redoc runs a blob: worker.
_CSP_API_DOCS = (
    STEWARD_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") + "; worker-src 'self' blob:"
)
STEWARD_CSP_OVERRIDES: dict[str, str] = {"/api/v1/docs/": _CSP_API_DOCS, "/api/v1/redoc/": _CSP_API_DOCS}
STEWARD_PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), publickey-credentials-get=(), usb=(), "
    "fullscreen=(self)"
)

STEWARD_DEMO_PASSWORD = env.str("STEWARD_DEMO_PASSWORD", default="steward-demo")
