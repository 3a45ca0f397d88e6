from django.urls import path

from chats import views

app_name = "chats"
urlpatterns = [
    path("chats/new/", views.chat_new, name="new"),
    path("chats/new/fields/", views.chat_fields, name="fields"),
    path("chats/new/preview/", views.message_preview, name="preview"),
]
