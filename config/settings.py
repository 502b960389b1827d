"""Settings, every one read from the environment (see the README's table)."""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# A development key only when DEBUG is on; production must bring its own.
SECRET_KEY = env("SECRET_KEY", default="") or (
    "django-insecure-dev-only-do-not-use-in-production" if DEBUG else ""
)
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("Set SECRET_KEY in the environment when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # django.contrib.admin, opening for owners only (config.admin_site).
    "config.admin_app.LoyaltyAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "import_export",
    "django_celery_beat",
    "axes",
    "config",
    "stores",
    "members",
    "tiers",
    "points",
    "rewards",
    "segments",
    "campaigns",
    "loyalty",
    "counter",
    "reports",
    "importing",
    "automation",
    "portal",
    "api",
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
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # The shop settings a request reads (and the shop's default language).
    "config.shop.ShopSettingsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks, so it sees the outcome of every login.
    "axes.middleware.AxesMiddleware",
]

# The tills' API (see README, "Connecting a till"): requests per key per
# minute (counted in the cache, shared by every web server), and the largest body.
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=300)
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=16 * 1024)
# Webhook addresses must be https:// except in development.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=DEBUG)
WEBHOOK_TIMEOUT = env.int("WEBHOOK_TIMEOUT", default=10)

ROOT_URLCONF = "config.urls"
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
                "config.context_processors.shop",
            ],
        },
    }
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A kept connection is checked before a request reuses it: after a database
# restart each web worker reconnects instead of serving one 500.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no row locks: serialise writers instead of failing fast.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg prepares a statement once a connection has run it this many
    # times. Only cursors that bind on the server can (config.database): the
    # sale's (points/sale_sql.py), the same few statements all day, and the
    # member import's. Behind
    # PgBouncer in transaction mode older than 1.21, set
    # DATABASE_PREPARED_STATEMENTS=off.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "prepare_threshold", 5 if env.bool("DATABASE_PREPARED_STATEMENTS", default=True) else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, reading the user's roles with the user (one query, not two).
    "config.roles.RolesBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Counter PCs share one IP: lock a username on one IP, and only for a while.
# Never a user name alone, so nobody elsewhere can lock the owner out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Proxies in front of the app that append to X-Forwarded-For (1 behind one
# nginx or Caddy): the client's own address is read from that header, counted
# from the right. 0 (no proxy) uses the connection's address; a wrong count
# lets clients choose their address or makes every client the proxy.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = env("LANGUAGE_CODE", default="zh-hant")
LANGUAGES = [
    ("en", "English"),
    ("zh-hant", "繁體中文"),
    ("zh-hans", "简体中文"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Taipei")
USE_I18N = True
USE_TZ = True

# The shop's own facts, one installation per shop.
SHOP_NAME = env("SHOP_NAME", default="Loyalty Desk")
DEFAULT_PHONE_REGION = env("DEFAULT_PHONE_REGION", default="TW")
CURRENCY = env("CURRENCY", default="TWD")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploads kept between an import's preview and its confirmation; every web
# server and worker must see this folder, and it is never served.
PRIVATE_STORAGE_ROOT = env.path("PRIVATE_STORAGE_ROOT", default=BASE_DIR / "private")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# django-import-export (the admin's import/export of members): only users with
# members.import_member / export_member, formulae escaped on export, a file
# imported whole or not at all, and the upload kept between preview and
# confirmation in private storage.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"
STORAGES["import_export"] = STORAGES["private"]

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="loyalty@localhost")
# SMS goes through a class with send(*, to, text); see automation/channels.py.
# Seconds the dashboard's stored figures count as fresh; an older snapshot is
# shown while a worker recomputes it (without a broker: recomputed at once).
DASHBOARD_FRESH_SECONDS = env.int("DASHBOARD_FRESH_SECONDS", default=900)
# Database connections the expiry run shares its chunks between (PostgreSQL;
# manage.py expire_points and the nightly job without a broker).
EXPIRY_WORKERS = env.int("EXPIRY_WORKERS", default=2)
# The same for applying new tier rules now, without a broker.
TIER_WORKERS = env.int("TIER_WORKERS", default=2)

SMS_BACKEND = env("SMS_BACKEND", default="automation.channels.ConsoleSmsBackend")
# The secret the SMS provider sends with a member's reply (header
# X-Reply-Token) to /messages/sms-reply/; empty: replies are not read.
SMS_REPLY_TOKEN = env("SMS_REPLY_TOKEN", default="")

# Where members reach this site: the links in messages (a receipt's link
# uses the address the till opened the site at).
SITE_URL = env(
    "SITE_URL",
    default="http://127.0.0.1:8000" if DEBUG else f"https://{ALLOWED_HOSTS[0]}",
).rstrip("/")
# The cache counts the sign-in codes each address asks for (portal.codes).
# Several web servers must share one: CACHE_URL=redis://127.0.0.1:6379/1.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Sign-in codes one address may ask for in 15 minutes (a shop's guest Wi-Fi
# is one address for every walk-in who joins there).
MEMBER_CODES_PER_ADDRESS = env.int("MEMBER_CODES_PER_ADDRESS", default=10)

# Celery: with no broker configured every task runs in-process, so a first
# run needs nothing but Python.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="celery")
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task is acknowledged when it has run, and a worker process that dies
# under it (kill -9, out of memory) puts it back on the queue: imports,
# refreshes and nightly jobs check their row before running again, so a
# redelivered task never runs twice at once (see config.heartbeat).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Redis gives an unacknowledged task to another worker after the visibility
# timeout, so it must outlast the longest task (a million-row import, the
# nightly dashboard figures at a million members: minutes); the hard time
# limit makes sure no task runs that long.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=3600)
CELERY_VISIBILITY_TIMEOUT = env.int(
    "CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 600
)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Seconds a running job (import, dashboard refresh, nightly job) may go
# without a heartbeat before its page calls it interrupted and offers to try
# again: its worker or the database died, or its failure could not be written.
JOB_HEARTBEAT_TIMEOUT = env.int("JOB_HEARTBEAT_TIMEOUT", default=300)
# The largest customer file an import reads: a CSV's size, or what an Excel
# file holds once unpacked (importing.limits).
IMPORT_MAX_MEGABYTES = env.int("IMPORT_MAX_MEGABYTES", default=200)

# Production hardening: on unless DEBUG, each can be relaxed behind a proxy.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
