"""Forms of the import pages: input parsing only."""

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
