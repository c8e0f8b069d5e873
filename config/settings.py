"""Django settings. Every setting that varies between machines comes from the environment;
the documented list is in README.md and .env.example."""

from __future__ import annotations

import sys
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env("DJANGO_ENV", default="development")
IS_PRODUCTION = DJANGO_ENV == "production"
UNIT_TESTING = "pytest" in sys.modules or env.bool("UNIT_TESTING", default=False)

SECRET_KEY = env(
    "SECRET_KEY", default="" if IS_PRODUCTION else "django-insecure-dev-key-change-me-for-production-0123456789"
)
if IS_PRODUCTION and len(SECRET_KEY) < 50:
    raise environ.ImproperlyConfigured("SECRET_KEY must be set to at least 50 random characters in production")
DEBUG = env.bool("DEBUG", default=not IS_PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://localhost:8000").rstrip("/")
# Whether the operator chose SITE_URL. If not, links made during a request use the request's host
# (apps/utils/site.py). `make run` exports SITE_URL=http://localhost:<port> to its children for links
# made outside a request (emails from tasks) and marks it SITE_URL_FROM_PORT, so it is still "not set".
SITE_URL_IS_SET = bool(env("SITE_URL", default="")) and not env.bool("SITE_URL_FROM_PORT", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "django_htmx",
    "django_vite",
    "lucide",  # the Lucide icon set, inlined as SVG by {% icon %} (apps/web/templatetags/icons.py)
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served as our static files
    "django_celery_beat",
    "apps.utils",
    "apps.users",
    "apps.teams",
    "apps.web",
    "apps.service_providers",
    "apps.pipelines",
    "apps.trace",
    "apps.participants",
    "apps.chat",
    "apps.conversations",
    "apps.experiments",
    "apps.channels",
    "apps.api",
    "apps.files",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.web.static_files.AsyncCapableWhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.web.middleware.DatabaseUnavailableMiddleware",  # last: its process_exception sees the view's error first
]
# Machine-to-machine paths (key-authenticated JSON APIs, the API channel, the benchmark baseline) never
# use cookies, sessions, the Django user, messages or CSRF: under ASGI, `config.asgi` sends them to a
# lean handler running API_MIDDLEWARE as one synchronous chain (config/asgi_routing.py, ADR 0012).
API_PATH_PREFIXES = ("/api/", "/channels/", "/bench/")
# Except the widget API when the request carries cookies: it also takes a team member's browser session
# (ADR 0010), so such a request keeps MIDDLEWARE.
API_FULL_STACK_PREFIXES = ("/api/chat/",)
API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",  # HSTS, SSL redirect, nosniff, referrer policy
    "django.middleware.common.CommonMiddleware",  # APPEND_SLASH, disallowed user agents, Content-Length
    "apps.web.middleware.DatabaseUnavailableMiddleware",  # a database that is down: JSON 503 + Retry-After
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

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
                "apps.teams.context_processors.team",
                "apps.web.context_processors.site",
            ],
        },
    },
]

# --- Database: external PostgreSQL (pgvector required) or the embedded one -------------------------
# The embedded server is only named here; the processes that use it start it (manage.py, config/asgi.py
# and wsgi.py, the Celery worker and beat, the test run: config.embedded_postgres.ensure_server), so
# importing the settings starts nothing (ADR 0023).
EMBEDDED_DATABASE = not env("DATABASE_URL", default="")
if EMBEDDED_DATABASE:
    from config.embedded_postgres import database_url

    DATABASE_URL = database_url()
else:
    DATABASE_URL = env("DATABASE_URL")
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A database host that does not answer fails a connection attempt after this many seconds (libpq's minimum is 2).
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("DB_CONNECT_TIMEOUT", default=3)
# A connection pool per process (psycopg_pool): a request or a reply borrows a connection for its
# database work and gives it back, even between its queries while a slow model call runs, so many
# concurrent conversations share a few connections (ADR 0011). Persistent connections
# (DB_CONN_MAX_AGE) are the alternative for a server without pooling.
DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=20)
if env.bool("DB_POOL", default=True) and not DATABASES["default"]["CONN_MAX_AGE"]:
    from config.db_pool import note_return

    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=4),
        "max_size": DB_POOL_MAX_SIZE,
        # How long a request waits for a connection: with the database down it then answers 503 (not
        # after a minute), and a pool exhausted under load fails fast rather than piling up requests.
        "timeout": env.float("DB_POOL_TIMEOUT", default=5.0),
        "reset": note_return,
    }
    # A connection is checked on checkout only after sitting idle, not every time (config/db_pool.py):
    # the backend checks, not the pool.
    DATABASES["default"]["ENGINE"] = "config.db_backend"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
if env("TEST_DATABASE_NAME", default=""):
    # Lets several test runs share one PostgreSQL server without sharing a test database.
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "users.CustomUser"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if UNIT_TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if IS_PRODUCTION else "http"
ACCOUNT_RATE_LIMITS = {} if UNIT_TESTING else {"login_failed": "10/m/ip,5/5m/key"}
SITE_ID = 1

# --- Email: console by default, SMTP when EMAIL_HOST is set ---------------------------------------
EMAIL_HOST = env("EMAIL_HOST", default="")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Chat Studio <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Static files and front-end assets built by Vite ----------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
# Chat uploads (apps/files): the reference API's 50 MB a file and 50 MB a request, or lower.
FILE_UPLOAD_MAX_BYTES = env.int("FILE_UPLOAD_MAX_BYTES", default=50 * 1024 * 1024)
FILE_UPLOAD_MAX_TOTAL_BYTES = env.int("FILE_UPLOAD_MAX_TOTAL_BYTES", default=50 * 1024 * 1024)
FILE_UPLOAD_MAX_SESSION_BYTES = env.int("FILE_UPLOAD_MAX_SESSION_BYTES", default=200 * 1024 * 1024)
FILE_UPLOADS_PER_SESSION_PER_MINUTE = env.int("FILE_UPLOADS_PER_SESSION_PER_MINUTE", default=10)
# Uploads are private to the server's user: another local account (or anything that escaped a sandbox
# as another uid) must not read a team's files. Folders created from now on get 0700 too.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = not IS_PRODUCTION
DJANGO_VITE = {
    "default": {
        "dev_mode": False,
        "manifest_path": BASE_DIR / "static" / "dist" / "manifest.json",
        "static_url_prefix": "dist",
    }
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- REST API ---------------------------------------------------------------------------------------
# How deep JSON from outside may nest (containers in containers; a flat object is 1): deeper bodies,
# form fields and values are refused with a 400 naming the field (apps/utils/storable.py).
MAX_JSON_DEPTH = env.int("MAX_JSON_DEPTH", default=64)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["apps.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["apps.api.throttles.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": env("API_RATE_PER_KEY", default="1200/min"),
        "api_session": env("API_RATE_PER_SESSION", default="60/min"),
    },
    "UNAUTHENTICATED_USER": None,
    # The client address of per-address limits is REMOTE_ADDR, or the address this many proxies back
    # in X-Forwarded-For: with 0 a client cannot pick its own address by sending the header.
    "NUM_PROXIES": env.int("TRUSTED_PROXY_COUNT", default=0),
    # JSON refused at the edge when PostgreSQL could not store it or it nests too deep.
    "DEFAULT_PARSER_CLASSES": [
        "apps.utils.storable.StorableJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "apps.utils.storable.exception_handler",
}
# Limits on anonymous writes (apps/api/throttles.py): "<n>/<sec|min|hour|day>", empty for none.
WIDGET_SESSION_STARTS_PER_ADDRESS = env("WIDGET_SESSION_STARTS_PER_ADDRESS", default="20/min")
WIDGET_SESSION_STARTS_PER_ORIGIN = env("WIDGET_SESSION_STARTS_PER_ORIGIN", default="300/min")
API_KEY_FAILURES_PER_ADDRESS = env("API_KEY_FAILURES_PER_ADDRESS", default="20/min")
# How long a widget session token (X-Session-Token) is accepted, in seconds.
WIDGET_SESSION_TOKEN_TTL = env.int("WIDGET_SESSION_TOKEN_TTL", default=24 * 60 * 60)
# Messages one OpenAI-compatible request may carry (each is stored as a row of the session).
OPENAI_MAX_MESSAGES = env.int("OPENAI_MAX_MESSAGES", default=200)
# The schema is public (GET /api/schema/), as Open Chat Studio's is; the docs page (/api/docs/) loads
# Swagger UI from our own static files (drf-spectacular-sidecar), not from a CDN.
SPECTACULAR_SETTINGS = {
    "TITLE": "Chat Studio API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.api.schema.add_widget_security",
    ],
}

# --- Celery -----------------------------------------------------------------------------------------
# Celery runs on the Redis protocol everywhere: REDIS_URL names an external Redis (or Valkey); without
# it, an embedded Valkey server on a Unix socket under var/ (config/embedded_valkey.py), started by the
# processes that use it, never by importing these settings. See docs/adr/0002-celery-broker.md.
REDIS_URL = env("REDIS_URL", default="")
# The cache holds API rate-limit counters and upload rate limits: Redis shares them between web
# nodes; the embedded default runs one web process, so its memory is enough.
# "config" is always the process's own memory: it holds decrypted provider settings, and its entries
# are validated by the team's revision in the database (apps/teams/config_cache.py).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "config": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "config",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}
if REDIS_URL:
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
if REDIS_URL:
    _broker_url = REDIS_URL
else:
    from config.embedded_valkey import broker_url

    _broker_url = broker_url()
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=_broker_url)
# Nothing reads task results (callers poll the database rows a task writes), so none are stored.
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_IGNORE_RESULT = not CELERY_RESULT_BACKEND
# A message a worker took but did not finish (the worker was killed) goes back to the queue once it
# has been unacknowledged this long; tasks that acknowledge late (chat replies) must finish within it.
# Restores are looked for every 10 s, and by every worker as it starts.
BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=300)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
# A worker holds one message per thread beyond the ones it runs: fewer to redeliver if it dies.
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("CELERY_WORKER_PREFETCH_MULTIPLIER", default=1)
# Retry connecting to the broker forever, at startup too: a worker outlives a broker restart.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Unit tests run tasks in-process; the integration tests (marked `integration`) use a real worker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=UNIT_TESTING)
CELERY_TASK_EAGER_PROPAGATES = CELERY_TASK_ALWAYS_EAGER
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Built-in periodic tasks (django-celery-beat copies them into its table; teams' own schedules live there).
CELERY_BEAT_SCHEDULE = {
    "delete-unattached-uploads": {"task": "apps.files.tasks.delete_unattached_uploads", "schedule": 60 * 60},
    "requeue-unanswered-messages": {
        "task": "apps.chat.tasks.requeue_unanswered_messages",
        "schedule": 10,
        "options": {"expires": 10},  # a sweep that waited past the next one is not worth running
    },
}
# A queued message still unanswered this long after it was stored, with nobody answering it, had its
# task lost by the broker and is queued again (apps/conversations/sweeper.py).
CHAT_REQUEUE_AFTER_SECONDS = env.int("CHAT_REQUEUE_AFTER_SECONDS", default=20)

# --- Security ---------------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = IS_PRODUCTION
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=IS_PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365 if IS_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = IS_PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},
        # One INFO line per provider call ("HTTP Request: POST …"): noise, and a log write per message.
        "httpx": {"level": "WARNING"},
        "httpx2": {"level": "WARNING"},  # the OpenAI SDK's own copy of httpx
    },
}
SITE_NAME = env("SITE_NAME", default="Chat Studio")

# --- AI providers --------------------------------------------------------------------------------------
# Fernet keys for secrets at rest (provider keys, tokens), comma-separated, newest first: values are
# encrypted with the first and decrypted with any, so a key is rotated by prepending a new one and
# running `manage.py rotate_encryption_keys`. Outside production a key is derived from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if IS_PRODUCTION and not FIELD_ENCRYPTION_KEYS:
    raise environ.ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set in production (see .env.example)")
# Provider base URLs may point at loopback or private networks (Ollama on the same machine) unless
# this is off; production turns it off so a team cannot aim a provider at internal services.
PROVIDERS_ALLOW_PRIVATE_ADDRESSES = env.bool("PROVIDERS_ALLOW_PRIVATE_ADDRESSES", default=not IS_PRODUCTION)
# Code nodes and document readers run inside bubblewrap (apps/utils/os_sandbox.py). Where bwrap is
# missing or cannot create namespaces, production refuses to run them unless this opt-out is on (the
# Python layer and rlimits alone then stand between a team's code and this user's files);
# development warns once and carries on.
SANDBOX_ALLOW_WITHOUT_BWRAP = env.bool("SANDBOX_ALLOW_WITHOUT_BWRAP", default=not IS_PRODUCTION)
# The bundled local model (Gemma 3 270M on llama.cpp): every new team gets a "Local model" provider.
# Off by default in production, where CPU inference on web or worker nodes is rarely wanted.
LOCAL_LLM_ENABLED = env.bool("LOCAL_LLM_ENABLED", default=not IS_PRODUCTION)
# Usage rows are written by a background thread; tests write them inline (their transaction is
# invisible to another thread's connection).
LLM_USAGE_WRITE_SYNC = env.bool("LLM_USAGE_WRITE_SYNC", default=UNIT_TESTING)
# Chat replies' run traces likewise (the reply names its trace by an id allocated up front); inline
# too when Celery tasks run eagerly, where the export queued after a reply would run before the write.
TRACE_WRITE_SYNC = env.bool("TRACE_WRITE_SYNC", default=UNIT_TESTING or CELERY_TASK_ALWAYS_EAGER)
# A message being answered is claimed by its process, which renews a lease on its claims every quarter
# of this; a claim whose process stopped renewing for this long is free, so a retry after a crash is
# answered (apps/conversations/claims.py, ADR 0017).
CHAT_CLAIM_LEASE_SECONDS = env.float("CHAT_CLAIM_LEASE_SECONDS", default=10.0)
# Benchmarks only: every chat model becomes a fake that echoes after FAKE_LLM_DELAY seconds, and
# /bench/baseline/ is served. Never in production.
FAKE_LLM = env.bool("FAKE_LLM", default=False) and not IS_PRODUCTION
FAKE_LLM_DELAY = env.float("FAKE_LLM_DELAY", default=0.0)
FAKE_LLM_STAMPED_TOKENS = env.int("FAKE_LLM_STAMPED_TOKENS", default=0)  # streamed replies carry send times
# Benchmarks only: /bench/baseline/ is served and calls the OpenAI-compatible server at this URL
# (bench/fake_openai.py), to compare a message with the model behind HTTP, in production settings.
BENCH_BASELINE_MODEL_URL = env("BENCH_BASELINE_MODEL_URL", default="")
