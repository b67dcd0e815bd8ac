"""URLs of the verification views: include them under any prefix.

::

    path("verify/", include("django_ding.urls"))

gives ``ding:send`` (``verify/``), ``ding:check`` (``verify/check/``) and
``ding:retry`` (``verify/retry/``).
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from django_ding import views

app_name = "ding"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.SendCodeView.as_view(), name="send"),
    path("check/", views.CheckCodeView.as_view(), name="check"),
    path("retry/", views.RetryView.as_view(), name="retry"),
]
