"""What the verification pages tell the user when something is refused.

One translated sentence per :class:`~django_ding.reasons.Reason`, with the
time left when waiting helps. Provider failures never reveal why the provider
refused a number: an unknown, blocked or unsupported number only gets
"We could not send a code to this number."
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from django_ding.backends.enums import ErrorCode
from django_ding.exceptions import DingAPIError, DingCircuitOpenError, DingError, DingStorageError
from django_ding.reasons import Reason

__all__ = [
    "CANNOT_SEND",
    "CHECK_UNAVAILABLE",
    "SESSION_LOST",
    "STORAGE_UNAVAILABLE",
    "check_failure_message",
    "format_wait",
    "over_message",
    "provider_error_message",
    "refusal_message",
    "send_refusal_message",
    "stale_form_message",
]

#: The only thing a user learns about a number the provider will not text.
CANNOT_SEND = _("We could not send a code to this number.")
SERVICE_UNAVAILABLE = _("We could not send a code right now. Please try again in a few minutes.")
SERVICE_UNAVAILABLE_FOR = _("We could not send a code right now. Please try again in %(time)s.")
CHECK_UNAVAILABLE = _("We could not check the code right now. Please try again in a moment.")
#: A database fault: the request may or may not have been carried out.
STORAGE_UNAVAILABLE = _("Something went wrong on our side. Please try again in a moment.")
#: The session holds no verification (cookies cleared, another browser, expired).
SESSION_LOST = _(
    "Your verification was not found: it may have expired or been started in another "
    "browser. Enter your number to receive a new code."
)

#: A check form posted from a tab left behind (see ``session.match_check_form``).
STALE_OTHER_NUMBER = _(
    "You asked for a code for another number in another tab. "
    "Enter the code sent to %(phone_number)s."
)
STALE_FORM = _("This page was out of date. Enter the latest code sent to %(phone_number)s.")

#: Provider error codes that are about the number itself. They all become
#: :data:`CANNOT_SEND`; the code stays in the history for the site's staff.
NUMBER_ERROR_CODES = frozenset(
    {
        ErrorCode.BLOCKED_NUMBER,
        ErrorCode.INVALID_PHONE_NUMBER,
        ErrorCode.INVALID_LINE,
        ErrorCode.UNSUPPORTED_REGION,
    }
)

# reason -> (message without a wait, message with %(time)s left)
_MESSAGES: dict[str, tuple[Promise, Promise]] = {
    Reason.INVALID_CODE: (
        _("The code is not correct."),
        _("The code is not correct. Try again in %(time)s."),
    ),
    Reason.EXPIRED: (
        _("This code has expired. Request a new code."),
        _("This code has expired. You can request a new code in %(time)s."),
    ),
    Reason.LOCKED: (
        _("Too many wrong codes. Start again to receive a new code."),
        _("Too many wrong codes. You can start again in %(time)s."),
    ),
    Reason.PHONE_LOCKED: (
        _("Too many wrong codes for this phone number. Please try again later."),
        _("Too many wrong codes for this phone number. Try again in %(time)s."),
    ),
    Reason.CLIENT_LOCKED: (
        _("Too many wrong codes were entered from your network. Please try again later."),
        _("Too many wrong codes were entered from your network. Try again in %(time)s."),
    ),
    Reason.ALREADY_VERIFIED: (
        _("This phone number is already verified."),
        _("This phone number is already verified."),
    ),
    Reason.NOT_SENT: (
        _("No code was sent for this verification. Start again to receive a code."),
        _("No code was sent for this verification. You can start again in %(time)s."),
    ),
    Reason.COOLDOWN: (
        _("A code was sent to this number a moment ago. Please wait before asking again."),
        _("A code was sent to this number a moment ago. You can ask again in %(time)s."),
    ),
    Reason.PHONE_RATE_LIMITED: (
        _("Too many codes were sent to this number. Please try again later."),
        _("Too many codes were sent to this number. Try again in %(time)s."),
    ),
    Reason.IP_RATE_LIMITED: (
        _("Too many codes were requested from your network. Please try again later."),
        _("Too many codes were requested from your network. Try again in %(time)s."),
    ),
    Reason.GLOBAL_RATE_LIMITED: (
        _("We cannot send codes right now. Please try again later."),
        _("We cannot send codes right now. Try again in %(time)s."),
    ),
    Reason.RETRY_NOT_YET: (
        _("A new code cannot be sent yet. Please wait a little."),
        _("You can request a new code in %(time)s."),
    ),
    Reason.NO_RETRIES_LEFT: (
        _("No more codes can be sent for this verification. Start again with your number."),
        _("No more codes can be sent for this verification. You can start again in %(time)s."),
    ),
    Reason.PROVIDER_REFUSED: (CANNOT_SEND, CANNOT_SEND),
    Reason.PROVIDER_ERROR: (SERVICE_UNAVAILABLE, SERVICE_UNAVAILABLE),
}


def format_wait(seconds: int | float | None) -> str:
    """``42`` -> ``"42 seconds"``, ``61`` -> ``"2 minutes"``, ``3601`` -> ``"2 hours"``.

    Rounds up, so the user never comes back too early. Anything that is not a
    positive number is ``"a moment"``.
    """
    if seconds is None or isinstance(seconds, bool) or not seconds > 0:
        return gettext("a moment")
    whole = int(-(-seconds // 1))  # ceil without importing math for floats and ints
    if whole < 60:
        return ngettext("%(count)d second", "%(count)d seconds", whole) % {"count": whole}
    minutes = -(-whole // 60)
    if minutes < 60:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = -(-minutes // 60)
    if hours < 48:
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    days = -(-hours // 24)
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


def refusal_message(reason: str | None, retry_after: int | float | None = None) -> str:
    """The sentence for a refusal ``reason``, with the wait when it is known."""
    pair = _MESSAGES.get(str(reason) if reason is not None else "")
    if pair is None:
        if retry_after:
            return gettext("This cannot be done right now. Try again in %(time)s.") % {
                "time": format_wait(retry_after)
            }
        return gettext("This cannot be done right now. Please try again later.")
    without_wait, with_wait = pair
    if retry_after and isinstance(retry_after, int | float) and retry_after > 0:
        text = str(with_wait)
        return text % {"time": format_wait(retry_after)} if "%(time)s" in text else text
    return str(without_wait)


#: Send refusals that are about the number (or the whole site). Told to
#: whoever asks for a code, they would say "someone asked for a code for this
#: number a moment ago": every one of them reads :data:`CANNOT_SEND_NOW`, with
#: no wait (the wait itself dates the other send). See docs/limits.md.
NEUTRAL_SEND_REFUSALS = frozenset(
    {
        Reason.COOLDOWN,
        Reason.PHONE_RATE_LIMITED,
        Reason.PHONE_LOCKED,
        Reason.GLOBAL_RATE_LIMITED,
    }
)
CANNOT_SEND_NOW = _("We cannot send a code right now. Please try again later.")


def send_refusal_message(reason: str | None, retry_after: int | float | None = None) -> str:
    """The sentence for a refused send to a number typed by the user.

    Refusals that would reveal something about the number (a recent send, a
    lock, a cap on the number) share one neutral sentence; the others (this
    client's own address limit) are :func:`refusal_message`.
    """
    if reason in NEUTRAL_SEND_REFUSALS:
        return str(CANNOT_SEND_NOW)
    return refusal_message(reason, retry_after)


def check_failure_message(
    reason: str | None, retry_after: int | None = None, attempts_left: int | None = None
) -> str:
    """The sentence for a check that did not verify."""
    if reason == Reason.INVALID_CODE and attempts_left is not None and attempts_left > 0:
        return ngettext(
            "The code is not correct. You have %(count)d attempt left.",
            "The code is not correct. You have %(count)d attempts left.",
            attempts_left,
        ) % {"count": attempts_left}
    if reason == Reason.INVALID_CODE and attempts_left == 0:
        return gettext(
            "The code is not correct. Too many wrong codes: start again to receive a new code."
        )
    if reason == Reason.PROVIDER_ERROR:
        return str(CHECK_UNAVAILABLE)
    if reason == Reason.PROVIDER_REFUSED:
        return gettext("This code can no longer be checked. Start again to receive a new code.")
    return refusal_message(reason, retry_after)


def provider_error_message(error: DingError) -> str:
    """The sentence for a provider error on send or resend.

    Errors about the number (blocked, invalid, unsupported region...) all read
    :data:`CANNOT_SEND`; a database fault reads :data:`STORAGE_UNAVAILABLE`;
    everything else (outage, timeout, account problem) asks the user to try
    again later, in the time the provider (``Retry-After``) or the circuit
    breaker asked for when there is one. Nothing of the provider's own
    message is shown.
    """
    if isinstance(error, DingAPIError) and error.code in NUMBER_ERROR_CODES:
        return str(CANNOT_SEND)
    if isinstance(error, DingStorageError):
        return str(STORAGE_UNAVAILABLE)
    wait = error.retry_after if isinstance(error, DingAPIError | DingCircuitOpenError) else None
    if isinstance(wait, int | float) and not isinstance(wait, bool) and 0 < wait < 10**7:
        return str(SERVICE_UNAVAILABLE_FOR) % {"time": format_wait(wait)}
    return str(SERVICE_UNAVAILABLE)


def stale_form_message(other_number: bool, masked_phone_number: str) -> str:
    """The sentence for a check form posted from a tab left behind: the code
    was not checked, and the user is told which number's code to enter."""
    text = STALE_OTHER_NUMBER if other_number else STALE_FORM
    return str(text) % {"phone_number": masked_phone_number}


# Why a verification cannot be checked any more, as the check page says it
# above its "Send a new code to ..." button.
_OVER: dict[str, Promise] = {
    Reason.EXPIRED: _("This code has expired."),
    Reason.LOCKED: _("Too many wrong codes were entered for this code."),
    Reason.NOT_SENT: _("No code was sent for this verification."),
}


def over_message(reason: str | None) -> str:
    """The sentence for a verification that is over (a
    :data:`~django_ding.services.renewal.RESTART_REASONS` reason), or ``""``
    when it can still be checked."""
    text = _OVER.get(str(reason) if reason is not None else "")
    return str(text) if text is not None else ""
