"""Settings of the hub: one module, every knob from the environment.

Development needs no configuration at all: SQLite and the Celery broker live in
``var/``. Production sets ``DEBUG=0`` and must then give a real ``SECRET_KEY`` and
``ALLOWED_HOSTS``; the site refuses to start otherwise. See the README for the list.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from hub.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("HUB_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)

_DEV_SECRET = "django-insecure-development-only-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

if not DEBUG:
    if not SECRET_KEY or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random value of at least 50 characters when DEBUG=0."
        )
    if "ALLOWED_HOSTS" not in os.environ or not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must list this site's host names when DEBUG=0.")
    if "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS may not contain '*' when DEBUG=0.")
    if not os.environ.get("SITE_URL", "").startswith("https://"):
        raise ImproperlyConfigured(
            "SITE_URL must be set to the site's public https:// address when DEBUG=0 "
            "(every link in an email is built from it)."
        )

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The site's name in pages, feeds and emails; by default translated into the reader's
# language (a name set here is shown as it is in both).
SITE_NAME = env_str("SITE_NAME", "") or _("TensorFlow User Group")

INSTALLED_APPS = [
    "common.apps.CommonConfig",
    "hub.apps.HubConfig",
    "events.apps.EventsConfig",
    "dois.apps.DoisConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "csp",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # before sessions and auth: a cached anonymous page skips everything below
    "common.pagecache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "hub.middleware.TimezoneMiddleware",
    # last, as django-axes asks: it turns a locked-out login into its 429 page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hub.urls"
WSGI_APPLICATION = "hub.wsgi.application"
ASGI_APPLICATION = "hub.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # the site's shell: base.html, error pages, registration/; apps keep their own
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hub.context_processors.site",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except Exception as exc:  # dj_database_url raises several types for junk input
    raise ImproperlyConfigured(f"Environment variable DATABASE_URL is malformed: {exc}") from exc
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "hub.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # first: refuses logins for an account or address that failed too often
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "hub:profile"
LOGOUT_REDIRECT_URL = "hub:home"

# --- cache ----------------------------------------------------------------------------
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL.startswith("redis://") or CACHE_URL.startswith("rediss://"):
    # Fails open: with Redis down, pages render uncached (and rate limits do not apply)
    # instead of answering 500; each failure is logged.
    CACHES = {
        "default": {
            "BACKEND": "hub.cache.FailOpenRedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
elif CACHE_URL:
    raise ImproperlyConfigured("Environment variable CACHE_URL must be a redis:// URL or empty.")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Anonymous readers' pages are kept this long in the cache (common/pagecache.py): every
# change to the site's data invalidates them at once; the time only bounds how late a
# page notices the clock (an event moving from upcoming to past). On by default only with
# a shared cache (Redis): a per-process memory cache would not see other processes' writes.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 120 if CACHE_URL else 0, minimum=0)
_LANGUAGE_PREFIXES = ("en", "zh-hans")
PAGE_CACHE_SKIP = [
    "/healthz", "/robots.txt", "/i18n/", "/static/", "/api/schema/", "/api/docs/",
    "/api/v1/jobs/",
    "/api/v1/models/",
    *(f"/{code}/{area}" for code in _LANGUAGE_PREFIXES
      for area in ("admin/", "accounts/", "dois/jobs/", "dois/review/", "dois/mine/",
                   "dois/submit/", "dois/exports/", "dois/training/", "jsi18n/")),
]
# Models whose writes do not change what anonymous readers see (written very often).
PAGE_CACHE_IGNORE_MODELS = ["hub.workerheartbeat", "dois.identificationjob",
                            "dois.candidate", "dois.embedding"]

# --- i18n -----------------------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
# the shell's translations (templates/); each app keeps its own in <app>/locale/
LOCALE_PATHS: list[Path] = [BASE_DIR / "locale"]

# --- static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
# No URL serves MEDIA_ROOT: every stored file goes out through a view that checks who may
# see it (common.files.file_response). Never point a web server at MEDIA_ROOT.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# An internal nginx location that serves MEDIA_ROOT to X-Accel-Redirect only (see
# deploy/); empty: Django streams the files itself.
MEDIA_ACCEL_REDIRECT = env_str("MEDIA_ACCEL_REDIRECT", "")
# How long a signed S3 URL handed out by a permission-checking view stays valid.
MEDIA_SIGNED_URL_TTL_S = env_int("MEDIA_SIGNED_URL_TTL_S", 300, minimum=10)
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "filesystem")
if MEDIA_STORAGE == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            # every object private; views hand out short-lived signed URLs
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": MEDIA_SIGNED_URL_TTL_S,
            "signature_version": "s3v4",
            "file_overwrite": False,
        },
    }
    if not _default_storage["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
elif MEDIA_STORAGE == "filesystem":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured("Environment variable MEDIA_STORAGE must be 'filesystem' or 's3'.")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads: checked by content, size and pixel count in the apps' services.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 25 * 1024 * 1024, minimum=1)
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 60_000_000, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("DATA_UPLOAD_MAX_NUMBER_FILES", 500, minimum=1)

# --- mail -----------------------------------------------------------------------------
_mail_backend = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
_mail_options: dict = {}
if _mail_backend.endswith("smtp.EmailBackend"):
    _mail_options = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25, minimum=1),
        "username": env_str("EMAIL_HOST_USER") or None,
        "password": env_str("EMAIL_HOST_PASSWORD") or None,
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "timeout": 10,
    }
MAILERS = {"default": {"BACKEND": _mail_backend, "OPTIONS": _mail_options}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "hub@localhost")

# --- security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Embedded players come from this allow-list only; the CSP frame-src says exactly the same.
EMBED_PROVIDERS = {
    "youtube": ["https://www.youtube-nocookie.com", "https://www.youtube.com"],
    "bilibili": ["https://player.bilibili.com"],
}
_frame_sources = [origin for origins in EMBED_PROVIDERS.values() for origin in origins]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # data: for notebook plots; remote images only from hosts the operator lists
        "img-src": ["'self'", "data:", *env_list("CSP_IMG_HOSTS")],
        "media-src": ["'self'", "https:"],
        "frame-src": _frame_sources,
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "hub.api.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # documents 400/401/403/404/429 and anonymous reads (tests/dois/api/test_schema.py)
    "DEFAULT_SCHEMA_CLASS": "hub.api_schema.HubAutoSchema",
    # an empty filter is a 400 and an empty page= a 404, never silently ignored
    "DEFAULT_FILTER_BACKENDS": ["hub.api.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "hub.api.StrictPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.URLPathVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_VERSION": "v1",
    # per address for anonymous clients, per account (token or session) otherwise;
    # uploads and sign-ups have their own scopes (hub.throttling). Counted in the cache.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    # reverse proxies in front of the web processes: the client address is then read
    # from X-Forwarded-For, this many hops from the right (0: REMOTE_ADDR; a
    # forwarded header is then ignored, so clients cannot pick their own address)
    "NUM_PROXIES": env_int("PROXY_COUNT", 0, minimum=0),
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("THROTTLE_ANON", "120/minute"),
        "user": env_str("THROTTLE_USER", "600/minute"),
        "uploads": env_str("THROTTLE_UPLOADS", "2000/hour"),
        "submissions": env_str("THROTTLE_SUBMISSIONS", "20/day"),
        "signup": env_str("THROTTLE_SIGNUP", "5/hour"),
        "password_reset": env_str("THROTTLE_PASSWORD_RESET", "5/hour"),
    },
}

# --- login lockout (django-axes) --------------------------------------------------------
# After AXES_FAILURE_LIMIT wrong passwords for one account, or from one address, logins
# from there are refused (429) for AXES_COOLOFF_MINUTES. Attempts live in the database,
# so the lockout holds across web processes and without the cache.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_float("AXES_COOLOFF_MINUTES", 15.0))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# the same client address as the API's throttles (REST_FRAMEWORK["NUM_PROXIES"])
AXES_CLIENT_IP_CALLABLE = "common.throttling.client_ip"
AXES_VERBOSE = False
SPECTACULAR_SETTINGS = {
    "TITLE": "TFUG hub and DoIs API",
    "DESCRIPTION": "Events, the dolphin catalogue and photo identification.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come from this site (the sidecar package), never from a CDN
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name across apps need their own component names.
    "ENUM_NAME_OVERRIDES": {
        "EventStatusEnum": "events.models.Event.Status",
        # jobs, training runs and leaderboard submissions share one set of states
        "WorkStatusEnum": ["queued", "running", "done", "failed"],
    },
}

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_DIR = VAR_DIR / "broker"
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
CELERY_POLL_INTERVAL = env_float("CELERY_POLL_INTERVAL", 0.05)
# Worker processes per host; TensorFlow gets cores / processes threads in each (as
# Celery's own default, one process per core: they overlap one batch's database writes
# with the next one's decoding, which threads inside one process cannot).
CELERY_WORKER_CONCURRENCY = env_int("CELERY_WORKER_CONCURRENCY", os.cpu_count() or 1,
                                    minimum=1)
CELERY_HEARTBEAT_INTERVAL_S = env_int("CELERY_HEARTBEAT_INTERVAL_S", 10, minimum=1)
# A worker whose last heartbeat is older than this counts as gone in /healthz (a worker
# that stops cleanly removes its row at once; a killed one is noticed after this long).
CELERY_HEARTBEAT_STALE_S = env_int("CELERY_HEARTBEAT_STALE_S", 30, minimum=2)
# Queues /healthz expects a live worker for (comma-separated).
CELERY_QUEUES_EXPECTED = env_list("CELERY_QUEUES_EXPECTED", ["default", "identify", "train"])

# --- DoIs -----------------------------------------------------------------------------
# Every DOIS_* setting is here, with its default; code reads settings.DOIS_* directly.
# The job row in the database is the truth; the broker only carries it. A job that sits
# longer than this is re-sent by the beat sweep, and the broker redelivers an unacked
# message after the same time (Redis's default would be an hour).
DOIS_JOB_TIMEOUT_S = env_int("DOIS_JOB_TIMEOUT_S", 120, minimum=5)
# Jobs of one upload go to the broker in chunks of at most this many (one task each);
# a single photo goes alone at once.
DOIS_IDENTIFY_BATCH = env_int("DOIS_IDENTIFY_BATCH", 32, minimum=1)
# A training run still `running` this long after it started is marked failed by the sweep.
DOIS_TRAINING_TIMEOUT_S = env_int("DOIS_TRAINING_TIMEOUT_S", 4 * 3600, minimum=60)
# A worker does the full (row-counting) check of its cached gallery at most this often
# (seconds); decisions, merges and new reference embeddings are noticed at once.
DOIS_GALLERY_RECHECK_S = env_float("DOIS_GALLERY_RECHECK_S", 2.0)
DOIS_MODEL_PATH = env_str(
    "DOIS_MODEL_PATH", str(BASE_DIR / "dois" / "ml" / "shipped" / "fin-embedder-v1.keras")
)
DOIS_MODEL_DIR = Path(env_str("DOIS_MODEL_DIR", str(VAR_DIR / "models")))
# The identification method a fresh install serves: "edge" (the dorsal fin's trailing
# edge, traced and compared after alignment; issue 13) or "appearance" (the whole-crop
# embedder at DOIS_MODEL_PATH). Both are registered; the other stays selectable.
DOIS_METHOD = env_str("DOIS_METHOD", "edge").strip() or "edge"
if DOIS_METHOD not in ("edge", "appearance"):
    raise ImproperlyConfigured("Environment variable DOIS_METHOD must be 'edge' or 'appearance'.")
# The edge method's fin segmenter (its .tflite beside it is what the worker runs).
DOIS_SEGMENTER_PATH = env_str(
    "DOIS_SEGMENTER_PATH",
    str(BASE_DIR / "dois" / "ml" / "shipped" / "fin-segmenter-v1.keras"))
DOIS_CATALOGUE_PREFIX = env_str("DOIS_CATALOGUE_PREFIX", "PRE")
DOIS_PUBLIC_ROUNDING_KM = env_float("DOIS_PUBLIC_ROUNDING_KM", 10.0)
# The licence and rights holder written into the Darwin Core Archive (GBIF/OBIS).
DOIS_DATA_LICENSE = env_str("DOIS_DATA_LICENSE", "")  # empty: CC BY 4.0
DOIS_RIGHTS_HOLDER = env_str("DOIS_RIGHTS_HOLDER", "")  # empty: the site's name
# One leaderboard evaluation's sandbox process: wall time, CPU seconds and memory.
DOIS_LEADERBOARD_TIMEOUT_S = env_int("DOIS_LEADERBOARD_TIMEOUT_S", 900, minimum=10)
DOIS_LEADERBOARD_CPU_S = env_int("DOIS_LEADERBOARD_CPU_S", 600, minimum=1)
DOIS_LEADERBOARD_MEMORY_MB = env_int("DOIS_LEADERBOARD_MEMORY_MB", 2048, minimum=256)
TF_NUM_THREADS = env_int("TF_NUM_THREADS", 0, minimum=0)  # 0: cores / worker concurrency

HEALTH_CHECKS = [
    "hub.health.check_database",
    "hub.health.check_broker",
    "hub.health.check_workers",
    "dois.health.check_model",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
