from django.urls import path

from invitations import sent_views, views

app_name = "invitations"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path(
        # The invitation id, from the API, travels in the query string (views.DecideUrls).
        "inbox/<int:account_pk>/invitations/<str:action>/",
        views.invitation_decide,
        name="decide",
    ),
    path("inbox/<int:account_pk>/bulk/", views.invitations_bulk_decide, name="bulk_decide"),
    path("invitations/send/", sent_views.invitation_send, name="send"),
    path("invitations/send/fields/", sent_views.send_form_fields, name="send_fields"),
    path("invitations/sent/", sent_views.sent_list, name="sent"),
    path(
        "invitations/sent/<int:sent_pk>/withdraw/",
        sent_views.invitation_withdraw,
        name="withdraw",
    ),
    path("invitations/sent/withdraw/", sent_views.invitations_bulk_withdraw, name="bulk_withdraw"),
    path("invitations/sent/<int:sent_pk>/row/", sent_views.sent_row, name="sent_row"),
]
