"""The service layer: the one place that combines provider calls, database
writes, limits and signals. Views, admin actions and management commands call
these functions and nothing below them.

See ``docs/services.md``.
"""

from __future__ import annotations

from django_ding.services.checking import CheckResult, check_code
from django_ding.services.feedback import send_feedback
from django_ding.services.lookups import lookup
from django_ding.services.records import normalize_phone_number
from django_ding.services.renewal import Renewal, RestartRefused, renew, restart_reason
from django_ding.services.retention import purge_history
from django_ding.services.sending import fail_stale_sends, retry, retry_available_in, send_code
from django_ding.services.status import refresh_status

__all__ = [
    "CheckResult",
    "Renewal",
    "RestartRefused",
    "check_code",
    "fail_stale_sends",
    "lookup",
    "normalize_phone_number",
    "purge_history",
    "refresh_status",
    "renew",
    "restart_reason",
    "retry",
    "retry_available_in",
    "send_code",
    "send_feedback",
]
