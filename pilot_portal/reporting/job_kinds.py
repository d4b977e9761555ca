"""Reporting job kinds: the city data export (xlsx) and the city fact sheet (PDF).

They prove the job path end to end, from the page's button to a file behind the policy.
"""

import re
from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from pilot_portal.documents.pdf import render_pdf
from pilot_portal.jobs.registry import JobOutput, job_kind
from pilot_portal.reporting import selectors
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
