"""City B's objects for the isolation suite.

Every model with a `city` foreign key must have at least one row in city B, each
carrying MARKER in a text field, so a response that leaks it can be recognised.
When you add a tenant-owned model, register a builder here; the suite fails and
names the model until you do.
"""

import json
from collections.abc import Callable
from datetime import date

from django.apps import apps

from pilot_portal.tenancy.models import City

MARKER = "LEAK-B-7f3c"

BUILDERS: list[Callable] = []


def builder(func):
    BUILDERS.append(func)
    return func


@builder
def platform_objects(city: City, actor) -> None:
    from pilot_portal.documents.services import document_create
    from pilot_portal.jobs.models import Job
    from tests.factories import (
        BatchFactory,
        DistrictFactory,
        EnterpriseFactory,
        MembershipFactory,
        SectorFactory,
        UserFactory,
    )

    district = DistrictFactory(city=city, name=f"{MARKER}区")
    SectorFactory(city=city, code="LEAK-B", name=f"{MARKER}行业")  # no clash with real codes
    BatchFactory(city=city, name=f"{MARKER}批")
    EnterpriseFactory(city=city, district=district, name=f"{MARKER}企业")
    MembershipFactory(city=city, role="auditor", user=UserFactory(username=f"{MARKER}-user"))
    document = document_create(
        city=city,
        name=f"{MARKER}.txt",
        content=f"{MARKER} 机密".encode(),
        content_type="text/plain",
        actor=actor,
    )
    Job.objects.create(
        city=city,
        kind="city_export",
        params={"note": MARKER},
        started_by=actor,
        status="succeeded",
        progress=100,
        result={"note": MARKER},
        document=document,
    )


def tenant_models() -> list:
    """Models holding a city foreign key (historical copies excluded)."""
    found = []
    for model in apps.get_models():
        names = {field.name for field in model._meta.fields}
        if "history_id" in names:
            continue
        city_field = next((f for f in model._meta.fields if f.name == "city"), None)
        if city_field is not None and city_field.related_model is City:
            found.append(model)
    return found


def build_world(city_b: City, actor) -> dict:
    """Run every builder for city B; return the new objects' ids per model (the candidates)."""
    models = tenant_models()
    before = {
        m: m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0 for m in models
    }
    for build in BUILDERS:
        build(city_b, actor)
    missing = [m._meta.label for m in models if not m.objects.filter(city=city_b).exists()]
    assert not missing, f"register an isolation-world builder for: {', '.join(missing)}"
    return {
        m: list(m.objects.filter(city=city_b, pk__gt=before[m]).values_list("pk", flat=True))
        for m in models
    }


def snapshot(city_b: City) -> dict:
    """Everything city B holds, to prove that no request changed it."""
    data = {"city": list(City.objects.filter(pk=city_b.pk).values())}
    for model in tenant_models():
        data[model._meta.label] = list(model.objects.filter(city=city_b).order_by("pk").values())
    return data


def object_candidates(built: dict) -> tuple[list[int], list[str]]:
    """Ids (and codes) of the marked objects built for city B, to put into URLs."""
    ids, codes = set(), set()
    for model, pks in built.items():
        ids.update(pks[:1])  # one marked object per model is enough to catch a leak
        if any(field.name == "code" for field in model._meta.fields):
            codes.update(model.objects.filter(pk__in=pks).values_list("code", flat=True))
    return sorted(ids), sorted(codes)


@builder
def enterprise_file_objects(city: City, actor) -> None:
    from enterprises.models import (
        Application,
        ChangeRequest,
        ChangeRequestStep,
        Enterprise,
        EnterpriseClaim,
        EnterpriseDocument,
        ExclusionEntry,
    )
    from pilot_portal.documents.services import document_create
    from tests.factories import UserFactory

    enterprise = Enterprise.objects.filter(city=city, name__startswith=MARKER).first()
    EnterpriseClaim.objects.create(
        city=city, enterprise=enterprise, user=UserFactory(username=f"{MARKER}-claimant"),
        position=MARKER,
    )  # fmt: skip
    ExclusionEntry.objects.create(
        list="pilot_2022", uscc=enterprise.uscc, name=MARKER, city=city, created_by=actor
    )
    document = document_create(
        city=city, name=f"{MARKER}-licence.pdf", content=f"%PDF-1.4 {MARKER}".encode(),
        content_type="application/pdf", actor=actor,
    )  # fmt: skip
    EnterpriseDocument.objects.create(
        city=city, enterprise=enterprise, kind="licence", document=document, note=MARKER,
        application=Application.objects.filter(enterprise=enterprise).first(),
    )  # fmt: skip
    change = ChangeRequest.objects.create(
        city=city, enterprise=enterprise, kind="new_content", description=MARKER, created_by=actor
    )
    ChangeRequestStep.objects.create(
        change_request=change, action="request", from_status="requested",
        to_status="requested", actor=actor, actor_role="enterprise", comment=MARKER,
    )  # fmt: skip


@builder
def provider_objects(city: City, actor) -> None:
    """A provider selected into city B (marked statement), its round, step, document, score,
    conflict, evaluation and product; B's experts and provider staff are B's users.

    The provider's national profile carries no marker: it is not city B's data, and pages
    that show national profiles (a provider's own, the public pool) may show it."""
    from datetime import timedelta

    from django.utils import timezone

    from pilot_portal.documents.services import document_create
    from providers.models import (
        ExpertConflict,
        ExpertScore,
        Product,
        ProviderEvaluation,
        ProviderSelection,
        SelectionDocument,
        SelectionRound,
        SelectionStep,
    )
    from tests.factories import MembershipFactory, ProviderFactory, UserFactory

    provider, other = ProviderFactory(), ProviderFactory()
    staff = UserFactory(username=f"{MARKER}-provider")
    provider.staff.add(staff)
    MembershipFactory(city=city, role="provider", provider=provider, user=staff)
    expert = UserFactory(username=f"{MARKER}-expert")
    MembershipFactory(city=city, role="expert", user=expert)
    # A closed round: open rounds are a public call (providers everywhere see them to apply).
    today = timezone.localdate()
    selection_round = SelectionRound.objects.create(
        city=city, name=f"{MARKER}遴选", opens=today - timedelta(days=400),
        closes=today - timedelta(days=200),
        criteria=f"{MARKER} 评分标准", created_by=actor,
    )  # fmt: skip
    selection_round.experts.add(expert)
    selection = ProviderSelection.objects.create(
        city=city, provider=provider, round=selection_round, status="selected",
        statement=f"{MARKER} 申请陈述", publicity_start=today - timedelta(days=190),
        publicity_end=today - timedelta(days=185), applied_by=staff,
    )  # fmt: skip
    selection.sectors.set(city.sectors.all()[:1])
    SelectionStep.objects.create(
        selection=selection, action="select", from_status="publicised", to_status="selected",
        actor=actor, actor_role="city_admin", comment=f"{MARKER} 入库意见",
    )  # fmt: skip
    document = document_create(
        city=city, name=f"{MARKER}-qualification.pdf", content=f"%PDF-1.4 {MARKER}".encode(),
        content_type="application/pdf", actor=actor, purpose="provider-application",
    )  # fmt: skip
    SelectionDocument.objects.create(
        city=city, selection=selection, kind="qualification", document=document
    )
    ExpertScore.objects.create(
        city=city, selection=selection, expert=expert, score=88, comment=f"{MARKER} 评审意见"
    )
    ExpertConflict.objects.create(
        city=city, expert=expert, provider=other, reason=f"{MARKER} 利益冲突"
    )
    ProviderEvaluation.objects.create(
        city=city, selection=selection, year=today.year, outcome="keep",
        reason=f"{MARKER} 年度评价", decided_by=actor,
    )  # fmt: skip
    product = Product.objects.create(
        city=city, provider=provider, name=f"{MARKER}方案", scenario="quality",
        price="30000.00", deployment="saas", description=f"{MARKER} 说明", status="listed",
        created_by=staff,
    )  # fmt: skip
    product.sectors.set(city.sectors.all()[:1])


@builder
def matching_objects(city: City, actor) -> None:
    """City B's marked enterprise names a demand, shortlists B's product, rates its provider."""
    from enterprises.models import Demand, Enterprise, ProviderRating, Shortlist
    from providers.models import Product

    enterprise = Enterprise.objects.filter(city=city, name__startswith=MARKER).first()
    product = Product.objects.filter(city=city, name__startswith=MARKER).first()
    Demand.objects.create(
        city=city, enterprise=enterprise, scenario="quality", note=f"{MARKER} 需求"
    )
    Shortlist.objects.create(
        city=city, enterprise=enterprise, product=product, note=f"{MARKER} 备选",
        created_by=actor,
    )  # fmt: skip
    ProviderRating.objects.create(
        city=city, enterprise=enterprise, provider=product.provider, score=4,
        comment=f"{MARKER} 评价", rated_by=actor,
    )  # fmt: skip


@builder
def project_objects(city: City, actor) -> None:
    """City B's marked enterprise runs a project with B's provider: lines, milestone, log."""
    from datetime import date
    from decimal import Decimal

    from enterprises.models import (
        ChainCase,
        Enterprise,
        InvestmentLine,
        Milestone,
        Project,
        WorkLog,
    )
    from providers.models import Product

    enterprise = Enterprise.objects.filter(city=city, name__startswith=MARKER).first()
    product = Product.objects.filter(city=city, name__startswith=MARKER).first()
    project = Project.objects.create(
        city=city, enterprise=enterprise, provider=product.provider, title=f"{MARKER} 项目",
        contract_amount=Decimal("100000.00"), planned_start=date(2026, 1, 1),
        planned_end=date(2026, 12, 31), created_by=actor,
    )  # fmt: skip
    InvestmentLine.objects.create(
        city=city, project=project, category="software", amount=Decimal("50000.00"),
        description=f"{MARKER} 软件", created_by=actor,
    )  # fmt: skip
    Milestone.objects.create(
        city=city, project=project, title=f"{MARKER} 里程碑", due_date=date(2026, 6, 30)
    )
    WorkLog.objects.create(
        city=city, project=project, date=date(2026, 2, 1), hours=Decimal("8.00"),
        description=f"{MARKER} 服务记录", created_by=actor,
    )  # fmt: skip
    chain = ChainCase.objects.create(
        city=city, title=f"{MARKER} 链", leader_enterprise=enterprise, created_by=actor
    )
    chain.projects.add(project)


@builder
def assessment_objects(city: City, actor) -> None:
    """City B's marked enterprise has a draft diagnosis by B's assessor (a step, an evidence
    file) and a locked acceptance of its project: marked findings, answers and explanation."""
    from decimal import Decimal

    from assessments.models import Assessment, AssessmentEvidence, AssessmentStep
    from assessments.templates import current_edition
    from enterprises.models import Enterprise, Project
    from pilot_portal.documents.services import document_create
    from tests.factories import MembershipFactory, UserFactory

    enterprise = Enterprise.objects.filter(city=city, name__startswith=MARKER).first()
    project = Project.objects.filter(city=city, title__startswith=MARKER).first()
    assessor = UserFactory(username=f"{MARKER}-assessor")
    MembershipFactory(city=city, role="assessor", user=assessor)
    edition = current_edition(city)
    diagnosis = Assessment.objects.create(
        city=city, enterprise=enterprise, kind="diagnosis", edition=edition, assessor=assessor,
        answers={"network": ["b"]}, scenes={"quality": 1}, total_score=Decimal("2.00"),
        dimension_scores={"foundation": "2.00"}, explanation={"summary_zh": MARKER},
        findings=f"{MARKER} 问题清单", created_by=actor,
    )  # fmt: skip
    AssessmentStep.objects.create(
        assessment=diagnosis, action="assign", from_status="draft", to_status="draft",
        actor=actor, actor_role="city_admin", comment=f"{MARKER} 指派",
    )  # fmt: skip
    document = document_create(
        city=city, name=f"{MARKER}-evidence.pdf", content=f"%PDF-1.4 {MARKER}".encode(),
        content_type="application/pdf", actor=assessor, purpose="assessment_evidence",
    )  # fmt: skip
    AssessmentEvidence.objects.create(
        city=city, assessment=diagnosis, indicator_code="equipment_systems", document=document,
        created_by=assessor,
    )  # fmt: skip
    Assessment.objects.create(
        city=city, enterprise=enterprise, project=project, kind="acceptance", edition=edition,
        assessor=assessor, status="locked", total_score=Decimal("61.50"), level=3,
        explanation={"summary_zh": MARKER}, findings=f"{MARKER} 验收结论", created_by=actor,
        locked_by=actor,
    )  # fmt: skip


@builder
def subsidy_objects(city: City, actor) -> None:
    """City B's marked enterprise has a paid-in-part transformation claim on a closed publicity
    with an objection, under a marked rulebook version; the fund pools carry the marker."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from enterprises.models import Enterprise, Project
    from subsidies.models import (
        ClaimStep,
        FundPool,
        LedgerEntry,
        Objection,
        Publicity,
        PublicityItem,
        RulebookVersion,
        SubsidyClaim,
        SubsidyComputation,
    )
    from subsidies.rulebook import DATA_DIR

    enterprise = Enterprise.objects.filter(city=city, name__startswith=MARKER).first()
    project = Project.objects.filter(city=city, title__startswith=MARKER).first()
    data = json.loads((DATA_DIR / "shenyang.json").read_text(encoding="utf-8"))
    version = RulebookVersion.objects.create(
        city=city, version=f"{MARKER}-v", effective_from=date(2099, 1, 1), data=data,
        note=f"{MARKER} 规则", created_by=actor,
    )  # fmt: skip
    for source in ("central", "local"):
        FundPool.objects.update_or_create(
            city=city, source=source,
            defaults={"amount": Decimal("150000000.00"), "note": f"{MARKER} 资金"},
        )  # fmt: skip
    claim = SubsidyClaim.objects.create(
        city=city, kind="transformation", enterprise=enterprise, project=project,
        status="partially_paid", approved_amount=Decimal("123456.78"),
        paid_amount=Decimal("100000.00"), inputs={"note": MARKER}, created_by=actor,
        instalment_plan=[{"no": 1, "share": "1", "amount": "123456.78"}],
    )  # fmt: skip
    computation = SubsidyComputation.objects.create(
        city=city, claim=claim, rulebook=version, facts={"note": MARKER}, inputs_digest=MARKER,
        amount=Decimal("123456.78"), eligible=True, explanation_zh=f"{MARKER} 说明",
        explanation_en=MARKER, created_by=actor,
    )  # fmt: skip
    SubsidyClaim.objects.filter(pk=claim.pk).update(computation=computation)
    ClaimStep.objects.create(
        claim=claim, action="approve", from_status="computed", to_status="approved",
        actor=actor, actor_role="city_admin", comment=f"{MARKER} 核定",
    )  # fmt: skip
    LedgerEntry.objects.create(
        city=city, claim=claim, kind="payment", amount=Decimal("100000.00"), instalment=1,
        paid_on=date(2026, 1, 5), reference=f"{MARKER}-bank", recorded_by=actor,
    )  # fmt: skip
    today = timezone.localdate()
    publicity = Publicity.objects.create(
        city=city, title=f"{MARKER} 公示", starts_on=today - timedelta(days=10),
        ends_on=today - timedelta(days=3), contact=MARKER, published_by=actor,
    )  # fmt: skip
    item = PublicityItem.objects.create(
        city=city, publicity=publicity, claim=claim, recipient_name=f"{MARKER}企业",
        amount=Decimal("123456.78"),
    )  # fmt: skip
    Objection.objects.create(
        city=city, item=item, raised_by=f"{MARKER} 举报人", content=f"{MARKER} 异议",
        recorded_by=actor,
    )  # fmt: skip


@builder
def verification_objects(city: City, actor) -> None:
    """A finished verification run of city B with a finding on its marked enterprise, a chunk,
    and an inspection sample with one item."""
    from decimal import Decimal

    from enterprises.models import Enterprise
    from pilot_portal.verification.models import (
        Finding,
        InspectionItem,
        InspectionSample,
        VerificationChunk,
        VerificationRun,
    )

    enterprise = Enterprise.objects.filter(city=city, name__startswith=MARKER).first()
    run = VerificationRun.objects.create(
        city=city, status="succeeded", enterprise_count=1, chunks_total=1, chunks_done=1,
        counts={"error": 1, "note": MARKER}, started_by=actor,
    )  # fmt: skip
    VerificationChunk.objects.create(
        city=city, run=run, index=0, enterprise_ids=[enterprise.pk], done=True
    )
    Finding.objects.create(
        city=city, run=run, chunk=0, enterprise=enterprise, severity="error",
        code="uscc_check_digit", message_zh=f"{MARKER} 校验码错误", message_en=MARKER,
        object_type="enterprises.enterprise", object_id=enterprise.pk, fingerprint=MARKER,
    )  # fmt: skip
    sample = InspectionSample.objects.create(
        city=city, run=run, seed=7, size=1, note=MARKER, created_by=actor
    )
    InspectionItem.objects.create(
        city=city, sample=sample, enterprise=enterprise, rank=1, weight=Decimal("1.5"),
        reasons=[[MARKER, MARKER]], note=f"{MARKER} 现场核查",
    )  # fmt: skip


@builder
def reporting_objects(city: City, actor) -> None:
    """A manual indicator of city B with a pending value, and a submitted period with a figure."""
    from decimal import Decimal

    from django.utils import timezone

    from pilot_portal.documents.services import document_create
    from pilot_portal.reporting.models import (
        Indicator,
        ManualValue,
        PeriodFigure,
        PeriodStep,
        ReportingPeriod,
    )

    indicator = Indicator.objects.create(
        city=city, code="LEAKB9", name=f"{MARKER}指标", unit="个", targets={"2025": "9"},
        total_target=Decimal("9"), source="manual",
    )  # fmt: skip
    evidence = document_create(
        city=city, name=f"{MARKER}-evidence.pdf", content=b"%PDF-1.4 " + MARKER.encode(),
        content_type="application/pdf", actor=actor,
    )  # fmt: skip
    ManualValue.objects.create(
        city=city, indicator=indicator, value=Decimal("7"), note=MARKER, evidence=evidence,
        entered_by=actor,
    )  # fmt: skip
    period = ReportingPeriod.objects.create(
        city=city, kind="final", year=2025, status="submitted", version=1,
        submitted_at=timezone.now(), submitted_by=actor,
    )  # fmt: skip
    PeriodFigure.objects.create(
        city=city, period=period, version=1, indicator=indicator, code="LEAKB9",
        name=f"{MARKER}指标", unit="个", source="manual", target=Decimal("9"),
        actual=Decimal("7"), explanation=MARKER,
    )  # fmt: skip
    PeriodStep.objects.create(
        period=period, action="submit", actor=actor, actor_role="city_admin",
        from_status="open", to_status="submitted", comment=MARKER,
    )  # fmt: skip
