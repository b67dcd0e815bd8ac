"""``0004_provider_outcomes``: the Ding v1 create refusals become ``blocked``
rows that keep the v1 status as their ``refusal_reason``, and go back."""

from __future__ import annotations

import pytest

from tests.migrations.helpers import APP, migrate

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrations_restored"),
]

BEFORE = (APP, "0003_checkrecord_client_ip")
AFTER = (APP, "0004_provider_outcomes")


def statuses(apps: object, *fields: str) -> list[tuple[object, ...]]:
    model = apps.get_model(APP, "Authentication")  # type: ignore[attr-defined]
    return list(model.objects.order_by("pk").values_list("status", *fields))


def test_v1_refusals_become_blocked_and_back() -> None:
    old = migrate(BEFORE)
    authentication = old.get_model(APP, "Authentication").objects
    for n, status in enumerate(["rate_limited", "spam_detected", "pending", "verified"]):
        authentication.create(phone_number=f"+3361234567{n}", status=status)

    new = migrate(AFTER)
    assert statuses(new, "refusal_reason") == [
        ("blocked", "rate_limited"),
        ("blocked", "spam_detected"),
        ("pending", ""),
        ("verified", ""),
    ]
    model = new.get_model(APP, "Authentication").objects
    model.create(phone_number="+33612345680", status="blocked", refusal_reason="suspicious")
    model.create(phone_number="+33612345681", status="shadow_blocked")
    model.create(phone_number="+33612345682", status="merged")

    back = migrate(BEFORE)
    assert statuses(back) == [
        ("rate_limited",),
        ("spam_detected",),
        ("pending",),
        ("verified",),
        ("failed",),  # a v2 block has no pre-0004 status
        ("pending",),  # a code was sent
        ("failed",),
    ]
