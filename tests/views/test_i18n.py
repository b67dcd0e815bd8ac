"""The French translation: complete, compilable, and used by the pages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

import django_ding
from django_ding.user_messages import format_wait, refusal_message
from tests.views.conftest import start

PO_FILE = Path(django_ding.__file__).parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MSGFMT = shutil.which("msgfmt")
MSGCMP = shutil.which("msgcmp")
needs_msgfmt = pytest.mark.skipif(MSGFMT is None, reason="gettext's msgfmt is not installed")
needs_gettext = pytest.mark.skipif(
    MSGCMP is None or shutil.which("xgettext") is None, reason="GNU gettext is not installed"
)


@pytest.fixture
def compiled_locale(tmp_path: Path, settings: Any) -> Iterator[Path]:
    """Compile the French catalogue into a temporary LOCALE_PATHS entry, so the
    tests do not depend on `make messages` having run."""
    target = tmp_path / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    subprocess.run(
        [str(MSGFMT), "--check", "-o", str(target / "django.mo"), str(PO_FILE)],
        check=True,
        capture_output=True,
    )
    settings.LOCALE_PATHS = [str(tmp_path)]
    yield tmp_path
    translation.activate("en")


def test_po_file_exists() -> None:
    assert PO_FILE.is_file()
    text = PO_FILE.read_text(encoding="utf-8")
    assert '"Language: fr\\n"' in text
    assert "Plural-Forms: nplurals=2; plural=(n > 1);" in text


@needs_msgfmt
def test_po_file_compiles_and_is_complete(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(MSGFMT), "--check", "--statistics", "-o", str(tmp_path / "django.mo"), str(PO_FILE)],
        check=True,
        capture_output=True,
        text=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
    )
    stats = result.stderr
    assert "translated message" in stats
    assert "untranslated" not in stats, stats
    assert "fuzzy" not in stats, stats
    assert (tmp_path / "django.mo").stat().st_size > 0


@needs_gettext
def test_po_file_covers_every_string_of_the_package(tmp_path: Path) -> None:
    """Extract the messages afresh (makemessages on a copy of the package) and
    check that the shipped French catalogue translates every one of them."""
    package = tmp_path / "django_ding"
    shutil.copytree(
        PO_FILE.parents[3],
        package,
        ignore=shutil.ignore_patterns("__pycache__", "*.mo", "*.po"),
    )
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "fr", "--no-location"],
        cwd=package,
        check=True,
        capture_output=True,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
            "LC_ALL": "C.UTF-8",
        },
    )
    fresh = package / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        [str(MSGCMP), str(PO_FILE), str(fresh)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, (
        "django_ding/locale/fr/LC_MESSAGES/django.po is out of date; run "
        "`cd django_ding && django-admin makemessages -l fr` and translate:\n" + result.stderr
    )


@needs_msgfmt
@pytest.mark.usefixtures("compiled_locale")
def test_french_pages(client: Client) -> None:
    page = client.get("/verify/", HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    assert '<html lang="fr"' in html
    assert "Vérifiez votre numéro de téléphone" in html
    assert "Envoyer le code" in html
    start(client)
    check = client.get("/verify/check/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Saisissez votre code" in check
    wrong = client.post("/verify/check/", {"code": "000000"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert "Le code n\u2019est pas correct" in wrong.content.decode()


@needs_msgfmt
@pytest.mark.usefixtures("compiled_locale")
def test_french_messages_and_plurals() -> None:
    with translation.override("fr"):
        assert format_wait(1) == "1 seconde"
        assert format_wait(30) == "30 secondes"
        assert format_wait(120) == "2 minutes"
        assert "Réessayez dans 2 heures" in refusal_message("phone_rate_limited", 7200)


def test_format_wait_in_english() -> None:
    with translation.override("en"):
        assert format_wait(None) == "a moment"
        assert format_wait(0) == "a moment"
        assert format_wait(-5) == "a moment"
        assert format_wait(True) == "a moment"
        assert format_wait(0.2) == "1 second"
        assert format_wait(59) == "59 seconds"
        assert format_wait(60) == "1 minute"
        assert format_wait(61) == "2 minutes"
        assert format_wait(3599) == "1 hour"
        assert format_wait(3540) == "59 minutes"
        assert format_wait(3600) == "1 hour"
        assert format_wait(3601) == "2 hours"
        assert format_wait(49 * 3600) == "3 days"
