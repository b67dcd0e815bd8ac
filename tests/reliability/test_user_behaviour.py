"""What real users do, through the views: each case asserts the status, the
message read, the rows and the provider calls.

* double submits (the send form, the right code) send one SMS and check once;
* the back button (the send form posted again for the same number) goes back
  to the code already sent;
* two tabs of one session (send to A, then to B, then A's code typed in A's
  tab) never count a wrong code against B, and say the number changed;
* an expired code offers one way forward that works: a new code to the same
  number;
* a lost, garbage or dangling session leads back to the send page with a
  message, never a 500;
* a POST without its CSRF token is a 403 and sends nothing;
* a hostile ``next`` (off-site, ``javascript:``, ``//evil``, control
  characters) is never followed;
* a spoofed ``X-Forwarded-For`` is ignored with ``TRUSTED_PROXY_COUNT = 0``
  (the per-IP limit counts ``REMOTE_ADDR``), and IPv6 clients are limited by
  their /64.

Uses the in-memory test backends (both providers' semantics).
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from django_ding.backends.test import TestProvider, provider
from django_ding.models import Authentication
from django_ding.reasons import Reason
from django_ding.session import SESSION_AUTHENTICATION_KEY
from django_ding.user_messages import check_failure_message, refusal_message
from tests.reliability.flows import (
    CHECK_URL,
    HOSTILE_NEXT,
    OTHER_PHONE,
    PHONE,
    SEND_URL,
    alerts,
    assert_same_site,
    check,
    hidden_inputs,
    redirected_to,
    retry,
    says,
    send,
    settings_for,
)


@pytest.fixture(autouse=True)
def backend_provider(db: None) -> Any:
    provider.reset()
    yield provider
    provider.reset()


@pytest.fixture(params=["ding", "prelude"])
def flavour(request: Any, settings: Any) -> str:
    settings.DING = settings_for(request.param)
    return str(request.param)


def wrong_code_messages() -> list[str]:
    """Every sentence a wrong code can read."""
    found = [check_failure_message(Reason.INVALID_CODE, None, n) for n in range(0, 31)]
    found.append(check_failure_message(Reason.INVALID_CODE))
    found.append(refusal_message(Reason.INVALID_CODE))
    return found


# -- Double submits and the back button ---------------------------------------------


def test_double_submit_of_the_send_form_sends_one_code(
    flavour: str, backend_provider: TestProvider
) -> None:
    client = Client()
    first, second = send(client), send(client)
    assert redirected_to(first) == CHECK_URL
    assert redirected_to(second) == CHECK_URL
    assert backend_provider.count("create_authentication") == 1
    assert redirected_to(check(client, backend_provider.last_code(PHONE))) == "/done/"


def test_back_button_resubmitting_the_send_form_returns_to_the_code_sent(
    flavour: str, backend_provider: TestProvider
) -> None:
    client = Client()
    send(client)
    assert client.get(CHECK_URL).status_code == 200
    assert client.get(SEND_URL).status_code == 200  # back
    again = send(client)
    assert redirected_to(again) == CHECK_URL
    assert backend_provider.count("create_authentication") == 1
    assert redirected_to(check(client, backend_provider.last_code(PHONE))) == "/done/"
    assert Authentication.objects.get().status == Authentication.Status.VERIFIED


def test_double_submit_of_the_right_code_checks_once(
    flavour: str, backend_provider: TestProvider
) -> None:
    client = Client()
    send(client)
    code = backend_provider.last_code(PHONE)
    assert redirected_to(check(client, code)) == "/done/"
    second = check(client, code)
    assert second.status_code in (200, 302)
    assert redirected_to(second) in (None, "/done/", SEND_URL)
    assert backend_provider.count("check") == 1
    assert Authentication.objects.get().failed_checks == 0


# -- Two tabs -----------------------------------------------------------------------


def test_a_code_typed_in_a_stale_tab_is_not_a_wrong_code_for_the_other_number(
    flavour: str, backend_provider: TestProvider
) -> None:
    client = Client()
    send(client, PHONE)
    tab_a = client.get(CHECK_URL).content.decode()  # tab A shows A's check form
    code_a = backend_provider.last_code(PHONE)
    backend_provider.code = "654321"  # B gets another code than A
    send(client, OTHER_PHONE)  # tab B: same session, another number
    b = Authentication.objects.get(phone_number=OTHER_PHONE)
    a = Authentication.objects.get(phone_number=PHONE)

    response = check(
        client,
        code_a,
        **{name: value for name, value in hidden_inputs(tab_a).items() if name != "code"},
    )
    assert response.status_code in (200, 302)
    b.refresh_from_db()
    assert b.failed_checks == 0
    assert b.status != Authentication.Status.VERIFIED
    checked_ids = {call["authentication_uuid"] for call in backend_provider.calls_to("check")}
    assert b.provider_id not in checked_ids  # never checked against B
    if response.status_code == 200:
        # Told plainly that the number changed, not that the code is wrong.
        shown = alerts(response)
        assert shown, "no message on the page"
        for message in wrong_code_messages():
            assert not says(response, message), shown
    else:  # checked against its own authentication: A is verified
        a.refresh_from_db()
        assert a.status == Authentication.Status.VERIFIED


# -- Expired code -------------------------------------------------------------------


def forms_on(html: str) -> list[tuple[str, str, dict[str, str]]]:
    """(id, action, hidden inputs) of every POST form on the page."""
    found = []
    for match in re.finditer(r"<form([^>]*)>(.*?)</form>", html, flags=re.S):
        attributes = match.group(1)
        if 'method="post"' not in attributes.lower():
            continue
        form_id = re.search(r'id="([^"]*)"', attributes)
        action = re.search(r'action="([^"]*)"', attributes)
        inputs = {}
        for tag in re.findall(r"<input[^>]*>", match.group(2)):
            name = re.search(r'name="([^"]*)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name and 'type="hidden"' in tag:
                inputs[unescape(name.group(1))] = unescape(value.group(1) if value else "")
        found.append(
            (
                form_id.group(1) if form_id else "",
                unescape(action.group(1)) if action else "",
                inputs,
            )
        )
    return found


def test_an_expired_code_offers_a_new_code_to_the_same_number(
    flavour: str, backend_provider: TestProvider
) -> None:
    client = Client()
    send(client)
    row = Authentication.objects.get()
    Authentication.objects.filter(pk=row.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1),
        created_at=timezone.now() - dt.timedelta(minutes=11),
    )
    backend_provider.close(row.provider_id)
    expired = check(client, backend_provider.last_code(PHONE))
    assert expired.status_code == 200
    page = client.get(CHECK_URL)
    assert page.status_code == 200
    html = page.content.decode()
    ways = [form for form in forms_on(html) if form[0] != "ding-check-form"]
    assert ways, "the expired check page offers no way forward"
    _, action, inputs = ways[0]
    forward = client.post(action or CHECK_URL, inputs, follow=True)
    assert forward.status_code == 200
    assert backend_provider.count("create_authentication") == 2
    new = Authentication.objects.exclude(pk=row.pk).get()
    assert new.phone_number == row.phone_number
    assert new.status == Authentication.Status.PENDING
    assert client.session[SESSION_AUTHENTICATION_KEY] == new.pk
    assert redirected_to(check(client, backend_provider.last_code(PHONE))) == "/done/"


# -- Lost and tampered sessions -----------------------------------------------------


def _send_page_alerts(client: Client, method: str) -> tuple[Any, list[str]]:
    response = client.get(CHECK_URL) if method == "get" else check(client, "123456")
    location = redirected_to(response)
    assert location is not None, response.status_code
    assert urlsplit(location).path == SEND_URL
    page = client.get(location)
    assert page.status_code == 200
    return page, alerts(page)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_lost_session_says_what_happened(flavour: str, method: str) -> None:
    plain = alerts(Client().get(SEND_URL))
    _, shown = _send_page_alerts(Client(), method)
    assert [text for text in shown if text not in plain], "no message on the send page"


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_garbage_session_cookie_is_a_fresh_start(flavour: str, method: str) -> None:
    client = Client()
    client.cookies["sessionid"] = "garbage<>\x7f" + "x" * 300
    _send_page_alerts(client, method)
    assert redirected_to(send(client)) == CHECK_URL


@pytest.mark.parametrize("value", [987654, "987654", "abc", None, [1], -1])
def test_a_session_pointing_nowhere_is_a_fresh_start(flavour: str, value: object) -> None:
    client = Client()
    send(client)
    Authentication.objects.all().delete()
    session = client.session
    session[SESSION_AUTHENTICATION_KEY] = value
    session.save()
    for response in (client.get(CHECK_URL), check(client, "123456"), retry(client)):
        assert response.status_code < 500
        if response.status_code == 302:
            assert urlsplit(response["Location"]).path in (SEND_URL, CHECK_URL)
    assert redirected_to(send(client)) == CHECK_URL


# -- CSRF ---------------------------------------------------------------------------


def test_a_post_without_csrf_token_is_refused_and_sends_nothing(
    flavour: str, backend_provider: TestProvider
) -> None:
    client = Client(enforce_csrf_checks=True)
    assert send(client).status_code == 403
    assert backend_provider.count("create_authentication") == 0
    assert not Authentication.objects.exists()

    # With a session waiting for a code: no check, no resend without the token.
    page = client.get(SEND_URL)
    token = hidden_inputs(page.content.decode(), "ding-send-form")["csrfmiddlewaretoken"]
    assert redirected_to(send(client, csrfmiddlewaretoken=token)) == CHECK_URL
    code = backend_provider.last_code(PHONE)
    assert check(client, code).status_code == 403
    assert retry(client).status_code == 403
    assert backend_provider.count("check") == 0
    assert backend_provider.count("retry") == 0
    assert backend_provider.count("create_authentication") == 1
    assert Authentication.objects.get().status == Authentication.Status.PENDING


# -- Hostile next -------------------------------------------------------------------


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_a_hostile_next_is_never_followed(
    flavour: str, backend_provider: TestProvider, next_url: str
) -> None:
    client = Client()
    sent = client.post(
        SEND_URL + "?" + "next=" + next_url.replace("&", "%26"),
        {"phone_number": PHONE, "next": next_url},
    )
    assert_same_site(redirected_to(sent))
    page = client.get(CHECK_URL, {"next": next_url})
    assert page.status_code == 200
    assert "evil.example" not in page.content.decode()
    assert "javascript:" not in page.content.decode().lower()
    done = check(client, backend_provider.last_code(PHONE), next=next_url)
    assert redirected_to(done) == "/done/"


# -- Client addresses ---------------------------------------------------------------


def test_a_spoofed_x_forwarded_for_is_ignored_without_trusted_proxies(
    settings: Any, backend_provider: TestProvider
) -> None:
    settings.DING = settings_for(
        "ding", TRUSTED_PROXY_COUNT=0, SEND_LIMIT_PER_IP=(3, 3600), SEND_COOLDOWN=0
    )
    outcomes = []
    for n in range(5):
        response = Client().post(
            SEND_URL,
            {"phone_number": f"+3361234{n:04d}"},
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}",
        )
        outcomes.append(redirected_to(response))
    assert outcomes == [CHECK_URL] * 3 + [None, None]
    assert backend_provider.count("create_authentication") == 3
    assert set(Authentication.objects.values_list("ip", flat=True)) == {"198.51.100.7"}


def test_ipv6_clients_are_limited_by_their_64(
    settings: Any, backend_provider: TestProvider
) -> None:
    settings.DING = settings_for("ding", SEND_LIMIT_PER_IP=(20, 3600), SEND_COOLDOWN=0)
    sent = 0
    for n in range(40):
        response = Client().post(
            SEND_URL,
            {"phone_number": f"+3361234{n:04d}"},
            REMOTE_ADDR=f"2001:db8:aa:bb:{n + 1:x}::{n + 7:x}",
        )
        assert response.status_code < 500
        sent += redirected_to(response) == CHECK_URL
    assert sent == 20
    assert backend_provider.count("create_authentication") == 20
