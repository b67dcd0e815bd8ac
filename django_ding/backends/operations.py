"""One typed, immutable request per backend operation.

A request is valid by construction: build it with its ``build()``
classmethod, which runs the checks of :mod:`django_ding.backends.arguments`
(the same ``TypeError``/``ValueError`` whichever backend is configured) and
keeps the canonical values. Below that point nothing is checked again: a
backend's :meth:`~django_ding.backends.base.BaseBackend.send` trusts the
request it is given and only maps it to its wire.

The public backend methods (``create_authentication(phone_number, **fields)``
...) build the request from their keywords and send it; the service layer
builds each request once, after its own normalisation, and calls ``send``.

What depends on the provider is asked of the backend class a request is built
for: the create fields it defines (``create_fields``, ``validate_fields``,
``clean_field_values``), the form of its ids (``provider_id_argument``) and
whether ``check``/``retry`` are keyed by phone number (``phone_keyed``).
The phone number and the code are left out of a request's ``repr``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from django_ding.backends.arguments import (
    cnam_argument,
    code_argument,
    feedback_status_argument,
    phone_argument,
)

if TYPE_CHECKING:
    from django_ding.backends.base import BaseBackend

__all__ = [
    "BackendRequest",
    "CheckRequest",
    "CreateRequest",
    "FeedbackRequest",
    "LookupRequest",
    "RetryRequest",
    "StatusRequest",
    "required_phone",
]


def _keyed_phone(backend_class: type[BaseBackend], operation: str, value: object) -> str | None:
    """The phone number of a ``check``/``retry``: required by a backend keyed
    by phone number (Prelude v2), checked when given, else ``None``."""
    if value is None:
        if backend_class.phone_keyed:
            raise TypeError(
                f"{backend_class.__name__}.{operation}() needs phone_number=: Prelude v2 "
                "identifies a verification by its phone number."
            )
        return None
    return phone_argument(value)


@dataclasses.dataclass(frozen=True, slots=True)
class CreateRequest:
    """``create_authentication``: send a code to ``phone_number``.

    ``fields`` are the create fields as the caller gave them (what the test
    backends record); ``wire_fields`` the same fields as the backend class
    cleaned them (``None`` and "" dropped, canonical ip, ``device_type``
    upper-case...), ready for its wire.
    """

    operation: ClassVar[str] = "create_authentication"
    phone_number: str = dataclasses.field(repr=False)
    fields: Mapping[str, Any] = dataclasses.field(repr=False)
    wire_fields: Mapping[str, Any] = dataclasses.field(repr=False)

    @classmethod
    def build(
        cls, backend_class: type[BaseBackend], phone_number: object, fields: Mapping[str, Any]
    ) -> CreateRequest:
        phone = phone_argument(phone_number)
        backend_class.validate_fields(fields)  # TypeError naming unknown fields
        cleaned = backend_class.clean_field_values(fields) if fields else {}
        return cls(phone, MappingProxyType(dict(fields)), MappingProxyType(cleaned))


@dataclasses.dataclass(frozen=True, slots=True)
class CheckRequest:
    """``check``: the code the user typed for the verification ``provider_id``."""

    operation: ClassVar[str] = "check"
    provider_id: str
    code: str = dataclasses.field(repr=False)
    phone_number: str | None = dataclasses.field(repr=False)

    @classmethod
    def build(
        cls,
        backend_class: type[BaseBackend],
        authentication_uuid: object,
        check_code: object,
        *,
        phone_number: object = None,
    ) -> CheckRequest:
        provider_id = backend_class.provider_id_argument(authentication_uuid, "authentication_uuid")
        code = code_argument(check_code)
        return cls(provider_id, code, _keyed_phone(backend_class, "check", phone_number))


@dataclasses.dataclass(frozen=True, slots=True)
class RetryRequest:
    """``retry``: send the code of the verification ``provider_id`` again."""

    operation: ClassVar[str] = "retry"
    provider_id: str
    phone_number: str | None = dataclasses.field(repr=False)

    @classmethod
    def build(
        cls,
        backend_class: type[BaseBackend],
        authentication_uuid: object,
        *,
        phone_number: object = None,
    ) -> RetryRequest:
        provider_id = backend_class.provider_id_argument(authentication_uuid, "authentication_uuid")
        return cls(provider_id, _keyed_phone(backend_class, "retry", phone_number))


@dataclasses.dataclass(frozen=True, slots=True)
class FeedbackRequest:
    """``feedback``: whether the user of ``phone_number`` onboarded
    (``status`` is the wire value, ``"onboarded"`` or ``"not_onboarded"``)."""

    operation: ClassVar[str] = "feedback"
    phone_number: str = dataclasses.field(repr=False)
    status: str

    @classmethod
    def build(cls, phone_number: object, status: object) -> FeedbackRequest:
        return cls(phone_argument(phone_number), feedback_status_argument(status))


@dataclasses.dataclass(frozen=True, slots=True)
class StatusRequest:
    """``get_authentication_status``: the verification ``provider_id``."""

    operation: ClassVar[str] = "get_authentication_status"
    provider_id: str

    @classmethod
    def build(cls, backend_class: type[BaseBackend], auth_uuid: object) -> StatusRequest:
        return cls(backend_class.provider_id_argument(auth_uuid, "auth_uuid"))


@dataclasses.dataclass(frozen=True, slots=True)
class LookupRequest:
    """``lookup``: carrier and line metadata of ``phone_number``."""

    operation: ClassVar[str] = "lookup"
    phone_number: str = dataclasses.field(repr=False)
    cnam: bool = False

    @classmethod
    def build(cls, phone_number: object, *, cnam: object = False) -> LookupRequest:
        return cls(phone_argument(phone_number), cnam_argument(cnam))


def required_phone(request: CheckRequest | RetryRequest) -> str:
    """The phone number of a check or retry sent to a ``phone_keyed``
    backend (``build()`` requires it when built for that backend class)."""
    if request.phone_number is None:
        raise TypeError(
            f"{type(request).__name__} has no phone_number: build it for the backend "
            "that sends it (Prelude v2 identifies a verification by its phone number)."
        )
    return request.phone_number


#: Any of the six requests.
BackendRequest = (
    CreateRequest | CheckRequest | RetryRequest | FeedbackRequest | StatusRequest | LookupRequest
)
