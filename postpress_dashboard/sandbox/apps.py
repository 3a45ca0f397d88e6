from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "postpress_dashboard.sandbox"
    verbose_name = "postpress sandbox API"
