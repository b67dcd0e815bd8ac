"""The verification views: send a code, check it, send it again.

They are thin: every decision (limits, provider calls, history, signals) is
made by :mod:`django_ding.services`; the views turn its answers into pages.
Override points on each view: ``form_class``, ``template_name`` and
``success_url`` (``CheckCodeView``; default ``DING["SUCCESS_URL"]``).

Security rules kept here:

* the authentication being verified is known only from the server-side
  session (:mod:`django_ding.session`), never from the request; the check
  form carries a signed token of the authentication it was shown for, and a
  form left behind in another tab is not checked (nor counted);
* ``next`` is followed only when ``url_has_allowed_host_and_scheme`` accepts it;
* GET never sends a code; resending is POST only; CSRF protects every form;
* the session key is cycled once the number is verified.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from django_ding import conf, services
from django_ding.exceptions import DingError, DingStorageError, VerificationRefused
from django_ding.forms import PHONE_INPUT_MAX_LENGTH, CodeForm, PhoneNumberForm
from django_ding.models import Authentication
from django_ding.reasons import Reason
from django_ding.session import (
    FormMatch,
    check_form_token,
    e164,
    forget_authentication,
    get_session_authentication,
    mark_verified,
    match_check_form,
    pop_notice,
    push_notice,
    remember_authentication,
)
from django_ding.user_messages import (
    CHECK_UNAVAILABLE,
    SESSION_LOST,
    STORAGE_UNAVAILABLE,
    check_failure_message,
    over_message,
    provider_error_message,
    refusal_message,
    send_refusal_message,
    stale_form_message,
)

__all__ = ["CheckCodeView", "RetryView", "SendCodeView", "safe_next_url"]

#: Longest ``next`` value considered; longer ones are ignored.
NEXT_MAX_LENGTH = 2000
#: Hides the typed number and code from Django's error reports.
_hide_post_secrets = method_decorator(
    sensitive_post_parameters("code", "phone_number"), name="dispatch"
)


def safe_next_url(request: HttpRequest, value: object) -> str:
    """Return ``value`` if it is a safe place to redirect to, else ``""``.

    Safe means: a string of reasonable length, on this site's host (or an
    allowed one), and over HTTPS when the current request is.
    """
    if not isinstance(value, str) or not value or len(value) > NEXT_MAX_LENGTH:
        return ""
    if any(unicodedata.category(ch)[0] == "C" for ch in value):
        return ""  # control characters: header tricks, tab-smuggled slashes
    if url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


def _url_with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


logger = logging.getLogger("django_ding.views")


class _DingFlowMixin:
    """What the three views share: the ``next`` parameter, the session, and
    the page shown when the database fails where no form can say it."""

    request: HttpRequest
    redirect_field_name = "next"
    unavailable_template_name = "django_ding/unavailable.html"

    def storage_unavailable(self) -> HttpResponse:
        """The page for a database fault: the message and a way to try again
        (this page again, or the check page from the POST-only resend)."""
        try_again = self.request.get_full_path() if hasattr(self, "get") else reverse("ding:check")
        response = TemplateResponse(
            self.request,
            self.unavailable_template_name,
            {"message": str(STORAGE_UNAVAILABLE), "try_again_url": try_again},
        )
        response["Cache-Control"] = "no-store"
        return response

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        """The view, opted out of ``ATOMIC_REQUESTS``: the services call the
        provider outside any transaction and commit their rows themselves, so
        no lock is held during the HTTP call and a failure is still recorded."""
        view = super().as_view(**initkwargs)  # type: ignore[misc]

        @functools.wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                return view(request, *args, **kwargs)  # type: ignore[no-any-return]
            except (DingStorageError, DatabaseError) as err:
                # The services turn their own database faults into messages on
                # the form; this catches the rest (reading the session's
                # verification, the countdown...): a page that says so, not a 500.
                logger.error(
                    "django-ding: %s %s failed on a database error (%s)",
                    request.method,
                    request.path,
                    type(err).__name__,
                )
                page = cls(**initkwargs)
                page.setup(request, *args, **kwargs)  # type: ignore[attr-defined]
                return page.storage_unavailable()

        return transaction.non_atomic_requests(guarded)

    def get_next_url(self) -> str:
        """The validated ``next`` from the POST body or the query string."""
        request = self.request
        value = request.POST.get(self.redirect_field_name) if request.method == "POST" else None
        if not value:
            value = request.GET.get(self.redirect_field_name)
        return safe_next_url(request, value)

    def url_with_next(self, viewname: str) -> str:
        return _url_with_next(reverse(viewname), self.get_next_url())

    def get_flow_context(self) -> dict[str, Any]:
        return {
            "redirect_field_name": self.redirect_field_name,
            "next": self.get_next_url(),
        }

    def session_lost(self, send_url_name: str) -> HttpResponse:
        """No verification in this session: back to the send form, which says
        what happened and what to do."""
        push_notice(self.request, "error", str(SESSION_LOST))
        return HttpResponseRedirect(self.url_with_next(send_url_name))


@_hide_post_secrets
class SendCodeView(_DingFlowMixin, FormView):  # type: ignore[type-arg]
    """``ding:send``: ask for a phone number and send it a code.

    GET only shows the form. A valid POST calls
    :func:`django_ding.services.send_code`, remembers the new authentication in
    the session and redirects to ``ding:check`` (keeping a safe ``next``).
    Refusals and provider errors are shown on the form, never as a 500.
    """

    http_method_names = ["get", "post", "head", "options"]
    form_class = PhoneNumberForm
    template_name = "django_ding/send.html"
    check_url_name = "ding:check"

    def get_initial(self) -> dict[str, Any]:
        """Prefill the number from ``?phone_number=`` (a signup form may pass
        it along). Displayed only: a GET never sends anything."""
        initial = super().get_initial()
        value = self.request.GET.get("phone_number", "")
        if (
            value
            and len(value) <= PHONE_INPUT_MAX_LENGTH
            and not any(unicodedata.category(ch)[0] == "C" for ch in value)
        ):
            initial["phone_number"] = value.strip()
        return initial

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.get_flow_context())
        context["notice"] = pop_notice(self.request)
        return context

    def form_valid(self, form: PhoneNumberForm) -> HttpResponse:
        phone_number: str = form.cleaned_data["phone_number"]
        user = self.request.user if self.request.user.is_authenticated else None
        try:
            authentication = services.send_code(phone_number, request=self.request, user=user)
        except VerificationRefused as refused:
            return self.send_refused(form, phone_number, refused)
        except DingError as error:
            return self.send_failed(form, error)
        except ValueError:
            form.add_error(
                "phone_number",
                ValidationError(form.error_messages["invalid"], code="invalid"),
            )
            return self.form_invalid(form)
        remember_authentication(self.request, authentication)
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self) -> str:
        return self.url_with_next(self.check_url_name)

    def send_refused(
        self, form: PhoneNumberForm, phone_number: str, refused: VerificationRefused
    ) -> HttpResponse:
        if refused.reason == Reason.COOLDOWN:
            # The same number again (a double submit, the back button): if this
            # session already waits for that number's code, go back to it.
            current = get_session_authentication(self.request)
            if (
                current is not None
                and e164(current.phone_number) == phone_number
                and current.status in Authentication.CHECKABLE
            ):
                push_notice(
                    self.request,
                    "info",
                    gettext("A code was already sent to this number. Enter it below."),
                )
                return HttpResponseRedirect(self.get_success_url())
        form.add_error(
            "phone_number",
            ValidationError(
                send_refusal_message(refused.reason, refused.retry_after),
                code=str(refused.reason),
            ),
        )
        return self.form_invalid(form)

    def send_failed(self, form: PhoneNumberForm, error: DingError) -> HttpResponse:
        form.add_error(
            "phone_number",
            ValidationError(provider_error_message(error), code=Reason.PROVIDER_ERROR.value),
        )
        return self.form_invalid(form)


@_hide_post_secrets
class CheckCodeView(_DingFlowMixin, FormView):  # type: ignore[type-arg]
    """``ding:check``: ask for the code sent to the session's number.

    Without an authentication in the session it redirects to ``ding:send``,
    which says the verification was not found. The form carries a signed
    token of the authentication it was shown for (``for_field_name``); a
    form shown for another one (another tab asked for a code since) is not
    checked: the page says so and shows the form for the current one. Once
    the verification is over (expired, locked, no resends left) the page
    offers a new code to the same number (a POST to ``ding:retry``).
    On success the number is marked verified in the session, the session key
    is cycled, and the browser goes to a safe ``next`` or :attr:`success_url`
    (default ``DING["SUCCESS_URL"]``, a path or a URL name).
    """

    http_method_names = ["get", "post", "head", "options"]
    form_class = CodeForm
    template_name = "django_ding/check.html"
    success_url: str | None = None
    send_url_name = "ding:send"
    retry_url_name = "ding:retry"
    #: The hidden input holding :func:`~django_ding.session.check_form_token`.
    for_field_name = "for_authentication"
    authentication: Authentication

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        authentication = get_session_authentication(request)
        if authentication is None:
            return self.session_lost(self.send_url_name)
        self.authentication = authentication
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        notice = kwargs.pop("notice", None) or pop_notice(self.request)
        context = super().get_context_data(**kwargs)
        authentication = self.authentication
        now = timezone.now()
        restart = services.restart_reason(authentication, now)
        can_check = authentication.status in Authentication.CHECKABLE and not (
            authentication.is_expired(now)
        )
        can_retry = restart is None and authentication.status in Authentication.CHECKABLE
        wait = max(0, int(services.retry_available_in(authentication))) if can_retry else 0
        context.update(self.get_flow_context())
        context.update(
            {
                "authentication": authentication,
                "masked_phone_number": authentication.masked_phone_number,
                "notice": notice,
                "can_check": can_check,
                "over_message": "" if can_check else over_message(restart),
                "can_retry": can_retry,
                "can_restart": restart is not None,
                "retry_available_in": wait,
                "retry_available_in_display": f"{wait // 60}:{wait % 60:02d}",
                "send_url": self.url_with_next(self.send_url_name),
                "retry_url": reverse(self.retry_url_name),
                "for_field_name": self.for_field_name,
                "authentication_token": check_form_token(self.request, authentication),
            }
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        match = match_check_form(
            request, self.authentication, request.POST.get(self.for_field_name)
        )
        if match in (FormMatch.OTHER_NUMBER, FormMatch.OUTDATED):
            return self.form_left_behind(match)
        return super().post(request, *args, **kwargs)

    def form_left_behind(self, match: FormMatch) -> HttpResponse:
        """A form shown for another authentication: nothing is checked or
        counted; the page says which number's code to enter now."""
        text = stale_form_message(
            match is FormMatch.OTHER_NUMBER, self.authentication.masked_phone_number
        )
        form = self.get_form_class()(initial=self.get_initial(), prefix=self.get_prefix())
        return self.render_to_response(
            self.get_context_data(form=form, notice={"level": "error", "text": text})
        )

    def form_valid(self, form: CodeForm) -> HttpResponse:
        try:
            result = services.check_code(
                self.authentication, form.cleaned_data["code"], request=self.request
            )
        except DingError:
            # A database fault (DingStorageError): the services logged it.
            form.add_error(
                "code", ValidationError(CHECK_UNAVAILABLE, code=Reason.PROVIDER_ERROR.value)
            )
            self.authentication.refresh_from_db()
            return self.form_invalid(form)
        if result.verified:
            return self.verified(result.authentication)
        form.add_error(
            "code",
            ValidationError(
                check_failure_message(result.reason, result.retry_after, result.attempts_left),
                code=str(result.reason or Reason.INVALID_CODE),
            ),
        )
        self.authentication = result.authentication
        return self.form_invalid(form)

    def verified(self, authentication: Authentication) -> HttpResponse:
        """Remember the verified number, cycle the session key, redirect."""
        next_url = self.get_next_url()
        mark_verified(self.request, authentication)
        forget_authentication(self.request)
        self.request.session.cycle_key()
        return HttpResponseRedirect(next_url or self.get_success_url())

    def get_success_url(self) -> str:
        return resolve_url(self.success_url or conf.success_url())


@_hide_post_secrets
class RetryView(_DingFlowMixin, View):
    """``ding:retry`` (POST only): send a new code, then back to check.

    While the verification is open this resends its code; once it is over
    (expired, locked, no resends left) it starts a new one for the same number
    (:func:`django_ding.services.renew`), within the send limits, and the
    session follows it. The outcome (sent, or why not and for how long) is
    shown on the check page, which also counts down until the next resend is
    allowed. Without a verification in the session it goes to the send page,
    which says why; a resend button of a tab left behind (its signed token
    names another verification) sends nothing and says so.
    """

    http_method_names = ["post", "options"]
    send_url_name = "ding:send"
    check_url_name = "ding:check"
    #: The check page's signed token, in its resend forms too.
    for_field_name = CheckCodeView.for_field_name

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        authentication = get_session_authentication(request)
        if authentication is None:
            return self.session_lost(self.send_url_name)
        match = match_check_form(request, authentication, request.POST.get(self.for_field_name))
        if match in (FormMatch.OTHER_NUMBER, FormMatch.OUTDATED):
            # The resend button of a tab left behind: nothing is sent.
            text = stale_form_message(
                match is FormMatch.OTHER_NUMBER, authentication.masked_phone_number
            )
            push_notice(request, "error", text)
            return HttpResponseRedirect(self.url_with_next(self.check_url_name))
        try:
            renewal = services.renew(authentication, request=request)
        except services.RestartRefused as refused:
            text = send_refusal_message(refused.reason, refused.retry_after)
            push_notice(request, "error", text)
        except VerificationRefused as refused:
            push_notice(request, "error", refusal_message(refused.reason, refused.retry_after))
        except DingError as error:
            push_notice(request, "error", provider_error_message(error))
        else:
            if renewal.restarted:
                remember_authentication(request, renewal.authentication)
            push_notice(request, "success", gettext("A new code is on its way."))
        return HttpResponseRedirect(self.url_with_next(self.check_url_name))
