"""Per-address limits key an IPv6 client by its network (a /64 by default).

Before: the per-IP send cap and the per-client wrong-code limit counted each
address, so one host with a /64 (2**64 addresses) had no cap at all. Now they
count :func:`django_ding.networks.client_network`: the address for IPv4, the
network for IPv6 (``DING["IPV6_PREFIX_LENGTH"]``).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.checks import Error
from django.test import RequestFactory, override_settings

from django_ding import limits, services
from django_ding.checks import check_ding_settings
from django_ding.conf import DEFAULTS, ipv6_prefix_length
from django_ding.exceptions import DingConfigurationError, VerificationRefused
from django_ding.models import Authentication, CheckRecord
from django_ding.networks import client_network
from django_ding.reasons import Reason
from tests.services.backend import Script
from tests.services.conftest import PHONE
from tests.services.test_concurrency import run_parallel

# -- networks.client_network ----------------------------------------------------------


@pytest.mark.parametrize(
    ("ip", "network"),
    [
        (None, ""),
        ("", ""),
        ("192.0.2.1", "192.0.2.1"),
        (" 203.0.113.9 ", "203.0.113.9"),
        ("10.0.0.255", "10.0.0.255"),
        # IPv6, every spelling of one /64 gives the same network.
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:0DB8:0001:0002:0000:0000:0000:0001", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:a:b:c:d", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("2001:db8::1", "2001:db8::/64"),
        ("::1", "::/64"),
        ("fe80::1%eth0", "fe80::/64"),  # the zone is not part of the network
        # IPv4-mapped: a dual-stack socket's view of an IPv4 client.
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("::FFFF:c000:201", "192.0.2.1"),
        ("0:0:0:0:0:ffff:203.0.113.9", "203.0.113.9"),
    ],
)
def test_client_network(ip: str | None, network: str) -> None:
    assert client_network(ip) == network


@pytest.mark.parametrize(
    ("prefix", "network"),
    [
        (32, "2001:db8::/32"),
        (48, "2001:db8:1::/48"),
        (56, "2001:db8:1:200::/56"),
        (64, "2001:db8:1:2ab::/64"),
        (128, "2001:db8:1:2ab:3:4:5:6/128"),
    ],
)
def test_the_prefix_setting_sets_the_ipv6_network(settings: Any, prefix: int, network: str) -> None:
    settings.DING = {**settings.DING, "IPV6_PREFIX_LENGTH": prefix}
    assert client_network("2001:db8:1:2ab:3:4:5:6") == network
    assert client_network("192.0.2.1") == "192.0.2.1"  # IPv4: always the address
    assert client_network("::ffff:192.0.2.1") == "192.0.2.1"


def test_the_prefix_length_can_be_given() -> None:
    assert client_network("2001:db8:1:2::1", prefix_length=48) == "2001:db8:1::/48"


@pytest.mark.parametrize("ip", ["garbage", "999.1.1.1", "2001:db8::/64"])
def test_not_an_address(ip: str) -> None:
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 address"):
        client_network(ip)


def test_the_longest_network_fits_the_column() -> None:
    longest = client_network("2001:db8:1234:5678:9abc:def0:1234:5678", prefix_length=128)
    assert len(longest) <= Authentication._meta.get_field("client_network").max_length
    assert len(longest) <= CheckRecord._meta.get_field("client_network").max_length


# -- The setting and its system check -------------------------------------------------


def _prefix_checks() -> list[Any]:
    return [m for m in check_ding_settings() if "IPV6_PREFIX_LENGTH" in m.msg]


def test_the_prefix_setting_defaults_to_64() -> None:
    assert DEFAULTS["IPV6_PREFIX_LENGTH"] == 64
    with override_settings(DING={}):
        assert ipv6_prefix_length() == 64
        assert _prefix_checks() == []


@pytest.mark.parametrize("value", [31, 129, 0, -64, "64", 64.0, True, None])
def test_a_bad_prefix_setting_names_the_key(value: Any) -> None:
    with override_settings(DING={"IPV6_PREFIX_LENGTH": value}):
        with pytest.raises(DingConfigurationError, match="IPV6_PREFIX_LENGTH"):
            ipv6_prefix_length()
        with pytest.raises(DingConfigurationError, match="IPV6_PREFIX_LENGTH"):
            client_network("2001:db8::1")
        assert client_network("192.0.2.1") == "192.0.2.1"  # IPv4 does not read it
        messages = _prefix_checks()
    assert [message.id for message in messages] == ["django_ding.E041"]
    assert isinstance(messages[0], Error)
    assert "IPV6_PREFIX_LENGTH" in messages[0].msg
    assert "32 to 128" in messages[0].msg


@pytest.mark.parametrize("value", [32, 48, 56, 64, 128])
def test_good_prefix_settings_pass_the_check(value: int) -> None:
    with override_settings(DING={"IPV6_PREFIX_LENGTH": value}):
        assert ipv6_prefix_length() == value
        assert _prefix_checks() == []


# -- Lock keys ------------------------------------------------------------------------


def test_one_lock_key_per_ipv6_network() -> None:
    assert limits.ip_key("2001:db8:1:2::1") == limits.ip_key("2001:db8:1:2:ffff::9")
    assert limits.ip_key("2001:db8:1:2::1") != limits.ip_key("2001:db8:1:3::1")
    assert limits.ip_key("203.0.113.9") != limits.ip_key("203.0.113.10")
    assert limits.ip_key("::ffff:203.0.113.9") == limits.ip_key("203.0.113.9")
    network_key = limits.ip_key("2001:db8:1:2::1")
    assert network_key in limits.send_lock_keys(PHONE, "2001:db8:1:2::abcd")
    assert network_key in limits.check_lock_keys(PHONE, "2001:db8:1:2::abcd")


# -- Sends: SEND_LIMIT_PER_IP ---------------------------------------------------------


@pytest.fixture
def two_sends_per_address(settings: Any) -> None:
    """Only the per-address send cap: 2 an hour."""
    settings.DING = {
        **settings.DING,
        "SEND_COOLDOWN": 0,
        "SEND_LIMIT_PER_PHONE": None,
        "SEND_LIMIT_PER_IP": (2, 3600),
    }


def phone(n: int) -> str:
    return f"+336123456{n:02d}"


def send_from(n: int, ip: str) -> Authentication:
    return services.send_code(phone(n), request=RequestFactory().post("/", REMOTE_ADDR=ip))


@pytest.mark.django_db
@pytest.mark.usefixtures("two_sends_per_address")
def test_the_send_cap_counts_an_ipv6_network(script: Script) -> None:
    first = send_from(1, "2001:db8:1:2::1")
    send_from(2, "2001:db8:1:2:ffff:ffff:ffff:fffe")
    with pytest.raises(VerificationRefused) as caught:
        send_from(3, "2001:db8:1:2:abcd::77")  # a fresh address of the same /64
    assert caught.value.reason == Reason.IP_RATE_LIMITED
    assert caught.value.retry_after is not None
    assert 3599 <= caught.value.retry_after <= 3600
    send_from(4, "2001:db8:1:3::1")  # the next /64: another client
    assert script.count("create_authentication") == 3
    assert first.client_network == "2001:db8:1:2::/64"
    assert first.ip == "2001:db8:1:2::1"  # the provider signal keeps the address
    assert set(Authentication.objects.values_list("client_network", flat=True)) == {
        "2001:db8:1:2::/64",
        "2001:db8:1:3::/64",
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("two_sends_per_address")
def test_the_send_cap_counts_each_ipv4_address(script: Script) -> None:
    send_from(1, "203.0.113.9")
    services.send_code(phone(2), ip="203.0.113.9")  # an ip given by the caller
    with pytest.raises(VerificationRefused) as caught:
        send_from(3, "::ffff:203.0.113.9")  # the same client, seen by a dual-stack socket
    assert caught.value.reason == Reason.IP_RATE_LIMITED
    send_from(4, "203.0.113.10")  # the next address: another client
    send_from(5, "203.0.113.10")
    assert script.count("create_authentication") == 4
    assert sorted(Authentication.objects.values_list("client_network", flat=True)) == [
        "203.0.113.10",
        "203.0.113.10",
        "203.0.113.9",
        "203.0.113.9",
    ]


@pytest.mark.django_db
@pytest.mark.usefixtures("two_sends_per_address")
def test_a_prefix_of_128_counts_each_ipv6_address(script: Script, settings: Any) -> None:
    settings.DING = {**settings.DING, "IPV6_PREFIX_LENGTH": 128}
    for n in range(4):
        send_from(n, f"2001:db8:1:2::{n + 1}")
    assert script.count("create_authentication") == 4


@pytest.mark.django_db
@pytest.mark.usefixtures("two_sends_per_address")
def test_a_shorter_prefix_counts_a_wider_network(script: Script, settings: Any) -> None:
    settings.DING = {**settings.DING, "IPV6_PREFIX_LENGTH": 48}
    send_from(1, "2001:db8:1:1::1")
    send_from(2, "2001:db8:1:2::1")
    with pytest.raises(VerificationRefused) as caught:
        send_from(3, "2001:db8:1:ffff::1")
    assert caught.value.reason == Reason.IP_RATE_LIMITED
    assert script.count("create_authentication") == 2


# -- Checks: MAX_FAILED_CHECKS_PER_CLIENT ---------------------------------------------


def check_from(authentication: Authentication, code: str, ip: str) -> services.CheckResult:
    request = RequestFactory().post("/", REMOTE_ADDR=ip)
    return services.check_code(authentication, code, request=request)


@pytest.mark.django_db
def test_the_client_failure_limit_counts_an_ipv6_network(script: Script, settings: Any) -> None:
    settings.DING = {
        **settings.DING,
        "SEND_COOLDOWN": 0,
        "MAX_FAILED_CHECKS_PER_CLIENT": 3,
    }
    guessed = [services.send_code(phone(n)) for n in range(2)]
    reasons = [
        check_from(guessed[n % 2], "000000", f"2001:db8:1:2::{n + 1:x}").reason for n in range(3)
    ]
    assert reasons == [Reason.INVALID_CODE] * 3
    # A fresh address of the same /64 is the same client: locked, on either number.
    assert check_from(guessed[0], "000000", "2001:db8:1:2:abcd::1").reason == Reason.CLIENT_LOCKED
    assert check_from(guessed[1], "123456", "2001:db8:1:2:9::9").reason == Reason.CLIENT_LOCKED
    assert script.count("check") == 3
    # The next /64 is another client: its right code verifies.
    assert check_from(guessed[1], "123456", "2001:db8:1:3::1").verified
    networks = CheckRecord.objects.values_list("client_network", flat=True)
    assert set(networks) == {"2001:db8:1:2::/64", "2001:db8:1:3::/64"}
    assert CheckRecord.objects.filter(ip="2001:db8:1:2:abcd::1").get().reason == (
        Reason.CLIENT_LOCKED
    )


@pytest.mark.django_db
def test_the_client_failure_limit_counts_each_ipv4_address(script: Script, settings: Any) -> None:
    settings.DING = {**settings.DING, "MAX_FAILED_CHECKS_PER_CLIENT": 2}
    authentication = services.send_code(PHONE)
    assert check_from(authentication, "000000", "198.51.100.7").reason == Reason.INVALID_CODE
    assert check_from(authentication, "000000", "::ffff:198.51.100.7").reason == (
        Reason.INVALID_CODE
    )
    assert check_from(authentication, "000000", "198.51.100.7").reason == Reason.CLIENT_LOCKED
    assert check_from(authentication, "123456", "198.51.100.8").verified
    assert set(CheckRecord.objects.values_list("client_network", flat=True)) == {
        "198.51.100.7",
        "198.51.100.8",
    }


@pytest.mark.django_db
def test_a_check_without_an_address_has_no_network(script: Script) -> None:
    authentication = services.send_code(PHONE)
    assert services.check_code(authentication, "000000").reason == Reason.INVALID_CODE
    record = CheckRecord.objects.get()
    assert (record.ip, record.client_network) == (None, "")
    assert authentication.client_network == ""


# -- Real concurrency on PostgreSQL ---------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_forty_parallel_sends_from_one_ipv6_network_make_twenty(
    script: Script, settings: Any
) -> None:
    """40 sends at once, each to its own number from its own address of one
    /64, with a cap of 20 an hour per address: the network lock serialises
    them, 20 reach the provider and 20 are refused."""
    settings.DING = {
        **settings.DING,
        "SEND_COOLDOWN": 0,
        "SEND_LIMIT_PER_PHONE": None,
        "SEND_LIMIT_PER_IP": (20, 3600),
        "SEND_LIMIT_GLOBAL_PER_HOUR": None,
    }
    script.delay = 0.05
    work = iter([(phone(n), f"2001:db8:1:2:{n:x}::{n + 1:x}") for n in range(40)])
    taking = threading.Lock()

    def send() -> Authentication:
        with taking:
            number, address = next(work)
        request = RequestFactory().post("/", REMOTE_ADDR=address)
        return services.send_code(number, request=request)

    outcomes = run_parallel(40, send)

    sent = [outcome for outcome in outcomes if isinstance(outcome, Authentication)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, VerificationRefused)]
    assert len(sent) == 20, outcomes
    assert len(refused) == 20, outcomes
    assert {refusal.reason for refusal in refused} == {Reason.IP_RATE_LIMITED}
    assert script.count("create_authentication") == 20
    assert Authentication.objects.count() == 20
    assert set(Authentication.objects.values_list("client_network", flat=True)) == {
        "2001:db8:1:2::/64"
    }
    assert len(set(Authentication.objects.values_list("ip", flat=True))) == 20
