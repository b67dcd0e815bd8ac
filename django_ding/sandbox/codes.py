"""Codes of the sandbox: generated, hashed, checked, written into messages.

A code is stored only as a salted HMAC (keyed with ``SECRET_KEY``) and
compared in constant time. ``DING["SANDBOX_FIXED_CODE"]`` replaces the random
code, but only while ``settings.DEBUG`` is on: the system check
``django_ding.E010`` refuses it otherwise, and the sandbox ignores it (with a
warning) in case the check was silenced.
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext

from django_ding.exceptions import DingConfigurationError
from django_ding.sandbox.options import fixed_code

__all__ = ["CODE_LENGTH", "SandboxText", "code_matches", "hash_code", "new_code", "render_text"]

logger = logging.getLogger("django_ding.sandbox")

#: Digits of a random code.
CODE_LENGTH = 6
#: Longer input is a wrong code without being hashed.
MAX_CODE_INPUT = 32
_KEY_SALT = "django_ding.sandbox.code"
_MARK = "\x00"
_DEFAULT_TEXT = "Your verification code is %(code)s"


def new_code() -> str:
    """The fixed code when allowed, else a random 6-digit code."""
    try:
        fixed = fixed_code()
    except DingConfigurationError:
        fixed = ""  # malformed: reported by E011, ignored here
    if fixed is not None:
        if settings.DEBUG and fixed:
            return fixed
        logger.warning(
            "DING['SANDBOX_FIXED_CODE'] is ignored: it needs DEBUG=True and 4 to 10 digits."
        )
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def new_salt() -> str:
    return secrets.token_hex(8)


def hash_code(salt: str, code: str) -> str:
    """The salted HMAC-SHA256 of ``code``, as hex."""
    return salted_hmac(_KEY_SALT, salt + code, algorithm="sha256").hexdigest()


def code_matches(salt: str, stored_hash: str, typed: str) -> bool:
    """Whether ``typed`` is the code whose hash is ``stored_hash``."""
    if len(typed) > MAX_CODE_INPUT:
        return False
    return constant_time_compare(hash_code(salt, typed), stored_hash)


class SandboxText:
    """The text of a sandbox SMS and where its code sits in it."""

    def __init__(self, text: str, code_start: int, code_length: int) -> None:
        self.text = text
        self.code_start = code_start
        self.code_length = code_length

    @property
    def masked(self) -> str:
        """The text with the code replaced by asterisks."""
        end = self.code_start + self.code_length
        return self.text[: self.code_start] + "*" * self.code_length + self.text[end:]


def render_text(
    code: str, *, locale: str | None = None, app_realm: str | None = None
) -> SandboxText:
    """Write the SMS for ``code`` in ``locale`` when the site supports that
    language (else the active one), with the Android SMS Retriever hash
    (``app_realm``) on its own last line as Android expects."""
    language = _supported_language(locale) or translation.get_language()
    with translation.override(language):
        template = gettext("Your verification code is %(code)s")
    try:
        start = (template % {"code": _MARK}).index(_MARK)
    except (KeyError, TypeError, ValueError):  # a broken translation must not lose the code
        template = _DEFAULT_TEXT
        start = (template % {"code": _MARK}).index(_MARK)
    text = template % {"code": code}
    if app_realm:
        text = f"{text}\n{app_realm}"
    return SandboxText(text, start, len(code))


def _supported_language(locale: str | None) -> str | None:
    if not locale:
        return None
    try:
        return translation.get_supported_language_variant(locale.replace("_", "-").lower())
    except LookupError:
        return None
