"""A city whose enterprises pass every check, unless a test breaks one thing.

The clean enterprise: valid credit code, district and sector of its city, an approved application
through the district and the city with its documents; a project with a pooled provider, a locked
diagnosis before it started, evidenced lines, completed, then accepted at level 2 by another
assessor; its transformation claim approved and partly paid after publicity.

Times are set on the rows (the services stamp "now"): the provider selected at T0, the diagnosis
locked at T0 + 10 days, the project started at T0 + 20, completed at T0 + 100, accepted at
T0 + 110.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from enterprises.models import (
    Application,
    ApplicationTransition,
    EnterpriseDocument,
    InvestmentLine,
    Project,
    ProjectStep,
)
from pilot_portal.documents.services import document_create
from providers.models import ProviderSelection, SelectionStep
from subsidies import services
from subsidies.models import FundPool
from subsidies.rulebooks import rulebook_install_shipped
from tests.factories import (
    AssessmentFactory,
    BatchFactory,
    CityFactory,
    DistrictFactory,
    EnterpriseFactory,
    MembershipFactory,
    ProviderFactory,
    ProviderSelectionFactory,
    SectorFactory,
)
from tests.subsidies.claim_helpers import publicised

T0 = timezone.now() - timedelta(days=300)
PDF = b"%PDF-1.4\n%%EOF\n"


def at(days: float):
    return T0 + timedelta(days=days)


def checks_world(**city_fields) -> dict:
    city = CityFactory(**city_fields)
    rulebook_install_shipped(city, source="shenyang")
    FundPool.objects.create(city=city, source="central", amount=Decimal("150000000.00"))
    FundPool.objects.create(city=city, source="local", amount=Decimal("187500000.00"))
    world = {
        "city": city,
        "district": DistrictFactory(city=city),
        "sector": SectorFactory(city=city),
        "batch": BatchFactory(city=city),
        "admin": MembershipFactory(city=city, role="city_admin").user,
        "finance": MembershipFactory(city=city, role="finance_officer").user,
        "diagnoser": MembershipFactory(city=city, role="assessor").user,
        "acceptor": MembershipFactory(city=city, role="assessor").user,
    }
    world["officer"] = MembershipFactory(
        city=city, role="district_officer", district=world["district"]
    ).user
    world["provider"] = pooled_provider(world)
    return world


def pooled_provider(world, *, steps=(("select", "selected", 0),)):
    """A provider whose selection in the city went through `steps` (action, to, day)."""
    provider = ProviderFactory()
    selection = ProviderSelectionFactory(
        city=world["city"], provider=provider, status=steps[-1][1], applied_by=world["admin"]
    )
    ProviderSelection.objects.filter(pk=selection.pk).update(created_at=at(-30))
    for action, to_status, day in steps:
        step = SelectionStep.objects.create(
            selection=selection,
            action=action,
            from_status="publicised",
            to_status=to_status,
            actor=world["admin"],
            actor_role="city_admin",
        )
        SelectionStep.objects.filter(pk=step.pk).update(created_at=at(day))
    return provider


def step(application, action, to_status, actor, role):
    return ApplicationTransition.objects.create(
        application=application,
        action=action,
        from_status="submitted",
        to_status=to_status,
        actor=actor,
        actor_role=role,
    )


def document(world, enterprise, kind, application=None):
    stored = document_create(
        city=world["city"],
        name=f"{kind}.pdf",
        content=PDF,
        content_type="application/pdf",
        actor=world["admin"],
    )
    return EnterpriseDocument.objects.create(
        city=world["city"],
        enterprise=enterprise,
        application=application,
        kind=kind,
        document=stored,
    )


def enrolled(world, **fields):
    """An enterprise approved through both reviews, with its licence and application form."""
    fields.setdefault("district", world["district"])
    fields.setdefault("sector", world["sector"])
    enterprise = EnterpriseFactory(city=world["city"], **fields)
    application = Application.objects.create(
        city=world["city"],
        enterprise=enterprise,
        batch=world["batch"],
        status="approved",
        declares_not_central_little_giant=True,
        declares_not_in_2022_pilot=True,
    )
    step(application, "submit", "submitted", world["admin"], "city_admin")
    step(application, "district-approve", "district_approved", world["officer"], "district_officer")
    step(application, "approve", "approved", world["admin"], "city_admin")
    document(world, enterprise, "licence")
    document(world, enterprise, "application", application)
    enterprise.application = application
    return enterprise


def diagnosis(world, enterprise, *, day=10, assessor=None, **fields):
    return AssessmentFactory(
        city=world["city"],
        enterprise=enterprise,
        kind="diagnosis",
        status="locked",
        level=1,
        assessor=assessor or world["diagnoser"],
        locked_at=at(day),
        **fields,
    )


def acceptance(world, project, *, day=110, level=2, assessor=None, status="locked"):
    return AssessmentFactory(
        city=world["city"],
        enterprise=project.enterprise,
        project=project,
        kind="acceptance",
        status=status,
        level=level,
        assessor=assessor or world["acceptor"],
        locked_at=at(day) if status == "locked" else None,
    )


def line(project, amount, *, category="software", invoice=None, issuer=None, **fields):
    invoice = f"VT{project.pk:06d}{project.investments.count():02d}" if invoice is None else invoice
    return InvestmentLine.objects.create(
        city=project.city,
        project=project,
        category=category,
        amount=Decimal(amount),
        description=category,
        invoice_number=invoice,
        invoice_issuer=project.provider.name if issuer is None else issuer,
        created_by=project.created_by,
        **fields,
    )


def project_step(project, action, to_status, day):
    made = ProjectStep.objects.create(
        project=project,
        action=action,
        from_status="planned",
        to_status=to_status,
        actor=project.created_by,
        actor_role="city_admin",
    )
    ProjectStep.objects.filter(pk=made.pk).update(created_at=at(day))
    return made


def accepted_project(world, enterprise, *, provider=None, software="400000.00", diagnose=True):
    """Started on day 20 (diagnosed on day 10), completed on day 100, accepted on day 110."""
    if diagnose:
        diagnosis(world, enterprise)
    project = Project.objects.create(
        city=world["city"],
        enterprise=enterprise,
        provider=provider or world["provider"],
        title=f"{enterprise.name}数字化改造",
        contract_amount=Decimal("800000.00"),
        planned_start=at(20).date(),
        planned_end=at(100).date(),
        status="accepted",
        created_by=world["admin"],
    )
    project_step(project, "start", "in_progress", 20)
    line(project, software)
    project_step(project, "complete", "completed", 100)
    acceptance(world, project)
    return project


def granted_claim(world, project, *, paid="100000.00"):
    """The project's transformation claim, approved, and paid in part after publicity."""
    claim, _ = services.claim_for_project(world["admin"], project)
    claim = services.claim_approve(world["admin"], claim)
    if paid:
        publicised(claim, world["admin"])
        claim, _entries = services.claim_disburse(
            world["finance"], claim, amount=paid, reference="BANK-001"
        )
    claim.refresh_from_db()
    return claim


def clean_enterprise(world, **fields):
    """An enterprise with an accepted project and a granted, partly paid claim."""
    enterprise = enrolled(world, **fields)
    enterprise.project = accepted_project(world, enterprise)
    enterprise.claim = granted_claim(world, enterprise.project)
    return enterprise


def codes(findings, enterprise=None) -> list[str]:
    return sorted(
        f.code for f in findings if enterprise is None or f.enterprise_id == enterprise.pk
    )


def of_code(findings, code) -> list:
    return [f for f in findings if f.code == code]
