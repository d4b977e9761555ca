"""Reporting job kinds: the city data export (xlsx) and the city fact sheet (PDF).

They prove the job path end to end, from the page's button to a file behind the policy.
"""

import re
from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from enterprises.selectors import enterprise_list
from pilot_portal.documents.pdf import render_pdf
from pilot_portal.jobs.registry import JobOutput, job_kind
from pilot_portal.reporting import (
    report_job_kinds,  # noqa: F401  (performance_report, indicator_export)
    selectors,
)
from pilot_portal.tenancy.policy import CITY_STAFF

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@job_kind("city_export", label=_("City data export (xlsx)"), roles=CITY_STAFF)
def city_export(job, progress) -> JobOutput:
    """One workbook with the city's facts, districts, sectors, batches and enterprises."""
    sheets = selectors.city_export_sheets(city=job.city)
    workbook = Workbook()
    workbook.remove(workbook.active)
    counts = {}
    for index, (title, header, rows) in enumerate(sheets, start=1):
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        count = 0
        for row in rows:
            sheet.append(list(row))
            count += 1
        counts[title] = count
        progress(index * 90 // len(sheets))
    buffer = BytesIO()
    workbook.save(buffer)
    return JobOutput(
        result={"rows": counts},
        file=(f"{job.city.code}-export-{job.pk}.xlsx", buffer.getvalue(), XLSX),
    )


@job_kind("city_factsheet", label=_("City fact sheet (PDF)"), roles=CITY_STAFF)
def city_factsheet(job, progress) -> JobOutput:
    context = selectors.city_factsheet_context(city=job.city)
    progress(30)
    pdf = render_pdf(
        "documents/city_factsheet.html", {**context, "generated_at": timezone.localtime()}
    )
    return JobOutput(
        result={"pages": len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))},
        file=(f"{job.city.code}-factsheet-{job.pk}.pdf", pdf, "application/pdf"),
    )


ENTERPRISE_COLUMNS = [
    "统一社会信用代码", "企业名称", "所属区县", "细分行业", "规模", "专精特新", "数字化水平",
    "中央资金小巨人", "2022年试点", "失信限制至", "联系人", "联系电话",
]  # fmt: skip


@job_kind(
    "enterprise_export",
    label=_("Enterprise list export (xlsx)"),
    roles=CITY_STAFF,
    start_url_name="enterprise-list",  # exports what the list's filters show
)
def enterprise_export(job, progress) -> JobOutput:
    """The enterprise list exactly as its page filtered it, for the user who asked."""
    enterprises = enterprise_list(city=job.city, user=job.started_by, filters=job.params)
    total = enterprises.count()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("企业名单")
    sheet.append(ENTERPRISE_COLUMNS)
    for done, e in enumerate(enterprises.iterator(chunk_size=2000), start=1):
        sheet.append([
            e.uscc, e.name,
            e.district.name if e.district else "", e.sector.name if e.sector else "",
            e.get_size_display(), e.get_srdi_display(), e.current_level,
            "是" if e.central_fund_little_giant else "", "是" if e.in_2022_pilot else "",
            e.blacklisted_until, e.contact_name, e.contact_phone,
        ])  # fmt: skip
        if done % 2000 == 0:
            progress(done * 95 // max(total, 1))
    buffer = BytesIO()
    workbook.save(buffer)
    return JobOutput(
        result={"rows": total, "filters": job.params},
        file=(f"{job.city.code}-enterprises-{job.pk}.xlsx", buffer.getvalue(), XLSX),
    )
