"""Generic conversion between provider JSON and the result dataclasses.

Each result class declares its fields once, with type hints; :class:`WireResult`
reads those hints to convert from the wire (``from_wire``) and back
(``to_wire``), for the Ding v1 and the Prelude v2 results alike:

* ``str``, ``int``, ``bool``, ``float``: the value when it has that JSON type,
  else ``None`` (``True`` is not an ``int``; an ``int`` outside
  :data:`WIRE_INT_RANGE`, which no counter of the providers reaches but which
  no database column holds either, is ``None``; an integer too large for a
  float is ``None``);
* ``datetime``: an RFC 3339 string read by :func:`parse_wire_datetime`, else
  ``None``;
* a ``StrEnum`` (with ``| str``): the member when known, the plain string
  otherwise (see :func:`~django_ding.backends.enums.parse_enum`);
* another ``WireResult``: its own ``from_wire`` on a JSON object, else ``None``;
* ``tuple[X, ...]``: the items of a JSON array converted as ``X``, those that
  do not convert dropped, ``()`` when absent;
* a required ``str`` field (no default): ``""`` when missing.

A field whose metadata says ``{"wire": False}`` is local: never read from nor
written to the wire. A field with ``{"wire": "raw"}`` receives the whole JSON
object (events of unknown types keep everything that way).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, ClassVar, Final, Self

from django.utils.dateparse import parse_datetime

from django_ding.backends.enums import parse_enum

__all__ = ["WIRE_INT_RANGE", "WireResult", "format_wire_datetime", "parse_wire_datetime"]

#: The ``int`` values read from the wire: a signed 32-bit integer, what every
#: database's ``IntegerField`` holds (``remaining_retry`` is stored as is).
WIRE_INT_RANGE: Final = range(-(2**31), 2**31)

_Converter = Callable[[object], Any]
# (attribute name, converter, default-when-None); "raw" fields get the object.
_Plan = tuple[tuple[str, _Converter | None, Any], ...]
_MISSING: Any = object()


def parse_wire_datetime(value: object) -> dt.datetime | None:
    """Parse an RFC 3339 timestamp (``Z`` or offset, any fraction length).

    The result is always in UTC. Returns ``None`` for a missing or unreadable
    value, or one that has no UTC equivalent (``9999-12-31T23:59-05:00``),
    rather than failing: a timestamp we cannot read is not worth losing the
    whole response over.
    """
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except (ValueError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError:
        return None


def format_wire_datetime(value: dt.datetime) -> str:
    """Format an aware datetime the way the providers do (UTC, ``Z`` suffix)."""
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


class WireResult:
    """Base of every result dataclass: generic ``from_wire`` and ``to_wire``."""

    _wire_plans: ClassVar[dict[type, _Plan]] = {}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Self:
        """Build the result from a decoded JSON object, tolerating any shape."""
        kwargs: dict[str, Any] = {}
        for name, convert, default in _plan(cls):
            if convert is None:  # a "raw" field
                kwargs[name] = data
                continue
            value = convert(data.get(name))
            if value is None:
                if default is _MISSING:
                    continue  # the dataclass default applies
                value = default
            kwargs[name] = value
        return cls(**kwargs)

    def to_wire(self) -> dict[str, Any]:
        """The JSON object this result came from (``None`` values dropped)."""
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            if field.metadata.get("wire", True) is not True:
                continue
            value = getattr(self, field.name)
            if value is None:
                continue
            out[field.name] = _to_wire_value(value)
        return out


def _to_wire_value(value: Any) -> Any:
    if isinstance(value, WireResult):
        return value.to_wire()
    if isinstance(value, dt.datetime):
        return format_wire_datetime(value)
    if isinstance(value, tuple):
        return [_to_wire_value(item) for item in value]
    if isinstance(value, StrEnum):
        return value.value
    return value


def _plan(cls: type) -> _Plan:
    plan = WireResult._wire_plans.get(cls)
    if plan is None:
        hints = typing.get_type_hints(cls)
        steps: list[tuple[str, _Converter | None, Any]] = []
        for field in dataclasses.fields(cls):
            wire = field.metadata.get("wire", True)
            if wire is False:
                continue
            if wire == "raw":
                steps.append((field.name, None, _MISSING))
                continue
            convert = _converter(hints[field.name])
            required = (
                field.default is dataclasses.MISSING
                and field.default_factory is dataclasses.MISSING
            )
            steps.append((field.name, convert, "" if required else _MISSING))
        plan = WireResult._wire_plans[cls] = tuple(steps)
    return plan


def _converter(hint: Any) -> _Converter:
    """The function turning a JSON value into a value of type ``hint``."""
    origin = typing.get_origin(hint)
    if origin is tuple:
        item = _converter(typing.get_args(hint)[0])
        return lambda value: (
            tuple(v for v in map(item, value) if v is not None) if isinstance(value, list) else None
        )
    kinds = (
        [a for a in typing.get_args(hint) if a is not type(None)]
        if origin in (typing.Union, types.UnionType)
        else [hint]
    )
    for kind in kinds:
        if isinstance(kind, type) and issubclass(kind, StrEnum):
            enum = kind
            return lambda value: parse_enum(enum, value)
    others = [k for k in kinds if k is not str]
    if len(others) > 1:
        raise TypeError(f"no wire conversion for {hint!r}")
    kind = others[0] if others else str
    if isinstance(kind, type) and issubclass(kind, WireResult):
        nested = kind
        return lambda value: nested.from_wire(value) if isinstance(value, Mapping) else None
    simple = _SIMPLE.get(kind)
    if simple is None:
        raise TypeError(f"no wire conversion for {hint!r}")
    return simple


def _typed(kind: type) -> _Converter:
    if kind is bool:
        return lambda value: value if isinstance(value, bool) else None
    if kind is int:
        return lambda value: (
            value
            if isinstance(value, int) and not isinstance(value, bool) and value in WIRE_INT_RANGE
            else None
        )
    return lambda value: value if isinstance(value, kind) and not isinstance(value, bool) else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:  # an integer too large for a float
        return None


_SIMPLE: dict[Any, _Converter] = {
    str: _typed(str),
    int: _typed(int),
    bool: _typed(bool),
    float: _number,
    dt.datetime: parse_wire_datetime,
}
