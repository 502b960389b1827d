"""Input parsing for the tier pages; the rules live in tiers.programme and tiers.services."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from config import inputs
from config.errors import LoyaltyError
from tiers.discounts import parse_discount, read_discount
from tiers.models import QUALIFICATION_FIELDS, RETENTION_FIELDS, Tier, TierProgramme
from tiers.programme import PROGRAMME_FIELDS, TIER_FIELDS

DISCOUNT_FIELDS = ("retail_discount", "wholesale_discount")


class DiscountField(forms.CharField):
    """Percent off, typed as 5, 5% or in 折 (95折, 9折, 7.5折, 10折 for none)."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            _(
                "Percent off (5 means the member pays 95%), or 折: 95折, 9折, 7.5折; "
                "10折 is no discount."
            ),
        )
        super().__init__(max_length=12, **kwargs)

    def prepare_value(self, value):
        if value is None or isinstance(value, str):
            return value
        return f"{value.normalize():f}"

    def clean(self, value):
        value = super().clean(value)
        try:
            return parse_discount(value)
        except LoyaltyError as error:
            raise forms.ValidationError(error.message) from None


class TierForm(forms.ModelForm):
    retail_discount = DiscountField(label=_("Retail discount"))
    wholesale_discount = DiscountField(label=_("Wholesale discount"))

    class Meta:
        model = Tier
        fields = [f for f in TIER_FIELDS]
        formfield_callback = inputs.formfield
        widgets = {
            "colour": forms.TextInput(attrs={"type": "color"}),
            "benefits": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in DISCOUNT_FIELDS:
            # As the owner types, the hint below the field says what it means.
            hint_id = f"{self[name].auto_id}-hint"
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": reverse("tiers:discount_hint"),
                    "hx-trigger": "input changed delay:300ms",
                    "hx-target": f"#{hint_id}",
                    "hx-sync": "this:replace",
                    "aria-describedby": hint_id,
                    "autocomplete": "off",
                }
            )

    def validate_unique(self):
        """Uniqueness is the service's to check, with its own message."""

    def _post_clean(self):
        # Leave the instance alone (tiers.programme.save_tier applies the
        # values), but hold the model's limits.
        inputs.check_model_fields(self)

    def discount_hints(self):
        """{field name: DiscountHint} for the value on the page, typed or saved."""
        hints = {}
        for name in DISCOUNT_FIELDS:
            value = self.fields[name].prepare_value(self[name].value())
            hints[name] = read_discount("" if value is None else value)
        return hints


def threshold_sections():
    return [
        (_("Qualification: any one of these reaches the tier"), list(QUALIFICATION_FIELDS)),
        (_("Retention: any one of these keeps it (or qualifying again)"), list(RETENTION_FIELDS)),
    ]


class ThresholdsForm(forms.Form):
    """Every active tier's thresholds on one page, for the preview."""

    def __init__(self, *args, tiers, **kwargs):
        super().__init__(*args, **kwargs)
        self.tiers = tiers
        for tier in tiers:
            for name in [*QUALIFICATION_FIELDS, *RETENTION_FIELDS]:
                model_field = Tier._meta.get_field(name)
                self.fields[f"t{tier.pk}_{name}"] = inputs.formfield(
                    model_field, required=False, label=model_field.verbose_name
                )
                self.initial.setdefault(f"t{tier.pk}_{name}", getattr(tier, name))

    def rows(self):
        """[(tier, [bound fields])] for the template."""
        names = [*QUALIFICATION_FIELDS, *RETENTION_FIELDS]
        return [(tier, [self[f"t{tier.pk}_{name}"] for name in names]) for tier in self.tiers]

    def thresholds(self):
        names = [*QUALIFICATION_FIELDS, *RETENTION_FIELDS]
        return {
            tier.pk: {name: self.cleaned_data[f"t{tier.pk}_{name}"] for name in names}
            for tier in self.tiers
        }


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = TierProgramme
        fields = PROGRAMME_FIELDS
        formfield_callback = inputs.formfield

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out of a post (an older form, a script): the setting stays as it is.
        self.fields["short_on_apply"].required = False

    def clean_short_on_apply(self):
        return self.cleaned_data.get("short_on_apply") or self.instance.short_on_apply

    def _post_clean(self):
        # The instance stays as it is (the service saves); the model's limits
        # (grace up to 730 days, …) hold all the same.
        inputs.check_model_fields(self)


class SetTierForm(forms.Form):
    tier = forms.ModelChoiceField(label=_("Tier"), queryset=Tier.objects.active())
    reason = forms.CharField(label=_("Reason"), max_length=200)
    pinned_until = inputs.DateField(
        label=_("Pinned until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Until then the member can move up but never below this tier."),
    )


class RulesApplyForm(forms.Form):
    """The preview's version token and day, posted back with "Apply now"."""

    rules_version = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    as_of = inputs.DateField(widget=forms.HiddenInput)


class ReviewForm(forms.Form):
    as_of = inputs.DateField(label=_("As of"), widget=forms.DateInput(attrs={"type": "date"}))
