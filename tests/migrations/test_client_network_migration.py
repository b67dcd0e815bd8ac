"""``0005_reliability_fields``: ``client_network`` is filled from ``ip`` for
the rows made before it (the limits count by network now), the ``ip``
indexes nothing reads any more are dropped, and it goes back."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.db import connection

from tests.migrations.helpers import APP, migrate

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrations_restored"),
]

BEFORE = (APP, "0004_provider_outcomes")
AFTER = (APP, "0005_reliability_fields")

ADDRESSES = [
    "203.0.113.7",
    "2001:db8:1:2::1",
    "2001:db8:1:2:ffff:ffff:ffff:ffff",
    "2001:db8:1:3::1",
    "::ffff:198.51.100.9",
    None,
]


def make_history(apps: Any) -> None:
    authentications = apps.get_model(APP, "Authentication").objects
    checks = apps.get_model(APP, "CheckRecord").objects
    for n, ip in enumerate(ADDRESSES):
        authentication = authentications.create(phone_number=f"+3361234567{n}", ip=ip)
        checks.create(authentication=authentication, ip=ip, counts_as_failure=True)


def networks(apps: Any, model: str) -> list[tuple[Any, str]]:
    rows = apps.get_model(APP, model).objects.order_by("pk")
    return list(rows.values_list("ip", "client_network"))


def index_names(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, table))


@pytest.mark.parametrize("batch_size", [500, 2])
def test_client_network_is_filled_from_ip(monkeypatch: Any, batch_size: int) -> None:
    migration = importlib.import_module(f"django_ding.migrations.{AFTER[1]}")
    monkeypatch.setattr(migration, "BATCH_SIZE", batch_size)
    old = migrate(BEFORE)
    make_history(old)

    new = migrate(AFTER)

    expected = [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:198.51.100.9", "198.51.100.9"),
        (None, ""),
    ]
    assert networks(new, "Authentication") == expected
    assert networks(new, "CheckRecord") == expected


def test_the_fill_follows_the_prefix_setting(settings: Any) -> None:
    settings.DING = {**settings.DING, "IPV6_PREFIX_LENGTH": 48}
    make_history(migrate(BEFORE))

    new = migrate(AFTER)

    assert [network for _, network in networks(new, "Authentication")] == [
        "203.0.113.7",
        "2001:db8:1::/48",
        "2001:db8:1::/48",
        "2001:db8:1::/48",
        "198.51.100.9",
        "",
    ]


def test_the_ip_indexes_go_and_come_back() -> None:
    migrate(BEFORE)
    assert "ding_auth_ip_created" in index_names("django_ding_authentication")
    assert "ding_check_ip_created" in index_names("django_ding_checkrecord")

    migrate(AFTER)
    auth_indexes = index_names("django_ding_authentication")
    check_indexes = index_names("django_ding_checkrecord")
    assert "ding_auth_ip_created" not in auth_indexes
    assert "ding_check_ip_created" not in check_indexes
    assert {"ding_auth_network_created"} <= auth_indexes
    assert {"ding_check_network_created"} <= check_indexes

    migrate(BEFORE)
    assert "ding_auth_ip_created" in index_names("django_ding_authentication")
    assert "ding_check_ip_created" in index_names("django_ding_checkrecord")


def test_it_goes_back_keeping_the_addresses() -> None:
    make_history(migrate(BEFORE))
    migrate(AFTER)

    back = migrate(BEFORE)

    rows = back.get_model(APP, "Authentication").objects.order_by("pk")
    assert list(rows.values_list("ip", flat=True)) == ADDRESSES
