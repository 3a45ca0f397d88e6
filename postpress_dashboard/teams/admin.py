"""Django admin for staff. The API key is never shown: only whether one is set and its end."""

from django.contrib import admin

from postpress_dashboard.teams.models import LinkedAccount, Membership, Team


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


class LinkedAccountInline(admin.TabularInline):
    model = LinkedAccount
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "base_url", "api_key_summary")
    search_fields = ("name", "slug")
    # The ciphertext and last four are not editable fields, so no form ever carries them.
    fields = ("name", "slug", "base_url", "api_key_summary")
    # The key follows the base URL: change it in Settings, which checks the host and clears the
    # key, never here.
    readonly_fields = ("base_url", "api_key_summary")
    inlines = (MembershipInline, LinkedAccountInline)

    @admin.display(description="API key")
    def api_key_summary(self, team: Team) -> str:
        if not team.api_key_ciphertext:
            return "not set"
        return f"set, ending in {team.api_key_last4} (change it in the team's Settings page)"


@admin.register(LinkedAccount)
class LinkedAccountAdmin(admin.ModelAdmin):
    list_display = ("label", "provider", "account_id", "team", "is_active")
    list_filter = ("provider", "is_active")
    search_fields = ("label", "account_id", "team__name")
