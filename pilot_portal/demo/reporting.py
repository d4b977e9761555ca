"""Demo performance reporting: in each seed city one manual indicator's value entered by the
city admin with its evidence and accepted by the auditor, another waiting for review, and the
first year's yearly report submitted (so the ministry sees submitted figures beside live ones)."""

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from pilot_portal.reporting.models import Indicator, ManualValue, ReportingPeriod
from pilot_portal.reporting.services import (
    manual_value_enter,
    manual_value_review,
    period_submit,
)

# A tiny but real PDF: the upload check reads the magic bytes.
EVIDENCE = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def demo_reporting(city) -> None:
    manual = list(Indicator.objects.for_city(city).filter(source="manual").order_by("order")[:2])
    if not manual or ManualValue.objects.for_city(city).exists():
        return  # no table, or seeded before
    users = get_user_model().objects
    admin = users.get(username=f"{city.code}-city_admin")
    auditor = users.get(username=f"{city.code}-auditor")
    first = manual_value_enter(
        indicator=manual[0], value=1, note="演示数据：已完成的数量 / demo: done so far",
        upload=SimpleUploadedFile("证明材料.pdf", EVIDENCE), actor=admin,
    )  # fmt: skip
    manual_value_review(value=first, accept=True, comment="与材料一致 / matches", actor=auditor)
    if len(manual) > 1:
        manual_value_enter(
            indicator=manual[1], value=2, note="演示数据：待审核 / demo: to review",
            upload=SimpleUploadedFile("活动记录.pdf", EVIDENCE), actor=admin,
        )  # fmt: skip
    if not ReportingPeriod.objects.for_city(city).exists():
        period_submit(city=city, kind="yearly", year=city.period_start.year + 1, actor=admin)
