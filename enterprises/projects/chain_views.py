"""Pages of chain cases: the list, one case, registering one and editing it.

The form's supplier projects are not one list of the city's hundreds of projects: the form
offers the projects already chosen and up to `chains.SEARCH_LIMIT` that match a search (an
enterprise's name or credit code, a project's title). The search is a button of the same form,
so what was typed and ticked stays while one searches again; no script is needed.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise
from enterprises.projects import chains
from enterprises.projects.models import ChainCase
from pilot_portal.errors import PortalError
from pilot_portal.tenancy.views import CityPageMixin
from providers.models import Provider

TEMPLATE = "enterprises/projects/chain_form.html"


class ChainCaseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    leader_provider = forms.ModelChoiceField(
        label=_("Leader provider"), queryset=Provider.objects.none(), required=False
    )
    leader_enterprise = forms.ModelChoiceField(
        label=_("Leader enterprise"), queryset=Enterprise.objects.none(), required=False
    )
    projects = forms.TypedMultipleChoiceField(
        label=_("Supplier projects"), coerce=int, widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def __init__(self, *args, choices: dict | None, projects: list, **kwargs):
        """`choices`: the leaders offered (None: editing, the leader stays); `projects`: the
        projects offered (chosen and found)."""
        super().__init__(*args, **kwargs)
        if choices is None:
            del self.fields["leader_provider"], self.fields["leader_enterprise"]
        else:
            self.fields["leader_provider"].queryset = choices["providers"]
            self.fields["leader_enterprise"].queryset = choices["enterprises"]
        self.fields["projects"].choices = [
            (p.pk, f"{p.enterprise.name}（{p.enterprise.uscc}）· {p.title}") for p in projects
        ]

    def data_for_service(self) -> dict:
        data = self.cleaned_data
        values = {k: data[k] for k in ("title", "description", "projects")}
        if "leader_provider" in self.fields:
            values["leader_provider"] = data["leader_provider"] and data["leader_provider"].pk
            values["leader_enterprise"] = data["leader_enterprise"] and data["leader_enterprise"].pk
        return values


class ChainCaseListPage(CityPageMixin):
    action_required = "project.view"

    def get(self, request, city_code):
        cases = chains.chain_case_list(city=request.city, user=request.user)
        page = Paginator(cases, chains.PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "enterprises/projects/chain_list.html",
            {
                "page": page,
                "query": "",
                "can_create": chains.chain_can_create(request.user, request.city),
            },
        )


def _case_for(request, pk) -> ChainCase:
    try:
        return chains.chain_case_detail(city=request.city, user=request.user, pk=pk)
    except ChainCase.DoesNotExist:
        raise Http404("链式改造案例不存在 / no such chain case") from None


class ChainCaseDetailPage(CityPageMixin):
    action_required = "project.view"

    def get(self, request, city_code, pk):
        case = _case_for(request, pk)
        can_edit = chains.chain_can_edit(request.user, request.city, case)
        return render(
            request, "enterprises/projects/chain_detail.html", {"case": case, "can_edit": can_edit}
        )


class ChainFormPage(CityPageMixin):
    """Shared by registering and editing: the form with the projects offered, the search."""

    action_required = "project.view"

    def form(self, request, *, data=None, initial=None, chosen=(), q="", choices=None):
        chosen_projects, found, more = chains.chain_project_search(
            city=request.city, q=q, chosen=chosen
        )
        form = ChainCaseForm(
            data, initial=initial, choices=choices, projects=[*chosen_projects, *found]
        )
        form.search = {"q": q, "found": len(found), "more": more}
        return form

    def respond(self, request, form, *, case=None, status=200):
        return render(request, TEMPLATE, {"form": form, "case": case}, status=status)

    def typed(self, request) -> dict:
        """What was typed and ticked so far (the search button was pressed): the form's
        initial values, without errors for what is not filled in yet."""
        post = request.POST
        initial = {key: post.get(key) for key in post if key not in ("csrfmiddlewaretoken", "q")}
        initial["projects"] = [int(v) for v in post.getlist("projects") if v.isdigit()]
        return initial

    def submit(self, request, form, save, *, case=None):
        """Validate, call `save(data)`; redirect to the case, or show the refusal."""
        status = 400
        if form.is_valid():
            try:
                saved = save(form.data_for_service())
            except PortalError as error:
                field = error.field if error.field in form.fields else None
                form.add_error(field, error.message)
                status = error.status_code
            else:
                return redirect("chain-detail", city_code=request.city.code, pk=saved.pk)
        return self.respond(request, form, case=case, status=status)


class ChainCaseCreatePage(ChainFormPage):
    def _choices(self, request) -> dict:
        if not chains.chain_can_create(request.user, request.city):
            raise PermissionDenied(
                "只有市工信局或链主服务商可以登记链式改造案例 / only the city or a chain leader"
            )
        return chains.chain_form_choices(city=request.city, user=request.user)

    def get(self, request, city_code):
        choices = self._choices(request)
        return self.respond(request, self.form(request, q=request.GET.get("q", ""),
                                               choices=choices))  # fmt: skip

    def post(self, request, city_code):
        choices = self._choices(request)
        chosen = request.POST.getlist("projects")
        if "search" in request.POST:
            initial = self.typed(request)
            form = self.form(request, initial=initial, chosen=chosen,
                             q=request.POST.get("q", ""), choices=choices)  # fmt: skip
            return self.respond(request, form)
        form = self.form(request, data=request.POST, chosen=chosen, choices=choices)

        def save(data):
            case = chains.chain_case_create(city=request.city, actor=request.user, data=data)
            messages.success(request, _("The chain case is registered."))
            return case

        return self.submit(request, form, save)


class ChainCaseEditPage(ChainFormPage):
    """Its creator or the city administrator edits the title, description and projects."""

    def _case(self, request, pk) -> ChainCase:
        try:
            case = chains.chain_case_get(city=request.city, user=request.user, pk=pk)
        except ChainCase.DoesNotExist:
            raise Http404("链式改造案例不存在 / no such chain case") from None
        if not chains.chain_can_edit(request.user, request.city, case):
            raise PermissionDenied(
                "只有案例的登记人或市工信局可以修改 / only who registered the case or the city"
            )
        return case

    def get(self, request, city_code, pk):
        case = self._case(request, pk)
        chosen = list(case.projects.values_list("pk", flat=True))
        initial = {"title": case.title, "description": case.description, "projects": chosen}
        form = self.form(request, initial=initial, chosen=chosen, q=request.GET.get("q", ""))
        return self.respond(request, form, case=case)

    def post(self, request, city_code, pk):
        case = self._case(request, pk)
        chosen = request.POST.getlist("projects")
        if "search" in request.POST:
            form = self.form(request, initial=self.typed(request), chosen=chosen,
                             q=request.POST.get("q", ""))  # fmt: skip
            return self.respond(request, form, case=case)
        form = self.form(request, data=request.POST, chosen=chosen)

        def save(data):
            saved = chains.chain_case_update(case=case, actor=request.user, data=data)
            messages.success(request, _("The chain case is saved."))
            return saved

        return self.submit(request, form, save, case=case)
