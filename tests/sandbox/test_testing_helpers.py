"""The outbox helpers and the ``ding_outbox`` pytest fixture."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from phonenumber_field.phonenumber import PhoneNumber

from django_ding.sandbox.backend import SandboxBackend
from django_ding.sandbox.pytest_plugin import DingOutbox
from django_ding.sandbox.testing import (
    NoSandboxMessage,
    OutboxMessage,
    clear_outbox,
    last_code,
    outbox,
)
from tests.sandbox.conftest import PHONE

pytestmark = pytest.mark.django_db

OTHER = "+33698765432"
REPO = Path(__file__).resolve().parents[2]


def test_outbox_oldest_first_and_per_number() -> None:
    backend = SandboxBackend()
    auth = backend.create_authentication(PHONE).authentication_uuid
    backend.create_authentication(OTHER)
    everything = outbox()
    assert [m.phone_number for m in everything] == [PHONE, OTHER]
    assert all(isinstance(m, OutboxMessage) for m in everything)
    [mine] = outbox(PHONE)
    assert mine.authentication_uuid == auth
    assert mine.attempt_number == 1
    assert mine.code in mine.text
    assert outbox(PhoneNumber.from_string(PHONE)) == [mine]
    assert outbox(" +33 6 12 34 56 78 ") == [mine]


def test_last_code_is_the_newest() -> None:
    backend = SandboxBackend()
    backend.create_authentication(PHONE)
    backend.create_authentication(PHONE)
    assert last_code(PHONE) == outbox(PHONE)[-1].code


def test_last_code_without_message_says_why() -> None:
    SandboxBackend().create_authentication(OTHER)
    with pytest.raises(NoSandboxMessage, match=r"\+33\*+78 \(1 message\(s\) in the outbox"):
        last_code(PHONE)
    assert issubclass(NoSandboxMessage, LookupError)


@pytest.mark.parametrize(
    ("value", "error"),
    [(None, TypeError), ("", TypeError), (336, TypeError), ("hello", ValueError)],
)
def test_helpers_refuse_what_is_not_a_number(value: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        last_code(value)


def test_clear_outbox() -> None:
    SandboxBackend().create_authentication(PHONE)
    assert clear_outbox() == 1
    assert outbox() == []
    assert clear_outbox() == 0


def test_fixture_starts_empty_and_reads_codes(ding_outbox: DingOutbox) -> None:
    assert len(ding_outbox) == 0
    SandboxBackend().create_authentication(PHONE)
    assert len(ding_outbox) == 1
    assert ding_outbox[0].phone_number == PHONE
    assert [m.phone_number for m in ding_outbox] == [PHONE]
    assert ding_outbox.last_code(PHONE) == ding_outbox.messages(PHONE)[0].code
    assert ding_outbox.clear() == 1
    assert len(ding_outbox) == 0


def test_plugin_in_a_users_suite(tmp_path: Path) -> None:
    """A project enables the plugin with ``pytest_plugins`` and uses the
    fixture, as ``docs/testing.md`` shows."""
    (tmp_path / "conftest.py").write_text(
        'pytest_plugins = ["django_ding.sandbox.pytest_plugin"]\n', encoding="utf-8"
    )
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            from django_ding.backends import get_backend


            def test_code_arrives(ding_outbox):
                backend = get_backend()
                auth = backend.create_authentication("+33612345678")
                code = ding_outbox.last_code("+33612345678")
                assert backend.check(auth.authentication_uuid, code).is_valid


            def test_outbox_is_empty_again(ding_outbox):
                assert len(ding_outbox) == 0


            def test_live_server(live_server, ding_outbox):
                assert len(ding_outbox) == 0
            """
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "DJANGO_SETTINGS_MODULE": "tests.settings"}
    # On SQLite: the outer run's PostgreSQL test database is in use.
    env.pop("DING_TEST_DATABASE_URL", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "-c",
            os.devnull,
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_module_docstring_posts_to_the_real_urls() -> None:
    """The example in ``django_ding.sandbox.testing`` uses the URLs that
    ``path("verify/", include("django_ding.urls"))`` gives."""
    import re

    from django.urls import resolve

    from django_ding.sandbox import testing

    paths = re.findall(r'client\.post\("([^"]+)"', testing.__doc__ or "")
    assert [resolve(path).view_name for path in paths] == ["ding:send", "ding:check"]
