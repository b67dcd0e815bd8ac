"""Take the screenshots of the docs: the example site's flow at phone width.

    .venv/bin/python docs/screenshots.py [--out docs/img]

Runs the example project as ``make demo`` does (DEBUG on, sandbox provider)
on a throwaway SQLite database and a free port, then walks through it in
Debian's Chromium with Playwright, as a visitor on a phone would:

- ``send.png``: the phone number page after signing up (number prefilled);
- ``check-error.png``: the code page after a wrong code;
- ``countdown.png``: the code page after a resend, counting down to the next;
- ``profile-verified.png``: the profile with the verified number;
- ``sandbox-inbox.png``: the sandbox inbox with the codes.

The resend needs the provider's retry delay to pass, so the script takes
about 40 seconds. Needs ``chromium`` (``make system-deps``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Page, ViewportSize, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
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
#: A phone screen (CSS pixels); one device pixel per CSS pixel keeps the PNGs small.
PHONE_SCREEN: ViewportSize = {"width": 390, "height": 844}
MAX_BYTES = 150 * 1024
PHONE_NUMBER = "+33 6 12 34 56 78"
PASSWORD = "correct horse battery staple"  # noqa: S105 (a throwaway demo account)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def example_site(workdir: Path) -> Iterator[str]:
    """Migrate a fresh database, run the example site, yield its URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DING_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "example_project.settings",
        "DJANGO_DEBUG": "1",
        "DJANGO_DB_PATH": str(workdir / "db.sqlite3"),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(  # noqa: S603
        [*manage, "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = workdir / "runserver.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603
            [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(url, server)
            yield url
        except BaseException:
            sys.stderr.write(log_path.read_text())
            raise
        finally:
            server.terminate()
            server.wait(timeout=10)


def wait_until_up(url: str, server: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("runserver exited; see its log above")
        try:
            with urllib.request.urlopen(url + "/", timeout=2):  # noqa: S310 (our own server)
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise TimeoutError(f"the example site did not answer on {url} in {timeout:g} s")


def shoot(page: Page, out: Path, name: str) -> Path:
    path = out / name
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise RuntimeError(f"{path} is {size // 1024} KB, over {MAX_BYTES // 1024} KB")
    sys.stdout.write(
        f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {size // 1024} KB\n"
    )
    return path


def newest_code(page: Page) -> str:
    """The newest code in the sandbox inbox (its JSON face)."""
    response = page.request.get("/ding-sandbox/?format=json")
    code: str = response.json()["messages"][0]["code"]
    return code


def take_screenshots(base_url: str, out: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(
            base_url=base_url, locale="en-US", viewport=PHONE_SCREEN, device_scale_factor=1
        )
        page = context.new_page()
        expect.set_options(timeout=15_000)

        page.goto("/signup/")
        page.get_by_label("Username", exact=True).fill("ada")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Password confirmation", exact=True).fill(PASSWORD)
        page.get_by_label("Phone number", exact=True).fill(PHONE_NUMBER)
        page.get_by_role("button", name="Sign up").click()
        expect(page.locator("#id_phone_number")).to_have_value("+33612345678")
        shoot(page, out, "send.png")

        page.locator("#ding-send-submit").click()
        expect(page.locator("#ding-check-form")).to_be_visible()
        code = newest_code(page)
        wrong = "".join(str((int(digit) + 1) % 10) for digit in code)
        page.locator("#id_code").fill(wrong)
        page.locator("#ding-check-submit").click()
        expect(page.locator("#id_code_error")).to_contain_text("not correct")
        page.locator("#id_code").fill("")
        shoot(page, out, "check-error.png")

        # The resend button comes alive when the provider's retry delay is over.
        resend = page.locator("#ding-retry-submit")
        expect(resend).to_be_enabled(timeout=45_000)
        resend.click()
        expect(page.locator("#ding-notice")).to_contain_text("new code")
        expect(page.locator("#ding-retry-countdown")).to_be_visible()
        shoot(page, out, "countdown.png")

        page.locator("#id_code").fill(newest_code(page))
        page.locator("#ding-check-submit").click()
        expect(page.get_by_test_id("verified-phone-number")).to_be_visible()
        shoot(page, out, "profile-verified.png")

        page.goto("/ding-sandbox/")
        expect(page.locator("#messages li[data-id]")).to_have_count(2)
        shoot(page, out, "sandbox-inbox.png")
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="ding-screenshots-") as workdir,
        example_site(Path(workdir)) as url,
    ):
        sys.stdout.write(f"Example site on {url}; writing to {out}\n")
        take_screenshots(url, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
