from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data; like reporting it sits above every app and nothing imports it."""

    name = "pilot_portal.demo"
    label = "demo"
    verbose_name = "Demo data"
