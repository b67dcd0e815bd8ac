"""The inbox page in a real browser: it refreshes by itself."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from django_ding.sandbox.backend import SandboxBackend
from django_ding.sandbox.testing import last_code
from tests.sandbox.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("DING_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def page(live_server: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an event loop running in this thread.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            context = browser.new_context(
                base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="en-US"
            )
            context.set_default_timeout(15_000)
            yield context.new_page()
            context.close()
            browser.close()


def test_new_messages_appear_without_reloading(page: Any, settings: Any) -> None:
    from playwright.sync_api import expect

    settings.DEBUG = True  # a development machine: the inbox answers everyone
    page.goto("/ding-sandbox/")
    expect(page.locator("#messages")).to_contain_text("No messages yet")
    page.evaluate("window.notReloaded = true")

    SandboxBackend().create_authentication(PHONE)
    code = last_code(PHONE)

    first = page.locator("#messages li").first
    expect(first.locator(".code")).to_have_text(code)
    expect(first).to_contain_text("+33*******78")
    expect(first).to_contain_text(f"Your verification code is {code}")
    assert page.evaluate("window.notReloaded") is True  # updated in place

    SandboxBackend().create_authentication("+33698765432")
    newest = last_code("+33698765432")
    expect(page.locator("#messages li").first.locator(".code")).to_have_text(newest)
    expect(page.locator("#messages li")).to_have_count(2)
    # Mobile-friendly: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
