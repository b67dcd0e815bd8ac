"""Why an action was refused or a check did not verify.

Every refusal and every unsuccessful check carries one of these reasons (and,
where waiting helps, the seconds until the action is allowed again), so views
can show a precise message and host projects can react in code.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Reason(models.TextChoices):
    # -- check_code ---------------------------------------------------------
    INVALID_CODE = "invalid_code", _("The code is not correct.")
    EXPIRED = "expired", _("The code has expired.")
    LOCKED = "locked", _("Too many wrong codes for this verification.")
    PHONE_LOCKED = "phone_locked", _("Too many wrong codes for this phone number.")
    CLIENT_LOCKED = "client_locked", _("Too many wrong codes from this address.")
    ALREADY_VERIFIED = "already_verified", _("This verification is already complete.")
    NOT_SENT = "not_sent", _("No code was sent for this verification.")
    # -- send_code / retry ----------------------------------------------------
    COOLDOWN = "cooldown", _("A code was sent a moment ago.")
    PHONE_RATE_LIMITED = "phone_rate_limited", _("Too many codes sent to this phone number.")
    IP_RATE_LIMITED = "ip_rate_limited", _("Too many codes requested from this address.")
    GLOBAL_RATE_LIMITED = "global_rate_limited", _("Too many codes sent on this site.")
    RETRY_NOT_YET = "retry_not_yet", _("A new code cannot be sent yet.")
    NO_RETRIES_LEFT = "no_retries_left", _("No more codes can be sent for this verification.")
    # -- the provider ---------------------------------------------------------
    PROVIDER_REFUSED = "provider_refused", _("The provider refused the request.")
    PROVIDER_ERROR = "provider_error", _("The provider could not be reached.")
