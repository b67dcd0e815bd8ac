"""The sandbox inbox: the messages the sandbox "sent", newest first.

``/ding-sandbox/`` shows them and refreshes itself; ``?format=json`` answers
JSON for scripts, and ``?phone_number=+33612345678`` keeps one number's
messages. Phone numbers are masked; the codes are shown (that is the point).
404 unless the sandbox is enabled; with DEBUG off only active staff users may
read it (:mod:`django_ding.sandbox.access`).

Messages of both wire faces are listed, each with the id its client holds:
``authentication_uuid`` (v1) and ``verification_id`` (the v2 ``vrf_`` id,
``null`` for v1).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from django_ding.backends.results import format_wire_datetime
from django_ding.conf import default_region
from django_ding.phone_numbers import possible_e164
from django_ding.sandbox import outbox
from django_ding.sandbox.access import inbox_allowed, sandbox_enabled
from django_ding.sandbox.models import SandboxMessage
from django_ding.sandbox.options import outbox_size

__all__ = ["REFRESH_SECONDS", "inbox", "message_json"]

#: How often the page asks for new messages.
REFRESH_SECONDS = 3

# The longest query worth parsing as a national number.
_MAX_QUERY_LENGTH = 64


@never_cache
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    if not sandbox_enabled():
        raise Http404
    if not inbox_allowed(request):
        raise PermissionDenied
    phone_number = normalize_phone_query(request.GET.get("phone_number"))
    messages = outbox.messages(phone_number, limit=outbox_size())
    if request.GET.get("format") == "json":
        return JsonResponse({"messages": [message_json(m) for m in messages]})
    return render(
        request,
        "django_ding/sandbox/inbox.html",
        {"messages": messages, "refresh_seconds": REFRESH_SECONDS, "phone_number": phone_number},
    )


def message_json(message: SandboxMessage) -> dict[str, Any]:
    """One message as the JSON inbox shows it (masked number, code in clear)."""
    return {
        "id": message.pk,
        "phone_number": message.masked_phone_number,
        "text": message.text,
        "code": message.code,
        "sender_id": message.sender_id,
        "authentication_uuid": str(message.authentication_uuid),
        "verification_id": message.verification_id or None,
        "attempt_number": message.attempt_number,
        "created_at": format_wire_datetime(message.created_at),
    }


def normalize_phone_query(value: str | None) -> str | None:
    """A phone number from a query string, where an unencoded ``+`` arrives
    as a space. A number without a ``+country`` prefix is read in
    ``DING["DEFAULT_REGION"]`` when it is set (``?phone_number=0612345678``)."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.startswith("+") or value[0].isspace():
        return text if text.startswith("+") else "+" + text
    if default_region() is not None and len(text) <= _MAX_QUERY_LENGTH:
        number = possible_e164(text)
        if number is not None:
            return number
    return "+" + text
