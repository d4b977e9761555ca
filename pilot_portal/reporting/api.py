"""Performance reporting under /api/v1/cities/<city>/ (API.md "Performance indicators"):

* `indicators/` GET (`?year=`) every indicator: code, name, unit, targets by year, the target
  for the year, actual, progress, source (computed | manual) and how the actual was counted.
* `indicators/{code}/values/` GET the manual values entered for it; POST (multipart: `value`,
  `note`, `evidence` file) enters one (city admin) → 201, pending review.
* `indicator-values/{id}/review/` POST `{"accept", "comment"}` (auditor; never one's own).
* `reporting-periods/` GET the city's periods; POST `{"kind", "year"}` submits the figures
  (city admin) → 201, frozen; a submitted period again → 409.
* `reporting-periods/{id}/` GET with the figures submitted (`?version=`) and the steps.
* `reporting-periods/{id}/reopen/` POST `{"reason"}` (city admin) → open again.

Reads need `indicator.view`; another city's ids are 404 like missing ones.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from pilot_portal.api.base import CityScopedMixin
from pilot_portal.reporting import selectors, services
from pilot_portal.reporting.models import Indicator, ManualValue, ReportingPeriod
from pilot_portal.reporting.serializers import (
    IndicatorFilterInput,
    IndicatorOutput,
    ManualValueInput,
    ManualValueOutput,
    PeriodDetailOutput,
    PeriodOutput,
    PeriodSubmitInput,
    ReopenInput,
    ReviewInput,
)


class IndicatorListAPI(CityScopedMixin, generics.GenericAPIView):
    action_required = "indicator.view"
    queryset = Indicator.objects.none()  # (for the schema; the selectors read)
    serializer_class = IndicatorOutput

    @extend_schema(parameters=[IndicatorFilterInput], responses={200: IndicatorOutput(many=True)})
    def get(self, request, city_code):
        filters = IndicatorFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = selectors.indicator_rows(city=self.city, year=filters.validated_data.get("year"))
        return Response(IndicatorOutput(rows, many=True).data)


class IndicatorValuesAPI(CityScopedMixin, generics.GenericAPIView):
    queryset = ManualValue.objects.none()
    serializer_class = ManualValueOutput
    parser_classes = [MultiPartParser, FormParser]

    def required_action(self):
        return "indicator.enter" if self.request.method == "POST" else "indicator.view"

    @extend_schema(responses={200: ManualValueOutput(many=True)})
    def get(self, request, city_code, code):
        indicator = selectors.get_indicator(city=self.city, code=code)
        values = selectors.indicator_values(indicator=indicator)
        return Response(ManualValueOutput(values, many=True).data)

    @extend_schema(request=ManualValueInput, responses={201: ManualValueOutput})
    def post(self, request, city_code, code):
        indicator = selectors.get_indicator(city=self.city, code=code)
        data = ManualValueInput(data=request.data)
        data.is_valid(raise_exception=True)
        value = services.manual_value_enter(
            indicator=indicator,
            value=data.validated_data["value"],
            note=data.validated_data["note"],
            upload=data.validated_data["evidence"],
            actor=request.user,
        )
        return Response(ManualValueOutput(value).data, status=status.HTTP_201_CREATED)


class ValueReviewAPI(CityScopedMixin, generics.GenericAPIView):
    queryset = ManualValue.objects.none()
    action_required = "indicator.review"
    serializer_class = ManualValueOutput

    @extend_schema(request=ReviewInput, responses={200: ManualValueOutput})
    def post(self, request, city_code, pk):
        value = selectors.get_value(city=self.city, pk=pk)
        data = ReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        value = services.manual_value_review(
            value=value,
            accept=data.validated_data["accept"],
            comment=data.validated_data["comment"],
            actor=request.user,
        )
        return Response(ManualValueOutput(value).data)


class PeriodListAPI(CityScopedMixin, generics.GenericAPIView):
    queryset = ReportingPeriod.objects.none()
    serializer_class = PeriodOutput

    def required_action(self):
        return "period.submit" if self.request.method == "POST" else "indicator.view"

    @extend_schema(responses={200: PeriodOutput(many=True)})
    def get(self, request, city_code):
        return Response(PeriodOutput(selectors.period_list(city=self.city), many=True).data)

    @extend_schema(request=PeriodSubmitInput, responses={201: PeriodDetailOutput})
    def post(self, request, city_code):
        data = PeriodSubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        period = services.period_submit(city=self.city, actor=request.user, **data.validated_data)
        period = selectors.period_detail(city=self.city, pk=period.pk)
        return Response(PeriodDetailOutput(period).data, status=status.HTTP_201_CREATED)


class PeriodDetailAPI(CityScopedMixin, generics.GenericAPIView):
    queryset = ReportingPeriod.objects.none()
    action_required = "indicator.view"
    serializer_class = PeriodDetailOutput

    def get(self, request, city_code, pk):
        version = request.query_params.get("version")
        version = int(version) if version and version.isdigit() else None
        period = selectors.period_detail(city=self.city, pk=pk, version=version)
        return Response(PeriodDetailOutput(period).data)


class PeriodReopenAPI(CityScopedMixin, generics.GenericAPIView):
    queryset = ReportingPeriod.objects.none()
    action_required = "period.submit"
    serializer_class = PeriodDetailOutput

    @extend_schema(request=ReopenInput, responses={200: PeriodDetailOutput})
    def post(self, request, city_code, pk):
        period = selectors.period_detail(city=self.city, pk=pk)
        data = ReopenInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.period_reopen(
            period=period, reason=data.validated_data["reason"], actor=request.user
        )
        period = selectors.period_detail(city=self.city, pk=pk)
        return Response(PeriodDetailOutput(period).data)
