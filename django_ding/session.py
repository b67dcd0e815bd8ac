"""What the verification views keep in the server-side session.

The id of the authentication being verified lives only here: the views never
read it from the request body or query string, so one browser session cannot
check (or resend) another session's code. Every key starts with
``django_ding.`` to stay clear of the host project's own keys.

Both the authentication being verified and the verified marker belong to who
was signed in when they were made (or to nobody): they stop counting as soon
as someone else is signed in in that browser, and the marker lasts
``DING["VERIFIED_MAX_AGE"]`` seconds after the code was checked.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from typing import Any, TypedDict, TypeGuard

from django.core import signing
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from django_ding.conf import verified_max_age
from django_ding.models import Authentication

__all__ = [
    "SESSION_AUTHENTICATION_KEY",
    "SESSION_FORM_KEY",
    "SESSION_NOTICE_KEY",
    "SESSION_VERIFIED_KEY",
    "FormMatch",
    "Notice",
    "check_form_token",
    "e164",
    "forget_authentication",
    "forget_foreign_state",
    "forget_verified",
    "get_session_authentication",
    "mark_verified",
    "match_check_form",
    "pop_notice",
    "push_notice",
    "remember_authentication",
    "session_verified_phone_number",
]

#: Primary key of the :class:`Authentication` the current session is verifying.
SESSION_AUTHENTICATION_KEY = "django_ding.authentication_id"
#: ``{"authentication_id": 42, "user_id": 7, "verified_at": "<ISO 8601>"}``
#: once a code was checked successfully in this session (``user_id`` is
#: ``None`` when nobody was signed in). The number itself is not copied into
#: the session store: it is read from that verified ``Authentication`` row.
SESSION_VERIFIED_KEY = "django_ding.verified"
#: A one-shot message for the check page (``{"level": ..., "text": ...}``).
SESSION_NOTICE_KEY = "django_ding.notice"
#: A random value of this session that salts the signed authentication id
#: the check form carries (:func:`check_form_token`).
SESSION_FORM_KEY = "django_ding.form_key"
#: Longest check form token read; anything longer is tampered with.
FORM_TOKEN_MAX_LENGTH = 200


def e164(phone_number: object) -> str:
    """A stored phone number as E.164, whatever ``PHONENUMBER_DEFAULT_FORMAT`` says."""
    value = getattr(phone_number, "as_e164", None)
    return value if isinstance(value, str) else str(phone_number)


class Notice(TypedDict):
    level: str  # "success", "info" or "error"
    text: str


def _session(request: HttpRequest) -> Any:
    session = getattr(request, "session", None)
    if session is None:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "django-ding's views need django.contrib.sessions: add "
            "'django.contrib.sessions.middleware.SessionMiddleware' to MIDDLEWARE."
        )
    return session


def _is_pk(value: object) -> TypeGuard[int]:
    """Whether ``value`` can be an ``Authentication`` primary key (a BigAutoField)."""
    return type(value) is int and 0 < value < 2**63


def _current_user_pk(request: HttpRequest) -> Any:
    """The primary key of the signed-in user, ``None`` when nobody is."""
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def remember_authentication(request: HttpRequest, authentication: Authentication) -> None:
    """Make ``authentication`` the one this session is verifying."""
    _session(request)[SESSION_AUTHENTICATION_KEY] = authentication.pk


def forget_authentication(request: HttpRequest) -> None:
    _session(request).pop(SESSION_AUTHENTICATION_KEY, None)


def get_session_authentication(request: HttpRequest) -> Authentication | None:
    """Return the authentication this session is verifying, or ``None``.

    An id that is not an integer, that points nowhere, or whose row belongs to
    someone other than who is signed in now (a row started anonymously, once
    someone signs in; a user's row, once nobody or another user is) is
    dropped from the session.
    """
    session = _session(request)
    raw = session.get(SESSION_AUTHENTICATION_KEY)
    if raw is None:
        return None
    if not _is_pk(raw):
        forget_authentication(request)
        return None
    authentication = Authentication.objects.filter(pk=raw).first()
    if authentication is None:
        forget_authentication(request)
        return None
    if authentication.user_id != _current_user_pk(request):
        forget_authentication(request)
        return None
    return authentication


def mark_verified(request: HttpRequest, authentication: Authentication) -> None:
    """Record in the session which authentication verified its number.

    Only the id and the time are stored, not the number: session data is
    signed, not encrypted, and lives in another table (or cache, or cookie).
    """
    _session(request)[SESSION_VERIFIED_KEY] = {
        "authentication_id": authentication.pk,
        "user_id": _current_user_pk(request),
        "verified_at": (authentication.verified_at or timezone.now()).isoformat(),
    }


def session_verified_phone_number(request: HttpRequest) -> str | None:
    """The E.164 number verified in this session, if any.

    Read from the :class:`Authentication` the session points to (one query
    by primary key), and only if

    * the marker was made for who is signed in now (an anonymous marker is
      not inherited by whoever signs in next in that browser);
    * that row is verified, and belongs to that user or to nobody;
    * it was verified less than ``DING["VERIFIED_MAX_AGE"]`` seconds ago.
    """
    session = getattr(request, "session", None)
    if session is None:
        return None
    data = session.get(SESSION_VERIFIED_KEY)
    if not isinstance(data, dict):
        return None
    pk = data.get("authentication_id")
    if not _is_pk(pk) or "user_id" not in data:
        return None
    owner = _current_user_pk(request)
    if data["user_id"] != owner:
        return None
    rows = Authentication.objects.filter(
        pk=pk,
        status=Authentication.Status.VERIFIED,
        verified_at__gt=timezone.now() - dt.timedelta(seconds=verified_max_age()),
    )
    if owner is not None:
        rows = rows.filter(Q(user__isnull=True) | Q(user_id=owner))
    number = rows.values_list("phone_number", flat=True).first()
    if number is None:
        return None
    text = e164(number)
    return text if text.startswith("+") else None


def forget_verified(request: HttpRequest) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(SESSION_VERIFIED_KEY, None)


def forget_foreign_state(request: HttpRequest, user: Any) -> None:
    """Drop what this session holds for someone other than ``user``: called
    when ``user`` signs in, since ``login()`` keeps an anonymous session's
    data. The reads above check the owner anyway; this keeps the session
    clean."""
    session = getattr(request, "session", None)
    if session is None:
        return
    pk = user.pk
    marker = session.get(SESSION_VERIFIED_KEY)
    if isinstance(marker, dict) and marker.get("user_id") != pk:
        session.pop(SESSION_VERIFIED_KEY, None)
    if SESSION_AUTHENTICATION_KEY in session:
        raw = session[SESSION_AUTHENTICATION_KEY]
        if not (_is_pk(raw) and Authentication.objects.filter(pk=raw, user_id=pk).exists()):
            session.pop(SESSION_AUTHENTICATION_KEY, None)


def push_notice(request: HttpRequest, level: str, text: str) -> None:
    """Leave a message for the next page of the flow."""
    _session(request)[SESSION_NOTICE_KEY] = {"level": level, "text": str(text)}


def pop_notice(request: HttpRequest) -> Notice | None:
    data = _session(request).pop(SESSION_NOTICE_KEY, None)
    if (
        isinstance(data, dict)
        and isinstance(data.get("level"), str)
        and isinstance(data.get("text"), str)
    ):
        return Notice(level=data["level"], text=data["text"])
    return None


class FormMatch(enum.Enum):
    """How a posted check form relates to the session's authentication."""

    #: The form was made for the session's authentication.
    CURRENT = "current"
    #: The form carries no token (a custom template, a test client): the
    #: session's authentication is the one checked, as before tokens.
    MISSING = "missing"
    #: Made in this session for another number (another tab asked for it).
    OTHER_NUMBER = "other_number"
    #: Made for an older verification of the same number, or not made by
    #: this session at all (tampered, another browser, an old secret).
    OUTDATED = "outdated"


def _form_salt(session: Any) -> str | None:
    key = session.get(SESSION_FORM_KEY)
    return f"django_ding.check_form.{key}" if isinstance(key, str) and len(key) == 32 else None


def check_form_token(request: HttpRequest, authentication: Authentication) -> str:
    """The value the check form carries to say which authentication it was
    shown for: its id, signed with ``SECRET_KEY`` and salted with a random
    value of this session. Never trusted on its own: the session decides
    which authentication is checked (:func:`match_check_form`)."""
    session = _session(request)
    if _form_salt(session) is None:
        session[SESSION_FORM_KEY] = secrets.token_urlsafe(24)
    return signing.dumps(authentication.pk, salt=str(_form_salt(session)))


def match_check_form(
    request: HttpRequest, authentication: Authentication, token: object
) -> FormMatch:
    """Whether the check form that posted ``token`` was shown for
    ``authentication`` (the session's). Only :attr:`FormMatch.CURRENT` and
    :attr:`FormMatch.MISSING` may go on to check a code."""
    if token is None or token == "":
        return FormMatch.MISSING
    if not isinstance(token, str) or len(token) > FORM_TOKEN_MAX_LENGTH:
        return FormMatch.OUTDATED
    salt = _form_salt(_session(request))
    if salt is None:
        return FormMatch.OUTDATED
    try:
        pk = signing.loads(token, salt=salt)
    except signing.BadSignature:
        return FormMatch.OUTDATED
    if not _is_pk(pk):
        return FormMatch.OUTDATED
    if pk == authentication.pk:
        return FormMatch.CURRENT
    number = Authentication.objects.filter(pk=pk).values_list("phone_number", flat=True).first()
    if number is not None and e164(number) != e164(authentication.phone_number):
        return FormMatch.OTHER_NUMBER
    return FormMatch.OUTDATED
