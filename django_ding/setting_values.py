"""The shapes a ``DING`` value may take, and the error that names a wrong one.

:mod:`django_ding.conf` (and an add-on app's own readers, such as the
sandbox's) build one reader per key from these rules. Each rule returns the
value in its clean form or raises :class:`SettingError`, whose message names
``settings.DING['KEY']``, says what is expected and shows the wrong value
(never for a secret: ``secret=True``). The system checks turn ``key`` and
``rule`` into a check id.
"""

from __future__ import annotations

import math
from typing import Any, Final

from django_ding.exceptions import DingConfigurationError

__all__ = [
    "SettingError",
    "boolean",
    "count_and_window",
    "number_of_seconds",
    "refuse",
    "setting_name",
    "shown",
    "text",
    "whole_number",
]

#: Longest shown repr of a wrong value: a message, not a dump.
_SHOWN_MAX: Final = 80


class SettingError(DingConfigurationError):
    """A ``DING`` value its reader refuses.

    ``key`` is the setting (``"TIMEOUT"``); ``rule`` which rule it broke
    (``"invalid"``, or a finer name such as ``"too_long"`` when one setting
    has several system-check ids).
    """

    def __init__(self, key: str, message: str, *, rule: str = "invalid") -> None:
        super().__init__(message)
        self.key = key
        self.rule = rule


def setting_name(key: str, argument: str | None = None) -> str:
    """``settings.DING['KEY']``, plus ``(or argument=)`` for a value passed in code."""
    name = f"settings.DING[{key!r}]"
    return f"{name} (or {argument}=)" if argument else name


def shown(value: object) -> str:
    """The repr of a wrong value, cut short when long."""
    text = repr(value)
    return text if len(text) <= _SHOWN_MAX else text[: _SHOWN_MAX - 3] + "..."


def refuse(
    key: str,
    expected: str,
    value: object,
    *,
    secret: bool = False,
    rule: str = "invalid",
    argument: str | None = None,
) -> SettingError:
    """The error for ``value``: ``settings.DING['KEY'] must be <expected>, not <value>.``"""
    wrong = f"a value of type {type(value).__name__} (not shown)" if secret else shown(value)
    return SettingError(
        key, f"{setting_name(key, argument)} must be {expected}, not {wrong}.", rule=rule
    )


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def whole_number(
    key: str,
    value: object,
    *,
    minimum: int = 1,
    maximum: int | None = None,
    unit: str = "",
    none_means: str | None = None,
    argument: str | None = None,
) -> Any:
    """An ``int`` (never a ``bool`` or a float) from ``minimum`` to ``maximum``;
    ``None`` too when ``none_means`` says what it means."""
    if value is None and none_means is not None:
        return None
    if _is_whole(value) and value >= minimum and (maximum is None or value <= maximum):  # type: ignore[operator]
        return value
    of = f" of {unit}" if unit else ""
    if maximum is not None:
        expected = f"a whole number{of} from {minimum} to {maximum}"
    elif minimum == 1:
        expected = f"a positive whole number{of}"
    else:
        expected = f"a whole number{of}, {minimum} or more"
    if none_means is not None:
        expected += f", or None {none_means}"
    raise refuse(key, expected, value, argument=argument)


def number_of_seconds(
    key: str,
    value: object,
    *,
    positive: bool = False,
    maximum: float | None = None,
    argument: str | None = None,
) -> float:
    """A finite ``int`` or ``float`` (never a ``bool``), 0 or more (more than 0
    when ``positive``), at most ``maximum``; returned as a ``float``."""
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (value > 0 if positive else value >= 0)
        and (maximum is None or value <= maximum)
    ):
        return float(value)
    expected = "a positive number of seconds" if positive else "a number of seconds, 0 or more"
    if maximum is not None:
        expected += f", at most {maximum:g}"
    raise refuse(key, expected, value, argument=argument)


def count_and_window(key: str, value: object) -> tuple[int, int] | None:
    """A ``(count, seconds)`` pair of positive whole numbers, or ``None`` (off)."""
    if value is None:
        return None
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(_is_whole(part) and part >= 1 for part in value)
    ):
        return int(value[0]), int(value[1])
    raise refuse(
        key, "a (count, seconds) pair of positive whole numbers, or None to disable it", value
    )


def boolean(key: str, value: object) -> bool:
    """``True`` or ``False`` (not 0, 1 or a string)."""
    if isinstance(value, bool):
        return value
    raise refuse(key, "True or False", value)


def text(key: str, value: object, *, expected: str = "a non-empty string") -> str:
    """A non-empty ``str`` (blank is empty)."""
    if isinstance(value, str) and value.strip():
        return value
    raise refuse(key, expected, value)
