"""The verification history.

One :class:`Authentication` per ``create_authentication`` call, with a record
of every check, retry, feedback and provider event. Only
:mod:`django_ding.services` writes these rows. No code is ever stored: a check
record keeps the outcome, never what the user typed.
"""

from __future__ import annotations

import uuid
import warnings
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from django_ding import provider_ids
from django_ding.privacy import mask_phone
from django_ding.reasons import Reason


class Authentication(models.Model):
    """One verification: a code sent to a phone number, and what became of it."""

    class Status(models.TextChoices):
        # Recorded; the provider has not answered yet.
        SENDING = "sending", _("Sending")
        # What the provider did with the send (SendOutcome of the backend).
        PENDING = "pending", _("Code sent")
        CHALLENGED = "challenged", _("Code sent on a restricted channel")
        SHADOW_BLOCKED = "shadow_blocked", _("Code sent (block rule matched, not enforced)")
        BLOCKED = "blocked", _("Blocked by the provider")
        MERGED = "merged", _("Resent in an open verification")
        # Local outcomes.
        VERIFIED = "verified", _("Verified")
        EXPIRED = "expired", _("Expired")
        LOCKED = "locked", _("Locked (too many wrong codes)")
        FAILED = "failed", _("Failed")

    #: Statuses in which a code may still be checked (a code was sent).
    CHECKABLE = frozenset({Status.PENDING, Status.CHALLENGED, Status.SHADOW_BLOCKED})

    provider_id = models.CharField(
        _("provider id"),
        max_length=provider_ids.MAX_LENGTH,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "The provider's id: a Ding v1 UUID or a Prelude v2 `vrf_` id; "
            "empty until the provider has answered."
        ),
    )
    phone_number = PhoneNumberField(
        _("phone number"), db_index=True, help_text=_("Stored in E.164 format.")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ding_authentications",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SENDING, db_index=True
    )
    backend = models.CharField(
        _("backend"), max_length=200, blank=True, help_text=_("The backend class that sent it.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("No check is accepted after this.")
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    failed_checks = models.PositiveIntegerField(
        _("failed checks"), default=0, help_text=_("Wrong codes entered for this verification.")
    )
    checks_in_progress = models.PositiveIntegerField(
        _("checks in progress"),
        default=0,
        help_text=_(
            "Checks reserved and sent to the provider, not answered yet. They count "
            "against the attempt limit until the answer arrives."
        ),
    )
    remaining_retry = models.PositiveIntegerField(
        _("remaining retries"),
        null=True,
        blank=True,
        help_text=_("Resends the provider still allows; empty when unknown."),
    )
    next_retry_at = models.DateTimeField(
        _("next retry at"),
        null=True,
        blank=True,
        help_text=_("Earliest time the provider accepts a resend."),
    )
    error_code = models.CharField(
        _("error code"),
        max_length=64,
        blank=True,
        help_text=_("Why it failed: the provider's error code or a transport error."),
    )
    refusal_reason = models.CharField(
        _("refusal reason"),
        max_length=64,
        blank=True,
        help_text=_(
            "Why the provider blocked the send (Ding v1 rate_limited or spam_detected, "
            "a Prelude v2 reason such as suspicious); also kept for shadow blocks."
        ),
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_sends",
        help_text=_(
            "The verification this send was resent in: the provider's window for the "
            "number was still open and it answered with that verification's id."
        ),
    )
    correlation_id = models.CharField(_("correlation id"), max_length=200, blank=True)
    template_id = models.CharField(_("template id"), max_length=200, blank=True)
    locale = models.CharField(_("locale"), max_length=35, blank=True)
    ip = models.GenericIPAddressField(
        _("IP address"),
        null=True,
        blank=True,
        help_text=_("The client address sent to the provider as a signal."),
    )
    signals = models.JSONField(
        _("device signals"),
        default=dict,
        blank=True,
        help_text=_("Device signals sent to the provider (device type, app version...)."),
    )
    client_network = models.CharField(
        _("client network"),
        max_length=50,
        blank=True,
        editable=False,
        help_text=_(
            "The client address as the per-address limits count it: the address itself "
            "for IPv4, its network (a /64 by default) for IPv6."
        ),
    )
    counts_as_send = models.BooleanField(
        _("counts as a send"),
        default=True,
        help_text=_(
            "Counts toward the send limits (cooldown, per number, per address, site-wide). "
            "False only when the request certainly never reached the provider "
            "(connection refused, circuit breaker open, HTTP 429): no message was sent."
        ),
    )

    class Meta:
        verbose_name = _("authentication")
        verbose_name_plural = _("authentications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["phone_number", "created_at"], name="ding_auth_phone_created"),
            models.Index(fields=["client_network", "created_at"], name="ding_auth_network_created"),
            # The admin list: its order, and its status filter in that order.
            models.Index(fields=["created_at", "id"], name="ding_auth_created_id"),
            models.Index(fields=["status", "created_at", "id"], name="ding_auth_status_created"),
        ]

    def __str__(self) -> str:
        return f"{mask_phone(self.phone_number)} ({self.get_status_display()})"

    @property
    def masked_phone_number(self) -> str:
        return mask_phone(self.phone_number)

    @property
    def authentication_uuid(self) -> uuid.UUID | None:
        """Deprecated: read :attr:`provider_id`.

        The Ding v1 id as a ``uuid.UUID``; ``None`` when the provider has not
        answered yet or its id is not a UUID (a Prelude v2 ``vrf_`` id).
        Read-only, and not a database column: filter on
        ``provider_id=str(some_uuid)`` instead.
        """
        warnings.warn(
            "Authentication.authentication_uuid is deprecated; use "
            "Authentication.provider_id (a string that also holds Prelude v2 ids).",
            DeprecationWarning,
            stacklevel=2,
        )
        return provider_ids.as_uuid(self.provider_id)

    @property
    def is_verified(self) -> bool:
        return self.status == self.Status.VERIFIED

    def is_expired(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.expires_at is not None and now >= self.expires_at


class CheckRecord(models.Model):
    """One attempt at a code. The code itself is never stored."""

    authentication = models.ForeignKey(
        Authentication,
        verbose_name=_("authentication"),
        on_delete=models.CASCADE,
        related_name="checks",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    verified = models.BooleanField(_("verified"), default=False)
    reason = models.CharField(
        _("reason"),
        max_length=32,
        choices=Reason.choices,
        blank=True,
        help_text=_("Why it did not verify; empty when it did."),
    )
    provider_status = models.CharField(
        _("provider status"),
        max_length=32,
        blank=True,
        help_text=_("The provider's check status; empty when no provider call was made."),
    )
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    provider_called = models.BooleanField(
        _("provider called"),
        default=False,
        help_text=_("The code was sent to the provider (False for a local refusal)."),
    )
    counts_as_failure = models.BooleanField(
        _("counts as a failure"),
        default=False,
        help_text=_(
            "Counts toward the per-phone and per-client limits of wrong codes: a wrong "
            "code, or a check still waiting for the provider or in doubt (a malformed "
            "code never counts)."
        ),
    )
    ip = models.GenericIPAddressField(
        _("IP address"),
        null=True,
        blank=True,
        help_text=_("The client address the code was typed from (the per-client limit)."),
    )
    client_network = models.CharField(
        _("client network"),
        max_length=50,
        blank=True,
        editable=False,
        help_text=_(
            "The client address as the per-client limit counts it: the address itself "
            "for IPv4, its network (a /64 by default) for IPv6."
        ),
    )
    in_doubt = models.BooleanField(
        _("outcome in doubt"),
        default=False,
        help_text=_(
            "The code reached the provider but its answer was lost (a read timeout, an "
            "unreadable answer, a database error): settled from the provider's status "
            "before the next check of this verification."
        ),
    )

    class Meta:
        verbose_name = _("check")
        verbose_name_plural = _("checks")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["client_network", "created_at"],
                name="ding_check_network_created",
                condition=models.Q(counts_as_failure=True),
            ),
        ]

    def __str__(self) -> str:
        return str(_("verified") if self.verified else self.get_reason_display())


class RetryRecord(models.Model):
    """One request to send the code again."""

    authentication = models.ForeignKey(
        Authentication,
        verbose_name=_("authentication"),
        on_delete=models.CASCADE,
        related_name="retries",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    provider_status = models.CharField(
        _("provider status"),
        max_length=32,
        blank=True,
        help_text=_(
            "The provider's answer (approved, retry, success...); empty when no provider "
            "call was made."
        ),
    )
    reason = models.CharField(
        _("reason"),
        max_length=32,
        choices=Reason.choices,
        blank=True,
        help_text=_("Why it was refused; empty when a code was sent."),
    )
    remaining_retry = models.PositiveIntegerField(_("remaining retries"), null=True, blank=True)
    next_retry_at = models.DateTimeField(_("next retry at"), null=True, blank=True)
    provider_id = models.CharField(
        _("provider id"),
        max_length=provider_ids.MAX_LENGTH,
        blank=True,
        help_text=_(
            "The id the provider answered with; a new one when it opened a new "
            "verification (its window had ended)."
        ),
    )
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    provider_called = models.BooleanField(
        _("provider called"),
        default=False,
        help_text=_(
            "A resend was requested from the provider (False for a local refusal). "
            "Such retries count toward the send limits."
        ),
    )
    counts_as_send = models.BooleanField(
        _("counts as a send"),
        default=True,
        help_text=_(
            "False when the resend certainly never reached the provider (connection "
            "refused, circuit breaker open, HTTP 429): it does not count toward the "
            "send limits."
        ),
    )

    class Meta:
        verbose_name = _("retry")
        verbose_name_plural = _("retries")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.provider_status or self.reason or "-"


class Feedback(models.Model):
    """Onboarding feedback for a phone number; Ding accepts each status once."""

    class Status(models.TextChoices):
        ONBOARDED = "onboarded", _("Onboarded")
        NOT_ONBOARDED = "not_onboarded", _("Not onboarded")

    class Delivery(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DUPLICATE = "duplicate", _("Already known to the provider")
        #: The provider has no counterpart (Prelude v2 ``not_onboarded``).
        SKIPPED = "skipped", _("Nothing to send to this provider")
        FAILED = "failed", _("Failed")

    phone_number = PhoneNumberField(_("phone number"), db_index=True)
    status = models.CharField(_("feedback"), max_length=20, choices=Status.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ding_feedback",
    )
    delivery = models.CharField(
        _("delivery"), max_length=20, choices=Delivery.choices, default=Delivery.QUEUED
    )
    feedback_uuid = models.CharField(_("provider feedback UUID"), max_length=64, blank=True)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone_number", "status"], name="ding_feedback_unique_phone_status"
            )
        ]
        indexes = [
            # The admin list: its order, and its filters in that order.
            models.Index(fields=["created_at", "id"], name="ding_feedback_created_id"),
            models.Index(
                fields=["status", "created_at", "id"], name="ding_feedback_status_created"
            ),
            models.Index(
                fields=["delivery", "created_at", "id"], name="ding_feedback_delivery_created"
            ),
        ]

    def __str__(self) -> str:
        return f"{mask_phone(self.phone_number)}: {self.get_status_display()}"

    @property
    def masked_phone_number(self) -> str:
        return mask_phone(self.phone_number)


class StatusEvent(models.Model):
    """An event the provider reported for an authentication (attempt, check,
    delivery status, balance update), as read by ``refresh_status``."""

    authentication = models.ForeignKey(
        Authentication,
        verbose_name=_("authentication"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    type = models.CharField(_("type"), max_length=32)
    status = models.CharField(_("status"), max_length=32, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    provider_id = models.CharField(
        _("provider id"), max_length=100, blank=True, help_text=_("Attempt or check id.")
    )
    details = models.JSONField(
        _("details"),
        default=dict,
        blank=True,
        help_text=_("Non-secret event fields (never the code or message content)."),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("status event")
        verbose_name_plural = _("status events")
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["authentication", "type", "status", "provider_id", "occurred_at"],
                name="ding_event_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.status}".strip()


class LimitLock(models.Model):
    """A row that serialises the limit checks of one key (a phone number, a
    client address, the site-wide cap), so that two requests cannot both pass
    a limit before either is recorded. ``key`` is a hash: no phone number or
    address is stored here. Rows are tiny and may be deleted at any time."""

    key = models.CharField(_("key"), max_length=80, primary_key=True)
    locked_at = models.DateTimeField(_("last locked at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("limit lock")
        verbose_name_plural = _("limit locks")

    def __str__(self) -> str:
        return self.key
