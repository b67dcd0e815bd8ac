"""The example site's pages: home, sign up, profile.

The verification itself is django-ding's (``ding:send`` -> ``ding:check``);
this site only links to it and reads the result.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from django_ding.verified import PhoneVerificationRequiredMixin, get_verified_phone_number
from example_project.accounts.forms import SignupForm
from example_project.accounts.models import Profile


def verify_url(phone_number: str | None, next_url: str) -> str:
    """``ding:send`` with the number prefilled and ``next`` set."""
    query = {"next": next_url}
    if phone_number:
        query["phone_number"] = phone_number
    return f"{reverse('ding:send')}?{urlencode(query)}"


class HomeView(TemplateView):
    template_name = "home.html"


class SignupView(FormView):  # type: ignore[type-arg]
    """Create the account, log it in, and go verify the phone number."""

    form_class = SignupForm
    template_name = "accounts/signup.html"

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated:
            return HttpResponseRedirect(reverse("profile"))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: SignupForm) -> HttpResponse:
        user = form.save()
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        return HttpResponseRedirect(
            verify_url(form.cleaned_data["phone_number"], reverse("profile"))
        )


class ProfileView(LoginRequiredMixin, TemplateView):
    """The signed-in user's page: their number, verified or not."""

    template_name = "accounts/profile.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # The reverse one-to-one raises an AttributeError subclass when missing.
        profile: Profile | None = getattr(self.request.user, "profile", None)
        phone_number = str(profile.phone_number) if profile and profile.phone_number else None
        verified = get_verified_phone_number(self.request)
        context.update(
            {
                "profile": profile,
                "phone_number": phone_number,
                "verified_phone_number": verified,
                "verify_url": verify_url(phone_number, reverse("profile")),
            }
        )
        return context


class MembersView(LoginRequiredMixin, PhoneVerificationRequiredMixin, TemplateView):
    """A page only for users with a verified phone number.

    django-ding's mixin sends the others through ``ding:send`` and back here.
    """

    template_name = "accounts/members.html"
