"""Sending codes: :func:`send_code`, :func:`retry` and :func:`retry_available_in`.

Every provider call follows the same order: the limits are checked and the
row is recorded (status ``sending``, or an in-flight retry record) in one
short transaction holding the limit locks; the provider is called outside any
transaction; the row is then finalised with a conditional UPDATE.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from django_ding import limits, provider_ids, signals
from django_ding.backends import get_backend
from django_ding.backends.arguments import create_fields_argument
from django_ding.backends.base import BaseBackend
from django_ding.backends.enums import REQUEST_DEVICE_TYPES, AuthenticationStatus, RetryStatus
from django_ding.backends.results import SIGNAL_FIELDS, CreateAuthenticationResponse
from django_ding.exceptions import DingError, DingInvalidResponseError, VerificationRefused
from django_ding.models import Authentication, RetryRecord
from django_ding.reasons import Reason
from django_ding.request_info import client_ip, request_locale
from django_ding.services.records import (
    INTERRUPTED,
    backend_path,
    change_status,
    emit,
    error_code_for,
    fail_if_interrupted,
    logger,
    normalize_phone_number,
    reload,
    resolve_user,
    sanitize,
    sent_id,
    state_refusal,
)

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.http import HttpRequest
    from phonenumber_field.phonenumber import PhoneNumber

__all__ = ["fail_stale_sends", "retry", "retry_available_in", "send_code"]

#: Device signals kept in ``Authentication.signals`` (the ip has its own column).
_SIGNAL_FIELDS = tuple(name for name in SIGNAL_FIELDS if name != "ip")
# Longest value accepted for each string field (the stored ones match the
# model's columns).
_MAX_LENGTH = {"callback_url": 2000, "locale": 35}
_DEFAULT_MAX_LENGTH = 200


#: ``error_code`` of a send the provider answered with an unknown status.
UNKNOWN_STATUS = "unknown_status"


@sensitive_variables("fields", "cleaned", "value", "ip")
def _clean_fields(fields: dict[str, Any], request: HttpRequest | None) -> dict[str, Any]:
    """Validate the create fields; add ``ip`` and ``locale`` from ``request``.

    Runs every check the backends run (URL scheme, BCP-47 locale, device
    type...) plus the lengths the history columns need, before anything is
    recorded: a bad field leaves no ``failed`` row and starts no cooldown.
    """
    BaseBackend.validate_fields(fields)  # TypeError naming unknown fields
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            continue
        if name == "is_returning_user":
            if not isinstance(value, bool):
                raise ValueError("is_returning_user must be True or False.")
        elif not isinstance(value, str):
            raise ValueError(f"{name} must be a string, not {type(value).__name__}.")
        elif name == "ip":
            try:
                value = str(ipaddress.ip_address(value.strip()))
            except ValueError as err:
                raise ValueError("ip must be an IPv4 or IPv6 address.") from err
        elif name == "device_type":
            if value.upper() not in REQUEST_DEVICE_TYPES:
                raise ValueError("device_type must be one of IOS, ANDROID, WEB.")
            value = value.upper()
        elif len(value) > _MAX_LENGTH.get(name, _DEFAULT_MAX_LENGTH) or "\x00" in value:
            raise ValueError(f"{name} is too long or holds a NUL character.")
        cleaned[name] = value
    try:
        create_fields_argument(cleaned)  # the backends' own checks
    except TypeError as err:  # pragma: no cover - the types were checked above
        raise ValueError(str(err)) from err
    if "ip" not in cleaned:
        ip = client_ip(request)
        if ip:
            cleaned["ip"] = ip
    if "locale" not in cleaned and request is not None:
        locale = request_locale(request)
        if locale and _valid_field("locale", locale[: _MAX_LENGTH["locale"]]):
            cleaned["locale"] = locale[: _MAX_LENGTH["locale"]]
    return cleaned


def _valid_field(name: str, value: str) -> bool:
    try:
        create_fields_argument({name: value})
    except (TypeError, ValueError):
        return False
    return True


def fail_stale_sends(phone_number: str | None = None) -> int:
    """Mark rows left in ``sending`` longer than any provider call can take as
    ``failed`` (``error_code="interrupted"``). Returns how many. ``send_code``
    does this for its phone number; a periodic job may call it for all."""
    now = timezone.now()
    stale = Authentication.objects.filter(
        status=Authentication.Status.SENDING, created_at__lt=now - limits.stale_sending_age()
    )
    if phone_number is not None:
        stale = stale.filter(phone_number=phone_number)
    return sum(
        fail_if_interrupted(authentication, now)
        for authentication in stale.only("pk", "status", "created_at")
    )


@sensitive_variables("phone_number", "phone", "fields", "provider_fields", "ip")
def send_code(
    phone_number: str | PhoneNumber,
    *,
    request: HttpRequest | None = None,
    user: AbstractBaseUser | None = None,
    **fields: Any,
) -> Authentication:
    """Send a verification code to ``phone_number`` and return its history row.

    Raises ``ValueError`` for an invalid number or field value, ``TypeError``
    for an unknown field, :class:`VerificationRefused` when a limit (or the
    provider) refuses, and the backend's :class:`DingError` when the provider
    fails (the row is then ``failed`` with ``error_code``).
    """
    phone = normalize_phone_number(phone_number).as_e164
    provider_fields = _clean_fields(fields, request)
    owner = resolve_user(user, request)
    backend = get_backend()
    ip = provider_fields.get("ip")
    with transaction.atomic():
        limits.lock(*limits.send_lock_keys(phone, ip))
        fail_stale_sends(phone)
        now = timezone.now()
        refusal = limits.send_refusal(phone, ip=ip, now=now)
        if refusal is None:
            authentication = Authentication.objects.create(
                phone_number=phone,
                user=owner,
                status=Authentication.Status.SENDING,
                backend=backend_path(backend),
                created_at=now,
                ip=ip,
                locale=provider_fields.get("locale", ""),
                template_id=provider_fields.get("template_id", ""),
                correlation_id=provider_fields.get("correlation_id", ""),
                signals={k: provider_fields[k] for k in _SIGNAL_FIELDS if k in provider_fields},
            )
    if refusal is not None:
        logger.info(
            "django-ding: send to %s refused: %s (retry after %ss)",
            Authentication(phone_number=phone).masked_phone_number,
            refusal.reason,
            refusal.retry_after,
        )
        raise VerificationRefused(refusal.reason, retry_after=refusal.retry_after)
    logger.info(
        "django-ding: sending a code to %s (authentication %s)",
        authentication.masked_phone_number,
        authentication.pk,
    )
    try:
        response = backend.create_authentication(phone, **provider_fields)
    except Exception as err:
        _fail_send(authentication, err)
        raise
    return _finish_send(authentication, response, request)


def _fail_send(authentication: Authentication, err: Exception, code: str | None = None) -> None:
    code = code or error_code_for(err)
    log = logger.warning if isinstance(err, DingError) else logger.error
    log(
        "django-ding: sending to %s failed (authentication %s): %s",
        authentication.masked_phone_number,
        authentication.pk,
        code,
    )
    try:
        with transaction.atomic():
            change_status(
                authentication,
                Authentication.Status.SENDING,
                Authentication.Status.FAILED,
                error_code=code,
            )
    except DatabaseError:  # pragma: no cover - the database is gone too
        logger.exception("django-ding: could not record the failed send %s", authentication.pk)


def _finish_send(
    authentication: Authentication,
    response: CreateAuthenticationResponse,
    request: HttpRequest | None,
) -> Authentication:
    now = timezone.now()
    try:
        provider_id = provider_ids.canonical(response.provider_id)
    except ValueError:
        err = DingInvalidResponseError(
            "The provider's answer has no valid id (1 to 64 visible ASCII characters).",
            status_code=200,
        )
        _fail_send(authentication, err)
        raise err from None
    status = response.status
    if status == AuthenticationStatus.RATE_LIMITED:
        new = Authentication.Status.RATE_LIMITED
    elif status == AuthenticationStatus.SPAM_DETECTED:
        new = Authentication.Status.SPAM_DETECTED
    elif status == AuthenticationStatus.PENDING:
        new = Authentication.Status.PENDING
    else:
        # Only "pending" means a code was sent: anything else is not a success.
        err = DingInvalidResponseError(
            "The provider answered with an unknown authentication status "
            f"({sanitize(status, 32) or 'none'}).",
            status_code=200,
        )
        _fail_send(authentication, err, UNKNOWN_STATUS)
        raise err
    expires_at = response.expires_at or now + limits.authentication_ttl()
    fields: dict[str, Any] = {
        "provider_id": provider_id,
        "expires_at": expires_at,
        "error_code": "",
    }
    try:
        with transaction.atomic():
            changed = change_status(
                authentication, Authentication.Status.SENDING, new, now=now, **fields
            ) or change_status(
                # Marked interrupted meanwhile, but the provider did answer.
                authentication,
                Authentication.Status.FAILED,
                new,
                now=now,
                where=Q(error_code=INTERRUPTED),
                **fields,
            )
    except IntegrityError:
        err = DingInvalidResponseError(
            "The provider answered with an id already recorded for another authentication.",
            status_code=200,
        )
        _fail_send(authentication, err)
        raise err from None
    if not changed:
        logger.warning(
            "django-ding: authentication %s changed during the send; left as %s",
            authentication.pk,
            authentication.status,
        )
    if new != Authentication.Status.PENDING:
        logger.warning(
            "django-ding: the provider refused to send to %s: %s",
            authentication.masked_phone_number,
            new,
        )
        raise VerificationRefused(Reason.PROVIDER_REFUSED, authentication=authentication)
    if changed:
        emit(
            signals.code_sent,
            sender=Authentication,
            authentication=authentication,
            request=request,
        )
    return authentication


def retry(authentication: Authentication, *, request: HttpRequest | None = None) -> Authentication:
    """Ask the provider to send the code of ``authentication`` again.

    Raises :class:`VerificationRefused` when a local limit refuses (reason
    ``retry_not_yet``, ``no_retries_left``, ``expired``, ``already_verified``,
    ``locked``, ``not_sent``, or a send limit) or the provider does not
    approve, and the backend's :class:`DingError` when the provider fails.
    """
    authentication = reload(authentication)
    phone = authentication.phone_number.as_e164
    backend = get_backend()
    with transaction.atomic():
        limits.lock(*limits.send_lock_keys(phone, None))
        authentication.refresh_from_db()
        now = timezone.now()
        refusal = state_refusal(authentication, now) or limits.retry_refusal(authentication, now)
        record = RetryRecord.objects.create(
            authentication=authentication,
            created_at=now,
            provider_called=refusal is None,
            reason=refusal.reason if refusal else "",
        )
    if refusal is not None:
        logger.info(
            "django-ding: retry of authentication %s refused: %s",
            authentication.pk,
            refusal.reason,
        )
        raise VerificationRefused(
            refusal.reason, retry_after=refusal.retry_after, authentication=authentication
        )
    logger.info(
        "django-ding: resending to %s (authentication %s)",
        authentication.masked_phone_number,
        authentication.pk,
    )
    try:
        response = backend.retry(sent_id(authentication), phone_number=phone)
    except Exception as err:
        code = error_code_for(err)
        logger.warning(
            "django-ding: retry of authentication %s failed: %s", authentication.pk, code
        )
        RetryRecord.objects.filter(pk=record.pk).update(
            error_code=code, reason=Reason.PROVIDER_ERROR
        )
        raise
    return _finish_retry(authentication, record, response, request)


def _finish_retry(
    authentication: Authentication, record: RetryRecord, response: Any, request: HttpRequest | None
) -> Authentication:
    now = timezone.now()
    status = response.status
    remaining = response.remaining_retry
    remaining = remaining if isinstance(remaining, int) and remaining >= 0 else None
    updates: dict[str, Any] = {}
    if remaining is not None:
        updates["remaining_retry"] = remaining
    if response.next_retry_at is not None:
        updates["next_retry_at"] = response.next_retry_at
    if updates:
        Authentication.objects.filter(pk=authentication.pk).update(updated_at=now, **updates)
        authentication.refresh_from_db()
    reason: Reason | None = None
    if status == RetryStatus.APPROVED:
        pass
    elif status == RetryStatus.EXPIRED_AUTH:
        change_status(
            authentication, Authentication.Status.PENDING, Authentication.Status.EXPIRED, now=now
        )
        reason = Reason.EXPIRED
    elif status == RetryStatus.NO_ATTEMPT:
        reason = Reason.NOT_SENT
    else:  # denied, rate_limited, already_validated (never a success), unknown
        reason = Reason.PROVIDER_REFUSED
    RetryRecord.objects.filter(pk=record.pk).update(
        provider_status=sanitize(status, 32),
        reason=reason or "",
        remaining_retry=remaining,
        next_retry_at=response.next_retry_at,
    )
    if reason is not None:
        logger.info(
            "django-ding: the provider refused the retry of authentication %s: %s",
            authentication.pk,
            sanitize(status, 32),
        )
        next_at = authentication.next_retry_at
        raise VerificationRefused(
            reason,
            retry_after=limits.seconds_until(next_at, now) if next_at and next_at > now else None,
            authentication=authentication,
        )
    emit(
        signals.retry_requested,
        sender=Authentication,
        authentication=authentication,
        request=request,
    )
    return authentication


def retry_available_in(authentication: Authentication) -> int:
    """Seconds until :func:`retry` is allowed by time (0: now), for countdowns.

    Takes the provider's ``next_retry_at`` and the local send limits of the
    phone number into account. It does not say whether a retry is possible
    at all (no retries left, expired...): :func:`retry` refuses those.
    """
    if not isinstance(authentication, Authentication):
        raise TypeError(f"Expected an Authentication, not {type(authentication).__name__}.")
    refusal = limits.retry_refusal(authentication, timezone.now())
    return refusal.retry_after or 0 if refusal else 0
