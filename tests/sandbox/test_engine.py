"""The provider engine and its helpers, called directly."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pytest
from django.test import override_settings
from django.utils import translation

from django_ding.exceptions import DingConfigurationError
from django_ding.sandbox import codes, magic, provider
from django_ding.sandbox.errors import SandboxProviderError
from django_ding.sandbox.models import (
    SandboxAttempt,
    SandboxAuthentication,
    SandboxCheck,
    SandboxFeedback,
    SandboxMessage,
)
from django_ding.sandbox.options import outbox_size, slow_seconds
from django_ding.sandbox.phone_lookup import describe
from django_ding.sandbox.testing import last_code
from tests.sandbox.conftest import CUSTOMER_UUID, PHONE

pytestmark = pytest.mark.django_db


def create(phone: str = PHONE, **fields: Any) -> dict[str, Any]:
    return provider.create_authentication(
        customer_uuid=CUSTOMER_UUID, phone_number=phone, fields=fields
    )


def check(auth: str, code: object) -> dict[str, Any]:
    return provider.check(customer_uuid=CUSTOMER_UUID, authentication_uuid=auth, check_code=code)


def error_of(call: Any) -> tuple[int, str]:
    with pytest.raises(SandboxProviderError) as info:
        call()
    return info.value.status_code, info.value.body["code"]


def ding(**changes: Any) -> dict[str, Any]:
    from django.conf import settings

    return {**settings.DING, **changes}


def test_codes_are_hashed_and_only_the_message_holds_one() -> None:
    auth = create()["authentication_uuid"]
    code = last_code(PHONE)
    attempt = SandboxAttempt.objects.get()
    assert code not in attempt.code_hash
    assert code not in attempt.masked_content
    assert attempt.code_hash == codes.hash_code(attempt.code_salt, code)
    assert len(attempt.code_salt) == 16
    row = SandboxAuthentication.objects.values().get(uuid=auth)
    assert code not in repr(row)
    check(auth, code)
    assert code not in repr(list(SandboxCheck.objects.values()))
    message = SandboxMessage.objects.get()
    assert message.code == code
    assert message.text == f"Your verification code is {code}"


def test_each_authentication_gets_its_own_random_code() -> None:
    generated = {codes.new_code() for _ in range(50)}
    assert len(generated) > 40
    assert all(len(code) == 6 and code.isdigit() for code in generated)


def test_code_matches_refuses_long_input_without_hashing() -> None:
    salt = codes.new_salt()
    stored = codes.hash_code(salt, "123456")
    assert codes.code_matches(salt, stored, "123456")
    assert not codes.code_matches(salt, stored, "1234567")
    assert not codes.code_matches(salt, stored, "1" * 10_000)


@override_settings(DEBUG=True)
def test_fixed_code_with_debug() -> None:
    with override_settings(DING=ding(SANDBOX_FIXED_CODE="424242")):
        auth = create()["authentication_uuid"]
        assert last_code(PHONE) == "424242"
        assert check(auth, "424242")["status"] == "valid"


@pytest.mark.parametrize(
    ("debug", "fixed"), [(False, "424242"), (True, "12"), (True, 424242), (True, "12ab56")]
)
def test_fixed_code_ignored_without_debug_or_when_malformed(
    debug: bool, fixed: object, caplog: pytest.LogCaptureFixture
) -> None:
    with override_settings(DEBUG=debug, DING=ding(SANDBOX_FIXED_CODE=fixed)):
        create()
    assert last_code(PHONE) != fixed
    assert "DING['SANDBOX_FIXED_CODE'] is ignored" in caplog.text


def test_delivery_is_logged_with_the_code_and_a_masked_number(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="django_ding.sandbox")
    create()
    code = last_code(PHONE)
    [record] = [r for r in caplog.records if r.name == "django_ding.sandbox"]
    assert record.levelno == logging.INFO
    assert code in record.getMessage()
    assert "+33*******78" in record.getMessage()
    assert PHONE not in record.getMessage()


def test_outbox_keeps_the_newest_messages_only() -> None:
    with override_settings(DING=ding(SANDBOX_OUTBOX_SIZE=3)):
        for last_digit in range(5):
            create(f"+3361234567{last_digit}")
    kept = list(SandboxMessage.objects.order_by("id").values_list("phone_number", flat=True))
    assert kept == ["+33612345672", "+33612345673", "+33612345674"]
    # Authentications are not touched by the cap.
    assert SandboxAuthentication.objects.count() == 5


@pytest.mark.parametrize("value", [0, -1, "10", 2.5, True, None])
def test_outbox_size_must_be_a_positive_whole_number(value: object) -> None:
    with (
        override_settings(DING=ding(SANDBOX_OUTBOX_SIZE=value)),
        pytest.raises(DingConfigurationError, match="SANDBOX_OUTBOX_SIZE"),
    ):
        outbox_size()


@pytest.mark.parametrize("value", [-1, "15", None, True, 7200])
def test_slow_seconds_must_be_a_sane_number(value: object) -> None:
    with (
        override_settings(DING=ding(SANDBOX_SLOW_SECONDS=value)),
        pytest.raises(DingConfigurationError, match="SANDBOX_SLOW_SECONDS"),
    ):
        slow_seconds()


def test_slow_seconds_only_for_the_slow_number() -> None:
    with override_settings(DING=ding(SANDBOX_SLOW_SECONDS=2)):
        assert provider.slow_seconds_for(magic.SLOW) == 2.0
        assert provider.slow_seconds_for(PHONE) is None
        assert provider.slow_seconds_for(None) is None
        assert provider.slow_seconds_for(12025550197) is None


def test_magic_numbers_are_valid_and_distinct() -> None:
    import phonenumbers

    assert len(set(magic.MAGIC_NUMBERS)) == len(magic.Magic)
    for number in magic.MAGIC_NUMBERS:
        assert phonenumbers.is_valid_number(phonenumbers.parse(number, None))
    assert magic.magic_for("+12025550190") is None


def test_sms_language_follows_the_locale_when_the_site_has_it() -> None:
    with translation.override("fr"):
        french = codes.render_text("123456", locale="fr-FR")
        unknown = codes.render_text("123456", locale="xx-XX")
    english = codes.render_text("123456", locale="en-US")
    assert french.text == "Votre code de vérification est 123456"
    assert unknown.text == french.text  # the active language
    assert english.text == "Your verification code is 123456"
    for text in (french, unknown, english):
        assert text.text[text.code_start : text.code_start + 6] == "123456"
        assert "123456" not in text.masked


def test_a_broken_translation_does_not_lose_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codes, "gettext", lambda _: "Votre code : %(kode)s")
    text = codes.render_text("987654", app_realm="FA+9qCX9VSu")
    assert text.text == "Your verification code is 987654\nFA+9qCX9VSu"
    assert text.masked == "Your verification code is ******\nFA+9qCX9VSu"


def test_checks_are_counted_per_authentication() -> None:
    first = create()["authentication_uuid"]
    code = last_code(PHONE)
    second = create()["authentication_uuid"]
    for _ in range(5):
        assert check(first, "x")["status"] == "invalid"
    assert check(first, code)["status"] == "rate_limited"
    assert SandboxAuthentication.objects.get(uuid=first).failed_checks == 5
    assert check(second, last_code(PHONE))["status"] == "valid"


def test_codes_of_one_authentication_do_not_open_another() -> None:
    first = create()["authentication_uuid"]
    first_code = last_code(PHONE)
    second = create("+33612345699")["authentication_uuid"]
    if first_code != last_code("+33612345699"):
        assert check(second, first_code)["status"] == "invalid"
    assert check(first, first_code)["status"] == "valid"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"customer_uuid": None}, (400, "bad_request")),
        ({"customer_uuid": "nope"}, (400, "bad_request")),
        ({"customer_uuid": 42}, (400, "bad_request")),
        ({"customer_uuid": "x" * 1000}, (400, "bad_request")),
        ({"phone_number": None}, (400, "bad_request")),
        ({"phone_number": ["+33612345678"]}, (400, "bad_request")),
        ({"phone_number": "+33 6 12 34 56 78"}, (400, "invalid_phone_number")),
        ({"phone_number": "+0"}, (400, "invalid_phone_number")),
        ({"phone_number": "+" + "9" * 40}, (400, "invalid_phone_number")),
        ({"phone_number": "\x00"}, (400, "invalid_phone_number")),
        ({"fields": {"ip": 12}}, (400, "bad_request")),
        ({"fields": {"ip": "999.1.1.1"}}, (400, "bad_request")),
        ({"fields": {"device_type": ["ANDROID"]}}, (400, "bad_request")),
        ({"fields": {"template_id": "x" * 256}}, (400, "invalid_template_id")),
        ({"fields": {"app_version": 1}}, (400, "invalid_app_version")),
        ({"fields": {"os_version": {}}}, (400, "invalid_os_version")),
        ({"fields": {"device_model": ""}}, (400, "invalid_device_model")),
        ({"fields": {"callback_url": "x" * 3000}}, (400, "bad_request")),
        ({"fields": {"locale": 5}}, (400, "bad_request")),
        ({"fields": {"sender_id": 5}}, (400, "invalid_sender_id")),
        ({"fields": {"app_realm": None, "unknown": 1}}, (400, "bad_request")),
    ],
)
def test_create_refuses_malformed_input(kwargs: dict[str, Any], expected: tuple[int, str]) -> None:
    arguments: dict[str, Any] = {
        "customer_uuid": CUSTOMER_UUID,
        "phone_number": PHONE,
        "fields": {},
        **kwargs,
    }
    assert error_of(lambda: provider.create_authentication(**arguments)) == expected
    assert SandboxAuthentication.objects.count() == 0
    assert SandboxMessage.objects.count() == 0


def test_none_optional_fields_are_absent() -> None:
    auth = create(ip=None, locale=None)["authentication_uuid"]
    assert SandboxAuthentication.objects.get(uuid=auth).fields == {}


@pytest.mark.parametrize("code", [None, "", 123456, ["1"]])
def test_check_refuses_a_missing_or_non_string_code(code: object) -> None:
    auth = create()["authentication_uuid"]
    assert error_of(lambda: check(auth, code)) == (400, "bad_request")
    assert SandboxCheck.objects.count() == 0


def test_error_messages_never_echo_the_number() -> None:
    with pytest.raises(SandboxProviderError) as info:
        create("+3361234567")  # too short for France
    assert info.value.body["message"] == "+33******67 is not a valid phone number"
    assert "+3361234567" not in repr(info.value)


def test_feedback_is_scoped_by_customer() -> None:
    create()
    other = str(uuid.uuid4())
    assert error_of(
        lambda: provider.feedback(customer_uuid=other, phone_number=PHONE, status="onboarded")
    ) == (400, "no_associated_auth_found")
    provider.feedback(customer_uuid=CUSTOMER_UUID, phone_number=PHONE, status="onboarded")
    assert SandboxFeedback.objects.count() == 1


@pytest.mark.parametrize("status", [None, 1, "ONBOARDED", ["onboarded"]])
def test_feedback_status_must_be_known(status: object) -> None:
    create()
    assert error_of(
        lambda: provider.feedback(customer_uuid=CUSTOMER_UUID, phone_number=PHONE, status=status)
    ) == (400, "invalid_feedback_status")


@pytest.mark.parametrize(
    ("number", "line_type"),
    [
        ("+33612345678", "Mobile"),
        ("+33199000001", "FixedLine"),
        ("+18005550100", "TollFree"),
        ("+19005550100", "PremiumRate"),
        ("+12025550100", "Mobile"),
        ("+80012345678", "TollFree"),
    ],
)
def test_lookup_line_types(number: str, line_type: str) -> None:
    answer = describe(number, cnam=False)
    assert answer["line_type"] == line_type
    assert "caller_name" not in answer
    assert "mcc" not in answer
    assert "mnc" not in answer


def test_lookup_of_a_non_geographic_number_has_no_country() -> None:
    assert "country_code" not in describe("+80012345678", cnam=True)


def test_lookup_types_must_be_cnam() -> None:
    arguments = {"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE}
    assert error_of(lambda: provider.lookup(**arguments, types=["cnam", "x"])) == (
        400,
        "bad_request",
    )
    assert error_of(lambda: provider.lookup(**arguments, types=[None])) == (400, "bad_request")
    assert provider.lookup(**arguments, types=["cnam", "cnam"])["caller_name"]


def test_status_of_a_malformed_uuid() -> None:
    for value in ("", None, "nope", 5):
        status, _ = error_of(lambda value=value: provider.authentication_status(auth_uuid=value))
        assert status == 400


def test_a_check_without_any_attempt() -> None:
    auth = create()["authentication_uuid"]
    SandboxAttempt.objects.all().delete()
    assert check(auth, "123456")["status"] == "without_attempt"


def test_unknown_country_code() -> None:
    assert error_of(lambda: create("+99912345678")) == (400, "invalid_phone_number")


def test_rows_read_without_secrets() -> None:
    auth = create()["authentication_uuid"]
    check(auth, "x")
    provider.feedback(customer_uuid=CUSTOMER_UUID, phone_number=PHONE, status="onboarded")
    shown = [
        str(SandboxAuthentication.objects.get()),
        str(SandboxAttempt.objects.get()),
        str(SandboxCheck.objects.get()),
        str(SandboxFeedback.objects.get()),
        str(SandboxMessage.objects.get()),
    ]
    assert shown == [
        "+33*******78 (pending)",
        "attempt 1",
        "invalid",
        "+33*******78: onboarded",
        "+33*******78 #1",
    ]
    assert last_code(PHONE) not in repr(shown)
