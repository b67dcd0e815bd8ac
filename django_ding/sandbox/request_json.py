"""The JSON object body of a wire request, read the same way by both faces.

Anything but a JSON object of reasonable size and depth is a
:class:`BadBody` (each face turns it into its own 400 error), never an
exception that would make a 500: malformed or non-UTF-8 JSON, a body over
Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (or ``max_bytes``), nesting deeper
than :data:`MAX_DEPTH`, a JSON value that is not an object. The nesting is
measured before decoding (:mod:`django_ding.bounded_json`), so a ``[[[[...``
body never makes the decoder recurse, whatever the recursion limit.
"""

from __future__ import annotations

from typing import Any, Final

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

from django_ding import bounded_json

__all__ = ["MAX_DEPTH", "BadBody", "json_object"]

#: Deepest nesting of arrays and objects accepted (the wire needs 4).
MAX_DEPTH: Final = 32


class BadBody(ValueError):
    """The body is not a JSON object the sandbox reads; the message says why."""


def json_object(request: HttpRequest, *, max_bytes: int | None = None) -> dict[str, Any]:
    """The request's body as a dict, or :class:`BadBody`."""
    try:
        raw = request.body
    except RequestDataTooBig:
        raise BadBody("The request body is too large.") from None
    if max_bytes is not None and len(raw) > max_bytes:
        raise BadBody("The request body is too large.")
    try:
        text = raw.decode("utf-8")
        data = bounded_json.loads(text, max_depth=MAX_DEPTH) if text.strip() else None
    except bounded_json.JSONTooDeep:
        raise BadBody("The request body is nested too deeply.") from None
    except ValueError:  # UnicodeDecodeError is a ValueError
        raise BadBody("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise BadBody("The request body must be a JSON object.")
    return data
