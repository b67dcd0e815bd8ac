"""The history is read-only in the admin; the full number is shown only to
users holding the model's change permission, decided per request."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from django_ding.admin import AuthenticationAdmin, FeedbackAdmin
from django_ding.models import Authentication, Feedback
from django_ding.privacy import mask_phone
from tests.admin.backend import make_authentication, phone
from tests.admin.conftest import html

pytestmark = pytest.mark.django_db

NUMBER = phone(12345678)


@pytest.fixture
def row() -> Authentication:
    return make_authentication(phone_number=NUMBER, status=Authentication.Status.VERIFIED)


@pytest.mark.parametrize("model", [Authentication, Feedback])
def test_nobody_may_add_change_or_delete(model: type, admin_user: object) -> None:
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = admin_user  # type: ignore[attr-defined]
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request) is False
    assert model_admin.has_delete_permission(request) is False
    assert model_admin.has_view_permission(request) is True


def test_add_edit_and_delete_urls_are_refused(admin_client: Client, row: Authentication) -> None:
    assert admin_client.get(reverse("admin:django_ding_authentication_add")).status_code == 403
    change_url = reverse("admin:django_ding_authentication_change", args=[row.pk])
    response = admin_client.post(change_url, {"status": "failed", "phone_number": NUMBER})
    assert response.status_code == 403
    delete_url = reverse("admin:django_ding_authentication_delete", args=[row.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    row.refresh_from_db()
    assert row.status == Authentication.Status.VERIFIED


def test_bulk_delete_action_is_not_offered(admin_client: Client, row: Authentication) -> None:
    response = admin_client.get(reverse("admin:django_ding_authentication_changelist"))
    assert "delete_selected" not in html(response)
    response = admin_client.post(
        reverse("admin:django_ding_authentication_changelist"),
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    assert Authentication.objects.filter(pk=row.pk).exists()


def test_detail_page_is_read_only(admin_client: Client, row: Authentication) -> None:
    response = admin_client.get(reverse("admin:django_ding_authentication_change", args=[row.pk]))
    assert response.status_code == 200
    page = html(response)
    assert 'name="_save"' not in page
    assert 'name="status"' not in page
    assert 'name="phone_number"' not in page


def test_view_only_staff_sees_the_masked_number_only(
    staff_client: Callable[..., Client], row: Authentication
) -> None:
    client = staff_client("view_authentication")
    changelist = client.get(reverse("admin:django_ding_authentication_changelist"))
    detail = client.get(reverse("admin:django_ding_authentication_change", args=[row.pk]))
    assert changelist.status_code == detail.status_code == 200
    for page in (html(changelist), html(detail)):
        assert NUMBER not in page
        assert NUMBER[1:] not in page
        assert mask_phone(NUMBER) in page


def test_users_with_change_permission_see_the_full_number_on_the_detail_page_only(
    staff_client: Callable[..., Client], row: Authentication
) -> None:
    client = staff_client("view_authentication", "change_authentication")
    detail = client.get(reverse("admin:django_ding_authentication_change", args=[row.pk]))
    assert NUMBER in html(detail)
    changelist = client.get(reverse("admin:django_ding_authentication_changelist"))
    assert NUMBER not in html(changelist)


def test_superuser_sees_the_full_number_on_the_detail_page(
    admin_client: Client, row: Authentication
) -> None:
    detail = admin_client.get(reverse("admin:django_ding_authentication_change", args=[row.pk]))
    assert NUMBER in html(detail)


def test_the_decision_is_made_per_request(admin_user: object, db: None) -> None:
    """One admin instance, two users: nothing is decided at import time."""
    from django.contrib.auth.models import User

    model_admin = admin.site._registry[Authentication]
    viewer = User.objects.create_user("viewer", is_staff=True)
    factory = RequestFactory()
    as_admin, as_viewer = factory.get("/"), factory.get("/")
    as_admin.user, as_viewer.user = admin_user, viewer  # type: ignore[attr-defined]
    fields_admin = model_admin.get_readonly_fields(as_admin)
    fields_viewer = model_admin.get_readonly_fields(as_viewer)
    assert "phone_number" in fields_admin
    assert "masked_phone" not in fields_admin
    assert "masked_phone" in fields_viewer
    assert "phone_number" not in fields_viewer
    assert "phone_number" in model_admin.get_readonly_fields(as_admin)


def test_full_number_can_be_hidden_from_everyone(
    admin_client: Client, row: Authentication, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AuthenticationAdmin, "full_phone_number_permission", None)
    detail = admin_client.get(reverse("admin:django_ding_authentication_change", args=[row.pk]))
    assert NUMBER not in html(detail)


def test_feedback_detail_masks_for_view_only_staff(
    staff_client: Callable[..., Client], admin_client: Client
) -> None:
    feedback = Feedback.objects.create(phone_number=NUMBER, status=Feedback.Status.ONBOARDED)
    url = reverse("admin:django_ding_feedback_change", args=[feedback.pk])
    client = staff_client("view_feedback")
    assert NUMBER not in html(client.get(url))
    assert NUMBER in html(admin_client.get(url))
    assert FeedbackAdmin.full_phone_number_permission == "django_ding.change_feedback"


def test_actions_need_their_permissions(
    staff_client: Callable[..., Client], row: Authentication
) -> None:
    url = reverse("admin:django_ding_authentication_changelist")
    viewer = html(staff_client("view_authentication", username="v").get(url))
    assert "refresh_status" not in viewer
    assert "send_onboarded_feedback" not in viewer
    operator = html(
        staff_client("view_authentication", "change_authentication", username="o").get(url)
    )
    assert "refresh_status" in operator
    assert "send_onboarded_feedback" not in operator
    feedback = html(staff_client("view_authentication", "add_feedback", username="f").get(url))
    assert "send_onboarded_feedback" in feedback
    assert "refresh_status" not in feedback
