"""Assessment reports in Chinese (PDF, WeasyPrint), built as jobs (`assessments.job_kinds`).

* 诊断报告 (diagnosis, and a self-assessment's 自评报告): enterprise, assessor, date, edition;
  total and level with the level conditions; scores per dimension with a bar chart; scene
  levels (constraint scenes marked); the problem list (the assessor's findings and every
  question scoring below half its points); the demand scenarios (scenes judged below level 2,
  the same codes the provider matching reads) with the light solutions the city offers.
* 验收报告 (acceptance): the enterprise's latest locked diagnosis against this acceptance —
  levels, totals, dimensions (with a chart) and scenes before and after; the evidence files
  per indicator; assessor, date, the project and its provider.

The figures printed are those stored when the assessment was saved (and locked). The report
also scores the stored answers again with `rules.score` on the assessment's own edition
version; a difference would mean the stored figures were altered, and the report says so.

Who may: `policy.can(user, "assessment.report")` and the assessment within what the user sees
(`selectors.assessment_scope`); a batch covers only the enterprises of the batch the starter
sees.
"""

import hashlib
import json
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO

from django.db.models import Count
from django.http import Http404
from django.utils import timezone, translation

from assessments import rules
from assessments.charts import LIGHT_BLUE, Series, bar_chart
from assessments.models import Assessment, AssessmentEvidence, AssessmentKind, AssessmentStatus
from assessments.selectors import assessment_scope
from assessments.services import diagnosis_weak_scenes
from assessments.templates import template_spec
from enterprises.matching.selectors import offered_products
from enterprises.models import Application, ApplicationStatus
from pilot_portal.documents.pdf import render_pdf
from pilot_portal.errors import InvalidInput, NotAllowed
from pilot_portal.jobs.services import job_start
from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import Batch

REPORT_JOB = "assessment_report"
BATCH_JOB = "acceptance_reports_batch"
ACTION = "assessment.report"
TEMPLATES = {
    AssessmentKind.DIAGNOSIS: "assessments/reports/diagnosis.html",
    AssessmentKind.SELF: "assessments/reports/diagnosis.html",
    AssessmentKind.ACCEPTANCE: "assessments/reports/acceptance.html",
}
TITLES = {
    AssessmentKind.DIAGNOSIS: "数字化水平诊断报告",
    AssessmentKind.SELF: "数字化水平自评报告（非正式）",
    AssessmentKind.ACCEPTANCE: "数字化改造验收评测报告",
}
LEVEL_NAMES = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
STATUS_NAMES = {"draft": "草稿", "submitted": "已提交", "locked": "已锁定"}
CENT = Decimal("0.01")
WEAK_BELOW = 2  # a scene below level 2 is demand (as `services.diagnosis_weak_scenes`)


def level_name(level: int | None) -> str:
    return LEVEL_NAMES.get(level, "未达到一级")


def _cents(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _person(user) -> str:
    if user is None:
        return "（未指派）"
    return user.get_full_name() or user.username


def _report_date(assessment: Assessment):
    when = assessment.locked_at or assessment.submitted_at or assessment.updated_at
    return timezone.localdate(when) if when else None


# -- who may ---------------------------------------------------------------------------------


def may_report(user, city) -> bool:
    return policy.can(user, ACTION, city=city)


def reportable_assessments(user, city):
    """The assessments this user may have a report of (none without the report action)."""
    rows = Assessment.objects.for_city(city)
    if not may_report(user, city):
        return rows.none()
    return rows.filter(assessment_scope(user, city))


def with_report_relations(rows):
    return rows.select_related(
        "city", "enterprise__district", "enterprise__sector", "assessor", "edition",
        "project__provider", "locked_by",
    )  # fmt: skip


def report_assessment_for(user, city, pk) -> Assessment:
    """The assessment to report on: 404 when the user does not see it, 403 without the role."""
    assessment = (
        with_report_relations(
            Assessment.objects.for_city(city).filter(assessment_scope(user, city))
        )
        .filter(pk=pk)
        .first()
    )
    if assessment is None:
        raise Http404("评测不存在 / no such assessment")
    if not may_report(user, city):
        raise NotAllowed("您的角色不能生成评测报告 / your role may not generate assessment reports")
    return assessment


def report_start(*, actor, assessment: Assessment):
    """Queue the job that renders this assessment's report (diagnosis or acceptance)."""
    if not may_report(actor, assessment.city):
        raise NotAllowed("您的角色不能生成评测报告 / your role may not generate assessment reports")
    return job_start(
        city=assessment.city, kind=REPORT_JOB, params={"assessment": assessment.pk}, actor=actor
    )


def batch_for(city, batch_id) -> Batch:
    batch = None
    if str(batch_id).isdigit():
        batch = Batch.objects.for_city(city).filter(pk=int(batch_id)).first()
    if batch is None:
        raise InvalidInput("请选择本市的申报批次 / choose one of the city's batches", field="batch")
    return batch


def batch_reports_start(*, actor, city, batch: Batch):
    """Queue the job that renders every acceptance report of the batch into one zip."""
    if not may_report(actor, city):
        raise NotAllowed("您的角色不能生成评测报告 / your role may not generate assessment reports")
    return job_start(city=city, kind=BATCH_JOB, params={"batch": batch.pk}, actor=actor)


# -- context -----------------------------------------------------------------------------------


def _answer_text(question, answer) -> str:
    if answer in (None, "", []):
        return "未作答"
    texts = {option.code: option.text for option in question.options}
    codes = answer if isinstance(answer, list) else [answer]
    return "、".join(texts.get(code, code) for code in codes)


def _recheck(assessment: Assessment, result) -> str:
    """A warning when the stored figures differ from scoring the stored answers again."""
    stored = _cents(assessment.total_score)
    if stored is None:
        return ""
    if stored != result.total or assessment.level != result.level:
        return (
            f"注意：按存档答案复算得总分 {result.total}、{level_name(result.level)}，与存档的"
            f"总分 {stored}、{level_name(assessment.level)} 不一致，请核查。"
        )
    return ""


def _rescore(template, assessment: Assessment):
    """Score the stored answers again (the stored figures are what the report prints)."""
    try:
        return rules.score(template, assessment.answers, assessment.scenes)
    except rules.AnswerErrors as error:
        raise InvalidInput(
            f"评测 {assessment.pk} 的存档答案与其指标版本不符，无法生成报告 / the stored answers "
            f"of assessment {assessment.pk} do not fit its edition: {error.errors}",
            field="assessment",
        ) from None


def _indicator_names(template) -> dict[str, str]:
    return {i.code: i.name for d in template.dimensions for i in d.indicators}


def _dimensions(template, scores: dict) -> list[dict]:
    """Every dimension of the edition: scored ones with their score, the scene one without."""
    return [
        {
            "code": d.code,
            "name": d.name,
            "scored": d.scored,
            "points": _cents(d.points),
            "score": _cents(scores.get(d.code)) if d.scored else None,
        }
        for d in template.dimensions
    ]


def _problems(template, assessment: Assessment, result) -> list[dict]:
    """Questions that scored below half their points, in questionnaire order."""
    indicators = _indicator_names(template)
    problems = []
    for code, question in template.questions().items():
        got = result.question_points.get(code, Decimal(0))
        if got * 2 < question.points:
            problems.append(
                {
                    "indicator": indicators.get(question.indicator, question.indicator),
                    "question": question.text,
                    "answer": _answer_text(question, assessment.answers.get(code)),
                    "points": _cents(got),
                    "max": _cents(question.points),
                }
            )
    return problems


def _scenes(template, levels: dict, before: dict | None = None) -> list[dict]:
    return [
        {
            "code": scene.code,
            "name": scene.name,
            "group": scene.group,
            "constraint": scene.constraint,
            "level": levels.get(scene.code),
            "before": before.get(scene.code) if before is not None else None,
            "weak": isinstance(levels.get(scene.code), int) and levels[scene.code] < WEAK_BELOW,
        }
        for scene in template.scenes
    ]


def _levels(assessment: Assessment, result) -> dict:
    explanation = assessment.explanation or result.explanation()
    return {
        "summary": explanation.get("summary_zh", ""),
        "checks": [
            {
                "level": level_name(row.get("level")),
                "held": row.get("held"),
                "conditions": row.get("conditions", []),
            }
            for row in explanation.get("levels", [])
        ],
    }


def _common(assessment: Assessment, template, result) -> dict:
    enterprise = assessment.enterprise
    return {
        "title": TITLES[assessment.kind],
        "assessment": assessment,
        "enterprise": enterprise,
        "city": assessment.city,
        "assessor": _person(assessment.assessor),
        "date": _report_date(assessment),
        "edition": f"{assessment.edition.name}（第 {assessment.edition.version} 版）",
        "edition_note": assessment.edition.note.split(" / ")[0],
        "status": STATUS_NAMES.get(assessment.status, assessment.status),
        "locked": assessment.status == AssessmentStatus.LOCKED,
        "total": _cents(assessment.total_score),
        "level": assessment.level,
        "level_name": level_name(assessment.level),
        "levels": _levels(assessment, result),
        "recheck": _recheck(assessment, result),
        "generated_at": timezone.localtime(),
    }


def diagnosis_report_context(assessment: Assessment) -> dict:
    """Everything the diagnosis (or self-assessment) report shows."""
    template = template_spec(assessment.edition)
    result = _rescore(template, assessment)
    dimensions = _dimensions(template, assessment.dimension_scores)
    scored = [d for d in dimensions if d["scored"]]
    weak = diagnosis_weak_scenes(assessment)
    names = {scene.code: scene.name for scene in template.scenes}
    offered = dict(
        offered_products(assessment.city_id)
        .filter(scenario__in=weak)
        .values_list("scenario")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        **_common(assessment, template, result),
        "dimensions": dimensions,
        "chart": bar_chart(
            [d["name"] for d in scored],
            [Series("得分", tuple(d["score"] for d in scored))],
            maxima=[d["points"] for d in scored],
            title="各维度得分",
        ),
        "scenes": _scenes(template, assessment.scenes),
        "findings": [line.strip() for line in assessment.findings.splitlines() if line.strip()],
        "problems": _problems(template, assessment, result),
        "demands": [
            {
                "code": code,
                "name": names[code],
                "level": assessment.scenes.get(code),
                "offered": offered.get(code, 0),
            }
            for code in weak
        ],
    }


@dataclass
class AcceptanceFacts:
    """What an acceptance report needs beyond the assessment: loaded in bulk for a batch."""

    before: Assessment | None = None  # the enterprise's latest locked diagnosis
    evidence: list = field(default_factory=list)  # AssessmentEvidence with their documents


def acceptance_facts(assessments: list[Assessment]) -> dict[int, AcceptanceFacts]:
    """Before-diagnoses and evidence for many acceptances, in two queries."""
    facts = {a.pk: AcceptanceFacts() for a in assessments}
    enterprise_ids = {a.enterprise_id for a in assessments}
    latest: dict[int, Assessment] = {}
    diagnoses = (
        Assessment.objects.filter(
            enterprise_id__in=enterprise_ids,
            kind=AssessmentKind.DIAGNOSIS,
            status=AssessmentStatus.LOCKED,
        )
        .select_related("edition")
        .order_by("enterprise_id", "-locked_at", "-pk")
    )
    for diagnosis in diagnoses:
        latest.setdefault(diagnosis.enterprise_id, diagnosis)
    for assessment in assessments:
        facts[assessment.pk].before = latest.get(assessment.enterprise_id)
    evidence = (
        AssessmentEvidence.objects.filter(assessment__in=[a.pk for a in assessments])
        .select_related("document")
        .order_by("assessment_id", "indicator_code", "pk")
    )
    for entry in evidence:
        facts[entry.assessment_id].evidence.append(entry)
    return facts


def _movement(before: int | None, after: int | None) -> str:
    before, after = before or 0, after or 0
    if after > before:
        return "提升"
    return "持平" if after == before else "下降"


def acceptance_report_context(assessment: Assessment, facts: AcceptanceFacts) -> dict:
    """Everything the acceptance report shows, before (diagnosis) against after (this)."""
    template = template_spec(assessment.edition)
    result = _rescore(template, assessment)
    before = facts.before
    before_scores = before.dimension_scores if before is not None else {}
    dimensions = _dimensions(template, assessment.dimension_scores)
    for dimension in dimensions:
        # Matched by code: a diagnosis on another edition shows "–" where codes differ.
        dimension["before"] = _cents(before_scores.get(dimension["code"]))
        dimension["change"] = (
            dimension["score"] - dimension["before"]
            if dimension["score"] is not None and dimension["before"] is not None
            else None
        )
    scored = [d for d in dimensions if d["scored"]]
    indicators = _indicator_names(template)
    order = {code: index for index, code in enumerate(indicators)}  # questionnaire order
    evidence = defaultdict(list)
    for entry in facts.evidence:
        evidence[entry.indicator_code].append(
            {"name": entry.document.name, "sha256": entry.document.sha256[:16]}
        )
    total_before = _cents(before.total_score) if before is not None else None
    total_after = _cents(assessment.total_score)
    project = assessment.project
    return {
        **_common(assessment, template, result),
        "project": project,
        "provider": project.provider if project is not None else None,
        "before": before,
        "before_date": _report_date(before) if before is not None else None,
        "before_total": total_before,
        "before_level_name": level_name(before.level) if before is not None else "",
        "total_change": (
            total_after - total_before
            if total_before is not None and total_after is not None
            else None
        ),
        "movement": _movement(before.level, assessment.level) if before is not None else "",
        "dimensions": dimensions,
        "chart": bar_chart(
            [d["name"] for d in scored],
            [
                Series("诊断（改造前）", tuple(d["before"] for d in scored), LIGHT_BLUE),
                Series("验收（改造后）", tuple(d["score"] for d in scored)),
            ],
            maxima=[d["points"] for d in scored],
            title="改造前后各维度得分",
        ),
        "scenes": _scenes(
            template, assessment.scenes, before.scenes if before is not None else None
        ),
        "evidence": [
            {"indicator": indicators.get(code, code), "code": code, "files": evidence[code]}
            for code in sorted(evidence, key=lambda code: order.get(code, len(order)))
        ],
    }


def report_context(assessment: Assessment, facts: AcceptanceFacts | None = None) -> dict:
    if assessment.kind == AssessmentKind.ACCEPTANCE:
        if facts is None:
            facts = acceptance_facts([assessment])[assessment.pk]
        return acceptance_report_context(assessment, facts)
    return diagnosis_report_context(assessment)


def report_pdf(assessment: Assessment, facts: AcceptanceFacts | None = None) -> bytes:
    """The assessment's report as PDF; Chinese whatever language the user who asked reads."""
    with translation.override("zh-hans"):
        return render_pdf(TEMPLATES[assessment.kind], report_context(assessment, facts))


def report_file_name(assessment: Assessment) -> str:
    kind = "验收报告" if assessment.kind == AssessmentKind.ACCEPTANCE else "诊断报告"
    if assessment.kind == AssessmentKind.SELF:
        kind = "自评报告"
    name = "".join(
        "_" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in assessment.enterprise.name
    )
    return f"{assessment.enterprise.uscc}-{name}-{kind}-{assessment.pk}.pdf"


# -- a batch's acceptance reports ------------------------------------------------------------


def batch_acceptances(*, user, city, batch: Batch) -> tuple[list[Assessment], list[dict]]:
    """Each approved enterprise of the batch the user sees: its latest locked acceptance.

    Returns the acceptances (by enterprise name) and the enterprises left out, with why (no
    acceptance at all, or none locked yet, naming the status of the latest)."""
    enterprise_ids = Application.objects.filter(
        city=city, batch=batch, status=ApplicationStatus.APPROVED
    ).values("enterprise_id")
    rows = with_report_relations(
        reportable_assessments(user, city).filter(
            kind=AssessmentKind.ACCEPTANCE, enterprise_id__in=enterprise_ids
        )
    ).order_by("enterprise__name", "enterprise_id", "-locked_at", "-updated_at", "-pk")
    chosen: dict[int, Assessment] = {}
    pending: dict[int, Assessment] = {}
    for assessment in rows:
        if assessment.status == AssessmentStatus.LOCKED:
            chosen.setdefault(assessment.enterprise_id, assessment)
        else:
            pending.setdefault(assessment.enterprise_id, assessment)
    skipped = [
        {
            "enterprise": a.enterprise.name,
            "uscc": a.enterprise.uscc,
            "assessment": a.pk,
            "reason": f"验收评测尚未锁定（{STATUS_NAMES.get(a.status, a.status)}） / "
            f"the acceptance assessment is not locked yet ({a.status})",
        }
        for enterprise_id, a in pending.items()
        if enterprise_id not in chosen
    ]
    return list(chosen.values()), skipped


@dataclass
class Bundle:
    name: str
    content: bytes
    result: dict


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def batch_reports_bundle(*, user, city, batch: Batch, name: str, progress) -> Bundle:
    """Every acceptance report of the batch as one zip, with manifest.json and MANIFEST.sha256.

    Progress moves as each report renders (5 % for loading, 90 % for the reports)."""
    acceptances, skipped = batch_acceptances(user=user, city=city, batch=batch)
    facts = acceptance_facts(acceptances)
    progress(5)
    buffer = BytesIO()
    files, reports = [], []
    date_time = timezone.localtime().timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(path: str, content: bytes) -> None:
            archive.writestr(zipfile.ZipInfo(path, date_time=date_time), content)
            files.append({"path": path, "size": len(content), "sha256": _sha256(content)})

        for done, assessment in enumerate(acceptances, start=1):
            path = f"reports/{report_file_name(assessment)}"
            add(path, report_pdf(assessment, facts[assessment.pk]))
            before = facts[assessment.pk].before
            reports.append(
                {
                    "path": path,
                    "assessment": assessment.pk,
                    "enterprise": assessment.enterprise.name,
                    "uscc": assessment.enterprise.uscc,
                    "total_score": str(_cents(assessment.total_score)),
                    "level": assessment.level,
                    "diagnosis": before.pk if before is not None else None,
                    "diagnosis_level": before.level if before is not None else None,
                }
            )
            progress(5 + done * 90 // len(acceptances))
        manifest = {
            "city": city.code,
            "batch": {"id": batch.pk, "name": batch.name},
            "generated_at": timezone.localtime().isoformat(timespec="seconds"),
            "generated_by": user.username if user is not None else None,
            "reports": reports,
            "skipped": skipped,
            "files": sorted(files, key=lambda f: f["path"]),
        }
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
        add("manifest.json", manifest_bytes)
        checksums = "".join(
            f"{f['sha256']}  {f['path']}\n" for f in sorted(files, key=lambda f: f["path"])
        )
        add("MANIFEST.sha256", checksums.encode())
    progress(100)
    return Bundle(
        name=name,
        content=buffer.getvalue(),
        result={
            "batch": batch.pk,
            "reports": len(reports),
            "skipped": len(skipped),
            "manifest_sha256": _sha256(manifest_bytes),
        },
    )
