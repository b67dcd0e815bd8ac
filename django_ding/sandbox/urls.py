"""URLs of the sandbox: the inbox page, the Ding v1 wire API under ``v1/``
and the Prelude Verify v2 wire API under ``v2/``.

Mount them with ``path("ding-sandbox/", include("django_ding.sandbox.urls"))``;
the v1 server URL is then ``http://<host>/ding-sandbox/v1``, the v2 one
``http://<host>/ding-sandbox/v2`` (``PreludeBackend``'s ``BASE_URL``; the
official Prelude SDK takes ``base_url="http://<host>/ding-sandbox"``).
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, re_path

from django_ding.sandbox import api_v2_views, api_views, views

app_name = "ding_sandbox"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.inbox, name="inbox"),
    path("v1/authentication", api_views.create_authentication, name="api_authentication"),
    path("v1/authentication/feedback", api_views.feedback, name="api_feedback"),
    path(
        "v1/authentication/<str:auth_uuid>",
        api_views.authentication_status,
        name="api_authentication_status",
    ),
    path("v1/check", api_views.check, name="api_check"),
    path("v1/retry", api_views.retry, name="api_retry"),
    path("v1/lookup/<str:phone_number>", api_views.lookup, name="api_lookup"),
    re_path(r"^v1/(?P<rest>.*)$", api_views.not_found, name="api_not_found"),
    path("v2/verification", api_v2_views.create, name="api_v2_verification"),
    path("v2/verification/check", api_v2_views.check, name="api_v2_check"),
    path(
        "v2/verification/phone/history",
        api_v2_views.history_list,
        name="api_v2_history_list",
    ),
    path(
        "v2/verification/phone/history/<str:verification_id>",
        api_v2_views.history,
        name="api_v2_history",
    ),
    path("v2/lookup/<str:phone_number>", api_v2_views.lookup, name="api_v2_lookup"),
    path("v2/watch/feedback", api_v2_views.watch_feedback, name="api_v2_feedback"),
    re_path(r"^v2/(?P<rest>.*)$", api_v2_views.not_found, name="api_v2_not_found"),
]
