"""Admin for the verification history: read-only, with masked phone numbers.

The history is an audit trail, so nobody adds, edits or deletes rows here
(``ding_cleanup`` deletes old history). Lists only ever show masked numbers.
The full number appears on a detail page only for users holding
:attr:`PhoneNumberAdminMixin.full_phone_number_permission`, decided on every
request. The two actions call :mod:`django_ding.services`; a failing row
becomes an admin message, never an error page.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.db import IntegrityError
from django.db.models import F, Model, Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from django_ding import provider_ids
from django_ding.admin_paginator import BoundedChangeList, BoundedPaginator
from django_ding.exceptions import (
    DingAPIError,
    DingConfigurationError,
    DingError,
    VerificationRefused,
)
from django_ding.models import Authentication, CheckRecord, Feedback, RetryRecord, StatusEvent
from django_ding.phone_numbers import possible_e164
from django_ding.privacy import mask_phone

logger = logging.getLogger(__name__)

#: Stands for the phone number in fieldsets; replaced by ``phone_number`` for
#: users allowed to see the full number.
MASKED_PHONE = "masked_phone"


def normalize_phone_query(term: str) -> str | None:
    """Return the search ``term`` as an E.164 number, or ``None`` when it is
    not one (see :func:`django_ding.phone_numbers.possible_e164`)."""
    return possible_e164(term)


def _when(value: Any) -> str:
    """A timeline timestamp in the current time zone, to the second."""
    return formats.date_format(timezone.localtime(value), "Y-m-d H:i:s") if value else "-"


class PhoneNumberAdminMixin:
    """Masked numbers in lists; exact, index-backed search by phone number.

    Nothing on a list reveals more of a number than the masked form to a user
    without :attr:`full_phone_number_permission`: URL lookups on the number
    (``?phone_number__startswith=+336``, ``__regex``, ``__gt``...) are refused
    (``lookup_allowed``), and the masked column only sorts by the number for
    users who may see it (sorting is an oracle too: with one known row, the
    neighbours' digits follow). The search box matches whole numbers only,
    which is what support needs ("is +33 6 12 34 56 78 in the history?").
    """

    #: Permission that reveals the full number on the detail page and allows
    #: lookups and sorting on it (superusers always have it). ``None``: masked
    #: for everyone.
    full_phone_number_permission: str | None = None
    #: The model field holding the number.
    phone_number_field = "phone_number"
    #: Most rows an action handles in one go (each one is a provider call).
    action_row_limit = 100
    #: Shown when a search term is neither a phone number nor a provider id.
    search_help = _("Search by phone number (any format).")
    #: Counts bounded and estimated, pages bounded: see
    #: :mod:`django_ding.admin_paginator`.
    paginator: ClassVar[type] = BoundedPaginator
    show_full_result_count = False
    #: Facet counts are a full count per filter choice on every page.
    show_facets = admin.ShowFacets.NEVER

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[BoundedChangeList]:
        return BoundedChangeList

    @admin.display(description=_("phone number"))
    def masked_phone(self, obj: Authentication | Feedback) -> str:
        return mask_phone(obj.phone_number)

    @admin.display(description=_("phone number"), ordering="phone_number")
    def sortable_masked_phone(self, obj: Authentication | Feedback) -> str:
        """:meth:`masked_phone`, sortable by the number (for users allowed to
        see it)."""
        return mask_phone(obj.phone_number)

    def can_view_full_phone_number(self, request: HttpRequest) -> bool:
        perm = self.full_phone_number_permission
        return bool(perm) and request.user.has_perm(str(perm))

    def get_list_display(self, request: HttpRequest) -> Any:
        columns = super().get_list_display(request)  # type: ignore[misc]
        if not self.can_view_full_phone_number(request):
            return columns
        return tuple(
            "sortable_masked_phone" if column == MASKED_PHONE else column for column in columns
        )

    def lookup_allowed(self, lookup: str, value: Any, request: HttpRequest | None = None) -> bool:
        """Refuse URL lookups on the number, unless ``request``'s user may see
        full numbers. Django answers a refused lookup with HTTP 400."""
        field = lookup.split("__", 1)[0]
        if field == self.phone_number_field and (
            request is None or not self.can_view_full_phone_number(request)
        ):
            return False
        return super().lookup_allowed(lookup, value, request)  # type: ignore[misc,no-any-return]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        if not self.can_view_full_phone_number(request):
            return fieldsets
        return [
            (
                name,
                {
                    **options,
                    "fields": tuple(
                        "phone_number" if field == MASKED_PHONE else field
                        for field in options["fields"]
                    ),
                },
            )
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return flatten_fieldsets(self.get_fieldsets(request, obj))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def search_queries(self, term: str) -> list[Q]:
        phone = normalize_phone_query(term)
        return [Q(phone_number=phone)] if phone else []

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        queries = self.search_queries(term)
        if not queries:
            messages.warning(request, self.search_help)
            return queryset.none(), False
        condition = queries[0]
        for query in queries[1:]:
            condition |= query
        return queryset.filter(condition), False


#: Most records of each kind a detail page shows (inlines and timeline): a
#: page that stays the same size whatever a verification went through.
RECORD_LIMIT = 100


class CappedInlineFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """An inline formset of the first :data:`RECORD_LIMIT` records only."""

    def get_queryset(self) -> QuerySet[Any]:
        if not hasattr(self, "_capped"):
            self._capped = super().get_queryset()[:RECORD_LIMIT]
        return self._capped


class _TimelineInline(admin.TabularInline):  # type: ignore[type-arg]
    """A read-only list of an authentication's records, oldest first (the
    first :data:`RECORD_LIMIT`)."""

    formset = CappedInlineFormSet
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Whoever may view an authentication may view its records.
        return request.user.has_perm("django_ding.view_authentication") or request.user.has_perm(
            "django_ding.change_authentication"
        )


class CheckRecordInline(_TimelineInline):
    model = CheckRecord
    fields = readonly_fields = (
        "created_at",
        "verified",
        "reason",
        "provider_status",
        "error_code",
    )
    ordering = ("created_at", "id")


class RetryRecordInline(_TimelineInline):
    model = RetryRecord
    fields = readonly_fields = (
        "created_at",
        "provider_status",
        "provider_id",
        "reason",
        "remaining_retry",
        "next_retry_at",
        "error_code",
    )
    ordering = ("created_at", "id")


class StatusEventInline(_TimelineInline):
    model = StatusEvent
    fields = readonly_fields = (
        "occurred_at",
        "type",
        "status",
        "provider_id",
        "details",
        "recorded_at",
    )
    ordering = (F("occurred_at").asc(nulls_last=True), "recorded_at", "id")


@admin.register(Authentication)
class AuthenticationAdmin(PhoneNumberAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    full_phone_number_permission = "django_ding.change_authentication"

    list_display = ("masked_phone", "status", "user", "created_at", "verified_at")
    list_filter = ("status", "created_at")
    search_fields = ("=phone_number", "=provider_id")
    search_help_text = _("Phone number (any format) or provider id (UUID or vrf_...).")
    search_help = _(
        "Search by phone number (any format) or by provider id "
        "(a Ding UUID or a Prelude vrf_... id)."
    )
    list_select_related = ("user",)
    inlines = (CheckRecordInline, RetryRecordInline, StatusEventInline)
    actions = ("refresh_status", "send_onboarded_feedback")
    fieldsets = (
        (
            None,
            {"fields": (MASKED_PHONE, "status", "user", "provider_id", "merged_into", "backend")},
        ),
        (
            _("Times"),
            {"fields": ("created_at", "expires_at", "verified_at", "next_retry_at", "updated_at")},
        ),
        (_("Limits"), {"fields": ("failed_checks", "remaining_retry")}),
        (
            _("Provider"),
            {
                "fields": (
                    "error_code",
                    "refusal_reason",
                    "correlation_id",
                    "template_id",
                    "locale",
                )
            },
        ),
        (_("Device signals"), {"fields": ("ip", "signals")}),
        (_("Timeline"), {"fields": ("timeline",)}),
    )

    def search_queries(self, term: str) -> list[Q]:
        queries = super().search_queries(term)
        provider_id = provider_ids.from_query(term)
        if provider_id is not None:
            queries.append(Q(provider_id=provider_id))
        return queries

    @admin.display(description=_("timeline"))
    def timeline(self, obj: Authentication) -> SafeString:
        """Everything that happened to ``obj``, oldest first (at most
        :data:`RECORD_LIMIT` records of each kind)."""
        rows: list[tuple[Any, str, str]] = [(obj.created_at, gettext("Created"), "")]
        for check in obj.checks.all()[:RECORD_LIMIT]:
            outcome = gettext("correct code") if check.verified else check.get_reason_display()
            rows.append((check.created_at, gettext("Check"), _details(outcome, check)))
        for retry in obj.retries.all()[:RECORD_LIMIT]:
            outcome = retry.get_reason_display() or retry.provider_status
            rows.append((retry.created_at, gettext("Resend"), _details(outcome, retry)))
        for event in obj.events.all()[:RECORD_LIMIT]:
            when = event.occurred_at or event.recorded_at
            rows.append((when, gettext("Provider event"), f"{event.type} {event.status}".strip()))
        if obj.verified_at:
            rows.append((obj.verified_at, gettext("Verified"), ""))
        rows.sort(key=lambda row: row[0])
        return format_html(
            "<table><tbody>{}</tbody></table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((_when(when), kind, detail) for when, kind, detail in rows),
            ),
        )

    # -- Actions --------------------------------------------------------------

    def has_refresh_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("django_ding.change_authentication")

    def has_send_feedback_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("django_ding.add_feedback")

    def _limited(
        self, request: HttpRequest, queryset: QuerySet[Authentication]
    ) -> list[Authentication]:
        rows = list(queryset.select_related("user")[: self.action_row_limit + 1])
        if len(rows) > self.action_row_limit:
            self.message_user(
                request,
                gettext("Only the first %(limit)d selected rows were handled.")
                % {"limit": self.action_row_limit},
                messages.WARNING,
            )
        return rows[: self.action_row_limit]

    @admin.action(description=_("Refresh status from the provider"), permissions=["refresh"])
    def refresh_status(self, request: HttpRequest, queryset: QuerySet[Authentication]) -> None:
        from django_ding import services

        refreshed = local = 0
        for row in self._limited(request, queryset):
            try:
                services.refresh_status(row)
            except DingConfigurationError:
                logger.exception("django-ding is misconfigured: cannot refresh status")
                self.message_user(
                    request,
                    gettext("django-ding is misconfigured; see the server log."),
                    messages.ERROR,
                )
                break
            except (DingError, VerificationRefused, ValueError) as err:
                self._row_error(request, row, err)
            except Exception as err:  # one broken row must not hide the others
                logger.exception("Refreshing authentication %s failed", row.pk)
                self._row_error(request, row, err)
            else:
                if not row.provider_id:
                    local += 1
                else:
                    refreshed += 1
        if local:
            self.message_user(
                request,
                ngettext(
                    "%(count)d authentication never reached the provider; "
                    "only its local state was checked.",
                    "%(count)d authentications never reached the provider; "
                    "only their local state was checked.",
                    local,
                )
                % {"count": local},
                messages.WARNING,
            )
        if refreshed:
            self.message_user(
                request,
                ngettext(
                    "Refreshed %(count)d authentication.",
                    "Refreshed %(count)d authentications.",
                    refreshed,
                )
                % {"count": refreshed},
                messages.SUCCESS,
            )

    @admin.action(description=_("Send onboarded feedback"), permissions=["send_feedback"])
    def send_onboarded_feedback(
        self, request: HttpRequest, queryset: QuerySet[Authentication]
    ) -> None:
        from django_ding import services

        onboarded = Feedback.Status.ONBOARDED
        by_phone: dict[str, Authentication] = {}
        unverified = 0
        for row in self._limited(request, queryset):
            if row.status != Authentication.Status.VERIFIED:
                unverified += 1
            else:
                by_phone.setdefault(row.phone_number.as_e164, row)
        # Failed deliveries are not "known": send_feedback queues them again.
        known = {
            phone.as_e164
            for phone in Feedback.objects.filter(status=onboarded, phone_number__in=list(by_phone))
            .exclude(delivery=Feedback.Delivery.FAILED)
            .values_list("phone_number", flat=True)
        }
        sent = duplicates = 0
        for phone, row in by_phone.items():
            if phone in known:
                duplicates += 1
                continue
            try:
                feedback = services.send_feedback(phone, onboarded.value, user=row.user)
            except IntegrityError:  # recorded meanwhile by someone else
                duplicates += 1
            except (DingError, ValueError) as err:
                self._row_error(request, row, err)
            else:
                if feedback.delivery == Feedback.Delivery.DUPLICATE:
                    duplicates += 1
                elif feedback.delivery == Feedback.Delivery.FAILED:
                    self._row_error(request, row, feedback.error_code or "failed")
                else:
                    sent += 1
        self._feedback_summary(request, sent, duplicates, unverified)

    def _feedback_summary(
        self, request: HttpRequest, sent: int, duplicates: int, unverified: int
    ) -> None:
        notes = (
            (
                sent,
                ngettext_lazy(
                    "Onboarded feedback sent for %(count)d phone number.",
                    "Onboarded feedback sent for %(count)d phone numbers.",
                    "count",
                ),
                messages.SUCCESS,
            ),
            (
                duplicates,
                ngettext_lazy(
                    "%(count)d phone number already had onboarded feedback; "
                    "nothing was sent again.",
                    "%(count)d phone numbers already had onboarded feedback; "
                    "nothing was sent again.",
                    "count",
                ),
                messages.INFO,
            ),
            (
                unverified,
                ngettext_lazy(
                    "%(count)d authentication is not verified and was skipped.",
                    "%(count)d authentications are not verified and were skipped.",
                    "count",
                ),
                messages.WARNING,
            ),
        )
        for count, message, level in notes:
            if count:
                self.message_user(request, str(message % {"count": count}), level)

    def _row_error(self, request: HttpRequest, row: Authentication, err: object) -> None:
        """Report one failed row without its full number or provider text."""
        if isinstance(err, DingAPIError):
            detail = err.code or f"HTTP {err.status_code}"
        elif isinstance(err, VerificationRefused):
            detail = str(err.reason)
        elif isinstance(err, BaseException):
            detail = type(err).__name__
        else:
            detail = str(err)
        logger.warning(
            "Admin action failed for authentication %s (%s): %s",
            row.pk,
            mask_phone(row.phone_number),
            detail,
        )
        self.message_user(
            request,
            gettext("%(phone)s: the provider call failed (%(error)s).")
            % {"phone": mask_phone(row.phone_number), "error": detail},
            messages.ERROR,
        )


@admin.register(Feedback)
class FeedbackAdmin(PhoneNumberAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    full_phone_number_permission = "django_ding.change_feedback"

    list_display = ("masked_phone", "status", "delivery", "user", "created_at", "sent_at")
    list_filter = ("status", "delivery", "created_at")
    search_fields = ("=phone_number",)
    search_help_text = _("Phone number (any format).")
    list_select_related = ("user",)
    actions = None
    fieldsets = (
        (None, {"fields": (MASKED_PHONE, "status", "user")}),
        (
            _("Delivery"),
            {"fields": ("delivery", "feedback_uuid", "error_code", "created_at", "sent_at")},
        ),
    )


def _details(outcome: str, record: Model) -> str:
    error = getattr(record, "error_code", "")
    return f"{outcome} ({error})" if error else outcome
