from django.http import Http404

from pilot_portal.jobs.models import Job
from pilot_portal.tenancy import policy


def job_list(*, city, user):
    """The city's jobs this user may see: all of them for overseers, else their own."""
    jobs = Job.objects.for_city(city).select_related("started_by", "document")
    if not policy.can(user, "job.view_all", city=city):
        jobs = jobs.filter(started_by=user)
    return jobs


def get_job_for(user, city, job_id) -> Job:
    """404 for a missing job and for a job the user may not see alike."""
    job = job_list(city=city, user=user).filter(pk=job_id).first()
    if job is None:
        raise Http404("任务不存在 / no such job")
    return job
