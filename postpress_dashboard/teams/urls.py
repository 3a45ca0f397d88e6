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
    path("settings/invites/new/", views.invite_create, name="invite_create"),
    path("settings/invites/<int:invite_pk>/revoke/", views.invite_revoke, name="invite_revoke"),
    # An invite link: its holder joins the team (public: the token is the key).
    path("join/<str:token>/", views.join, name="join"),
    path("join/<str:token>/sign-up/", views.join_sign_up, name="join_sign_up"),
    path("settings/members/<int:membership_pk>/role/", views.member_role, name="member_role"),
    path("settings/members/<int:membership_pk>/remove/", views.member_remove, name="member_remove"),
    path("teams/switch/", views.team_switch, name="team_switch"),
]
