"""Finding: the API key appeared in Django's HTML error page, as the backend
cache key (``repr(settings.DING)``) held in a frame local of ``get_backend``.

No frame local or exception text of the package may hold the key, whichever
way a backend fails to build."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from django.test import RequestFactory, override_settings
from django.views.debug import ExceptionReporter

from django_ding.backends import get_backend, reset_backend
from django_ding.backends.ding import DingBackend
from django_ding.exceptions import DingConfigurationError

KEY = "sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
UUID = "c9f826e0-deca-41ec-871f-ecd6e8efeb46"


def _report(call: Callable[[], object]) -> tuple[str, str]:
    """The HTML and text error reports of what ``call`` raises."""
    request = RequestFactory().get("/")
    try:
        call()
    except Exception:
        reporter = ExceptionReporter(request, *sys.exc_info())
        return reporter.get_traceback_html(), reporter.get_traceback_text()
    raise AssertionError("the call did not raise")


BROKEN_SETTINGS = [
    {"TIMEOUT": "ten seconds"},
    {"BACKEND": "no.such.Backend"},
    {"MAX_RETRIES": -1},
    {"RETRY_BACKOFF": "soon"},
]


@pytest.mark.parametrize("broken", BROKEN_SETTINGS, ids=lambda b: next(iter(b)))
def test_shared_backend_built_from_broken_settings(broken: dict[str, object]) -> None:
    ding = {
        "BACKEND": "django_ding.backends.ding.DingBackend",
        "API_KEY": KEY,
        "CUSTOMER_UUID": UUID,
        **broken,
    }
    with override_settings(DING=ding):
        reset_backend()
        try:
            html, text = _report(get_backend)
        finally:
            reset_backend()
    assert "get_backend" in text  # the frame is in the report
    assert KEY not in html
    assert KEY not in text


@pytest.mark.parametrize(
    "call",
    [
        lambda: get_backend(api_key=KEY, customer_uuid=UUID, timeout="ten"),
        lambda: DingBackend(api_key=KEY, customer_uuid=UUID, timeout=-1),
        lambda: DingBackend(api_key=KEY, customer_uuid=UUID, max_retries=-3),
    ],
    ids=["get_backend kwargs", "DingBackend timeout", "DingBackend max_retries"],
)
def test_backend_built_with_a_key_argument(call: Callable[[], object]) -> None:
    with override_settings(DING={"BACKEND": "django_ding.backends.ding.DingBackend"}):
        html, text = _report(call)
    assert KEY not in html
    assert KEY not in text


def test_configuration_errors_never_quote_the_key() -> None:
    for broken in BROKEN_SETTINGS:
        with override_settings(DING={"API_KEY": KEY, "CUSTOMER_UUID": UUID, **broken}):
            reset_backend()
            with pytest.raises(DingConfigurationError) as excinfo:
                get_backend()
            reset_backend()
        assert KEY not in str(excinfo.value)
        assert KEY not in repr(excinfo.value)
