import secrets
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config import inputs
from config.errors import LoyaltyError
from rewards import services
from rewards.models import Reward

IMAGE_MAX_BYTES = 2 * 1024 * 1024


class StoreStockForm(forms.Form):
    """One number per open store: how many of the reward it holds."""

    def __init__(self, *args, stores, current, **kwargs):
        super().__init__(*args, **kwargs)
        self.stores = {}
        for store in stores:
            name = f"store_{store.pk}"
            self.stores[name] = store
            self.fields[name] = inputs.IntegerField(
                label=store.display_name,
                min_value=0,
                max_value=inputs.MAX_POINTS,
                initial=current.get(store.pk, 0),
            )

    def quantities(self) -> dict:
        return {store: self.cleaned_data[name] for name, store in self.stores.items()}


class RewardForm(forms.ModelForm):
    """Input parsing only: the cross-field rules live in rewards.services.save_reward."""

    stock_seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Reward
        formfield_callback = inputs.formfield
        fields = [
            "name",
            "name_zh_hant",
            "name_zh_hans",
            "name_en",
            "kind",
            "points_cost",
            "stock",
            "min_tier",
            "limit_per_member",
            "limit_period",
            "valid_from",
            "valid_to",
            "is_active",
            "sort_order",
            "coupon_value",
            "coupon_percent",
            "coupon_valid_days",
            "coupon_min_spend",
            "description",
            "description_zh_hant",
            "description_zh_hans",
            "description_en",
            "image",
        ]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_to": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "description_zh_hant": forms.Textarea(attrs={"rows": 2}),
            "description_zh_hans": forms.Textarea(attrs={"rows": 2}),
            "description_en": forms.Textarea(attrs={"rows": 2}),
            "image": forms.ClearableFileInput(attrs={"accept": "image/*"}),
        }

    # How the owner's page groups the fields.
    SECTIONS = [
        (
            _("The reward"),
            ["name", "name_zh_hant", "name_zh_hans", "name_en", "kind", "image", "description"],
        ),
        (
            _("Who may redeem it, and how many"),
            [
                "points_cost",
                "stock",
                "min_tier",
                "limit_per_member",
                "limit_period",
                "valid_from",
                "valid_to",
                "is_active",
                "sort_order",
            ],
        ),
        (
            _("Coupon terms (coupons only)"),
            ["coupon_value", "coupon_percent", "coupon_valid_days", "coupon_min_spend"],
        ),
        (
            _("Descriptions in other languages"),
            ["description_zh_hant", "description_zh_hans", "description_en"],
        ),
    ]

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["min_tier"].empty_label = _("Any tier")
        if "coupon_min_spend" in self.fields:
            self.fields["coupon_min_spend"].required = False  # empty: any bill
        # Active tiers only, and the one this reward already names (the tier
        # model is the field's own: rewards sits below tiers).
        tiers = self.fields["min_tier"].queryset
        self.fields["min_tier"].queryset = tiers.filter(
            Q(is_active=True) | Q(pk=self.instance.min_tier_id)
        ).order_by("rank")
        if self.instance.pk and not self.is_bound:
            stock = self.instance.stock
            self.initial["stock_seen"] = "" if stock is None else str(stock)

    def clean_coupon_min_spend(self):
        return self.cleaned_data.get("coupon_min_spend") or Decimal("0")

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and getattr(image, "size", 0) > IMAGE_MAX_BYTES:
            raise ValidationError(_("Keep the image under 2 MB."))
        return image

    def clean(self):
        data = super().clean()
        if data.get("kind") != Reward.Kind.COUPON:
            # Coupon terms left over from switching the kind mean nothing.
            for name in ("coupon_value", "coupon_percent", "coupon_valid_days"):
                data[name] = None
            data["coupon_min_spend"] = Decimal("0")
        try:
            services.check_reward_terms(
                **{name: data.get(name) for name in services.REWARD_TERMS if name in self.fields}
            )
        except LoyaltyError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        try:
            services.check_birthday_gifts(reward=self.instance, min_tier=data.get("min_tier"))
        except LoyaltyError as error:
            self.add_error(error.field, error.message)
        return data

    def clean_stock_seen(self):
        """The stock the page showed: None for a new reward or unlimited stock."""
        if not self.instance.pk:
            return None
        value = self.cleaned_data["stock_seen"].strip()
        # A hidden field: anything but plain digits means "not shown".
        return int(value) if value.isascii() and value.isdigit() else None


class RedeemForm(forms.Form):
    reward = inputs.IntegerField(widget=forms.HiddenInput)
    quantity = inputs.IntegerField(label=_("Quantity"), min_value=1, max_value=99, initial=1)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    @staticmethod
    def new_key():
        return secrets.token_urlsafe(24)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
