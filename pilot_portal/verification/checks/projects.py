"""Checks of projects and their assessments: diagnosis before the start, the acceptance (locked,
after completion, by whom, its level for a transformation subsidy), the provider's standing in
the city's pool when the project started, and conflicts of interest."""

import datetime
from collections import defaultdict

from django.utils import timezone

from assessments.models import Assessment
from enterprises.projects.models import ProjectStep
from pilot_portal.tenancy.models import Membership
from providers.models import ExpertConflict, Provider, ProviderSelection, SelectionStep
from subsidies.facts import GRANTED_STATUSES

from .codes import ASSESSMENT, CLAIM, PROJECT
from .context import Context, finding

STARTED = ("in_progress", "completed", "accepted", "failed")
TRANSFORMATION = "transformation"


def check(ctx: Context) -> list:
    if not ctx.projects:
        return []
    timeline = _timeline(ctx)
    assessments = _assessments(ctx)
    found = []
    found += _diagnosis(ctx, timeline, assessments)
    found += _acceptance(ctx, timeline, assessments)
    found += _pool(ctx, timeline)
    found += _conflicts(ctx, assessments)
    return found


def _time(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _timeline(ctx: Context) -> dict[int, dict]:
    """Per project: when it started, was completed, and when its provider last changed."""
    rows = (
        ProjectStep.objects.filter(
            project_id__in=list(ctx.projects), action__in=("start", "complete", "change")
        )
        .order_by("project_id", "created_at", "pk")
        .values("project_id", "action", "created_at", "change_request__project_changes")
    )
    steps = defaultdict(list)
    for row in rows:
        steps[row["project_id"]].append(row)
    timeline = {}
    for pk, project in ctx.projects.items():
        own = steps[pk]
        start = next((s["created_at"] for s in own if s["action"] == "start"), None)
        if start is None and project["status"] in STARTED:  # no recorded start: the plan
            start = ctx.start_of(project["planned_start"] + datetime.timedelta(days=1))
        complete = next((s["created_at"] for s in own if s["action"] == "complete"), None)
        provider_since = start
        for s in own:
            changes = s["change_request__project_changes"] or {}
            if s["action"] == "change" and changes.get("provider") == project["provider_id"]:
                provider_since = s["created_at"]
        timeline[pk] = {"start": start, "complete": complete, "provider_since": provider_since}
    return timeline


def _assessments(ctx: Context) -> dict:
    rows = list(
        Assessment.objects.filter(
            enterprise_id__in=ctx.ids, kind__in=("diagnosis", "acceptance"), status="locked"
        ).values(
            "id",
            "enterprise_id",
            "project_id",
            "kind",
            "level",
            "assessor_id",
            "assessor__username",
            "locked_at",
            "created_at",
        )
    )
    for row in rows:
        row["when"] = row["locked_at"] or row["created_at"]  # (a lock without its time: made)
    diagnoses, acceptance, locked = defaultdict(list), {}, set()
    for row in sorted(rows, key=lambda r: (r["when"], r["id"])):
        if row["kind"] == "diagnosis":
            diagnoses[row["enterprise_id"]].append(row)
            continue
        locked.add(row["id"])
        if row["project_id"] is not None:
            acceptance[row["project_id"]] = row  # the latest lock wins
    return {"diagnoses": diagnoses, "acceptance": acceptance, "locked": locked}


def _diagnoses_for(assessments, project) -> list[dict]:
    return [
        d
        for d in assessments["diagnoses"][project["enterprise_id"]]
        if d["project_id"] in (None, project["id"])
    ]


def _diagnosis(ctx: Context, timeline, assessments) -> list:
    found = []
    for pk, project in ctx.projects.items():
        start = timeline[pk]["start"]
        if start is None:
            continue
        e = ctx.enterprises[project["enterprise_id"]]
        diagnoses = _diagnoses_for(assessments, project)
        if not diagnoses:
            found.append(
                finding(
                    "diagnosis_missing",
                    e["id"],
                    f"{e['name']}的项目“{project['title']}”已于 {_time(start)} 开工，"
                    "但没有已锁定的诊断",
                    f"{e['name']}: the project '{project['title']}' started {_time(start)} with no "
                    "locked diagnosis",
                    object_type=PROJECT,
                    object_id=pk,
                )
            )
            continue
        first = diagnoses[0]
        if first["when"] > start:
            found.append(
                finding(
                    "diagnosis_after_start",
                    e["id"],
                    f"{e['name']}的诊断 #{first['id']} 于 {_time(first['when'])} 锁定，晚于项目"
                    f"“{project['title']}”开工（{_time(start)}）",
                    f"{e['name']}: diagnosis #{first['id']} was locked {_time(first['when'])}, "
                    f"after the project '{project['title']}' started ({_time(start)})",
                    object_type=PROJECT,
                    object_id=pk,
                    diagnosis=first["id"],
                )
            )
    return found


def _acceptance(ctx: Context, timeline, assessments) -> list:
    found = []
    for pk, project in ctx.projects.items():
        e = ctx.enterprises[project["enterprise_id"]]
        title = project["title"]
        accepted = assessments["acceptance"].get(pk)
        if accepted is None:
            if project["status"] == "accepted":
                found.append(
                    finding(
                        "acceptance_not_locked",
                        e["id"],
                        f"{e['name']}的项目“{title}”已验收，但没有已锁定的验收评测",
                        f"{e['name']}: the project '{title}' is accepted with no locked acceptance "
                        "assessment",
                        object_type=PROJECT,
                        object_id=pk,
                    )
                )
            continue
        found += _acceptance_timing(e, project, accepted, timeline[pk]["complete"])
        same = {
            d["id"]
            for d in _diagnoses_for(assessments, project)
            if accepted["assessor_id"] and d["assessor_id"] == accepted["assessor_id"]
        }
        if same:
            who = accepted["assessor__username"]
            found.append(
                finding(
                    "acceptance_same_assessor",
                    e["id"],
                    f"{e['name']}的项目“{title}”由诊断的评测人员 {who} 验收"
                    f"（验收评测 #{accepted['id']}）",
                    f"{e['name']}: the project '{title}' was accepted by {who}, who also did its "
                    f"diagnosis (acceptance #{accepted['id']})",
                    object_type=ASSESSMENT,
                    object_id=accepted["id"],
                    assessor=accepted["assessor_id"],
                    diagnoses=sorted(same),
                )
            )
    for claim in ctx.claims:
        if claim.kind != TRANSFORMATION or claim.status == "void" or claim.project_id is None:
            continue
        e = ctx.enterprises[claim.enterprise_id]
        if claim.acceptance_id not in assessments["locked"]:
            found.append(
                finding(
                    "acceptance_not_locked",
                    e["id"],
                    f"{e['name']}的改造补助 #{claim.pk} 所依据的验收评测未锁定",
                    f"{e['name']}: transformation claim #{claim.pk} rests on no locked acceptance "
                    "assessment",
                    object_type=CLAIM,
                    object_id=claim.pk,
                    acceptance=claim.acceptance_id,
                )
            )
        accepted = assessments["acceptance"].get(claim.project_id)
        level = accepted["level"] if accepted else None
        if claim.status in GRANTED_STATUSES and accepted and (level or 0) < 2:
            found.append(
                finding(
                    "acceptance_level_below_2",
                    e["id"],
                    f"{e['name']}的改造补助 #{claim.pk} 已核定 {claim.approved_amount} 元，"
                    f"但验收等级为{level or '无'}级（须达到二级）",
                    f"{e['name']}: transformation claim #{claim.pk} was granted "
                    f"{claim.approved_amount} while the acceptance level is {level or 'none'} "
                    "(level 2 required)",
                    object_type=CLAIM,
                    object_id=claim.pk,
                    level=level,
                )
            )
    return found


def _acceptance_timing(e, project, accepted, complete) -> list:
    title = project["title"]
    if complete is None and project["status"] in ("completed", "accepted"):
        return []  # completed without a recorded step: nothing to compare with
    if complete is not None and accepted["when"] >= complete:
        return []
    if complete is None:
        zh = f"项目“{title}”尚未完工（{project['status']}），验收评测 #{accepted['id']} 却已锁定"
        en = f"the project '{title}' is {project['status']}, not completed, yet acceptance "
        en += f"#{accepted['id']} is locked"
    else:
        zh = f"验收评测 #{accepted['id']} 于 {_time(accepted['when'])} 锁定，早于项目“{title}”完工"
        zh += f"（{_time(complete)}）"
        en = f"acceptance #{accepted['id']} was locked {_time(accepted['when'])}, before the "
        en += f"project '{title}' was completed ({_time(complete)})"
    return [
        finding(
            "acceptance_before_completion",
            e["id"],
            f"{e['name']}：{zh}",
            f"{e['name']}: {en}",
            object_type=ASSESSMENT,
            object_id=accepted["id"],
            completed=complete,
        )
    ]


def _pool(ctx: Context, timeline) -> list:
    """The provider's status in the city's pool when the project started (or when a recorded
    change made it the provider), read from the selections' steps."""
    providers = {p["provider_id"] for p in ctx.projects.values()}
    selections = list(
        ProviderSelection.objects.filter(city_id=ctx.city.pk, provider_id__in=providers)
        .order_by("created_at", "pk")
        .values("id", "provider_id", "status", "created_at")
    )
    steps = defaultdict(list)
    for row in (
        SelectionStep.objects.filter(selection__in=[s["id"] for s in selections])
        .order_by("created_at", "pk")
        .values("selection_id", "to_status", "created_at")
    ):
        steps[row["selection_id"]].append(row)
    by_provider = defaultdict(list)
    for s in selections:
        by_provider[s["provider_id"]].append(s)
    found = []
    for pk, project in ctx.projects.items():
        since = timeline[pk]["provider_since"]
        if since is None:
            continue
        status = _status_at(by_provider[project["provider_id"]], steps, since)
        if status == "selected":
            continue
        e = ctx.enterprises[project["enterprise_id"]]
        name = project["provider__name"]
        found.append(
            finding(
                "provider_not_pooled",
                e["id"],
                f"{e['name']}的项目“{project['title']}”：服务商{name}在 {_time(since)} "
                f"不在本市资源池（状态：{status or '未申请'}）",
                f"{e['name']}: the provider {name} of the project '{project['title']}' was not in "
                f"the city's pool on {_time(since)} (status: {status or 'never applied'})",
                object_type=PROJECT,
                object_id=pk,
                provider=project["provider_id"],
                status=status,
            )
        )
    return found


def _status_at(selections, steps, when) -> str | None:
    """'selected' if any selection was selected at `when`, else the latest one's status."""
    statuses = []
    for s in selections:
        own = steps[s["id"]]
        if not own:  # entered without recorded steps: its current status is all we know
            statuses.append(s["status"])
            continue
        before = [step["to_status"] for step in own if step["created_at"] <= when]
        if before:
            statuses.append(before[-1])
        elif s["created_at"] <= when:
            statuses.append("applied")
    if "selected" in statuses:
        return "selected"
    return statuses[-1] if statuses else None


def _conflicts(ctx: Context, assessments) -> list:
    """The latest locked acceptance's assessor linked to the project's provider: on its staff,
    holding a provider role for it, or having declared a conflict of interest with it."""
    pairs = {}
    for pk, accepted in assessments["acceptance"].items():
        if pk in ctx.projects and accepted["assessor_id"]:
            pairs[pk] = (accepted["assessor_id"], ctx.projects[pk]["provider_id"])
    if not pairs:
        return []
    users = {u for u, _p in pairs.values()}
    providers = {p for _u, p in pairs.values()}
    links = defaultdict(set)
    for user, provider in Provider.staff.through.objects.filter(
        user_id__in=users, provider_id__in=providers
    ).values_list("user_id", "provider_id"):
        links[(user, provider)].add("staff")
    for user, provider in Membership.objects.filter(
        role="provider", is_active=True, user_id__in=users, provider_id__in=providers
    ).values_list("user_id", "provider_id"):
        links[(user, provider)].add("membership")
    for user, provider in ExpertConflict.objects.filter(
        city_id=ctx.city.pk, expert_id__in=users, provider_id__in=providers
    ).values_list("expert_id", "provider_id"):
        links[(user, provider)].add("declared")
    found = []
    labels = {
        "staff": ("服务商员工", "provider staff"),
        "membership": ("服务商账号", "provider role"),
        "declared": ("已申报利益冲突", "declared conflict"),
    }
    for pk, pair in sorted(pairs.items()):
        how = sorted(links.get(pair, ()))
        if not how:
            continue
        project, accepted = ctx.projects[pk], assessments["acceptance"][pk]
        e = ctx.enterprises[project["enterprise_id"]]
        who, name = accepted["assessor__username"], project["provider__name"]
        found.append(
            finding(
                "conflict_of_interest",
                e["id"],
                f"{e['name']}的项目“{project['title']}”：验收人员 {who} 与服务商{name}存在关联"
                f"（{'、'.join(labels[h][0] for h in how)}）",
                f"{e['name']}: acceptance assessor {who} of the project '{project['title']}' is "
                f"linked to its provider {name} ({', '.join(labels[h][1] for h in how)})",
                object_type=ASSESSMENT,
                object_id=accepted["id"],
                assessor=pair[0],
                provider=pair[1],
                links=how,
            )
        )
    return found
