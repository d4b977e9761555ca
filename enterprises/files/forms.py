"""The upload form: it checks shapes; the service holds the rules (who, which application)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from enterprises.models import DocumentKind
from pilot_portal.documents.services import EVIDENCE

# Where a successful upload returns to: the enterprise's page or the documents page.
RETURN_TO = ("detail", "documents")


class DocumentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EVIDENCE)}),
    )
    kind = forms.ChoiceField(label=_("Kind of document"))
    application = forms.ChoiceField(label=_("For the application"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)
    return_to = forms.ChoiceField(
        choices=[(v, v) for v in RETURN_TO], required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, applications=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "—"), *DocumentKind.choices]
        self.fields["application"].choices = [
            ("", _("None (the enterprise as a whole)")),
            *((str(a.pk), f"{a.batch.name} · {a.get_status_display()}") for a in applications),
        ]
        limit = settings.MAX_UPLOAD_SIZE / 1024 / 1024
        self.fields["file"].help_text = _(
            "PDF, JPG, PNG, Word (docx) or Excel (xlsx), at most %(size)s MB."
        ) % {"size": f"{limit:g}"}
