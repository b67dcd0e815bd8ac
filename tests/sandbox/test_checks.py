"""The sandbox as a plugin app: its DING keys declared to the core (W001),
its own system checks (same ids as when the core owned them), the generic
E012, and the deprecated old backend path."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from django.conf import settings
from django.core.checks import run_checks as run_all_checks
from django.test import override_settings

from django_ding.backends import load_backend_class
from django_ding.checks import check_ding_settings
from django_ding.conf import DEFAULTS, ding_settings, plugin_defaults, register_plugin_settings
from django_ding.sandbox import conf as sandbox_conf
from django_ding.sandbox.backend import PreludeSandboxBackend, SandboxBackend
from django_ding.sandbox.checks import check_sandbox_settings
from django_ding.sandbox.conf import sandbox_settings

OLD_PATH = "django_ding.backends.sandbox.SandboxBackend"
NEW_PATH = "django_ding.sandbox.backend.SandboxBackend"
VALID = {"BACKEND": "django_ding.backends.prelude.PreludeBackend", "API_KEY": "test-key"}
WITHOUT_SANDBOX = [app for app in settings.INSTALLED_APPS if app != "django_ding.sandbox"]


def run_checks(ding: Any, **extra: Any) -> list[Any]:
    """The core's and the sandbox's DING checks."""
    with override_settings(DING=ding, **extra):
        return check_ding_settings() + check_sandbox_settings()


def ids(messages: list[Any]) -> list[str]:
    return [message.id for message in messages]


# -- Settings owned by the sandbox -----------------------------------------------------------


def test_the_sandbox_keys_are_not_core_defaults():
    assert not {key for key in DEFAULTS if key.startswith("SANDBOX_")}
    assert set(sandbox_conf.DEFAULTS) == {
        "SANDBOX_ALLOW_WITHOUT_DEBUG",
        "SANDBOX_FIXED_CODE",
        "SANDBOX_SLOW_SECONDS",
        "SANDBOX_OUTBOX_SIZE",
    }


def test_sandbox_settings_read_the_one_ding_dict_lazily():
    with override_settings(DING={}):
        for key, default in sandbox_conf.DEFAULTS.items():
            assert getattr(sandbox_settings, key) == default
    with override_settings(DING={"SANDBOX_OUTBOX_SIZE": 7}):
        assert sandbox_settings.SANDBOX_OUTBOX_SIZE == 7
    with pytest.raises(AttributeError, match="SANDBOX_OUTBOX"):
        _ = sandbox_settings.SANDBOX_OUTBOX


def test_installed_sandbox_keys_are_known_to_w001():
    sandbox_keys = dict(sandbox_conf.DEFAULTS)
    assert plugin_defaults() == sandbox_conf.DEFAULTS
    assert ids(run_checks({**VALID, **sandbox_keys}, DEBUG=True)) == []
    messages = run_checks({**VALID, "SANDBOX_FIXED_COD": "1234"})
    assert ids(messages) == ["django_ding.W001"]
    assert "SANDBOX_FIXED_CODE" in messages[0].hint


def test_without_the_sandbox_app_its_keys_are_unknown():
    with override_settings(
        INSTALLED_APPS=WITHOUT_SANDBOX, DING={**VALID, "SANDBOX_OUTBOX_SIZE": 5}
    ):
        assert plugin_defaults() == {}
        assert ding_settings.unknown_keys() == ["SANDBOX_OUTBOX_SIZE"]
        assert ids(check_ding_settings()) == ["django_ding.W001"]
        assert check_sandbox_settings() == []


def test_a_plugin_cannot_take_a_core_key():
    with pytest.raises(ValueError, match="API_KEY"):
        register_plugin_settings("someone.else", {"API_KEY": None})
    with pytest.raises(ValueError, match="SANDBOX_FIXED_CODE"):
        register_plugin_settings("someone.else", {"SANDBOX_FIXED_CODE": None})


def test_sandbox_checks_are_registered_with_django():
    from django.core.checks.registry import registry

    assert check_sandbox_settings in registry.get_checks()


# -- The checks, ids kept ---------------------------------------------------------------------


def test_e010_fixed_code_without_debug():
    messages = run_checks({**VALID, "SANDBOX_FIXED_CODE": "123456"}, DEBUG=False)
    assert ids(messages) == ["django_ding.E010"]
    assert "settings.DING['SANDBOX_FIXED_CODE']" in messages[0].msg


@pytest.mark.parametrize("code", ["12", "abcdef", 123456, "12345678901", " 1234"])
def test_e011_fixed_code_format(code: Any):
    messages = run_checks({**VALID, "SANDBOX_FIXED_CODE": code}, DEBUG=True)
    assert ids(messages) == ["django_ding.E011"]
    assert "settings.DING['SANDBOX_FIXED_CODE']" in messages[0].msg


def test_fixed_code_accepted_with_debug():
    assert run_checks({**VALID, "SANDBOX_FIXED_CODE": "123456"}, DEBUG=True) == []


def test_w002_sandbox_in_production_is_a_deploy_warning():
    from django.core import checks

    sandbox = {"BACKEND": "django_ding.sandbox.backend.SandboxBackend"}
    with override_settings(DING=sandbox, DEBUG=False):
        deploy = checks.run_checks(include_deployment_checks=True, tags=["security"])
        assert "django_ding.W002" in ids(deploy)
        assert "django_ding.W002" not in ids(checks.run_checks(tags=["security"]))
    with override_settings(DING=sandbox, DEBUG=True):
        deploy = checks.run_checks(include_deployment_checks=True, tags=["security"])
        assert "django_ding.W002" not in ids(deploy)
    with override_settings(DING={**VALID}, DEBUG=False):
        deploy = checks.run_checks(include_deployment_checks=True, tags=["security"])
        assert "django_ding.W002" not in ids(deploy)


@pytest.mark.parametrize("value", [-1, 3601, "15", True, None])
def test_e018_slow_seconds(value: Any):
    messages = run_checks({**VALID, "SANDBOX_SLOW_SECONDS": value})
    assert ids(messages) == ["django_ding.E019"]
    assert "settings.DING['SANDBOX_SLOW_SECONDS']" in messages[0].msg


@pytest.mark.parametrize("value", [0, -3, 1.5, "100", False, None])
def test_e019_outbox_size(value: Any):
    messages = run_checks({**VALID, "SANDBOX_OUTBOX_SIZE": value})
    assert ids(messages) == ["django_ding.E020"]
    assert "settings.DING['SANDBOX_OUTBOX_SIZE']" in messages[0].msg


@pytest.mark.parametrize("backend", [SandboxBackend, PreludeSandboxBackend])
def test_e012_is_generic_the_backend_names_its_app(backend: type[Any]):
    assert backend.required_app == "django_ding.sandbox"
    path = f"{backend.__module__}.{backend.__qualname__}"
    ding = {"BACKEND": path}
    assert run_checks(ding, DEBUG=True) == []
    with override_settings(INSTALLED_APPS=WITHOUT_SANDBOX):
        messages = run_checks(ding, DEBUG=True)
    assert ids(messages) == ["django_ding.E012"]
    assert "'django_ding.sandbox'" in messages[0].msg


def test_e015_covers_the_prelude_sandbox_too():
    ding = {"BACKEND": "django_ding.sandbox.backend.PreludeSandboxBackend"}
    assert "django_ding.E015" in ids(run_checks(ding, DEBUG=False))
    assert "django_ding.E015" not in ids(run_checks(ding, DEBUG=True))


# -- The old dotted path ----------------------------------------------------------------------


def test_the_old_import_path_still_works_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match=NEW_PATH):
        from django_ding.backends.sandbox import SandboxBackend as Old
    assert Old is SandboxBackend


def test_the_old_setting_still_loads_the_backend_with_a_warning():
    with (
        override_settings(DING={"BACKEND": OLD_PATH}),
        pytest.warns(DeprecationWarning, match=NEW_PATH),
    ):
        assert load_backend_class() is SandboxBackend


def test_w003_names_the_new_path():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        messages = run_checks({"BACKEND": OLD_PATH, "SANDBOX_ALLOW_WITHOUT_DEBUG": True})
    assert ids(messages) == ["django_ding.W004"]
    assert NEW_PATH in (messages[0].hint or "")


def test_the_old_module_knows_no_other_name():
    import django_ding.backends.sandbox as old

    with pytest.raises(AttributeError):
        _ = old.PreludeSandboxBackend


def test_every_check_of_the_site_runs_clean_in_the_test_settings():
    assert [m for m in run_all_checks() if m.id and m.id.startswith("django_ding")] == []


def test_the_core_never_imports_the_sandbox():
    """The import-linter contract to come: modules of django_ding other than
    django_ding.sandbox.* never import django_ding.sandbox (function-level
    imports included)."""
    import ast
    from pathlib import Path

    import django_ding

    root = Path(django_ding.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        if path.is_relative_to(root / "sandbox"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            if any(
                n == "django_ding.sandbox" or n.startswith("django_ding.sandbox.") for n in names
            ):
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []
