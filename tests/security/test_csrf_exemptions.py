"""Only the views meant to skip CSRF do: the sandbox's wire API (a machine
interface that authenticates with its API key). Every other view of the
package and of the example project, the admin included, is CSRF-protected."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

#: ``module.name`` of every view allowed to be CSRF-exempt.
ALLOWED = {
    "django_ding.sandbox.api_views.create_authentication",
    "django_ding.sandbox.api_views.check",
    "django_ding.sandbox.api_views.retry",
    "django_ding.sandbox.api_views.feedback",
    "django_ding.sandbox.api_views.authentication_status",
    "django_ding.sandbox.api_views.lookup",
    "django_ding.sandbox.api_views.not_found",  # v1's error body for other v1 paths
    # The Prelude v2 face (Bearer token), and its v2 404 for other v2 paths.
    "django_ding.sandbox.api_v2_views.create",
    "django_ding.sandbox.api_v2_views.check",
    "django_ding.sandbox.api_v2_views.history",
    "django_ding.sandbox.api_v2_views.history_list",
    "django_ding.sandbox.api_v2_views.lookup",
    "django_ding.sandbox.api_v2_views.watch_feedback",
    "django_ding.sandbox.api_v2_views.not_found",
}


def walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def qualified(callback: Any) -> str:
    view = getattr(callback, "view_class", None) or callback
    return f"{view.__module__}.{view.__qualname__}"


@pytest.mark.parametrize("urlconf", ["tests.urls", "example_project.urls"])
def test_only_the_sandbox_wire_api_is_csrf_exempt(urlconf: str) -> None:
    views = list(walk(get_resolver(urlconf).url_patterns))
    assert len(views) > 20  # the admin, the flow, the sandbox
    exempt = {qualified(cb) for _, cb in views if getattr(cb, "csrf_exempt", False)}
    assert exempt == ALLOWED
    # And the flow's own views are among those walked (and protected).
    names = {qualified(cb) for _, cb in views}
    for view in ("SendCodeView", "CheckCodeView", "RetryView"):
        assert f"django_ding.views.{view}" in names
