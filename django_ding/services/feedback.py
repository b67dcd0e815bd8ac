"""Onboarding feedback: :func:`send_feedback` records it and enqueues the
provider call as a task; :func:`deliver_feedback` is that task's body."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from django_ding import signals
from django_ding.backends import get_backend
from django_ding.backends.enums import ErrorCode
from django_ding.backends.operations import FeedbackRequest
from django_ding.conf import task_backend
from django_ding.exceptions import DingAPIError, DingError
from django_ding.models import Feedback
from django_ding.services.records import (
    emit,
    error_code_for,
    logger,
    normalize_phone_number,
    resolve_user,
    sanitize,
)

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from phonenumber_field.phonenumber import PhoneNumber

__all__ = ["deliver_feedback", "send_feedback"]


def send_feedback(
    phone_number: str | PhoneNumber,
    status: str,
    *,
    user: AbstractBaseUser | None = None,
) -> Feedback:
    """Record that the owner of ``phone_number`` ``onboarded`` (or
    ``not_onboarded``) and tell the provider through a task.

    Feedback is unique per (phone number, status), as the provider accepts
    each once: calling again returns the existing row without a second
    provider call, unless its delivery failed, in which case it is queued
    again. With the immediate task backend the provider is called before this
    returns (after the current transaction commits).

    Raises ``ValueError`` for an invalid number or status.
    """
    phone = normalize_phone_number(phone_number).as_e164
    if not isinstance(status, str) or status not in Feedback.Status.values:
        raise ValueError(
            "Feedback status must be one of: " + ", ".join(Feedback.Status.values) + "."
        )
    owner = resolve_user(user, None)
    with transaction.atomic():
        feedback, created = Feedback.objects.get_or_create(
            phone_number=phone, status=status, defaults={"user": owner}
        )
        queue = created or bool(
            Feedback.objects.filter(pk=feedback.pk, delivery=Feedback.Delivery.FAILED).update(
                delivery=Feedback.Delivery.QUEUED, error_code=""
            )
        )
        if queue:
            pk = feedback.pk
            transaction.on_commit(lambda: _enqueue(pk))
    logger.info(
        "django-ding: feedback %s for %s %s",
        status,
        feedback.masked_phone_number,
        "queued" if queue else "already recorded",
    )
    feedback.refresh_from_db()
    return feedback


def _enqueue(feedback_id: int) -> None:
    from django_ding.tasks import send_feedback_task

    try:
        send_feedback_task.using(backend=task_backend()).enqueue(feedback_id)
    except Exception as err:
        logger.error(
            "django-ding: feedback %s could not be queued: %s",
            feedback_id,
            type(err).__name__,
            exc_info=True,
        )
        Feedback.objects.filter(pk=feedback_id, delivery=Feedback.Delivery.QUEUED).update(
            delivery=Feedback.Delivery.FAILED, error_code="enqueue_failed"
        )


def deliver_feedback(feedback_id: int) -> str:
    """Send one queued feedback to the provider; returns its delivery state.

    Idempotent: feedback that is no longer queued is left alone. The
    provider's ``duplicated_feedback_status`` error means it already has
    this feedback: the row becomes ``duplicate``, not ``failed``.
    """
    feedback = Feedback.objects.filter(pk=feedback_id).first()
    if feedback is None:
        logger.warning("django-ding: feedback %s no longer exists", feedback_id)
        return "missing"
    if feedback.delivery != Feedback.Delivery.QUEUED:
        return str(feedback.delivery)
    queued = Feedback.objects.filter(pk=feedback.pk, delivery=Feedback.Delivery.QUEUED)
    try:
        told = FeedbackRequest.build(feedback.phone_number.as_e164, feedback.status)
        response = get_backend().send(told)
    except DingAPIError as err:
        if err.code == ErrorCode.DUPLICATED_FEEDBACK_STATUS:
            queued.update(delivery=Feedback.Delivery.DUPLICATE, sent_at=timezone.now())
            logger.info("django-ding: feedback %s was already known", feedback.pk)
            return Feedback.Delivery.DUPLICATE.value
        return _failed(feedback, queued, err)
    except DingError as err:
        return _failed(feedback, queued, err)
    except Exception as err:
        _failed(feedback, queued, err)
        raise
    if not response.sent:
        # Nothing to tell this provider (Prelude v2 has no not_onboarded).
        queued.update(delivery=Feedback.Delivery.SKIPPED, error_code="")
        logger.info("django-ding: feedback %s has no counterpart here: skipped", feedback.pk)
        return Feedback.Delivery.SKIPPED.value
    sent = queued.update(
        delivery=Feedback.Delivery.SENT,
        feedback_uuid=sanitize(response.provider_id, 64),
        sent_at=timezone.now(),
        error_code="",
    )
    feedback.refresh_from_db()
    logger.info("django-ding: feedback %s sent (%s)", feedback.pk, feedback.masked_phone_number)
    if sent:
        emit(signals.feedback_sent, sender=Feedback, feedback=feedback)
    return str(feedback.delivery)


def _failed(feedback: Feedback, queued: Any, err: Exception) -> str:
    code = error_code_for(err)
    logger.warning("django-ding: feedback %s failed: %s", feedback.pk, code)
    queued.update(delivery=Feedback.Delivery.FAILED, error_code=code)
    return Feedback.Delivery.FAILED.value
