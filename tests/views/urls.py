"""A host project's URLs for the helper tests: the app plus two protected views."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path
from django.views import View

from django_ding.verified import (
    PhoneVerificationRequiredMixin,
    get_verified_phone_number,
    phone_verification_required,
)


@phone_verification_required
def protected(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"function {get_verified_phone_number(request)}")


class ProtectedView(PhoneVerificationRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(f"class {self.verified_phone_number}")


urlpatterns: list[URLPattern | URLResolver] = [
    path("verify/", include("django_ding.urls")),
    path("protected/", protected, name="protected"),
    path("protected-class/", ProtectedView.as_view(), name="protected-class"),
]
