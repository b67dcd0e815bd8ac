"""Background tasks, through Django's tasks framework.

``django.tasks`` on Django 6.0 and later; the ``django-tasks`` backport on
Django 5.2. Tasks take JSON-serialisable arguments only (primary keys), so any
task backend can run them: the immediate backend runs them at once with no
worker; a queue backend runs them in a worker, outside the request. The
backend alias is ``DING["TASK_BACKEND"]``.
"""

from __future__ import annotations

from typing import Any

try:
    from django.tasks import task, task_backends
except ImportError:  # Django < 6.0: the django-tasks backport
    from django_tasks import (  # type: ignore[no-redef,assignment,unused-ignore]
        task,
        task_backends,
    )

__all__ = ["load_task_backend", "send_feedback_task"]


def load_task_backend(alias: str) -> Any:
    """The task backend ``alias`` of the ``TASKS`` setting, built now.

    Raises the tasks framework's own error (``InvalidTaskBackend``, or
    ``InvalidTaskBackendError`` in the backport) when the alias is missing or
    its ``BACKEND`` cannot be imported, which the system check
    ``django_ding.E018`` reports at startup rather than at the first
    verified phone.
    """
    return task_backends[alias]


@task()
def send_feedback_task(feedback_id: int) -> str:
    """Send the queued :class:`~django_ding.models.Feedback` ``feedback_id``
    to the provider; returns its delivery state (``sent``, ``duplicate``,
    ``failed``...)."""
    from django_ding.services.feedback import deliver_feedback

    return deliver_feedback(feedback_id)
