"""Input parsing for the counter page; the rules live in the services."""

import uuid
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config import inputs


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
        # "person" context: a bare "Name" is a task name in a library's catalog.
        label=pgettext_lazy("person", "Name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def focus_first_gap(self):
        """Autofocus where the cashier types next: an error, else the empty field."""
        if self.is_bound and self.errors:
            target = next((name for name in self.fields if name in self.errors), "phone")
        else:
            target = "name" if self.initial.get("phone") else "phone"
        self.fields[target].widget.attrs["autofocus"] = True
        return self


def _plain_digits(text) -> str:
    """Full-width digits and separators (１,２００．５) as a keyboard would type
    them; any other kind of digit (٣, ², ፩) is a field error (config.inputs)."""
    return inputs.plain_number(text)


MAX_AMOUNT = Decimal(10) ** 10  # Purchase.gross_amount holds 12 digits, 2 after the point


class SaleForm(forms.Form):
    """A sale as typed: the service decides what it costs and earns.

    `idempotency_key` is minted when the form is drawn, so a double click, a
    refresh or a retried request of this form records one sale.
    """

    amount = forms.CharField(
        label=_("Bill amount"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "enterkeyhint": "done"}
        ),
    )
    points_to_redeem = forms.CharField(
        label=_("Points to redeem"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    coupon = forms.CharField(
        label=_("Coupon code"),
        max_length=40,
        required=False,
        widget=forms.TextInput(
            # A scanned coupon stays in this field (counter.js), and its Enter
            # checks the coupon rather than confirming the sale.
            attrs={"autocomplete": "off", "autocapitalize": "characters", "data-coupon": True}
        ),
    )
    wholesale = forms.BooleanField(label=_("Wholesale price"), required=False)
    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["amount"].widget.attrs["autofocus"] = True

    def focus_first_error(self):
        """Autofocus the first field in error (the amount when none is)."""
        target = next((name for name in self.fields if name in self.errors), "amount")
        if target == "idempotency_key":
            target = "amount"
        self.fields[target].widget.attrs["autofocus"] = True
        return self

    def clean_amount(self):
        text = _plain_digits(self.cleaned_data["amount"])
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            raise forms.ValidationError(
                _("“%(text)s” is not an amount: type digits, e.g. 1200 or 99.50.")
                % {"text": self.cleaned_data["amount"]}
            )
        if amount <= 0:
            raise forms.ValidationError(_("Enter an amount above zero."))
        if amount >= MAX_AMOUNT:
            raise forms.ValidationError(_("That amount is too large for one sale."))
        if amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError(_("Enter the amount to the cent at most, e.g. 99.50."))
        return amount

    def clean_points_to_redeem(self):
        text = _plain_digits(self.cleaned_data["points_to_redeem"])
        if not text:
            return 0
        if not (text.isascii() and text.isdigit()):
            raise forms.ValidationError(
                _("Enter points as a whole number, e.g. 200 (or leave it empty).")
            )
        if int(text) > inputs.MAX_POINTS:
            raise forms.ValidationError(_("That is more points than any balance can hold."))
        return int(text)

    def clean_coupon(self):
        # Checked by the service (whose, valid, unused); here only tidied.
        return " ".join(str(self.cleaned_data["coupon"] or "").split())


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SalesFilterForm(forms.Form):
    """The sales page's filters; every one may be left empty."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)
    member = forms.CharField(
        label=_("Member"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Number, phone or name")}),
    )
    cashier = forms.ModelChoiceField(
        label=_("Cashier"), queryset=None, required=False, empty_label=_("Anyone")
    )
    amount_min = forms.DecimalField(
        label=_("Paid at least"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    amount_max = forms.DecimalField(
        label=_("Paid at most"), required=False, min_value=0, max_digits=12, decimal_places=2
    )

    store = forms.ModelChoiceField(
        label=_("Store"), queryset=None, required=False, empty_label=_("Any store")
    )

    def __init__(self, *args, cashiers, stores=None, **kwargs):
        """`stores`: the stores to filter by, or None for a single shop (no field)."""
        super().__init__(*args, **kwargs)
        if stores is None:
            del self.fields["store"]
        else:
            self.fields["store"].queryset = stores
            self.fields["store"].label_from_instance = lambda store: store.display_name
        self.fields["cashier"].queryset = cashiers
        self.fields["cashier"].label_from_instance = lambda user: (
            user.get_full_name() or user.get_username()
        )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The last day comes before the first: swap them."))
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", _("The most is below the least: swap them."))
        return data


class RefundForm(forms.Form):
    """A refund from the sales page: an empty amount refunds all that is left."""

    amount = forms.CharField(
        label=_("Amount to refund"),
        max_length=20,
        required=False,
        help_text=_("Leave empty to refund all that is left."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)

    def clean_amount(self):
        text = _plain_digits(self.cleaned_data["amount"])
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount <= 0:
            raise forms.ValidationError(
                _("“%(text)s” is not an amount to refund: type digits above zero, e.g. 150.")
                % {"text": self.cleaned_data["amount"]}
            )
        # Before quantize, which cannot hold more digits than a sale's amount.
        if amount >= MAX_AMOUNT:
            raise forms.ValidationError(_("That amount is more than the sale's."))
        if amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError(_("Enter the amount to the cent at most, e.g. 99.50."))
        return amount
