"""Settings of the example project.

Development defaults (DEBUG on, SQLite, the sandbox provider) unless the
environment says otherwise:

- ``DJANGO_DEBUG=0`` with ``DJANGO_SECRET_KEY`` and ``DJANGO_ALLOWED_HOSTS``
  for a production-like run (``manage.py check --deploy`` is clean then);
- ``PRELUDE_API_KEY`` to verify real phones through Prelude Verify v2 (or
  ``DING_API_KEY`` and ``DING_CUSTOMER_UUID`` for the legacy Ding v1 API)
  instead of the sandbox. With ``DJANGO_DEBUG=0`` one of them is required,
  unless ``DING_SANDBOX=1`` asks for the sandbox on a staging site.
"""

from __future__ import annotations

import os
from pathlib import Path

import django
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"

if DEBUG:
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-example-only")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
else:
    try:
        SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
        ALLOWED_HOSTS = [
            host.strip() for host in os.environ["DJANGO_ALLOWED_HOSTS"].split(",") if host.strip()
        ]
    except KeyError as missing:
        raise ImproperlyConfigured(
            f"Set {missing} in the environment when DJANGO_DEBUG=0."
        ) from None
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS lists no host name.")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

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
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

ROOT_URLCONF = "example_project.urls"
WSGI_APPLICATION = "example_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "example_project" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "example_project.context_processors.sandbox",
            ]
        },
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_DB_PATH", str(BASE_DIR / "db.sqlite3")),
    }
}

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

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "profile"
LOGOUT_REDIRECT_URL = "home"

# The provider, from the environment:
# - PRELUDE_API_KEY: Prelude Verify v2, the API a new account gets a key for;
# - DING_API_KEY and DING_CUSTOMER_UUID: the legacy Ding v1 API;
# - neither: the sandbox, in development (DEBUG on) only, or on a staging site
#   that asks for it with DING_SANDBOX=1. Never a silent fallback in production.
_prelude_key = os.environ.get("PRELUDE_API_KEY")
_ding_key = os.environ.get("DING_API_KEY")
_ding_customer = os.environ.get("DING_CUSTOMER_UUID")
_sandbox_requested = os.environ.get("DING_SANDBOX") == "1"
if _prelude_key:
    DING = {"BACKEND": "django_ding.backends.prelude.PreludeBackend", "API_KEY": _prelude_key}
elif _ding_key and _ding_customer:
    DING = {
        "BACKEND": "django_ding.backends.ding.DingBackend",
        "API_KEY": _ding_key,
        "CUSTOMER_UUID": _ding_customer,
    }
elif _ding_key or _ding_customer:
    raise ImproperlyConfigured(
        "Set both DING_API_KEY and DING_CUSTOMER_UUID to use the Ding v1 API "
        f"({'DING_CUSTOMER_UUID' if _ding_key else 'DING_API_KEY'} is missing), or "
        "PRELUDE_API_KEY for Prelude Verify v2."
    )
elif DEBUG or _sandbox_requested:
    DING = {
        # DING_SANDBOX_API=v2: the sandbox plays Prelude v2 (vrf_ ids, retries in
        # the window); otherwise Ding v1.
        "BACKEND": (
            "django_ding.sandbox.backend.PreludeSandboxBackend"
            if os.environ.get("DING_SANDBOX_API") == "v2"
            else "django_ding.sandbox.backend.SandboxBackend"
        ),
        # A staging site on the sandbox: its inbox answers staff users only.
        "SANDBOX_ALLOW_WITHOUT_DEBUG": not DEBUG,
    }
else:
    raise ImproperlyConfigured(
        "DJANGO_DEBUG=0 needs PRELUDE_API_KEY (Prelude Verify v2) or DING_API_KEY and "
        "DING_CUSTOMER_UUID (Ding v1). For a staging site on the sandbox (no SMS; codes "
        "on a staff-only inbox page), set DING_SANDBOX=1."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django_ding": {"handlers": ["console"], "level": "INFO"}},
}
