"""Batch verification under /api/v1/cities/<city>/ (API.md style):

* `verification-runs/` GET the city's runs (newest first; counts by severity as the user sees
  them); POST `{"batch": id | null}` starts one (the city admin) → 202 with the run.
* `verification-runs/{id}/` GET one run: progress, counts by severity and by code, new and gone
  findings against the previous run, its samples.
* `verification-runs/{id}/findings/` GET its findings (filters `severity`, `code`, `enterprise`,
  `district`, `q`), most serious first, each with the page where its record is fixed.
* `verification-runs/{id}/samples/` GET its inspection samples; POST `{"size", "seed"?}` draws
  one (city admin, auditor) → 201.
* `verification-samples/{id}/` GET one sample with its drawn enterprises.
* `inspection-items/{id}/outcome/` POST `{"outcome", "note"}` records an inspection (city admin,
  auditor).

Roles: `verification.view` reads (a district officer only the district's findings and sampled
enterprises), `verification.run` starts, `verification.inspect` samples and records; another
role is 403, another city's ids 404.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from pilot_portal.api.base import CityScopedMixin
from pilot_portal.errors import InvalidInput
from pilot_portal.tenancy.models import Batch
from pilot_portal.verification import selectors
from pilot_portal.verification.models import Finding, InspectionSample, VerificationRun
from pilot_portal.verification.serializers import (
    FindingFilterInput,
    FindingOutput,
    OutcomeInput,
    RunDetailOutput,
    RunOutput,
    RunStartInput,
    SampleInput,
    SampleOutput,
)


class VerificationMixin(CityScopedMixin):
    filter_backends = []  # the selectors filter

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "city": getattr(self, "city", None)}

    def run(self, pk) -> VerificationRun:
        return selectors.get_run_for(self.request.user, self.city, pk)

    def run_response(self, run, status_code=200) -> Response:
        user = self.request.user
        context = {
            **self.get_serializer_context(),
            "counts": selectors.run_counts(user, run),
            "comparison": selectors.run_compare(user, run),
            "samples": selectors.sample_list(run),
        }
        return Response(RunDetailOutput(run, context=context).data, status=status_code)

    def sample_response(self, sample, status_code=200) -> Response:
        items = list(selectors.sample_items(self.request.user, self.city, sample))
        context = {**self.get_serializer_context(), "items": items}
        return Response(SampleOutput(sample, context=context).data, status=status_code)


def _services():
    from pilot_portal.verification import services

    return services


def _sampling():
    from pilot_portal.verification import sampling

    return sampling


class RunListAPI(VerificationMixin, generics.ListAPIView):
    serializer_class = RunOutput

    def required_action(self):
        return "verification.run" if self.request.method == "POST" else "verification.view"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return VerificationRun.objects.none()
        return selectors.run_list(city=self.city)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            selectors.runs_with_counts(self.request.user, self.city, page)
        return page

    @extend_schema(request=RunStartInput, responses={202: RunDetailOutput})
    def post(self, request, city_code):
        data = RunStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        batch, batch_id = None, data.validated_data["batch"]
        if batch_id is not None:
            batch = Batch.objects.for_city(self.city).filter(pk=batch_id).first()
            if batch is None:
                raise InvalidInput("批次不存在 / no such batch", field="batch")
        run = _services().verification_start(request.user, self.city, batch=batch)
        return self.run_response(self.run(run.pk), status.HTTP_202_ACCEPTED)


class RunDetailAPI(VerificationMixin, generics.GenericAPIView):
    action_required = "verification.view"
    serializer_class = RunDetailOutput

    def get(self, request, city_code, pk):
        return self.run_response(self.run(pk))


class FindingListAPI(VerificationMixin, generics.ListAPIView):
    action_required = "verification.view"
    serializer_class = FindingOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Finding.objects.none()
        filters = FindingFilterInput(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        run = self.run(self.kwargs["pk"])
        return selectors.finding_list(self.request.user, run, filters.validated_data)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            page = selectors.attach_record_urls(page, city=self.city)
        return page

    @extend_schema(parameters=[FindingFilterInput])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RunSamplesAPI(VerificationMixin, generics.GenericAPIView):
    serializer_class = SampleOutput

    def required_action(self):
        return "verification.inspect" if self.request.method == "POST" else "verification.view"

    @extend_schema(responses={200: SampleOutput(many=True)})
    def get(self, request, city_code, pk):
        run = self.run(pk)
        samples = selectors.sample_list(run)
        body = [
            {"id": s.pk, "seed": s.seed, "size": s.size, "created_at": s.created_at,
             "items": s.item_count, "recorded": s.recorded_count}
            for s in samples
        ]  # fmt: skip
        return Response(body)

    @extend_schema(request=SampleInput, responses={201: SampleOutput})
    def post(self, request, city_code, pk):
        run = self.run(pk)
        data = SampleInput(data=request.data)
        data.is_valid(raise_exception=True)
        sample = _sampling().sample_draw(
            request.user, run, size=data.validated_data["size"], seed=data.validated_data["seed"]
        )
        sample = selectors.get_sample_for(request.user, self.city, sample.pk)
        return self.sample_response(sample, status.HTTP_201_CREATED)


class SampleDetailAPI(VerificationMixin, generics.GenericAPIView):
    action_required = "verification.view"
    serializer_class = SampleOutput

    def get_queryset(self):
        return InspectionSample.objects.none()  # (for the schema; the selectors read)

    def get(self, request, city_code, pk):
        return self.sample_response(selectors.get_sample_for(request.user, self.city, pk))


class InspectionOutcomeAPI(VerificationMixin, generics.GenericAPIView):
    action_required = "verification.inspect"
    serializer_class = SampleOutput

    @extend_schema(request=OutcomeInput, responses={200: SampleOutput})
    def post(self, request, city_code, pk):
        item = selectors.get_item_for(request.user, self.city, pk)
        data = OutcomeInput(data=request.data)
        data.is_valid(raise_exception=True)
        _sampling().inspection_record(
            request.user, item, outcome=data.validated_data["outcome"],
            note=data.validated_data["note"],
        )  # fmt: skip
        sample = selectors.get_sample_for(request.user, self.city, item.sample_id)
        return self.sample_response(sample)
