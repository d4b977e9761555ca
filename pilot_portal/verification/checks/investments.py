"""Checks of investment lines: eligible spending evidenced, and no invoice claimed in two projects
(of this city or another)."""

from collections import defaultdict
from decimal import Decimal

from enterprises.projects.models import ELIGIBLE_CATEGORIES, InvestmentLine

from .codes import INVESTMENT
from .context import Context, finding

ZERO = Decimal("0.00")


def check(ctx: Context) -> list:
    if not ctx.projects:
        return []
    lines = list(
        InvestmentLine.objects.filter(project_id__in=list(ctx.projects))
        .order_by("pk")
        .values(
            "id",
            "project_id",
            "category",
            "amount",
            "invoice_number",
            "invoice_issuer",
            "evidence_id",
            "reason",
        )
    )
    return [*_evidence(ctx, lines), *_invoices(ctx, lines)]


def _evidence(ctx: Context, lines) -> list:
    found = []
    for line in lines:
        if line["category"] not in ELIGIBLE_CATEGORIES or line["amount"] <= 0 or line["reason"]:
            continue
        if line["evidence_id"] or line["invoice_number"].strip():
            continue
        project = ctx.projects[line["project_id"]]
        e = ctx.enterprises[project["enterprise_id"]]
        found.append(
            finding(
                "investment_unevidenced",
                e["id"],
                f"{e['name']}的项目“{project['title']}”投资明细 #{line['id']}"
                f"（{line['amount']} 元）既无凭证文件也无发票号",
                f"{e['name']}: investment line #{line['id']} ({line['amount']}) of the project "
                f"'{project['title']}' has neither an evidence file nor an invoice number",
                object_type=INVESTMENT,
                object_id=line["id"],
                amount=line["amount"],
            )
        )
    return found


def _key(number: str, issuer: str) -> tuple[str, str]:
    return "".join(number.split()).upper(), " ".join(issuer.split()).casefold()


def _invoices(ctx: Context, lines) -> list:
    """Each invoice (number, issuer) of the chunk's projects, against every other project with
    lines for it; a project whose lines for an invoice net to zero or less has withdrawn it."""
    own = defaultdict(lambda: defaultdict(lambda: ZERO))  # key -> project -> net amount
    first_line = {}
    for line in lines:
        if not line["invoice_number"].strip():
            continue
        key = _key(line["invoice_number"], line["invoice_issuer"])
        own[key][line["project_id"]] += line["amount"]
        first_line.setdefault((key, line["project_id"]), line["id"])
    if not own:
        return []
    numbers = {line["invoice_number"] for line in lines if line["invoice_number"].strip()}
    numbers |= {key[0] for key in own}
    others = defaultdict(lambda: defaultdict(lambda: ZERO))
    about = {}
    rows = (
        InvestmentLine.objects.filter(invoice_number__in=sorted(numbers))
        .exclude(project_id__in=list(ctx.projects))
        .values_list(
            "project_id",
            "invoice_number",
            "invoice_issuer",
            "amount",
            "project__title",
            "project__city__code",
            "project__city__name",
            "project__enterprise__name",
        )
    )
    for project_id, number, issuer, amount, *project in rows:
        key = _key(number, issuer)
        if key in own:
            others[key][project_id] += amount
            about[project_id] = tuple(project)
    found = []
    for key, projects in sorted(own.items()):
        live = {p: net for p, net in projects.items() if net > 0}
        elsewhere = {p: net for p, net in others[key].items() if net > 0}
        for pk in sorted(live):
            project = ctx.projects[pk]
            e = ctx.enterprises[project["enterprise_id"]]
            for other in sorted(set(live) - {pk}):
                title = ctx.projects[other]["title"]
                name = ctx.enterprises[ctx.projects[other]["enterprise_id"]]["name"]
                found.append(
                    _duplicate(
                        e,
                        project,
                        first_line[(key, pk)],
                        key,
                        other,
                        (title, ctx.city.code, ctx.city.name, name),
                        same_city=True,
                    )
                )
            for other in sorted(elsewhere):
                same = about[other][1] == ctx.city.code
                found.append(
                    _duplicate(
                        e, project, first_line[(key, pk)], key, other, about[other], same_city=same
                    )
                )
    return found


def _duplicate(e, project, line_id, key, other, about, *, same_city) -> object:
    """Another city's project is named by its city and id only: its enterprise and title are
    that city's to show (the ministry, which sees both, finds it by the id)."""
    number, issuer = key
    title, city_code, city_name, name = about
    if same_city:
        there_zh, there_en = f"本市{name}的项目“{title}”（#{other}）", f"{name}'s project '{title}'"
        there_en += f" (#{other}) in this city"
    else:
        there_zh, there_en = f"{city_name}的项目 #{other}", f"project #{other} of {city_code}"
    return finding(
        "invoice_duplicate",
        e["id"],
        f"{e['name']}的项目“{project['title']}”中的发票 {number}（{issuer or '未填开票方'}）"
        f"也在{there_zh}中申报",
        f"{e['name']}: invoice {number} ({issuer or 'no issuer'}) of the project "
        f"'{project['title']}' is also claimed in {there_en}",
        object_type=INVESTMENT,
        object_id=line_id,
        invoice=number,
        issuer=issuer,
        other_project=other,
        other_city=city_code,
    )
