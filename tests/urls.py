from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("verify/", include("django_ding.urls")),
    path("ding-sandbox/", include("django_ding.sandbox.urls")),
]
