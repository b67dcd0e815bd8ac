"""The sandbox's settings, read from ``DING`` at call time and checked."""

from __future__ import annotations

from django_ding.conf import ding_settings
from django_ding.exceptions import DingConfigurationError

__all__ = ["outbox_size", "slow_seconds"]


def outbox_size() -> int:
    """``DING["SANDBOX_OUTBOX_SIZE"]``: how many messages the outbox keeps."""
    value = ding_settings.SANDBOX_OUTBOX_SIZE
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DingConfigurationError(
            f"settings.DING['SANDBOX_OUTBOX_SIZE'] must be a positive whole number, not {value!r}."
        )
    return value


def slow_seconds() -> float:
    """``DING["SANDBOX_SLOW_SECONDS"]``: how long the slow magic number waits."""
    value = ding_settings.SANDBOX_SLOW_SECONDS
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 3600:
        raise DingConfigurationError(
            "settings.DING['SANDBOX_SLOW_SECONDS'] must be a number of seconds "
            f"between 0 and 3600, not {value!r}."
        )
    return float(value)
