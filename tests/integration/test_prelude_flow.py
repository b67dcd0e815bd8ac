"""The whole verification flow on Prelude v2 semantics, through every layer:
the views, the services, a v2 backend, and the sandbox's engine.

Once in-process (``PreludeSandboxBackend``), once over real sockets
(``PreludeBackend`` talking to the sandbox's v2 wire face on a live server),
as a site with a Prelude key would run it. Parametrized, not copied."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from django_ding.models import Authentication, CheckRecord, RetryRecord
from django_ding.sandbox.testing import last_code, outbox

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "+33612345690"
KEY = "staging-v2-key"


@pytest.fixture(params=["in-process", "over-http"])
def prelude(request: pytest.FixtureRequest, settings: Any) -> str:
    ding = {
        "API_KEY": KEY,
        "SANDBOX_ALLOW_WITHOUT_DEBUG": True,
        "SEND_COOLDOWN": 0,
        "SEND_ONBOARDED_FEEDBACK": False,
    }
    if request.param == "in-process":
        ding["BACKEND"] = "django_ding.sandbox.backend.PreludeSandboxBackend"
    else:
        live_server = request.getfixturevalue("live_server")
        ding["BACKEND"] = "django_ding.backends.prelude.PreludeBackend"
        ding["BASE_URL"] = f"{live_server.url}/ding-sandbox/v2"
    settings.DING = ding
    return str(request.param)


def wrong(phone: str) -> str:
    return "000000" if last_code(phone) != "000000" else "111111"


def test_send_wrong_retry_right(prelude: str, client: Client) -> None:
    sent = client.post("/verify/?next=/welcome/", {"phone_number": PHONE})
    assert sent.status_code == 302
    assert sent["Location"].startswith("/verify/check/")
    row = Authentication.objects.get()
    assert row.status == Authentication.Status.PENDING
    assert row.provider_id.startswith("vrf_")
    assert outbox(PHONE)[-1].verification_id == row.provider_id

    response = client.post(sent["Location"], {"code": wrong(PHONE)})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()

    resent = client.post("/verify/retry/?next=/welcome/")
    assert resent.status_code == 302
    assert len(outbox(PHONE)) == 2  # a second message, in the same v2 window
    row.refresh_from_db()
    assert RetryRecord.objects.get().provider_id == row.provider_id

    done = client.post(sent["Location"], {"code": last_code(PHONE)})
    assert done.status_code == 302
    assert done["Location"] == "/welcome/"
    row.refresh_from_db()
    assert row.status == Authentication.Status.VERIFIED
    assert row.failed_checks == 1
    assert CheckRecord.objects.filter(verified=True).count() == 1


def test_a_blocked_number_is_a_friendly_refusal(prelude: str, client: Client) -> None:
    blocked = "+12025550192"  # the sandbox's "blocked" magic number: v2 `blocked`
    response = client.post("/verify/", {"phone_number": blocked})
    assert response.status_code == 200
    assert "We could not send a code to this number." in response.content.decode()
    row = Authentication.objects.get()
    assert row.status == Authentication.Status.BLOCKED
    assert row.refusal_reason == "in_block_list"
    assert outbox(blocked) == []


def test_a_second_send_in_the_window_comes_back_to_the_same_verification(
    prelude: str, client: Client
) -> None:
    first = client.post("/verify/", {"phone_number": PHONE})
    other_tab = Client()
    other_tab.cookies = client.cookies
    second = other_tab.post("/verify/", {"phone_number": PHONE})
    assert first.status_code == second.status_code == 302
    ids = set(Authentication.objects.values_list("provider_id", flat=True))
    open_rows = Authentication.objects.exclude(status=Authentication.Status.MERGED)
    assert open_rows.count() == 1
    assert len({i for i in ids if i}) == 1  # one v2 window, one vrf_ id
    done = client.post("/verify/check/", {"code": last_code(PHONE)})
    assert done.status_code == 302
    assert open_rows.get().status == Authentication.Status.VERIFIED
