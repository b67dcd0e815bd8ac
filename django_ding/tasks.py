"""Background tasks, through Django's tasks framework.

``django.tasks`` on Django 6.0 and later; the ``django-tasks`` backport on
Django 5.2. Tasks take JSON-serialisable arguments only (primary keys), so any
task backend can run them: the immediate backend runs them at once with no
worker; a queue backend runs them in a worker, outside the request. The
backend alias is ``DING["TASK_BACKEND"]``.
"""

from __future__ import annotations

try:
    from django.tasks import task
except ImportError:  # Django < 6.0: the django-tasks backport
    from django_tasks import task  # type: ignore[no-redef,unused-ignore]

__all__ = ["send_feedback_task"]


@task()
def send_feedback_task(feedback_id: int) -> str:
    """Send the queued :class:`~django_ding.models.Feedback` ``feedback_id``
    to the provider; returns its delivery state (``sent``, ``duplicate``,
    ``failed``...)."""
    from django_ding.services.feedback import deliver_feedback

    return deliver_feedback(feedback_id)
