from django.urls import path

from activity import views

app_name = "activity"
urlpatterns = [
    path("activity/", views.activity_list, name="list"),
    path("activity/export.csv", views.activity_export, name="export"),
    # Not the old events' address: a page left open across the move to one log would post an
    # old event's id, which now names another entry.
    path("activity/entries/<int:entry_pk>/resolve/", views.unconfirmed_resolve, name="resolve"),
]
