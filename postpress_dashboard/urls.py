from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from postpress_dashboard.core import views as core_views

# Django's refusals of a request body (too many fields, a malformed form) and a body too large
# (413) get pages in the dashboard's layout, in words.
handler400 = "postpress_dashboard.core.errors.bad_request"

urlpatterns = [
    path("", core_views.home, name="home"),
    path(
        "home/accounts/<int:account_pk>/waiting/",
        core_views.home_inbox_waiting,
        name="home_inbox_waiting",
    ),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("postpress_dashboard.teams.urls")),
    path("", include("invitations.urls")),
    path("", include("chats.urls")),
    path("", include("campaigns.urls")),
    path("", include("activity.urls")),
    # The admin signs in through the same page, so the same login limits apply.
    path(
        "admin/login/",
        login_not_required(RedirectView.as_view(pattern_name="login", query_string=True)),
    ),
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
]
