"""The sandbox's HTTP face: the Ding v1 wire API, served by Django views.

Paths, methods, headers, bodies and status codes follow the OpenAPI spec
(``tests/contract/ding-v1.openapi.yaml``): mounted at ``ding-sandbox/``, the
server URL is ``/ding-sandbox/v1``. Every call needs an ``x-api-key`` header:
``DING["API_KEY"]`` when the site sets one, else any non-empty key with DEBUG
on and none at all with DEBUG off (see :mod:`django_ding.sandbox.access`); a
missing or wrong key is a 401 with an error body. Errors are Ding's ``ErrorResponse``
``{code, message, doc_url}``.

The views answer 404 unless the sandbox is enabled
(:func:`~django_ding.sandbox.access.sandbox_enabled`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from django_ding.backends.enums import ErrorCode
from django_ding.sandbox import provider
from django_ding.sandbox.access import sandbox_enabled, wire_api_key
from django_ding.sandbox.errors import api_error
from django_ding.sandbox.request_json import BadBody, json_object
from django_ding.sandbox.wire_views import Handler, Operation, error_response, wire_endpoint

__all__ = [
    "authentication_status",
    "check",
    "create_authentication",
    "feedback",
    "lookup",
    "not_found",
    "retry",
]

#: Replaced in tests that must not wait.
sleep: Callable[[float], None] = time.sleep


def _endpoint(method: str) -> Callable[[Handler], Callable[..., HttpResponse]]:
    """A view of this face (see :func:`~django_ding.sandbox.wire_views.wire_endpoint`)."""
    return wire_endpoint(
        method,
        authenticate=_authenticate,
        method_not_allowed=lambda m: api_error(ErrorCode.BAD_REQUEST, f"Use {m}.", status_code=405),
        wait=lambda seconds: sleep(seconds),  # looked up per call: tests replace it
    )


def _authenticate(request: HttpRequest) -> None:
    key = request.headers.get("x-api-key", "")
    if not key:
        raise api_error(ErrorCode.ACCOUNT_INVALID, "Missing x-api-key header.", status_code=401)
    expected = wire_api_key()
    if expected is not None and not (expected and constant_time_compare(key, expected)):
        raise api_error(ErrorCode.ACCOUNT_INVALID, "Invalid API key.", status_code=401)


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        return json_object(request)
    except BadBody as err:
        raise api_error(ErrorCode.BAD_REQUEST, str(err)) from None


@_endpoint("POST")
def create_authentication(request: HttpRequest) -> tuple[object, Operation]:
    """``POST /v1/authentication``."""
    body = _json_body(request)
    customer_uuid = body.pop("customer_uuid", None)
    phone_number = body.pop("phone_number", None)
    return phone_number, lambda: provider.create_authentication(
        customer_uuid=customer_uuid, phone_number=phone_number, fields=body
    )


@_endpoint("POST")
def check(request: HttpRequest) -> tuple[object, Operation]:
    """``POST /v1/check``."""
    body = _json_body(request)
    _refuse_unknown(body, {"customer_uuid", "authentication_uuid", "check_code"})
    return None, lambda: provider.check(
        customer_uuid=body.get("customer_uuid"),
        authentication_uuid=body.get("authentication_uuid"),
        check_code=body.get("check_code"),
    )


@_endpoint("POST")
def retry(request: HttpRequest) -> tuple[object, Operation]:
    """``POST /v1/retry``."""
    body = _json_body(request)
    _refuse_unknown(body, {"customer_uuid", "authentication_uuid"})
    return None, lambda: provider.retry(
        customer_uuid=body.get("customer_uuid"),
        authentication_uuid=body.get("authentication_uuid"),
    )


@_endpoint("POST")
def feedback(request: HttpRequest) -> tuple[object, Operation]:
    """``POST /v1/authentication/feedback``."""
    body = _json_body(request)
    _refuse_unknown(body, {"customer_uuid", "phone_number", "status"})
    phone_number = body.get("phone_number")
    return phone_number, lambda: provider.feedback(
        customer_uuid=body.get("customer_uuid"),
        phone_number=phone_number,
        status=body.get("status"),
    )


@_endpoint("GET")
def authentication_status(request: HttpRequest, auth_uuid: str) -> tuple[object, Operation]:
    """``GET /v1/authentication/{auth_uuid}``."""
    return None, lambda: provider.authentication_status(auth_uuid=auth_uuid)


@_endpoint("GET")
def lookup(request: HttpRequest, phone_number: str) -> tuple[object, Operation]:
    """``GET /v1/lookup/{phone_number}`` with the ``customer-uuid`` header."""
    return phone_number, lambda: provider.lookup(
        customer_uuid=request.headers.get("customer-uuid"),
        phone_number=phone_number,
        types=request.GET.getlist("type"),
    )


def _refuse_unknown(body: dict[str, Any], known: set[str]) -> None:
    unknown = sorted(set(body) - known)
    if unknown:
        raise api_error(ErrorCode.BAD_REQUEST, "Unknown field(s): " + ", ".join(unknown)[:200])


@csrf_exempt
@never_cache
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under ``v1/``: a 404 with Ding's error body, not an HTML page."""
    if not sandbox_enabled():
        raise Http404
    return error_response(api_error(ErrorCode.BAD_REQUEST, "No such endpoint.", status_code=404))
