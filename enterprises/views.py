"""Pages of the registry and enrolment: lists for officials, the enterprise file, reviews."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises import selectors, services
from enterprises.api import division_warning
from enterprises.files.views import enterprise_file_card
from enterprises.forms import (
    ActionForm,
    ApplicationFilterForm,
    ApplyForm,
    EnterpriseFilterForm,
    EnterpriseForm,
)
from enterprises.workflow import TRANSITIONS, actions_from
from pilot_portal.errors import PortalError
from pilot_portal.jobs.services import job_start
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Batch, Role
from pilot_portal.tenancy.views import CityPageMixin

PAGE_SIZE = 50


def _show(form, error: PortalError) -> None:
    """Put a service's refusal next to the field it names (or above the form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class EnterpriseListPage(CityPageMixin):
    action_required = "enterprise.view"

    def get(self, request, city_code):
        form = EnterpriseFilterForm(request.GET or None, city=request.city)
        enterprises = selectors.enterprise_list(
            city=request.city, user=request.user, filters=form.filters()
        )
        page = Paginator(enterprises, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "enterprises/enterprise_list.html",
            {
                "form": form,
                "page": page,
                "query": request.GET.copy().urlencode() if request.GET else "",
                "can_create": policy.can(request.user, "enterprise.create", city=request.city),
                "can_export": policy.can(request.user, "enterprise.export", city=request.city),
                "can_import": policy.can(request.user, "enterprise.import", city=request.city),
            },
        )


class EnterpriseExportPage(CityPageMixin):
    """Export exactly what the list shows (its filters) to xlsx, as a job."""

    action_required = "enterprise.export"

    def post(self, request, city_code):
        form = EnterpriseFilterForm(request.POST, city=request.city)
        job = job_start(
            city=request.city, kind="enterprise_export", params=form.filters(), actor=request.user
        )
        return redirect("job-detail", city_code=city_code, pk=job.pk)


class EnterpriseCreatePage(CityPageMixin):
    action_required = "enterprise.create"

    def get(self, request, city_code):
        form = EnterpriseForm(city=request.city)
        return render(request, "enterprises/enterprise_form.html", {"form": form})

    def post(self, request, city_code):
        form = EnterpriseForm(request.POST, city=request.city)
        if form.is_valid():
            try:
                enterprise = services.enterprise_create(
                    city=request.city, actor=request.user, data=form.cleaned_data
                )
            except PortalError as error:
                _show(form, error)
            else:
                messages.success(request, _("Enterprise registered."))
                return redirect("enterprise-detail", city_code=city_code, pk=enterprise.pk)
        return render(request, "enterprises/enterprise_form.html", {"form": form})


class EnterpriseDetailPage(CityPageMixin):
    """The enterprise file (一企一档): profile, flags, applications and their histories."""

    action_required = "enterprise.view"

    def get(self, request, city_code, pk):
        enterprise = selectors.get_enterprise_for(request.user, request.city, pk)
        roles = policy.roles_for_enterprise(request.user, enterprise)
        applications = (
            enterprise.applications.select_related("batch")
            .prefetch_related(selectors.STEPS)
            .order_by("-created_at")
        )
        return render(
            request,
            "enterprises/enterprise_detail.html",
            {
                "enterprise": enterprise,
                "applications": applications,
                "exclusions": services.exclusion_reasons(enterprise),
                "division_warning": division_warning(enterprise),
                "can_edit": bool(roles & {Role.CITY_ADMIN, Role.ENTERPRISE}),
                "can_apply": bool(roles & {Role.CITY_ADMIN, Role.ENTERPRISE}),
                "enterprise_file": enterprise_file_card(request, enterprise),
                "change_requests": enterprise.change_requests.order_by("-updated_at"),
                "can_request_change": Role.ENTERPRISE in roles,
                # Read through the reverse relation: the assessments app builds on this one.
                # Whoever sees the enterprise sees its assessments (assessments.selectors).
                "assessments": enterprise.assessments.order_by("-updated_at", "-pk"),
                "can_order_assessment": policy.can(
                    request.user, "assessment.assign", city=request.city
                ),
            },
        )


class EnterpriseEditPage(CityPageMixin):
    action_required = "enterprise.edit"

    def _form(self, request, enterprise, data=None):
        city_admin = Role.CITY_ADMIN in policy.roles_for_enterprise(request.user, enterprise)
        initial = {
            name: getattr(enterprise, name)
            for name in EnterpriseForm.base_fields
            if hasattr(enterprise, name) and name not in {"district", "sector"}
        }
        initial["district"] = enterprise.district.code if enterprise.district else ""
        initial["sector"] = enterprise.sector.code if enterprise.sector else ""
        return EnterpriseForm(
            data, initial=initial, city=request.city, editing=True, city_admin=city_admin
        )

    def get(self, request, city_code, pk):
        enterprise = selectors.get_enterprise_for(request.user, request.city, pk)
        form = self._form(request, enterprise)
        return render(
            request, "enterprises/enterprise_form.html", {"form": form, "enterprise": enterprise}
        )

    def post(self, request, city_code, pk):
        enterprise = selectors.get_enterprise_for(request.user, request.city, pk)
        form = self._form(request, enterprise, request.POST)
        if form.is_valid():
            try:
                services.enterprise_update(
                    enterprise=enterprise, actor=request.user, data=form.cleaned_data
                )
            except PortalError as error:
                _show(form, error)
            else:
                messages.success(request, _("Profile saved."))
                return redirect("enterprise-detail", city_code=city_code, pk=pk)
        return render(
            request, "enterprises/enterprise_form.html", {"form": form, "enterprise": enterprise}
        )


class ApplyPage(CityPageMixin):
    action_required = "application.create"

    def _batches(self, request):
        batches = Batch.objects.for_city(request.city).order_by("-opens")
        if Role.CITY_ADMIN in request.city_roles:
            return list(batches)
        today = timezone.localdate()
        return [b for b in batches if b.is_open(today)]

    def get(self, request, city_code, pk):
        enterprise = selectors.get_enterprise_for(request.user, request.city, pk)
        form = ApplyForm(batches=self._batches(request))
        return render(request, "enterprises/apply.html", {"form": form, "enterprise": enterprise})

    def post(self, request, city_code, pk):
        enterprise = selectors.get_enterprise_for(request.user, request.city, pk)
        form = ApplyForm(request.POST, batches=self._batches(request))
        if form.is_valid():
            batch = get_object_or_404(
                Batch.objects.for_city(request.city), pk=form.cleaned_data["batch"]
            )
            try:
                with transaction.atomic():  # a refused submission leaves no half-made draft
                    application = services.application_create(
                        enterprise=enterprise, batch=batch, actor=request.user,
                        declarations=form.cleaned_data,
                    )  # fmt: skip
                    if "submit" in request.POST:
                        services.application_transition(
                            application=application, action="submit", actor=request.user
                        )
            except PortalError as error:
                _show(form, error)
            else:
                return redirect("application-detail", city_code=city_code, pk=application.pk)
        return render(request, "enterprises/apply.html", {"form": form, "enterprise": enterprise})


class ApplicationListPage(CityPageMixin):
    action_required = "application.view"

    def get(self, request, city_code):
        form = ApplicationFilterForm(request.GET or None, city=request.city)
        applications = selectors.application_list(
            city=request.city, user=request.user, filters=form.filters()
        )
        page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
        bulk = [
            (name, TRANSITIONS[name])
            for name in ("district-approve", "approve", "return")
            if any(role in TRANSITIONS[name].sources for role in request.city_roles)
        ]
        return render(
            request,
            "enterprises/application_list.html",
            {"form": form, "page": page, "bulk_actions": bulk},
        )

    def post(self, request, city_code):
        """Bulk action: apply one step to every ticked application; report each refusal."""
        action = request.POST.get("action", "")
        comment = request.POST.get("comment", "")
        done, refused = 0, []
        for application_id in request.POST.getlist("ids"):
            try:
                application = selectors.get_application_for(
                    request.user, request.city, application_id
                )
                services.application_transition(
                    application=application, action=action, actor=request.user, comment=comment
                )
                done += 1
            except PortalError as error:
                refused.append(f"#{application_id}: {error.message}")
        if done:
            messages.success(request, _("%(n)d applications updated.") % {"n": done})
        for line in refused:
            messages.error(request, line)
        return redirect(request.POST.get("next") or request.path)


class ApplicationDetailPage(CityPageMixin):
    action_required = "application.view"

    def get(self, request, city_code, pk, form=None):
        application = selectors.get_application_for(request.user, request.city, pk)
        roles = policy.roles_for_enterprise(request.user, application.enterprise)
        return render(
            request,
            "enterprises/application_detail.html",
            {
                "application": application,
                "actions": actions_from(application.status, roles, TRANSITIONS),
                "exclusions": services.exclusion_reasons(application.enterprise),
                "form": form
                or ActionForm(
                    initial={
                        "declares_not_central_little_giant": (
                            application.declares_not_central_little_giant
                        ),
                        "declares_not_in_2022_pilot": application.declares_not_in_2022_pilot,
                    }
                ),
            },
        )

    def post(self, request, city_code, pk):
        application = selectors.get_application_for(request.user, request.city, pk)
        form = ActionForm(request.POST)
        if form.is_valid():
            try:
                data = form.cleaned_data
                services.application_transition(
                    application=application,
                    actor=request.user,
                    action=data["action"],
                    comment=data["comment"],
                    override_reason=data["override_reason"],
                    declarations=data if data["action"] == "submit" else None,
                )
            except PortalError as error:
                messages.error(request, error.message)
                return self.get(request, city_code, pk, form=form)
            messages.success(request, _("Done."))
        return redirect("application-detail", city_code=city_code, pk=pk)
