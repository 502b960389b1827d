"""Bounds on what people type: dates, digits and whole numbers, read once.

Every form and query string reads dates through `DateField` (or
`check_date` in a service), numbers through `IntegerField`/`DecimalField`,
whose digits go through `plain_number`: ASCII and full-width digits (０-９,
as Chinese keyboards type them) are read, any other digit (Arabic-Indic ٣,
superscript ², Ethiopic ፩…) is refused with a field error rather than read
as something else or crashing. Integers are kept within what their column
holds on every database (PostgreSQL's 32-bit integer, not SQLite's 64-bit),
so the form's limit and the database's agree. `formfield` gives a model
field these form fields, for ModelForms (Meta.formfield_callback) and the admin.
"""

import copy
import unicodedata
from datetime import date, datetime

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.forms.models import construct_instance
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from config.errors import LoyaltyError

# The years the product can represent: enough for birthdays and campaigns,
# far from date arithmetic's overflow at years 1 and 9999.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2200, 12, 31)

# What an integer column holds, the same on every database.
COLUMN_RANGES = BaseDatabaseOperations.integer_field_ranges
INT_MAX = COLUMN_RANGES["IntegerField"][1]  # 2,147,483,647
# The most points one entry, sale or balance may hold: the ledger's columns.
MAX_POINTS = INT_MAX

_FULL_WIDTH_DIGITS = {chr(0xFF10 + n): str(n) for n in range(10)}
_TO_ASCII = str.maketrans(_FULL_WIDTH_DIGITS)


def date_refusal(value) -> str | None:
    """The message refusing a date outside MIN_DATE..MAX_DATE, or None."""
    day = value.date() if isinstance(value, datetime) else value
    if day is None or MIN_DATE <= day <= MAX_DATE:
        return None
    return _("Enter a date between %(first)s and %(last)s.") % {
        "first": date_format(MIN_DATE, "Y-m-d"),
        "last": date_format(MAX_DATE, "Y-m-d"),
    }


def check_date(value, *, field=None):
    """For services: refuse a date outside the years the product represents."""
    refusal = date_refusal(value)
    if refusal:
        raise LoyaltyError(refusal, field=field, code="date_out_of_range")
    return value


def validate_date_range(value):
    refusal = date_refusal(value)
    if refusal:
        raise ValidationError(refusal, code="date_out_of_range")


def ascii_digits(value) -> str:
    """`value` with full-width digits (０-９) as ASCII digits. Raises
    ValidationError for any other kind of digit (٣, ², ፩, 𐩀)."""
    text = str(value if value is not None else "")
    foreign = [
        char
        for char in text
        if unicodedata.category(char) in ("Nd", "Nl", "No")
        and not ("0" <= char <= "9" or char in _FULL_WIDTH_DIGITS)
    ]
    if foreign:
        raise ValidationError(
            _("“%(char)s” is not a digit we read: type 0-9 (full-width ０-９ are fine).")
            % {"char": foreign[0]},
            code="foreign_digit",
        )
    return text.translate(_TO_ASCII)


def plain_number(value) -> str:
    """`value` as ASCII text for int() or Decimal(): full-width digits and
    signs read as ASCII, grouping commas and spaces dropped. Raises
    ValidationError for any other kind of digit."""
    text = ascii_digits(value)
    # NFKC turns full-width signs and points (１２．５, －) into ASCII.
    text = unicodedata.normalize("NFKC", text).strip()
    return text.replace(",", "").replace(" ", "")


class DateField(forms.DateField):
    """A date within MIN_DATE..MAX_DATE; the browser's picker says so too."""

    default_validators = [validate_date_range]

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if getattr(widget, "input_type", None) == "date":
            attrs.update(min=MIN_DATE.isoformat(), max=MAX_DATE.isoformat())
        return attrs


class IntegerField(forms.IntegerField):
    """A whole number in ASCII or full-width digits, within a 32-bit column
    unless told a narrower range (min_value, max_value)."""

    def __init__(self, *, min_value=None, max_value=None, **kwargs):
        low, high = COLUMN_RANGES["IntegerField"]
        min_value = low if min_value is None else min_value
        max_value = high if max_value is None else max_value
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_python(self, value):
        if value not in self.empty_values:
            value = plain_number(value)
        return super().to_python(value)


class DecimalField(forms.DecimalField):
    """A decimal in ASCII or full-width digits (NaN and infinity refused)."""

    def to_python(self, value):
        if value not in self.empty_values:
            value = plain_number(value)
        return super().to_python(value)


def _validator_limits(db_field):
    low = high = None
    for validator in db_field.validators:
        if isinstance(validator, validators.MinValueValidator) and not callable(
            validator.limit_value
        ):
            low = validator.limit_value if low is None else max(low, validator.limit_value)
        if isinstance(validator, validators.MaxValueValidator) and not callable(
            validator.limit_value
        ):
            high = validator.limit_value if high is None else min(high, validator.limit_value)
    return low, high


def formfield_kwargs(db_field) -> dict:
    """The bounded form field for a model field, as formfield() keywords."""
    if isinstance(db_field, models.DateTimeField) or db_field.choices:
        return {}
    if isinstance(db_field, models.DateField):
        return {"form_class": DateField}
    if isinstance(db_field, models.DecimalField):
        return {"form_class": DecimalField}
    if isinstance(db_field, models.IntegerField) and not isinstance(db_field, models.AutoField):
        column_low, column_high = COLUMN_RANGES.get(
            db_field.get_internal_type(), COLUMN_RANGES["IntegerField"]
        )
        low, high = _validator_limits(db_field)
        return {
            "form_class": IntegerField,
            "min_value": column_low if low is None else max(low, column_low),
            "max_value": column_high if high is None else min(high, column_high),
        }
    return {}


def formfield(db_field, **kwargs):
    """Meta.formfield_callback of our ModelForms: bounded dates and numbers."""
    return db_field.formfield(**{**formfield_kwargs(db_field), **kwargs})


def check_model_fields(form):
    """Run the model's own field validation (full_clean) for a ModelForm that
    saves through a service instead of its instance: on a copy, so the
    instance stays as it was; errors go on the form's fields."""
    instance = copy.copy(form.instance)
    opts = form._meta
    exclude = form._get_validation_exclusions()
    try:
        instance = construct_instance(form, instance, opts.fields, opts.exclude)
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        form._update_errors(error)
