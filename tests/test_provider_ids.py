"""``django_ding.provider_ids``, and the deprecated ``authentication_uuid``
alias of the model."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import FieldError

from django_ding import provider_ids
from django_ding.models import Authentication

V1 = "6f1a8e63-7a4a-4bd5-a8c8-2b7b2f1d2c3e"
V2 = "vrf_01jc0t6fwwfgfsq1md24mhyztj"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (V1, V1),
        (V1.upper(), V1),
        (V1.replace("-", ""), V1),
        (f"{{{V1}}}", V1),
        (f"urn:uuid:{V1}", V1),
        (uuid.UUID(V1), V1),
        (V2, V2),
        ("att_01JC0T6FWWFGFSQ1MD24MHYZTJ", "att_01JC0T6FWWFGFSQ1MD24MHYZTJ"),
        ("a", "a"),
        ("!" * 64, "!" * 64),
    ],
)
def test_canonical(value: object, expected: str) -> None:
    assert provider_ids.canonical(value) == expected


@pytest.mark.parametrize(
    "value", ["", " ", f" {V2}", f"{V2}\n", "a b", "x" * 65, "vrf_é", "\x00", "\x7f", None, 1, b"a"]
)
def test_canonical_refuses(value: object) -> None:
    with pytest.raises(ValueError, match="1 to 64 visible ASCII characters"):
        provider_ids.canonical(value)


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        (V1, V1),
        (f"  {V1.upper()}  ", V1),
        (uuid.UUID(V1).hex, V1),
        (uuid.UUID(V1).urn, V1),
        (V2, V2),
        (f" {V2} ", V2),
        ("VRF_01JC", "VRF_01JC"),  # case-sensitive: searched as typed
        ("hello", None),
        ("0612345678", None),
        ("+33612345678", None),
        ("vrf_", None),
        ("_abc", None),
        ("vrf_a b", None),
        ("vrf_" + "a" * 61, None),
        ("'; DROP TABLE x; --", None),
        ("9" * 5000, None),
        ("", None),
    ],
)
def test_from_query(term: str, expected: str | None) -> None:
    assert provider_ids.from_query(term) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(V1, uuid.UUID(V1)), (V2, None), (None, None), ("", None)],
)
def test_as_uuid(value: str | None, expected: uuid.UUID | None) -> None:
    assert provider_ids.as_uuid(value) == expected


@pytest.mark.parametrize(
    ("provider_id", "expected"), [(V1, uuid.UUID(V1)), (V2, None), (None, None)]
)
def test_authentication_uuid_is_a_deprecated_alias(
    provider_id: str | None, expected: uuid.UUID | None
) -> None:
    authentication = Authentication(phone_number="+33612345678", provider_id=provider_id)
    with pytest.deprecated_call(match="use Authentication.provider_id") as warned:
        assert authentication.authentication_uuid == expected
    assert warned[0].filename == __file__  # points at the caller's line


def test_authentication_uuid_is_read_only() -> None:
    authentication = Authentication(phone_number="+33612345678", provider_id=V1)
    with pytest.raises(AttributeError):
        authentication.authentication_uuid = uuid.uuid4()  # type: ignore[misc]
    assert authentication.provider_id == V1


@pytest.mark.django_db
def test_queries_use_provider_id() -> None:
    """No lookup alias: a filter on the old column fails loudly (the docs give
    the replacement, ``provider_id=str(uuid)``)."""
    Authentication.objects.create(phone_number="+33612345678", provider_id=V1)
    with pytest.raises(FieldError, match="authentication_uuid"):
        Authentication.objects.filter(authentication_uuid=uuid.UUID(V1)).exists()
    assert Authentication.objects.filter(provider_id=str(uuid.UUID(V1))).exists()
