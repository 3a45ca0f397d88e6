from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "postpress_dashboard.core"
    label = "core"
