"""``manage.py ding_cleanup --older-than DAYS``: delete old verification history."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from django_ding.services.retention import DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, purge_history


class Command(BaseCommand):
    help = (
        "Delete authentications (with their checks, resends and events) and feedback "
        "created more than DAYS days ago, in batches. Run it from cron for data retention."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            required=True,
            metavar="DAYS",
            help="Delete history created more than DAYS days ago (at least 1).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            metavar="N",
            help=(
                f"Rows deleted per batch, each batch one short transaction "
                f"(1 to {MAX_BATCH_SIZE}, default {DEFAULT_BATCH_SIZE})."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["older_than"]
        batch_size = options["batch_size"]
        dry_run = bool(options["dry_run"])
        verbosity = int(options["verbosity"])
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise CommandError(f"--older-than must be a whole number of days >= 1, not {days!r}.")
        if not isinstance(batch_size, int) or not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise CommandError(
                f"--batch-size must be between 1 and {MAX_BATCH_SIZE}, not {batch_size!r}."
            )
        try:
            older_than = dt.timedelta(days=days)
        except OverflowError:
            raise CommandError(f"--older-than {days} is too large.") from None

        counts: dict[str, int] = {}

        def on_batch(label: str, count: int) -> None:
            counts[label] = counts.get(label, 0) + count
            if verbosity >= 2 and not dry_run:
                self.stdout.write(f"  deleted {count} {label} rows")

        try:
            total = purge_history(
                older_than=older_than, dry_run=dry_run, batch_size=batch_size, on_batch=on_batch
            )
        except ValueError as err:
            raise CommandError(str(err)) from err
        detail = ", ".join(f"{label}: {count}" for label, count in counts.items())
        verb = "Would delete" if dry_run else "Deleted"
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{verb} {total} rows older than {days} days ({detail or 'nothing'})."
                )
            )
