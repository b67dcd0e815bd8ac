"""Built-in signal receivers, connected by ``DingConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from django_ding.conf import send_onboarded_feedback as send_onboarded_feedback_setting
from django_ding.signals import phone_verified

__all__ = ["forget_other_users_verification", "send_onboarded_feedback"]


@receiver(user_logged_in, dispatch_uid="django_ding.receivers.forget_other_users_verification")
def forget_other_users_verification(sender: Any, *, request: Any, user: Any, **kwargs: Any) -> None:
    """``login()`` keeps an anonymous session's data: drop the verification
    state that was not made for ``user`` (see :mod:`django_ding.session`)."""
    if request is None:
        return
    from django_ding.session import forget_foreign_state

    forget_foreign_state(request, user)


@receiver(phone_verified, dispatch_uid="django_ding.receivers.send_onboarded_feedback")
def send_onboarded_feedback(
    sender: Any, *, phone_number: Any, user: Any = None, **kwargs: Any
) -> None:
    """Record and send ``onboarded`` feedback for a verified phone number,
    unless ``DING["SEND_ONBOARDED_FEEDBACK"]`` is False."""
    if not send_onboarded_feedback_setting():
        return
    from django_ding.models import Feedback
    from django_ding.services.feedback import send_feedback

    send_feedback(phone_number, Feedback.Status.ONBOARDED, user=user)
