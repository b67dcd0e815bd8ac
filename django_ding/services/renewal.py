"""Asking for a new code: :func:`renew` and :func:`restart_reason`.

A user who asks for a new code for the number being verified gets one of two
things. While the verification is open, a resend within it
(:func:`~django_ding.services.sending.retry`: same attempt count, the
provider's own pacing). Once it is over (expired, never sent, no resends
left, locked by its own wrong codes), a new verification for the same number
and the same user (:func:`~django_ding.services.sending.send_code`), so the
user is never sent round in a loop of "this code has expired, request a new
code". Every send limit still applies to that new verification: a number
locked by wrong codes (``phone_locked``), the cooldown and the per-number
caps refuse it as they would refuse the send form.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from django_ding.exceptions import VerificationRefused
from django_ding.models import Authentication
from django_ding.reasons import Reason
from django_ding.services import sending
from django_ding.services.records import reload

if TYPE_CHECKING:
    from django.http import HttpRequest

__all__ = ["RESTART_REASONS", "Renewal", "RestartRefused", "renew", "restart_reason"]

#: Why a verification is over for good, so that a new code needs a new one.
RESTART_REASONS = frozenset(
    {Reason.EXPIRED, Reason.NOT_SENT, Reason.NO_RETRIES_LEFT, Reason.LOCKED}
)
_STATUS_REASONS: dict[str, Reason] = {
    Authentication.Status.EXPIRED: Reason.EXPIRED,
    Authentication.Status.LOCKED: Reason.LOCKED,
    Authentication.Status.FAILED: Reason.NOT_SENT,
    Authentication.Status.SENDING: Reason.NOT_SENT,
}


@dataclasses.dataclass(frozen=True)
class Renewal:
    """What :func:`renew` did: the verification that now holds the new code,
    and whether it is a new one (``restarted``: remember it in the session)."""

    authentication: Authentication
    restarted: bool


class RestartRefused(VerificationRefused):
    """The new verification for the same number was refused by a send limit
    (or the provider). Raised by :func:`renew`; shown to users like a refused
    send (:func:`django_ding.user_messages.send_refusal_message`), since it
    says something about the number rather than about this verification."""


def restart_reason(authentication: Authentication, now: Any = None) -> Reason | None:
    """Why a new code for ``authentication`` needs a new verification
    (one of :data:`RESTART_REASONS`), or ``None``: a resend within it is the
    way forward (or nothing is: verified, or refused by the provider)."""
    status = authentication.status
    if status in _STATUS_REASONS:
        return _STATUS_REASONS[status]
    if status not in Authentication.CHECKABLE:
        return None  # verified, blocked, merged: a new code changes nothing
    if not authentication.provider_id:
        return Reason.NOT_SENT
    if authentication.is_expired(now or timezone.now()):
        return Reason.EXPIRED
    if authentication.remaining_retry is not None and authentication.remaining_retry <= 0:
        return Reason.NO_RETRIES_LEFT
    return None


def renew(authentication: Authentication, *, request: HttpRequest | None = None) -> Renewal:
    """Send a new code to the number of ``authentication``.

    Resends within it while it is open; starts a new verification for the
    same number and user when it is over (:func:`restart_reason`), or when
    the provider answers the resend with "expired", "not sent" or "no
    resends left". Raises :class:`VerificationRefused` when the resend is
    refused (``retry_not_yet``, ``already_verified``...), :class:`RestartRefused`
    when the new verification is, and the backend's ``DingError`` when the
    provider (or the database: ``DingStorageError``) fails.
    """
    authentication = reload(authentication)
    if restart_reason(authentication) is None:
        try:
            return Renewal(sending.retry(authentication, request=request), restarted=False)
        except VerificationRefused as refused:
            if refused.reason not in RESTART_REASONS:
                raise
    return _restart(authentication, request)


def _restart(authentication: Authentication, request: HttpRequest | None) -> Renewal:
    try:
        new = sending.send_code(
            authentication.phone_number, request=request, user=authentication.user
        )
    except VerificationRefused as refused:
        raise RestartRefused(
            refused.reason,
            retry_after=refused.retry_after,
            authentication=refused.authentication,
        ) from refused
    return Renewal(new, restarted=new.pk != authentication.pk)
