"""Exclusion lists: pages and API for a city (its admin) and for the whole country (ministry)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied as APIPermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from enterprises.exclusions import exclusion_list_import
from enterprises.models import ExclusionEntry, ExclusionList
from enterprises.views import _show
from pilot_portal.api.base import CityScopedMixin
from pilot_portal.errors import PortalError
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.views import CityPageMixin


class ExclusionForm(forms.Form):
    list = forms.ChoiceField(label=gettext_lazy("List"), choices=ExclusionList.choices)
    source = forms.CharField(
        label=gettext_lazy("Source document"),
        max_length=200,
        help_text=gettext_lazy("e.g. the notice number the list came with"),
    )
    file = forms.FileField(label=gettext_lazy("List (xlsx with a 统一社会信用代码 column)"))


def entries_for(city):
    entries = ExclusionEntry.objects.select_related("city")
    if city is None:
        return entries.filter(city__isnull=True)
    return entries.filter(Q(city=city) | Q(city__isnull=True))


def _page(request, template, *, city, can_import, form=None, result=None):
    page = Paginator(entries_for(city), 100).get_page(request.GET.get("page"))
    return render(request, template, {"page": page, "form": form or ExclusionForm(),
                                      "can_import": can_import, "result": result})  # fmt: skip


def _import(request, *, city, template):
    form = ExclusionForm(request.POST, request.FILES)
    result = None
    if form.is_valid():
        try:
            result = exclusion_list_import(
                city=city, list_kind=form.cleaned_data["list"], upload=form.cleaned_data["file"],
                source=form.cleaned_data["source"], actor=request.user,
            )  # fmt: skip
        except PortalError as error:
            _show(form, error)
        else:
            messages.success(
                request,
                _("%(rows)d codes loaded; %(flagged)d enterprises newly flagged.") % result,
            )
            if not result["refused"]:
                return redirect(request.path)
    return _page(request, template, city=city, can_import=True, form=form, result=result)


class CityExclusionPage(CityPageMixin):
    action_required = "exclusion.view"

    def get(self, request, city_code):
        can_import = policy.can(request.user, "exclusion.import", city=request.city)
        return _page(
            request, "enterprises/exclusions.html", city=request.city, can_import=can_import
        )

    def post(self, request, city_code):
        if not policy.can(request.user, "exclusion.import", city=request.city):
            raise PermissionDenied
        return _import(request, city=request.city, template="enterprises/exclusions.html")


class NationalExclusionPage(LoginRequiredMixin, View):
    def get(self, request):
        if not policy.can_nationally(request.user, "exclusion.view"):
            raise PermissionDenied
        return _page(request, "enterprises/exclusions.html", city=None, can_import=True)

    def post(self, request):
        if not policy.can_nationally(request.user, "exclusion.import"):
            raise PermissionDenied
        return _import(request, city=None, template="enterprises/exclusions.html")


class ExclusionOutputSerializer(serializers.ModelSerializer):
    city = serializers.CharField(source="city.code", default=None)

    class Meta:
        model = ExclusionEntry
        fields = ["id", "list", "uscc", "name", "city", "source", "created_at"]


class ExclusionInputSerializer(serializers.Serializer):
    list = serializers.ChoiceField(choices=ExclusionList.choices)
    source = serializers.CharField(max_length=200)
    file = serializers.FileField()


class ExclusionResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    flagged = serializers.IntegerField()
    refused = serializers.ListField(child=serializers.DictField())


class _ExclusionAPIBase:
    parser_classes = [MultiPartParser]

    def _list(self, request, city):
        entries = entries_for(city)
        page = self.paginator.paginate_queryset(entries, request, view=self)
        return self.paginator.get_paginated_response(
            ExclusionOutputSerializer(page, many=True).data
        )

    def _import(self, request, city):
        data = ExclusionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = exclusion_list_import(
            city=city, list_kind=data.validated_data["list"], upload=data.validated_data["file"],
            source=data.validated_data["source"], actor=request.user,
        )  # fmt: skip
        return Response(result, status=201)

    @property
    def paginator(self):
        from pilot_portal.api.pagination import PortalPagination

        if not hasattr(self, "_paginator"):
            self._paginator = PortalPagination()
        return self._paginator


class CityExclusionAPI(_ExclusionAPIBase, CityScopedMixin, APIView):
    def required_action(self):
        return "exclusion.import" if self.request.method == "POST" else "exclusion.view"

    @extend_schema(responses=ExclusionOutputSerializer(many=True))
    def get(self, request, city_code):
        return self._list(request, self.city)

    @extend_schema(request={"multipart/form-data": ExclusionInputSerializer},
                   responses={201: ExclusionResultSerializer})  # fmt: skip
    def post(self, request, city_code):
        return self._import(request, self.city)


class NationalExclusionAPI(_ExclusionAPIBase, APIView):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        action = "exclusion.import" if request.method == "POST" else "exclusion.view"
        if not policy.can_nationally(request.user, action):
            raise APIPermissionDenied("仅部委用户可维护全国名单 / for ministry users only")

    @extend_schema(responses=ExclusionOutputSerializer(many=True))
    def get(self, request):
        return self._list(request, None)

    @extend_schema(request={"multipart/form-data": ExclusionInputSerializer},
                   responses={201: ExclusionResultSerializer})  # fmt: skip
    def post(self, request):
        return self._import(request, None)
