"""``SandboxBackend`` itself: construction, argument checks, the slow number."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from django_ding.backends import get_backend
from django_ding.backends.base import BaseBackend
from django_ding.backends.ding import DingBackend
from django_ding.exceptions import DingConfigurationError, DingTimeoutError
from django_ding.sandbox import magic
from django_ding.sandbox.backend import SandboxBackend
from django_ding.sandbox.models import SandboxAuthentication
from django_ding.sandbox.provider import SANDBOX_CUSTOMER_UUID
from django_ding.sandbox.testing import last_code, outbox
from tests.sandbox.conftest import CUSTOMER_UUID, PHONE

pytestmark = pytest.mark.django_db


def ding(**changes: Any) -> dict[str, Any]:
    return {**settings.DING, **changes}


def test_get_backend_gives_the_sandbox_in_the_test_settings() -> None:
    backend = get_backend()
    assert isinstance(backend, SandboxBackend)
    assert "test-api-key" not in repr(backend)
    assert not SandboxBackend.requires_credentials


def test_needs_the_sandbox_app() -> None:
    apps = [app for app in settings.INSTALLED_APPS if app != "django_ding.sandbox"]
    with (
        override_settings(INSTALLED_APPS=apps),
        pytest.raises(DingConfigurationError, match=r'"django_ding\.sandbox" to INSTALLED_APPS'),
    ):
        SandboxBackend()


def test_works_without_credentials() -> None:
    only_backend = {
        "BACKEND": "django_ding.sandbox.backend.SandboxBackend",
        "SANDBOX_ALLOW_WITHOUT_DEBUG": True,
    }
    with override_settings(DING=only_backend):
        backend = SandboxBackend()
        auth = backend.create_authentication(PHONE).authentication_uuid
        assert backend.check(auth, last_code(PHONE)).is_valid
    row = SandboxAuthentication.objects.get()
    assert str(row.customer_uuid) == SANDBOX_CUSTOMER_UUID


def test_a_customer_uuid_that_is_not_one_is_a_configuration_error() -> None:
    backend = SandboxBackend(customer_uuid="not-a-uuid")
    with pytest.raises(DingConfigurationError, match="CUSTOMER_UUID"):
        backend.create_authentication(PHONE)


def test_phone_number_objects_are_accepted() -> None:
    from phonenumber_field.phonenumber import PhoneNumber

    SandboxBackend().create_authentication(PhoneNumber.from_string(PHONE))  # type: ignore[arg-type]
    assert last_code(PhoneNumber.from_string(PHONE))


def test_uuid_objects_are_accepted() -> None:
    backend = SandboxBackend()
    auth = uuid.UUID(backend.create_authentication(PHONE).authentication_uuid)
    assert backend.get_authentication_status(auth).uuid == str(auth)  # type: ignore[arg-type]


def _client_backends() -> list[BaseBackend]:
    return [
        SandboxBackend(customer_uuid=CUSTOMER_UUID),
        # Never reached: every case below fails before any request.
        DingBackend(base_url="http://127.0.0.1:9/v1", api_key="k", customer_uuid=CUSTOMER_UUID),
    ]


ARGUMENT_ERRORS: list[tuple[str, tuple[Any, ...], dict[str, Any], type[Exception]]] = [
    ("create_authentication", ("0612345678",), {}, ValueError),
    ("create_authentication", ("",), {}, ValueError),
    ("create_authentication", (33612345678,), {}, TypeError),
    ("create_authentication", (PHONE,), {"colour": "blue"}, TypeError),
    ("create_authentication", (PHONE,), {"device_type": "PS5"}, ValueError),
    ("create_authentication", (PHONE,), {"is_returning_user": "yes"}, TypeError),
    ("create_authentication", (PHONE,), {"callback_url": "ftp://x"}, ValueError),
    ("create_authentication", (PHONE,), {"ip": "nope"}, ValueError),
    ("check", ("nope", "123456"), {}, ValueError),
    ("check", (str(uuid.uuid4()), ""), {}, ValueError),
    ("check", (str(uuid.uuid4()), 123456), {}, TypeError),
    ("check", (str(uuid.uuid4()), "1" * 100), {}, ValueError),
    ("retry", (None,), {}, TypeError),
    ("feedback", (PHONE, "happy"), {}, ValueError),
    ("feedback", (PHONE, None), {}, TypeError),
    ("get_authentication_status", ("x" * 100,), {}, ValueError),
    ("lookup", (PHONE,), {"cnam": "yes"}, TypeError),
    ("lookup", ("+33 6 12",), {}, ValueError),
]


@pytest.mark.parametrize(("method", "args", "kwargs", "error"), ARGUMENT_ERRORS)
def test_malformed_arguments_fail_like_dingbackend(
    method: str, args: tuple[Any, ...], kwargs: dict[str, Any], error: type[Exception]
) -> None:
    for backend in _client_backends():
        with pytest.raises(error):
            getattr(backend, method)(*args, **kwargs)
    assert SandboxAuthentication.objects.count() == 0


def test_ipv6_and_empty_fields_are_left_out_like_dingbackend() -> None:
    backend = SandboxBackend()
    auth = backend.create_authentication(PHONE, ip="::1", device_id="", locale=None)
    assert SandboxAuthentication.objects.get(uuid=auth.authentication_uuid).fields == {}
    mapped = backend.create_authentication(PHONE, ip="::ffff:192.0.2.1", device_type="web")
    fields = SandboxAuthentication.objects.get(uuid=mapped.authentication_uuid).fields
    assert fields == {"ip": "192.0.2.1", "device_type": "WEB"}


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def test_slow_number_times_out_after_the_read_timeout() -> None:
    sleeps = Sleeps()
    backend = SandboxBackend(sleep=sleeps, timeout=(1.0, 2.5))
    with pytest.raises(DingTimeoutError) as info:
        backend.create_authentication(magic.SLOW)
    assert info.value.request_sent is True
    assert "2.5" in str(info.value)
    assert sleeps.calls == [2.5]  # min(SANDBOX_SLOW_SECONDS=15, read timeout)
    # The "server" did its work: the message went out.
    assert [m.phone_number for m in outbox()] == [magic.SLOW]


def test_slow_number_answers_late_within_the_timeout() -> None:
    sleeps = Sleeps()
    backend = SandboxBackend(sleep=sleeps, timeout=(1.0, 10.0))
    with override_settings(DING=ding(SANDBOX_SLOW_SECONDS=3)):
        created = backend.create_authentication(magic.SLOW)
        backend.feedback(magic.SLOW, "onboarded")
        assert backend.lookup(magic.SLOW).country_code == "US"
    assert created.status == "pending"
    assert sleeps.calls == [3.0, 3.0, 3.0]


def test_slow_number_times_out_even_when_the_provider_refuses() -> None:
    sleeps = Sleeps()
    backend = SandboxBackend(sleep=sleeps, timeout=1.0)
    with pytest.raises(DingTimeoutError):
        backend.feedback(magic.SLOW, "onboarded")  # no authentication: a 400 nobody sees
    assert sleeps.calls == [1.0]


def test_other_operations_are_never_slow() -> None:
    sleeps = Sleeps()
    backend = SandboxBackend(sleep=sleeps, timeout=(1.0, 10.0))
    with override_settings(DING=ding(SANDBOX_SLOW_SECONDS=3)):
        auth = backend.create_authentication(magic.SLOW).authentication_uuid
        backend.check(auth, "123456")
        backend.retry(auth)
        backend.get_authentication_status(auth)
    assert sleeps.calls == [3.0]


def test_provider_errors_carry_the_wire_body() -> None:
    from django_ding.exceptions import DingAPIError

    with pytest.raises(DingAPIError) as info:
        SandboxBackend().create_authentication(magic.BLOCKED_NUMBER)
    err = info.value
    assert (err.status_code, err.code) == (400, "blocked_number")
    assert err.doc_url == "https://docs.prelude.so/verify/v1/documentation/errors#blocked_number"
    assert err.raw_response is None
    assert '"code": "blocked_number"' in err.body
