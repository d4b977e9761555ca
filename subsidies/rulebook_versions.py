"""A city's rulebook versions as its administrators keep them: the list (which one is in effect,
which are coming, which claims were computed under), a version's lines in words, a new version
made from an existing one, and changes to a version no computation has used yet.

A version that any `SubsidyComputation` used is never changed: officials must be able to show
the rules a figure was reached by. A change is a new version that `supersedes` it, validated by
`rulebook.validate` before anything is saved, recorded in the audit log and (through
django-simple-history) in the version's history.
"""

import json
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone

from pilot_portal.audit.services import audit_record, with_actor
from pilot_portal.errors import Conflict, InvalidInput, NotAllowed
from pilot_portal.tenancy import policy
from subsidies.models import RulebookVersion, SubsidyComputation
from subsidies.rulebook import (
    BonusPoints,
    CappedAmount,
    Fixed,
    Interest,
    Line,
    PerUnit,
    RateByLevel,
    Rulebook,
    RulebookError,
    ShareOfFee,
    validate,
)
from subsidies.rules import LEVEL_ZH, fmt, pct

EDIT_ACTION = "subsidy.rulebook"  # city admins: new versions, changes to unused ones
READ_ACTIONS = ("subsidy.rulebook", "subsidy.funds")  # and overseers, finance: read, simulate
MAX_LABEL = 32
KEEP = object()  # effective_to: keep what the rulebook's data says


class RulebookInvalid(InvalidInput):
    """A rulebook that `rulebook.validate` refused: every problem, "中文 / English"."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(errors[0] if errors else "", field="data")


# -- reading ------------------------------------------------------------------------------------


def may_read(user, city) -> bool:
    return any(policy.can(user, action, city=city) for action in READ_ACTIONS)


def may_edit(user, city) -> bool:
    return policy.can(user, EDIT_ACTION, city=city)


def _used():
    return Exists(SubsidyComputation.objects.filter(rulebook_id=OuterRef("pk")))


def version_rows(city):
    """The city's versions, newest first, each with `used` (a computation read it), the user who
    made it and the version it supersedes: one query, however many versions."""
    return (
        RulebookVersion.objects.for_city(city)
        .select_related("created_by", "supersedes")
        .annotate(used=_used())
        .order_by("-effective_from", "-pk")
    )


def in_effect_pk(versions, today=None) -> int | None:
    """Which of `versions` is in effect (the rule of `rulebooks.rulebook_in_effect`)."""
    today = today or timezone.localdate()
    started = [v for v in versions if v.effective_from <= today]
    best = max(started, key=lambda v: (v.effective_from, v.pk), default=None)
    return best.pk if best else None


def version_for(user, city, pk) -> RulebookVersion:
    """One of the city's versions for someone who may read them; 404 for any other id."""
    if not may_read(user, city):
        raise Http404("规则版本不存在 / no such rulebook version")
    version = version_rows(city).filter(pk=pk).first()
    if version is None:
        raise Http404("规则版本不存在 / no such rulebook version")
    return version


def computation_count(version) -> tuple[int, int]:
    """(computations, claims) made under this version."""
    rows = SubsidyComputation.objects.filter(rulebook=version)
    return rows.count(), rows.values("claim_id").distinct().count()


def suggest_label(city, base: RulebookVersion) -> str:
    """The next free label after `base`'s: 2023.1 → 2023.2 (or 2023.1.1 when taken)."""
    taken = set(RulebookVersion.objects.for_city(city).values_list("version", flat=True))
    match = re.match(r"^(.*?)(\d+)$", base.version)
    if match:
        head, number = match.group(1), int(match.group(2))
        for n in range(number + 1, number + 100):
            if f"{head}{n}" not in taken:
                return f"{head}{n}"
    n = 1
    while f"{base.version}.{n}" in taken:
        n += 1
    return f"{base.version}.{n}"


def data_text(version: RulebookVersion) -> str:
    """The version's rulebook as the textarea shows it."""
    return json.dumps(version.data, ensure_ascii=False, indent=2)


# -- a line in words -----------------------------------------------------------------------------


def _level_zh(band) -> str:
    if band.max_level is None:
        return f"{LEVEL_ZH[band.min_level]}及以上"
    if band.max_level == band.min_level:
        return LEVEL_ZH[band.min_level]
    return f"{LEVEL_ZH[band.min_level]}至{LEVEL_ZH[band.max_level]}"


def _level_en(band) -> str:
    if band.max_level is None:
        return f"level {band.min_level} and above"
    if band.max_level == band.min_level:
        return f"level {band.min_level}"
    return f"levels {band.min_level}–{band.max_level}"


def line_terms(line: Line) -> tuple[str, str]:
    """What a line pays, in words (Chinese, English): '二级及以上：50%，封顶 500,000.00'."""
    p = line.params
    if isinstance(p, RateByLevel):
        zh = "；".join(f"{_level_zh(b)}：{pct(b.rate)}，封顶 {fmt(b.cap)}" for b in p.bands)
        en = "; ".join(f"{_level_en(b)}: {pct(b.rate)}, cap {fmt(b.cap)}" for b in p.bands)
        return f"可补助投资的 {zh}", f"of the eligible investment, {en}"
    if isinstance(p, ShareOfFee):
        return (f"费用的 {pct(p.rate)}，封顶 {fmt(p.cap)}",
                f"{pct(p.rate)} of the fee, cap {fmt(p.cap)}")  # fmt: skip
    if isinstance(p, PerUnit):
        zh, en = f"每单位 {fmt(p.amount_per_unit)}", f"{fmt(p.amount_per_unit)} per unit"
        if p.limit_to_fee:
            zh, en = f"{zh}，不超过实际费用", f"{en}, at most the actual cost"
        if p.total_cap is None:
            return f"{zh}，无总额封顶", f"{en}, no total cap"
        return f"{zh}，总额封顶 {fmt(p.total_cap)}", f"{en}, total cap {fmt(p.total_cap)}"
    if isinstance(p, Fixed):
        if p.up_to:
            zh, en = f"不超过 {fmt(p.amount)}", f"up to {fmt(p.amount)}"
            if p.min_amount is not None:
                zh, en = (
                    f"{fmt(p.min_amount)} 至 {fmt(p.amount)}",
                    (f"{fmt(p.min_amount)} to {fmt(p.amount)}"),
                )
        else:
            zh, en = f"定额 {fmt(p.amount)}", f"fixed {fmt(p.amount)}"
        return (f"{zh}，一次性", f"{en}, once") if p.once else (zh, en)
    if isinstance(p, CappedAmount):
        return f"按实际费用，封顶 {fmt(p.cap)}", f"the actual cost, cap {fmt(p.cap)}"
    if isinstance(p, Interest):
        return (f"贷款利息的 {pct(p.rate)}，年度封顶 {fmt(p.yearly_cap)}",
                f"{pct(p.rate)} of the loan interest, yearly cap {fmt(p.yearly_cap)}")  # fmt: skip
    if isinstance(p, BonusPoints):
        zh = "、".join(f"{LEVEL_ZH[level]} +{points}" for level, points in p.by_level)
        en = ", ".join(f"level {level} +{points}" for level, points in p.by_level)
        return f"非资金：试点企业 +{p.pilot}；{zh}", f"not money: pilot +{p.pilot}; {en}"
    return "", ""  # pragma: no cover - validate() builds only the kinds above


@dataclass(frozen=True)
class LineRow:
    line: Line
    terms_zh: str
    terms_en: str
    instalments: tuple[str, ...]  # shares as percentages
    falling: tuple[str, ...]  # "from batch 2: × 0.9"
    category_total: str | None


def line_rows(rulebook: Rulebook) -> list[LineRow]:
    rows = []
    for line in rulebook.lines:
        zh, en = line_terms(line)
        schedule = rulebook.schedule_for(line.code)
        total = rulebook.category_total(line.category)
        rows.append(
            LineRow(
                line=line,
                terms_zh=zh,
                terms_en=en,
                instalments=tuple(pct(s) for s in schedule.shares) if schedule else (),
                falling=tuple(
                    f"第{f.from_batch}批起 × {f.factor.normalize():f} / from batch "
                    f"{f.from_batch}: × {f.factor.normalize():f}"
                    for f in rulebook.falling_rates
                    if f.line == line.code
                ),
                category_total=fmt(total.total) if total else None,
            )
        )
    return rows


# -- writing -------------------------------------------------------------------------------------


def _parse(data) -> dict:
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as error:
            raise RulebookInvalid(
                [f"JSON 格式错误（第 {error.lineno} 行第 {error.colno} 列：{error.msg}） / "
                 f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"]
            ) from None  # fmt: skip
    if not isinstance(data, dict):
        raise RulebookInvalid(["规则手册须为 JSON 对象 / the rulebook must be a JSON object"])
    return data


def _checked(
    data, *, label: str, effective_from, effective_to=KEEP, city_label: str
) -> tuple[dict, Rulebook]:
    """The data with the form's label and dates written into it, validated (all problems)."""
    data = _parse(data)
    data = {**data, "version": label, "effective_from": effective_from.isoformat()}
    if effective_to is not KEEP:
        data["effective_to"] = effective_to.isoformat() if effective_to else None
    data.setdefault("city", city_label)
    try:
        rulebook = validate(data)
    except RulebookError as error:
        raise RulebookInvalid(error.errors) from None
    return data, rulebook


def _label(city, label: str, *, exclude_pk=None) -> str:
    label = (label or "").strip()
    if not label or len(label) > MAX_LABEL:
        raise InvalidInput(
            f"请填写版本号（不超过 {MAX_LABEL} 个字符） / give a version label of at most "
            f"{MAX_LABEL} characters",
            field="version",
        )
    taken = RulebookVersion.objects.for_city(city).filter(version=label)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise InvalidInput(
            f"版本号 {label} 已存在 / version {label} already exists", field="version"
        )
    return label


def _note(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise InvalidInput("请说明修改内容和原因 / say what changed and why", field="note")
    return note


def _starts_after(base: RulebookVersion | None, effective_from) -> None:
    if effective_from is None:
        raise InvalidInput("请填写生效日期 / give the date it takes effect", field="effective_from")
    if base is not None and effective_from <= base.effective_from:
        raise InvalidInput(
            f"新版本须晚于所取代版本的生效日期（{base.effective_from}）生效 / a new version must "
            f"take effect after the version it supersedes ({base.effective_from})",
            field="effective_from",
        )


def rulebook_version_create(
    *,
    actor,
    city,
    base: RulebookVersion,
    data,
    version: str,
    effective_from,
    effective_to=KEEP,
    note: str,
) -> RulebookVersion:
    """A new version of the city's rulebook, made from `base` (which it supersedes).

    `data` is the edited rulebook (a dict, or JSON text from the form); the label and the
    dates given here are written into it (`effective_to=None`: until superseded; `KEEP`: as
    the data says). Nothing is saved unless all of it is valid."""
    if not may_edit(actor, city):
        raise NotAllowed("只有市级管理员可以修改补助规则 / only the city admin changes the rules")
    if base.city_id != city.pk:
        raise Http404("规则版本不存在 / no such rulebook version")
    label = _label(city, version)
    note = _note(note)
    _starts_after(base, effective_from)
    data, rulebook = _checked(
        data,
        label=label,
        effective_from=effective_from,
        effective_to=effective_to,
        city_label=base.data.get("city", ""),
    )
    try:
        with transaction.atomic():
            created = with_actor(
                RulebookVersion(
                    city=city,
                    version=label,
                    effective_from=effective_from,
                    effective_to=rulebook.effective_to,
                    data=data,
                    note=note,
                    supersedes=base,
                    created_by=actor,
                ),
                actor,
            )
            created.save()
            audit_record(
                actor=actor,
                action="subsidy.rulebook_version.create",
                city=city,
                obj=created,
                reason=note,
                data={
                    "version": label,
                    "supersedes": base.version,
                    "effective_from": effective_from,
                    "lines": [line.code for line in rulebook.lines],
                },
            )
    except IntegrityError:  # the same label saved by someone else a moment ago
        raise InvalidInput(
            f"版本号 {label} 已存在 / version {label} already exists", field="version"
        ) from None
    return created


def rulebook_version_update(
    *, actor, version: RulebookVersion, data, effective_from, effective_to=KEEP, note: str
) -> RulebookVersion:
    """Change a version no computation has used yet (409 once one has: make a new version)."""
    city = version.city
    if not may_edit(actor, city):
        raise NotAllowed("只有市级管理员可以修改补助规则 / only the city admin changes the rules")
    note = _note(note)
    with transaction.atomic():
        locked = RulebookVersion.objects.select_for_update().get(pk=version.pk)
        if SubsidyComputation.objects.filter(rulebook=locked).exists():
            raise Conflict(
                f"版本 {locked.version} 已用于计算补助，不能修改，请另建新版本 / version "
                f"{locked.version} was used to compute claims and is read-only: make a new "
                "version instead",
                status="used",
            )
        _starts_after(locked.supersedes, effective_from)
        data, rulebook = _checked(
            data,
            label=locked.version,
            effective_from=effective_from,
            effective_to=effective_to,
            city_label=locked.data.get("city", ""),
        )
        locked.data = data
        locked.effective_from = effective_from
        locked.effective_to = rulebook.effective_to
        locked.note = note
        with_actor(locked, actor).save(
            update_fields=["data", "effective_from", "effective_to", "note"]
        )
        audit_record(
            actor=actor,
            action="subsidy.rulebook_version.update",
            city=city,
            obj=locked,
            reason=note,
            data={"version": locked.version, "effective_from": effective_from},
        )
    return locked
