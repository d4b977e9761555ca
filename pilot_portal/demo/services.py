"""The demo: the three seed cities, one user per role per city, oversight users.

Idempotent: running it again changes nothing (passwords are reset to the demo password).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import translation

from assessments.data.loader import shipped_editions_load
from enterprises.models import Enterprise
from pilot_portal.audit.services import with_actor
from pilot_portal.demo.assessments import demo_accept, demo_assessments
from pilot_portal.demo.reporting import demo_reporting
from pilot_portal.demo.subsidies import demo_subsidies
from pilot_portal.identifiers import check_character
from pilot_portal.reporting.services import indicators_install, shipped_metric_map
from pilot_portal.tenancy.models import CITY_ROLES, City, Membership, Province, Role
from pilot_portal.tenancy.seed import city_load_from_seed, load_seed_file
from pilot_portal.tenancy.services import membership_grant
from providers.catalogue import provider_ratings_refresh
from providers.models import Provider, ProviderKind

# Demo enterprises and providers per city: (name suffix, size, srdi, level). Names are
# invented for the demo; codes are valid credit codes in the city's division.
DEMO_ENTERPRISES = [
    ("精密机械有限公司", "above", "provincial", 1),
    ("智能装备股份有限公司", "above", "little_giant", 2),
    ("电气控制有限公司", "above", "none", None),
    ("汽车零部件有限公司", "above", "none", 1),
    ("传动科技有限公司", "below", "none", None),
    ("新材料科技有限公司", "below", "provincial", 2),
    ("仪器仪表有限公司", "above", "none", 3),
    ("数控设备有限公司", "below", "none", None),
]
DEMO_PROVIDER = "数字科技服务有限公司"


@dataclass
class DemoSummary:
    cities: list[City] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)


def demo_uscc(division_code: str, serial: int) -> str:
    """A valid credit code registered in `division_code` (91 = enterprise, company)."""
    first17 = f"91{division_code}{serial:08d}X"
    return first17 + check_character(first17)


def _upsert(model, defaults: dict, **lookup):
    """update_or_create that saves only what changed (no history row when nothing did)."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        return model.objects.create(**lookup, **defaults)
    changed = [name for name, value in defaults.items() if getattr(row, name) != value]
    if changed:
        for name in changed:
            setattr(row, name, defaults[name])
        row.save(update_fields=changed)
    return row


def _user(username: str, password: str, *, first_name: str = ""):
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.first_name = first_name
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
@translation.override("zh-hans")  # demo users' display names are Chinese
def demo_seed(*, seed_file, password: str) -> DemoSummary:
    data = load_seed_file(seed_file)
    # Loaded by a migration; loaded again here after a test's flush (idempotent).
    shipped_editions_load(django_apps)
    provinces = {p["code"]: p["name"] for p in data["provinces"]}
    metric_map = shipped_metric_map()
    summary = DemoSummary()
    system = _user("system", password, first_name="系统")
    system.is_active = False  # acts in the audit log; cannot log in
    system.save(update_fields=["is_active"])

    ministry = _user("ministry", password, first_name="工业和信息化部")
    membership_grant(user=ministry, role=Role.MINISTRY, actor=system)
    summary.usernames.append("ministry")

    for city_data in data["cities"]:
        city = city_load_from_seed(data=city_data, provinces=provinces, actor=system)
        indicators_install(
            city=city,
            rows=city_data.get("indicators", []),
            metrics=metric_map.get(city.code, {}),
            actor=system,
        )
        summary.cities.append(city)
        enterprise, provider = _demo_enterprises(city), _demo_provider(city)
        for role in sorted(CITY_ROLES):
            username = f"{city.code}-{role}"
            user = _user(username, password, first_name=f"{city.name}{Role(role).label}")
            membership_grant(
                user=user,
                role=role,
                city=city,
                actor=system,
                district=enterprise.district if role == Role.DISTRICT_OFFICER else None,
                enterprise=enterprise if role == Role.ENTERPRISE else None,
                provider=provider if role == Role.PROVIDER else None,
            )
            summary.usernames.append(username)

    for province in Province.objects.filter(code__in=provinces):
        username = f"{province.code}-province"
        user = _user(username, password, first_name=province.name)
        membership_grant(user=user, role=Role.PROVINCE, province=province, actor=system)
        summary.usernames.append(username)

    for city in summary.cities:
        _demo_applications(city, system)

    # Think-tank experts serve several cities: this one shows the city switcher.
    expert = _user("national-expert", password, first_name="专家智库专家")
    for city in summary.cities:
        membership_grant(user=expert, role=Role.EXPERT, city=city, actor=system)
    summary.usernames.append("national-expert")

    # Providers: a selection round per city, the pool, applicants at each step, the catalogue.
    for city in summary.cities:
        _demo_selection(city, system)
    provider_user = _user("provider", password, first_name="全国服务商演示用户")
    _demo_national_provider(provider_user)
    summary.usernames.append("provider")

    admin = _user("admin", password, first_name="平台管理员")
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    summary.usernames.append("admin")
    return summary


def _demo_enterprises(city: City) -> Enterprise:
    """Create the city's demo enterprises; return the one the demo enterprise user acts for."""
    districts = list(city.districts.all())
    sectors = list(city.sectors.all())
    short_name = city.name.removesuffix("市")
    first = None
    for serial, (suffix, size, srdi, level) in enumerate(DEMO_ENTERPRISES, start=1):
        # The first four share the demo district officer's district, so reviews have work.
        district = districts[1] if serial <= 4 else districts[serial % len(districts)]
        enterprise = _upsert(
            Enterprise,
            city=city,
            uscc=demo_uscc(district.code, serial),
            defaults={
                "name": f"{short_name}{suffix}",
                "district": district,
                "sector": sectors[serial % len(sectors)],
                "size": size,
                "srdi": srdi,
                "current_level": level,
            },
        )
        first = first or enterprise
    return first


def _demo_provider(city: City) -> Provider:
    return _upsert(
        Provider,
        uscc=demo_uscc(city.division_code, 90),
        defaults={
            "name": f"{city.name.removesuffix('市')}{DEMO_PROVIDER}",
            "kind": ProviderKind.INTEGRATOR,
        },
    )


def _demo_applications(city: City, actor) -> None:
    """An open demo batch, and applications at each review step so every role has work."""
    from datetime import timedelta

    from django.utils import timezone

    from enterprises.models import Application
    from enterprises.services import application_create, application_transition
    from pilot_portal.tenancy.models import Batch

    today = timezone.localdate()
    batch = _upsert(
        Batch,
        city=city,
        name="演示批次（开放中）",
        defaults={
            "year": today.year,
            "opens": today - timedelta(days=30),
            "closes": today + timedelta(days=90),
        },
    )
    admin = Membership.objects.get(city=city, role=Role.CITY_ADMIN).user
    officer = Membership.objects.get(city=city, role=Role.DISTRICT_OFFICER)
    # The demo enterprise (first) applies itself; its neighbours are at each later step.
    steps = {1: [], 2: ["submit"], 3: ["submit", "district-approve"]}
    enterprises = list(city.enterprises.filter(district=officer.district).order_by("uscc"))
    for index, actions in steps.items():
        enterprise = enterprises[index]
        if Application.objects.filter(enterprise=enterprise, batch=batch).exists():
            continue
        application = application_create(
            enterprise=enterprise,
            batch=batch,
            actor=admin,
            declarations={
                "declares_not_central_little_giant": True,
                "declares_not_in_2022_pilot": True,
            },
        )
        for action in actions:
            actor = officer.user if action == "district-approve" else admin
            application_transition(
                application=application, action=action, actor=actor, comment="演示数据 / demo"
            )


# -- providers ---------------------------------------------------------------------------

ROUND_NAME = "服务商遴选（演示，开放中）"
ROUND_CRITERIA = (
    "技术能力 40 分：产品成熟度与可实施性；同类案例 30 分：本地或同行业案例；"
    "本地服务 20 分：驻场人员与响应时间；报价 10 分：价格透明、按效果付费。"
)
PROVIDER_QUALIFICATIONS = "ISO 9001 质量管理体系认证；两化融合管理体系评定；软件企业证书"
# Further demo providers per city: (credit code serial, name suffix, kind, the step reached,
# reference case title, its scenario).
DEMO_APPLICANTS = [
    (91, "工业互联网平台有限公司", ProviderKind.CHAIN_LEADER, "selected",
     "链主企业与配套企业协同设计平台", "product_design"),
    (92, "智能制造软件有限公司", ProviderKind.PRODUCT, "applied",
     "注塑车间设备联网改造", "equipment"),
    (93, "数字化咨询服务有限公司", ProviderKind.INTEGRATOR, "under_review",
     "中小企业数字化诊断与实施", "decision"),
    (94, "云智造科技有限公司", ProviderKind.PRODUCT, "publicised",
     "电机厂能耗在线监测", "energy"),
    (95, "工业软件集成有限公司", ProviderKind.INTEGRATOR, "suspended",
     "机加工车间 MES 实施", "production_control"),
]  # fmt: skip
# The steps (after applying) that bring an application to each status.
STEPS_TO = {
    "applied": [],
    "under_review": ["start-review", "review"],
    "publicised": ["start-review", "review", "publicise"],
    "selected": ["start-review", "review", "publicise", "select"],
    "suspended": ["start-review", "review", "publicise", "select", "suspend"],
}
SUSPEND_REASON = (
    "年度评价：企业满意度偏低、两个项目延期交付，暂停三个月整改 / annual evaluation: low "
    "satisfaction and two late projects; suspended for three months to improve"
)
# Light solutions per city: (provider: 0 the demo provider, else its DEMO_APPLICANTS serial;
# scenario, name, description, price, price unit, deployment, status).
DEMO_PRODUCTS = [
    (0, "quality", "AI 视觉质检一体机",
     "基于深度学习的表面缺陷检测，一周内上线，漏检率低于 0.5%，替代人工目检。",
     "68000.00", "每条产线", "on_premise", "listed"),
    (0, "scheduling", "轻量级 APS 排产云",
     "面向离散制造的有限产能排产，对接 ERP 订单，插单后分钟级重排并预测交期。",
     "29800.00", "每年", "saas", "listed"),
    (0, "equipment", "设备联网与 OEE 看板",
     "采集 PLC 与数控系统数据，实时统计设备稼动率、停机原因，手机查看。",
     "45000.00", "每 50 台设备", "hybrid", "listed"),
    (0, "energy", "能耗在线监测系统",
     "水、电、气分项计量，能耗异常告警，每月自动生成节能分析报告。",
     "38000.00", "每年", "saas", "listed"),
    (0, "warehouse", "WMS 仓储管理轻应用",
     "扫码出入库、库位管理与库存预警，支持先进先出，无需专用终端。",
     "19800.00", "每年", "saas", "listed"),
    (0, "production_control", "MES 生产执行轻量版",
     "工单下发、扫码报工、在制品追踪与批次质量追溯，三十天实施上线。",
     "88000.00", "一次性", "on_premise", "listed"),
    (0, "procurement", "供应商协同采购平台",
     "询比价、采购订单协同与到货对账，打通与上游供应商的数据。",
     "24000.00", "每年", "saas", "listed"),
    (0, "finance", "业财一体化 SaaS",
     "销售、采购、库存单据自动生成凭证，应收应付实时可查，月结提速一半。",
     "16800.00", "每年", "saas", "listed"),
    (0, "safety", "安全生产隐患排查 App",
     "隐患随手拍、整改闭环跟踪与安全培训记录，满足安全生产检查要求。",
     "9800.00", "每年", "saas", "submitted"),
    (0, "marketing", "工业品数字营销小程序",
     "产品展示、询盘管理与经销商协同，线索自动分配给销售。",
     "12000.00", "每年", "saas", "unlisted"),
    (91, "product_design", "云端协同设计平台",
     "三维模型在线评审与图纸版本管理，链主企业与配套企业协同设计、同步变更。",
     "36000.00", "每年", "saas", "listed"),
    (91, "after_sales", "设备远程运维服务",
     "设备状态远程监测、故障诊断与备件需求预测，减少上门次数。",
     "52000.00", "每年", "hybrid", "listed"),
    (91, "decision", "经营驾驶舱",
     "订单、产能、库存与财务关键指标一屏掌握，支持按车间、产品下钻。",
     "26000.00", "一次性", "hybrid", "listed"),
    (95, "hr", "智能排班与计件工资系统",
     "按订单与技能自动排班，扫码计件，工资自动核算。",
     "15000.00", "每年", "saas", "listed"),
]  # fmt: skip
UNLIST_REASON = (
    "价格说明与合同报价不一致，请更正后重新提交 / the stated price does not match the "
    "contract; correct it and submit again"
)
# Ratings of the pooled providers: (provider: 0 the demo provider, else its DEMO_APPLICANTS
# serial; the rating enterprise's DEMO_ENTERPRISES serial, score, comment). An enterprise rates
# a provider only after a project with it was accepted: each has one in DEMO_PROJECTS.
DEMO_RATINGS = [
    (0, 6, 5, "排产云上线快，插单响应明显改善，驻场工程师响应及时。"),
    (91, 8, 4, "协同设计平台减少了图纸版本混乱，远程运维还在磨合。"),
]
DEMO_DEMANDS = [
    ("quality", "外观缺陷靠人工目检，漏检导致客户投诉，希望用机器视觉替代。"),
    ("scheduling", "订单插单频繁，排产靠 Excel，希望快速排产并准确承诺交期。"),
]


def _demo_selection(city: City, system) -> None:
    """The city's open selection round, its pool and applicants, catalogue and ratings."""
    from datetime import timedelta

    from django.utils import timezone

    from providers.models import SelectionRound

    today = timezone.localdate()
    admin = Membership.objects.get(city=city, role=Role.CITY_ADMIN).user
    expert = get_user_model().objects.get(username=f"{city.code}-expert")
    experts = [expert, get_user_model().objects.get(username="national-expert")]
    opens, closes = today - timedelta(days=10), today + timedelta(days=60)
    selection_round = SelectionRound.objects.filter(city=city, name=ROUND_NAME).first()
    if selection_round is None:
        from providers.services import round_create

        selection_round = round_create(
            city=city,
            actor=admin,
            data={
                "name": ROUND_NAME,
                "opens": opens,
                "closes": closes,
                "criteria": ROUND_CRITERIA,
                "experts": [e.pk for e in experts],
            },
        )
    elif (selection_round.opens, selection_round.closes) != (opens, closes):
        SelectionRound.objects.filter(pk=selection_round.pk).update(opens=opens, closes=closes)

    sectors = [s.code for s in city.sectors.order_by("code")]
    short_name = city.name.removesuffix("市")
    demo = Provider.objects.get(uscc=demo_uscc(city.division_code, 90))
    for membership in Membership.objects.filter(city=city, role=Role.PROVIDER, provider=demo):
        demo.staff.add(membership.user)
    staff = Membership.objects.get(user__username=f"{city.code}-provider").user
    _demo_case(demo, "汽车零部件企业视觉质检改造", "quality", short_name)
    providers = {0: demo}
    _demo_apply(city, demo, staff, selection_round, sectors[:3], "selected", (admin, expert))

    for serial, suffix, kind, status, case, scenario in DEMO_APPLICANTS:
        provider, _ = Provider.objects.get_or_create(
            uscc=demo_uscc(city.division_code, serial),
            defaults={
                "name": f"{short_name}{suffix}",
                "kind": kind,
                "qualifications": PROVIDER_QUALIFICATIONS,
                "description": f"扎根{city.name}的数字化转型服务商，服务中小制造企业。",
                "contact_name": "李经理",
                "contact_phone": f"0{serial}0-8888{serial:04d}",
            },
        )
        _demo_case(provider, case, scenario, short_name)
        providers[serial] = provider
        chosen = sectors[serial % len(sectors) :][:2] or sectors[:1]
        _demo_apply(city, provider, None, selection_round, chosen, status, (admin, expert))

    _demo_products(city, providers, staff, admin, system, sectors)
    _demo_projects(city, providers, staff, admin)
    _demo_ratings(city, providers, system)
    _demo_demands(city)


def _demo_case(provider: Provider, title: str, scenario: str, short_name: str) -> None:
    from providers.models import ProviderCase

    ProviderCase.objects.get_or_create(
        provider=provider,
        title=title,
        defaults={
            "customer": f"{short_name}某制造企业",
            "year": 2024,
            "scenario": scenario,
            "description": "项目三个月上线，关键指标改善明显，客户续约。",
        },
    )


def _demo_apply(city, provider, staff, selection_round, sectors, status, deciders) -> None:
    """The provider's application to the city, taken to `status` through the services.

    `staff` applies through `selection_apply`; without staff the application is entered as
    received on paper. Publicity that must be over (selected, suspended) is dated back.
    """
    from datetime import timedelta

    from django.utils import timezone

    from providers.models import ProviderSelection
    from providers.services import evaluation_record, score_submit, selection_apply
    from providers.services import selection_transition as transition

    if ProviderSelection.objects.filter(city=city, provider=provider).exists():
        return
    admin, expert = deciders
    today = timezone.localdate()
    statement = f"{provider.name}申请进入{city.name}数字化转型服务商库，承诺本地驻场服务。"
    if staff is not None:
        selection = selection_apply(
            city=city, provider=provider, actor=staff, round_id=selection_round.pk,
            sectors=sectors, cases=list(provider.cases.values_list("pk", flat=True)),
            statement=statement,
        )  # fmt: skip
    else:
        selection = ProviderSelection.objects.create(
            city=city, provider=provider, round=selection_round, statement=statement,
            applied_by=Membership.objects.filter(city=city, role=Role.CITY_ADMIN).first().user,
        )  # fmt: skip
        selection.sectors.set(city.sectors.filter(code__in=sectors))
        selection.cases.set(provider.cases.all())
    for action in STEPS_TO[status]:
        if action == "review":
            score_submit(
                selection=selection, expert=expert, score=Decimal("86.50"),
                comment="案例扎实，本地服务团队完整；报价略高。",
            )  # fmt: skip
        elif action == "publicise":
            end = today + timedelta(days=5) if status == "publicised" else today
            transition(selection=selection, actor=admin, action=action,
                       publicity_start=today, publicity_end=end)  # fmt: skip
        elif action == "suspend":
            evaluation_record(
                selection=selection, actor=admin, year=today.year, outcome="suspend",
                reason=SUSPEND_REASON,
            )  # fmt: skip
        else:
            transition(selection=selection, actor=admin, action=action, comment="演示数据 / demo")
        if action == "select":  # the publicity period ran before selection
            ProviderSelection.objects.filter(pk=selection.pk).update(
                publicity_start=today - timedelta(days=8), publicity_end=today - timedelta(days=2)
            )


def _demo_products(city, providers, staff, admin, system, sectors) -> None:
    """The catalogue: the demo provider publishes through the services, the city lists."""
    from providers.catalogue import product_create, product_set_listed
    from providers.models import Product, ProductStatus

    for index, row in enumerate(DEMO_PRODUCTS):
        owner, scenario, name, description, price, unit, deployment, status = row
        provider = providers[owner]
        if Product.objects.filter(city=city, provider=provider, name=name).exists():
            continue
        data = {
            "name": name, "scenario": scenario, "description": description,
            "price": Decimal(price), "price_unit": unit, "deployment": deployment,
            "cases": f"{city.name.removesuffix('市')}多家制造企业在用",
            "sectors": [sectors[index % len(sectors)], sectors[(index + 1) % len(sectors)]],
        }  # fmt: skip
        if owner == 0:
            product = product_create(city=city, actor=staff, data=data, provider=provider)
            if status != ProductStatus.SUBMITTED:
                reason = UNLIST_REASON if status == ProductStatus.UNLISTED else ""
                product_set_listed(
                    product=product, actor=admin, listed=status == "listed", reason=reason
                )
        else:  # providers without demo staff: as the city holds them
            codes = data.pop("sectors")
            product = Product.objects.create(
                city=city, provider=provider, status=status, created_by=system, **data
            )
            product.sectors.set(city.sectors.filter(code__in=codes))


def _demo_enterprise(city: City, serial: int) -> Enterprise:
    """The city's demo enterprise of DEMO_ENTERPRISES serial `serial` (1-based)."""
    suffix = DEMO_ENTERPRISES[serial - 1][0]
    return city.enterprises.get(name=f"{city.name.removesuffix('市')}{suffix}")


def _demo_ratings(city, providers, system) -> None:
    from enterprises.models import Project, ProviderRating
    from enterprises.projects.models import ProjectStatus

    for owner, serial, score, comment in DEMO_RATINGS:
        ProviderRating.objects.get_or_create(
            enterprise=_demo_enterprise(city, serial),
            provider=providers[owner],
            defaults={"city": city, "score": score, "comment": comment, "rated_by": system},
        )
    # Demo ratings from before projects existed that no accepted project justifies: dropped.
    accepted = Project.objects.filter(
        enterprise_id=OuterRef("enterprise_id"),
        provider_id=OuterRef("provider_id"),
        status=ProjectStatus.ACCEPTED,
    )
    ProviderRating.objects.filter(city=city, rated_by=system).exclude(Exists(accepted)).delete()
    provider_ratings_refresh(city_id=city.pk, provider_ids=[p.pk for p in providers.values()])


# -- projects ----------------------------------------------------------------------------

# Demo enterprises (serials) approved in the city's first batch, so they carry out projects.
# 2 and 3 share the demo district officer's district (see `_demo_enterprises`), so the
# officer's monitoring page has projects to watch: one running well, one completed, and one
# with an overdue milestone. (They also have applications to the open demo batch, a draft
# and a submitted one, as 4 has one approved by the district; the demo enterprise itself,
# serial 1, applies there in person.) A project needs an approved application.
APPROVED_SERIALS = (2, 3, 6, 8)
TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# (key, provider: 0 the demo provider, else its DEMO_APPLICANTS serial; enterprise serial,
# title, scenarios, contract amount, planned start and end (days from today), the status it
# is taken to, milestones (title, due in days, done days ago or None), investment lines
# (category, amount, description, invoice number), work logs (days ago, hours, what)).
DEMO_PROJECTS = [
    ("main", 0, 3, "视觉质检与设备联网改造", ["quality", "equipment"], "480000.00", -60, 120,
     "in_progress",
     [("设备联网与 OEE 看板上线", -15, 14), ("视觉质检产线验收测试", 10, None)],
     [("software", "180000.00", "AI 视觉质检软件许可（两条产线）", "FP2025000101"),
      ("cloud", "36000.00", "OEE 看板云服务一年", "FP2025000102"),
      ("data_devices", "120000.00", "工业网关 6 台、数据采集终端 40 套", "FP2025000103"),
      ("consulting", "40000.00", "数字化诊断与实施方案咨询", "FP2025000104"),
      ("other", "15000.00", "差旅与会务费（不计入补贴）", "")],
     [(40, "6.00", "现场调研：梳理两条产线的质检工序与设备清单。"),
      (20, "8.00", "安装工业网关并接入 PLC，调通 OEE 数据采集。"),
      (3, "4.50", "质检模型调优：新增划痕、压伤两类缺陷样本。")]),
    ("exemplary", 0, 6, "智能排产与仓储数字化改造", ["scheduling", "warehouse"], "260000.00",
     -300, -90, "accepted",
     [("APS 排产上线", -200, 205), ("WMS 仓储上线", -120, 125)],
     [("software", "150000.00", "APS 排产与 WMS 软件许可", "FP2024000201"),
      ("cloud", "29800.00", "排产云订阅一年", "FP2024000202"),
      ("consulting", "60000.00", "计划与仓储流程再造咨询", "FP2024000203"),
      ("other", "8000.00", "培训场地租用（不计入补贴）", "")],
     [(280, "8.00", "订单与产能数据梳理，确定排产规则。"),
      (210, "7.00", "APS 上线切换，计划员培训。"),
      (130, "6.00", "WMS 库位编码与扫码出入库上线。")]),
    ("completed", 0, 2, "能耗在线监测改造", ["energy"], "90000.00", -200, -20, "completed",
     [("分项计量表安装", -60, 62)],
     [("software", "38000.00", "能耗监测系统许可", "FP2025000301"),
      ("data_devices", "30000.00", "智能电表与采集器", "FP2025000302"),
      ("other", "2000.00", "辅材（不计入补贴）", "")],
     [(150, "5.00", "能源计量点位勘察。"), (60, "8.00", "电表与采集器安装调试。")]),
    ("chain-design", 91, 8, "协同设计平台接入（链主配套）", ["product_design"], "48000.00",
     -240, -60, "accepted",
     [("设计协同平台开通", -150, 150)],
     [("software", "36000.00", "云端协同设计平台订阅", "FP2024000401"),
      ("consulting", "12000.00", "图纸版本管理规范咨询", "FP2024000402")],
     []),
    ("chain-service", 91, 2, "设备远程运维接入（链主配套）", ["after_sales"], "52000.00",
     -45, 90, "in_progress",
     [("设备清单与接入方案确认", -7, None), ("远程运维平台接入", 30, None)],
     [("cloud", "52000.00", "设备远程运维服务一年", "FP2025000501")],
     []),
]  # fmt: skip
EXEMPLARY_RESULTS = (
    "交期准确率由 72% 提升到 95%，库存周转天数减少 18 天，插单后重排由半天缩短到 10 分钟；"
    "同行企业可按“排产云 + 扫码仓储”的路径看样学样。"
)
CHAIN_TITLE = "工业互联网平台链式转型（演示）"
CHAIN_DESCRIPTION = (
    "链主服务商带动配套企业接入协同设计与远程运维平台，设计变更与设备状态在链上同步。"
)


def _demo_approved(city: City, admin) -> None:
    """Approved applications (in the first batch) of the enterprises that carry out projects."""
    from enterprises.models import Application, ApplicationStatus
    from pilot_portal.tenancy.models import Batch

    batch = Batch.objects.filter(city=city).order_by("opens", "pk").first()
    for serial in APPROVED_SERIALS:
        Application.objects.get_or_create(
            enterprise=_demo_enterprise(city, serial),
            batch=batch,
            defaults={
                "city": city, "status": ApplicationStatus.APPROVED, "created_by": admin,
                "declares_not_central_little_giant": True, "declares_not_in_2022_pilot": True,
            },
        )  # fmt: skip


def _demo_projects(city, providers, staff, admin) -> None:
    """Projects at each stage through the services; a chain case groups the chain leader's."""
    from datetime import timedelta

    from django.utils import timezone

    from enterprises.models import ChainCase, Project
    from enterprises.projects import services as projects
    from pilot_portal.documents.services import document_create

    _demo_approved(city, admin)
    today, now = timezone.localdate(), timezone.now()
    made = {}
    for key, owner, serial, title, scenarios, amount, start, end, status, *rest in DEMO_PROJECTS:
        milestones, lines, worklogs = rest
        provider, enterprise = providers[owner], _demo_enterprise(city, serial)
        # By title (not enterprise): a database seeded before the projects moved keeps its own.
        project = Project.objects.filter(city=city, provider=provider, title=title)
        made[key] = project.first()
        if made[key] is not None:
            continue
        offered = provider.products.filter(city=city, scenario__in=scenarios, status="listed")
        project = projects.project_create(
            enterprise=enterprise, actor=admin,
            data={
                "provider": provider.pk, "title": title, "scenarios": scenarios,
                "products": list(offered.values_list("pk", flat=True)), "contract_amount": amount,
                "planned_start": today + timedelta(days=start),
                "planned_end": today + timedelta(days=end),
                "milestones": [
                    {"title": name, "due_date": today + timedelta(days=due)}
                    for name, due, _done in milestones
                ],
            },
        )  # fmt: skip
        projects.project_transition(project=project, actor=admin, action="start", comment="演示")
        # Done milestones, dated back; the running project's carries its evidence (older ones
        # were entered on paper: few stored files keep the demo's documents to a handful).
        done_by = staff if owner == 0 else admin
        for milestone, (name, _due, done) in zip(
            project.milestones.order_by("due_date", "pk"), milestones, strict=True
        ):
            if done is None:
                continue
            if key == "main":
                milestone.evidence = document_create(
                    city=city, name=f"{name}-验收单.pdf", content=TINY_PDF,
                    content_type="application/pdf", actor=done_by, purpose=projects.PURPOSE,
                )  # fmt: skip
            milestone.done_at, milestone.done_by = now - timedelta(days=done), done_by
            with_actor(milestone, done_by).save()
        for category, value, description, invoice in lines:
            projects.investment_add(
                project=project, actor=staff if category == "data_devices" else admin,
                data={"category": category, "amount": value, "description": description,
                      "invoice_number": invoice, "invoice_issuer": provider.name if invoice
                      else ""},
            )  # fmt: skip
        for days_ago, hours, what in worklogs:
            projects.worklog_add(
                project=project, actor=staff,
                data={"date": today - timedelta(days=days_ago), "hours": hours,
                      "description": what},
            )  # fmt: skip
        if status in ("completed", "accepted"):
            project = projects.project_transition(
                project=project, actor=admin, action="complete", comment="演示数据 / demo"
            )
        if status == "accepted":  # accepted by locking its acceptance assessment
            demo_accept(project, admin, diagnosed_days_ago=15 - start)
            project.refresh_from_db()
        if key == "exemplary":
            Project.objects.filter(pk=project.pk).update(
                exemplary=True, exemplary_results=EXEMPLARY_RESULTS
            )
        made[key] = project

    # Milestones were dated back around the services: set the dates the monitoring page reads.
    projects.project_schedule_refresh(city=city)
    demo_assessments(
        city, admin, demo_enterprise=_demo_enterprise(city, 1),
        completed_project=made["completed"], waiting=_demo_enterprise(city, 4),
    )  # fmt: skip

    case = ChainCase.objects.filter(city=city, title=CHAIN_TITLE).first()
    if case is None:
        case = ChainCase(
            city=city, title=CHAIN_TITLE, description=CHAIN_DESCRIPTION,
            leader_provider=providers[91], created_by=admin,
        )  # fmt: skip
        with_actor(case, admin).save()
        case.projects.set([made["chain-design"], made["chain-service"]])

    demo_subsidies(
        city, exemplary=made["exemplary"], chain=made["chain-design"],
        diagnosed=_demo_enterprise(city, 1),
    )  # fmt: skip
    demo_reporting(city)


def _demo_demands(city) -> None:
    from enterprises.models import Demand

    enterprise = Membership.objects.get(user__username=f"{city.code}-enterprise").enterprise
    for scenario, note in DEMO_DEMANDS:
        Demand.objects.get_or_create(
            enterprise=enterprise, scenario=scenario, defaults={"city": city, "note": note}
        )


def _demo_national_provider(user) -> Provider:
    """A provider registered nationally and in no city yet: its user applies to cities."""
    provider, _ = Provider.objects.get_or_create(
        uscc=demo_uscc("110108", 96),
        defaults={
            "name": "北京智造云科技有限公司",
            "kind": ProviderKind.PRODUCT,
            "qualifications": PROVIDER_QUALIFICATIONS,
            "description": "工业 SaaS 产品服务商，产品覆盖排产、质检与设备管理。",
            "contact_name": "王经理",
            "contact_phone": "010-62880096",
            "contact_email": "demo@example.com",
            "website": "https://example.com/",
        },
    )
    provider.staff.add(user)
    _demo_case(provider, "电子元件企业排产与设备联网", "scheduling", "北京")
    return provider
