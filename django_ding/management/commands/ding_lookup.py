"""``manage.py ding_lookup <phone> [--cnam]``: carrier and line data of a number."""

from __future__ import annotations

import dataclasses
from argparse import ArgumentParser
from enum import StrEnum
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from django_ding.exceptions import DingConfigurationError, DingError
from django_ding.management.commands.ding_status import provider_error
from django_ding.privacy import mask_phone


class Command(BaseCommand):
    help = (
        "Look a phone number up at the provider (carrier, line type, porting) and "
        "print the result. The number is printed masked."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "phone_number",
            help="The number, in E.164 (+33612345678) or national format with "
            "DING['DEFAULT_REGION'] set.",
        )
        parser.add_argument(
            "--cnam", action="store_true", help="Also ask for the caller name (CNAM)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django_ding import services

        phone = str(options["phone_number"])
        try:
            result = services.lookup(phone, cnam=bool(options["cnam"]))
        except ValueError as err:
            raise CommandError(f"{mask_phone(phone)} is not a valid phone number.") from err
        except DingConfigurationError as err:
            raise CommandError(f"django-ding is misconfigured: {err}") from err
        except DingError as err:
            raise provider_error(err) from err
        for name, value in _rows(result):
            self.stdout.write(f"{name + ':':<32}{value}")


def _rows(result: Any, prefix: str = "") -> list[tuple[str, str]]:
    """``(name, shown value)`` for every field of ``result``, whichever
    provider's result it is: nested results (v2 ``network_info``) as dotted
    names, lists (v2 ``flags``) joined, the number masked."""
    rows: list[tuple[str, str]] = []
    for field in dataclasses.fields(result):
        name = prefix + field.name
        value = getattr(result, field.name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            rows += _rows(value, prefix=f"{name}.")
            continue
        if field.name == "phone_number":
            value = mask_phone(value) if value else None
        elif isinstance(value, tuple):
            value = ", ".join(str(getattr(item, "value", item)) for item in value) or None
        elif isinstance(value, StrEnum):
            value = value.value
        rows.append((name, "-" if value is None else str(value)))
    return rows
