"""Forms of the import, export and merge pages: input parsing only."""

from django import forms
from django.utils.translation import gettext_lazy as _

from importing.reader import ENCODING_CHOICES


class ImportChoicesForm(forms.Form):
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        choices=ENCODING_CHOICES,
        initial="auto",
        help_text=_("If the names in the preview look garbled, choose another encoding."),
    )
    update_existing = forms.BooleanField(
        label=_("Update members already registered (matched by phone)"),
        required=False,
        help_text=_("Otherwise their rows are skipped. Empty cells never erase what is known."),
    )
    minguo_dates = forms.BooleanField(
        label=_("Dates use Minguo years (79/01/02 is 1990-01-02)"), required=False
    )


class ImportUploadForm(ImportChoicesForm):
    file = forms.FileField(
        label=_("Customer file (CSV or Excel .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )

    field_order = ["file", "encoding", "update_existing", "minguo_dates"]


class ImportConfirmForm(forms.Form):
    valid_rows_only = forms.BooleanField(
        label=_("Import only the valid rows and leave the wrong ones out"), required=False
    )


class MergeForm(forms.Form):
    other = forms.CharField(
        label=_("Member to merge into this one"),
        help_text=_("Member number or full phone of the duplicate record."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_other(self):
        from members.selectors import single_member

        text = self.cleaned_data["other"].strip()
        member = single_member(text)
        if member is None:
            raise forms.ValidationError(
                _("No single member matches “%(text)s”: enter their member number or full phone.")
                % {"text": text}
            )
        return member
