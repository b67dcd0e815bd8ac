"""The sandbox's keys of the ``DING`` setting: every default in one place,
read lazily.

They live in the project's one ``DING`` dict beside the core's keys. The
sandbox declares them to the core from ``SandboxConfig.ready()``
(:func:`django_ding.conf.register_plugin_settings`), so the core's
unknown-key warning ``django_ding.W001`` knows them while the sandbox is
installed; the core itself never reads them. Validating readers are in
:mod:`django_ding.sandbox.options`, the system checks in
:mod:`django_ding.sandbox.checks`::

    from django_ding.sandbox.conf import sandbox_settings

    sandbox_settings.SANDBOX_OUTBOX_SIZE  # -> 100
"""

from __future__ import annotations

from typing import Any, Final

from django_ding.conf import ding_settings

__all__ = ["DEFAULTS", "sandbox_settings"]

#: Every sandbox key of the ``DING`` setting with its default.
#: ``docs/sandbox.md`` documents each one; keep the two in step.
DEFAULTS: Final[dict[str, Any]] = {
    # Let the sandbox (backend, inbox, wire API) run with DEBUG off: an
    # explicit opt-in for staging and load tests. The inbox then answers staff
    # only and the wire API only API_KEY.
    "SANDBOX_ALLOW_WITHOUT_DEBUG": False,
    # A fixed code for demos and end-to-end tests (refused when DEBUG=False).
    "SANDBOX_FIXED_CODE": None,
    # Seconds a "slow" magic number makes the sandbox wait.
    "SANDBOX_SLOW_SECONDS": 15.0,
    # How many sandbox messages the outbox keeps (oldest are dropped).
    "SANDBOX_OUTBOX_SIZE": 100,
}


class SandboxSettings:
    """Attribute access to the sandbox's ``DING`` keys, falling back to
    :data:`DEFAULTS`; read on every access (``override_settings`` works)."""

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown django-ding sandbox setting DING[{name!r}].")
        return ding_settings.user_settings().get(name, DEFAULTS[name])


sandbox_settings = SandboxSettings()
