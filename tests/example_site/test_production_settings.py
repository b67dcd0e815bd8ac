"""The example project's production settings pass ``manage.py check --deploy``."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``manage.py <args>`` in a fresh interpreter with the example settings."""
    clean_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DING_", "PRELUDE_"))
    }
    clean_env.update(
        DJANGO_SETTINGS_MODULE="example_project.settings",
        DJANGO_DB_PATH=str(tmp_path / "db.sqlite3"),
        PYTHONWARNINGS="error",
        **env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def production_env() -> dict[str, str]:
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "example.com",
    }


def test_production_never_falls_back_to_the_sandbox(tmp_path: Path) -> None:
    """Without Ding credentials the site would run the sandbox in production
    (no SMS, codes on an inbox page): it refuses to start instead."""
    for env in (
        {},
        {"DING_API_KEY": "k"},
        {"DING_CUSTOMER_UUID": "c9f826e0-deca-41ec-871f-ecd6e8efeb46"},
    ):
        result = run_manage("check", tmp_path=tmp_path, **production_env(), **env)
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr
        assert "DING_" in result.stderr


def test_check_deploy_flags_a_staging_site_on_the_sandbox(tmp_path: Path) -> None:
    """``DING_SANDBOX=1`` is the explicit opt-in; the deploy check still says
    that this is no production setup."""
    env = production_env() | {"DING_SANDBOX": "1"}
    result = run_manage("check", tmp_path=tmp_path, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path, **env)
    assert result.returncode != 0
    assert "django_ding.W002" in result.stdout + result.stderr


def test_check_deploy_is_clean_with_prelude(tmp_path: Path) -> None:
    env = production_env() | {"PRELUDE_API_KEY": "not-a-real-key"}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_about_the_live_ding_v1_api(tmp_path: Path) -> None:
    env = production_env() | {
        "DING_API_KEY": "not-a-real-key",
        "DING_CUSTOMER_UUID": "c9f826e0-deca-41ec-871f-ecd6e8efeb46",
    }
    result = run_manage("check", tmp_path=tmp_path, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "django_ding.W003" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "django_ding.sandbox.backend.SandboxBackend"),
        ({"DING_SANDBOX_API": "v2"}, "django_ding.sandbox.backend.PreludeSandboxBackend"),
        ({"PRELUDE_API_KEY": "k"}, "prelude.PreludeBackend"),
        (
            {"PRELUDE_API_KEY": "k", "DING_API_KEY": "k", "DING_CUSTOMER_UUID": "x"},
            "prelude.PreludeBackend",
        ),
        (
            {"DING_API_KEY": "k", "DING_CUSTOMER_UUID": "c9f826e0-deca-41ec-871f-ecd6e8efeb46"},
            "ding.DingBackend",
        ),
    ],
)
def test_backend_follows_the_environment(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DING['BACKEND'])",
        tmp_path=tmp_path,
        **env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].endswith(expected)


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_required_variables(
    tmp_path: Path, missing: str
) -> None:
    env = production_env()
    del env[missing]
    result = run_manage("check", tmp_path=tmp_path, **env)
    assert result.returncode != 0
    assert missing in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_debug_off_is_not_weakened_by_odd_values(tmp_path: Path) -> None:
    """Only ``DJANGO_DEBUG=1`` turns DEBUG on; anything else is production."""
    env = production_env() | {"DJANGO_DEBUG": "yes", "DING_SANDBOX": "1"}
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        tmp_path=tmp_path,
        **env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
