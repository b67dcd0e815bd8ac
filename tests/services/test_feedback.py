"""send_feedback, the feedback task and the built-in onboarding receiver."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from django_ding import services
from django_ding.exceptions import DingAPIError, DingConnectionError
from django_ding.models import Feedback
from django_ding.services.feedback import deliver_feedback
from django_ding.tasks import send_feedback_task
from tests.services.backend import Script
from tests.services.conftest import PHONE, SignalLog, rolled_back

pytestmark = pytest.mark.django_db(transaction=True)


def test_feedback_is_recorded_and_sent_through_the_task(
    script: Script, sent_signals: SignalLog
) -> None:
    user = get_user_model().objects.create_user("ann")
    feedback = services.send_feedback(PHONE, "onboarded", user=user)

    assert feedback.delivery == Feedback.Delivery.SENT
    assert feedback.user == user
    assert feedback.sent_at is not None
    assert feedback.feedback_uuid
    assert script.calls == [("feedback", {"phone_number": PHONE, "status": "onboarded"})]
    assert sent_signals.names() == ["feedback_sent"]
    assert sent_signals.of("feedback_sent")[0] == {"sender": Feedback, "feedback": feedback}


def test_feedback_is_unique_per_phone_and_status(script: Script) -> None:
    first = services.send_feedback(PHONE, "onboarded")
    again = services.send_feedback("+33 6 12 34 56 78", "onboarded")
    other = services.send_feedback(PHONE, "not_onboarded")
    assert again.pk == first.pk
    assert other.pk != first.pk
    assert Feedback.objects.count() == 2
    assert script.count("feedback") == 2


def test_duplicated_feedback_status_is_a_duplicate_not_an_error(
    script: Script, sent_signals: SignalLog
) -> None:
    script.queue(
        "feedback",
        DingAPIError("dup", status_code=400, code="duplicated_feedback_status"),
    )
    feedback = services.send_feedback(PHONE, "onboarded")
    assert feedback.delivery == Feedback.Delivery.DUPLICATE
    assert feedback.error_code == ""
    assert sent_signals.names() == []


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (DingAPIError("no", status_code=400, code="invalid_phone_number"), "invalid_phone_number"),
        (DingConnectionError("down", request_sent=False), "connection_error"),
    ],
)
def test_failed_feedback_is_recorded_and_queued_again_on_the_next_call(
    script: Script, error: Exception, code: str
) -> None:
    script.queue("feedback", error)
    feedback = services.send_feedback(PHONE, "onboarded")
    assert (feedback.delivery, feedback.error_code) == (Feedback.Delivery.FAILED, code)
    again = services.send_feedback(PHONE, "onboarded")
    assert again.pk == feedback.pk
    assert (again.delivery, again.error_code) == (Feedback.Delivery.SENT, "")
    assert script.count("feedback") == 2


def test_a_bug_fails_the_task_and_the_row(script: Script) -> None:
    script.queue("feedback", KeyError("bug"))
    feedback = services.send_feedback(PHONE, "onboarded")
    assert (feedback.delivery, feedback.error_code) == ("failed", "internal_error")


@pytest.mark.parametrize("status", ["", "ONBOARDED", "verified", None, 1])
def test_invalid_status(script: Script, status: Any) -> None:
    with pytest.raises(ValueError, match="onboarded"):
        services.send_feedback(PHONE, status)
    assert Feedback.objects.count() == 0


def test_invalid_number(script: Script) -> None:
    with pytest.raises(ValueError, match="phone number"):
        services.send_feedback("nope", "onboarded")


def test_rolled_back_feedback_is_never_sent(script: Script, sent_signals: SignalLog) -> None:
    rolled_back(lambda: services.send_feedback(PHONE, "onboarded"))
    assert script.calls == []
    assert sent_signals.sent == []
    assert Feedback.objects.count() == 0


def test_the_task_runs_through_the_immediate_backend(script: Script) -> None:
    feedback = Feedback.objects.create(phone_number=PHONE, status="onboarded")
    result = send_feedback_task.enqueue(feedback.pk)
    assert result.status == "SUCCESSFUL"
    assert result.return_value == "sent"
    feedback.refresh_from_db()
    assert feedback.delivery == Feedback.Delivery.SENT


def test_the_task_is_idempotent(script: Script) -> None:
    feedback = services.send_feedback(PHONE, "onboarded")
    assert deliver_feedback(feedback.pk) == "sent"
    assert deliver_feedback(999_999) == "missing"
    assert script.count("feedback") == 1


def test_an_unknown_task_backend_fails_the_row(script: Script, settings: Any) -> None:
    settings.DING = {**settings.DING, "TASK_BACKEND": "nope"}
    feedback = services.send_feedback(PHONE, "onboarded")
    assert (feedback.delivery, feedback.error_code) == ("failed", "enqueue_failed")
    assert script.calls == []


# -- The built-in onboarding receiver ------------------------------------------------


def test_verification_sends_onboarded_feedback(script: Script) -> None:
    user = get_user_model().objects.create_user("ann")
    authentication = services.send_code(PHONE, user=user)
    assert services.check_code(authentication, "123456")
    feedback = Feedback.objects.get()
    assert (feedback.status, feedback.delivery, feedback.user) == ("onboarded", "sent", user)


def test_onboarded_feedback_can_be_turned_off(script: Script, settings: Any) -> None:
    settings.DING = {**settings.DING, "SEND_ONBOARDED_FEEDBACK": False}
    authentication = services.send_code(PHONE)
    assert services.check_code(authentication, "123456")
    assert Feedback.objects.count() == 0
    assert script.count("feedback") == 0


def test_a_feedback_failure_does_not_undo_the_verification(script: Script) -> None:
    script.queue("feedback", DingConnectionError("down", request_sent=False))
    authentication = services.send_code(PHONE)
    assert services.check_code(authentication, "123456").verified
    assert Feedback.objects.get().delivery == Feedback.Delivery.FAILED
