from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from postpress_dashboard.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("postpress_dashboard.teams.urls")),
    path("", include("invitations.urls")),
    path("", include("chats.urls")),
    path("admin/", admin.site.urls),
]
