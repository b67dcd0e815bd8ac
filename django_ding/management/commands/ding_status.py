"""``manage.py ding_status <id>``: refresh one authentication and print it.
``manage.py ding_status --refresh-pending``: finish what was left half-done
and refresh every authentication still waiting for its code."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone

from django_ding import provider_ids
from django_ding.exceptions import DingAPIError, DingConfigurationError, DingError
from django_ding.models import Authentication
from django_ding.privacy import mask_phone

#: Longest piece of user input echoed back in an error message.
_ECHO = 64


def iso(value: dt.datetime | None) -> str:
    """A timestamp in UTC, ISO 8601, to the second; ``-`` when missing."""
    if value is None:
        return "-"
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def provider_error(err: DingError) -> CommandError:
    """A ``CommandError`` for a provider failure, without the provider's text
    (which may quote the phone number)."""
    if isinstance(err, DingAPIError):
        detail = f"HTTP {err.status_code}" + (f", code {err.code}" if err.code else "")
        return CommandError(f"The provider refused the request ({detail}).")
    return CommandError(f"The provider could not be reached ({type(err).__name__}).")


class Command(BaseCommand):
    help = (
        "Refresh one authentication from the provider (get_authentication_status) "
        "and print it with its checks, resends and provider events; or, with "
        "--refresh-pending, finish interrupted sends and refresh every pending one."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "provider_id",
            metavar="id",
            nargs="?",
            help=(
                "The provider's id, as shown in the admin: a Ding v1 UUID "
                "(any spelling) or a Prelude v2 vrf_... id."
            ),
        )
        parser.add_argument(
            "--refresh-pending",
            action="store_true",
            help=(
                "Instead of one id: fail the sends and resends left in flight longer than "
                "any provider call can take (without calling the provider again), then "
                "refresh every authentication still waiting for its code. For cron."
            ),
        )
        parser.add_argument(
            "--no-refresh",
            action="store_true",
            help="Print what is stored without calling the provider.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["refresh_pending"]:
            if options["provider_id"] is not None or options["no_refresh"]:
                raise CommandError("--refresh-pending takes no id and no --no-refresh.")
            self.refresh_pending()
            return
        if options["provider_id"] is None:
            raise CommandError("Give an authentication's id, or --refresh-pending.")
        text = str(options["provider_id"])
        provider_id = provider_ids.from_query(text)
        if provider_id is None:
            raise CommandError(
                f"{text[:_ECHO]!r} is not a valid provider id (a UUID or a vrf_... id)."
            )
        authentication = Authentication.objects.filter(provider_id=provider_id).first()
        if authentication is None:
            raise CommandError(f"No authentication has the provider id {provider_id}.")
        if not options["no_refresh"]:
            from django_ding import services

            try:
                authentication = services.refresh_status(authentication)
            except DingConfigurationError as err:
                raise CommandError(f"django-ding is misconfigured: {err}") from err
            except DingError as err:
                raise provider_error(err) from err
        self.print_authentication(authentication)

    def refresh_pending(self) -> None:
        from django_ding import services

        try:
            finished = services.fail_stale_sends()
            pending = list(
                Authentication.objects.filter(
                    Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
                    status__in=Authentication.CHECKABLE,
                    provider_id__isnull=False,
                ).order_by("created_at", "pk")
            )
        except DatabaseError as err:
            raise CommandError(f"The database failed ({type(err).__name__}).") from err
        failures: list[str] = []
        for authentication in pending:
            try:
                services.refresh_status(authentication)
            except DingConfigurationError as err:
                raise CommandError(f"django-ding is misconfigured: {err}") from err
            except DingError as err:
                failures.append(f"{authentication.provider_id}: {provider_error(err)}")
            except DatabaseError as err:
                failures.append(f"{authentication.provider_id}: database ({type(err).__name__})")
        self.stdout.write(
            f"Failed {finished} interrupted send(s) or resend(s); refreshed "
            f"{len(pending) - len(failures)} of {len(pending)} pending authentication(s)."
        )
        if failures:
            for failure in failures:
                self.stderr.write(f"  {failure}")
            raise CommandError(f"{len(failures)} authentication(s) could not be refreshed.")

    def print_authentication(self, auth: Authentication) -> None:
        out = self.stdout
        out.write(self.style.MIGRATE_HEADING(f"Authentication {auth.provider_id}"))
        fields = [
            ("phone number", mask_phone(auth.phone_number)),
            ("status", f"{auth.status} ({auth.get_status_display()})"),
            ("user", str(auth.user_id or "-")),
            ("backend", auth.backend or "-"),
            ("created at", iso(auth.created_at)),
            ("expires at", iso(auth.expires_at)),
            ("verified at", iso(auth.verified_at)),
            ("next retry at", iso(auth.next_retry_at)),
            ("failed checks", str(auth.failed_checks)),
            (
                "remaining retries",
                "-" if auth.remaining_retry is None else str(auth.remaining_retry),
            ),
            ("error code", auth.error_code or "-"),
        ]
        for label, value in fields:
            out.write(f"  {label + ':':<19}{value}")
        checks = list(auth.checks.order_by("created_at", "id"))
        out.write(self.style.MIGRATE_LABEL(f"Checks ({len(checks)})"))
        for check in checks:
            outcome = "verified" if check.verified else (check.reason or "-")
            extra = f" [{check.error_code}]" if check.error_code else ""
            out.write(f"  {iso(check.created_at)}  {outcome}{extra}")
        retries = list(auth.retries.order_by("created_at", "id"))
        out.write(self.style.MIGRATE_LABEL(f"Resends ({len(retries)})"))
        for retry in retries:
            outcome = retry.provider_status or retry.reason or "-"
            extra = f" [{retry.error_code}]" if retry.error_code else ""
            out.write(f"  {iso(retry.created_at)}  {outcome}{extra}")
        events = list(auth.events.order_by("occurred_at", "recorded_at", "id"))
        out.write(self.style.MIGRATE_LABEL(f"Provider events ({len(events)})"))
        for event in events:
            out.write(f"  {iso(event.occurred_at or event.recorded_at)}  {event}")
