"""The activity log for staff: read-only, as it is a record."""

from django.contrib import admin
from django.http import HttpRequest

from activity.models import Entry


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "team", "actor", "kind", "account", "target", "outcome")
    list_filter = ("kind", "outcome")
    search_fields = ("target", "target_name", "detail", "team__name")
    list_select_related = ("team", "actor", "account")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # activity_record writes it, nothing else

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
