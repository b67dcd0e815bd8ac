"""The built wheel ships what a user needs: types, templates, migrations and
compiled translations (the .mo files are built from the .po, never committed)."""

from __future__ import annotations

import gettext
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_compiled_translations_and_package_data(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("django_ding-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        mo_path = "django_ding/locale/fr/LC_MESSAGES/django.mo"
        assert mo_path in names
        catalog = gettext.GNUTranslations(archive.open(mo_path))
    assert catalog.gettext("A new code is on its way.") == "Un nouveau code est en route."
    for expected in (
        "django_ding/py.typed",
        "django_ding/templates/django_ding/send.html",
        "django_ding/templates/django_ding/sandbox/inbox.html",
        "django_ding/migrations/0001_initial_history.py",
        "django_ding/sandbox/migrations/0001_sandbox_state.py",
    ):
        assert expected in names
    assert not any(name.startswith("tests/") for name in names)
