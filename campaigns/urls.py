from django.urls import path

from campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("campaigns/", views.campaign_list, name="list"),
    path("campaigns/new/", views.campaign_new, name="new"),
    path("campaigns/<int:campaign_pk>/", views.campaign_detail, name="detail"),
    path("campaigns/<int:campaign_pk>/progress/", views.campaign_progress, name="progress"),
    path("campaigns/<int:campaign_pk>/message/", views.campaign_template, name="template"),
    path("campaigns/<int:campaign_pk>/recipients/", views.recipients_add, name="add_recipients"),
    path(
        "campaigns/<int:campaign_pk>/recipients/<int:recipient_pk>/edit/",
        views.recipient_edit,
        name="recipient_edit",
    ),
    path(
        "campaigns/<int:campaign_pk>/recipients/<int:recipient_pk>/<str:change>/",
        views.recipient_change,
        name="recipient_change",
    ),
    path("campaigns/<int:campaign_pk>/results.csv", views.campaign_export, name="export"),
    # Start, pause, resume, cancel: after the fixed paths above.
    path("campaigns/<int:campaign_pk>/<str:control>/", views.campaign_control, name="control"),
]
