"""Test settings: the real settings with a throwaway key and fast hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-insecure-key-" + "x" * 40)
os.environ.setdefault("CELERY_BROKER_URL", "")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
LANGUAGE_CODE = "en"
CELERY_TASK_ALWAYS_EAGER = True
DASHBOARD_FRESH_SECONDS = 0  # tests change data between requests; see test_dashboard_snapshots
