"""Reads of verification runs, findings and inspection samples, within what the user may see,
at a fixed number of queries whatever the number of rows.

Who sees what: `verification.view` (city admin, auditor, finance officer, district officer and
oversight) opens a city's runs; a district officer sees only the findings (and sampled
enterprises) of the district's enterprises (`policy.enterprise_scope`). Another city's run,
sample or item is 404, never 403.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language

from pilot_portal.tenancy import policy
from pilot_portal.tenancy.models import City
from pilot_portal.verification.models import (
    Finding,
    InspectionItem,
    InspectionSample,
    RunStatus,
    Severity,
    VerificationRun,
)

NOT_FOUND_RUN = "核查记录不存在 / no such verification run"
NOT_FOUND_SAMPLE = "抽查不存在 / no such inspection sample"
NOT_FOUND_ITEM = "抽查对象不存在 / no such inspection item"
SEVERITIES = [Severity.ERROR, Severity.WARNING, Severity.INFO]  # most serious first
# The filters the findings table, its export, its PDF summary and the API all take.
FILTERS = ("severity", "code", "district", "enterprise", "q")


def _zh() -> bool:
    return (get_language() or "zh").startswith("zh")


# -- runs --------------------------------------------------------------------------------------


def run_list(*, city) -> QuerySet:
    """The city's runs, newest first (all of them: the history auditors are shown)."""
    return VerificationRun.objects.for_city(city).select_related("batch", "started_by", "job")


def get_run_for(user, city, run_id) -> VerificationRun:
    """404 for a run that is missing, of another city, or not visible to the user alike."""
    if not policy.can(user, "verification.view", city=city):
        raise Http404(NOT_FOUND_RUN)
    run = run_list(city=city).filter(pk=run_id).first()
    if run is None:
        raise Http404(NOT_FOUND_RUN)
    run.city = city  # (the same row: no query for it)
    return run


def run_progress(run) -> int:
    """0–100: the run's Job progress, or its share of chunks done, whichever is further on
    (both only grow); 100 once the run has finished."""
    if run.status != RunStatus.RUNNING:
        return 100
    by_chunks = run.chunks_done * 100 // run.chunks_total if run.chunks_total else 0
    by_job = run.job.progress if run.job_id and run.job is not None else 0
    return max(0, min(99, max(by_chunks, by_job)))  # 100 is "finished", said by the status


def runs_with_counts(user, city, runs: list) -> list:
    """Each run of `runs` with `.severity_counts` ({"error": n, …}) as the user sees them."""
    return attach_counts(runs, scope=policy.enterprise_scope(user, city, prefix="enterprise__"))


def attach_counts(runs: list, *, scope: Q) -> list:
    """`.severity_counts` on each run: for a whole-city reader (`scope` empty) what the run
    recorded when it finished, else (a district, or a run still running) one grouped query
    over the findings, whatever the number of runs."""
    whole_city = not scope
    grouped = {}
    missing = [run.pk for run in runs if not (whole_city and _stored_counts(run))]
    if missing:
        grouped = _grouped_counts(Finding.objects.filter(scope, run_id__in=missing))
    for run in runs:
        stored = _stored_counts(run) if whole_city else None
        run.severity_counts = stored or grouped.get(run.pk, _zeros())
    return runs


def _zeros() -> dict:
    return dict.fromkeys(SEVERITIES, 0)


def _stored_counts(run) -> dict | None:
    counts = run.counts if isinstance(run.counts, dict) else {}
    if run.status == RunStatus.RUNNING or not any(s in counts for s in SEVERITIES):
        return None
    return {s: int(counts.get(s) or 0) for s in SEVERITIES}


def _grouped_counts(findings) -> dict[int, dict]:
    grouped: dict[int, dict] = {}
    for row in findings.values("run_id", "severity").annotate(n=Count("pk")).order_by():
        grouped.setdefault(row["run_id"], _zeros())[row["severity"]] = row["n"]
    return grouped


def latest_runs_by_city(cities) -> list[City]:
    """Every city of `cities` with `.latest_run` (or None, with `.severity_counts`), by name:
    two queries, and one more when some run is still running."""
    latest = Subquery(
        VerificationRun.objects.filter(city=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    rows = list(cities.select_related("province").annotate(latest_run_id=latest).order_by("name"))
    ids = [c.latest_run_id for c in rows if c.latest_run_id]
    runs = {
        r.pk: r
        for r in VerificationRun.objects.filter(pk__in=ids).select_related(
            "batch", "started_by", "job"
        )
    }
    attach_counts(list(runs.values()), scope=Q())  # the ministry reads whole cities
    for city in rows:
        city.latest_run = runs.get(city.latest_run_id)
    return rows


# -- findings ----------------------------------------------------------------------------------


def finding_scope(user, city) -> Q:
    """The findings of the city this user sees: all for city-wide readers, the district's
    enterprises' for a district officer (findings about no enterprise only city-wide)."""
    return policy.enterprise_scope(user, city, prefix="enterprise__")


def run_findings(user, run) -> QuerySet:
    return Finding.objects.for_city(run.city).filter(finding_scope(user, run.city), run=run)


SEVERITY_RANK = Case(
    When(severity=Severity.ERROR, then=Value(0)),
    When(severity=Severity.WARNING, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def clean_filters(params) -> dict:
    """The filters a request names (a QueryDict or dict), kept when well formed; the rest is
    ignored, as the list pages ignore what they can't use."""
    params = params or {}
    filters = {}
    severity = str(params.get("severity") or "").strip()
    if severity in SEVERITIES:
        filters["severity"] = severity
    code = str(params.get("code") or "").strip()
    if code and len(code) <= 48:
        filters["code"] = code
    for name in ("district", "enterprise"):
        value = str(params.get(name) or "").strip()
        if value.isdigit() and 0 < int(value) < 2**63:
            filters[name] = int(value)
    q = str(params.get("q") or "").strip()
    if q:
        filters["q"] = q[:100]
    return filters


def finding_list(user, run, params=None) -> QuerySet:
    """The run's findings the user sees, filtered by `severity`, `code`, `district` (id),
    `enterprise` (id) and `q` (enterprise name or credit code), most serious first, with the
    enterprise and its district joined (one query per page)."""
    filters = clean_filters(params)
    rows = run_findings(user, run)
    if "severity" in filters:
        rows = rows.filter(severity=filters["severity"])
    if "code" in filters:
        rows = rows.filter(code=filters["code"])
    if "district" in filters:
        rows = rows.filter(enterprise__district_id=filters["district"])
    if "enterprise" in filters:
        rows = rows.filter(enterprise_id=filters["enterprise"])
    if "q" in filters:
        term = filters["q"]
        rows = rows.filter(Q(enterprise__name__icontains=term) | Q(enterprise__uscc=term.upper()))
    return (
        rows.select_related("enterprise", "enterprise__district")
        .annotate(severity_rank=SEVERITY_RANK)
        .order_by("severity_rank", "code", "enterprise__name", "pk")
    )


@dataclass
class Counts:
    """A run's findings as the user sees them: by severity, and by code (most first)."""

    by_severity: dict = field(default_factory=_zeros)
    by_code: list = field(default_factory=list)  # [{"code", "severity", "count", "title"}]

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())


def run_counts(user, run) -> Counts:
    """Counts by severity and by code in one grouped query (within the user's scope)."""
    counts = Counts()
    per_code: Counter = Counter()
    severity_of = {}
    rows = run_findings(user, run).values("severity", "code").annotate(n=Count("pk")).order_by()
    for row in rows:
        counts.by_severity[row["severity"]] = counts.by_severity.get(row["severity"], 0) + row["n"]
        per_code[row["code"]] += row["n"]
        severity_of.setdefault(row["code"], row["severity"])
    titles = code_titles()
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    counts.by_code = sorted(
        (
            {
                "code": code,
                "severity": severity_of[code],
                "count": n,
                "title": titles.get(code, {}).get("title", code),
            }
            for code, n in per_code.items()
        ),
        key=lambda row: (rank.get(row["severity"], 9), -row["count"], row["code"]),
    )
    return counts


def previous_run(run) -> VerificationRun | None:
    """The last finished run before this one over the same scope (the same batch, or the whole
    city), to compare with."""
    before = (
        VerificationRun.objects.for_city(run.city_id)
        .filter(batch_id=run.batch_id, status=RunStatus.SUCCEEDED, created_at__lte=run.created_at)
        .exclude(pk=run.pk)
        .filter(Q(created_at__lt=run.created_at) | Q(pk__lt=run.pk))
        .order_by("-created_at", "-pk")
        .first()
    )
    if before is not None:
        before.city = run.city  # (the same city: no query for it)
    return before


@dataclass
class Comparison:
    previous: VerificationRun
    new: int  # findings of this run the previous one did not have
    gone: int  # findings of the previous run this one no longer has


def run_compare(user, run) -> Comparison | None:
    """New and gone findings against the previous run of the same scope, by fingerprint (the
    same finding about the same record keeps its fingerprint run after run): three queries."""
    if run.status != RunStatus.SUCCEEDED:
        return None
    before = previous_run(run)
    if before is None:
        return None
    mine, theirs = run_findings(user, run), run_findings(user, before)
    return Comparison(
        previous=before,
        new=mine.exclude(fingerprint__in=theirs.values("fingerprint")).count(),
        gone=theirs.exclude(fingerprint__in=mine.values("fingerprint")).count(),
    )


# -- what each code means, and the record to fix -----------------------------------------------


def _checks_codes() -> dict:
    try:
        from pilot_portal.verification.checks import CODES
    except ImportError:  # the checks are another module's; the pages work without them
        return {}
    return CODES


def _attr(info, *names) -> str:
    for name in names:
        value = info.get(name) if isinstance(info, dict) else getattr(info, name, None)
        if value:
            return str(value)
    return ""


def code_titles(zh: bool | None = None) -> dict[str, dict]:
    """{code: {"title", "fix", "title_zh", "title_en", "fix_zh", "fix_en"}} from `checks.CODES`,
    "title" and "fix" in the user's language."""
    zh = _zh() if zh is None else zh
    titles = {}
    for code, info in _checks_codes().items():
        row = {
            "title_zh": _attr(info, "title_zh"),
            "title_en": _attr(info, "title_en"),
            "fix_zh": _attr(info, "fix_zh", "what_to_fix_zh", "remedy_zh", "hint_zh"),
            "fix_en": _attr(info, "fix_en", "what_to_fix_en", "remedy_en", "hint_en"),
        }
        row["title"] = (row["title_zh"] if zh else row["title_en"]) or row["title_en"] or code
        row["fix"] = (row["fix_zh"] if zh else row["fix_en"]) or row["fix_en"]
        titles[code] = row
    return titles


def code_choices(zh: bool | None = None) -> list[tuple[str, str]]:
    """Every known code with its title, for the filter."""
    return [(code, f"{row['title']} ({code})") for code, row in sorted(code_titles(zh).items())]


# object_type → (URL name, anchor). An investment line is fixed on its project's page.
RECORD_PAGES = {
    "enterprises.enterprise": ("enterprise-detail", ""),
    "enterprises.application": ("application-detail", ""),
    "enterprises.project": ("project-detail", ""),
    "enterprises.investmentline": ("project-detail", "#investments"),
    "assessments.assessment": ("assessment-detail", ""),
    "subsidies.subsidyclaim": ("subsidy-claim-detail", ""),
    "providers.providerselection": ("provider-detail", ""),
}


def attach_record_urls(findings, *, city, zh: bool | None = None) -> list:
    """Give each finding `.record_url` (the page where its record is fixed), `.message`,
    `.title` and `.fix` in the user's language. One query for investment lines' projects,
    whatever their number (none when the page shows none)."""
    from enterprises.models import InvestmentLine

    zh = _zh() if zh is None else zh
    findings = list(findings)
    line_ids = {
        f.object_id
        for f in findings
        if f.object_type == "enterprises.investmentline" and f.object_id is not None
    }
    projects = {}
    if line_ids:
        projects = dict(
            InvestmentLine.objects.for_city(city)
            .filter(pk__in=line_ids)
            .values_list("pk", "project_id")
        )
    titles = code_titles(zh)
    for f in findings:
        f.message = f.message_zh if zh else f.message_en
        info = titles.get(f.code, {})
        f.title = info.get("title", f.code)
        f.fix = info.get("fix", "")
        f.record_url = record_url(f, city=city, projects=projects)
    return findings


def record_url(finding, *, city, projects=None) -> str | None:
    name, anchor = RECORD_PAGES.get(finding.object_type, ("", ""))
    pk = finding.object_id
    if finding.object_type == "enterprises.investmentline":
        pk = (projects or {}).get(finding.object_id) or (finding.details or {}).get("project_id")
    if not name or pk is None:  # no page of its own: the enterprise's
        if finding.enterprise_id is None:
            return None
        name, anchor, pk = "enterprise-detail", "", finding.enterprise_id
    try:
        return reverse(name, kwargs={"city_code": city.code, "pk": pk}) + anchor
    except NoReverseMatch:
        return None


# -- inspection samples ------------------------------------------------------------------------


def sample_list(run) -> list:
    """The run's samples, newest first, with who drew them and how many items are recorded."""
    return list(
        InspectionSample.objects.filter(run=run)
        .select_related("created_by")
        .annotate(
            item_count=Count("items"),
            recorded_count=Count("items", filter=~Q(items__outcome="pending")),
        )
        .order_by("-created_at", "-pk")
    )


def get_sample_for(user, city, sample_id) -> InspectionSample:
    if not policy.can(user, "verification.view", city=city):
        raise Http404(NOT_FOUND_SAMPLE)
    sample = (
        InspectionSample.objects.for_city(city)
        .filter(pk=sample_id)
        .select_related("run", "run__batch", "created_by")
        .first()
    )
    if sample is None:
        raise Http404(NOT_FOUND_SAMPLE)
    sample.city = sample.run.city = city
    return sample


def sample_items(user, city, sample) -> QuerySet:
    """The sample's items the user sees (a district officer: the district's), by rank."""
    scope = policy.enterprise_scope(user, city, prefix="enterprise__")
    return (
        InspectionItem.objects.filter(sample=sample)
        .filter(scope)
        .select_related("enterprise", "enterprise__district", "recorded_by")
        .order_by("rank", "pk")
    )


def get_item_for(user, city, item_id) -> InspectionItem:
    """An inspection item of the city within the user's scope; 404 otherwise."""
    if not policy.can(user, "verification.view", city=city):
        raise Http404(NOT_FOUND_ITEM)
    item = (
        InspectionItem.objects.for_city(city)
        .filter(policy.enterprise_scope(user, city, prefix="enterprise__"), pk=item_id)
        .select_related("sample", "sample__run", "enterprise", "recorded_by")
        .first()
    )
    if item is None:
        raise Http404(NOT_FOUND_ITEM)
    item.city = item.sample.city = item.sample.run.city = city
    return item


def reasons_text(reasons, zh: bool | None = None) -> list[str]:
    """An item's reasons ([[zh, en], …] or plain strings) in the user's language."""
    zh = _zh() if zh is None else zh
    out = []
    for reason in reasons or []:
        if isinstance(reason, list | tuple) and reason:
            out.append(str(reason[0] if zh or len(reason) < 2 else reason[1]))
        elif isinstance(reason, dict):
            out.append(str(reason.get("zh" if zh else "en") or reason.get("zh") or ""))
        elif reason:
            out.append(str(reason))
    return out
