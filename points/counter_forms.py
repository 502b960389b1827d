"""Input parsing for the counter page; the rules live in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _


class FindForm(forms.Form):
    q = forms.CharField(
        label=_("Phone, last 4 digits or member number"),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "inputmode": "search",
                "enterkeyhint": "search",
                "placeholder": _("Scan or type, then Enter"),
            }
        ),
    )


class CounterEnrolForm(forms.Form):
    """Name and phone are enough at the counter; the rest later on the member page."""

    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    name = forms.CharField(
        label=_("Name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )

    def focus_first_gap(self):
        """Autofocus where the cashier types next: an error, else the empty field."""
        if self.is_bound and self.errors:
            target = next((name for name in self.fields if name in self.errors), "phone")
        else:
            target = "name" if self.initial.get("phone") else "phone"
        self.fields[target].widget.attrs["autofocus"] = True
        return self
