"""State of the sandbox provider, kept in the database.

The sandbox plays Ding v1 and Prelude Verify v2 on the same state: a v2
verification is a :class:`SandboxAuthentication` with a ``verification_id``
(``vrf_...``); v1 authentications have none. It keeps what Ding keeps: authentications, the
attempts (deliveries) of each, the checks made against them and the feedback
received. Nothing lives in process memory, so any number of server processes
share one sandbox.

Codes are stored only as salted hashes (:mod:`django_ding.sandbox.codes`).
The one place a code appears in clear is the text of an outbox message: that
is the simulated SMS the developer reads, like an e-mail in Django's
``locmem`` outbox.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from django_ding.privacy import mask_phone


class SandboxAuthentication(models.Model):
    """One ``POST /authentication`` the sandbox accepted."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RATE_LIMITED = "rate_limited", _("Rate limited")
        SPAM_DETECTED = "spam_detected", _("Spam detected")
        BLOCKED = "blocked", _("Blocked")

    uuid = models.UUIDField(_("UUID"), unique=True, default=uuid.uuid4, editable=False)
    verification_id = models.CharField(
        _("verification id"),
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("The Prelude v2 id (vrf_...) of a verification made on the v2 face."),
    )
    block_reason = models.CharField(
        _("block reason"),
        max_length=32,
        blank=True,
        help_text=_("Why a v2 create was blocked (in_block_list, suspicious...)."),
    )
    customer_uuid = models.UUIDField(_("customer UUID"), db_index=True)
    phone_number = models.CharField(_("phone number"), max_length=20, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    failed_checks = models.PositiveIntegerField(_("failed checks"), default=0)
    remaining_retry = models.PositiveIntegerField(_("remaining retries"), default=0)
    next_retry_at = models.DateTimeField(_("next retry at"), null=True, blank=True)
    delivers = models.BooleanField(
        _("delivers"),
        default=True,
        help_text=_("False for the magic number whose messages never arrive."),
    )
    fields = models.JSONField(
        _("request fields"),
        default=dict,
        blank=True,
        help_text=_("The optional create fields (signals, template id, locale...)."),
    )

    class Meta:
        verbose_name = _("sandbox authentication")
        verbose_name_plural = _("sandbox authentications")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{mask_phone(self.phone_number)} ({self.status})"


class SandboxAttempt(models.Model):
    """One message sent for an authentication (the first send or a retry)."""

    authentication = models.ForeignKey(
        SandboxAuthentication, on_delete=models.CASCADE, related_name="attempts"
    )
    attempt_id = models.UUIDField(_("attempt id"), default=uuid.uuid4, editable=False)
    attempt_number = models.PositiveIntegerField(_("attempt number"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    code_salt = models.CharField(_("code salt"), max_length=32)
    code_hash = models.CharField(_("code hash"), max_length=128)
    masked_content = models.CharField(
        _("masked content"), max_length=500, help_text=_("The message with its code hidden.")
    )
    delivered = models.BooleanField(_("delivered"), default=True)

    class Meta:
        verbose_name = _("sandbox attempt")
        verbose_name_plural = _("sandbox attempts")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["authentication", "attempt_number"], name="ding_sandbox_attempt_unique"
            )
        ]

    def __str__(self) -> str:
        return f"attempt {self.attempt_number}"


class SandboxCheck(models.Model):
    """One ``POST /check``. What was typed is not kept, only the outcome."""

    authentication = models.ForeignKey(
        SandboxAuthentication, on_delete=models.CASCADE, related_name="checks"
    )
    check_id = models.UUIDField(_("check id"), default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=20)

    class Meta:
        verbose_name = _("sandbox check")
        verbose_name_plural = _("sandbox checks")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.status


class SandboxFeedback(models.Model):
    """One ``POST /authentication/feedback``; each status once per number."""

    uuid = models.UUIDField(_("UUID"), unique=True, default=uuid.uuid4, editable=False)
    customer_uuid = models.UUIDField(_("customer UUID"))
    phone_number = models.CharField(_("phone number"), max_length=20)
    status = models.CharField(_("status"), max_length=20)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("sandbox feedback")
        verbose_name_plural = _("sandbox feedback")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer_uuid", "phone_number", "status"],
                name="ding_sandbox_feedback_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{mask_phone(self.phone_number)}: {self.status}"


class SandboxMessage(models.Model):
    """A simulated SMS, as the phone would show it: the outbox and the inbox
    page. ``text`` holds the code in clear (``code_start``/``code_length``
    locate it); the oldest messages are dropped beyond
    ``DING["SANDBOX_OUTBOX_SIZE"]``."""

    phone_number = models.CharField(_("phone number"), max_length=20, db_index=True)
    text = models.TextField(_("text"))
    code_start = models.PositiveIntegerField(_("code start"))
    code_length = models.PositiveIntegerField(_("code length"))
    authentication_uuid = models.UUIDField(_("authentication UUID"))
    verification_id = models.CharField(
        _("verification id"),
        max_length=40,
        blank=True,
        help_text=_("The v2 id (vrf_...) of the verification, empty for v1."),
    )
    attempt_number = models.PositiveIntegerField(_("attempt number"))
    sender_id = models.CharField(_("sender id"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("sandbox message")
        verbose_name_plural = _("sandbox messages")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{mask_phone(self.phone_number)} #{self.attempt_number}"

    @property
    def code(self) -> str:
        """The code in the text."""
        return self.text[self.code_start : self.code_start + self.code_length]

    @property
    def masked_phone_number(self) -> str:
        return mask_phone(self.phone_number)

    @property
    def provider_id(self) -> str:
        """The id the client holds: the v2 ``vrf_`` id, else the v1 UUID."""
        return self.verification_id or str(self.authentication_uuid)
