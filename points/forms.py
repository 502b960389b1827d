"""Input parsing for the points pages; the rules live in the points services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from config import inputs
from points.models import BehaviourRule, LedgerEntry, ProgrammeRules
from points.programme import RULE_FIELDS


class ProgrammeRulesForm(forms.ModelForm):
    class Meta:
        model = ProgrammeRules
        fields = list(RULE_FIELDS)
        formfield_callback = inputs.formfield
        help_texts = {
            "earn_points": _("Points earned for every “per amount spent”, e.g. 1 point per 100."),
            "redeem_points": _("Points that buy “are worth (cash)” off a bill, e.g. 100 = 50."),
            "expiry_months": _("Used when points expire N months after earning."),
        }


class AdjustPointsForm(forms.Form):
    points = inputs.IntegerField(
        label=_("Points"),
        min_value=-10_000_000,
        max_value=10_000_000,
        help_text=_("Positive to add, negative to remove."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)


class LedgerFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *LedgerEntry.Kind.choices]
    )
    since = inputs.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = inputs.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data


# Rewards staff give by hand; referral points follow a sale, birthdays the calendar.
HAND_GIVEN_ACTIONS = [
    BehaviourRule.Action.CUSTOM,
    BehaviourRule.Action.PROFILE,
    BehaviourRule.Action.JOIN,
]


def hand_given_rules():
    return BehaviourRule.objects.filter(is_active=True, action__in=HAND_GIVEN_ACTIONS)


class AwardBehaviourForm(forms.Form):
    rule = forms.ModelChoiceField(label=_("Behaviour reward"), queryset=hand_given_rules())
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)
