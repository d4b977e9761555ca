"""The registry of computed metrics: each indicator whose source is "computed" names one.

A metric reads a city's `CityFacts` (see `facts.py`) and returns a Decimal, so the same metric
costs nothing more for the hundredth city on the ministry dashboard. Each carries its
definition in Chinese and English: the dashboard and the report print it beside the figure.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from enterprises.models import SRDI, Size
from enterprises.projects.models import ProjectStatus
from pilot_portal.reporting.facts import SRDI_ANY, CityFacts
from pilot_portal.reporting.rules import percent
from providers.models import ProviderKind


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    name_en: str
    unit: str
    definition: str  # how it is counted, Chinese / English
    value: Callable[[CityFacts], Decimal | None]


METRICS: dict[str, Metric] = {}


def metric(key: str, name: str, name_en: str, unit: str, definition: str):
    def register(function):
        METRICS[key] = Metric(key, name, name_en, unit, definition, function)
        return function

    return register


def _n(value) -> Decimal:
    return Decimal(value)


TRANSFORMED = (
    "项目已验收且最近一次锁定的验收评估达二级及以上 / accepted project, latest locked acceptance "
    "at level 2 or more"
)


@metric(
    "enterprises_transformed", "完成数字化改造企业数", "Enterprises transformed", "家", TRANSFORMED
)
def enterprises_transformed(f: CityFacts):
    return _n(f.count("transformed"))


@metric(
    "transformed_above_size",
    "改造规上企业数",
    "Above-size enterprises transformed",
    "家",
    TRANSFORMED,
)
def transformed_above_size(f: CityFacts):
    return _n(f.count("transformed", size=Size.ABOVE))


@metric(
    "transformed_below_size",
    "改造规下企业数",
    "Below-size enterprises transformed",
    "家",
    TRANSFORMED,
)
def transformed_below_size(f: CityFacts):
    return _n(f.count("transformed", size=Size.BELOW))


@metric(
    "transformed_srdi", "改造企业中专精特新企业数", "SRDI enterprises transformed", "家",
    "省级专精特新与国家级小巨人，" + TRANSFORMED,
)  # fmt: skip
def transformed_srdi(f: CityFacts):
    return _n(f.count("transformed", srdi__in=SRDI_ANY))


@metric(
    "transformed_little_giants", "改造企业中小巨人企业数", "Little giants transformed", "家",
    "国家级专精特新小巨人，" + TRANSFORMED,
)  # fmt: skip
def transformed_little_giants(f: CityFacts):
    return _n(f.count("transformed", srdi=SRDI.LITTLE_GIANT))


@metric(
    "transformed_level_4", "改造后达四级企业数", "Enterprises transformed to level 4", "家",
    "项目已验收且最近一次锁定的验收评估为四级 / accepted project, latest locked acceptance "
    "at level 4",
)  # fmt: skip
def transformed_level_4(f: CityFacts):
    return _n(f.count("transformed_level_4"))


@metric(
    "enterprises_enrolled", "入库企业数", "Enterprises registered", "家",
    "本市登记的全部企业 / every enterprise registered in the city",
)  # fmt: skip
def enterprises_enrolled(f: CityFacts):
    return _n(f.count())


@metric(
    "enterprises_on_platform", "上平台企业数", "Enterprises on the platform", "家",
    "有有效企业账号的企业 / enterprises with an active enterprise account",
)  # fmt: skip
def enterprises_on_platform(f: CityFacts):
    return _n(f.count("on_platform"))


@metric(
    "enterprises_diagnosed", "完成诊断企业数", "Enterprises diagnosed", "家",
    "有锁定的诊断评估 / with a locked diagnosis",
)  # fmt: skip
def enterprises_diagnosed(f: CityFacts):
    return _n(f.count("diagnosed"))


@metric(
    "enterprises_assessed", "开展数字化水平评估企业数", "Enterprises assessed", "家",
    "有锁定的诊断或验收评估 / with a locked diagnosis or acceptance",
)  # fmt: skip
def enterprises_assessed(f: CityFacts):
    return _n(f.count("assessed"))


@metric(
    "assessment_reports", "形成评估报告数", "Assessment reports", "个",
    "锁定的诊断与验收评估份数 / locked diagnoses and acceptances",
)  # fmt: skip
def assessment_reports(f: CityFacts):
    return _n(f.assessment_reports)


@metric(
    "above_size_level2_share", "规上企业达二级及以上比例", "Above-size enterprises at level 2+",
    "%", "试点行业规上企业中最近一次锁定评估达二级及以上的比例（分母为全部规上企业）/ share of "
    "the pilot sectors' above-size enterprises whose latest locked level is 2 or more (over all "
    "of them, assessed or not)",
)  # fmt: skip
def above_size_level2_share(f: CityFacts):
    sectors = f.sectors.values()
    return percent(sum(s.above_at_level_2 for s in sectors), sum(s.above for s in sectors))


@metric(
    "srdi_level2_share", "省级专精特新企业达二级及以上比例", "Provincial SRDI at level 2+", "%",
    "省级专精特新中小企业中达二级及以上的比例 / share of provincial SRDI SMEs at level 2 or more",
)  # fmt: skip
def srdi_level2_share(f: CityFacts):
    return percent(f.count("at_level_2", srdi=SRDI.PROVINCIAL), f.count(srdi=SRDI.PROVINCIAL))


@metric(
    "little_giant_level2_share", "小巨人企业达二级及以上比例", "Little giants at level 2+", "%",
    "国家级小巨人企业中达二级及以上的比例 / share of national little giants at level 2 or more",
)  # fmt: skip
def little_giant_level2_share(f: CityFacts):
    return percent(f.count("at_level_2", srdi=SRDI.LITTLE_GIANT), f.count(srdi=SRDI.LITTLE_GIANT))


POOL = "服务商资源池中（已入选）/ selected, in the pool"


@metric("providers_selected", "遴选服务商数", "Providers selected", "家", POOL)
def providers_selected(f: CityFacts):
    return _n(sum(f.providers.values()))


@metric("providers_integrators", "遴选系统集成商数", "System integrators selected", "家", POOL)
def providers_integrators(f: CityFacts):
    return _n(f.providers.get(ProviderKind.INTEGRATOR, 0))


@metric("providers_product", "遴选产品服务商数", "Product providers selected", "家", POOL)
def providers_product(f: CityFacts):
    return _n(f.providers.get(ProviderKind.PRODUCT, 0))


@metric(
    "light_solutions", "“小快轻准”解决方案数", "Light solutions listed", "个",
    "产品目录中已上架的产品 / products listed in the catalogue",
)  # fmt: skip
def light_solutions(f: CityFacts):
    return _n(f.light_solutions)


@metric(
    "chain_cases", "“链式”转型案例数", "Chain cases", "个",
    "登记的链式改造案例 / chain cases registered",
)  # fmt: skip
def chain_cases(f: CityFacts):
    return _n(f.chain_cases)


@metric(
    "exemplary_projects", "示范标杆项目数", "Exemplary projects", "个",
    "标为示范的改造项目 / transformation projects marked exemplary",
)  # fmt: skip
def exemplary_projects(f: CityFacts):
    return _n(f.exemplary_projects)


@metric(
    "projects_accepted", "已验收改造项目数", "Projects accepted", "个",
    "状态为已验收的改造项目 / projects in status accepted",
)  # fmt: skip
def projects_accepted(f: CityFacts):
    return _n(f.projects.get(ProjectStatus.ACCEPTED, 0))


@metric(
    "funds_approved", "已核定补助资金", "Subsidies approved", "元",
    "已核定（含已拨付）未作废的补助 / approved claims, paid or not, not void",
)  # fmt: skip
def funds_approved(f: CityFacts):
    return f.approved


@metric(
    "funds_paid", "已拨付补助资金", "Subsidies paid", "元",
    "拨付减退回 / payments less refunds",
)  # fmt: skip
def funds_paid(f: CityFacts):
    return f.paid


@metric(
    "enterprise_funds_share", "企业改造资金占比", "Share for enterprise transformation", "%",
    "已核定资金中用于企业改造的比例（应 ≥ 80%）/ share of the approved money for enterprise "
    "transformation (must stay at 80 % or more)",
)  # fmt: skip
def enterprise_funds_share(f: CityFacts):
    money = sum((v for use, v in f.approved_by_use.items() if use != "none"), Decimal(0))
    return percent(f.approved_by_use.get("enterprise", Decimal(0)), money)
