"""Masking of phone numbers, and what the provider may learn from a request."""

from __future__ import annotations

import pytest
from django.test import RequestFactory, override_settings
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from phonenumber_field.phonenumber import PhoneNumber

from django_ding.privacy import mask_phone
from django_ding.request_info import client_ip, request_locale


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("+33612345678", "+33*******78"),
        (PhoneNumber.from_string("+14155550100"), "+1********00"),
        ("33612345678", "+33*******78"),
        ("+35312", "***12"),
        ("+1555", "****"),
        ("", "****"),
        (None, ""),
        ("<script>alert(1)</script>", "****"),
    ],
)
def test_mask_phone(value: object, masked: str) -> None:
    assert mask_phone(value) == masked


@given(st.from_regex(r"\+[1-9][0-9]{5,14}", fullmatch=True))
def test_mask_phone_never_shows_the_whole_number(number: str) -> None:
    masked = mask_phone(number)
    assert number not in masked
    assert masked.endswith(number[-2:])


def test_client_ip_is_remote_addr_by_default() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "203.0.113.9"
    assert client_ip(None) is None


@pytest.mark.parametrize("remote", ["", "not-an-ip", "999.1.1.1"])
def test_client_ip_refuses_garbage(remote: str) -> None:
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR=remote)) is None


@override_settings(DING={"TRUSTED_PROXY_COUNT": 1})
def test_client_ip_through_one_trusted_proxy_ignores_client_written_hops() -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"
    )
    assert client_ip(request) == "198.51.100.7"


@override_settings(DING={"TRUSTED_PROXY_COUNT": 2})
def test_client_ip_with_fewer_hops_than_proxies_falls_back_to_remote_addr() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_ip(request) == "10.0.0.1"


def test_request_locale_is_bcp47() -> None:
    request = RequestFactory().get("/")
    request.LANGUAGE_CODE = "pt-br"
    assert request_locale(request) == "pt-BR"
    with translation.override("fr"):
        assert request_locale(None) == "fr"
    with translation.override(None):
        assert request_locale(None) is None


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("+33 6 12 34 56 78", None, "+33612345678"),
        ("0033612345678", "FR", "+33612345678"),
        ("06 12 34 56 78", "fr", "+33612345678"),
        ("06 12 34 56 78", None, None),
        ("not a number", "FR", None),
        ("+3", None, None),
    ],
)
def test_possible_e164(text: str, region: str | None, expected: str | None) -> None:
    from django_ding.phone_numbers import possible_e164

    with override_settings(DING={"DEFAULT_REGION": region}):
        assert possible_e164(text) == expected
