"""The Celery app: Redis broker and result store when REDIS_URL is set, eager otherwise."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pilot_portal.settings")

app = Celery("pilot_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
