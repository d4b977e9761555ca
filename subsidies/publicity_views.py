"""Pages under /c/<city>/subsidies/: publicity (公示) — the list, publishing one, one
publicity with its objections — and the subsidy documents: the approval notices and
disbursement lists (PDF jobs) and the claims export (xlsx, downloaded at once).

The pages validate shapes; the rules are `subsidies.publicity` and `subsidies.documents`, whose
refusals are shown next to the field they name, with the status they carry (400/403/409).
"""

from datetime import timedelta
from io import BytesIO

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise
from pilot_portal.errors import NotAllowed, PortalError
from pilot_portal.tenancy.views import CityPageMixin
from subsidies import documents, export, publicity, publicity_selectors
from subsidies.models import ObjectionStatus, Publicity
from subsidies.publicity_selectors import VIEW_ACTION, line_name, rule_line_names

PAGE_SIZE = 50
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _show(form, error: PortalError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def publicity_state(item_or_publicity, today=None) -> str:
    """upcoming | running | closed, by the publicity's dates."""
    today = today or timezone.localdate()
    if item_or_publicity.starts_on > today:
        return "upcoming"
    return "running" if item_or_publicity.ends_on >= today else "closed"


STATE_LABELS = {
    "upcoming": _("Not started"),
    "running": _("Under publicity"),
    "closed": _("Closed"),
}
# Existing badge colours of the portal's stylesheet: orange, green, red.
STATE_BADGES = {"upcoming": "", "running": "running", "closed": "succeeded"}
OBJECTION_BADGES = {"open": "running", "upheld": "failed", "dismissed": "succeeded"}


# -- forms -----------------------------------------------------------------------------------


class PublicityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_on = forms.DateField(label=_("Public from"), widget=DATE)
    ends_on = forms.DateField(label=_("Public until"), widget=DATE)
    contact = forms.CharField(
        label=_("Where to object"),
        max_length=200,
        help_text=_("The office, address, telephone or e-mail that receives objections."),
    )
    claims = forms.TypedMultipleChoiceField(
        label=_("Approved claims to publish"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, claims, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claims"].choices = [(c.pk, str(c.pk)) for c in claims]


class ObjectionForm(forms.Form):
    claim = forms.TypedChoiceField(label=_("Against the claim"), coerce=int)
    raised_by = forms.CharField(label=_("Raised by"), max_length=200)
    content = forms.CharField(label=_("Objection"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claim"].choices = [("", "—")] + [
            (i.claim_id, f"#{i.claim_id} {i.recipient_name}（{i.amount}）") for i in items
        ]


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (ObjectionStatus.DISMISSED, _("Dismissed: the claim stands")),
            (ObjectionStatus.UPHELD, _("Upheld: the claim is not paid as published")),
        ],
    )
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 2}))


# -- publicity -------------------------------------------------------------------------------


class PublicityListPage(CityPageMixin):
    """The city's publicities: period, state, number of claims, total, open objections."""

    action_required = VIEW_ACTION

    def get(self, request, city_code):
        rows = publicity_selectors.publicity_list(city=request.city)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        today = timezone.localdate()
        for p in page:
            p.state = publicity_state(p, today)
            p.state_label = STATE_LABELS[p.state]
            p.badge = STATE_BADGES[p.state]
        return render(
            request,
            "subsidies/publicity_list.html",
            {
                "page": page,
                "query": "",
                "may_publish": publicity_selectors.may_publish(request.user, request.city),
                "may_document": documents.may_generate(request.user, request.city),
            },
        )


def _chosen(form) -> set[int]:
    return {int(v) for v in form["claims"].value() or [] if str(v).isdigit()}


class PublicityCreatePage(CityPageMixin):
    """Choose approved claims not on an open publicity; title, period and where to object."""

    action_required = publicity_selectors.PUBLISH_ACTION

    def _render(self, request, form, claims, status=200):
        names = rule_line_names(request.city)
        rows = [(c, line_name(names, c.kind)) for c in claims]
        return render(
            request,
            "subsidies/publicity_form.html",
            {"form": form, "rows": rows, "chosen": _chosen(form)},
            status=status,
        )

    def get(self, request, city_code):
        claims = list(publicity_selectors.publishable_claims(city=request.city))
        today = timezone.localdate()
        form = PublicityForm(
            claims=claims,
            initial={
                "starts_on": today,
                "ends_on": today + timedelta(days=7),
                "claims": [],
            },
        )
        return self._render(request, form, claims)

    def post(self, request, city_code):
        claims = list(publicity_selectors.publishable_claims(city=request.city))
        form = PublicityForm(request.POST, claims=claims)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = publicity.publicity_create(
                    actor=request.user, city=request.city, title=data["title"],
                    starts_on=data["starts_on"], ends_on=data["ends_on"],
                    contact=data["contact"], claims=data["claims"],
                )  # fmt: skip
            except NotAllowed as error:
                raise PermissionDenied(error.message) from None
            except PortalError as error:
                _show(form, error)
                status = error.status_code
            else:
                messages.success(request, gettext("The publicity is published."))
                return redirect("subsidy-publicity-detail", city_code=city_code, pk=created.pk)
        return self._render(request, form, claims, status=status)


class PublicityDetailPage(CityPageMixin):
    """One publicity: its claims, each with its objections (timeline) and state; for the city
    admin the forms to record an objection and to resolve one."""

    action_required = VIEW_ACTION

    def get(self, request, city_code, pk):
        return self.respond(request, pk)

    def respond(self, request, pk, *, objection_form=None, resolve=None, status=200):
        item = publicity_selectors.publicity_detail(city=request.city, pk=pk)
        items = list(item.items.all())
        names = rule_line_names(request.city)
        today = timezone.localdate()
        state = publicity_state(item, today)
        may_publish = publicity_selectors.may_publish(request.user, request.city)
        rows = []
        for entry in items:
            objections = list(entry.objections.all())
            for objection in objections:
                objection.badge = OBJECTION_BADGES.get(objection.status, "")
                if resolve is not None and resolve[0] == objection.pk:
                    objection.form = resolve[1]
                elif may_publish and objection.status == ObjectionStatus.OPEN:
                    objection.form = ResolveForm(prefix=f"o{objection.pk}")
            rows.append(
                {
                    "item": entry,
                    "line": line_name(names, entry.claim.kind),
                    "objections": objections,
                    "verdict": _verdict(state, objections),
                }
            )
        if objection_form is None and may_publish and state != "upcoming":
            objection_form = ObjectionForm(items=items)
        return render(
            request,
            "subsidies/publicity_detail.html",
            {
                "publicity": item,
                "rows": rows,
                "state": state,
                "state_label": STATE_LABELS[state],
                "badge": STATE_BADGES[state],
                "total": sum((i.amount for i in items), start=0),
                "may_publish": may_publish,
                "may_document": documents.may_generate(request.user, request.city),
                "objection_form": objection_form if may_publish else None,
            },
            status=status,
        )


def _verdict(state: str, objections: list) -> tuple[str, str]:
    """What the publicity says about paying one listed claim: (badge, label)."""
    statuses = {o.status for o in objections}
    if ObjectionStatus.OPEN in statuses:
        return "running", gettext("Open objection: not payable")
    if ObjectionStatus.UPHELD in statuses:
        return "failed", gettext("Objection upheld: not payable as published")
    if state == "closed":
        return "succeeded", gettext("Closed without objection")
    return "", gettext("Payable after the publicity closes")


class ObjectionCreatePage(PublicityDetailPage):
    """POST: record an objection against a claim of this publicity."""

    action_required = publicity_selectors.PUBLISH_ACTION

    def get(self, request, city_code, pk):
        return redirect("subsidy-publicity-detail", city_code=city_code, pk=pk)

    def post(self, request, city_code, pk):
        target = publicity_selectors.publicity_detail(city=request.city, pk=pk)
        form = ObjectionForm(request.POST, items=list(target.items.all()))
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                publicity.objection_record(
                    actor=request.user, publicity=target, claim=data["claim"],
                    raised_by=data["raised_by"], content=data["content"],
                )  # fmt: skip
            except NotAllowed as error:
                raise PermissionDenied(error.message) from None
            except PortalError as error:
                _show(form, error)
                status = error.status_code
            else:
                messages.success(request, gettext("The objection is recorded."))
                return redirect("subsidy-publicity-detail", city_code=city_code, pk=pk)
        return self.respond(request, pk, objection_form=form, status=status)


class ObjectionResolvePage(PublicityDetailPage):
    """POST: resolve an open objection (upheld or dismissed, with the resolution)."""

    action_required = publicity_selectors.PUBLISH_ACTION

    def get(self, request, city_code, pk):
        objection = publicity_selectors.objection_for(city=request.city, pk=pk)
        return redirect(
            "subsidy-publicity-detail", city_code=city_code, pk=objection.item.publicity_id
        )

    def post(self, request, city_code, pk):
        objection = publicity_selectors.objection_for(city=request.city, pk=pk)
        form = ResolveForm(request.POST, prefix=f"o{objection.pk}")
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                publicity.objection_resolve(
                    actor=request.user, objection=objection, outcome=data["outcome"],
                    resolution=data["resolution"],
                )  # fmt: skip
            except NotAllowed as error:
                raise PermissionDenied(error.message) from None
            except PortalError as error:
                _show(form, error)
                status = error.status_code
            else:
                messages.success(request, gettext("The objection is resolved."))
                return redirect(
                    "subsidy-publicity-detail",
                    city_code=city_code,
                    pk=objection.item.publicity_id,
                )
        return self.respond(
            request, objection.item.publicity_id, resolve=(objection.pk, form), status=status
        )


# -- documents (PDF jobs) and the export (xlsx) ----------------------------------------------


class DocumentsPage(CityPageMixin):
    """GET: the approval notice of an enterprise with approved claims, the disbursement list of
    a publicity or of every claim still to pay; POST starts the job and follows it."""

    action_required = documents.ACTION

    def get(self, request, city_code):
        return self._render(request)

    def post(self, request, city_code):
        kind = request.POST.get("document", "")
        try:
            if kind == "notice":
                claim = request.POST.get("claim") or None
                enterprise = None if claim else request.POST.get("enterprise", "")
                job = documents.notice_start(
                    actor=request.user, city=request.city, enterprise=enterprise, claim=claim
                )
            elif kind == "list":
                job = documents.list_start(
                    actor=request.user,
                    city=request.city,
                    publicity=request.POST.get("publicity") or None,
                )
            else:
                messages.error(
                    request, gettext("Choose an approval notice or a disbursement list.")
                )
                return self._render(request, status=400)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except PortalError as error:
            messages.error(request, error.message)
            return self._render(request, status=error.status_code)
        return redirect("job-detail", city_code=city_code, pk=job.pk)

    def _render(self, request, status=200):
        city = request.city
        approved = documents.visible_claims(request.user, city).filter(
            status__in=documents.APPROVED, enterprise__isnull=False
        )
        enterprises = (
            Enterprise.objects.for_city(city)
            .filter(pk__in=approved.values("enterprise_id"))
            .annotate(
                approved_claims=Count(
                    "subsidy_claims", filter=Q(subsidy_claims__status__in=documents.APPROVED)
                )
            )
            .order_by("name", "pk")
            .only("pk", "name", "uscc")
        )
        publicities = Publicity.objects.for_city(city).order_by("-starts_on", "-pk")
        return render(
            request,
            "subsidies/publicity_documents.html",
            {
                "enterprises": enterprises,
                "publicities": publicities,
                "can_export": export.may_export(request.user, city),
            },
            status=status,
        )


class ClaimsExportDownload(CityPageMixin):
    """GET the claims as xlsx, with the claims list's filters (`kind`, `status`, `enterprise`,
    `project`, `provider`, `q`): exactly what the list shows, with each claim's explanation."""

    action_required = export.ACTION

    def get(self, request, city_code):
        claims = export.claims_filtered(request.user, request.city, request.GET)
        content, _rows = export.claims_workbook(city=request.city, claims=claims)
        response = FileResponse(
            BytesIO(content),
            as_attachment=True,
            filename=export.export_file_name(request.city, request.GET),
            content_type=export.XLSX,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
