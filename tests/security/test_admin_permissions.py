"""The admin permission matrix: what each role can see, filter, sort and do.

Finding: staff holding only the view permission recovered every stored number
by filtering the changelist with ``?phone_number__startswith=`` one digit at a
time (or ``__regex``), and the masked column sorted by the real number. Now
lookups and sorting on the number need the full-number permission, and the
search box matches whole numbers only. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from django_ding import services
from django_ding.models import Authentication, Feedback
from django_ding.privacy import mask_phone
from tests.security.conftest import ROLES, make_authentication, make_feedback

pytestmark = pytest.mark.django_db

MODELS = {"authentication": Authentication, "feedback": Feedback}
#: Roles that may open the history at all, and those that may see full numbers.
VIEWERS = {"view_only_staff", "full_number_staff", "superuser"}
FULL_NUMBER = {"full_number_staff", "superuser"}
#: The admin actions each role is offered on the authentication list.
ACTIONS = {
    "view_only_staff": set(),
    "full_number_staff": {"refresh_status", "send_onboarded_feedback"},
    "superuser": {"refresh_status", "send_onboarded_feedback"},
}
#: Every lookup an outsider could use to read a number digit by digit.
PHONE_LOOKUPS = [
    "phone_number__startswith=%2B336",
    "phone_number__istartswith=%2B336",
    "phone_number__contains=12",
    "phone_number__regex=%5E%5C%2B336",
    "phone_number__iregex=.%2A",
    "phone_number__gt=%2B33600000000",
    "phone_number__lte=%2B33699999999",
    "phone_number__in=%2B33620000000",
    "phone_number__endswith=00",
    "phone_number=%2B33620000000",
    "phone_number__exact=%2B33620000000",
    "phone_number__isnull=False",
    "user__ding_authentications__phone_number__startswith=%2B336",
    "user__ding_feedback__phone_number__startswith=%2B336",
]


def make_row(model_name: str, **fields: Any) -> Model:
    return (
        make_authentication(**fields) if model_name == "authentication" else make_feedback(**fields)
    )


def changelist(model_name: str) -> str:
    return reverse(f"admin:django_ding_{model_name}_changelist")


@pytest.fixture(params=sorted(ROLES))
def role(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=sorted(VIEWERS))
def viewer(request: pytest.FixtureRequest) -> str:
    """A role that may open the history."""
    return str(request.param)


@pytest.fixture(params=sorted(MODELS))
def model_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_who_may_open_the_list_and_the_detail_page(
    client_for: Callable[[str], Client], role: str, model_name: str
) -> None:
    row = make_row(model_name)
    client = client_for(role)
    urls = [
        changelist(model_name),
        reverse(f"admin:django_ding_{model_name}_change", args=[row.pk]),
        reverse(f"admin:django_ding_{model_name}_history", args=[row.pk]),
    ]
    for url in urls:
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302
            assert "/login/" in response["Location"]
        elif role == "staff_without_permissions":
            assert response.status_code == 403
        else:
            assert response.status_code == 200, url


def test_what_each_role_sees_of_a_number(
    client_for: Callable[[str], Client], viewer: str, model_name: str
) -> None:
    row = make_row(model_name)
    number = str(row.phone_number)  # type: ignore[attr-defined]
    client = client_for(viewer)
    listing = client.get(changelist(model_name)).content.decode()
    detail = client.get(
        reverse(f"admin:django_ding_{model_name}_change", args=[row.pk])
    ).content.decode()
    assert mask_phone(number) in listing
    assert number not in listing  # lists are masked for everyone
    assert number[1:] not in listing
    assert (number in detail) is (viewer in FULL_NUMBER)


def test_no_one_may_add_change_or_delete(
    client_for: Callable[[str], Client], role: str, model_name: str
) -> None:
    row = make_row(model_name)
    client = client_for(role)
    add = client.get(reverse(f"admin:django_ding_{model_name}_add"))
    delete = client.post(
        reverse(f"admin:django_ding_{model_name}_delete", args=[row.pk]), {"post": "yes"}
    )
    change = client.post(
        reverse(f"admin:django_ding_{model_name}_change", args=[row.pk]),
        {"phone_number": "+33699999999", "status": "failed"},
    )
    for response in (add, delete, change):
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "/login/" in response["Location"] or role == "anonymous"
    assert type(row).objects.filter(pk=row.pk).exists()
    row.refresh_from_db()
    assert str(row.phone_number) != "+33699999999"  # type: ignore[attr-defined]


@pytest.mark.parametrize("lookup", PHONE_LOOKUPS)
def test_lookups_on_the_number_need_the_full_number_permission(
    client_for: Callable[[str], Client], viewer: str, model_name: str, lookup: str
) -> None:
    make_row(model_name, phone_number="+33620000000")
    response = client_for(viewer).get(f"{changelist(model_name)}?{lookup}")
    relation = lookup.startswith("user__")
    if viewer in FULL_NUMBER and not relation:
        assert response.status_code == 200
    else:
        # Django's answer to a refused lookup: 400 (DisallowedModelAdminLookup).
        assert response.status_code == 400, lookup


def test_prefix_enumeration_learns_nothing(client_for: Callable[[str], Client]) -> None:
    """The attack as reported: one digit at a time, comparing row counts."""
    make_authentication(phone_number="+33612345678")
    client = client_for("view_only_staff")
    answers = {
        client.get(
            f"{changelist('authentication')}?phone_number__startswith=%2B3361234{digit}"
        ).status_code
        for digit in range(10)
    }
    assert answers == {400}


def _ordered_numbers(client: Client, model_name: str) -> list[str]:
    listing = client.get(changelist(model_name))
    cl = listing.context["cl"]
    column = next(name for name in cl.list_display if "masked_phone" in str(name))
    index = list(cl.list_display).index(column)
    response = client.get(f"{changelist(model_name)}?o={index}")
    assert response.status_code == 200
    return [str(obj.phone_number) for obj in response.context["cl"].result_list]


def test_sorting_by_the_number_needs_the_full_number_permission(
    client_for: Callable[[str], Client], viewer: str, model_name: str
) -> None:
    # Newest first by default: the high number is listed first.
    make_row(model_name, phone_number="+33620000001")
    make_row(model_name, phone_number="+33629999999")
    numbers = _ordered_numbers(client_for(viewer), model_name)
    if viewer in FULL_NUMBER:
        assert numbers == ["+33620000001", "+33629999999"]
    else:
        assert numbers == ["+33629999999", "+33620000001"]


def test_search_matches_whole_numbers_only(
    client_for: Callable[[str], Client], viewer: str, model_name: str
) -> None:
    make_row(model_name, phone_number="+33620000002")
    client = client_for(viewer)
    for term, found in [
        ("+33620000002", 1),
        ("06 20 00 00 02", 0),  # no DEFAULT_REGION: not a full number
        ("+336200000", 0),
        ("+3362", 0),
        ("0002", 0),
    ]:
        response = client.get(changelist(model_name), {"q": term})
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == found, term


def test_actions_offered_to_each_role(client_for: Callable[[str], Client], viewer: str) -> None:
    make_authentication()
    client = client_for(viewer)
    response = client.get(changelist("authentication"))
    form = response.context.get("action_form")
    offered = {name for name, _ in form.fields["action"].choices if name} if form else set()
    assert offered == ACTIONS[viewer]
    # The feedback list offers no action at all.
    response = client.get(changelist("feedback"))
    assert response.context.get("action_form") is None


@pytest.mark.parametrize("action", ["refresh_status", "send_onboarded_feedback", "delete_selected"])
def test_actions_refused_to_roles_without_them(
    client_for: Callable[[str], Client],
    role: str,
    action: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(services, "refresh_status", lambda *a, **k: calls.append("refresh"))

    def send_feedback(*args: Any, **kwargs: Any) -> Feedback:
        calls.append("feedback")
        return Feedback(delivery=Feedback.Delivery.SENT)

    monkeypatch.setattr(services, "send_feedback", send_feedback)
    row = make_authentication(status=Authentication.Status.VERIFIED)
    client_for(role).post(
        changelist("authentication"),
        {"action": action, "_selected_action": [row.pk], "index": "0", "post": "yes"},
    )
    allowed = action in ACTIONS.get(role, set())
    assert bool(calls) is allowed
    assert Authentication.objects.filter(pk=row.pk).exists()
