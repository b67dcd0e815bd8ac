"""check_code when the provider's answer is lost: the check stays in doubt,
holding its attempt, and is settled from the provider's status before the
next check is sent.

Over real loopback HTTP: the Ding v1 and the Prelude v2 backend talk to the
sandbox's wire API on the live server through a proxy that loses answers
(``tests/services/lossy_provider.py``); the sandbox really acts on the check.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings

from django_ding import services
from django_ding.models import Authentication, CheckRecord
from django_ding.reasons import Reason
from django_ding.sandbox.testing import last_code
from tests.services.conftest import PHONE, SignalLog
from tests.services.lossy_provider import LossyProxy

pytestmark = pytest.mark.django_db(transaction=True)

READ_TIMEOUT = 0.5
WRONG = "000000"
#: The faults after which the check may have reached the provider.
LOST = ["drop", "slow", "500", "malformed"]


@pytest.fixture(params=["ding", "prelude"])
def proxy(request: Any, live_server: Any, settings: Any) -> Iterator[LossyProxy]:
    server = LossyProxy(live_server.url, slow_seconds=READ_TIMEOUT + 0.5)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    common = {
        **settings.DING,
        "API_KEY": django_settings.DING["API_KEY"],
        "TIMEOUT": (2.0, READ_TIMEOUT),
        "RETRY_BACKOFF": 0.0,
        "SEND_COOLDOWN": 0,
    }
    if request.param == "ding":
        settings.DING = {
            **common,
            "BACKEND": "django_ding.backends.ding.DingBackend",
            "BASE_URL": f"{server.root}/ding-sandbox/v1",
        }
    else:
        settings.DING = {
            **common,
            "BACKEND": "django_ding.backends.prelude.PreludeBackend",
            "BASE_URL": f"{server.root}/ding-sandbox/v2",
        }
    yield server
    server.shutdown()
    server.server_close()
    server.session.close()


def counts(authentication: Authentication) -> tuple[int, int]:
    authentication.refresh_from_db()
    return authentication.failed_checks, authentication.checks_in_progress


@pytest.mark.parametrize("fault", LOST)
def test_a_lost_right_code_verifies_when_it_is_typed_again(
    proxy: LossyProxy, sent_signals: SignalLog, fault: str
) -> None:
    authentication = services.send_code(PHONE)
    code = last_code(PHONE)
    proxy.queue("check", fault)

    lost = services.check_code(authentication, code)

    assert lost.reason == Reason.PROVIDER_ERROR
    assert lost.attempts_left == 4  # held while in doubt
    assert counts(authentication) == (0, 1)
    record = CheckRecord.objects.get()
    assert (record.in_doubt, record.provider_called, record.counts_as_failure) == (True, True, True)
    assert proxy.forwarded["check"] == 1  # the sandbox accepted the code

    again = services.check_code(authentication, code)

    assert again.verified
    assert authentication.status == Authentication.Status.VERIFIED
    assert counts(authentication) == (0, 0)
    # Settled from one status read: no second check reached the provider.
    assert (proxy.forwarded["check"], proxy.forwarded["status"]) == (1, 1)
    assert len(sent_signals.of("phone_verified")) == 1
    record.refresh_from_db()
    assert (record.in_doubt, record.verified, record.counts_as_failure) == (False, True, False)
    assert not CheckRecord.objects.filter(counts_as_failure=True).exists()


@pytest.mark.parametrize("fault", LOST)
def test_a_lost_wrong_code_counts_once(proxy: LossyProxy, fault: str) -> None:
    authentication = services.send_code(PHONE)
    proxy.queue("check", fault)
    assert services.check_code(authentication, WRONG).reason == Reason.PROVIDER_ERROR

    result = services.check_code(authentication, WRONG)

    # The doubtful check was settled as one wrong code, then the new one counted.
    assert result.reason == Reason.INVALID_CODE
    assert result.attempts_left == 3
    assert counts(authentication) == (2, 0)
    assert CheckRecord.objects.filter(counts_as_failure=True).count() == 2
    assert not CheckRecord.objects.filter(in_doubt=True).exists()
    assert services.check_code(authentication, last_code(PHONE)).verified
    assert counts(authentication) == (2, 0)


def test_a_check_the_provider_never_saw_is_released(proxy: LossyProxy) -> None:
    authentication = services.send_code(PHONE)
    proxy.queue("check", "unreached")  # a 503 that may have been the provider's
    assert services.check_code(authentication, WRONG).reason == Reason.PROVIDER_ERROR
    assert counts(authentication) == (0, 1)

    result = services.check_code(authentication, WRONG)

    assert result.reason == Reason.INVALID_CODE
    assert result.attempts_left == 4
    assert counts(authentication) == (1, 0)
    doubtful = CheckRecord.objects.order_by("created_at", "id").first()
    assert doubtful is not None
    assert (doubtful.in_doubt, doubtful.counts_as_failure) == (False, False)
    assert doubtful.reason == Reason.PROVIDER_ERROR


def test_no_check_is_sent_while_the_status_cannot_be_read(proxy: LossyProxy) -> None:
    authentication = services.send_code(PHONE)
    code = last_code(PHONE)
    proxy.queue("check", "drop")
    services.check_code(authentication, code)
    proxy.always("status", "500")

    blocked = services.check_code(authentication, code)

    assert blocked.reason == Reason.PROVIDER_ERROR
    assert proxy.forwarded["check"] == 1
    assert CheckRecord.objects.get(provider_called=True).in_doubt
    assert counts(authentication) == (0, 1)

    proxy.always("status", None)
    assert services.check_code(authentication, code).verified
    assert proxy.forwarded["check"] == 1


def test_refresh_status_settles_a_check_in_doubt(
    proxy: LossyProxy, sent_signals: SignalLog
) -> None:
    authentication = services.send_code(PHONE)
    proxy.queue("check", "malformed")
    services.check_code(authentication, last_code(PHONE))

    services.refresh_status(authentication)

    assert authentication.status == Authentication.Status.VERIFIED
    assert counts(authentication) == (0, 0)
    assert len(sent_signals.of("phone_verified")) == 1
    assert not CheckRecord.objects.filter(in_doubt=True).exists()


def test_a_refused_connection_releases_at_once(settings: Any, live_server: Any) -> None:
    settings.DING = {
        **settings.DING,
        "BACKEND": "django_ding.backends.ding.DingBackend",
        "BASE_URL": f"{live_server.url}/ding-sandbox/v1",
        "RETRY_BACKOFF": 0.0,
        "SEND_COOLDOWN": 0,
    }
    authentication = services.send_code(PHONE)
    # Nothing listens on port 9 of the loopback: the connection is refused.
    settings.DING = {**settings.DING, "BASE_URL": "http://127.0.0.1:9/ding-sandbox/v1"}

    result = services.check_code(authentication, WRONG)

    assert result.reason == Reason.PROVIDER_ERROR
    assert result.attempts_left == 5
    assert counts(authentication) == (0, 0)
    record = CheckRecord.objects.get()
    assert (record.in_doubt, record.counts_as_failure) == (False, False)
