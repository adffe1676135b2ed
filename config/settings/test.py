"""The test suite: PostgreSQL and Redis on localhost, tasks run eagerly, fast password hashing."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import env

DEBUG = False
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/portal")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test run uses its own Redis database prefix so runs never see each other's rate limits.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("REDIS_URL", default="redis://127.0.0.1:6379/0"),
        "KEY_PREFIX": "portal-test",
    }
}
ACCOUNT_RATE_LIMITS = False  # type: ignore[assignment]  # allauth documents False as "off"

WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
