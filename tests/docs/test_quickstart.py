"""docs/quickstart.md, copied as written into a new ``startproject`` project.

The page's Python snippets are pasted into the files they name (``# ...``
stands for what the project already has: the project's own entries are kept
there), then the project is checked, migrated and driven through a whole
verification in a fresh interpreter. The nox matrix runs this on every
supported Django, so the page cannot drift from the code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "quickstart.md"

#: The flow a new user tries first, run in the new project with the sandbox.
FLOW = textwrap.dedent(
    """
    from django.test import Client
    from django.test.utils import setup_test_environment

    import myapp.receivers  # noqa: F401  (the page's receiver, connected)
    from django_ding.models import Authentication
    from django_ding.sandbox.testing import last_code

    setup_test_environment()
    client = Client()
    sent = client.post("/verify/?next=/welcome/", {"phone_number": "+33612345678"})
    assert sent.status_code == 302, sent.content[:300]
    assert sent["Location"].startswith("/verify/check/"), sent["Location"]
    code = last_code("+33612345678")
    print("CODE", code)
    checked = client.post(sent["Location"], {"code": code})
    assert checked.status_code == 302, checked.content[:300]
    assert checked["Location"] == "/welcome/", checked["Location"]
    assert Authentication.objects.get().status == "verified"
    print("FLOW OK")
    """
)


def snippets() -> dict[str, str]:
    """The page's Python blocks, keyed by the file their first comment names
    (``"client"`` for the block that names none)."""
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S)
    out: dict[str, str] = {}
    for block in blocks:
        first = block.splitlines()[0]
        match = re.match(r"# (\S+\.py)", first)
        out[match.group(1) if match else "client"] = block
    return out


def paste(block: str, existing: str) -> str:
    """``block`` with its ``# ...`` placeholder standing for ``existing``."""
    assert "    # ...\n" in block, "the snippet lost its '# ...' placeholder"
    return block.replace("    # ...\n", f"    *{existing},\n", 1)


def test_the_page_has_the_snippets_this_test_pastes() -> None:
    assert set(snippets()) == {"settings.py", "urls.py", "myapp/receivers.py", "client"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new project (``django-admin startproject mysite``) with the page's
    snippets pasted in."""
    base = tmp_path_factory.mktemp("quickstart")
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "mysite", str(base)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    parts = snippets()
    settings = base / "mysite" / "settings.py"
    settings.write_text(settings.read_text() + "\n" + paste(parts["settings.py"], "INSTALLED_APPS"))
    urls = base / "mysite" / "urls.py"
    urls.write_text(urls.read_text() + "\n" + paste(parts["urls.py"], "urlpatterns"))
    app = base / "myapp"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "receivers.py").write_text(parts["myapp/receivers.py"])
    return base


def manage(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DING_", "PRELUDE_"))
    }
    clean.update(PYTHONWARNINGS="error::DeprecationWarning", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_and_migrate_as_written(project: Path) -> None:
    checked = manage(project, "check", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    migrated = manage(project, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr


def test_the_flow_with_the_sandbox_prints_the_code(project: Path) -> None:
    assert manage(project, "migrate", "--noinput").returncode == 0
    result = manage(project, "shell", "-c", FLOW)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FLOW OK" in result.stdout
    code = re.search(r"CODE (\d+)", result.stdout)
    assert code is not None
    # "codes appear in the console": the LOGGING dict of the page does it.
    assert code.group(1) in result.stderr


def test_the_client_snippet_prints_what_its_comment_says(project: Path) -> None:
    assert manage(project, "migrate", "--noinput").returncode == 0
    result = manage(project, "shell", "-c", snippets()["client"])
    assert result.returncode == 0, result.stdout + result.stderr
    printed = result.stdout.strip().splitlines()[-1]
    comment = re.search(r"print\(result.outcome\)  # (\w+) or (\w+)", snippets()["client"])
    assert comment is not None
    assert printed in comment.groups()


def test_a_prelude_key_alone_is_enough(project: Path) -> None:
    """Only the key in the environment: the settings load, the checks pass,
    and the backend is Prelude's (nothing is sent in this test)."""
    result = manage(
        project,
        "shell",
        "-c",
        "from django.core.management import call_command; call_command('check', "
        "fail_level='WARNING'); from django_ding.backends import get_backend; "
        "print(type(get_backend()).__name__)",
        PRELUDE_API_KEY="a-v2-key-not-real",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == "PreludeBackend"
