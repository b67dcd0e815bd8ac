"""What both wire faces of the sandbox (Ding v1, Prelude v2) do around each
call: answer 404 while the sandbox is disabled, check the method and the
credentials, turn engine errors into the face's error bodies, and make the
slow magic number answer late. Each face brings its own credential check and
error body."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from django_ding.sandbox.access import sandbox_enabled
from django_ding.sandbox.errors import SandboxProviderError
from django_ding.sandbox.provider import slow_seconds_for

__all__ = ["Handler", "Operation", "error_response", "wire_endpoint"]

#: The engine call that makes a response body.
Operation = Callable[[], dict[str, Any]]
#: Reads the request; returns ``(phone_number, operation)``: the number the
#: call is about (or ``None``, for the slow magic number) and the engine call.
Handler = Callable[..., tuple[object, Operation]]


def error_response(err: SandboxProviderError) -> JsonResponse:
    return JsonResponse(err.body, status=err.status_code)


def wire_endpoint(
    method: str,
    *,
    authenticate: Callable[[HttpRequest], None],
    method_not_allowed: Callable[[str], SandboxProviderError],
    wait: Callable[[float], None],
) -> Callable[[Handler], Callable[..., HttpResponse]]:
    """Wrap a :data:`Handler` into a CSRF-exempt, never-cached view.

    ``authenticate`` raises a :class:`SandboxProviderError` for missing or
    wrong credentials; ``method_not_allowed(method)`` builds the 405 error;
    ``wait`` sleeps once the work is done (the faces pass their module's
    replaceable ``sleep``)."""

    def decorate(handler: Handler) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @never_cache
        @wraps(handler)
        def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            if not sandbox_enabled():
                raise Http404
            response: HttpResponse
            if request.method != method:
                response = error_response(method_not_allowed(method))
                response["Allow"] = method
                return response
            delay: float | None = None
            try:
                authenticate(request)
                phone_number, operation = handler(request, **kwargs)
                delay = slow_seconds_for(phone_number)
                response = JsonResponse(operation())
            except SandboxProviderError as err:
                response = error_response(err)
            if delay is not None:  # the work is done; the answer is late
                wait(delay)
            return response

        return view

    return decorate
