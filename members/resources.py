"""django-import-export resource for members (the Django admin's import/export).

It applies the same rules as the owner's import page (importing):
the same header names in English and Chinese, the same cell repairs and
clean_member_fields. It is the row-by-row path; the owner's page uses the
batched engine for large files.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from config.clock import shop_today
from config.errors import LoyaltyError
from config.shop import shop_settings
from members import values
from members.columns import match_headers
from members.models import Member
from members.names import name_search_key
from members.selectors import entry_tier
from members.services import clean_member_fields, new_member_number

IMPORTED = ("member_number", "phone", "name", "email", "birthday", "gender", "joined_on", "notes")


class _Text(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return values.strip_formula_escape(values.text(value))


class _Date(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        try:
            return values.parse_date(value)
        except LoyaltyError as error:
            raise ValueError(error.message) from None

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class MemberResource(resources.ModelResource):
    member_number = fields.Field("member_number", "Member number", _Text())
    phone = fields.Field("phone", "Phone", _Text())
    name = fields.Field("name", "Name", _Text())
    email = fields.Field("email", "Email", _Text())
    birthday = fields.Field("birthday", "Birthday", _Date())
    gender = fields.Field("gender", "Gender", _Text())
    joined_on = fields.Field("joined_on", "Joined", _Date())
    notes = fields.Field("notes", "Notes", _Text())
    points = fields.Field("points_balance", "Points", widgets.IntegerWidget(), readonly=True)
    lifetime_spend = fields.Field(
        "lifetime_spend", "Lifetime spend", widgets.DecimalWidget(), readonly=True
    )

    class Meta:
        model = Member
        fields = (*IMPORTED, "points", "lifetime_spend")
        export_order = fields
        import_id_fields = ("phone",)
        skip_unchanged = True
        report_skipped = True
        # Row by row on purpose: bulk mode would lose the row number of an
        # error. The owner's import page is the fast path.
        use_bulk = False
        clean_model_instances = False

    def import_data(self, dataset, *args, rollback_on_validation_errors=True, **kwargs):
        # A file is imported whole or not at all, as on the owner's page.
        return super().import_data(
            dataset, *args, rollback_on_validation_errors=rollback_on_validation_errors, **kwargs
        )

    def before_import(self, dataset, **kwargs):
        """Accept the same header names as the owner's page (手機, 姓名, …)."""
        mapping, _ignored = match_headers(dataset.headers or [])
        headers = list(dataset.headers or [])
        for field_name, index in mapping.items():
            if field_name in IMPORTED:
                headers[index] = self.fields[field_name].column_name
        dataset.headers = headers
        self._phones_seen = {}
        shop = shop_settings()
        self._regions = {"region": shop.phone_region, "also_regions": shop.also_regions}

    def before_import_row(self, row, **kwargs):
        """Phones are matched in E.164 form, and a phone seen on an earlier
        row of the file is an error, never a silent update of that row."""
        column = self.fields["phone"].column_name
        row_number = kwargs.get("row_number")
        try:
            phone = values.phone_text(row.get(column), region=self._regions["region"])
            phone = clean_member_fields(phone=phone, name="-", **self._regions)["phone"]
        except LoyaltyError as error:
            raise ValidationError({"phone": error.message}) from None
        earlier = self._phones_seen.get(phone)
        if earlier is not None:
            raise ValidationError(
                {"phone": _("This phone is already on row %(row)s of the file.") % {"row": earlier}}
            )
        self._phones_seen[phone] = row_number
        row[column] = phone
        gender = self.fields["gender"].column_name
        if gender in row:
            row[gender] = values.parse_gender(row[gender])

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        errors = []
        cleaned = clean_member_fields(
            phone=instance.phone,
            name=instance.name,
            email=instance.email,
            birthday=instance.birthday,
            gender=instance.gender,
            errors=errors,
        )
        if errors:
            raise ValidationError({error.field or "phone": error.message for error in errors})
        for name, value in cleaned.items():
            setattr(instance, name, value)

    def before_save_instance(self, instance, row, **kwargs):
        instance.phone_tail = instance.phone[-4:]
        instance.name_key = name_search_key(instance.name)
        if instance.pk is None:
            tier = entry_tier()
            if tier is None:
                raise ValidationError(
                    _("No active tier exists yet: an owner must set up the tiers first.")
                )
            instance.member_number = instance.member_number or new_member_number()
            instance.tier = tier
            instance.tier_since = timezone.now()
            instance.joined_on = instance.joined_on or shop_today()
