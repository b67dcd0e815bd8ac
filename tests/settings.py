"""Settings for the test suite: fast, offline, SQLite unless a PostgreSQL URL
is given in ``DING_TEST_DATABASE_URL`` (see ``tests/postgres_cluster.py``)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import django

BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = "django-ding-tests-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
USE_I18N = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "phonenumber_field",
    "django_ding",
    "django_ding.sandbox",
    # The example site, for the browser tests of the whole signup flow.
    "example_project.accounts",
]
if django.VERSION < (6, 0):
    INSTALLED_APPS.append("django_tasks")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "tests.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

_db_url = os.environ.get("DING_TEST_DATABASE_URL")
if _db_url:
    _parts = urlsplit(_db_url)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _parts.path.lstrip("/") or "ding",
            "USER": _parts.username or "postgres",
            "PASSWORD": _parts.password or "",
            "HOST": _parts.hostname or "127.0.0.1",
            "PORT": str(_parts.port or 5432),
        }
    }
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if django.VERSION >= (6, 0)
            else "django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# pytest-django runs with DEBUG off, as production does: the sandbox needs its
# explicit opt-in (a staging site's setting).
DING = {
    "BACKEND": "django_ding.sandbox.backend.SandboxBackend",
    "SANDBOX_ALLOW_WITHOUT_DEBUG": True,
    "API_KEY": "test-api-key-not-real",
    "CUSTOMER_UUID": "c9f826e0-deca-41ec-871f-ecd6e8efeb46",
}
