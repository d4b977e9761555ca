from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "pilot_portal.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self):
        from pilot_portal.documents import checks  # noqa: F401  (registers the CJK font check)
