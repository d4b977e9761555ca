"""assessment-templates/ and assessments/ under /api/v1/cities/<city>/ (API.md "Assessments").

Which assessments a user sees is `selectors.assessment_scope` (anything else is 404); who may
write what is the services' rule (403), and what the status allows too (409). Several answer
fields refused at once come back as one 400 naming each (`answers.<code>`, `scenes.<code>`).
"""

from django.contrib.auth import get_user_model
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from assessments import selectors, services
from assessments.models import Assessment, AssessmentEvidence, Edition
from assessments.serializers import (
    AssessmentAssignInput,
    AssessmentCommentInput,
    AssessmentDetailOutput,
    AssessmentEvidenceInput,
    AssessmentEvidenceOutput,
    AssessmentFilterInput,
    AssessmentInput,
    AssessmentOutput,
    AssessmentReviseInput,
    AssessmentTemplateOutput,
    AssessmentTemplateQuery,
    AssessmentUpdateInput,
)
from assessments.templates import current_edition, template_json, template_spec
from pilot_portal.api.base import CityScopedMixin
from pilot_portal.errors import InvalidInput

# The status refuses the change (named in `status`): locked, or not in a state the step leaves.
CONFLICT = OpenApiResponse(description="Not allowed in the current state / 状态冲突")


class AssessmentMixin(CityScopedMixin):
    filter_backends = []  # the selectors filter

    def handle_exception(self, exc):
        if isinstance(exc, services.AnswersInvalid):
            exc = ValidationError({field: [message] for field, message in exc.errors.items()})
        return super().handle_exception(exc)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "city": self.city}

    def assessment(self, pk) -> Assessment:
        return selectors.assessment_detail(self.request.user, self.city, pk)

    def for_change(self, pk) -> Assessment:
        return selectors.assessment_for_change(self.request.user, self.city, pk)

    def detail_response(self, pk, status=200) -> Response:
        body = AssessmentDetailOutput(self.assessment(pk), context=self.get_serializer_context())
        return Response(body.data, status=status)


class TemplateCurrentAPI(AssessmentMixin, generics.GenericAPIView):
    """GET the questionnaire: the current edition (the 2024 one for pilot cities), or
    `?edition=2022` (its latest version) and `&version=` (that version, as old assessments
    used it)."""

    action_required = "reference.view"  # the national questionnaire is no secret
    serializer_class = AssessmentTemplateOutput

    @extend_schema(parameters=[AssessmentTemplateQuery], responses=AssessmentTemplateOutput)
    def get(self, request, city_code):
        query = AssessmentTemplateQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        code, version = query.validated_data.get("edition"), query.validated_data.get("version")
        if code:
            edition = selectors.edition_lookup(code, version)
            if edition is None:
                raise Http404("问卷版本不存在 / no such questionnaire edition")
        else:
            try:
                edition = current_edition(self.city)
            except Edition.DoesNotExist:
                raise Http404("没有默认的评测版本 / there is no default edition") from None
        return Response(template_json(template_spec(edition)))


class AssessmentListAPI(AssessmentMixin, generics.ListAPIView):
    """GET the assessments this user sees (filters `enterprise`, `kind`, `level`, `status`,
    `assessor`), most recently changed first; POST starts one → 201."""

    serializer_class = AssessmentOutput

    def required_action(self):
        return "assessment.create" if self.request.method == "POST" else "assessment.view"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Assessment.objects.none()
        filters = AssessmentFilterInput(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.assessment_list(self.request.user, self.city, **filters.validated_data)

    @extend_schema(parameters=[AssessmentFilterInput])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=AssessmentInput, responses={201: AssessmentDetailOutput})
    def post(self, request, city_code):
        data = AssessmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        enterprise = selectors.enterprise_for_assessment(
            request.user, self.city, values["enterprise"]
        )
        edition = None
        if values.get("edition"):
            edition = selectors.edition_lookup(values["edition"])
            if edition is None:
                raise InvalidInput(
                    "问卷版本不存在 / no such questionnaire edition", field="edition"
                )
        assessment = services.assessment_create(
            request.user, self.city, enterprise=enterprise, kind=values["kind"],
            answers=values["answers"], scenes=values["scenes"], project=values.get("project"),
            assessor=_user(values.get("assessor")), edition=edition,
            complete=not values["draft"], findings=values["findings"],
        )  # fmt: skip
        return self.detail_response(assessment.pk, status=201)


def _user(pk):
    """The user named by id, or a refusal that says the same whether or not the id exists."""
    if pk is None:
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise InvalidInput(
            "所选用户不是本市的评测机构 / the user chosen is not an assessor in this city",
            field="assessor",
        )
    return user


class AssessmentDetailAPI(AssessmentMixin, generics.GenericAPIView):
    """GET one assessment with its answers, explanation, steps, evidence and revisions; PATCH
    its answers, scenes or findings (the assigned assessor; the enterprise for its self-
    assessment) while it is not locked (409 afterwards)."""

    serializer_class = AssessmentDetailOutput

    def required_action(self):
        return "assessment.create" if self.request.method == "PATCH" else "assessment.view"

    def get(self, request, city_code, pk):
        return self.detail_response(pk)

    @extend_schema(
        request=AssessmentUpdateInput, responses={200: AssessmentDetailOutput, 409: CONFLICT}
    )
    def patch(self, request, city_code, pk):
        assessment = self.for_change(pk)
        data = AssessmentUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.assessment_update(
            request.user, assessment, answers=values.get("answers"),
            scenes=values.get("scenes"), findings=values.get("findings"),
            complete=not values["draft"],
        )  # fmt: skip
        return self.detail_response(pk)


class AssessmentTransitionAPI(AssessmentMixin, generics.GenericAPIView):
    """POST `submit` (the assigned assessor; the enterprise for its self-assessment), `return`
    (with a `comment`) or `lock` (the city admin): 403 for a role that may not, 409 when the
    status does not allow it, 400 naming each unanswered question on submit and lock."""

    action_required = "assessment.view"
    serializer_class = AssessmentDetailOutput
    transition = ""  # set by the URL

    @extend_schema(
        request=AssessmentCommentInput, responses={200: AssessmentDetailOutput, 409: CONFLICT}
    )
    def post(self, request, city_code, pk):
        assessment = self.for_change(pk)
        data = AssessmentCommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.assessment_transition(
            request.user, assessment, self.transition, comment=data.validated_data["comment"]
        )
        return self.detail_response(pk)


class AssessmentAssignAPI(AssessmentMixin, generics.GenericAPIView):
    """POST `{"assessor": <user id>}`: the city admin assigns an assessor of the city (400 for
    anyone else), who is told by e-mail; 409 once locked."""

    action_required = "assessment.assign"
    serializer_class = AssessmentDetailOutput

    @extend_schema(
        request=AssessmentAssignInput, responses={200: AssessmentDetailOutput, 409: CONFLICT}
    )
    def post(self, request, city_code, pk):
        assessment = self.for_change(pk)
        data = AssessmentAssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        assessor = _user(data.validated_data["assessor"])
        services.assessment_assign(request.user, assessment, assessor)
        return self.detail_response(pk)


class AssessmentReviseAPI(AssessmentMixin, generics.GenericAPIView):
    """POST `{"reason"}` on a locked assessment: the city admin opens a correction, a new draft
    copying its answers and pointing to it (`revision_of`) → 201 with the new one. The locked
    one stays as it was; 409 if it is not locked or already has a revision."""

    action_required = "assessment.assign"
    serializer_class = AssessmentDetailOutput

    @extend_schema(
        request=AssessmentReviseInput, responses={201: AssessmentDetailOutput, 409: CONFLICT}
    )
    def post(self, request, city_code, pk):
        assessment = self.for_change(pk)
        data = AssessmentReviseInput(data=request.data)
        data.is_valid(raise_exception=True)
        revision = services.assessment_revise(
            request.user, assessment, data.validated_data["reason"]
        )
        return self.detail_response(revision.pk, status=201)


class EvidenceListAPI(AssessmentMixin, generics.ListAPIView):
    """GET the assessment's evidence files; POST multipart `indicator` and `file` (the
    assessment's editor, while it is not locked) → 201."""

    serializer_class = AssessmentEvidenceOutput

    def required_action(self):
        return "assessment.create" if self.request.method == "POST" else "assessment.view"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AssessmentEvidence.objects.none()
        return selectors.evidence_list(self.assessment(self.kwargs["pk"]))

    @extend_schema(
        request={"multipart/form-data": AssessmentEvidenceInput},
        responses={201: AssessmentEvidenceOutput, 409: CONFLICT},
    )
    def post(self, request, city_code, pk):
        assessment = self.for_change(pk)
        data = AssessmentEvidenceInput(data=request.data)
        data.is_valid(raise_exception=True)
        evidence = services.evidence_add(
            request.user, assessment, indicator_code=data.validated_data["indicator"],
            upload=data.validated_data["file"],
        )  # fmt: skip
        evidence = selectors.evidence_rows().get(pk=evidence.pk)
        return Response(
            AssessmentEvidenceOutput(evidence, context=self.get_serializer_context()).data,
            status=201,
        )
