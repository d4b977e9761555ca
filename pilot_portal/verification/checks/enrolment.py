"""Checks of enrolment: exclusions and their overrides, the two reviews, the documents of the
enterprise file, support without an approved application."""

from collections import defaultdict

from enterprises.models import ApplicationTransition, EnterpriseDocument
from pilot_portal.audit.models import AuditEntry
from subsidies.facts import GRANTED_STATUSES

from .codes import APPLICATION, CLAIM, PROJECT
from .context import Context, finding

EXCLUSIONS = (
    (
        "central_fund_little_giant",
        "exclusion_central_little_giant",
        "已获中央财政支持的专精特新“小巨人”",
        "a little giant already funded centrally",
    ),
    (
        "in_2022_pilot",
        "exclusion_pilot_2022",
        "已纳入2022年数字化转型试点",
        "in the 2022 transformation pilot",
    ),
    ("blacklisted", "exclusion_blacklisted", "失信限制期内", "blacklisted"),
)
REVIEWED = ("submitted", "district_approved", "approved")


def check(ctx: Context) -> list:
    steps = _steps(ctx)
    return [*_exclusions(ctx, steps), *_reviews(ctx, steps), *_documents(ctx), *_enrolled(ctx)]


def _steps(ctx: Context) -> dict[int, list[dict]]:
    rows = (
        ApplicationTransition.objects.filter(application__enterprise_id__in=ctx.ids)
        .order_by("application_id", "created_at", "pk")
        .values("application_id", "action", "actor_role", "to_status")
    )
    steps = defaultdict(list)
    for row in rows:
        steps[row["application_id"]].append(row)
    return steps


def _flags(ctx: Context, e) -> list[tuple]:
    blacklisted = e["blacklisted_until"] is not None and e["blacklisted_until"] >= ctx.today
    values = {**e, "blacklisted": blacklisted}
    return [x for x in EXCLUSIONS if values[x[0]]]


def _exclusions(ctx: Context, steps) -> list:
    flagged = {pk: _flags(ctx, e) for pk, e in ctx.enterprises.items()}
    flagged = {pk: flags for pk, flags in flagged.items() if flags}
    if not flagged:
        return []
    overridden = [
        a
        for pk in flagged
        for a in ctx.approved_applications[pk]
        if a["batch__subsidy_bearing"] and a["exclusion_override_reason"].strip()
    ]
    audited = set(
        AuditEntry.objects.filter(
            object_type=APPLICATION,
            object_id__in=[str(a["id"]) for a in overridden],
            action="application.approve",
        ).values_list("object_id", flat=True)
    )
    granted = defaultdict(list)
    for claim in ctx.claims:
        if claim.status in GRANTED_STATUSES:
            granted[claim.enterprise_id].append(claim)
    found = []
    for pk, flags in sorted(flagged.items()):
        e = ctx.enterprises[pk]
        why_zh = "、".join(f[2] for f in flags)
        why_en = ", ".join(f[3] for f in flags)
        approved = [a for a in ctx.approved_applications[pk] if a["batch__subsidy_bearing"]]
        bare = [a for a in approved if not a["exclusion_override_reason"].strip()]
        for flag, code, zh, en in flags:
            for a in bare:
                found.append(
                    finding(
                        code,
                        pk,
                        f"{e['name']}{zh}，其{a['batch__name']}申报未填写通过理由即获通过",
                        f"{e['name']} is {en}; its application to {a['batch__name']} was approved "
                        "without an override reason",
                        object_type=APPLICATION,
                        object_id=a["id"],
                        flag=flag,
                    )
                )
            if len(bare) == len(approved):  # no approval records an override
                for claim in granted[pk]:
                    found.append(
                        finding(
                            code,
                            pk,
                            f"{e['name']}{zh}，却有已核定的补助 #{claim.pk}（{claim.kind}）",
                            f"{e['name']} is {en} but holds granted claim #{claim.pk} "
                            f"({claim.kind})",
                            object_type=CLAIM,
                            object_id=claim.pk,
                            flag=flag,
                        )
                    )
        for a in approved:
            reason = a["exclusion_override_reason"].strip()
            if not reason:
                continue
            recorded = str(a["id"]) in audited and any(
                s["action"] == "approve" for s in steps[a["id"]]
            )
            code = "exclusion_overridden" if recorded else "exclusion_override_unrecorded"
            zh = f"{e['name']}（{why_zh}）的{a['batch__name']}申报以理由“{reason}”通过"
            en = f"{e['name']} ({why_en}): application to {a['batch__name']} approved with the "
            en += f"override '{reason}'"
            if not recorded:
                zh += "，但审批流程或审计日志中没有记录"
                en += ", not recorded by an approve step and the audit log"
            found.append(
                finding(
                    code,
                    pk,
                    zh,
                    en,
                    object_type=APPLICATION,
                    object_id=a["id"],
                    flags=[f[0] for f in flags],
                )
            )
    return found


def _reviews(ctx: Context, steps) -> list:
    found = []
    for a in ctx.applications:
        if a["status"] != "approved":
            continue
        if _reviewed_twice(steps[a["id"]]):
            continue
        e = ctx.enterprises[a["enterprise_id"]]
        done = [s["action"] for s in steps[a["id"]]]
        found.append(
            finding(
                "application_review_incomplete",
                e["id"],
                f"{e['name']}的{a['batch__name']}申报已通过，但未经区县初审和市级复核"
                f"（记录：{'、'.join(done) or '无'}）",
                f"{e['name']}: the application to {a['batch__name']} is approved without a "
                f"district review followed by the city's (steps: {', '.join(done) or 'none'})",
                object_type=APPLICATION,
                object_id=a["id"],
                steps=done,
            )
        )
    return found


def _reviewed_twice(steps: list[dict]) -> bool:
    """The last approve step by the city follows a district-approve by a district officer,
    with no return or new submission in between."""
    district = False
    for step in steps:
        if step["action"] in ("submit", "return"):
            district = False
        elif step["action"] == "district-approve":
            district = step["actor_role"] == "district_officer"
        elif step["action"] == "approve":
            return district and step["actor_role"] == "city_admin" and step is steps[-1]
    return False


def _documents(ctx: Context) -> list:
    approved = [a for a in ctx.applications if a["status"] == "approved"]
    if not approved:
        return []
    rows = (
        EnterpriseDocument.objects.filter(enterprise_id__in=ctx.ids)
        .order_by()
        .values_list("enterprise_id", "application_id", "kind")
        .distinct()
    )
    kinds = defaultdict(set)  # (enterprise, application or None) -> kinds
    for enterprise_id, application_id, kind in rows:
        kinds[(enterprise_id, application_id)].add(kind)
    found = []
    for a in approved:
        pk = a["enterprise_id"]
        everywhere = set().union(*(k for (e, _a), k in kinds.items() if e == pk))
        own = kinds[(pk, a["id"])] | kinds[(pk, None)]
        missing = []
        if "licence" not in everywhere:
            missing.append(("licence", "营业执照", "business licence"))
        if "application" not in own:
            missing.append(("application", "申报书", "application form"))
        declared = a["declares_not_central_little_giant"] and a["declares_not_in_2022_pilot"]
        if "declaration" not in own and not declared:
            missing.append(("declaration", "承诺书", "signed declaration"))
        if missing:
            e = ctx.enterprises[pk]
            found.append(
                finding(
                    "documents_missing",
                    pk,
                    f"{e['name']}的{a['batch__name']}申报缺少：{'、'.join(m[1] for m in missing)}",
                    f"{e['name']}: the application to {a['batch__name']} lacks: "
                    f"{', '.join(m[2] for m in missing)}",
                    object_type=APPLICATION,
                    object_id=a["id"],
                    missing=[m[0] for m in missing],
                )
            )
    return found


def _enrolled(ctx: Context) -> list:
    found = []
    for project in ctx.projects.values():
        pk = project["enterprise_id"]
        if not ctx.approved_applications[pk]:
            e = ctx.enterprises[pk]
            found.append(
                finding(
                    "not_enrolled",
                    pk,
                    f"{e['name']}没有通过的试点申报，却有改造项目“{project['title']}”",
                    f"{e['name']} has no approved application but has the project "
                    f"'{project['title']}'",
                    object_type=PROJECT,
                    object_id=project["id"],
                )
            )
    for claim in ctx.claims:
        pk = claim.enterprise_id
        if claim.status != "void" and not ctx.approved_applications[pk]:
            e = ctx.enterprises[pk]
            found.append(
                finding(
                    "not_enrolled",
                    pk,
                    f"{e['name']}没有通过的试点申报，却有补助 #{claim.pk}（{claim.kind}）",
                    f"{e['name']} has no approved application but has claim #{claim.pk} "
                    f"({claim.kind})",
                    object_type=CLAIM,
                    object_id=claim.pk,
                )
            )
    return found
