"""The sandbox's settings, read from ``DING`` at call time and checked: one
validating reader per key (:data:`READERS`), as the core's in
:mod:`django_ding.conf`. Each raises
:class:`~django_ding.setting_values.SettingError` naming
``settings.DING['KEY']``; :mod:`django_ding.sandbox.checks` calls them all."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final

from django_ding.sandbox.conf import sandbox_settings
from django_ding.setting_values import boolean, number_of_seconds, refuse, whole_number

__all__ = ["READERS", "allowed_without_debug", "fixed_code", "outbox_size", "slow_seconds"]

_FIXED_CODE = re.compile(r"\d{4,10}")
#: Longest wait of the "slow" magic number.
SLOW_SECONDS_MAX: Final = 3600.0


def allowed_without_debug() -> bool:
    """``DING["SANDBOX_ALLOW_WITHOUT_DEBUG"]``, which must be a real ``bool``."""
    return boolean("SANDBOX_ALLOW_WITHOUT_DEBUG", sandbox_settings.SANDBOX_ALLOW_WITHOUT_DEBUG)


def outbox_size() -> int:
    """``DING["SANDBOX_OUTBOX_SIZE"]``: how many messages the outbox keeps."""
    result: int = whole_number("SANDBOX_OUTBOX_SIZE", sandbox_settings.SANDBOX_OUTBOX_SIZE)
    return result


def slow_seconds() -> float:
    """``DING["SANDBOX_SLOW_SECONDS"]``: how long the slow magic number waits."""
    return number_of_seconds(
        "SANDBOX_SLOW_SECONDS", sandbox_settings.SANDBOX_SLOW_SECONDS, maximum=SLOW_SECONDS_MAX
    )


def fixed_code() -> str | None:
    """``DING["SANDBOX_FIXED_CODE"]``: ``None``, or a string of 4 to 10 digits.

    Whether DEBUG allows it is the business of :mod:`django_ding.sandbox.codes`
    and of the system check ``django_ding.E010``.
    """
    value = sandbox_settings.SANDBOX_FIXED_CODE
    if value is None or (isinstance(value, str) and _FIXED_CODE.fullmatch(value)):
        return value
    raise refuse("SANDBOX_FIXED_CODE", "None or a string of 4 to 10 digits", value)


#: The reader of every sandbox key (``django_ding.sandbox.conf.DEFAULTS``).
READERS: Final[Mapping[str, Callable[[], Any]]] = MappingProxyType(
    {
        "SANDBOX_ALLOW_WITHOUT_DEBUG": allowed_without_debug,
        "SANDBOX_FIXED_CODE": fixed_code,
        "SANDBOX_SLOW_SECONDS": slow_seconds,
        "SANDBOX_OUTBOX_SIZE": outbox_size,
    }
)
