from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "pilot_portal.jobs"
    label = "jobs"
    verbose_name = _("Jobs")

    def ready(self):
        # Each app declares its job kinds in a `job_kinds` module.
        autodiscover_modules("job_kinds")
