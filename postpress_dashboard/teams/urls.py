from django.urls import path

from postpress_dashboard.teams import views

app_name = "teams"
urlpatterns = [
    path("settings/", views.team_settings, name="settings"),
    path("settings/team/", views.team_update, name="team_update"),
    path("settings/api-key/", views.api_key_update, name="api_key_update"),
    path("settings/accounts/new/", views.account_create, name="account_create"),
    path("settings/accounts/<int:account_pk>/edit/", views.account_edit, name="account_edit"),
    path(
        "settings/accounts/<int:account_pk>/active/",
        views.account_set_active,
        name="account_set_active",
    ),
    path("settings/accounts/<int:account_pk>/test/", views.account_test, name="account_test"),
    path("settings/members/add/", views.member_add, name="member_add"),
    path("settings/members/<int:membership_pk>/role/", views.member_role, name="member_role"),
    path("settings/members/<int:membership_pk>/remove/", views.member_remove, name="member_remove"),
    path("teams/switch/", views.team_switch, name="team_switch"),
]
