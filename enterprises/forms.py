"""Page forms: they validate shapes; the services hold the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.models import SRDI, ApplicationStatus, Size


class EnterpriseFilterForm(forms.Form):
    search = forms.CharField(label=_("Name or credit code"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    size = forms.ChoiceField(label=_("Size"), required=False)
    srdi = forms.ChoiceField(label=_("SRDI"), required=False)

    def __init__(self, *args, city, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["district"].choices = everything + [
            (d.code, d.name) for d in city.districts.all()
        ]
        self.fields["sector"].choices = everything + [(s.code, s.name) for s in city.sectors.all()]
        self.fields["size"].choices = everything + list(Size.choices)
        self.fields["srdi"].choices = everything + list(SRDI.choices)

    def filters(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v} if self.is_valid() else {}


class ApplicationFilterForm(EnterpriseFilterForm):
    status = forms.ChoiceField(label=_("Status"), required=False)
    batch = forms.ChoiceField(label=_("Batch"), required=False)

    def __init__(self, *args, city, **kwargs):
        super().__init__(*args, city=city, **kwargs)
        everything = [("", _("All"))]
        self.fields["status"].choices = everything + list(ApplicationStatus.choices)
        self.fields["batch"].choices = everything + [
            (str(b.pk), b.name) for b in city.batches.all()
        ]


class EnterpriseForm(forms.Form):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=200)
    district = forms.ChoiceField(label=_("District"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    size = forms.ChoiceField(label=_("Size"), choices=Size.choices)
    srdi = forms.ChoiceField(label=_("SRDI"), choices=SRDI.choices)
    legal_representative = forms.CharField(label=_("Legal representative"), required=False)
    contact_name = forms.CharField(label=_("Contact person"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    address = forms.CharField(label=_("Address"), required=False)
    employees = forms.IntegerField(label=_("Employees"), required=False, min_value=0)
    description = forms.CharField(label=_("Main business"), required=False, widget=forms.Textarea)
    central_fund_little_giant = forms.BooleanField(
        label=_("Little giant funded by the central SME fund"), required=False
    )
    in_2022_pilot = forms.BooleanField(label=_("In the 2022 transformation pilot"), required=False)
    blacklisted_until = forms.DateField(
        label=_("Blacklisted until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    blacklist_reason = forms.CharField(label=_("Blacklist reason"), required=False)

    CITY_ONLY = ("district", "sector", "central_fund_little_giant", "in_2022_pilot",
                 "blacklisted_until", "blacklist_reason")  # fmt: skip

    def __init__(self, *args, city, editing=False, city_admin=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", "—")] + [
            (d.code, d.name) for d in city.districts.all()
        ]
        self.fields["sector"].choices = [("", "—")] + [(s.code, s.name) for s in city.sectors.all()]
        if editing:
            del self.fields["uscc"]  # the code identifies the enterprise: never edited
        if not city_admin:
            for name in self.CITY_ONLY:
                del self.fields[name]


class ApplyForm(forms.Form):
    batch = forms.ChoiceField(label=_("Batch"))
    declares_not_central_little_giant = forms.BooleanField(
        label=_(
            "We declare that the enterprise is not a little giant already funded by the "
            "central SME development fund."
        ),
        required=False,
    )
    declares_not_in_2022_pilot = forms.BooleanField(
        label=_("We declare that the enterprise was not in the 2022 transformation pilot."),
        required=False,
    )

    def __init__(self, *args, batches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch"].choices = [
            (str(b.pk), f"{b.name}（{b.opens:%Y-%m-%d} – {b.closes:%Y-%m-%d}）") for b in batches
        ]


class ActionForm(forms.Form):
    action = forms.CharField()
    # Shown with the submit button: a returned application may correct its declarations.
    declares_not_central_little_giant = forms.BooleanField(
        label=ApplyForm.base_fields["declares_not_central_little_giant"].label, required=False
    )
    declares_not_in_2022_pilot = forms.BooleanField(
        label=ApplyForm.base_fields["declares_not_in_2022_pilot"].label, required=False
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea)
    override_reason = forms.CharField(label=_("Reason to approve despite the exclusion"),
                                      required=False)  # fmt: skip
