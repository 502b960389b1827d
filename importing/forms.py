"""Forms of the import pages: input parsing only."""

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import region_choices
from config.models import ShopSettings
from config.shop import shop_settings
from importing.mapping import field_choices
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
    phone_region = forms.ChoiceField(
        label=_("Phones without a country code are from"),
        choices=region_choices,
        required=False,  # not sent: the shop settings' region
        help_text=_("A mainland file: choose CN. Numbers written with + are read as they are."),
    )
    date_order = forms.ChoiceField(
        label=_("Dates with the year last are written"),
        choices=ShopSettings.DateOrder.choices,
        required=False,  # not sent: the shop settings' order
        help_text=_(
            "Only for dates such as 02/03/1990. When the file's other dates show "
            "the order (31/12/1990), they decide."
        ),
    )

    def __init__(self, *args, headers=(), fields=(), sample=(), **kwargs):
        """`headers`: the file's header row as the preview read it, `fields`
        what each column is read as (a drop-down per column) and `sample`
        the first row under it."""
        super().__init__(*args, **kwargs)
        # The shop settings' choices, unless the job or the owner chose.
        shop = shop_settings()
        self.fields["phone_region"].initial = shop.phone_region
        self.fields["date_order"].initial = shop.date_order
        choices = field_choices()
        self.column_names = []
        for index, header in enumerate(headers):
            name = column_field_name(index)
            self.fields[name] = forms.ChoiceField(
                label=header or _("Column %(number)d") % {"number": index + 1},
                choices=choices,
                required=False,
                initial=fields[index] if index < len(fields) else "",
                # The drop-downs sit in the preview's table of columns.
                widget=forms.Select(attrs={"form": "import-recheck"}),
            )
            self.column_names.append(name)
        self.sample = list(sample)

    def choice_fields(self):
        return [field for field in self if field.name not in self.column_names]

    def column_rows(self):
        """(drop-down, the first value under the column) of each column."""
        return [
            (self[name], self.sample[index] if index < len(self.sample) else "")
            for index, name in enumerate(self.column_names)
        ]

    def reading_choices(self) -> dict:
        """The cleaned choices other than the columns'."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.column_names
        }

    def chosen_columns(self):
        """{column index: field or ""} when the columns' drop-downs were
        sent and changed; None keeps the columns as the preview read them."""
        if not any(name in self.data for name in self.column_names):
            return None
        chosen = {
            index: self.cleaned_data.get(name) or "" for index, name in enumerate(self.column_names)
        }
        shown = {index: self.fields[name].initial for index, name in enumerate(self.column_names)}
        return None if chosen == shown else chosen


def column_field_name(index) -> str:
    return f"column_{index}"


class ImportUploadForm(ImportChoicesForm):
    file = forms.FileField(
        label=_("Customer file (CSV or Excel .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )

    field_order = [
        "file",
        "encoding",
        "phone_region",
        "date_order",
        "update_existing",
        "minguo_dates",
    ]


class ImportConfirmForm(forms.Form):
    valid_rows_only = forms.BooleanField(
        label=_("Import only the valid rows and leave the wrong ones out"), required=False
    )
