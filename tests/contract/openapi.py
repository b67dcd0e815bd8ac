"""The Ding v1 OpenAPI contract, for tests on both sides of the wire.

``ding-v1.openapi.yaml`` beside this file is a copy of the provider's spec.
:func:`get_openapi` loads it *strictly*: every request and top-level response
object gets ``additionalProperties: false``, so a renamed or misspelt field
fails validation instead of passing as an unknown extra (the provider would
silently ignore it). Objects combined with ``allOf`` (status events) stay open,
since JSON Schema cannot close them without repeating every property.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml
from openapi_core import OpenAPI

SPEC_PATH = Path(__file__).with_name("ding-v1.openapi.yaml")
PRODUCTION_URL = "https://api.ding.live/v1"

#: Schemas closed with ``additionalProperties: false``.
STRICT_SCHEMAS = (
    "CreateAuthenticationRequest",
    "CreateCheckRequest",
    "RetryAuthenticationRequest",
    "FeedbackRequest",
    "CreateAuthenticationResponse",
    "CreateCheckResponse",
    "RetryAuthenticationResponse",
    "FeedbackResponse",
    "LookupResponse",
    "ErrorResponse",
    "AuthenticationStatusResponse",
)


@functools.cache
def spec_dict() -> dict[str, Any]:
    """The spec as published (parsed YAML)."""
    with SPEC_PATH.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


def strict_spec_dict(base_url: str = PRODUCTION_URL) -> dict[str, Any]:
    """The spec, closed (see module docs) and served from ``base_url``."""
    spec = copy.deepcopy(spec_dict())
    spec["servers"] = [{"url": base_url.rstrip("/")}]
    schemas = spec["components"]["schemas"]
    for name in STRICT_SCHEMAS:
        schemas[name]["additionalProperties"] = False
    schemas["AuthenticationStatusResponse"]["properties"]["signals"]["additionalProperties"] = False
    return spec


@functools.cache
def get_openapi(base_url: str = PRODUCTION_URL) -> OpenAPI:
    """A validator for requests to, and responses from, ``base_url``."""
    return OpenAPI.from_dict(strict_spec_dict(base_url))


def request_schema_fields(schema: str) -> set[str]:
    """The property names the spec defines for a component schema."""
    return set(spec_dict()["components"]["schemas"][schema]["properties"])
