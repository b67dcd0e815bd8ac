"""Browser tests: Playwright (sync API) driving Debian's Chromium.

One Chromium per run of this package (``browser``), a fresh context (cookies,
storage, locale) per test (``context`` / ``new_context``), against pytest-django's
``live_server``, which serves the example site (see
``tests/example_site/site_settings.py``) on the test database.

Why ``DJANGO_ALLOW_ASYNC_UNSAFE``: Playwright's sync API keeps an asyncio loop
marked as running in the main thread while it is started, and Django then
refuses database calls from that thread (``SynchronousOnlyOperation``). Our
calls are synchronous, so the flag is set for exactly as long as Playwright
runs, and Playwright runs only while this package's tests do.

A failing test leaves a screenshot and the HTML of each of its pages in
``test-artifacts/`` (see :func:`pytest_runtest_makereport`).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import override_settings
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Error,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

from tests.example_site.site_settings import example_site_settings, require_accounts_app

#: Debian's Chromium (``make system-deps`` installs it); overridable for other systems.
CHROMIUM = os.environ.get("DING_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "test-artifacts"
#: Longest wait for one action or assertion (ms). Generous for slow CI machines;
#: a passing test never waits for it.
TIMEOUT_MS = 15_000

_contexts_key = pytest.StashKey[list[BrowserContext]]()


def chromium_path() -> str:
    """The Chromium executable, or a failure saying how to install it."""
    path = shutil.which(CHROMIUM) or (CHROMIUM if Path(CHROMIUM).is_file() else None)
    if path is None:
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make system-deps` "
            "(apt-get install chromium) or set DING_CHROMIUM.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="package")
def playwright(request: pytest.FixtureRequest) -> Iterator[Playwright]:
    # Without tests/browser/__init__.py "package" silently means "session",
    # and the loop would outlive this package (breaking every later DB test).
    assert isinstance(request.node, pytest.Package), "tests/browser must be a package"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as instance:
            yield instance


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    instance = playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )
    expect.set_options(timeout=TIMEOUT_MS)
    yield instance
    instance.close()


@pytest.fixture(autouse=True)
def _example_site(transactional_db: None, live_server: LiveServer) -> Iterator[None]:
    """Every browser test runs against the example site on a clean database.

    ``transactional_db``: the live server's thread must see what the test
    writes and the other way around. The cache (limits, cooldowns) is
    cleared so tests do not depend on each other's sends.
    """
    require_accounts_app()
    cache.clear()
    with override_settings(**example_site_settings()):
        yield
    cache.clear()


@pytest.fixture
def new_context(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Callable[..., BrowserContext]]:
    """Make browser contexts bound to the live server; all closed after the test.

    Keyword arguments go to ``Browser.new_context`` (``locale="fr-FR"``,
    ``viewport=...``); the default is an English desktop browser.
    """
    contexts: list[BrowserContext] = []
    request.node.stash[_contexts_key] = contexts

    def make(**options: Any) -> BrowserContext:
        options.setdefault("locale", "en-US")
        options.setdefault("base_url", live_server.url)
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failure, save a screenshot and the HTML of every page still open."""
    report = yield
    if report.failed and call.when in ("setup", "call"):
        contexts = item.stash.get(_contexts_key, [])
        saved = _save_artifacts(item.nodeid, contexts)
        if saved:
            report.sections.append(("browser artifacts", "\n".join(str(path) for path in saved)))
    return report


def _save_artifacts(nodeid: str, contexts: list[BrowserContext]) -> list[Path]:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[-150:]
    saved: list[Path] = []
    pages = [page for context in contexts for page in context.pages]
    for index, page in enumerate(pages):
        base = ARTIFACTS_DIR / (f"{stem}-{index}" if len(pages) > 1 else stem)
        try:
            ARTIFACTS_DIR.mkdir(exist_ok=True)
            page.screenshot(path=f"{base}.png", full_page=True)
            Path(f"{base}.html").write_text(
                f"<!-- {page.url} -->\n{page.content()}", encoding="utf-8"
            )
        except (Error, OSError):
            continue  # a closed page or a crashed browser: nothing more to save
        saved += [Path(f"{base}.png"), Path(f"{base}.html")]
    return saved
