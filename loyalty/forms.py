from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.bulk import ADD_POINTS, ADD_TAG, REMOVE_TAG, SET_TIER, TAG_ACTIONS
from members.models import Tag
from tiers.models import Tier


class BulkChangeForm(forms.Form):
    """What to do to the selected members; the selection itself travels as
    `selection` (the member list's query) and `key` names the request."""

    action = forms.ChoiceField(
        label=_("Change to make"),
        choices=[
            (SET_TIER, _("Set their tier by hand")),
            (ADD_POINTS, _("Add points")),
            (ADD_TAG, _("Add a tag")),
            (REMOVE_TAG, _("Remove a tag")),
        ],
        widget=forms.RadioSelect,
    )
    tier = forms.ModelChoiceField(label=_("Tier"), queryset=Tier.objects.active(), required=False)
    pinned_until = forms.DateField(
        label=_("Pinned until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Until then the member can move up but never below this tier."),
    )
    points = forms.IntegerField(label=_("Points"), required=False, min_value=1, max_value=1_000_000)
    tag = forms.ModelChoiceField(label=_("Tag"), queryset=Tag.objects.all(), required=False)
    reason = forms.CharField(
        label=_("Reason"), max_length=200, required=False, help_text=_("Not needed for tags.")
    )
    selection = forms.CharField(widget=forms.HiddenInput, required=False)
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    confirm = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        if data.get("action") == SET_TIER and not data.get("tier"):
            self.add_error("tier", _("Choose the tier to put them in."))
        if data.get("action") == ADD_POINTS and not data.get("points"):
            self.add_error("points", _("Enter how many points each member gets."))
        if data.get("action") in TAG_ACTIONS and not data.get("tag"):
            self.add_error("tag", _("Choose a tag."))
        if data.get("action") not in TAG_ACTIONS and not data.get("reason"):
            self.add_error("reason", self.fields["reason"].error_messages["required"])
        return data
