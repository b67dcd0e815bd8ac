"""django_ding.limits: settings validation, locks, stale rows."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest

from django_ding import limits, services
from django_ding.exceptions import DingConfigurationError
from tests.services.backend import Script
from tests.services.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("SEND_COOLDOWN", -1),
        ("SEND_COOLDOWN", "30"),
        ("SEND_LIMIT_PER_PHONE", 5),
        ("SEND_LIMIT_PER_PHONE", (5,)),
        ("SEND_LIMIT_PER_PHONE", (0, 600)),
        ("SEND_LIMIT_PER_IP", (20, "3600")),
        ("SEND_LIMIT_GLOBAL_PER_HOUR", 0),
        ("SEND_LIMIT_GLOBAL_PER_HOUR", True),
    ],
)
def test_bad_send_settings_name_the_key(
    script: Script, settings: Any, key: str, value: Any
) -> None:
    settings.DING = {**settings.DING, key: value}
    with pytest.raises(DingConfigurationError, match=key):
        services.send_code(PHONE, ip="203.0.113.9")
    assert script.calls == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("MAX_CHECK_ATTEMPTS", 0),
        ("MAX_CHECK_ATTEMPTS", None),
        ("MAX_FAILED_CHECKS_PER_PHONE", "10"),
        ("PHONE_FAILURE_WINDOW", -5),
    ],
)
def test_bad_check_settings_name_the_key(
    script: Script, settings: Any, key: str, value: Any
) -> None:
    authentication = services.send_code(PHONE)
    settings.DING = {**settings.DING, key: value}
    with pytest.raises(DingConfigurationError, match=key):
        services.check_code(authentication, "123456")
    assert script.count("check") == 0


def test_bad_ttl(script: Script, settings: Any) -> None:
    settings.DING = {**settings.DING, "AUTHENTICATION_TTL": 0}
    with pytest.raises(DingConfigurationError, match="AUTHENTICATION_TTL"):
        limits.authentication_ttl()


def test_lock_needs_a_transaction() -> None:
    with pytest.raises(RuntimeError, match="atomic"):
        limits.lock("x")


def test_keys_are_hashes() -> None:
    assert PHONE not in limits.phone_key(PHONE)
    assert limits.phone_key(PHONE) == limits.phone_key(PHONE)
    assert limits.phone_key(PHONE) != limits.ip_key("203.0.113.9")
    assert len(limits.phone_key(PHONE)) <= 80


def test_keys_are_keyed_by_the_secret_key(settings: Any) -> None:
    # A plain hash of "phone:+33..." could be reversed by trying every number.
    plain = hashlib.sha256(f"phone:{PHONE}".encode()).hexdigest()
    key = limits.phone_key(PHONE)
    assert plain[:40] not in key
    assert key.startswith("phone:")
    assert len(key) <= 80
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert limits.phone_key(PHONE) != key
    assert limits.ip_key("203.0.113.9").startswith("ip:")


def test_stale_sending_age_covers_the_longest_provider_call(settings: Any) -> None:
    # Default: 3 tries x (3.05 + 10) s + 2 waits of 10 s + 60 s margin.
    assert limits.stale_sending_age() == dt.timedelta(seconds=3 * 13.05 + 20 + 60)
    settings.DING = {**settings.DING, "TIMEOUT": 5, "MAX_RETRIES": 0}
    assert limits.stale_sending_age() == dt.timedelta(seconds=70)
    # A wrong value is not replaced by a guess: its reader names it.
    for broken in ({"TIMEOUT": "junk"}, {"MAX_RETRIES": "junk"}, {"RETRY_BACKOFF": -1}):
        settings.DING = {**settings.DING, "TIMEOUT": 5, "MAX_RETRIES": 0, **broken}
        key = next(iter(broken))
        with pytest.raises(DingConfigurationError, match=rf"settings\.DING\['{key}'\]"):
            limits.stale_sending_age()
