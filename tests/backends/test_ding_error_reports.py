"""Django's error reports (DEBUG=False: AdminEmailHandler, error trackers)
must not show the API key, the phone number or the code held in locals."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

import pytest
import responses
from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from django_ding.backends.arguments import cnam_argument, feedback_status_argument
from django_ding.backends.ding import DingBackend
from django_ding.exceptions import DingConfigurationError
from tests.backends.conftest import make_backend
from tests.backends.payloads import API_KEY, AUTH_UUID, BASE_URL, CODE, PHONE, PHONE_QUOTED

SECRETS = (API_KEY, PHONE, PHONE_QUOTED, PHONE[1:], CODE)


def _report(call: Callable[[], object]) -> str:
    """The HTML error report of the exception ``call`` raises."""
    request = RequestFactory().get("/")
    try:
        call()
    except Exception:
        return ExceptionReporter(request, *sys.exc_info()).get_traceback_html()
    raise AssertionError("the call did not raise")


def _assert_clean(html: str) -> None:
    leaked = [secret for secret in SECRETS if secret in html]
    assert not leaked
    assert "********************" in html  # locals were there, and hidden


def _boom(request: Any) -> Any:
    raise RuntimeError("the transport blew up")


OPERATIONS: dict[str, Callable[[DingBackend], object]] = {
    "create_authentication": lambda b: b.create_authentication(PHONE),
    "check": lambda b: b.check(AUTH_UUID, CODE, phone_number=PHONE),
    "retry": lambda b: b.retry(AUTH_UUID, phone_number=PHONE),
    "feedback": lambda b: b.feedback(PHONE, "onboarded"),
    "lookup": lambda b: b.lookup(PHONE),
    "get_authentication_status": lambda b: b.get_authentication_status(AUTH_UUID),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_error_report_inside_the_transport_hides_secrets(operation: str) -> None:
    backend = make_backend()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for method in (responses.GET, responses.POST):
            mock.add_callback(method, re.compile(re.escape(BASE_URL) + ".*"), callback=_boom)
        html = _report(lambda: OPERATIONS[operation](backend))
    assert "the transport blew up" in html
    _assert_clean(html)


def test_error_report_for_an_unusable_base_url_hides_secrets() -> None:
    backend = make_backend(base_url="http://[::1/v1", max_retries=0)
    html = _report(lambda: backend.lookup(PHONE))
    assert "DingConfigurationError" in html
    _assert_clean(html)
    with pytest.raises(DingConfigurationError):
        backend.lookup(PHONE)


def test_error_report_for_bad_credentials_hides_the_key() -> None:
    backend = make_backend(api_key=API_KEY + " \n", max_retries=0)
    html = _report(lambda: backend.check(AUTH_UUID, CODE))
    assert "DingConfigurationError" in html
    _assert_clean(html)


def test_shared_argument_checks() -> None:
    assert feedback_status_argument("onboarded") == "onboarded"
    with pytest.raises(TypeError):
        feedback_status_argument(None)
    with pytest.raises(ValueError, match="must be one of"):
        feedback_status_argument("ONBOARDED ")
    assert cnam_argument(True) is True
    assert cnam_argument(False) is False
    for value in (1, "true", None):
        with pytest.raises(TypeError):
            cnam_argument(value)
