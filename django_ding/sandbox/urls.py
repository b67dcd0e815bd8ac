"""URLs of the sandbox: the inbox page and the Ding v1 wire API under ``v1/``.

Mount them with ``path("ding-sandbox/", include("django_ding.sandbox.urls"))``;
the API's server URL is then ``http://<host>/ding-sandbox/v1``.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from django_ding.sandbox import api_views, views

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
]
