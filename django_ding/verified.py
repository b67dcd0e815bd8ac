"""Helpers for host projects: who has a verified phone number?

::

    from django_ding.verified import (
        PhoneVerificationRequiredMixin,
        get_verified_phone_number,
        phone_verification_required,
    )

    @phone_verification_required
    def checkout(request):
        phone = get_verified_phone_number(request)  # "+33612345678"
        ...

Without a verified number the decorator and the mixin redirect to
``ding:send?next=<the current path>``, and the verification flow brings the
user back once the code is checked.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse

from django_ding.models import Authentication
from django_ding.session import e164, forget_verified, session_verified_phone_number

__all__ = [
    "PhoneVerificationRequiredMixin",
    "forget_verified_phone_number",
    "get_verified_phone_number",
    "phone_verification_required",
    "verification_url",
]

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])


def get_verified_phone_number(request: HttpRequest) -> str | None:
    """Return the verified phone number (E.164) of this session or user.

    The number verified in the current session comes first (read from its
    verified ``Authentication`` row: the session keeps only the row's id);
    otherwise the most recently verified number of the signed-in user.
    ``None`` when there is neither.
    """
    number = session_verified_phone_number(request)
    if number:
        return number
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    latest = (
        Authentication.objects.filter(user_id=user.pk, status=Authentication.Status.VERIFIED)
        .order_by("-verified_at", "-pk")
        .only("phone_number")
        .first()
    )
    return e164(latest.phone_number) if latest is not None else None


def forget_verified_phone_number(request: HttpRequest) -> None:
    """Drop the number verified in this session (a user's history is kept)."""
    forget_verified(request)


def verification_url(request: HttpRequest, next_url: str | None = None) -> str:
    """The URL of ``ding:send`` that comes back to ``next_url`` (default: here)."""
    target = next_url if next_url is not None else request.get_full_path()
    return f"{reverse('ding:send')}?{urlencode({'next': target})}"


def phone_verification_required(view_func: ViewFunc) -> ViewFunc:
    """Decorate a view so it needs a verified phone number.

    Requests without one are redirected to the verification flow, which
    returns to the decorated view afterwards.
    """

    @functools.wraps(view_func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if get_verified_phone_number(request) is None:
            return HttpResponseRedirect(verification_url(request))
        return view_func(request, *args, **kwargs)

    return cast(ViewFunc, wrapper)


class PhoneVerificationRequiredMixin:
    """Class-based views counterpart of :func:`phone_verification_required`.

    Put it first among the bases::

        class CheckoutView(PhoneVerificationRequiredMixin, TemplateView): ...

    ``self.verified_phone_number`` holds the number inside the view.
    """

    verified_phone_number: str | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        number = get_verified_phone_number(request)
        if number is None:
            return self.handle_no_verified_phone(request)
        self.verified_phone_number = number
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc,no-any-return]

    def handle_no_verified_phone(self, request: HttpRequest) -> HttpResponseBase:
        return HttpResponseRedirect(verification_url(request))
