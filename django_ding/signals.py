"""Signals sent by :mod:`django_ding.services`.

Every signal is sent once the database transaction that recorded the event
has committed (``transaction.on_commit``), and never when it rolls back.
Receivers get keyword arguments only; accept ``**kwargs`` so new arguments
can be added later. A receiver that raises is logged (logger
``django_ding.services``) and does not stop the other receivers or undo the
verification. See ``docs/signals.md`` for examples.

The circuit breaker's signals (:data:`circuit_opened`, :data:`circuit_closed`)
are the exception: the HTTP backends send them at once (there is no
transaction), with the backend class as ``sender``.
"""

from __future__ import annotations

from django.dispatch import Signal

__all__ = [
    "circuit_closed",
    "circuit_opened",
    "code_checked",
    "code_sent",
    "feedback_sent",
    "phone_verified",
    "retry_requested",
    "status_changed",
]

# The provider accepted a new authentication and is delivering a code.
# sender: Authentication (the model class)
# authentication: the Authentication row (status "pending")
# request: the HttpRequest given to send_code(), or None
code_sent = Signal()

# check_code() finished, whatever the outcome (local refusals included).
# sender: Authentication
# authentication: the Authentication row, as updated by the check
# result: the django_ding.services.CheckResult (verified, reason, retry_after, attempts_left)
# request: the HttpRequest given to check_code(), or None
code_checked = Signal()

# A phone number was verified: sent exactly once per authentication.
# sender: Authentication
# authentication: the Authentication row (status "verified")
# phone_number: the verified number, as a PhoneNumber (E.164)
# user: the user the authentication belongs to, or None
# request: the HttpRequest given to check_code(), or None
phone_verified = Signal()

# The provider accepted a retry (a new delivery of the same code).
# sender: Authentication
# authentication: the Authentication row, with remaining_retry / next_retry_at updated
# request: the HttpRequest given to retry(), or None
retry_requested = Signal()

# Onboarding feedback reached the provider (not sent when the provider
# already had it: Feedback.delivery is then "duplicate").
# sender: Feedback (the model class)
# feedback: the Feedback row (delivery "sent")
feedback_sent = Signal()

# An authentication changed status (sending -> pending, pending -> verified...).
# sender: Authentication
# authentication: the Authentication row, with its new status
# old_status: the previous Authentication.Status value
# new_status: the new Authentication.Status value
status_changed = Signal()

# The circuit breaker of a provider host opened (sent by the HTTP backend, at
# once, by the one process that opened it; not again when a failed probe
# keeps it open). See docs/backends.md#circuit-breaker.
# sender: the backend class (PreludeBackend, DingBackend...)
# host: the provider's host[:port]
# provider: the provider's name ("Prelude", "Ding")
# failures: the consecutive transport failures that opened it
# retry_after: whole seconds until it lets one probe request through
circuit_opened = Signal()

# The circuit breaker of a provider host closed: its probe request got an answer.
# sender: the backend class
# host: the provider's host[:port]
# provider: the provider's name
circuit_closed = Signal()
