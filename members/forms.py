from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config import inputs
from members.models import Member, Tag
from members.selectors import single_member
from members.services import clean_member_fields


class MemberForm(forms.Form):
    """Input parsing only: the rules live in members.services."""

    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    # "Name" alone is 任务名 (a task's name) in django-celery-beat's catalog, which wins.
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=200)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    birthday = inputs.DateField(
        label=_("Birthday"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Member.Gender.choices, required=False)
    referrer = forms.CharField(
        label=_("Referred by"),
        required=False,
        help_text=_("Member number or phone of the member who referred them."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    messages_opt_out = forms.BooleanField(label=_("No marketing messages"), required=False)

    def clean(self):
        # The service stops at the first wrong field; check them all here so
        # the cashier fixes the phone, email and birthday in one go.

        cleaned = super().clean()
        problems = []
        clean_member_fields(
            phone=self.data.get("phone", ""),
            name=self.data.get("name", ""),
            email=self.data.get("email", ""),
            birthday=cleaned.get("birthday"),
            gender=cleaned.get("gender", ""),
            errors=problems,
        )
        for problem in problems:
            if problem.field and problem.field not in self.errors:
                self.add_error(problem.field, problem.message)
        return cleaned

    def clean_referrer(self):
        text = self.cleaned_data["referrer"].strip()
        if not text:
            return None
        member = single_member(text)
        if member is None:
            raise forms.ValidationError(
                _("No single member matches “%(text)s”: enter their member number or full phone.")
                % {"text": text}
            )
        return member


class MemberStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Member.Status.choices)


class MergeForm(forms.Form):
    other = forms.CharField(
        label=_("Member to merge into this one"),
        help_text=_("Member number or full phone of the duplicate record."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_other(self):
        text = self.cleaned_data["other"].strip()
        member = single_member(text)
        if member is None:
            raise forms.ValidationError(
                _("No single member matches “%(text)s”: enter their member number or full phone.")
                % {"text": text}
            )
        return member


class TagForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=40)
    name_zh_hant = forms.CharField(
        label=_("Name in Traditional Chinese"), max_length=40, required=False
    )
    name_zh_hans = forms.CharField(
        label=_("Name in Simplified Chinese"), max_length=40, required=False
    )


class BoundedIds:
    """For a ModelMultipleChoiceField: ids past what the column holds are
    refused as unknown choices before the database is asked (SQLite cannot
    even bind them)."""

    def _check_values(self, value):
        for pk in value:
            text = inputs.ascii_digits(str(pk))
            if not text.isdigit() or int(text) > inputs.INT_MAX:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


class BoundedModelMultipleChoiceField(BoundedIds, forms.ModelMultipleChoiceField):
    pass


class MemberTagsForm(forms.Form):
    tags = BoundedModelMultipleChoiceField(
        label=_("Tags"),
        queryset=Tag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
