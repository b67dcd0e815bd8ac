"""The sandbox's settings, read from ``DING`` at call time and checked."""

from __future__ import annotations

import re

from django_ding.exceptions import DingConfigurationError
from django_ding.sandbox.conf import sandbox_settings

__all__ = ["fixed_code", "outbox_size", "slow_seconds"]

_FIXED_CODE = re.compile(r"\d{4,10}")


def outbox_size() -> int:
    """``DING["SANDBOX_OUTBOX_SIZE"]``: how many messages the outbox keeps."""
    value = sandbox_settings.SANDBOX_OUTBOX_SIZE
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DingConfigurationError(
            f"settings.DING['SANDBOX_OUTBOX_SIZE'] must be a positive whole number, not {value!r}."
        )
    return value


def slow_seconds() -> float:
    """``DING["SANDBOX_SLOW_SECONDS"]``: how long the slow magic number waits."""
    value = sandbox_settings.SANDBOX_SLOW_SECONDS
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 3600:
        raise DingConfigurationError(
            "settings.DING['SANDBOX_SLOW_SECONDS'] must be a number of seconds "
            f"between 0 and 3600, not {value!r}."
        )
    return float(value)


def fixed_code() -> str | None:
    """``DING["SANDBOX_FIXED_CODE"]``: ``None``, or a string of 4 to 10 digits.

    Whether DEBUG allows it is the business of :mod:`django_ding.sandbox.codes`
    and of the system check ``django_ding.E010``.
    """
    value = sandbox_settings.SANDBOX_FIXED_CODE
    if value is None:
        return None
    if not (isinstance(value, str) and _FIXED_CODE.fullmatch(value)):
        raise DingConfigurationError(
            "settings.DING['SANDBOX_FIXED_CODE'] must be a string of 4 to 10 digits."
        )
    return value
