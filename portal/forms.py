"""Input parsing of the member pages; the rules live in portal.services."""

import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from config import inputs
from portal.models import PortalSettings


def new_key() -> str:
    return uuid.uuid4().hex


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "autofocus": True}
        ),
    )


class CodeForm(forms.Form):
    phone = forms.CharField(widget=forms.HiddenInput, max_length=20)
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "pattern": "[0-9 ]*",
            }
        ),
    )


class JoinForm(CodeForm):
    name = forms.CharField(
        label=_("Your name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    birthday = inputs.DateField(
        label=_("Birthday (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
    )
    email = forms.EmailField(
        label=_("Email (optional)"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    referral = forms.CharField(label=_("Referral code (optional)"), max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.pop("autofocus", None)


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    email = forms.EmailField(label=_("Email"), required=False)
    birthday = inputs.DateField(
        label=_("Birthday"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sms = forms.BooleanField(label=_("Messages by SMS"), required=False)
    email_messages = forms.BooleanField(label=_("Messages by email"), required=False)
    language = forms.ChoiceField(
        label=_("Language of messages"),
        required=False,
        choices=[("", _("The shop's language")), *settings.LANGUAGES],
    )

    def __init__(self, *args, birthday_locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        if birthday_locked:
            field = self.fields["birthday"]
            field.disabled = True
            field.help_text = _("Set. To correct it, ask at the counter.")


class RedeemForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    store = forms.ModelChoiceField(
        label=_("Collect it at"), queryset=None, empty_label=None, required=True
    )

    def __init__(self, *args, stores=None, **kwargs):
        """`stores`: where a goods reward can be collected (a chain), or None
        (a single shop, or a coupon: no choice)."""
        super().__init__(*args, **kwargs)
        if stores is None:
            del self.fields["store"]
        else:
            self.fields["store"].queryset = stores
            self.fields["store"].label_from_instance = lambda store: store.display_name


class PortalSettingsForm(forms.ModelForm):
    class Meta:
        model = PortalSettings
        fields = ["sign_in_days", "join_open"]
        formfield_callback = inputs.formfield
