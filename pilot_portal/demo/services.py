"""The demo: the three seed cities, one user per role per city, oversight users.

Idempotent: running it again changes nothing (passwords are reset to the demo password).
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation

from enterprises.models import Enterprise
from pilot_portal.identifiers import check_character
from pilot_portal.tenancy.models import CITY_ROLES, City, Membership, Province, Role
from pilot_portal.tenancy.seed import city_load_from_seed, load_seed_file
from pilot_portal.tenancy.services import membership_grant
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
    provinces = {p["code"]: p["name"] for p in data["provinces"]}
    summary = DemoSummary()
    system = _user("system", password, first_name="系统")
    system.is_active = False  # acts in the audit log; cannot log in
    system.save(update_fields=["is_active"])

    ministry = _user("ministry", password, first_name="工业和信息化部")
    membership_grant(user=ministry, role=Role.MINISTRY, actor=system)
    summary.usernames.append("ministry")

    for city_data in data["cities"]:
        city = city_load_from_seed(data=city_data, provinces=provinces, actor=system)
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
        enterprise, _ = Enterprise.objects.update_or_create(
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
    provider, _ = Provider.objects.update_or_create(
        uscc=demo_uscc(city.division_code, 90),
        defaults={
            "name": f"{city.name.removesuffix('市')}{DEMO_PROVIDER}",
            "kind": ProviderKind.INTEGRATOR,
        },
    )
    return provider


def _demo_applications(city: City, actor) -> None:
    """An open demo batch, and applications at each review step so every role has work."""
    from datetime import timedelta

    from django.utils import timezone

    from enterprises.models import Application
    from enterprises.services import application_create, application_transition
    from pilot_portal.tenancy.models import Batch

    today = timezone.localdate()
    batch, _ = Batch.objects.update_or_create(
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
