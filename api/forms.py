"""The owners' forms for API keys; the rules live in api.keys."""

from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import ApiKey, WebhookEndpoint


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("The till or integration it is for, e.g. Front till or Online shop."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("It may"),
        choices=ApiKey.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=["read", "sell"],
    )
    expires_on = forms.DateField(
        label=_("Valid until (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The key stops working after this day. Empty: until revoked."),
    )
    store = forms.ModelChoiceField(
        label=_("Store"),
        queryset=None,
        required=False,
        empty_label=None,
        help_text=_("The store the till stands in: what it records happens there."),
    )

    def __init__(self, *args, stores=None, **kwargs):
        """`stores`: the open stores to choose from; None for a single shop
        (no field: its keys record at the one store)."""
        super().__init__(*args, **kwargs)
        if stores is None:
            del self.fields["store"]
        else:
            self.fields["store"].queryset = stores
            self.fields["store"].label_from_instance = lambda store: store.display_name


class WebhookForm(forms.Form):
    url = forms.CharField(
        label=_("Address"),
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_("Where to send the events: an https:// address of your system."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WebhookEndpoint.Event.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    expiring_days = forms.IntegerField(
        label=_("Days before points expire"),
        min_value=1,
        max_value=365,
        initial=30,
        help_text=_("For the event about expiring points: how many days ahead to send it."),
    )
