"""The import page: upload the list, then follow the job; and the template download."""

from io import BytesIO

from django import forms
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from enterprises.importing import rules, services
from enterprises.importing.workbook import XLSX
from pilot_portal.errors import PortalError
from pilot_portal.tenancy.views import CityPageMixin


def template_response(city) -> FileResponse:
    """The template as a download (the page and the API serve the same file)."""
    response = FileResponse(
        BytesIO(services.enterprise_import_template(city=city)),
        as_attachment=True,
        filename=f"{city.code}-企业名单导入模板.xlsx",
        content_type=XLSX,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Enterprise list (xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    import_valid_rows = forms.BooleanField(
        label=_("Import the valid rows even if some rows are refused"),
        required=False,
        widget=forms.CheckboxInput(attrs={"style": "width: auto"}),
    )


class EnterpriseImportPage(CityPageMixin):
    action_required = "enterprise.import"

    def get(self, request, city_code):
        return self._render(request, ImportForm())

    def post(self, request, city_code):
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = services.enterprise_import_start(
                    city=request.city,
                    upload=form.cleaned_data["file"],
                    import_valid_rows=form.cleaned_data["import_valid_rows"],
                    actor=request.user,
                )
            except PortalError as error:
                form.add_error("file" if error.field == "file" else None, error.message)
            else:
                return redirect("job-detail", city_code=city_code, pk=job.pk)
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        context = {"form": form, "columns": rules.COLUMNS}
        return render(request, "enterprises/importing/import.html", context, status=status)


class EnterpriseImportTemplatePage(CityPageMixin):
    action_required = "enterprise.import"

    def get(self, request, city_code):
        return template_response(request.city)
