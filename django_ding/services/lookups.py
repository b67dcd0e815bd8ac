"""Phone number metadata: :func:`lookup`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django_ding.backends import get_backend
from django_ding.backends.operations import LookupRequest
from django_ding.backends.results import LookupResponse
from django_ding.privacy import mask_phone
from django_ding.services.records import error_code_for, logger, normalize_phone_number

if TYPE_CHECKING:
    from phonenumber_field.phonenumber import PhoneNumber

__all__ = ["lookup"]


def lookup(phone_number: str | PhoneNumber, *, cnam: bool = False) -> LookupResponse:
    """Return carrier and line metadata for ``phone_number`` (``cnam=True``
    adds the caller name where the provider has it).

    Nothing is recorded. Raises ``ValueError`` for an invalid number,
    ``TypeError`` when ``cnam`` is not a bool, and the backend's
    ``DingError`` when the provider fails.
    """
    phone = normalize_phone_number(phone_number).as_e164
    looked_up = LookupRequest.build(phone, cnam=cnam)  # TypeError for a cnam not a bool
    logger.info("django-ding: looking up %s (cnam=%s)", mask_phone(phone), looked_up.cnam)
    try:
        return get_backend().send(looked_up)
    except Exception as err:
        logger.warning(
            "django-ding: lookup of %s failed: %s", mask_phone(phone), error_code_for(err)
        )
        raise
