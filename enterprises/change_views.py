"""Change-request pages and API: the request may name one of the enterprise's projects and
what changes there (a new pooled provider, title, scenarios, contract amount)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from enterprises import changes, selectors
from enterprises.models import ChangeKind, ChangeRequest, ChangeRequestStep, Project
from enterprises.projects import edits
from enterprises.views import _show
from enterprises.workflow import CHANGE_TRANSITIONS, actions_from
from pilot_portal.api.base import CityScopedMixin
from pilot_portal.errors import PortalError
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.views import CityPageMixin
from providers.models import Provider, ProviderSelection, Scenario, SelectionStatus


class ChangeRequestForm(forms.Form):
    """A major change; optionally for one of the enterprise's projects, with what changes
    there (left empty: unchanged). The service checks the values and the pool."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind of change"), choices=ChangeKind.choices)
    description = forms.CharField(label=gettext_lazy("What changes and why"), widget=forms.Textarea)
    project = forms.TypedChoiceField(
        label=gettext_lazy("Project concerned"), required=False, coerce=int, empty_value=None
    )
    provider = forms.TypedChoiceField(
        label=gettext_lazy("New provider"), required=False, coerce=int, empty_value=None
    )
    title = forms.CharField(label=gettext_lazy("New project title"), max_length=200,
                            required=False)  # fmt: skip
    scenarios = forms.MultipleChoiceField(
        label=gettext_lazy("New scenarios"), required=False, choices=Scenario.choices,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    # Text: the service checks the amount and says what is wrong in both languages.
    contract_amount = forms.CharField(
        label=gettext_lazy("New contract amount (CNY)"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )  # fmt: skip

    PROJECT_FIELDS = ("provider", "title", "scenarios", "contract_amount")

    def __init__(self, *args, projects=(), providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [("", "—"), *[(p.pk, str(p)) for p in projects]]
        self.fields["provider"].choices = [("", "—"), *[(p.pk, p.name) for p in providers]]

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "description": data["description"],
            "project": data["project"],
            "changes": {k: data[k] for k in self.PROJECT_FIELDS if data.get(k)},
        }


def _form_for(enterprise, *args, **kwargs) -> ChangeRequestForm:
    """The form with the enterprise's running projects and the city's pooled providers."""
    projects = (
        Project.objects.for_city(enterprise.city)
        .filter(enterprise=enterprise)
        .exclude(status__in=edits.ENDED)
        .order_by("-updated_at", "-pk")
    )
    providers = Provider.objects.filter(
        pk__in=ProviderSelection.objects.for_city(enterprise.city)
        .filter(status=SelectionStatus.SELECTED)
        .values("provider_id")
    ).order_by("name", "pk")
    return ChangeRequestForm(*args, projects=projects, providers=providers, **kwargs)


class ChangeRequestCreatePage(CityPageMixin):
    """The enterprise requests a change (`?project=<id>`: for that project)."""

    action_required = "enterprise.view"

    def get(self, request, city_code, pk, form=None, status=200):
        enterprise = selectors.get_enterprise_for(request.user, request.city, pk)
        if form is None:
            project = request.GET.get("project", "")
            form = _form_for(enterprise, initial={"project": project} if project else None)
        return render(request, "enterprises/change_form.html",
                      {"enterprise": enterprise, "form": form}, status=status)  # fmt: skip

    def post(self, request, city_code, pk):
        enterprise = selectors.get_enterprise_for(request.user, request.city, pk)
        form = _form_for(enterprise, request.POST)
        status = 400
        if form.is_valid():
            try:
                change = changes.change_request_create(
                    enterprise=enterprise, actor=request.user, **form.service_data()
                )
            except PortalError as error:
                _show(form, error)
                status = error.status_code
            else:
                return redirect("change-detail", city_code=city_code, pk=change.pk)
        return self.get(request, city_code, pk, form=form, status=status)


class ChangeRequestListPage(CityPageMixin):
    action_required = "application.view"

    def get(self, request, city_code):
        found = changes.change_request_list(city=request.city, user=request.user)
        return render(request, "enterprises/change_list.html", {"changes": found[:200]})


class ChangeRequestDetailPage(CityPageMixin):
    action_required = "application.view"

    def get(self, request, city_code, pk):
        change = changes.get_change_request_for(request.user, request.city, pk)
        roles = policy.roles_for_enterprise(request.user, change.enterprise)
        return render(
            request,
            "enterprises/change_detail.html",
            {
                "change": change,
                "actions": actions_from(change.status, roles, CHANGE_TRANSITIONS),
                "project_rows": changes.project_change_rows(change),
            },
        )

    def post(self, request, city_code, pk):
        change = changes.get_change_request_for(request.user, request.city, pk)
        try:
            changes.change_request_transition(
                change=change, action=request.POST.get("action", ""), actor=request.user,
                comment=request.POST.get("comment", ""),
            )  # fmt: skip
        except PortalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Done."))
        return redirect("change-detail", city_code=city_code, pk=pk)


class StepOutputSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username")

    class Meta:
        model = ChangeRequestStep
        fields = ["action", "from_status", "to_status", "actor", "actor_role", "comment",
                  "created_at"]  # fmt: skip


class ChangeOutputSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name")
    project_title = serializers.CharField(source="project.title", default=None)
    changes = serializers.JSONField(
        source="project_changes",
        help_text="What the project takes when the request is recorded: `provider` (id), "
        "`title`, `scenarios`, `contract_amount` — only the keys that change.",
    )
    history = StepOutputSerializer(source="steps", many=True)

    class Meta:
        model = ChangeRequest
        fields = ["id", "enterprise", "enterprise_name", "kind", "description", "project",
                  "project_title", "changes", "status", "created_at", "updated_at",
                  "history"]  # fmt: skip


class ProjectChangesInput(serializers.Serializer):
    provider = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="a provider in the city's pool"
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    scenarios = serializers.ListField(
        child=serializers.ChoiceField(choices=Scenario.choices), required=False
    )
    contract_amount = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text="CNY, two decimals"
    )


class ChangeInputSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ChangeKind.choices)
    description = serializers.CharField()
    project = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="one of the enterprise's projects"
    )
    changes = ProjectChangesInput(required=False, help_text="what changes on the project")


class ChangeActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=sorted(CHANGE_TRANSITIONS))
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ChangeRequestListAPI(CityScopedMixin, APIView):
    def required_action(self):
        return "enterprise.view" if self.request.method == "POST" else "application.view"

    @extend_schema(responses=ChangeOutputSerializer(many=True))
    def get(self, request, city_code):
        found = changes.change_request_list(city=self.city, user=request.user)
        return Response(ChangeOutputSerializer(found[:500], many=True).data)

    @extend_schema(request=ChangeInputSerializer, responses={201: ChangeOutputSerializer})
    def post(self, request, city_code):
        data = ChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise = selectors.get_enterprise_for(
            request.user, self.city, data.validated_data.pop("enterprise")
        )
        values = dict(data.validated_data)
        values["changes"] = dict(values.get("changes") or {})
        change = changes.change_request_create(enterprise=enterprise, actor=request.user, **values)
        change = changes.get_change_request_for(request.user, self.city, change.pk)
        return Response(ChangeOutputSerializer(change).data, status=201)


class ChangeRequestActionAPI(CityScopedMixin, APIView):
    action_required = "application.view"

    @extend_schema(request=ChangeActionSerializer, responses=ChangeOutputSerializer)
    def post(self, request, city_code, pk):
        data = ChangeActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = changes.get_change_request_for(request.user, self.city, pk)
        change = changes.change_request_transition(
            change=change, actor=request.user, **data.validated_data
        )
        change = changes.get_change_request_for(request.user, self.city, change.pk)
        return Response(ChangeOutputSerializer(change).data)
