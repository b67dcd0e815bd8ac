"""Steps of the example site's signup and verification flow, as a user takes them.

Locators follow what the user sees (labels, roles) where the pages give them
one, and django-ding's documented ids (``#ding-send-form``...) otherwise.
Every assertion is a Playwright ``expect``: it waits for the page, no sleeps.
"""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import Locator, Page, expect

from django_ding.conf import ding_settings
from django_ding.models import Authentication
from django_ding.sandbox.models import SandboxAuthentication
from django_ding.sandbox.provider import RETRY_DELAY
from django_ding.sandbox.testing import last_code

PASSWORD = "correct horse battery staple"

SEND_PATH = "/verify/"
CHECK_PATH = "/verify/check/"


def path_is(path: str) -> re.Pattern[str]:
    """A URL pattern for ``expect(page).to_have_url``: this path, any query."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$")


def sign_up(page: Page, *, username: str, phone_number: str) -> None:
    """Create an account; the site sends the new user to ``ding:send``."""
    page.goto("/signup/")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation", exact=True).fill(PASSWORD)
    page.get_by_label("Phone number", exact=True).fill(phone_number)
    submit(page, page.get_by_role("button", name="Sign up"))
    expect(page).to_have_url(path_is(SEND_PATH))


def submit(page: Page, button: Locator) -> None:
    """Click a submit button and wait for the page it leads to.

    Waiting on the new document's ``load`` event (and not on some text) keeps
    the next step off the old page, even when both pages read the same.
    """
    with page.expect_event("load"):
        button.click()


def send_code(page: Page) -> None:
    """Submit the phone number form; the code is sent, the check page opens."""
    submit(page, page.locator("#ding-send-submit"))
    expect(page).to_have_url(path_is(CHECK_PATH))


def request_code(page: Page, phone_number: str) -> None:
    """Open ``ding:send`` directly (no account), type the number, send."""
    page.goto(SEND_PATH)
    page.locator("#id_phone_number").fill(phone_number)
    send_code(page)


def enter_code(page: Page, code: str) -> None:
    page.locator("#id_code").fill(code)
    submit(page, page.locator("#ding-check-submit"))


def code_error(page: Page) -> Locator:
    """The error shown under the code field (announced through ``aria-live``)."""
    return page.locator("#id_code_error")


def wrong_code_for(code: str) -> str:
    """A code of the same length that is surely not ``code``."""
    return "".join(str((int(digit) + 1) % 10) for digit in code)


def sandbox_code(phone_number: str) -> str:
    """The newest code the sandbox sent to ``phone_number`` (its test helper)."""
    return last_code(phone_number)


def make_resend_due(phone_number: str) -> None:
    """Let the retry delay pass without waiting for it.

    As if the longer of the sandbox's retry delay and ``DING["SEND_COOLDOWN"]``
    had gone by since the send: the times django-ding
    checks before calling the provider (the send's ``created_at`` for the
    per-number cooldown, the provider's ``next_retry_at`` copied on the
    authentication) and the sandbox provider's own ``next_retry_at`` move
    back. Sends of other numbers are untouched.
    """
    cooldown = dt.timedelta(seconds=ding_settings.SEND_COOLDOWN or 0)
    shift = max(RETRY_DELAY, cooldown) + dt.timedelta(seconds=1)
    authentication = Authentication.objects.filter(phone_number=phone_number).latest("created_at")
    assert authentication.provider_id is not None, "the provider never answered"
    provider_side = SandboxAuthentication.objects.get(uuid=authentication.provider_id)
    for row in (authentication, provider_side):
        changes = {"created_at": row.created_at - shift}
        if row.next_retry_at is not None:
            changes["next_retry_at"] = row.next_retry_at - shift
        type(row)._default_manager.filter(pk=row.pk).update(**changes)
