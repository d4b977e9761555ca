"""Change-request pages and API."""

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
from enterprises.models import ChangeKind, ChangeRequest, ChangeRequestStep
from enterprises.views import _show
from enterprises.workflow import CHANGE_TRANSITIONS, actions_from
from pilot_portal.api.base import CityScopedMixin
from pilot_portal.errors import PortalError
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.views import CityPageMixin


class ChangeRequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of change"), choices=ChangeKind.choices)
    description = forms.CharField(label=gettext_lazy("What changes and why"), widget=forms.Textarea)


class ChangeRequestCreatePage(CityPageMixin):
    action_required = "enterprise.view"

    def get(self, request, city_code, pk, form=None):
        enterprise = selectors.get_enterprise_for(request.user, request.city, pk)
        return render(request, "enterprises/change_form.html",
                      {"enterprise": enterprise, "form": form or ChangeRequestForm()})  # fmt: skip

    def post(self, request, city_code, pk):
        enterprise = selectors.get_enterprise_for(request.user, request.city, pk)
        form = ChangeRequestForm(request.POST)
        if form.is_valid():
            try:
                change = changes.change_request_create(
                    enterprise=enterprise, actor=request.user, **form.cleaned_data
                )
            except PortalError as error:
                _show(form, error)
            else:
                return redirect("change-detail", city_code=city_code, pk=change.pk)
        return self.get(request, city_code, pk, form=form)


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
            {"change": change, "actions": actions_from(change.status, roles, CHANGE_TRANSITIONS)},
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
    history = StepOutputSerializer(source="steps", many=True)

    class Meta:
        model = ChangeRequest
        fields = ["id", "enterprise", "enterprise_name", "kind", "description", "status",
                  "created_at", "updated_at", "history"]  # fmt: skip


class ChangeInputSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ChangeKind.choices)
    description = serializers.CharField()


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
        change = changes.change_request_create(
            enterprise=enterprise, actor=request.user, **data.validated_data
        )
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
