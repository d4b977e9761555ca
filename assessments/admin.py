"""Questionnaire editions in the admin: viewable and editable as data, frozen once used.

An edition version that any assessment has used is read-only here, with its whole tree
(dimensions, indicators, questions, options, scenes, level rule): the scores already given
depend on it. To change it, staff press "create a new version to edit" (a deep copy with the
next version number; the default flag moves to it) and edit the copy.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from assessments.editions import edition_in_use, edition_new_version
from assessments.models import (
    Assessment,
    Dimension,
    Edition,
    Indicator,
    LevelRule,
    Option,
    Question,
    Scene,
)
from assessments.rules import edition_problems
from assessments.templates import template_spec

FROZEN_HELP = _(
    "已被评测使用的版本只读（含维度、指标、题目、选项、场景和评级规则），因为已有评测的分数依赖它。"
    "如需修改，请点击“创建新版本以编辑”：新版本复制全部内容，版本号加一，默认标记随之转移；"
    "旧评测仍使用原版本。评级规则来自第三方实现，可按需调整。 / "
    "A version that assessments have used is read-only here, with its dimensions, indicators, "
    "questions, options, scenes and level rule, because the scores already given depend on it. "
    "To change it, press “create a new version to edit”: the new version copies everything "
    "with the next version number and takes over the default flag; old assessments keep the "
    "version they used. The level rule comes from a third-party implementation and can be "
    "adjusted."
)
NEW_VERSION_LABEL = _("创建新版本以编辑 / Create a new version to edit")


def _edition_of(obj) -> Edition | None:
    if obj is None:
        return None
    if isinstance(obj, Edition):
        return obj
    if isinstance(obj, Indicator):
        return obj.dimension.edition
    return obj.edition  # Dimension, Question, Scene, LevelRule


def _frozen(obj) -> bool:
    edition = _edition_of(obj)
    if edition is None or edition.pk is None:
        return False
    annotated = getattr(edition, "_in_use", None)  # EditionAdmin's queryset carries it
    return annotated if annotated is not None else edition_in_use(edition)


class FrozenWhenUsedMixin:
    """No change, add or delete once the edition of `obj` (the parent, in an inline) is used."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _frozen(obj)

    def has_add_permission(self, request, obj=None):
        if isinstance(self, admin.options.InlineModelAdmin):
            return super().has_add_permission(request, obj) and not _frozen(obj)
        return super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _frozen(obj)


def _editable_editions():
    return Edition.objects.exclude(Exists(Assessment.objects.filter(edition=OuterRef("pk"))))


# -- edition -----------------------------------------------------------------------------------


class DimensionInline(FrozenWhenUsedMixin, admin.TabularInline):
    model = Dimension
    extra = 0
    fields = ["order", "code", "name", "scored", "points", "indicators_link"]
    readonly_fields = ["indicators_link"]

    @admin.display(description=_("指标 / Indicators"))
    def indicators_link(self, obj):
        if obj.pk is None:
            return "–"
        url = reverse("admin:assessments_indicator_changelist")
        return format_html('<a href="{}?dimension__id__exact={}">{}</a>', url, obj.pk, _("指标"))


class SceneInline(FrozenWhenUsedMixin, admin.TabularInline):
    model = Scene
    extra = 0
    fields = ["order", "code", "name", "group", "constraint"]


class LevelRuleInline(FrozenWhenUsedMixin, admin.TabularInline):
    model = LevelRule
    extra = 0
    fields = ["level", "min_score", "min_scenes", "min_constraint_scenes"]


@admin.register(Edition)
class EditionAdmin(FrozenWhenUsedMixin, SimpleHistoryAdmin):
    list_display = [
        "name",
        "code",
        "version",
        "industry",
        "level_rule_kind",
        "effective_from",
        "effective_to",
        "is_default",
        "question_count",
        "in_use",
    ]
    list_filter = ["code", "is_default", "level_rule_kind", "industry"]
    search_fields = ["name", "code"]
    ordering = ["-code", "-version"]
    inlines = [DimensionInline, SceneInline, LevelRuleInline]
    readonly_fields = ["version", "supersedes", "versioning", "problems"]
    actions = ["new_version"]
    fieldsets = [
        (_("版本 / Version"), {"fields": ["versioning", "problems"], "description": FROZEN_HELP}),
        (
            None,
            {
                "fields": [
                    "code",
                    "version",
                    "name",
                    "industry",
                    ("effective_from", "effective_to"),
                    "level_rule_kind",
                    "is_default",
                    "note",
                    "supersedes",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        # One query for the list, however many versions there are.
        return (
            super()
            .get_queryset(request)
            .annotate(
                _in_use=Exists(Assessment.objects.filter(edition=OuterRef("pk"))),
                _questions=Count("questions", distinct=True),
            )
        )

    @admin.display(description=_("题目数 / Questions"), ordering="_questions")
    def question_count(self, obj):
        return obj._questions

    @admin.display(description=_("已使用 / In use"), boolean=True, ordering="_in_use")
    def in_use(self, obj):
        return obj._in_use

    @admin.display(description=_("修改 / Changes"))
    def versioning(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        if not edition_in_use(obj):
            return _("尚未被评测使用，可直接修改 / Not used by any assessment yet: edit it here")
        return format_html(
            '{} <input type="submit" name="_new_version" value="{}">',
            _("已被评测使用，只读 / Used by assessments: read-only"),
            NEW_VERSION_LABEL,
        )

    @admin.display(description=_("能否用于评测 / Usable"))
    def problems(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        found = edition_problems(template_spec(obj))
        if not found:
            return _("可以用于评测 / Ready for assessments")
        items = format_html_join("", "<li>{}</li>", ((problem,) for problem in found))
        return format_html("<ul>{}</ul>", items)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST" and "_new_version" in request.POST:
            edition = self.get_object(request, object_id)
            if edition is None:
                return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
            return self._new_version_of(request, edition)
        if request.method == "GET":
            edition = self.get_object(request, object_id)
            if edition is not None and edition_in_use(edition):
                messages.info(
                    request,
                    _(
                        "此版本已被评测使用，只读；如需修改请创建新版本。 / This version is used "
                        "by assessments and read-only; create a new version to change it."
                    ),
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def _new_version_of(self, request, edition):
        if not self.has_add_permission(request):
            raise PermissionDenied
        new = edition_new_version(edition, actor=request.user)
        messages.success(
            request,
            format_html(
                "已创建 {} 第 {} 版，请在此修改；原版本及其评测保持不变。 / "
                "Created version {} of {}: edit it here; the old version and its assessments "
                "stay as they are.",
                new.name,
                new.version,
                new.version,
                new.name,
            ),
        )
        return HttpResponseRedirect(reverse("admin:assessments_edition_change", args=[new.pk]))

    @admin.action(description=NEW_VERSION_LABEL, permissions=["add"])
    def new_version(self, request, queryset):
        for edition in queryset:
            new = edition_new_version(edition, actor=request.user)
            self.message_user(
                request,
                _("已创建 %(name)s 第 %(version)s 版 / Created version %(version)s of %(name)s")
                % {"name": new.name, "version": new.version},
                messages.SUCCESS,
            )


# -- indicators and questions ------------------------------------------------------------------


class QuestionForm(forms.ModelForm):
    """The edition comes from the indicator, so the (edition, code) check is made here."""

    class Meta:
        model = Question
        fields = ["indicator", "code", "text", "kind", "points", "order"]

    def clean(self):
        cleaned = super().clean()
        indicator, code = cleaned.get("indicator"), cleaned.get("code")
        if indicator is not None and code:
            clash = Question.objects.filter(
                edition_id=indicator.dimension.edition_id, code=code
            ).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error(
                    "code", _("本版本已有此题目代码 / this edition already has a question %(code)s")
                    % {"code": code},
                )  # fmt: skip
        return cleaned


class QuestionInline(FrozenWhenUsedMixin, admin.TabularInline):
    model = Question
    form = QuestionForm
    extra = 0
    fields = ["order", "code", "text", "kind", "points"]
    show_change_link = True  # options are edited on the question's page


@admin.register(Indicator)
class IndicatorAdmin(FrozenWhenUsedMixin, admin.ModelAdmin):
    list_display = ["code", "name", "dimension", "edition", "points", "order"]
    list_filter = ["dimension__edition", "dimension__code"]
    list_select_related = ["dimension__edition"]
    search_fields = ["code", "name"]
    ordering = ["dimension__edition", "dimension__order", "order", "pk"]
    inlines = [QuestionInline]

    @admin.display(description=_("版本 / Edition"), ordering="dimension__edition")
    def edition(self, obj):
        return obj.dimension.edition

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "dimension":
            # Only dimensions of editions nobody has used yet; label them with their edition.
            kwargs["queryset"] = Dimension.objects.filter(
                edition__in=_editable_editions()
            ).select_related("edition")
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = lambda d: f"{d.edition} · {d.name}"
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_formset(self, request, form, formset, change):
        # A question belongs to its indicator's edition; nobody picks it by hand.
        for question in formset.save(commit=False):
            question.edition_id = form.instance.dimension.edition_id
            question.save()
        for deleted in formset.deleted_objects:
            deleted.delete()
        formset.save_m2m()


class OptionInline(FrozenWhenUsedMixin, admin.TabularInline):
    model = Option
    extra = 0
    fields = ["order", "code", "text", "points", "exclusive"]


@admin.register(Question)
class QuestionAdmin(FrozenWhenUsedMixin, admin.ModelAdmin):
    list_display = ["code", "text", "kind", "points", "indicator", "edition"]
    list_filter = ["edition", "kind", "indicator__dimension__code"]
    list_select_related = ["edition", "indicator"]
    search_fields = ["code", "text"]
    ordering = ["edition", "indicator__dimension__order", "indicator__order", "order", "pk"]
    form = QuestionForm
    fields = ["indicator", "code", "text", "kind", "points", "order"]
    inlines = [OptionInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "indicator":
            kwargs["queryset"] = Indicator.objects.filter(
                dimension__edition__in=_editable_editions()
            ).select_related("dimension__edition")
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = lambda i: f"{i.dimension.edition} · {i.name}"
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        obj.edition_id = obj.indicator.dimension.edition_id
        super().save_model(request, obj, form, change)


# -- assessments (read-only: they change through the workflow only) ----------------------------


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    list_display = ["pk", "enterprise", "kind", "city", "edition", "status", "total_score", "level"]
    list_filter = ["city", "kind", "status", "level", "edition"]
    list_select_related = ["enterprise", "city", "edition"]
    search_fields = ["enterprise__name", "enterprise__uscc"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
