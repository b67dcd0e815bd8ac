from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin

from example_project.accounts.models import Profile

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Profile]
else:
    _ModelAdmin = admin.ModelAdmin


@admin.register(Profile)
class ProfileAdmin(_ModelAdmin):
    list_display = ("user", "phone_number")
    search_fields = ("user__username",)
    raw_id_fields = ("user",)
