"""URLs of the example project.

- ``/`` home, ``/signup/``, ``/profile/``, ``/login/``, ``/logout/``: the site;
- ``/verify/``: django-ding's views (``ding:send``, ``ding:check``, ``ding:retry``);
- ``/ding-sandbox/``: the sandbox inbox (and the Ding v1 wire API under ``v1/``);
- ``/admin/``: the verification history, among the rest.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("example_project.accounts.urls")),
    path("admin/", admin.site.urls),
    path("verify/", include("django_ding.urls")),
    path("ding-sandbox/", include("django_ding.sandbox.urls")),
]
