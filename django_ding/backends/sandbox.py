"""Deprecated module: the sandbox backend lives in the sandbox app now.

``SandboxBackend`` moved to :mod:`django_ding.sandbox.backend`. This module
only resolves the old dotted path, ``django_ding.backends.sandbox.SandboxBackend``
(in ``DING["BACKEND"]`` or an import), with a :class:`DeprecationWarning`;
the system check ``django_ding.W003`` names the new path. It will be removed
in a future release.

The core package never imports the sandbox: the class is looked up by its
dotted path, at attribute access.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

__all__: list[str] = []

#: Old dotted path -> new dotted path of every name this module used to hold.
MOVED: Final[Mapping[str, str]] = MappingProxyType(
    {"django_ding.backends.sandbox.SandboxBackend": "django_ding.sandbox.backend.SandboxBackend"}
)


def __getattr__(name: str) -> Any:
    new_path = MOVED.get(f"{__name__}.{name}")
    if new_path is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(
        f"{__name__}.{name} is deprecated: use {new_path} (DING['BACKEND'] = {new_path!r}).",
        DeprecationWarning,
        stacklevel=2,
    )
    module_path, _, attribute = new_path.rpartition(".")
    return getattr(importlib.import_module(module_path), attribute)
