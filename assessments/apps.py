from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Digital-level assessments")

    def ready(self):
        from assessments import access  # noqa: F401  (registers document readers)
