"""Settings that turn the test suite's project into the example site.

``DJANGO_SETTINGS_MODULE`` is ``tests.settings`` for the whole run, so the
example site's tests (here and in ``tests/browser/``) apply these on top of it
with ``override_settings``: its URLs, its templates and context processor, its
login pages. The ``accounts`` app itself (the ``Profile`` model) is in
``tests.settings.INSTALLED_APPS`` so its table exists in the test database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

import example_project

TEMPLATES_DIR = Path(example_project.__file__).resolve().parent / "templates"
ACCOUNTS_APP = "example_project.accounts"


def example_site_settings() -> dict[str, Any]:
    """The overrides, computed from the current ``TEMPLATES`` setting."""
    templates: list[dict[str, Any]] = [dict(engine) for engine in settings.TEMPLATES]
    django_engine = templates[0]
    options: dict[str, Any] = dict(django_engine.get("OPTIONS", {}))
    options["context_processors"] = [
        *options.get("context_processors", []),
        "example_project.context_processors.sandbox",
    ]
    django_engine["OPTIONS"] = options
    django_engine["DIRS"] = [TEMPLATES_DIR, *django_engine.get("DIRS", [])]
    return {
        "ROOT_URLCONF": "example_project.urls",
        "TEMPLATES": templates,
        "LOGIN_URL": "login",
        "LOGIN_REDIRECT_URL": "profile",
        "LOGOUT_REDIRECT_URL": "home",
    }


def require_accounts_app() -> None:
    """Fail loudly (not skip) when the test settings lack the accounts app."""
    if ACCOUNTS_APP not in settings.INSTALLED_APPS:
        import pytest

        pytest.fail(
            f"The example site's tests need {ACCOUNTS_APP!r} in tests/settings.py "
            "INSTALLED_APPS (its Profile table must exist in the test database).",
            pytrace=False,
        )
