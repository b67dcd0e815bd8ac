"""django_ding.backends.test: the shipped in-memory test backends."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from django_ding import services
from django_ding.backends import prelude_results, results
from django_ding.backends.outcomes import CheckOutcome, RetryOutcome, SendOutcome
from django_ding.backends.test import (
    BACKENDS,
    PreludeTestBackend,
    Scripted,
    TestBackend,
    provider,
)
from django_ding.exceptions import DingTimeoutError, VerificationRefused
from django_ding.reasons import Reason

PHONE = "+33612345678"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "testing.md"


@pytest.fixture(autouse=True)
def fresh() -> Any:
    provider.reset()
    yield
    provider.reset()


# -- The examples of docs/testing.md, as written ------------------------------------


@pytest.fixture(params=["ding", "prelude"])
def ding_provider(request, settings):  # type: ignore[no-untyped-def]
    settings.DING = {"BACKEND": BACKENDS[request.param]}
    provider.reset()
    yield provider
    provider.reset()


def test_signup(client, db, ding_provider):  # type: ignore[no-untyped-def]
    client.post("/verify/", {"phone_number": "+33612345678"})
    code = ding_provider.last_code("+33612345678")
    response = client.post("/verify/check/", {"code": code})
    assert response.status_code == 302
    assert ding_provider.calls_to("check")[0]["phone_number"] == "+33612345678"


def test_blocked_number(db, ding_provider):  # type: ignore[no-untyped-def]
    ding_provider.queue("create_authentication", SendOutcome.BLOCKED)
    with pytest.raises(VerificationRefused) as refused:
        services.send_code("+33612345678")
    assert refused.value.reason == Reason.PROVIDER_REFUSED
    assert refused.value.authentication.status == "blocked"
    assert ding_provider.outbox == []


@pytest.mark.parametrize("example", [ding_provider, test_signup, test_blocked_number])
def test_the_docs_show_these_examples(example: Any) -> None:
    source = inspect.getsource(getattr(example, "__wrapped__", example))
    source = source.replace("  # type: ignore[no-untyped-def]", "")
    if source.startswith("@pytest.fixture"):
        source = source.split("\n", 1)[1]
    assert source.strip() in DOCS.read_text()


# -- The backends -------------------------------------------------------------------


def test_importing_it_pulls_no_sandbox_and_needs_no_app() -> None:
    code = (
        "import sys, django\n"
        "from django.conf import settings\n"
        "settings.configure(INSTALLED_APPS=[], USE_TZ=True)\n"
        "django.setup()\n"
        "from django_ding.backends.test import PreludeTestBackend, TestBackend, provider\n"
        "auth = PreludeTestBackend().create_authentication('+33612345678')\n"
        "assert PreludeTestBackend().check(auth.id, provider.last_code(),"
        " phone_number='+33612345678').is_valid\n"
        "assert not [m for m in sys.modules if m.startswith('django_ding.sandbox')]\n"
        "assert 'django_ding.models' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_pytest_does_not_collect_them() -> None:
    assert TestBackend.__test__ is False
    assert type(provider).__test__ is False


def test_each_plays_its_provider_with_the_real_result_classes() -> None:
    v1 = TestBackend().create_authentication(PHONE)
    assert isinstance(v1, results.CreateAuthenticationResponse)
    v2 = PreludeTestBackend().create_authentication("+33698765432")
    assert isinstance(v2, prelude_results.VerificationResponse)
    assert v2.id.startswith("vrf_")
    assert len(v2.id) == 30
    assert [sent.provider_id for sent in provider.outbox] == [v1.provider_id, v2.id]


def test_v2_windows() -> None:
    backend = PreludeTestBackend()
    first = backend.create_authentication(PHONE)
    again = backend.create_authentication(PHONE)
    assert (again.status, again.id) == ("retry", first.id)
    resent = backend.retry(first.id, phone_number=PHONE)
    assert (resent.retry_outcome, resent.id) == (RetryOutcome.RESENT, first.id)
    assert backend.check(first.id, "000000", phone_number=PHONE).status == "failure"
    assert backend.check(first.id, provider.code, phone_number=PHONE).status == "success"
    assert backend.check(first.id, provider.code, phone_number=PHONE).status == (
        "expired_or_not_found"
    )
    restarted = backend.retry(first.id, phone_number=PHONE)
    assert restarted.retry_outcome is RetryOutcome.RESTARTED
    assert restarted.id != first.id
    with pytest.raises(TypeError, match="phone_number="):
        backend.check(first.id, "123456")
    history = backend.get_authentication_status(first.id)
    assert history.status == "converted"
    assert all(event.attempt.content != provider.code for event in history.events if event.attempt)
    assert backend.feedback(PHONE, "not_onboarded").sent is False


def test_v1_pacing_and_single_use_codes() -> None:
    backend = TestBackend()
    auth = backend.create_authentication(PHONE)
    first = backend.retry(auth.authentication_uuid)
    assert (first.status, first.remaining_retry) == ("approved", 2)
    assert first.next_retry_at is not None
    assert backend.retry(auth.authentication_uuid).status == "denied"
    assert backend.check(auth.authentication_uuid, provider.code).status == "valid"
    assert backend.check(auth.authentication_uuid, provider.code).status == "already_validated"
    assert backend.retry(auth.authentication_uuid).status == "already_validated"
    provider.close(auth.authentication_uuid)
    assert backend.retry(auth.authentication_uuid).status == "expired_auth"


def test_scripted_answers_of_every_kind() -> None:
    backend = PreludeTestBackend()
    provider.queue(
        "create_authentication",
        SendOutcome.SHADOW_BLOCKED,
        Scripted(SendOutcome.BLOCKED, reason="in_block_list"),
        "mystery",
        lambda phone_number, **fields: DingTimeoutError("slow", request_sent=True),
    )
    assert backend.create_authentication(PHONE).outcome is SendOutcome.SHADOW_BLOCKED
    blocked = backend.create_authentication(PHONE)
    assert (blocked.status, blocked.reason) == ("blocked", "in_block_list")
    assert backend.create_authentication(PHONE).outcome is SendOutcome.UNKNOWN
    with pytest.raises(DingTimeoutError):
        backend.create_authentication(PHONE)
    provider.always("check", {"vrf_known": CheckOutcome.TRANSACTION_ERROR})
    assert backend.check("vrf_known", "1234", phone_number=PHONE).status == "transaction_mismatch"
    provider.fail("lookup", DingTimeoutError("down", request_sent=False))
    with pytest.raises(DingTimeoutError):
        backend.lookup(PHONE)
    assert provider.count("create_authentication") == 4
    assert provider.calls[0] == ("create_authentication", {"phone_number": PHONE})


def test_an_outcome_the_provider_does_not_have_is_refused() -> None:
    provider.queue("create_authentication", SendOutcome.SHADOW_BLOCKED)
    with pytest.raises(ValueError, match="Ding v1 has no create"):
        TestBackend().create_authentication(PHONE)


def test_fields_are_those_of_the_provider() -> None:
    with pytest.raises(TypeError, match="user_agent"):
        TestBackend().create_authentication(PHONE, user_agent="curl/8")
    PreludeTestBackend().create_authentication(PHONE, user_agent="curl/8", ip="2001:db8::1")
    assert provider.calls_to("create_authentication")[-1]["ip"] == "2001:db8::1"
