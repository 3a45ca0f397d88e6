from django.urls import path

from activity import views

app_name = "activity"
urlpatterns = [
    path("activity/", views.activity_list, name="list"),
    path("activity/export.csv", views.activity_export, name="export"),
    path("activity/<int:entry_pk>/resolve/", views.unconfirmed_resolve, name="resolve"),
]
