"""The sandbox's second HTTP face: the Prelude Verify v2 wire API.

Mounted at ``ding-sandbox/``, its base URL for the official SDK is
``http://<host>/ding-sandbox`` (the SDK adds ``/v2/...``) and for
:class:`~django_ding.backends.prelude.PreludeBackend`
``http://<host>/ding-sandbox/v2``. It answers from the same engine and state
as the v1 face (:mod:`django_ding.sandbox.provider_v2`).

Every call needs ``Authorization: Bearer <token>``; the token accepted
follows the v1 key's rule (:func:`~django_ding.sandbox.access.wire_api_key`:
``DING["API_KEY"]`` when set, else any non-empty token with DEBUG on and none
with DEBUG off). Errors are v2 bodies ``{code, message, param?}``; no input
makes a 500 except the outage magic number. The views answer 404 unless the
sandbox is enabled (:func:`~django_ding.sandbox.access.sandbox_enabled`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from django_ding.sandbox import provider_v2
from django_ding.sandbox.access import sandbox_enabled, wire_api_key
from django_ding.sandbox.errors import v2_error
from django_ding.sandbox.request_json import BadBody, json_object
from django_ding.sandbox.wire_views import Handler, Operation, error_response, wire_endpoint

__all__ = [
    "MAX_BODY_BYTES",
    "check",
    "create",
    "history",
    "history_list",
    "lookup",
    "not_found",
    "watch_feedback",
]

#: Largest request body read (bytes); a feedback batch of 100 fits easily.
MAX_BODY_BYTES: Final = 64 * 1024

#: Replaced in tests that must not wait.
sleep: Callable[[float], None] = time.sleep


def _endpoint(method: str) -> Callable[[Handler], Callable[..., HttpResponse]]:
    """A view of this face (see :func:`~django_ding.sandbox.wire_views.wire_endpoint`)."""
    return wire_endpoint(
        method,
        authenticate=_authenticate,
        method_not_allowed=lambda m: v2_error("method_not_allowed", f"Use {m}.", status_code=405),
        wait=lambda seconds: sleep(seconds),  # looked up per call: tests replace it
    )


def _authenticate(request: HttpRequest) -> None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise v2_error("invalid_api_key", "Missing bearer token.", status_code=401)
    expected = wire_api_key()
    if expected is not None and not (expected and constant_time_compare(token, expected)):
        raise v2_error("invalid_api_key", "Invalid API key.", status_code=401)


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        return json_object(request, max_bytes=MAX_BODY_BYTES)
    except BadBody as err:
        raise v2_error("invalid_request", str(err)) from None


def _target_value(body: dict[str, Any]) -> object:
    """The phone number a body is about (unchecked), for the slow number."""
    target = body.get("target")
    return target.get("value") if isinstance(target, dict) else None


@_endpoint("POST")
def create(request: HttpRequest) -> tuple[object, Operation]:
    """``POST /v2/verification``: create, or retry inside the window."""
    body = _body(request)
    return _target_value(body), lambda: provider_v2.create_verification(body)


@_endpoint("POST")
def check(request: HttpRequest) -> tuple[object, Operation]:
    """``POST /v2/verification/check``."""
    body = _body(request)
    return _target_value(body), lambda: provider_v2.check_verification(body)


@_endpoint("GET")
def history(request: HttpRequest, verification_id: str) -> tuple[object, Operation]:
    """``GET /v2/verification/phone/history/{id}``."""
    return None, lambda: provider_v2.verification_history(verification_id)


@_endpoint("GET")
def history_list(request: HttpRequest) -> tuple[object, Operation]:
    """``GET /v2/verification/phone/history``."""
    return None, lambda: provider_v2.verification_history_list(
        phone_number=request.GET.get("phone_number"), limit=request.GET.get("limit")
    )


@_endpoint("GET")
def lookup(request: HttpRequest, phone_number: str) -> tuple[object, Operation]:
    """``GET /v2/lookup/{phone_number}`` (``?type=cnam``)."""
    return phone_number, lambda: provider_v2.lookup(
        phone_number=phone_number, types=request.GET.getlist("type")
    )


@_endpoint("POST")
def watch_feedback(request: HttpRequest) -> tuple[object, Operation]:
    """``POST /v2/watch/feedback``."""
    body = _body(request)
    items = body.get("feedbacks")
    first = items[0] if isinstance(items, list) and items else None
    phone = _target_value(first) if isinstance(first, dict) else None
    return phone, lambda: provider_v2.watch_feedback(body)


@csrf_exempt
@never_cache
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under ``v2/``: a v2 404 body."""
    if not sandbox_enabled():
        raise Http404
    return error_response(v2_error("not_found", "No such endpoint.", status_code=404))
