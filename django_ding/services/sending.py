"""Sending codes: :func:`send_code`, :func:`retry` and :func:`retry_available_in`.

Every provider call follows the same order: the limits are checked and the
row is recorded (status ``sending``, or an in-flight retry record) in one
short transaction holding the limit locks; the provider is called outside any
transaction; the row is then finalised with a conditional UPDATE.

Database faults: one before the provider call rolls the transaction back and
raises :class:`~django_ding.exceptions.DingStorageError` (nothing was sent).
The writes after it record what the provider did, so they go through
:func:`~django_ding.services.records.persist` (tried again on a
``DatabaseError``); when they keep failing, ``DingStorageError`` is raised and
the row is left ``sending`` (a retry record in flight), which
:func:`fail_stale_sends` finishes as interrupted, without calling the provider
again.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from django_ding import limits, provider_ids, signals
from django_ding.backends import get_backend, load_backend_class
from django_ding.backends.arguments import create_fields_argument
from django_ding.backends.base import BaseBackend
from django_ding.backends.operations import CreateRequest, RetryRequest
from django_ding.backends.outcomes import RetryOutcome, RetryResult, SendOutcome, SendResult
from django_ding.backends.results import SIGNAL_FIELDS
from django_ding.conf import create_defaults
from django_ding.exceptions import (
    DingError,
    DingInvalidResponseError,
    DingStorageError,
    VerificationRefused,
)
from django_ding.models import Authentication, RetryRecord
from django_ding.networks import client_network
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
    may_have_reached_provider,
    normalize_phone_number,
    persist,
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

#: Device signals kept in ``Authentication.signals`` (the ip has its own
#: column); ``user_agent`` is a Prelude v2 signal.
_SIGNAL_FIELDS = (*(name for name in SIGNAL_FIELDS if name != "ip"), "user_agent")
# Longest value accepted for each string field (the stored ones match the
# model's columns); a longer User-Agent header is cut to this.
_MAX_LENGTH = {"callback_url": 2000, "locale": 35, "user_agent": 512}
_DEFAULT_MAX_LENGTH = 200


#: ``error_code`` of a send the provider answered with an unknown status.
UNKNOWN_STATUS = "unknown_status"


@sensitive_variables("fields", "cleaned", "value", "ip")
def _clean_fields(
    fields: dict[str, Any], request: HttpRequest | None, backend_class: type[BaseBackend]
) -> dict[str, Any]:
    """Normalise the create fields for the history columns; add ``ip``,
    ``locale`` and (for a backend that takes it) ``user_agent`` from
    ``request``.

    Only what the service layer knows is checked here: the types and the
    lengths the history columns need. The configured backend's own checks
    (which fields exist, URL scheme, BCP-47 locale, device type, v2
    choices...) run once, when :func:`send_code` builds the
    :class:`~django_ding.backends.operations.CreateRequest`; a field the
    backend does not define is passed through for it to refuse.
    """
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in backend_class.create_fields:
            cleaned[name] = value  # the request's build() raises TypeError naming it
            continue
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
            value = value.upper()  # the backend checks it is one it knows
        elif len(value) > _MAX_LENGTH.get(name, _DEFAULT_MAX_LENGTH) or "\x00" in value:
            raise ValueError(f"{name} is too long or holds a NUL character.")
        cleaned[name] = value
    if "ip" not in cleaned:
        ip = client_ip(request)
        if ip:
            cleaned["ip"] = ip
    if "locale" not in cleaned and request is not None:
        locale = request_locale(request)
        if locale and _valid_field("locale", locale[: _MAX_LENGTH["locale"]]):
            cleaned["locale"] = locale[: _MAX_LENGTH["locale"]]
    if "user_agent" not in cleaned and "user_agent" in backend_class.create_fields:
        agent = _request_user_agent(request)
        if agent:
            cleaned["user_agent"] = agent
    return cleaned


def _request_user_agent(request: HttpRequest | None) -> str | None:
    """The request's ``User-Agent``, printable and capped, or ``None``."""
    if request is None:
        return None
    agent = str(request.META.get("HTTP_USER_AGENT", ""))
    agent = "".join(ch for ch in agent if ch.isprintable()).strip()
    return agent[: _MAX_LENGTH["user_agent"]] or None


def _valid_field(name: str, value: str) -> bool:
    try:
        create_fields_argument({name: value})
    except (TypeError, ValueError):
        return False
    return True


def fail_stale_sends(phone_number: str | None = None) -> int:
    """Mark rows left in ``sending`` longer than any provider call can take as
    ``failed`` (``error_code="interrupted"``), and resends still in flight
    after that long as failed too (``reason="provider_error"``, the same error
    code). Returns how many rows it finished. ``send_code`` does this for its
    phone number; ``manage.py ding_status --refresh-pending`` (or any
    periodic job) for all.

    The process died during the provider call, or the database refused to
    record the answer: the provider is not asked again (a second call could
    send a second message). Both keep counting toward the send limits.
    """
    now = timezone.now()
    cutoff = now - limits.stale_sending_age()
    stale = Authentication.objects.filter(
        status=Authentication.Status.SENDING, created_at__lt=cutoff
    )
    in_flight = RetryRecord.objects.filter(
        provider_called=True, provider_status="", reason="", created_at__lt=cutoff
    )
    if phone_number is not None:
        stale = stale.filter(phone_number=phone_number)
        in_flight = in_flight.filter(authentication__phone_number=phone_number)
    failed = sum(
        fail_if_interrupted(authentication, now)
        for authentication in stale.only("pk", "status", "created_at")
    )
    return failed + in_flight.update(reason=Reason.PROVIDER_ERROR, error_code=INTERRUPTED)


def _not_recorded(err: DatabaseError, what: str) -> DingStorageError:
    """The error of a database fault before the provider call (the
    transaction rolled back: nothing was recorded, nothing sent)."""
    logger.error(
        "django-ding: could not record %s (%s); the provider was not called",
        what,
        type(err).__name__,
    )
    return DingStorageError(f"The verification history could not record {what}; nothing was sent.")


@sensitive_variables("phone_number", "phone", "fields", "provider_fields", "ip", "create")
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
    fails (the row is then ``failed`` with ``error_code``; a failure that
    certainly never reached the provider, such as a refused connection, an
    open circuit breaker or an HTTP 429, leaves it with
    ``counts_as_send=False``: it uses up no send limit). The error keeps the
    provider's ``retry_after``. A database fault raises
    :class:`DingStorageError` (see the module's docstring).
    """
    phone = normalize_phone_number(phone_number).as_e164
    backend_class = load_backend_class()
    provider_fields = _clean_fields({**create_defaults(), **fields}, request, backend_class)
    # Checked here, once, before anything is recorded: a bad field leaves no
    # ``failed`` row and starts no cooldown.
    create = CreateRequest.build(backend_class, phone, provider_fields)
    backend = get_backend()
    ip = provider_fields.get("ip")
    try:
        owner = resolve_user(user, request)  # request.user may be read from the database
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
                    client_network=client_network(ip),
                    locale=provider_fields.get("locale", ""),
                    template_id=provider_fields.get("template_id", ""),
                    correlation_id=provider_fields.get("correlation_id", ""),
                    signals={k: provider_fields[k] for k in _SIGNAL_FIELDS if k in provider_fields},
                )
    except DatabaseError as err:
        raise _not_recorded(err, "the send") from err
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
        response = backend.send(create)
    except Exception as err:
        _fail_send(authentication, err)
        raise
    return _finish_send(authentication, response, request)


def _fail_send(authentication: Authentication, err: Exception, code: str | None = None) -> None:
    """Record the failed send: ``failed`` with ``error_code``, and
    ``counts_as_send=False`` when ``err`` certainly never reached the provider.

    The caller raises ``err`` afterwards (the failure the user must hear
    about). When the database cannot record it either, the row stays
    ``sending`` (still counting) until :func:`fail_stale_sends` finishes it.
    """
    code = code or error_code_for(err)
    reached = may_have_reached_provider(err)
    log = logger.warning if isinstance(err, DingError) else logger.error
    log(
        "django-ding: sending to %s failed (authentication %s): %s%s",
        authentication.masked_phone_number,
        authentication.pk,
        code,
        "" if reached else " (the provider was not reached)",
    )
    fields: dict[str, Any] = {"error_code": code}
    if not reached:
        fields["counts_as_send"] = False

    def write() -> bool:
        with transaction.atomic():
            return change_status(
                authentication,
                Authentication.Status.SENDING,
                Authentication.Status.FAILED,
                **fields,
            )

    try:
        persist(write, what=f"the failed send of authentication {authentication.pk}")
    except DingStorageError:
        logger.error(
            "django-ding: authentication %s stays 'sending' until it is failed as interrupted",
            authentication.pk,
        )


#: The status a send's outcome gives its row (``UNKNOWN``: failed, see below).
SEND_STATUSES: dict[SendOutcome, str] = {
    SendOutcome.SENT: Authentication.Status.PENDING,
    SendOutcome.RESENT: Authentication.Status.PENDING,
    SendOutcome.CHALLENGED: Authentication.Status.CHALLENGED,
    SendOutcome.SHADOW_BLOCKED: Authentication.Status.SHADOW_BLOCKED,
    SendOutcome.BLOCKED: Authentication.Status.BLOCKED,
}
#: Code-sent outcomes whose id may already be held by a local row: the
#: provider's window for the number was still open (a double click, a second
#: tab, a resend from the send form), so it answered with that window's id.
_IN_WINDOW = frozenset({SendOutcome.RESENT, SendOutcome.CHALLENGED, SendOutcome.SHADOW_BLOCKED})


def _invalid_id(authentication: Authentication) -> DingInvalidResponseError:
    err = DingInvalidResponseError(
        "The provider's answer has no valid id (1 to 64 visible ASCII characters).",
        status_code=200,
    )
    _fail_send(authentication, err)
    return err


def _answered_id(response: SendResult) -> str | None:
    """The canonical provider id of ``response``, or ``None`` (missing or invalid)."""
    try:
        return provider_ids.canonical(response.provider_id)
    except ValueError:
        return None


def _finish_send(
    authentication: Authentication,
    response: SendResult,
    request: HttpRequest | None,
) -> Authentication:
    """Record the provider's answer, read through the neutral protocol
    (``response.outcome``), whatever the provider."""
    now = timezone.now()
    outcome = response.outcome
    new = SEND_STATUSES.get(outcome)
    if new is None:
        # Only an outcome that says a code was sent is a success.
        err = DingInvalidResponseError(
            "The provider answered with an unknown authentication status "
            f"({sanitize(getattr(response, 'status', None), 32) or 'none'}).",
            status_code=200,
        )
        _fail_send(authentication, err, UNKNOWN_STATUS)
        raise err
    provider_id = _answered_id(response)
    if provider_id is None and outcome is not SendOutcome.BLOCKED:
        raise _invalid_id(authentication) from None
    held = _holder(authentication, provider_id) if provider_id else None
    if held is not None and outcome in _IN_WINDOW:
        return _merge_send(authentication, held, response, request)
    if held is not None and outcome is SendOutcome.BLOCKED:
        provider_id = None  # a blocked create opens nothing: keep the refusal only
    fields: dict[str, Any] = {
        "provider_id": provider_id,
        "expires_at": (
            None
            if outcome is SendOutcome.BLOCKED
            else response.expires_at or now + limits.authentication_ttl()
        ),
        "error_code": "",
        "refusal_reason": sanitize(response.refusal_reason, 64),
    }
    changed = _record_answer(authentication, new, now, fields)
    if changed is None:
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
    if outcome is SendOutcome.BLOCKED:
        logger.warning(
            "django-ding: the provider refused to send to %s: %s",
            authentication.masked_phone_number,
            fields["refusal_reason"] or "blocked",
        )
        raise VerificationRefused(Reason.PROVIDER_REFUSED, authentication=authentication)
    if outcome is SendOutcome.SHADOW_BLOCKED:
        # Told apart in the history only: the user is told a code was sent.
        logger.warning(
            "django-ding: a block rule matched the send to %s but was not enforced: %s",
            authentication.masked_phone_number,
            fields["refusal_reason"] or "shadow_blocked",
        )
    if changed:
        emit(
            signals.code_sent,
            sender=Authentication,
            authentication=authentication,
            request=request,
        )
    return authentication


def _holder(authentication: Authentication, provider_id: str) -> Authentication | None:
    """Another row that already holds ``provider_id``, if any."""

    def read() -> Authentication | None:
        with transaction.atomic():
            return (
                Authentication.objects.filter(provider_id=provider_id)
                .exclude(pk=authentication.pk)
                .first()
            )

    return persist(read, what=f"the answer to the send of authentication {authentication.pk}")


def _record_answer(
    authentication: Authentication, new: str, now: Any, fields: dict[str, Any]
) -> bool | None:
    """Move the row from ``sending`` to ``new`` (or from ``failed`` when it
    was marked interrupted meanwhile, since the provider did answer).

    Returns whether this call changed it; ``None`` when another row holds
    the answered id (``IntegrityError``: nothing changed). Tried again on a
    database fault; raises :class:`DingStorageError` when it keeps failing
    (the row stays ``sending``)."""

    def write() -> bool | None:
        try:
            with transaction.atomic():
                return change_status(
                    authentication, Authentication.Status.SENDING, new, now=now, **fields
                ) or change_status(
                    authentication,
                    Authentication.Status.FAILED,
                    new,
                    now=now,
                    where=Q(error_code=INTERRUPTED),
                    **fields,
                )
        except IntegrityError:
            return None

    return persist(write, what=f"the answer to the send of authentication {authentication.pk}")


def _merge_send(
    authentication: Authentication,
    held: Authentication,
    response: SendResult,
    request: HttpRequest | None,
) -> Authentication:
    """The provider resent the code in a verification we already hold.

    This send's row becomes ``merged`` (``merged_into`` the holder): it stays
    in the history and counts toward every send limit, as any call that made
    the provider send a message. The holder is returned, still checkable with
    its own attempt count, so a double click or a second tab never opens a
    second local verification for one provider window.
    """
    now = timezone.now()
    if held.phone_number != authentication.phone_number:
        err = DingInvalidResponseError(
            "The provider answered with the id of another phone number's authentication.",
            status_code=200,
        )
        _fail_send(authentication, err)
        raise err
    changed = (
        _record_answer(
            authentication,
            Authentication.Status.MERGED,
            now,
            {
                "merged_into": held,
                "error_code": "",
                "refusal_reason": sanitize(response.refusal_reason, 64),
            },
        )
        is True  # None (a duplicate id) cannot happen: merged_into is not unique
    )
    logger.info(
        "django-ding: the provider resent to %s in its open verification (authentication %s "
        "merged into %s)",
        authentication.masked_phone_number,
        authentication.pk,
        held.pk,
    )
    _reopen_if_expired_here(held, response, now)
    refusal = _held_refusal(held, now)
    if refusal is not None:
        # The provider's window is open but ours is over (locked, verified...):
        # no fresh attempts for the same window.
        raise VerificationRefused(refusal.reason, authentication=held)
    if changed:
        emit(signals.code_sent, sender=Authentication, authentication=held, request=request)
    return held


def _reopen_if_expired_here(held: Authentication, response: SendResult, now: Any) -> None:
    """The provider just sent a code in ``held``'s window, so the window is
    open, whatever our local estimate of its expiry said: a row that expired
    only here (our ``expires_at`` passed; a provider that closed the window
    would have opened a new id) takes the provider's new expiry and is
    checkable again, with its attempt count. Locked and verified rows stay
    as they are."""
    expires_at = response.expires_at or now + limits.authentication_ttl()
    if expires_at <= now:
        return
    status = held.status
    if status in Authentication.CHECKABLE and not held.is_expired(now):
        return
    if status not in Authentication.CHECKABLE and status != Authentication.Status.EXPIRED:
        return
    new = SEND_STATUSES.get(response.outcome, Authentication.Status.PENDING)

    def write() -> None:
        with transaction.atomic():
            if status == Authentication.Status.EXPIRED:
                change_status(held, status, new, now=now, expires_at=expires_at)
            else:
                Authentication.objects.filter(pk=held.pk, status=status).update(
                    expires_at=expires_at, updated_at=now
                )
                held.refresh_from_db()

    persist(write, what=f"the new expiry of authentication {held.pk}")
    logger.info(
        "django-ding: authentication %s is open again: the provider resent in its window",
        held.pk,
    )


def _held_refusal(held: Authentication, now: Any) -> limits.Refusal | None:
    """:func:`state_refusal` of the row a send was merged into (it may expire it)."""

    def write() -> limits.Refusal | None:
        with transaction.atomic():
            return state_refusal(held, now)

    return persist(write, what=f"the state of authentication {held.pk}")


def retry(authentication: Authentication, *, request: HttpRequest | None = None) -> Authentication:
    """Ask the provider to send the code of ``authentication`` again.

    Raises :class:`VerificationRefused` when a local limit refuses (reason
    ``retry_not_yet``, ``no_retries_left``, ``expired``, ``already_verified``,
    ``locked``, ``not_sent``, or a send limit) or the provider does not
    approve, and the backend's :class:`DingError` when the provider fails (a
    failure that certainly never reached it leaves the retry record with
    ``counts_as_send=False``; the error keeps the provider's
    ``retry_after``). A database fault raises :class:`DingStorageError` (see
    the module's docstring).
    """
    try:
        authentication = reload(authentication)  # TypeError, ValueError for a bad argument
        phone = authentication.phone_number.as_e164
        backend = get_backend()
        with transaction.atomic():
            limits.lock(*limits.send_lock_keys(phone, None))
            authentication.refresh_from_db()
            now = timezone.now()
            refusal = state_refusal(authentication, now) or limits.retry_refusal(
                authentication, now
            )
            record = RetryRecord.objects.create(
                authentication=authentication,
                created_at=now,
                provider_called=refusal is None,
                reason=refusal.reason if refusal else "",
            )
    except DatabaseError as err:
        raise _not_recorded(err, "the resend") from err
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
        response = backend.send(
            RetryRequest.build(type(backend), sent_id(authentication), phone_number=phone)
        )
    except Exception as err:
        _fail_retry(authentication, record, err)
        raise
    return _finish_retry(authentication, record, response, request)


def _fail_retry(authentication: Authentication, record: RetryRecord, err: Exception) -> None:
    """Record the failed resend (``provider_error`` with ``error_code``, and
    ``counts_as_send=False`` when ``err`` certainly never reached the
    provider). When the database cannot record it, the record stays in
    flight (still counting) until :func:`fail_stale_sends` finishes it; the
    caller raises ``err`` either way."""
    code = error_code_for(err)
    reached = may_have_reached_provider(err)
    logger.warning(
        "django-ding: retry of authentication %s failed: %s%s",
        authentication.pk,
        code,
        "" if reached else " (the provider was not reached)",
    )
    fields: dict[str, Any] = {"error_code": code, "reason": Reason.PROVIDER_ERROR}
    if not reached:
        fields["counts_as_send"] = False

    def write() -> int:
        with transaction.atomic():
            return RetryRecord.objects.filter(pk=record.pk).update(**fields)

    try:
        persist(write, what=f"the failed resend of authentication {authentication.pk}")
    except DingStorageError:
        logger.error(
            "django-ding: a resend of authentication %s stays in flight until it is failed "
            "as interrupted",
            authentication.pk,
        )


def _finish_retry(
    authentication: Authentication,
    record: RetryRecord,
    response: RetryResult,
    request: HttpRequest | None,
) -> Authentication:
    """Record the provider's answer, read through the neutral protocol
    (``response.retry_outcome``), whatever the provider: the row and its
    retry record change in one transaction, tried again on a database fault
    (:class:`DingStorageError` when it keeps failing)."""
    now = timezone.now()
    outcome = response.retry_outcome
    remaining = response.remaining_retry
    remaining = remaining if isinstance(remaining, int) and remaining >= 0 else None
    updates: dict[str, Any] = {}
    if remaining is not None:
        updates["remaining_retry"] = remaining
    if response.next_retry_at is not None:
        updates["next_retry_at"] = response.next_retry_at
    answered_id = _answered_id(response) or ""

    def write() -> Reason | None:
        with transaction.atomic():
            if updates:
                Authentication.objects.filter(pk=authentication.pk).update(
                    updated_at=now, **updates
                )
            # Also undoes what a failed try left in the instance.
            authentication.refresh_from_db()
            reason, error_code = _retry_answer(authentication, response, answered_id, now)
            RetryRecord.objects.filter(pk=record.pk).update(
                provider_status=sanitize(getattr(response, "status", None), 32),
                provider_id=answered_id,
                reason=reason or "",
                error_code=error_code,
                remaining_retry=remaining,
                next_retry_at=response.next_retry_at,
            )
            return reason

    reason = persist(write, what=f"the answer to the resend of authentication {authentication.pk}")
    if reason is not None:
        logger.info(
            "django-ding: the provider refused the retry of authentication %s: %s",
            authentication.pk,
            outcome,
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


def _retry_answer(
    authentication: Authentication, response: RetryResult, answered_id: str, now: Any
) -> tuple[Reason | None, str]:
    """Apply the provider's answer to the row; return the refusal reason
    (``None``: a code went out) and the error code for the retry record."""
    outcome = response.retry_outcome
    if response.code_sent:
        reason = _resent(authentication, response, answered_id, now)
        return reason, "" if reason is None else "duplicate_id"
    if outcome is RetryOutcome.EXPIRED:
        change_status(
            authentication, Authentication.CHECKABLE, Authentication.Status.EXPIRED, now=now
        )
        return Reason.EXPIRED, ""
    if outcome is RetryOutcome.NO_ATTEMPT:
        return Reason.NOT_SENT, ""
    # blocked, denied, rate_limited, already_validated (never a success), unknown
    blocked = outcome is RetryOutcome.BLOCKED
    return Reason.PROVIDER_REFUSED, sanitize(response.refusal_reason, 64) if blocked else ""


def _resent(
    authentication: Authentication, response: RetryResult, answered_id: str, now: Any
) -> Reason | None:
    """A code went out again. Same id: the same verification (its status
    follows a challenge or a shadow block). A new id (v2 ``success`` once the
    provider's window had ended): the same local row now holds the new
    verification, so the session and the attempt count carry over; it gets a
    new local expiry. Returns a reason when the new id cannot be recorded."""
    new = SEND_STATUSES.get(response.outcome, Authentication.Status.PENDING)
    fields: dict[str, Any] = {}
    if answered_id and answered_id != authentication.provider_id:
        fields["provider_id"] = answered_id
        fields["expires_at"] = response.expires_at or now + limits.authentication_ttl()
        logger.info(
            "django-ding: the provider opened a new verification for authentication %s",
            authentication.pk,
        )
    elif response.outcome is SendOutcome.RESENT:
        new = authentication.status  # a plain resend changes nothing
    if not fields and new == authentication.status:
        return None
    try:
        with transaction.atomic():
            if new == authentication.status:
                Authentication.objects.filter(
                    pk=authentication.pk, status__in=Authentication.CHECKABLE
                ).update(updated_at=now, **fields)
                authentication.refresh_from_db()
            else:
                change_status(authentication, Authentication.CHECKABLE, new, now=now, **fields)
    except IntegrityError:
        logger.warning(
            "django-ding: the provider answered the retry of authentication %s with an id "
            "already recorded for another authentication",
            authentication.pk,
        )
        return Reason.PROVIDER_ERROR
    return None


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
