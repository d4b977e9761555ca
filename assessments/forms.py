"""Page forms for assessments: they validate shapes; `services` and `rules` hold the rules and
their refusals are shown next to the field (or the question) they name.

The questionnaire itself is not a Django form: its fields come from the edition's data, so
`questionnaire_data` reads them from the POST (`q.<question code>`, `s.<scene code>`) into the
answers and scene levels the services take, keeping unknown codes so validation names them.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import AssessmentKind, AssessmentStatus

QUESTION_PREFIX = "q."
SCENE_PREFIX = "s."
EVIDENCE_PREFIX = "evidence."
# "No level" in the level filter (the level is null).
NO_LEVEL = "none"


class AssessmentFilterForm(forms.Form):
    q = forms.CharField(label=_("Enterprise"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)
    assessor = forms.TypedChoiceField(label=_("Assessor"), required=False, coerce=int)

    def __init__(self, *args, assessors=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["kind"].choices = everything + list(AssessmentKind.choices)
        self.fields["status"].choices = everything + list(AssessmentStatus.choices)
        self.fields["level"].choices = [
            *everything,
            *[(str(n), _("Level %(n)d") % {"n": n}) for n in range(1, 5)],
            (NO_LEVEL, _("No level")),
        ]
        if assessors:
            self.fields["assessor"].choices = everything + [
                (u.pk, u.get_full_name() or u.username) for u in assessors
            ]
        else:  # only those who see several assessors filter by one
            del self.fields["assessor"]

    def filters(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v} if self.is_valid() else {}


class AssessmentCreateForm(forms.Form):
    """A new assessment. The choices are what this user may pick; the service decides."""

    enterprise = forms.TypedChoiceField(label=_("Enterprise"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"))
    project = forms.TypedChoiceField(
        label=_("Project accepted (acceptance)"), required=False, coerce=int, empty_value=None
    )
    assessor = forms.TypedChoiceField(
        label=_("Assessor"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, enterprises, kinds, projects=(), assessors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].choices = [("", "—"), *enterprises]  # (pk, name) pairs
        self.fields["kind"].choices = [(k, AssessmentKind(k).label) for k in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]
        if projects:
            self.fields["project"].choices = [("", "—")] + [
                (p.pk, f"{p.title} · {p.enterprise.name}") for p in projects
            ]
        else:
            del self.fields["project"]
        if assessors is not None:  # the city administrator assigns (or leaves it for later)
            self.fields["assessor"].choices = [("", _("Assign later"))] + [
                (u.pk, u.get_full_name() or u.username) for u in assessors
            ]
        else:
            del self.fields["assessor"]


class ActionForm(forms.Form):
    action = forms.CharField(max_length=24)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(
        attrs={"rows": 2}))  # fmt: skip


class AssignForm(forms.Form):
    assessor = forms.TypedChoiceField(label=_("Assessor"), coerce=int)

    def __init__(self, *args, assessors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessor"].choices = [("", "—")] + [
            (u.pk, u.get_full_name() or u.username) for u in assessors
        ]


class ReviseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the correction"), widget=forms.Textarea(
        attrs={"rows": 2}))  # fmt: skip


def questionnaire_data(data, questions: dict) -> tuple[dict, dict]:
    """(answers, scenes) from a questionnaire POST; `questions` is the edition's, by code.

    A multiple-choice question with nothing ticked, a single one with nothing chosen and a scene
    left at "—" are unanswered (a draft may leave them so). Anything else is passed on as given
    (an unknown code, two values for a single choice, a scene level "7") for `rules.validate`
    to name.
    """
    answers, scenes = {}, {}
    for key in data:
        if key.startswith(QUESTION_PREFIX):
            code = key.removeprefix(QUESTION_PREFIX)
            values = [v for v in data.getlist(key) if v != ""]
            if not values:
                continue
            question = questions.get(code)
            multiple = question is not None and question.kind == "multiple"
            answers[code] = values if multiple or len(values) > 1 else values[0]
        elif key.startswith(SCENE_PREFIX):
            code = key.removeprefix(SCENE_PREFIX)
            value = (data.get(key) or "").strip()
            if value:
                scenes[code] = int(value) if value.isdigit() else value
    return answers, scenes


def evidence_uploads(files) -> list[tuple[str, object]]:
    """(indicator code, upload) for each evidence file sent with the questionnaire."""
    return [
        (key.removeprefix(EVIDENCE_PREFIX), upload)
        for key in files
        if key.startswith(EVIDENCE_PREFIX)
        for upload in files.getlist(key)
    ]
