"""Pages of the enterprise file under /c/<city>/enterprises/<pk>/files/: the documents (list
and upload), one document's download, and the whole file as a zip (a job)."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from enterprises.files import selectors, services
from enterprises.files.forms import DocumentUploadForm
from enterprises.models import Enterprise
from enterprises.selectors import get_enterprise_for
from pilot_portal.documents.views import document_response
from pilot_portal.errors import NotAllowed, PortalError
from pilot_portal.tenancy.views import CityPageMixin


@dataclass
class EnterpriseFileCard:
    """What the documents card shows, on the enterprise's page and on the documents page."""

    enterprise: Enterprise
    documents: list
    form: DocumentUploadForm | None  # only for those who may upload
    can_bundle: bool

    @property
    def can_upload(self) -> bool:
        return self.form is not None


def enterprise_file_card(
    request, enterprise: Enterprise, *, form=None, return_to: str = "detail"
) -> EnterpriseFileCard:
    """The card's documents and forms for this user (two queries: documents, applications)."""
    if form is None and services.may_upload(request.user, enterprise):
        form = _upload_form(enterprise, initial={"return_to": return_to})
    return EnterpriseFileCard(
        enterprise=enterprise,
        documents=list(selectors.enterprise_document_list(enterprise=enterprise)),
        form=form,
        can_bundle=services.may_bundle(request.user, enterprise),
    )


def _upload_form(enterprise, *args, **kwargs) -> DocumentUploadForm:
    applications = enterprise.applications.select_related("batch").order_by("-created_at")
    return DocumentUploadForm(*args, applications=applications, **kwargs)


def _enterprise(request, pk) -> Enterprise:
    """The enterprise in view (404 when not visible), its city the request's (no query)."""
    enterprise = get_enterprise_for(request.user, request.city, pk)
    enterprise.city = request.city  # the policy reads it; it is the city it was looked up in
    return enterprise


def _show(form, error: PortalError) -> None:
    """Put a service's refusal next to the field it names (or above the form)."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


class EnterpriseDocumentsPage(CityPageMixin):
    """GET: the enterprise's documents; POST: add one (enterprise staff and the city)."""

    action_required = "enterprise.view"

    def get(self, request, city_code, pk):
        enterprise = _enterprise(request, pk)
        card = enterprise_file_card(request, enterprise, return_to="documents")
        return self._render(request, card)

    def post(self, request, city_code, pk):
        enterprise = _enterprise(request, pk)
        if not services.may_upload(request.user, enterprise):
            raise PermissionDenied("您的角色不能为该企业上传文件 / your role may not add documents")
        form = _upload_form(enterprise, request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = services.enterprise_document_upload(
                    enterprise=enterprise, upload=data["file"], kind=data["kind"],
                    application_id=data["application"] or None, note=data["note"],
                    actor=request.user,
                )  # fmt: skip
            except NotAllowed as error:
                raise PermissionDenied(error.message) from None
            except PortalError as error:
                _show(form, error)
            else:
                messages.success(
                    request,
                    _("“%(name)s” was added to the enterprise file.") % {"name": entry.document},
                )
                if data["return_to"] == "detail":
                    detail = reverse("enterprise-detail", args=[city_code, pk])
                    return redirect(f"{detail}#documents")
                return redirect("enterprise-documents", city_code=city_code, pk=pk)
        card = enterprise_file_card(request, enterprise, form=form)
        return self._render(request, card, status=400)

    def _render(self, request, card, status=200):
        return render(
            request,
            "enterprises/files/documents.html",
            {"enterprise": card.enterprise, "card": card},
            status=status,
        )


class EnterpriseDocumentDownloadPage(CityPageMixin):
    """One document, for whoever may see the enterprise; 404 for any other id."""

    action_required = "enterprise.view"

    def get(self, request, city_code, pk, doc_id):
        entry = selectors.get_enterprise_document_for(request.user, request.city, pk, doc_id)
        return document_response(entry.document)


class EnterpriseFileBundlePage(CityPageMixin):
    """POST: start the job that bundles the whole file into one zip; then follow the job."""

    action_required = "job.start"

    def post(self, request, city_code, pk):
        enterprise = _enterprise(request, pk)
        try:
            job = services.enterprise_file_start(enterprise=enterprise, actor=request.user)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        return redirect("job-detail", city_code=city_code, pk=job.pk)
