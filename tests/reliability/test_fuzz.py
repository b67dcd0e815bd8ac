"""A seeded fuzz (hypothesis, ``derandomize=True``) of the three views, the
two forms and the three services, on the in-memory test backend.

It proves: 0 unhandled exceptions (no 500 from a view; from the services
only the documented ``ValueError``, ``TypeError``, ``VerificationRefused`` and
``DingError``) and 0 off-site redirects (every ``Location`` is on this site),
whatever the POST body, the query string, ``next`` or the session state.
The sandbox wire views have their own fuzz (``tests/sandbox``).
"""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_ding import services
from django_ding.backends.test import BACKENDS, provider
from django_ding.exceptions import DingError, VerificationRefused
from django_ding.forms import CodeForm, PhoneNumberForm
from django_ding.models import Authentication
from tests.reliability.flows import (
    CHECK_URL,
    HOSTILE_NEXT,
    PHONE,
    RETRY_URL,
    SEND_URL,
    assert_same_site,
    send,
)

FUZZ = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

texts = st.text(max_size=40) | st.sampled_from(
    ["", "+33612345678", "0612345678", "123456", "12345", "abcdef", " 123 456 ", "+", "\x00"]
)
nexts = st.sampled_from([*HOSTILE_NEXT, "/ok/", "/done/?a=1", ""]) | st.text(max_size=30)
bodies = st.dictionaries(
    st.sampled_from(["phone_number", "code", "next", "csrfmiddlewaretoken", "x", "phone_number[]"]),
    texts | nexts,
    max_size=4,
)


@pytest.fixture(autouse=True)
def _test_backend(settings: Any, db: None) -> Any:
    settings.DING = {
        "BACKEND": BACKENDS["ding"],
        "API_KEY": "test-api-key-not-real",
        "CUSTOMER_UUID": "c9f826e0-deca-41ec-871f-ecd6e8efeb46",
        "SEND_ONBOARDED_FEEDBACK": False,
        "SUCCESS_URL": "/done/",
        "SEND_COOLDOWN": 0,
        "SEND_LIMIT_PER_PHONE": None,
        "SEND_LIMIT_PER_IP": None,
        "SEND_LIMIT_GLOBAL_PER_HOUR": None,
        "MAX_FAILED_CHECKS_PER_PHONE": None,
        "MAX_FAILED_CHECKS_PER_CLIENT": None,
    }
    provider.reset()
    yield
    provider.reset()


@settings(FUZZ, max_examples=150)
@given(
    url=st.sampled_from([SEND_URL, CHECK_URL, RETRY_URL]),
    method=st.sampled_from(["get", "post"]),
    body=bodies,
    query=st.dictionaries(st.sampled_from(["next", "phone_number", "code", "q"]), texts | nexts),
    with_session=st.booleans(),
)
def test_the_views_never_fail_nor_redirect_off_site(
    url: str, method: str, body: dict[str, str], query: dict[str, str], with_session: bool
) -> None:
    client = Client()
    if with_session:
        assert send(client, PHONE).status_code == 302
    target = f"{url}?{urlencode(query)}" if query else url
    response = client.get(target) if method == "get" else client.post(target, body)
    assert response.status_code in (200, 302, 405), response.status_code
    assert_same_site(response.get("Location"))


@settings(FUZZ, max_examples=120)
@given(value=texts | st.text(max_size=200), region=st.sampled_from([None, "FR", "US", "GB"]))
def test_the_phone_form_never_raises(value: str, region: str | None) -> None:
    form = PhoneNumberForm(data={"phone_number": value}, region=region)
    if form.is_valid():
        assert str(form.cleaned_data["phone_number"]).startswith("+")


@settings(FUZZ, max_examples=120)
@given(value=texts | st.text(max_size=200))
def test_the_code_form_never_raises(value: str) -> None:
    form = CodeForm(data={"code": value})
    form.is_valid()


DOCUMENTED = (ValueError, TypeError, VerificationRefused, DingError)


@FUZZ
@given(
    phone=texts | st.integers() | st.none() | st.binary(max_size=10),
    code=texts | st.integers() | st.none(),
    resend=st.booleans(),
)
def test_the_services_raise_only_documented_errors(phone: Any, code: Any, resend: bool) -> None:
    try:
        authentication = services.send_code(phone)
    except DOCUMENTED:
        try:
            authentication = services.send_code(PHONE)
        except VerificationRefused:  # a limit on the fallback number: nothing to check
            return
    try:
        services.check_code(authentication, code)
    except TypeError:
        assert not isinstance(code, str)
    if resend:
        with contextlib.suppress(*DOCUMENTED):
            services.retry(Authentication.objects.get(pk=authentication.pk))
