"""The example site in Chromium: sign up, receive a code from the sandbox, verify.

One module on purpose: the browser is shared by this package, and a single
module keeps its tests together whatever order pytest-randomly picks.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import BrowserContext, Page, expect

from django_ding.models import Authentication
from django_ding.sandbox.models import SandboxAuthentication
from django_ding.sandbox.testing import outbox
from tests.browser.flows import (
    CHECK_PATH,
    SEND_PATH,
    code_error,
    enter_code,
    make_resend_due,
    path_is,
    request_code,
    sandbox_code,
    send_code,
    sign_up,
    submit,
    wrong_code_for,
)

pytestmark = pytest.mark.browser


def test_signup_then_verify_with_the_code_from_the_sandbox_inbox(
    page: Page, context: BrowserContext, settings: Any
) -> None:
    settings.DEBUG = True  # as in `make demo`: the inbox answers everyone
    sign_up(page, username="ada", phone_number="+33 6 12 34 56 78")

    # The number typed at signup is prefilled; landing here sent nothing.
    expect(page.locator("#id_phone_number")).to_have_value("+33612345678")
    assert outbox() == []
    send_code(page)
    expect(page.locator("#ding-phone-number")).to_contain_text("78")

    # The sandbox banner links to the inbox, which opens in a new tab.
    with context.expect_page() as new_tab:
        page.get_by_test_id("sandbox-inbox-link").click()
    inbox = new_tab.value
    code_box = inbox.locator("#messages li[data-id] .code").first
    expect(code_box).to_have_text(re.compile(r"^\d{4,10}$"))
    code = code_box.inner_text()
    inbox.close()

    enter_code(page, code)
    expect(page).to_have_url(path_is("/profile/"))
    expect(page.get_by_test_id("verified-phone-number")).to_have_text("+33612345678")
    expect(page.get_by_test_id("phone-status")).to_contain_text("verified")
    expect(page.get_by_test_id("phone-status")).not_to_contain_text("not verified")

    # Verified users get into the members-only page.
    page.get_by_role("link", name="Enter the members area").click()
    expect(page.get_by_test_id("members-phone-number")).to_have_text("+33612345678")

    authentication = Authentication.objects.get()
    assert authentication.status == Authentication.Status.VERIFIED
    assert authentication.user == get_user_model().objects.get(username="ada")


def test_a_wrong_code_shows_an_error_and_the_right_one_still_works(page: Page) -> None:
    phone_number = "+33612345671"
    request_code(page, phone_number)
    code = sandbox_code(phone_number)

    enter_code(page, wrong_code_for(code))
    expect(page).to_have_url(path_is(CHECK_PATH))
    expect(code_error(page)).to_contain_text("The code is not correct.")
    expect(code_error(page).get_by_role("alert")).to_be_visible()
    expect(page.locator("#id_code")).to_have_attribute("aria-invalid", "true")

    enter_code(page, code)
    expect(page).to_have_url(path_is("/"))
    assert Authentication.objects.get().status == Authentication.Status.VERIFIED


def test_too_many_wrong_codes_lock_the_verification(page: Page) -> None:
    phone_number = "+33612345672"
    request_code(page, phone_number)
    code = sandbox_code(phone_number)
    wrong = wrong_code_for(code)

    for attempts_left in (4, 3, 2, 1):
        enter_code(page, wrong)
        expect(code_error(page)).to_contain_text(
            f"You have {attempts_left} attempt{'s' if attempts_left > 1 else ''} left"
        )
    enter_code(page, wrong)  # the fifth (DING["MAX_CHECK_ATTEMPTS"]) locks it
    over = page.locator("#ding-over")
    expect(over).to_contain_text("The code is not correct. Too many wrong codes")
    expect(over).not_to_contain_text("attempt")
    expect(over.get_by_role("alert")).to_be_visible()

    # Locked: no code can be typed any more, and no resend of this code; the
    # ways forward are a new verification of the same number (the send limits
    # decide) or another number.
    expect(page.locator("#id_code")).to_have_count(0)
    expect(page.locator("#ding-retry-submit")).to_have_count(0)
    expect(page.locator("#ding-restart-submit")).to_contain_text("Send a new code to +33")
    expect(page.get_by_role("link", name="Use a different phone number")).to_be_visible()
    page.goto(CHECK_PATH)
    expect(over).to_contain_text("Too many wrong codes were entered for this code.")
    authentication = Authentication.objects.get()
    assert authentication.status == Authentication.Status.LOCKED
    assert authentication.verified_at is None


def test_a_resend_delivers_again_and_counts_down_to_the_next(page: Page) -> None:
    phone_number = "+33612345673"
    page.clock.install()  # the countdown's clock, so the test can move it
    request_code(page, phone_number)

    # Just sent: the resend button waits for the provider's retry delay.
    countdown = page.locator("#ding-retry-countdown")
    resend = page.get_by_role("button", name="Send a new code")
    expect(countdown).to_be_visible()
    expect(countdown).to_contain_text("You can request a new code in 0:")
    expect(resend).to_be_disabled()

    # The countdown ends on the page's clock and enables the button...
    page.clock.fast_forward("00:31")
    expect(countdown).to_be_hidden()
    expect(page.locator("#ding-retry-ready")).to_be_visible()
    expect(resend).to_be_enabled()

    # ...and once the delay has passed on the server side too, a resend works
    # and starts the next countdown.
    make_resend_due(phone_number)
    submit(page, resend)
    expect(page).to_have_url(path_is(CHECK_PATH))
    expect(page.locator("#ding-notice")).to_have_text("A new code is on its way.")
    expect(countdown).to_be_visible()
    expect(page.locator("#ding-retry-time")).to_have_text(re.compile(r"^0:[0-5]\d$"))
    expect(resend).to_be_disabled()

    messages = outbox(phone_number)
    assert [message.attempt_number for message in messages] == [1, 2]
    enter_code(page, sandbox_code(phone_number))
    expect(page).to_have_url(path_is("/"))


def test_a_resend_too_early_is_refused_with_the_time_left(page: Page) -> None:
    """Without JavaScript's help (a stale page, a crafted POST) the server
    itself refuses, and says how long to wait."""
    phone_number = "+33612345674"
    request_code(page, phone_number)
    page.locator("#ding-retry-submit").evaluate("button => button.form.submit()")
    expect(page).to_have_url(path_is(CHECK_PATH))
    expect(page.locator("#ding-notice")).to_contain_text("You can request a new code in")
    expect(page.locator("#ding-notice")).to_contain_text("seconds")
    assert len(outbox(phone_number)) == 1


def test_a_french_page_sends_locale_fr_to_the_provider(
    new_context: Callable[..., BrowserContext],
) -> None:
    """A browser set to French (``Accept-Language: fr-FR``) gets the pages in
    French, and the provider is asked for the SMS in French (``locale=fr``)."""
    page = new_context(locale="fr-FR").new_page()
    phone_number = "+33612345675"
    page.goto(SEND_PATH)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    with translation.override("fr"):
        heading = gettext("Verify your phone number")
        sms_start = gettext("Your verification code is %(code)s") % {"code": ""}
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    request_code(page, phone_number)

    authentication = Authentication.objects.get()
    assert authentication.locale == "fr"
    assert authentication.provider_id is not None
    provider_side = SandboxAuthentication.objects.get(uuid=authentication.provider_id)
    assert provider_side.fields["locale"] == "fr"
    [message] = outbox(phone_number)
    assert message.text.startswith(sms_start)


def test_the_send_page_fits_a_phone_screen(new_context: Callable[..., BrowserContext]) -> None:
    page = new_context(viewport={"width": 360, "height": 740}, is_mobile=True).new_page()
    page.goto("/verify/")
    phone_input = page.locator("#id_phone_number")
    expect(phone_input).to_be_visible()
    expect(phone_input).to_have_attribute("inputmode", "tel")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


def test_a_code_typed_in_a_tab_left_behind_is_not_counted(page: Page) -> None:
    """Two tabs of one session: A's code typed in A's tab, after B's tab asked
    for a code for B, is not checked against B; the tab says what happened
    and now asks for B's code."""
    first, second = "+33612345675", "+33612345676"
    request_code(page, first)
    other_tab = page.context.new_page()
    request_code(other_tab, second)
    page.bring_to_front()

    enter_code(page, sandbox_code(first))
    expect(page).to_have_url(path_is(CHECK_PATH))
    notice = page.locator("#ding-notice")
    expect(notice).to_contain_text("You asked for a code for another number in another tab.")
    expect(notice).to_contain_text("+33")
    expect(code_error(page)).to_be_empty()
    b = Authentication.objects.get(phone_number=second)
    assert (b.failed_checks, b.status) == (0, Authentication.Status.PENDING)
    assert not b.checks.exists()

    enter_code(page, sandbox_code(second))
    expect(page).to_have_url(path_is("/"))
    b.refresh_from_db()
    assert b.status == Authentication.Status.VERIFIED


def test_an_expired_code_leads_to_a_new_code_for_the_same_number(page: Page) -> None:
    """No loop: the page of an expired code offers one button, and it works."""
    phone_number = "+33612345677"
    request_code(page, phone_number)
    first = Authentication.objects.get(phone_number=phone_number)
    # Fifteen minutes later: past the expiry, the cooldown and the sandbox's window.
    shift = dt.timedelta(minutes=15)
    for row in (first, SandboxAuthentication.objects.get(uuid=first.provider_id)):
        type(row)._default_manager.filter(pk=row.pk).update(
            created_at=row.created_at - shift, expires_at=row.expires_at - shift
        )

    page.goto(CHECK_PATH)
    expect(page.locator("#ding-over")).to_contain_text("This code has expired.")
    expect(page.locator("#id_code")).to_have_count(0)
    restart = page.get_by_role("button", name=re.compile(r"^Send a new code to \+33"))
    expect(restart).to_be_visible()
    submit(page, restart)

    expect(page).to_have_url(path_is(CHECK_PATH))
    expect(page.locator("#ding-notice")).to_contain_text("A new code is on its way.")
    second = Authentication.objects.exclude(pk=first.pk).get(phone_number=phone_number)
    assert second.status == Authentication.Status.PENDING
    enter_code(page, sandbox_code(phone_number))
    expect(page).to_have_url(path_is("/"))
    second.refresh_from_db()
    assert second.status == Authentication.Status.VERIFIED
