"""One validating reader per DING key (django_ding.conf.READERS, the sandbox's
django_ding.sandbox.options.READERS): every wrong type, sign or shape is a
system-check Error with the key's id and a message naming the setting, every
documented good value is accepted, and nothing else in the package reads a key
around its reader."""

from __future__ import annotations

import math
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import Error
from django.core.checks import run_checks as run_all_checks
from django.test import RequestFactory, override_settings
from django.urls import reverse_lazy

import django_ding
from django_ding import conf
from django_ding.checks import RULE_CHECKS, SETTING_CHECKS, check_ding_settings
from django_ding.exceptions import DingConfigurationError
from django_ding.request_info import client_ip
from django_ding.sandbox import checks as sandbox_checks
from django_ding.sandbox import conf as sandbox_conf
from django_ding.sandbox import options as sandbox_options
from django_ding.services.retention import minimum_retention
from django_ding.setting_values import SettingError

PRELUDE = "django_ding.backends.prelude.PreludeBackend"
KEY = "sk_test_9f8e7d6c5b4a3928"
VALID: dict[str, Any] = {"BACKEND": PRELUDE, "API_KEY": KEY}
NAN = float("nan")
INF = float("inf")

#: (key, wrong value, check id). Kinds: wrong type, zero or negative, wrong
#: shape, a bool where a number is wanted, NaN and infinity for seconds.
BAD_VALUES: list[tuple[str, Any, str]] = [
    ("BACKEND", 42, "E001"),
    ("BACKEND", "", "E001"),
    ("BACKEND", "PreludeBackend", "E001"),
    ("BACKEND", ["django_ding.backends.prelude.PreludeBackend"], "E001"),
    ("BACKEND", "no.such.Backend", "E001"),
    ("API_KEY", 12345, "E040"),
    ("API_KEY", b"sk_test_bytes", "E040"),
    ("API_KEY", "sk test with spaces", "E040"),
    ("API_KEY", "sk_test\r\nX-Evil: 1", "E040"),
    ("CUSTOMER_UUID", "my-customer", "E004"),
    ("CUSTOMER_UUID", 42, "E004"),
    ("BASE_URL", "ftp://api.prelude.dev", "E008"),
    ("BASE_URL", "api.prelude.dev/v2", "E008"),
    ("BASE_URL", "", "E008"),
    ("BASE_URL", 8000, "E008"),
    ("TIMEOUT", "10", "E005"),
    ("TIMEOUT", None, "E005"),
    ("TIMEOUT", True, "E005"),
    ("TIMEOUT", 0, "E005"),
    ("TIMEOUT", -1, "E005"),
    ("TIMEOUT", NAN, "E005"),
    ("TIMEOUT", INF, "E005"),
    ("TIMEOUT", (1,), "E005"),
    ("TIMEOUT", (1, NAN), "E005"),
    ("TIMEOUT", (3, True), "E005"),
    ("TIMEOUT", 31, "E006"),
    ("TIMEOUT", (3.05, 45), "E006"),
    ("MAX_RETRIES", -1, "E022"),
    ("MAX_RETRIES", 1.5, "E022"),
    ("MAX_RETRIES", 2.0, "E022"),
    ("MAX_RETRIES", True, "E022"),
    ("MAX_RETRIES", "2", "E022"),
    ("MAX_RETRIES", None, "E022"),
    ("MAX_RETRIES", 11, "E022"),
    ("RETRY_BACKOFF", -0.5, "E023"),
    ("RETRY_BACKOFF", NAN, "E023"),
    ("RETRY_BACKOFF", INF, "E023"),
    ("RETRY_BACKOFF", True, "E023"),
    ("RETRY_BACKOFF", "0.5", "E023"),
    ("RETRY_BACKOFF", None, "E023"),
    ("RETRY_AFTER_MAX", -1, "E024"),
    ("RETRY_AFTER_MAX", NAN, "E024"),
    ("RETRY_AFTER_MAX", INF, "E024"),
    ("RETRY_AFTER_MAX", False, "E024"),
    ("RETRY_AFTER_MAX", "10", "E024"),
    ("MAX_CHECK_ATTEMPTS", 0, "E025"),
    ("MAX_CHECK_ATTEMPTS", -5, "E025"),
    ("MAX_CHECK_ATTEMPTS", 5.0, "E025"),
    ("MAX_CHECK_ATTEMPTS", True, "E025"),
    ("MAX_CHECK_ATTEMPTS", "5", "E025"),
    ("MAX_CHECK_ATTEMPTS", None, "E025"),
    ("MAX_FAILED_CHECKS_PER_PHONE", 0, "E026"),
    ("MAX_FAILED_CHECKS_PER_PHONE", -30, "E026"),
    ("MAX_FAILED_CHECKS_PER_PHONE", 30.0, "E026"),
    ("MAX_FAILED_CHECKS_PER_PHONE", True, "E026"),
    ("MAX_FAILED_CHECKS_PER_PHONE", "30", "E026"),
    ("PHONE_FAILURE_WINDOW", 0, "E027"),
    ("PHONE_FAILURE_WINDOW", -1, "E027"),
    ("PHONE_FAILURE_WINDOW", 1.5, "E027"),
    ("PHONE_FAILURE_WINDOW", True, "E027"),
    ("PHONE_FAILURE_WINDOW", "1d", "E027"),
    ("MAX_FAILED_CHECKS_PER_CLIENT", 0, "E028"),
    ("MAX_FAILED_CHECKS_PER_CLIENT", -1, "E028"),
    ("MAX_FAILED_CHECKS_PER_CLIENT", 10.0, "E028"),
    ("MAX_FAILED_CHECKS_PER_CLIENT", False, "E028"),
    ("MAX_FAILED_CHECKS_PER_CLIENT", "10", "E028"),
    ("CLIENT_FAILURE_WINDOW", 0, "E029"),
    ("CLIENT_FAILURE_WINDOW", -86400, "E029"),
    ("CLIENT_FAILURE_WINDOW", 86400.0, "E029"),
    ("CLIENT_FAILURE_WINDOW", True, "E029"),
    ("IPV6_PREFIX_LENGTH", 31, "E041"),
    ("IPV6_PREFIX_LENGTH", 129, "E041"),
    ("IPV6_PREFIX_LENGTH", 64.0, "E041"),
    ("IPV6_PREFIX_LENGTH", True, "E041"),
    ("IPV6_PREFIX_LENGTH", None, "E041"),
    ("SEND_COOLDOWN", -1, "E030"),
    ("SEND_COOLDOWN", 30.5, "E030"),
    ("SEND_COOLDOWN", NAN, "E030"),
    ("SEND_COOLDOWN", True, "E030"),
    ("SEND_COOLDOWN", "30", "E030"),
    ("SEND_LIMIT_PER_PHONE", 5, "E031"),
    ("SEND_LIMIT_PER_PHONE", (5,), "E031"),
    ("SEND_LIMIT_PER_PHONE", (5, 600, 1), "E031"),
    ("SEND_LIMIT_PER_PHONE", (0, 600), "E031"),
    ("SEND_LIMIT_PER_PHONE", (5, -600), "E031"),
    ("SEND_LIMIT_PER_PHONE", (5.0, 600), "E031"),
    ("SEND_LIMIT_PER_PHONE", (True, 600), "E031"),
    ("SEND_LIMIT_PER_PHONE", "5/600", "E031"),
    ("SEND_LIMIT_PER_PHONE", {5: 600}, "E031"),
    ("SEND_LIMIT_PER_IP", 20, "E032"),
    ("SEND_LIMIT_PER_IP", (20,), "E032"),
    ("SEND_LIMIT_PER_IP", (0, 3600), "E032"),
    ("SEND_LIMIT_PER_IP", (20, -1), "E032"),
    ("SEND_LIMIT_PER_IP", (20, 3600.0), "E032"),
    ("SEND_LIMIT_PER_IP", (20, False), "E032"),
    ("SEND_LIMIT_PER_IP", "20/h", "E032"),
    ("SEND_LIMIT_GLOBAL_PER_HOUR", 0, "E033"),
    ("SEND_LIMIT_GLOBAL_PER_HOUR", -1, "E033"),
    ("SEND_LIMIT_GLOBAL_PER_HOUR", 1000.0, "E033"),
    ("SEND_LIMIT_GLOBAL_PER_HOUR", True, "E033"),
    ("SEND_LIMIT_GLOBAL_PER_HOUR", "1000", "E033"),
    ("SEND_LIMIT_GLOBAL_PER_HOUR", (1000, 3600), "E033"),
    ("AUTHENTICATION_TTL", 0, "E034"),
    ("AUTHENTICATION_TTL", -600, "E034"),
    ("AUTHENTICATION_TTL", 600.0, "E034"),
    ("AUTHENTICATION_TTL", True, "E034"),
    ("AUTHENTICATION_TTL", None, "E034"),
    ("CREATE_DEFAULTS", [], "E021"),
    ("CREATE_DEFAULTS", "signup", "E021"),
    ("CREATE_DEFAULTS", {1: "signup"}, "E021"),
    ("CREATE_DEFAULTS", {"no_such_field": 1}, "E021"),
    ("SEND_ONBOARDED_FEEDBACK", 1, "E035"),
    ("SEND_ONBOARDED_FEEDBACK", 0, "E035"),
    ("SEND_ONBOARDED_FEEDBACK", "yes", "E035"),
    ("SEND_ONBOARDED_FEEDBACK", None, "E035"),
    ("TASK_BACKEND", None, "E036"),
    ("TASK_BACKEND", "", "E036"),
    ("TASK_BACKEND", 1, "E036"),
    ("TASK_BACKEND", ["default"], "E036"),
    ("DEFAULT_REGION", "XX", "E014"),
    ("DEFAULT_REGION", "france", "E014"),
    ("DEFAULT_REGION", 33, "E014"),
    ("SUCCESS_URL", "", "E037"),
    ("SUCCESS_URL", "   ", "E037"),
    ("SUCCESS_URL", None, "E037"),
    ("SUCCESS_URL", 42, "E037"),
    ("VERIFIED_MAX_AGE", 0, "E017"),
    ("VERIFIED_MAX_AGE", -1, "E017"),
    ("VERIFIED_MAX_AGE", 3600.0, "E017"),
    ("VERIFIED_MAX_AGE", True, "E017"),
    ("VERIFIED_MAX_AGE", "3600", "E017"),
    ("TRUSTED_PROXY_COUNT", -1, "E038"),
    ("TRUSTED_PROXY_COUNT", 1.0, "E038"),
    ("TRUSTED_PROXY_COUNT", True, "E038"),
    ("TRUSTED_PROXY_COUNT", "1", "E038"),
    ("TRUSTED_PROXY_COUNT", None, "E038"),
    ("TRUSTED_PROXY_HEADER", "X-Forwarded-For", "E039"),
    ("TRUSTED_PROXY_HEADER", "http_x_forwarded_for", "E039"),
    ("TRUSTED_PROXY_HEADER", "", "E039"),
    ("TRUSTED_PROXY_HEADER", None, "E039"),
    ("TRUSTED_PROXY_HEADER", 1, "E039"),
]

#: Wrong values of the sandbox's keys (checked with DEBUG on, where a fixed
#: code is allowed and its shape is what E011 checks).
SANDBOX_BAD_VALUES: list[tuple[str, Any, str]] = [
    ("SANDBOX_ALLOW_WITHOUT_DEBUG", 1, "E016"),
    ("SANDBOX_ALLOW_WITHOUT_DEBUG", "yes", "E016"),
    ("SANDBOX_ALLOW_WITHOUT_DEBUG", None, "E016"),
    ("SANDBOX_FIXED_CODE", "12", "E011"),
    ("SANDBOX_FIXED_CODE", 123456, "E011"),
    ("SANDBOX_FIXED_CODE", "12ab56", "E011"),
    ("SANDBOX_SLOW_SECONDS", -1, "E019"),
    ("SANDBOX_SLOW_SECONDS", NAN, "E019"),
    ("SANDBOX_SLOW_SECONDS", INF, "E019"),
    ("SANDBOX_SLOW_SECONDS", 3601, "E019"),
    ("SANDBOX_SLOW_SECONDS", True, "E019"),
    ("SANDBOX_SLOW_SECONDS", "15", "E019"),
    ("SANDBOX_OUTBOX_SIZE", 0, "E020"),
    ("SANDBOX_OUTBOX_SIZE", -1, "E020"),
    ("SANDBOX_OUTBOX_SIZE", 10.0, "E020"),
    ("SANDBOX_OUTBOX_SIZE", True, "E020"),
    ("SANDBOX_OUTBOX_SIZE", "100", "E020"),
]


def _case_id(case: tuple[str, Any, str]) -> str:
    return f"{case[0]}={case[1]!r}"


def _messages(ding: dict[str, Any], **extra: Any) -> list[Any]:
    with override_settings(DING=ding, **extra):
        return check_ding_settings() + sandbox_checks.check_sandbox_settings()


@pytest.mark.parametrize("case", BAD_VALUES, ids=[_case_id(c) for c in BAD_VALUES])
def test_every_wrong_value_is_a_check_error(case: tuple[str, Any, str]) -> None:
    key, value, check_id = case
    messages = _messages({**VALID, key: value})
    assert [m.id for m in messages] == [f"django_ding.{check_id}"]
    [message] = messages
    assert isinstance(message, Error)
    assert f"settings.DING[{key!r}]" in message.msg
    assert message.hint
    if key == "API_KEY":
        assert str(value) not in message.msg  # a secret is never shown
        assert "not shown" in message.msg
    elif not (key == "CREATE_DEFAULTS" and value == {"no_such_field": 1}):
        assert repr(value) in message.msg  # the wrong value, shown


@pytest.mark.parametrize("case", SANDBOX_BAD_VALUES, ids=[_case_id(c) for c in SANDBOX_BAD_VALUES])
def test_every_wrong_sandbox_value_is_a_check_error(case: tuple[str, Any, str]) -> None:
    key, value, check_id = case
    messages = _messages({**VALID, key: value}, DEBUG=True)
    assert [m.id for m in messages] == [f"django_ding.{check_id}"]
    assert f"settings.DING[{key!r}]" in messages[0].msg
    assert repr(value) in messages[0].msg
    assert messages[0].hint


def test_the_registered_checks_report_a_new_id() -> None:
    """Through Django's registry (manage.py check), not only the functions."""
    with override_settings(DING={**VALID, "MAX_RETRIES": -1, "SEND_LIMIT_PER_IP": (20,)}):
        found = {m.id for m in run_all_checks() if m.id.startswith("django_ding.")}
    assert found == {"django_ding.E022", "django_ding.E032"}


SAME = object()

#: (key, good value, what its reader returns: SAME for the value itself).
GOOD_VALUES: list[tuple[str, Any, Any]] = [
    ("BACKEND", "django_ding.backends.ding.DingBackend", "django_ding.backends.ding.DingBackend"),
    ("BACKEND", "django_ding.sandbox.backend.SandboxBackend", SAME),
    ("API_KEY", None, None),
    ("API_KEY", "", None),
    ("API_KEY", KEY, KEY),
    ("CUSTOMER_UUID", None, None),
    ("CUSTOMER_UUID", "c9f826e0-deca-41ec-871f-ecd6e8efeb46", SAME),
    ("CUSTOMER_UUID", uuid.UUID(int=7), str(uuid.UUID(int=7))),
    ("BASE_URL", None, None),
    ("BASE_URL", "http://127.0.0.1:8000/ding-sandbox/v1", SAME),
    ("BASE_URL", "https://api.prelude.dev/v2/", SAME),
    ("TIMEOUT", 5, (5.0, 5.0)),
    ("TIMEOUT", 2.5, (2.5, 2.5)),
    ("TIMEOUT", (3.05, 10), (3.05, 10.0)),
    ("TIMEOUT", [1, 30], (1.0, 30.0)),
    ("MAX_RETRIES", 0, 0),
    ("MAX_RETRIES", 2, 2),
    ("MAX_RETRIES", 10, 10),
    ("RETRY_BACKOFF", 0, 0.0),
    ("RETRY_BACKOFF", 0.5, 0.5),
    ("RETRY_BACKOFF", 2, 2.0),
    ("RETRY_AFTER_MAX", 0, 0.0),
    ("RETRY_AFTER_MAX", 10.0, 10.0),
    ("MAX_CHECK_ATTEMPTS", 1, 1),
    ("MAX_CHECK_ATTEMPTS", 5, 5),
    ("MAX_FAILED_CHECKS_PER_PHONE", 30, 30),
    ("MAX_FAILED_CHECKS_PER_PHONE", None, None),
    ("PHONE_FAILURE_WINDOW", 86400, 86400),
    ("PHONE_FAILURE_WINDOW", None, None),
    ("MAX_FAILED_CHECKS_PER_CLIENT", 10, 10),
    ("MAX_FAILED_CHECKS_PER_CLIENT", None, None),
    ("CLIENT_FAILURE_WINDOW", 3600, 3600),
    ("CLIENT_FAILURE_WINDOW", None, None),
    ("SEND_COOLDOWN", 30, 30),
    ("SEND_COOLDOWN", 0, None),
    ("SEND_COOLDOWN", None, None),
    ("SEND_LIMIT_PER_PHONE", (5, 600), (5, 600)),
    ("SEND_LIMIT_PER_PHONE", [3, 60], (3, 60)),
    ("SEND_LIMIT_PER_PHONE", None, None),
    ("SEND_LIMIT_PER_IP", (20, 3600), (20, 3600)),
    ("SEND_LIMIT_PER_IP", None, None),
    ("SEND_LIMIT_GLOBAL_PER_HOUR", 1000, 1000),
    ("SEND_LIMIT_GLOBAL_PER_HOUR", None, None),
    ("AUTHENTICATION_TTL", 600, 600),
    ("CREATE_DEFAULTS", {}, {}),
    ("CREATE_DEFAULTS", None, {}),
    ("CREATE_DEFAULTS", {"template_id": "signup"}, {"template_id": "signup"}),
    ("SEND_ONBOARDED_FEEDBACK", True, True),
    ("SEND_ONBOARDED_FEEDBACK", False, False),
    ("TASK_BACKEND", "default", "default"),
    ("DEFAULT_REGION", None, None),
    ("DEFAULT_REGION", "fr", "FR"),
    ("DEFAULT_REGION", "US", "US"),
    ("SUCCESS_URL", "/", "/"),
    ("SUCCESS_URL", "ding:send", "ding:send"),
    ("SUCCESS_URL", "https://example.com/welcome/", "https://example.com/welcome/"),
    ("VERIFIED_MAX_AGE", 3600, 3600),
    ("TRUSTED_PROXY_COUNT", 0, 0),
    ("TRUSTED_PROXY_COUNT", 2, 2),
    ("TRUSTED_PROXY_HEADER", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_FOR"),
    ("TRUSTED_PROXY_HEADER", "HTTP_X_REAL_IP", "HTTP_X_REAL_IP"),
    ("SANDBOX_ALLOW_WITHOUT_DEBUG", True, True),
    ("SANDBOX_FIXED_CODE", None, None),
    ("SANDBOX_FIXED_CODE", "123456", "123456"),
    ("SANDBOX_SLOW_SECONDS", 0, 0.0),
    ("SANDBOX_SLOW_SECONDS", 0.2, 0.2),
    ("SANDBOX_SLOW_SECONDS", 3600, 3600.0),
    ("SANDBOX_OUTBOX_SIZE", 1, 1),
]


def _reader(key: str) -> Any:
    return {**conf.READERS, **sandbox_options.READERS}[key]


@pytest.mark.parametrize(
    ("key", "value", "expected"), GOOD_VALUES, ids=[_case_id(c) for c in GOOD_VALUES]
)
def test_readers_accept_every_documented_good_value(key: str, value: Any, expected: Any) -> None:
    with override_settings(DING={**VALID, key: value}, DEBUG=True):
        result = _reader(key)()
        assert result == (value if expected is SAME else expected)
        messages = check_ding_settings() + sandbox_checks.check_sandbox_settings()
    # Only cross-key checks may speak: a credential the backend needs (E002,
    # E003), DingBackend on the live v1 host (W003).
    cross = {"django_ding.E002", "django_ding.E003", "django_ding.W003"}
    assert [m for m in messages if m.id not in cross] == []


def test_success_url_may_be_lazy() -> None:
    with override_settings(DING={"SUCCESS_URL": reverse_lazy("ding:send")}):
        assert conf.success_url() == "/verify/"


def test_every_key_has_a_reader_and_a_check_id() -> None:
    assert list(conf.READERS) == list(conf.DEFAULTS)
    assert set(SETTING_CHECKS) == set(conf.DEFAULTS)
    assert list(sandbox_options.READERS) == list(sandbox_conf.DEFAULTS)
    assert set(sandbox_checks.SETTING_CHECKS) == set(sandbox_conf.DEFAULTS)
    with override_settings(DING={}):
        for reader in [*conf.READERS.values(), *sandbox_options.READERS.values()]:
            reader()  # every default is a good value


def test_check_ids_are_unique_and_never_reused() -> None:
    core = [check_id for check_id, _ in SETTING_CHECKS.values()]
    finer = [check_id for check_id, _ in RULE_CHECKS.values()]
    sandbox = [check_id for check_id, _ in sandbox_checks.SETTING_CHECKS.values()]
    every = core + finer + sandbox
    assert len(every) == len(set(every))
    assert "django_ding.E009" not in every  # retired


@pytest.mark.parametrize(
    ("reader", "argument", "value", "key"),
    [
        (conf.max_retries, "max_retries", -1, "MAX_RETRIES"),
        (conf.retry_backoff, "retry_backoff", NAN, "RETRY_BACKOFF"),
        (conf.retry_after_max, "retry_after_max", INF, "RETRY_AFTER_MAX"),
    ],
)
def test_a_keyword_argument_is_checked_by_the_same_reader(
    reader: Any, argument: str, value: Any, key: str
) -> None:
    with pytest.raises(SettingError) as info:
        reader(value)
    assert str(info.value).startswith(f"settings.DING[{key!r}] (or {argument}=) must be")
    assert info.value.key == key


def test_a_wrong_value_is_an_error_at_use_not_a_silent_default() -> None:
    """What used to fall back (int("1") proxies, an unreadable window read as 0)
    now raises, naming the setting."""
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    with (
        override_settings(DING={"TRUSTED_PROXY_COUNT": "1"}),
        pytest.raises(DingConfigurationError, match=r"settings\.DING\['TRUSTED_PROXY_COUNT'\]"),
    ):
        client_ip(request)
    with (
        override_settings(DING={"PHONE_FAILURE_WINDOW": "1d"}),
        pytest.raises(DingConfigurationError, match=r"settings\.DING\['PHONE_FAILURE_WINDOW'\]"),
    ):
        minimum_retention()


def test_a_long_wrong_value_is_cut_short() -> None:
    with (
        override_settings(DING={"SUCCESS_URL": ["x" * 500]}),
        pytest.raises(SettingError) as info,
    ):
        conf.success_url()
    assert len(str(info.value)) < 250
    assert str(info.value).endswith("....")


def test_nan_is_never_a_timeout() -> None:
    with pytest.raises(ValueError, match="finite"):
        conf.normalize_timeout(math.nan)


# -- No module reads a key around its reader --------------------------------------------------

PACKAGE = Path(django_ding.__file__).parent
_CORE_READ = re.compile(r"ding_settings\s*\.\s*([A-Z][A-Z0-9_]*)|getattr\(\s*ding_settings\b")
_SANDBOX_READ = re.compile(
    r"sandbox_settings\s*\.\s*([A-Z][A-Z0-9_]*)|getattr\(\s*sandbox_settings\b"
)


def _code_lines(path: Path) -> list[tuple[int, str]]:
    """The lines of ``path`` outside docstrings and comments (roughly: a line
    in a triple-quoted block or after ``#`` is not code)."""
    lines, in_string = [], False
    for number, line in enumerate(path.read_text().splitlines(), 1):
        quotes = line.count('"""') + line.count("'''")
        if not in_string and not quotes:
            lines.append((number, line.split("#", 1)[0]))
        if quotes % 2:
            in_string = not in_string
    return lines


def test_no_module_reads_a_key_around_its_reader() -> None:
    allowed = {PACKAGE / "conf.py": _CORE_READ, PACKAGE / "sandbox" / "options.py": _SANDBOX_READ}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for pattern in (_CORE_READ, _SANDBOX_READ):
            if allowed.get(path) is pattern:
                continue
            found += [
                f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
                for number, line in _code_lines(path)
                if pattern.search(line)
            ]
    assert found == []
