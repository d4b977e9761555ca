"""Job pages: start a job, follow its progress bar, download its file."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from pilot_portal.errors import PortalError
from pilot_portal.jobs import selectors, services
from pilot_portal.jobs.registry import all_kinds
from pilot_portal.tenancy.views import CityPageMixin


class JobListPage(CityPageMixin):
    def get(self, request, city_code):
        page = Paginator(selectors.job_list(city=request.city, user=request.user), 25).get_page(
            request.GET.get("page")
        )
        kinds = [k for k in all_kinds() if request.city_roles & k.roles]
        return render(request, "jobs/job_list.html", {"page": page, "job_kinds": kinds})

    def post(self, request, city_code):
        try:
            job = services.job_start(
                city=request.city,
                kind=request.POST.get("kind", ""),
                params={},
                actor=request.user,
            )
        except PortalError as error:
            messages.error(request, error.message)
            return redirect("job-list", city_code=city_code)
        return redirect("job-detail", city_code=city_code, pk=job.pk)


class JobDetailPage(CityPageMixin):
    def get(self, request, city_code, pk):
        job = selectors.get_job_for(request.user, request.city, pk)
        return render(request, "jobs/job_detail.html", {"job": job})
