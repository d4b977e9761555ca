"""National-scale benchmark data: provinces, cities, their reference data, enterprises, users.

Defaults: 100 cities × 700 enterprises, each city with 10 districts, 5 sectors, 2 batches,
one provider and one user per city role (`bench-<city>-<role>`); one user per province
(`bench-<province>-province`) and `ministry`. Then one big city (`bigcity`, 50,000
enterprises, 5,000 applications, its administrator `bench-bigcity-city_admin`), and the
catalogue city (`catalogue`, 20,000 light solutions of 400 providers, ratings; its buyer
`bench-catalogue-enterprise`), and the projects city (`projects`, 50,000 transformation
projects with 250,000 investment lines, milestones and work logs; its administrator
`bench-projects-city_admin`). Everything goes in with bulk_create, which skips
django-simple-history: the history tables stay empty, which the benchmark does not read.

Standalone (the database must exist and be migrated; `python -m benchmarks.run` does both):

    python -m benchmarks.generate [--quick] [--cities N] [--per-city N] [--big-city N]
        [--applications N] [--catalogue N] [--projects N]

It empties every table first (TRUNCATE), so it refuses any database not named *bench*.
"""

import argparse
import os
import random
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# GB/T 2260 province-level divisions: (two-digit code, slug, name, region).
PROVINCES = [
    ("11", "beijing", "北京市", "east"),
    ("12", "tianjin", "天津市", "east"),
    ("13", "hebei", "河北省", "east"),
    ("14", "shanxi", "山西省", "central"),
    ("15", "neimenggu", "内蒙古自治区", "west"),
    ("21", "liaoning", "辽宁省", "northeast"),
    ("22", "jilin", "吉林省", "northeast"),
    ("23", "heilongjiang", "黑龙江省", "northeast"),
    ("31", "shanghai", "上海市", "east"),
    ("32", "jiangsu", "江苏省", "east"),
    ("33", "zhejiang", "浙江省", "east"),
    ("34", "anhui", "安徽省", "central"),
    ("35", "fujian", "福建省", "east"),
    ("36", "jiangxi", "江西省", "central"),
    ("37", "shandong", "山东省", "east"),
    ("41", "henan", "河南省", "central"),
    ("42", "hubei", "湖北省", "central"),
    ("43", "hunan", "湖南省", "central"),
    ("44", "guangdong", "广东省", "east"),
    ("45", "guangxi", "广西壮族自治区", "west"),
    ("46", "hainan", "海南省", "east"),
    ("50", "chongqing", "重庆市", "west"),
    ("51", "sichuan", "四川省", "west"),
    ("52", "guizhou", "贵州省", "west"),
    ("53", "yunnan", "云南省", "west"),
    ("54", "xizang", "西藏自治区", "west"),
    ("61", "shaanxi", "陕西省", "west"),
    ("62", "gansu", "甘肃省", "west"),
    ("63", "qinghai", "青海省", "west"),
    ("64", "ningxia", "宁夏回族自治区", "west"),
    ("65", "xinjiang", "新疆维吾尔自治区", "west"),
]
# GB/T 4754 manufacturing sub-industries the seed cities chose.
SECTORS = [
    ("C342", "机床（金属加工机械）制造"),
    ("C346", "风冷设备（风机、制冷空调设备）制造"),
    ("C345", "传动设备（轴承、齿轮和传动部件）制造"),
    ("C367", "汽车零部件及配件制造"),
    ("C382", "输配电及控制设备制造"),
    ("C391", "计算机制造"),
    ("C292", "塑料制品业"),
    ("C331", "结构性金属制品制造"),
    ("C358", "医疗仪器设备及器械制造"),
    ("C265", "合成材料制造"),
]
ENTERPRISE_SUFFIXES = [
    "精密机械有限公司",
    "智能装备股份有限公司",
    "电气控制有限公司",
    "汽车零部件有限公司",
    "传动科技有限公司",
    "新材料科技有限公司",
    "仪器仪表有限公司",
    "数控设备有限公司",
]
BIG_CITY, BIG_NUMBER = "bigcity", 99  # the one big city: code, and division 44<number>00
BENCH_PASSWORD = "Bench-Pass-2026"  # the same for every user, hashed once
PROVIDER_SERIAL = 90_000_000  # providers' credit codes sit apart from the enterprises'
BATCH_SIZE = 5000


@dataclass
class SeedResult:
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds else 0.0


def city_code(index: int) -> str:
    """The i-th bench city's code (0-based): city001, city002, …"""
    return f"city{index + 1:03d}"


def username(city: str, role: str) -> str:
    return f"bench-{city}-{role}"


def _check_bench_database(connection) -> None:
    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or "bench" not in name:
        raise SystemExit(
            f"Refusing to empty database {name!r} ({connection.vendor}): the benchmark data "
            "goes only into a PostgreSQL database whose name contains 'bench'."
        )


def reset() -> None:
    """Empty every table except the migration record, content types and permissions."""
    from django.db import connection

    _check_bench_database(connection)
    keep = {"django_migrations", "django_content_type", "auth_permission"}
    tables = sorted(set(connection.introspection.django_table_names(only_existing=True)) - keep)
    quoted = ", ".join(connection.ops.quote_name(table) for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")


def analyze() -> float:
    """Refresh the planner's statistics after the bulk load (as autovacuum would, later)."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def _districts(city, count: int) -> list:
    from pilot_portal.tenancy.models import District

    short = city.name.removesuffix("市")
    return [
        District(
            city=city, code=f"{city.division_code[:4]}{number:02d}", name=f"{short}第{number}区"
        )
        for number in range(1, count + 1)
    ]


def _sectors(city, count: int, *, offset: int) -> list:
    from pilot_portal.tenancy.models import Sector

    chosen = [SECTORS[(offset + index) % len(SECTORS)] for index in range(count)]
    return [Sector(city=city, code=code, name=name, gbt_code=code) for code, name in chosen]


def _batches(city, count: int) -> list:
    from pilot_portal.tenancy.models import Batch

    years = [city.batch_year + 1 + number for number in range(count)]
    return [
        Batch(
            city=city,
            name=f"第{number + 1}批",
            year=year,
            opens=date(year, 3, 1),
            closes=date(year, 10, 31),
        )
        for number, year in enumerate(years)
    ]


def _enterprises(city, districts: list, sectors: list, count: int, rng: random.Random) -> list:
    """`count` enterprises spread over the districts and sectors, with valid credit codes."""
    from enterprises.models import Enterprise
    from pilot_portal.demo.services import demo_uscc

    short = city.name.removesuffix("市")
    rows = []
    for serial in range(1, count + 1):
        district = districts[serial % len(districts)]
        rows.append(
            Enterprise(
                city=city,
                uscc=demo_uscc(district.code, serial),
                name=f"{short}{ENTERPRISE_SUFFIXES[serial % 8]}{serial:04d}",
                district=district,
                sector=sectors[serial % len(sectors)],
                size="above" if rng.random() < 0.4 else "below",
                srdi=rng.choice(["none", "none", "none", "provincial", "little_giant"]),
                current_level=rng.choice([None, 1, 2, 3, 4]),
            )
        )
    return rows


def _inserter(result: SeedResult):
    """bulk_create that counts the rows it wrote into `result`."""

    def insert(model, objects):
        model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
        result.rows[model._meta.db_table] = result.rows.get(model._meta.db_table, 0) + len(objects)
        return objects

    return insert


def _guangdong_city(insert, code: str, number: int, *, enterprises_target: int):
    """A bench city in Guangdong (division 44<number>00), its province created when missing."""
    from pilot_portal.tenancy.models import City, Province

    province = (
        Province.objects.filter(code="guangdong").first()
        or insert(Province, [Province(code="guangdong", name="广东省")])[0]
    )
    city = City(
        code=code, name=f"广东试点{number}号市", name_en=f"Pilot City {code}", province=province,
        division_code=f"44{number:02d}00", region="east", tier="prefecture", batch_year=2024,
        award_cap=Decimal(150_000_000), local_matching_ratio=Decimal("1.00"),
        period_start=date(2024, 12, 1), period_end=date(2026, 12, 31),
        enterprises_target=enterprises_target,
    )  # fmt: skip
    return insert(City, [city])[0]


def generate(
    *,
    cities: int,
    enterprises_per_city: int,
    districts_per_city: int = 10,
    sectors_per_city: int = 5,
    batches_per_city: int = 2,
    seed: int = 2026,
) -> SeedResult:
    """Insert the data set into an empty database; return the seconds and rows per table."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from enterprises.models import Enterprise
    from pilot_portal.demo.services import demo_uscc
    from pilot_portal.tenancy.models import (
        CITY_ROLES,
        Batch,
        City,
        District,
        Membership,
        Province,
        Role,
        Sector,
    )
    from providers.models import Provider, ProviderKind

    _check_bench_database(connection)
    if not 1 <= districts_per_city <= 99 or not 1 <= sectors_per_city <= len(SECTORS):
        raise ValueError("1–99 districts and 1–10 sectors per city")
    if cities > len(PROVINCES) * 99 or enterprises_per_city >= PROVIDER_SERIAL:
        raise ValueError("too many cities or enterprises for the division and credit codes")
    User = get_user_model()
    rng = random.Random(seed)
    password = make_password(BENCH_PASSWORD)  # hashed once, shared by every user
    result = SeedResult()
    started = time.perf_counter()

    insert = _inserter(result)

    with transaction.atomic():
        used = PROVINCES[: min(cities, len(PROVINCES))]
        provinces = insert(Province, [Province(code=slug, name=name) for _, slug, name, _ in used])

        city_rows, per_province = [], {}
        for index in range(cities):
            province_index = index % len(used)
            prefix, _, province_name, region = used[province_index]
            number = per_province[prefix] = per_province.get(prefix, 0) + 1
            short = province_name.removesuffix("省").removesuffix("市")[:2]
            batch_year = 2023 + index % 3
            city_rows.append(
                City(
                    code=city_code(index),
                    name=f"{short}试点{number}号市",
                    name_en=f"Pilot City {index + 1}",
                    province=provinces[province_index],
                    division_code=f"{prefix}{number:02d}00",
                    region=region,
                    tier="capital" if number == 1 else "prefecture",
                    batch_year=batch_year,
                    award_cap=Decimal(100_000_000 + 10_000_000 * (index % 6)),
                    local_matching_ratio=Decimal("1.00") + Decimal(index % 4) / 4,
                    period_start=date(batch_year, 12, 1),
                    period_end=date(batch_year + 2, 12, 31),
                    enterprises_target=max(1, enterprises_per_city * 9 // 10),
                )
            )
        city_rows = insert(City, city_rows)

        districts, sectors, batches = {}, {}, []
        for index, city in enumerate(city_rows):
            districts[city.pk] = _districts(city, districts_per_city)
            sectors[city.pk] = _sectors(city, sectors_per_city, offset=index)
            batches += _batches(city, batches_per_city)
        insert(District, [d for rows in districts.values() for d in rows])
        insert(Sector, [s for rows in sectors.values() for s in rows])
        insert(Batch, batches)

        providers = insert(
            Provider,
            [
                Provider(
                    uscc=demo_uscc(city.division_code, PROVIDER_SERIAL),
                    name=f"{city.name.removesuffix('市')}数字科技服务有限公司",
                    kind=ProviderKind.INTEGRATOR,
                )
                for city in city_rows
            ],
        )

        enterprises, first_enterprise = [], {}
        for city in city_rows:
            rows = _enterprises(
                city, districts[city.pk], sectors[city.pk], enterprises_per_city, rng
            )
            enterprises += rows
            if rows:
                first_enterprise[city.pk] = rows[0]
        insert(Enterprise, enterprises)

        # Users: one per city role per city, one per province, the ministry.
        users, grants = [], []
        for city, provider in zip(city_rows, providers, strict=True):
            for role in sorted(CITY_ROLES):
                user = User(
                    username=username(city.code, role),
                    password=password,
                    first_name=f"{city.name}{Role(role).label}"[:150],
                )
                users.append(user)
                enterprise = first_enterprise.get(city.pk)
                grants.append(
                    dict(
                        user=user,
                        role=role,
                        city=city,
                        district=districts[city.pk][0] if role == Role.DISTRICT_OFFICER else None,
                        enterprise=enterprise if role == Role.ENTERPRISE else None,
                        provider=provider if role == Role.PROVIDER else None,
                    )
                )
        for province in provinces:
            user = User(
                username=f"bench-{province.code}-province",
                password=password,
                first_name=province.name,
            )
            users.append(user)
            grants.append(dict(user=user, role=Role.PROVINCE, province=province))
        ministry = User(username="ministry", password=password, first_name="工业和信息化部")
        users.append(ministry)
        grants.append(dict(user=ministry, role=Role.MINISTRY))
        insert(User, users)
        insert(Membership, [Membership(**grant) for grant in grants])

    result.seconds = time.perf_counter() - started
    return result


@dataclass
class ExtraCity:
    """A city added to the data set on its own (the big city, the import cities)."""

    code: str
    division_code: str
    districts: list[tuple[str, str]]  # (code, name)
    sectors: list[tuple[str, str]]
    enterprises: int
    applications: int
    seed: SeedResult


def generate_city(
    *,
    code: str,
    number: int,
    enterprises: int,
    applications: int = 0,
    districts_per_city: int = 10,
    sectors_per_city: int = 5,
    batches_per_city: int = 2,
    seed: int = 2027,
) -> ExtraCity:
    """One more city (in Guangdong, division 44<number>00) next to `generate`'s.

    Its districts, sectors, batches, `enterprises` enterprises and a city administrator
    (`bench-<code>-city_admin`), and `applications` applications in its first batch, spread
    evenly over the enterprises and the statuses. All by bulk_create, in one transaction.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from enterprises.models import Application, ApplicationStatus, Enterprise
    from pilot_portal.tenancy.models import (
        Batch,
        District,
        Membership,
        Role,
        Sector,
    )

    _check_bench_database(connection)
    if not 0 <= applications <= enterprises or not 1 <= number <= 99:
        raise ValueError("at most one application per enterprise; a city number of 1–99")
    rng = random.Random(seed)
    result = SeedResult()
    started = time.perf_counter()

    insert = _inserter(result)

    with transaction.atomic():
        city = _guangdong_city(
            insert, code, number, enterprises_target=max(1, enterprises * 9 // 10)
        )
        districts = insert(District, _districts(city, districts_per_city))
        sectors = insert(Sector, _sectors(city, sectors_per_city, offset=number))
        batches = insert(Batch, _batches(city, batches_per_city))
        rows = insert(Enterprise, _enterprises(city, districts, sectors, enterprises, rng))
        if applications:
            statuses = list(ApplicationStatus.values)
            step = len(rows) // applications
            insert(
                Application,
                [
                    Application(
                        city=city,
                        enterprise=rows[index * step],
                        batch=batches[0],
                        status=statuses[index % len(statuses)],
                    )
                    for index in range(applications)
                ],
            )
        admin = insert(
            get_user_model(),
            [
                get_user_model()(
                    username=username(code, Role.CITY_ADMIN),
                    password=make_password(BENCH_PASSWORD),
                    first_name=f"{city.name}{Role.CITY_ADMIN.label}"[:150],
                )
            ],
        )[0]
        insert(Membership, [Membership(user=admin, role=Role.CITY_ADMIN, city=city)])
    result.seconds = time.perf_counter() - started
    return ExtraCity(
        code=code,
        division_code=city.division_code,
        districts=[(d.code, d.name) for d in districts],
        sectors=[(s.code, s.name) for s in sectors],
        enterprises=enterprises,
        applications=applications,
        seed=result,
    )


# The catalogue city: light solutions of its pooled providers, found by text, scenario and
# rating. Names are built from a brand, a scenario keyword and a form, so that a text search
# for a keyword finds a realistic share of one scenario (and a little of others).
CATALOGUE_CITY, CATALOGUE_NUMBER = "catalogue", 98
CATALOGUE_SEARCH, CATALOGUE_SCENARIO = "视觉", "quality"  # the typical buyer's query
BRANDS = ["智云", "数擎", "工联", "慧造", "云匠", "精益", "链动", "睿控", "易联", "星火",
          "天工", "瑞智", "明道", "凯睿", "安捷", "博远"]  # fmt: skip
FORMS = ["一体机", "云平台", "SaaS", "轻应用", "系统", "小程序", "解决方案", "服务包"]
# Scenario -> (keywords, weight): production scenes are more common than office ones.
SCENARIO_WORDS = {
    "product_design": (["协同设计", "三维评审", "图纸管理"], 4),
    "process_design": (["工艺仿真", "工艺管理", "BOM 管理"], 3),
    "marketing": (["数字营销", "客户管理", "经销商协同"], 5),
    "after_sales": (["远程运维", "售后服务", "备件管理"], 5),
    "scheduling": (["APS 排产", "计划排程", "交期预测"], 8),
    "production_control": (["MES", "生产执行", "扫码报工"], 10),
    "quality": (["视觉质检", "机器视觉", "质量追溯", "SPC 分析"], 10),
    "equipment": (["设备联网", "OEE 看板", "预测性维护"], 9),
    "safety": (["安全生产", "隐患排查", "视频监控"], 5),
    "energy": (["能耗监测", "能源管理", "碳排放核算"], 6),
    "procurement": (["采购协同", "供应商管理", "询比价"], 5),
    "warehouse": (["WMS 仓储", "条码仓库", "物流跟踪"], 8),
    "finance": (["业财一体", "成本核算", "财务共享"], 6),
    "hr": (["智能排班", "计件工资", "人事管理"], 3),
    "office": (["协同办公", "移动审批", "知识库"], 4),
    "decision": (["经营驾驶舱", "数据分析", "BI 报表"], 5),
}
PRODUCT_STATUSES = (["listed"] * 17) + ["submitted", "submitted", "unlisted"]  # 85/10/5 %
SELECTION_STATUSES = (["selected"] * 17) + ["suspended", "publicised", "applied"]  # 85/5/5/5
DEPLOYMENTS = ["saas"] * 3 + ["hybrid", "on_premise"]  # 60/20/20 %
PRICE_UNITS = ["每年", "一次性", "每条产线", "每用户每年"]
SELLING_POINTS = ["一周上线", "按年订阅", "免费试用一个月", "本地驻场实施"]


@dataclass
class CatalogueCity:
    """The catalogue city: its size, and who the catalogue is read as."""

    code: str
    products: int
    providers: int
    enterprises: int
    ratings: int
    seed: SeedResult


def generate_catalogue(
    *,
    code: str = CATALOGUE_CITY,
    number: int = CATALOGUE_NUMBER,
    products: int,
    providers: int | None = None,
    enterprises: int | None = None,
    seed: int = 2028,
) -> CatalogueCity:
    """One more city (division 44<number>00) with a catalogue of `products` light solutions.

    Its 10 districts and every sector, `providers` providers (default: one per 50 products)
    applied in one round, 85 % selected, the rest suspended, under publicity or applied;
    `products` solutions spread over the 16 scenarios (weighted), 1–2 sectors each, the three
    deployments and prices of 5,000 to 500,000 yuan (log-uniform), 85 % listed, 10 % waiting,
    5 % unlisted; `enterprises` enterprises (default: one per 20 products), each rating up to
    3 pooled providers 1–5 (a quarter of the providers stay unrated); the city administrator
    (`bench-<code>-city_admin`) and an enterprise user (`bench-<code>-enterprise`). All by
    bulk_create, in one transaction.
    """
    import math

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from enterprises.models import Enterprise, ProviderRating
    from pilot_portal.demo.services import demo_uscc
    from pilot_portal.tenancy.models import District, Membership, Role, Sector
    from providers.catalogue import provider_ratings_refresh
    from providers.models import (
        Product,
        Provider,
        ProviderKind,
        ProviderSelection,
        SelectionRound,
    )

    _check_bench_database(connection)
    providers = providers or max(5, products // 50)
    enterprises = enterprises or max(10, products // 20)
    rng = random.Random(seed)
    result = SeedResult()
    started = time.perf_counter()

    insert = _inserter(result)

    with transaction.atomic():
        city = _guangdong_city(insert, code, number, enterprises_target=enterprises)
        districts = insert(District, _districts(city, 10))
        sectors = insert(Sector, _sectors(city, len(SECTORS), offset=0))
        rows = insert(Enterprise, _enterprises(city, districts, sectors, enterprises, rng))
        User = get_user_model()
        password = make_password(BENCH_PASSWORD)
        admin, buyer = insert(
            User,
            [
                User(username=username(code, role), password=password,
                     first_name=f"{city.name}{Role(role).label}"[:150])
                for role in (Role.CITY_ADMIN, Role.ENTERPRISE)
            ],
        )  # fmt: skip
        insert(
            Membership,
            [
                Membership(user=admin, role=Role.CITY_ADMIN, city=city),
                Membership(user=buyer, role=Role.ENTERPRISE, city=city, enterprise=rows[0]),
            ],
        )
        selection_round = insert(
            SelectionRound,
            [
                SelectionRound(
                    city=city, name="服务商遴选", opens=date(2025, 1, 1), closes=date(2025, 3, 31),
                    criteria="技术能力 40，案例 30，服务 20，价格 10", created_by=admin,
                )
            ],
        )[0]  # fmt: skip
        kinds = list(ProviderKind.values)
        provider_rows = insert(
            Provider,
            [
                Provider(
                    uscc=demo_uscc(city.division_code, PROVIDER_SERIAL + serial),
                    name=f"{BRANDS[serial % len(BRANDS)]}{serial:03d}数字科技有限公司",
                    kind=kinds[serial % len(kinds)],
                )
                for serial in range(1, providers + 1)
            ],
        )
        statuses = [SELECTION_STATUSES[i % len(SELECTION_STATUSES)] for i in range(providers)]
        rng.shuffle(statuses)
        insert(
            ProviderSelection,
            [
                ProviderSelection(
                    city=city, provider=provider, round=selection_round, status=status,
                    statement="申请进入服务商库", applied_by=admin,
                    publicity_start=date(2025, 4, 1) if status != "applied" else None,
                    publicity_end=date(2025, 4, 7) if status != "applied" else None,
                )
                for provider, status in zip(provider_rows, statuses, strict=True)
            ],
        )  # fmt: skip
        pooled = [p for p, s in zip(provider_rows, statuses, strict=True) if s == "selected"]
        rated = pooled[: max(1, len(pooled) * 3 // 4)]
        ratings = []
        for enterprise in rows:
            for provider in rng.sample(rated, min(len(rated), rng.randint(0, 3))):
                ratings.append(
                    ProviderRating(
                        city=city, enterprise=enterprise, provider=provider,
                        score=rng.choice([2, 3, 4, 4, 4, 5, 5]), rated_by=buyer,
                    )
                )  # fmt: skip
        insert(ProviderRating, ratings)

        scenarios = list(SCENARIO_WORDS)
        weights = [SCENARIO_WORDS[s][1] for s in scenarios]
        product_rows = []
        for serial in range(1, products + 1):
            scenario = rng.choices(scenarios, weights)[0]
            word = rng.choice(SCENARIO_WORDS[scenario][0])
            price = Decimal(round(math.exp(rng.uniform(math.log(5000), math.log(500_000))), -2))
            product_rows.append(
                Product(
                    city=city, provider=rng.choice(provider_rows), scenario=scenario,
                    name=f"{rng.choice(BRANDS)}{word}{rng.choice(FORMS)} {serial:05d}",
                    description=f"面向中小制造企业的{word}{rng.choice(FORMS)}，"
                    f"{rng.choice(SELLING_POINTS)}，"
                    f"已服务{rng.randint(3, 200)}家企业。",
                    price=price, price_unit=rng.choice(PRICE_UNITS),
                    deployment=rng.choice(DEPLOYMENTS),
                    status=rng.choice(PRODUCT_STATUSES), created_by=admin,
                )
            )  # fmt: skip
        insert(Product, product_rows)
        through = Product.sectors.through
        insert(
            through,
            [
                through(product_id=product.pk, sector_id=sector.pk)
                for product in product_rows
                for sector in rng.sample(sectors, rng.choice([1, 1, 2]))
            ],
        )
        provider_ratings_refresh(city_id=city.pk, provider_ids=[p.pk for p in provider_rows])
    result.seconds = time.perf_counter() - started
    return CatalogueCity(
        code=code, products=products, providers=providers, enterprises=enterprises,
        ratings=len(ratings), seed=result,
    )  # fmt: skip


# The projects city: transformation projects of its approved enterprises with its pooled
# providers, each with investment lines (five on average), two milestones and work logs.
PROJECTS_CITY, PROJECTS_NUMBER = "projects", 97
PROJECT_STATUSES = (
    ["planned"] * 3 + ["in_progress"] * 9 + ["completed"] * 3 + ["accepted"] * 4 + ["failed"]
)  # 15/45/15/20/5 %
INVESTMENT_CATEGORIES = (
    ["software"] * 4
    + ["cloud"] * 2
    + ["data_devices"] * 2
    + [
        "consulting",
        "other",
    ]
)  # 40/20/20/10/10 %
DONE = ("completed", "accepted")
PROJECT_WORDS = ["视觉质检", "设备联网", "APS 排产", "MES", "WMS 仓储", "能耗监测", "协同设计",
                 "远程运维", "业财一体", "安全生产"]  # fmt: skip


@dataclass
class ProjectsCity:
    """The projects city: its size, and who reads it (its administrator)."""

    code: str
    projects: int
    lines: int
    enterprises: int
    providers: int
    milestones: int
    worklogs: int
    seed: SeedResult


def generate_projects(
    *,
    code: str = PROJECTS_CITY,
    number: int = PROJECTS_NUMBER,
    projects: int,
    lines_per_project: int = 5,
    seed: int = 2029,
) -> ProjectsCity:
    """One more city (division 44<number>00) with `projects` transformation projects.

    10 districts, 5 sectors, one batch; an enterprise per two projects, each approved;
    providers (one per 250 projects, at least 5) selected in one round; projects spread over
    the statuses (15 % planned, 45 % in progress, 15 % completed, 20 % accepted, 5 % failed)
    with contract amounts of 50,000 to 2,000,000 yuan; `lines_per_project` × `projects`
    investment lines (0 to 2 × that many per project, 10 % `other`); two milestones per project
    (a tenth of the running projects' overdue); work logs on most running projects (a fifth
    logged nothing for 30 days); each project's last work log and next open due date kept on
    it, as the services keep them. The city administrator `bench-<code>-city_admin`. All by
    bulk_create (no history rows), in one transaction.
    """
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from enterprises.models import (
        Application,
        Enterprise,
        InvestmentLine,
        Milestone,
        Project,
        WorkLog,
    )
    from pilot_portal.demo.services import demo_uscc
    from pilot_portal.tenancy.models import Batch, District, Membership, Role, Sector
    from providers.models import Provider, ProviderKind, ProviderSelection, SelectionRound

    _check_bench_database(connection)
    enterprises = max(1, projects // 2)
    providers = max(5, projects // 250)
    rng = random.Random(seed)
    result = SeedResult()
    started = time.perf_counter()
    today = date.today()
    insert = _inserter(result)

    with transaction.atomic():
        city = _guangdong_city(insert, code, number, enterprises_target=enterprises)
        districts = insert(District, _districts(city, 10))
        sectors = insert(Sector, _sectors(city, 5, offset=number))
        batch = insert(Batch, _batches(city, 1))[0]
        rows = insert(Enterprise, _enterprises(city, districts, sectors, enterprises, rng))
        admin = insert(
            get_user_model(),
            [
                get_user_model()(
                    username=username(code, Role.CITY_ADMIN),
                    password=make_password(BENCH_PASSWORD),
                    first_name=f"{city.name}{Role.CITY_ADMIN.label}"[:150],
                )
            ],
        )[0]
        insert(Membership, [Membership(user=admin, role=Role.CITY_ADMIN, city=city)])
        insert(
            Application,
            [
                Application(city=city, enterprise=e, batch=batch, status="approved",
                            created_by=admin)
                for e in rows
            ],
        )  # fmt: skip
        selection_round = insert(
            SelectionRound,
            [
                SelectionRound(
                    city=city, name="服务商遴选", opens=date(2025, 1, 1), closes=date(2025, 3, 31),
                    criteria="技术能力 40，案例 30，服务 20，价格 10", created_by=admin,
                )
            ],
        )[0]  # fmt: skip
        kinds = list(ProviderKind.values)
        provider_rows = insert(
            Provider,
            [
                Provider(
                    uscc=demo_uscc(city.division_code, PROVIDER_SERIAL + serial),
                    name=f"{BRANDS[serial % len(BRANDS)]}{serial:03d}数字化服务有限公司",
                    kind=kinds[serial % len(kinds)],
                )
                for serial in range(1, providers + 1)
            ],
        )
        insert(
            ProviderSelection,
            [
                ProviderSelection(
                    city=city, provider=provider, round=selection_round, status="selected",
                    statement="申请进入服务商库", applied_by=admin,
                    publicity_start=date(2025, 4, 1), publicity_end=date(2025, 4, 7),
                )
                for provider in provider_rows
            ],
        )  # fmt: skip

        scenarios = list(SCENARIO_WORDS)
        project_rows = []
        for serial in range(1, projects + 1):
            status = rng.choice(PROJECT_STATUSES)
            start = today + timedelta(
                days=rng.randint(1, 60) if status == "planned" else -rng.randint(30, 600)
            )
            end = start + timedelta(days=rng.randint(90, 400))
            word = rng.choice(PROJECT_WORDS)
            project_rows.append(
                Project(
                    city=city, enterprise=rows[(serial - 1) % len(rows)],
                    provider=rng.choice(provider_rows), title=f"{word}改造项目 {serial:05d}",
                    scenarios=sorted(set(rng.sample(scenarios, rng.choice([1, 1, 2])))),
                    contract_amount=Decimal(rng.randrange(5_000_000, 200_000_000)) / 100,
                    planned_start=start, planned_end=end, status=status, created_by=admin,
                )
            )  # fmt: skip

        # The rows that hang off the projects are made first and inserted after them, so each
        # project's kept dates (last work log, next open due date) go in with its INSERT.
        lines = []
        for project in project_rows:
            for _ in range(rng.randint(0, 2 * lines_per_project)):
                category = rng.choice(INVESTMENT_CATEGORIES)
                lines.append(
                    InvestmentLine(
                        city=city, project=project, category=category,
                        amount=Decimal(rng.randrange(100_000, 30_000_000)) / 100,
                        description=f"{rng.choice(PROJECT_WORDS)}{category}",
                        invoice_number=f"FP{rng.randrange(10**9):09d}", created_by=admin,
                    )
                )  # fmt: skip
        # Exactly lines_per_project × projects lines: trim or top up the last projects.
        target = lines_per_project * projects
        del lines[target:]
        while len(lines) < target:
            project = project_rows[len(lines) % len(project_rows)]
            lines.append(
                InvestmentLine(
                    city=city, project=project, category="software", amount=Decimal("1000.00"),
                    description="软件许可", created_by=admin,
                )
            )  # fmt: skip

        now = timezone.now()
        milestones, worklogs = [], []
        for project in project_rows:
            running, over = project.status == "in_progress", project.status in DONE
            first = project.planned_start + timedelta(days=60)
            if running and rng.random() < 0.2:  # overdue: due within the last 30 days
                second = today - timedelta(days=rng.randint(1, 30))
            elif running:
                second = today + timedelta(days=rng.randint(1, 60))
            else:
                second = project.planned_start + timedelta(days=120)
            for order, due in ((1, first), (2, second)):
                done = over or (running and order == 1 and due < today)
                if not done:  # the earliest open due date, as `services.milestone_add` keeps it
                    project.next_due_date = min(project.next_due_date or due, due)
                milestones.append(
                    Milestone(
                        city=city, project=project, title=f"里程碑 {order}", due_date=due,
                        done_at=now - timedelta(days=1) if done else None,
                        done_by=admin if done else None,
                    )
                )  # fmt: skip
            if project.status == "planned" or (running and rng.random() < 0.2):
                continue  # nothing logged (a fifth of the running: none for 30 days)
            latest = 0 if running else rng.randint(31, 200)
            for back in range(rng.randint(1, 3)):
                day = today - timedelta(days=latest + rng.randint(0, 25) + 30 * back)
                worklogs.append(
                    WorkLog(
                        city=city, project=project, date=day,
                        hours=Decimal(rng.randint(2, 16)) / 2, description="现场实施与调试",
                        created_by=admin,
                    )
                )  # fmt: skip
                # the latest log's date, as `services.worklog_add` keeps it
                project.last_worklog_date = max(project.last_worklog_date or day, day)
        insert(Project, project_rows)
        insert(InvestmentLine, lines)
        insert(Milestone, milestones)
        insert(WorkLog, worklogs)
    result.seconds = time.perf_counter() - started
    return ProjectsCity(
        code=code, projects=projects, lines=len(lines), enterprises=enterprises,
        providers=providers, milestones=len(milestones), worklogs=len(worklogs), seed=result,
    )  # fmt: skip


def catalogue_credentials(city: str) -> dict[str, str]:
    """{"session", "token"} of the catalogue city's enterprise user."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    buyer = get_user_model().objects.get(username=username(city, "enterprise"))
    return {
        "session": _session_for(buyer),
        "token": Token.objects.get_or_create(user=buyer)[0].key,
    }


def _session_for(user) -> str:
    """A database session for `user`: what `django.contrib.auth.login` stores for ModelBackend."""
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def city_admin_credentials(city: str) -> dict[str, str]:
    """{"session", "token"} of `city`'s administrator (`bench-<city>-city_admin`)."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    admin = get_user_model().objects.get(username=username(city, "city_admin"))
    return {
        "session": _session_for(admin),
        "token": Token.objects.get_or_create(user=admin)[0].key,
    }


def credentials(*, city: str) -> dict[str, str]:
    """Sessions and API tokens the load test and the query counts act with, for `city`.

    Sessions are written straight to the session store (no login request, so django-axes
    is not involved): what `django.contrib.auth.login` would store for ModelBackend.
    """
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    city_admin = city_admin_credentials(city)
    ministry = get_user_model().objects.get(username="ministry")
    return {
        "city": city,
        "city_admin_session": city_admin["session"],
        "city_admin_token": city_admin["token"],
        "ministry_session": _session_for(ministry),
        "ministry_token": Token.objects.get_or_create(user=ministry)[0].key,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 cities × 100 enterprises")
    parser.add_argument("--cities", type=int)
    parser.add_argument("--per-city", type=int, dest="per_city")
    parser.add_argument("--big-city", type=int, dest="big_city", help="its enterprises; 0: none")
    parser.add_argument("--applications", type=int, help="in the big city")
    parser.add_argument(
        "--catalogue", type=int, help="light solutions in the catalogue city; 0: none"
    )
    parser.add_argument("--projects", type=int, help="projects in the projects city; 0: none")
    args = parser.parse_args(argv)
    quick = args.quick or os.environ.get("BENCH_QUICK") == "1"
    cities = args.cities or int(os.environ.get("BENCH_CITIES") or (10 if quick else 100))
    per_city = args.per_city or int(
        os.environ.get("BENCH_ENTERPRISES_PER_CITY") or (100 if quick else 700)
    )
    big_city = (
        args.big_city
        if args.big_city is not None
        else int(os.environ.get("BENCH_BIG_CITY") or (5000 if quick else 50_000))
    )
    applications = (
        args.applications
        if args.applications is not None
        else int(os.environ.get("BENCH_APPLICATIONS") or (500 if quick else 5000))
    )

    catalogue = (
        args.catalogue
        if args.catalogue is not None
        else int(os.environ.get("BENCH_CATALOGUE") or (2000 if quick else 20_000))
    )

    projects = (
        args.projects
        if args.projects is not None
        else int(os.environ.get("BENCH_PROJECTS") or (5000 if quick else 50_000))
    )

    import django

    from benchmarks.environment import database_url

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pilot_portal.settings")
    os.environ.setdefault("DATABASE_URL", database_url())
    django.setup()
    reset()
    result = generate(cities=cities, enterprises_per_city=per_city)
    print(
        f"{cities} cities × {per_city} enterprises: {result.total_rows:,} rows in "
        f"{result.seconds:.1f} s ({result.rows_per_second:,.0f} rows/s)"
    )
    if big_city:
        big = generate_city(
            code=BIG_CITY,
            number=BIG_NUMBER,
            enterprises=big_city,
            applications=min(applications, big_city),
        )
        print(
            f"{BIG_CITY}: {big_city:,} enterprises, {big.applications:,} applications in "
            f"{big.seed.seconds:.1f} s"
        )
        for table, rows in big.seed.rows.items():
            result.rows[table] = result.rows.get(table, 0) + rows
    if catalogue:
        shop = generate_catalogue(products=catalogue)
        print(
            f"{CATALOGUE_CITY}: {catalogue:,} light solutions of {shop.providers:,} providers, "
            f"{shop.ratings:,} ratings in {shop.seed.seconds:.1f} s"
        )
        for table, rows in shop.seed.rows.items():
            result.rows[table] = result.rows.get(table, 0) + rows
    if projects:
        works = generate_projects(projects=projects)
        print(
            f"{PROJECTS_CITY}: {projects:,} projects, {works.lines:,} investment lines, "
            f"{works.milestones:,} milestones, {works.worklogs:,} work logs in "
            f"{works.seed.seconds:.1f} s"
        )
        for table, rows in works.seed.rows.items():
            result.rows[table] = result.rows.get(table, 0) + rows
    analyze()
    for table, rows in sorted(result.rows.items()):
        print(f"  {table:<28}{rows:>10,}")


if __name__ == "__main__":
    main()
