"""The DING setting (lazy, override_settings), get_backend() caching, and the
system checks (each id, each message naming the setting to fix)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import Error, Warning
from django.test import override_settings

from django_ding.backends import get_backend, load_backend_class, reset_backend
from django_ding.backends.base import BaseBackend
from django_ding.backends.ding import DingBackend
from django_ding.checks import check_ding_settings
from django_ding.conf import DEFAULTS, ding_settings, normalize_timeout
from django_ding.exceptions import DingConfigurationError

DING_PATH = "django_ding.backends.ding.DingBackend"
KEY = "test-key"
CUSTOMER = "c9f826e0-deca-41ec-871f-ecd6e8efeb46"
VALID = {"BACKEND": DING_PATH, "API_KEY": KEY, "CUSTOMER_UUID": CUSTOMER}


# -- Lazy settings ---------------------------------------------------------------------------


def test_defaults_when_unset():
    with override_settings(DING={}):
        assert ding_settings.BASE_URL is None  # each backend has its default_base_url
        assert ding_settings.TIMEOUT == (3.05, 10.0)
        assert ding_settings.API_KEY is None
        assert ding_settings.BACKEND == "django_ding.backends.prelude.PreludeBackend"
        for key, default in DEFAULTS.items():
            assert getattr(ding_settings, key) == default


def test_no_ding_setting_at_all():
    with override_settings():
        from django.conf import settings

        del settings.DING
        assert DEFAULTS["MAX_RETRIES"] == ding_settings.MAX_RETRIES
        assert ding_settings.unknown_keys() == []


def test_read_at_access_time():
    with override_settings(DING={"TIMEOUT": 5}):
        assert ding_settings.TIMEOUT == 5
        with override_settings(DING={"TIMEOUT": (1, 2)}):
            assert ding_settings.TIMEOUT == (1, 2)
        assert ding_settings.TIMEOUT == 5


def test_unknown_attribute():
    with pytest.raises(AttributeError, match="API_KEYS"):
        _ = ding_settings.API_KEYS


def test_ding_not_a_dict():
    with override_settings(DING=["API_KEY"]), pytest.raises(DingConfigurationError, match="dict"):
        _ = ding_settings.API_KEY


def test_unknown_keys():
    with override_settings(DING={"API_KEY": "x", "APIKEY": "y", "TIMOUT": 3}):
        assert ding_settings.unknown_keys() == ["APIKEY", "TIMOUT"]


@pytest.mark.parametrize("value", [None, ""])
def test_require_names_the_key(value: Any):
    with (
        override_settings(DING={"API_KEY": value}),
        pytest.raises(DingConfigurationError, match=r"settings\.DING\['API_KEY'\]"),
    ):
        ding_settings.require("API_KEY")


def test_require_returns_the_value():
    with override_settings(DING={"API_KEY": KEY}):
        assert ding_settings.require("API_KEY") == KEY


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, (5.0, 5.0)), (2.5, (2.5, 2.5)), ((1, 2), (1.0, 2.0)), ([3.05, 10], (3.05, 10.0))],
)
def test_normalize_timeout(value: Any, expected: tuple[float, float]):
    assert normalize_timeout(value) == expected


@pytest.mark.parametrize(
    "value", [None, True, 0, -1, "5", (1,), (1, 2, 3), (1, None), (0, 5), (1, False), {}]
)
def test_normalize_timeout_refuses(value: Any):
    with pytest.raises(ValueError, match=r"timeout|number|pair"):
        normalize_timeout(value)


# -- get_backend -----------------------------------------------------------------------------


def test_get_backend_is_cached():
    with override_settings(DING=VALID):
        first = get_backend()
        assert isinstance(first, DingBackend)
        assert get_backend() is first
        assert first.api_key == KEY


def test_get_backend_rebuilt_when_the_setting_changes():
    with override_settings(DING=VALID):
        first = get_backend()
        with override_settings(DING={**VALID, "API_KEY": "other-key"}):
            second = get_backend()
            assert second is not first
            assert second.api_key == "other-key"
        third = get_backend()
        assert third is not second
        assert third.api_key == KEY


def test_reset_backend():
    with override_settings(DING=VALID):
        first = get_backend()
        reset_backend()
        assert get_backend() is not first


def test_get_backend_with_kwargs_is_unshared():
    with override_settings(DING=VALID):
        shared = get_backend()
        custom = get_backend(api_key="k2", timeout=(1, 2))
        assert custom is not shared
        assert (custom.api_key, custom.timeout) == ("k2", (1.0, 2.0))
        assert get_backend() is shared


@pytest.mark.parametrize(
    ("path", "match"),
    [
        ("django_ding.backends.nope.Backend", "cannot be imported"),
        ("django_ding.conf.DingSettings", "not a django_ding BaseBackend"),
        ("django_ding.conf.DEFAULTS", "not a django_ding BaseBackend"),
    ],
)
def test_load_backend_class_errors(path: str, match: str):
    with pytest.raises(DingConfigurationError, match=match) as info:
        load_backend_class(path)
    assert "DING['BACKEND']" in str(info.value)


def test_load_backend_class_from_settings():
    with override_settings(DING=VALID):
        backend_class = load_backend_class()
    assert backend_class is DingBackend
    assert issubclass(backend_class, BaseBackend)


# -- System checks ---------------------------------------------------------------------------


def run_checks(ding: Any, **extra: Any) -> list[Any]:
    """The checks' messages for ``ding``, without W003 (DingBackend on the live v1
    host, which most of these settings are): its own tests are below."""
    with override_settings(DING=ding, **extra):
        return [m for m in check_ding_settings() if m.id != "django_ding.W003"]


def test_w003_ding_v1_on_the_live_host():
    for ding in (VALID, {**VALID, "BASE_URL": "https://api.ding.live/v1/"}):
        with override_settings(DING=ding):
            messages = [m for m in check_ding_settings() if m.id == "django_ding.W003"]
        assert len(messages) == 1
        assert isinstance(messages[0], Warning)
        assert "PreludeBackend" in (messages[0].hint or "")
    # Elsewhere (the sandbox's v1 face, a proxy) and with other backends: nothing.
    for ding in (
        {**VALID, "BASE_URL": "http://127.0.0.1:8000/ding-sandbox/v1"},
        {"BACKEND": "django_ding.backends.prelude.PreludeBackend", "API_KEY": KEY},
    ):
        with override_settings(DING=ding):
            assert "django_ding.W003" not in ids(check_ding_settings())


def test_e018_task_backend_that_cannot_be_loaded():
    broken = {"default": {"BACKEND": "django.tasks.backends.immediate.NoSuchBackend"}}
    messages = run_checks(VALID, TASKS=broken)
    assert ids(messages) == ["django_ding.E018"]
    assert "TASK_BACKEND" in messages[0].msg
    assert "ImmediateBackend" in (messages[0].hint or "")
    assert ids(run_checks({**VALID, "TASK_BACKEND": "nowhere"})) == ["django_ding.E018"]
    # Without onboarding feedback no task is ever enqueued: nothing to check.
    assert run_checks({**VALID, "TASK_BACKEND": "nowhere", "SEND_ONBOARDED_FEEDBACK": False}) == []


def ids(messages: list[Any]) -> list[str]:
    return [message.id for message in messages]


def test_valid_configuration_has_no_messages():
    assert run_checks(VALID) == []
    assert run_checks({**VALID, "TIMEOUT": 30, "BASE_URL": "http://127.0.0.1:8000/v1"}) == []


def test_e001_unknown_backend():
    messages = run_checks({**VALID, "BACKEND": "myproject.backends.Nope"})
    assert ids(messages) == ["django_ding.E001"]
    assert "settings.DING['BACKEND']" in messages[0].msg
    assert "'myproject.backends.Nope'" in messages[0].msg


def test_e001_not_a_backend():
    messages = run_checks({**VALID, "BACKEND": "django_ding.conf.DingSettings"})
    assert ids(messages) == ["django_ding.E001"]
    assert "BaseBackend" in messages[0].msg


def test_e002_missing_api_key():
    assert run_checks({"BACKEND": DING_PATH, "CUSTOMER_UUID": CUSTOMER}) == [
        Error(
            f"settings.DING['API_KEY'] is required by {DING_PATH}.",
            hint="Set DING['API_KEY'] from the environment, e.g. "
            "os.environ['DING_API_KEY'], or use the sandbox backend.",
            id="django_ding.E002",
        )
    ]


def test_e003_missing_customer_uuid():
    messages = run_checks({"BACKEND": DING_PATH, "API_KEY": KEY, "CUSTOMER_UUID": ""})
    assert ids(messages) == ["django_ding.E003"]
    assert "settings.DING['CUSTOMER_UUID']" in messages[0].msg


def test_e002_and_e003_together():
    assert ids(run_checks({"BACKEND": DING_PATH})) == ["django_ding.E002", "django_ding.E003"]


def test_e004_customer_uuid_not_a_uuid():
    messages = run_checks({**VALID, "CUSTOMER_UUID": "my-customer"})
    assert messages == [
        Error(
            "settings.DING['CUSTOMER_UUID'] must be a UUID such as "
            "'c9f826e0-deca-41ec-871f-ecd6e8efeb46', not 'my-customer'.",
            hint="It looks like 'c9f826e0-deca-41ec-871f-ecd6e8efeb46'.",
            id="django_ding.E004",
        )
    ]


def test_credentials_not_required_by_a_backend_without_them():
    class NoCredentials(BaseBackend):  # abstract methods are never called here
        pass

    import sys
    import types

    module = types.ModuleType("tests._no_credentials_backend")
    module.NoCredentials = NoCredentials  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    try:
        assert run_checks({"BACKEND": f"{module.__name__}.NoCredentials"}) == []
    finally:
        del sys.modules[module.__name__]


@pytest.mark.parametrize("timeout", [None, 0, -2, "10", (1, 2, 3), (5, None)])
def test_e005_invalid_timeout(timeout: Any):
    messages = run_checks({**VALID, "TIMEOUT": timeout})
    assert ids(messages) == ["django_ding.E005"]
    assert "settings.DING['TIMEOUT']" in messages[0].msg


@pytest.mark.parametrize("timeout", [31, (3, 31), (30.5, 1)])
def test_e006_timeout_too_long(timeout: Any):
    messages = run_checks({**VALID, "TIMEOUT": timeout})
    assert ids(messages) == ["django_ding.E006"]
    assert (
        messages[0].msg == f"settings.DING['TIMEOUT'] must be at most 30 seconds, not {timeout!r}."
    )


def test_e007_ding_not_a_dict():
    assert run_checks("API_KEY=abc") == [
        Error(
            "settings.DING must be a dict.",
            hint="Define DING = {'API_KEY': ..., 'CUSTOMER_UUID': ...}.",
            id="django_ding.E007",
        )
    ]


@pytest.mark.parametrize("url", ["api.ding.live/v1", "ftp://api.ding.live", "", "https://"])
def test_e008_base_url(url: Any):
    messages = run_checks({**VALID, "BASE_URL": url})
    assert ids(messages) == ["django_ding.E008"]
    assert messages[0].msg == (
        "settings.DING['BASE_URL'] must be an http(s) URL, or None for the backend's own "
        f"server, not {url!r}."
    )


def test_e008_unset_base_url_means_the_backend_default():
    # None (the default) picks the backend's own default_base_url.
    assert run_checks({**VALID, "BASE_URL": None}) == []


def test_w001_unknown_keys():
    messages = run_checks({**VALID, "APIKEY": "x", "TIMOUT": 3})
    assert ids(messages) == ["django_ding.W001", "django_ding.W001"]
    assert isinstance(messages[0], Warning)
    assert messages[0].msg == "settings.DING['APIKEY'] is not a django-ding setting and is ignored."
    assert messages[1].msg == "settings.DING['TIMOUT'] is not a django-ding setting and is ignored."
    assert "TIMEOUT" in messages[1].hint


def test_several_problems_are_all_reported():
    messages = run_checks({"BACKEND": DING_PATH, "TYPO": 1, "TIMEOUT": 60, "BASE_URL": "nowhere"})
    assert ids(messages) == [
        "django_ding.W001",
        "django_ding.E008",
        "django_ding.E006",
        "django_ding.E002",
        "django_ding.E003",
    ]


def test_checks_registered_with_django():
    from django.core.checks.registry import registry

    assert check_ding_settings in registry.get_checks()


def test_e012_sandbox_backend_without_the_sandbox_app():
    from django.conf import settings

    # Only the core's checks: without the app its SANDBOX_* keys would be W001.
    sandbox = {"BACKEND": "django_ding.sandbox.backend.SandboxBackend"}
    assert run_checks(sandbox) == []
    apps_without_sandbox = [app for app in settings.INSTALLED_APPS if app != "django_ding.sandbox"]
    with override_settings(INSTALLED_APPS=apps_without_sandbox):
        messages = run_checks(sandbox)
    assert ids(messages) == ["django_ding.E012"]
    assert "INSTALLED_APPS" in (messages[0].hint or "")


def test_e013_use_tz_is_required():
    messages = run_checks({**VALID}, USE_TZ=False)
    assert ids(messages) == ["django_ding.E013"]
    assert "USE_TZ" in messages[0].msg


@pytest.mark.parametrize("region", ["XX", "france", 33])
def test_e014_default_region_must_be_a_region(region: Any):
    messages = run_checks({**VALID, "DEFAULT_REGION": region})
    assert ids(messages) == ["django_ding.E014"]
    assert "settings.DING['DEFAULT_REGION']" in messages[0].msg


def test_default_region_any_case_is_accepted():
    assert run_checks({**VALID, "DEFAULT_REGION": "fr"}) == []
