"""Search by phone number (any format, normalised to E.164, exact match) and
by provider id (exact; a UUID in any spelling)."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from django_ding.admin import normalize_phone_query
from django_ding.exceptions import DingConfigurationError
from django_ding.models import Authentication, Feedback
from tests.admin.backend import make_authentication, phone
from tests.admin.conftest import html

pytestmark = pytest.mark.django_db

URL = reverse("admin:django_ding_authentication_changelist")
NUMBER = phone(12345678)  # +33612345678


@pytest.fixture
def rows() -> tuple[Authentication, Authentication]:
    return make_authentication(phone_number=NUMBER), make_authentication(
        phone_number=phone(87654321)
    )


def found(client: Client, term: str, *rows: Authentication) -> set[int]:
    page = html(client.get(URL, {"q": term}))
    return {row.pk for row in rows if f'name="_selected_action" value="{row.pk}"' in page}


@pytest.mark.parametrize(
    "term",
    [
        "+33612345678",
        "+33 6 12 34 56 78",
        "+33 (0)6 12 34 56 78",
        "  +33-6-12-34-56-78  ",
        "tel:+33-6-12-34-56-78",
    ],
)
def test_search_by_phone_in_international_formats(
    admin_client: Client, rows: tuple[Authentication, Authentication], term: str
) -> None:
    assert found(admin_client, term, *rows) == {rows[0].pk}


@pytest.mark.parametrize(
    "term", ["0612345678", "06 12 34 56 78", "06.12.34.56.78", "0033612345678"]
)
def test_national_formats_use_the_default_region(
    admin_client: Client,
    rows: tuple[Authentication, Authentication],
    term: str,
    settings: pytest.FixtureRequest,
) -> None:
    settings.DING = {**settings.DING, "DEFAULT_REGION": "FR"}  # type: ignore[attr-defined]
    assert found(admin_client, term, *rows) == {rows[0].pk}
    settings.DING = {**settings.DING, "DEFAULT_REGION": "fr"}  # type: ignore[attr-defined]
    assert found(admin_client, term, *rows) == {rows[0].pk}


def test_national_format_without_region_finds_nothing_and_says_why(
    admin_client: Client, rows: tuple[Authentication, Authentication]
) -> None:
    response = admin_client.get(URL, {"q": "0612345678"})
    page = html(response)
    assert not any(f'value="{row.pk}"' in page for row in rows)
    assert (
        "Search by phone number (any format) or by provider id "
        "(a Ding UUID or a Prelude vrf_... id)." in page
    )


def test_search_by_phone_is_an_exact_indexed_match(
    admin_client: Client, rows: tuple[Authentication, Authentication]
) -> None:
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(URL, {"q": "+33 6 12 34 56 78"})
    sql = " ".join(q["sql"] for q in queries if "django_ding_authentication" in q["sql"])
    assert '"django_ding_authentication"."phone_number" = ' in sql
    assert " LIKE " not in sql.upper()
    # A partial number is not a search for "contains".
    assert found(admin_client, "345678", *rows) == set()


@pytest.mark.parametrize("form", [str, lambda u: str(u).upper(), lambda u: u.hex, lambda u: u.urn])
def test_search_by_uuid(
    admin_client: Client, rows: tuple[Authentication, Authentication], form: object
) -> None:
    target = rows[1]
    term = form(uuid.UUID(target.provider_id))  # type: ignore[operator]
    assert found(admin_client, term, *rows) == {target.pk}


def test_search_by_prelude_id_is_exact(
    admin_client: Client, rows: tuple[Authentication, Authentication]
) -> None:
    v2 = make_authentication(provider_id="vrf_01jc0t6fwwfgfsq1md24mhyztj")
    assert found(admin_client, "vrf_01jc0t6fwwfgfsq1md24mhyztj", v2, *rows) == {v2.pk}
    assert found(admin_client, " vrf_01jc0t6fwwfgfsq1md24mhyztj ", v2, *rows) == {v2.pk}
    assert found(admin_client, "VRF_01JC0T6FWWFGFSQ1MD24MHYZTJ", v2, *rows) == set()
    assert found(admin_client, "vrf_01jc0t6fwwfgfsq1md24", v2, *rows) == set()


def test_search_by_id_is_an_exact_indexed_match(
    admin_client: Client, rows: tuple[Authentication, Authentication]
) -> None:
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(URL, {"q": "vrf_01jc0t6fwwfgfsq1md24mhyztj"})
    sql = " ".join(q["sql"] for q in queries if "django_ding_authentication" in q["sql"])
    assert '"django_ding_authentication"."provider_id" = ' in sql
    assert " LIKE " not in sql.upper()


def test_unknown_uuid_finds_nothing(
    admin_client: Client, rows: tuple[Authentication, Authentication]
) -> None:
    assert found(admin_client, str(uuid.uuid4()), *rows) == set()


@pytest.mark.parametrize(
    "term",
    ["hello", "'; DROP TABLE django_ding_authentication; --", "%", "_", "+", "9" * 300, "x" * 5000],
)
def test_hostile_or_meaningless_terms_find_nothing(
    admin_client: Client, rows: tuple[Authentication, Authentication], term: str
) -> None:
    response = admin_client.get(URL, {"q": term})
    assert response.status_code == 200
    assert found(admin_client, term, *rows) == set()
    assert Authentication.objects.count() == 2


def test_empty_search_lists_everything(
    admin_client: Client, rows: tuple[Authentication, Authentication]
) -> None:
    assert found(admin_client, "   ", *rows) == {row.pk for row in rows}


@pytest.mark.parametrize(
    ("term", "region", "expected"),
    [
        ("+33 6 12 34 56 78", None, "+33612345678"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("(415) 555-2671", "US", "+14155552671"),
        ("06 12 34 56 78", None, None),
        ("", "FR", None),
        ("+1", None, None),
        ("\x00+33612345678", None, "+33612345678"),  # junk before a number is dropped
        ("+33612345678" * 30, None, None),
    ],
)
def test_normalize_phone_query(
    term: str, region: str | None, expected: str | None, settings: object
) -> None:
    settings.DING = {**settings.DING, "DEFAULT_REGION": region}  # type: ignore[attr-defined]
    assert normalize_phone_query(term) == expected


def test_normalize_phone_query_names_a_bad_default_region(settings: object) -> None:
    settings.DING = {**settings.DING, "DEFAULT_REGION": "not-a-region"}  # type: ignore[attr-defined]
    with pytest.raises(DingConfigurationError, match=r"DING\['DEFAULT_REGION'\]"):
        normalize_phone_query("06 12 34 56 78")


def test_feedback_search_by_phone(admin_client: Client) -> None:
    mine = Feedback.objects.create(phone_number=NUMBER, status="onboarded")
    other = Feedback.objects.create(phone_number=phone(87654321), status="onboarded")
    url = reverse("admin:django_ding_feedback_changelist")
    page = html(admin_client.get(url, {"q": "+33 6 12 34 56 78"}))
    link = "/admin/django_ding/feedback/%d/change/"
    assert link % mine.pk in page
    assert link % other.pk not in page
    page = html(admin_client.get(url, {"q": str(uuid.uuid4())}))
    assert link % mine.pk not in page
    assert "Search by phone number" in page
