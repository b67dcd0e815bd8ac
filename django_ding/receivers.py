"""Built-in signal receivers, connected by ``DingConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from django_ding.conf import ding_settings
from django_ding.signals import phone_verified

__all__ = ["send_onboarded_feedback"]


@receiver(phone_verified, dispatch_uid="django_ding.receivers.send_onboarded_feedback")
def send_onboarded_feedback(
    sender: Any, *, phone_number: Any, user: Any = None, **kwargs: Any
) -> None:
    """Record and send ``onboarded`` feedback for a verified phone number,
    unless ``DING["SEND_ONBOARDED_FEEDBACK"]`` is False."""
    if not ding_settings.SEND_ONBOARDED_FEEDBACK:
        return
    from django_ding.models import Feedback
    from django_ding.services.feedback import send_feedback

    send_feedback(phone_number, Feedback.Status.ONBOARDED, user=user)
