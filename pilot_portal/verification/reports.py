"""The PDF summary of a verification run (核查结果摘要), built as a job (`verification_summary`,
registered in `report_job_kinds`): the run's scope and status, counts by severity, the checks
that found the most, new and gone findings against the previous run, the findings table (the most
serious first, cut at `TABLE_LIMIT` rows: the xlsx export has them all) and the latest inspection
sample with its seed.

Who may: a member of the city's staff who sees the run (`verification.view`; oversight only
reads), and only the findings that member sees (a district officer: the district's); the job
checks again when it runs.
"""

from django.db.models import Prefetch
from django.utils import timezone, translation

from pilot_portal.documents.pdf import render_pdf
from pilot_portal.errors import InvalidInput, NotAllowed
from pilot_portal.jobs.registry import JobOutput
from pilot_portal.jobs.services import job_start
from pilot_portal.tenancy import policy
from pilot_portal.verification import selectors
from pilot_portal.verification.export import SEVERITY_ZH
from pilot_portal.verification.models import InspectionItem, InspectionSample, VerificationRun

SUMMARY_JOB = "verification_summary"
TABLE_LIMIT = 300  # findings listed in the PDF; the rest are counted, and are in the xlsx
TOP_CODES = 15
NOT_ALLOWED = "您的角色不能生成核查摘要 / your role may not generate a verification summary"
OUTCOME_ZH = {"pending": "待检查", "compliant": "合规", "issues": "发现问题", "fraud": "涉嫌骗补"}


def summary_start(*, actor, run):
    """Queue the PDF summary of `run` (as the actor sees it)."""
    if not policy.can(actor, "verification.view", city=run.city):
        raise NotAllowed(NOT_ALLOWED)
    return job_start(city=run.city, kind=SUMMARY_JOB, params={"run": run.pk}, actor=actor)


def _run_of(job) -> VerificationRun:
    user = job.started_by
    if user is None or not policy.can(user, "verification.view", city=job.city):
        raise NotAllowed(NOT_ALLOWED)
    pk = (job.params or {}).get("run")
    run = (
        selectors.run_list(city=job.city).filter(pk=pk).first()
        if isinstance(pk, int) and not isinstance(pk, bool)
        else None
    )
    if run is None:
        raise InvalidInput("核查记录不存在 / no such verification run", field="run")
    run.city = job.city
    return run


def _person(user) -> str:
    if user is None:
        return "–"
    return user.get_full_name().replace(" ", "") or user.username


def _latest_sample(user, run):
    scope = policy.enterprise_scope(user, run.city, prefix="enterprise__")
    items = InspectionItem.objects.filter(scope).select_related("enterprise").order_by("rank")
    return (
        InspectionSample.objects.filter(run=run)
        .select_related("created_by")
        .prefetch_related(Prefetch("items", queryset=items, to_attr="visible_items"))
        .order_by("-created_at", "-pk")
        .first()
    )


def _top_codes(counts, titles) -> list[dict]:
    """The checks that found the most, most first."""
    rows = sorted(counts.by_code, key=lambda r: (-r["count"], r["code"]))[:TOP_CODES]
    return [
        {
            **row,
            "title": titles.get(row["code"], {}).get("title_zh") or row["code"],
            "severity_zh": SEVERITY_ZH.get(row["severity"], row["severity"]),
        }
        for row in rows
    ]


def summary_context(*, user, run) -> dict:
    """What the summary shows, in Chinese (call inside `translation.override("zh-hans")`)."""
    counts = selectors.run_counts(user, run)
    rows = list(selectors.finding_list(user, run)[:TABLE_LIMIT])
    titles = selectors.code_titles(zh=True)
    findings = [
        {
            "no": number,
            "severity": SEVERITY_ZH.get(f.severity, f.severity),
            "severity_code": f.severity,
            "code": f.code,
            "title": titles.get(f.code, {}).get("title_zh") or f.code,
            "enterprise": f.enterprise.name if f.enterprise_id else "–",
            "uscc": f.enterprise.uscc if f.enterprise_id else "",
            "message": f.message_zh,
        }
        for number, f in enumerate(rows, start=1)
    ]
    sample = _latest_sample(user, run)
    sample_rows = []
    if sample is not None:
        for item in sample.visible_items:
            sample_rows.append(
                {
                    "rank": item.rank,
                    "enterprise": item.enterprise.name,
                    "uscc": item.enterprise.uscc,
                    "weight": item.weight,
                    "reasons": "；".join(selectors.reasons_text(item.reasons, zh=True)),
                    "outcome": OUTCOME_ZH.get(item.outcome, item.outcome),
                }
            )
    return {
        "title": "批量核查结果摘要",
        "city": run.city,
        "run": run,
        "scope": run.batch.name if run.batch_id else "全市全部企业",
        "started_by": _person(run.started_by),
        "status": {"running": "进行中", "succeeded": "已完成", "failed": "失败"}.get(
            run.status, run.status
        ),
        "counts": counts,
        "severities": [
            (SEVERITY_ZH[s], s, counts.by_severity.get(s, 0)) for s in selectors.SEVERITIES
        ],
        "top_codes": _top_codes(counts, titles),
        "more_codes": max(0, len(counts.by_code) - TOP_CODES),
        "comparison": selectors.run_compare(user, run),
        "findings": findings,
        "more_findings": max(0, counts.total - len(findings)),
        "sample": sample,
        "sample_rows": sample_rows,
        "generated_at": timezone.localtime(),
    }


def summary_pdf(*, user, run) -> tuple[bytes, dict]:
    """The PDF and what it was made of."""
    with translation.override("zh-hans"):
        context = summary_context(user=user, run=run)
        return render_pdf("verification/pdf/summary.html", context), context


def summary_file_name(run) -> str:
    day = timezone.localdate(run.created_at)
    return f"{run.city.code}-核查结果摘要-{run.pk}-{day:%Y%m%d}.pdf"


def summary_job(job, progress) -> JobOutput:
    """Run the job: the PDF of the run named in `params["run"]`, as its starter sees it."""
    run = _run_of(job)
    progress(20)
    pdf, context = summary_pdf(user=job.started_by, run=run)
    by_severity = context["counts"].by_severity
    return JobOutput(
        result={
            "run": run.pk,
            **{s: by_severity.get(s, 0) for s in selectors.SEVERITIES},
            "listed": len(context["findings"]),
        },
        file=(summary_file_name(run), pdf, "application/pdf"),
    )
