"""The shop settings page's input: each value checked and told what to fix;
config.shop.save_shop_settings saves them."""

import phonenumbers
from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from config.models import ShopSettings
from config.money import CURRENCY_SYMBOLS
from config.regions import region_display_name

# The shop's likely regions first, then every other the phone library knows.
COMMON_REGIONS = ("TW", "HK", "MO", "CN", "SG", "MY")


def region_choices():
    """Each region as its code and its name in the reader's language (the
    phone library's own names)."""
    language = "zh" if (get_language() or "").startswith("zh") else "en"
    others = sorted(phonenumbers.SUPPORTED_REGIONS - set(COMMON_REGIONS))
    names = {
        "TW": _("Taiwan"),
        "HK": _("Hong Kong"),
        "MO": _("Macau"),
        "CN": _("mainland China"),
        "SG": _("Singapore"),
        "MY": _("Malaysia"),
    }
    choices = [(code, f"{code} · {names[code]}") for code in COMMON_REGIONS]
    for code in others:
        name = region_display_name(code, language)
        choices.append((code, f"{code} · {name}" if name else code))
    return choices


class ShopSettingsForm(forms.Form):
    name = forms.CharField(label=_("Shop name"), max_length=100)
    receipt_header = forms.CharField(
        label=_("Receipt header"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Printed under the shop name: address, phone, tax number."),
    )
    receipt_footer = forms.CharField(
        label=_("Receipt footer"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Printed at the bottom: opening hours, returns policy, a thank-you."),
    )
    phone_region = forms.ChoiceField(
        label=_("Phone region"),
        choices=region_choices,
        help_text=_(
            "How a phone typed without a country code is read: TW Taiwan, HK Hong Kong, "
            "MO Macau, CN mainland China, SG Singapore, MY Malaysia. "
            "A phone typed with + and its country code is always accepted."
        ),
    )
    also_regions = forms.CharField(
        label=_("Regions also accepted"),
        max_length=200,
        required=False,
        help_text=_(
            "Region codes separated by commas, e.g. CN, MO: a local number that is not "
            "valid in the phone region is read as one of these."
        ),
    )
    currency = forms.ChoiceField(label=_("Currency"))
    money_decimals = forms.TypedChoiceField(
        label=_("Decimals shown"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[
            ("", _("As the currency usually shows (none for TWD and JPY, else 2)")),
            (0, "1,356"),
            (1, "1,355.5"),
            (2, "1,355.50"),
        ],
        help_text=_("Amounts are kept to the cent; this is how pages and receipts show them."),
    )
    language = forms.ChoiceField(
        label=_("Default language"),
        choices=settings.LANGUAGES,
        help_text=_("For browsers that ask for none of these; anyone can switch."),
    )
    date_order = forms.ChoiceField(
        label=_("Date order of imported files"),
        choices=ShopSettings.DateOrder.choices,
        help_text=_("How a date such as 02/01/1990 in a customer file is read."),
    )

    def __init__(self, *args, current, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "name": current.name,
                "receipt_header": current.receipt_header,
                "receipt_footer": current.receipt_footer,
                "phone_region": current.phone_region,
                "also_regions": ", ".join(current.also_regions),
                "currency": current.currency,
                "money_decimals": current.money_decimals,
                "language": current.language,
                "date_order": current.date_order,
            },
        )
        super().__init__(*args, **kwargs)
        currencies = list(CURRENCY_SYMBOLS)
        if current.currency not in currencies:
            currencies.append(current.currency)  # an installation's own, from the environment
        self.fields["currency"].choices = [
            (code, f"{code} ({CURRENCY_SYMBOLS.get(code, code)})") for code in currencies
        ]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the shop's name."))
        return name

    def clean_also_regions(self):
        text = self.cleaned_data["also_regions"]
        codes = []
        for part in text.replace("，", ",").replace("、", ",").replace(" ", ",").split(","):
            code = part.strip().upper()
            if not code:
                continue
            if code not in phonenumbers.SUPPORTED_REGIONS:
                raise forms.ValidationError(
                    _("“%(code)s” is not a region code: use two letters, e.g. HK, CN or MO.")
                    % {"code": part.strip()}
                )
            if code not in codes:
                codes.append(code)
        return codes

    def clean(self):
        data = super().clean()
        region = data.get("phone_region")
        if region and isinstance(data.get("also_regions"), list):
            # The phone region is read first anyway.
            data["also_regions"] = [code for code in data["also_regions"] if code != region]
        return data
