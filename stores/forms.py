from django import forms
from django.utils.translation import gettext_lazy as _

from stores.models import Store


class StoreForm(forms.ModelForm):
    """A store's name in each script, where it is, and who works there."""

    staff = forms.ModelMultipleChoiceField(
        label=_("Staff who work here"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Staff in no store work in every store. Owners work everywhere; "
            "a store manager sees all of their stores' sales and figures."
        ),
    )

    class Meta:
        model = Store
        fields = ["name", "name_zh_hant", "name_zh_hans", "address", "phone", "is_active"]

    def __init__(self, *args, staff_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_choices
        self.fields["staff"].label_from_instance = lambda user: (
            user.get_full_name() or user.get_username()
        )
        if self.instance.pk:
            self.initial["staff"] = list(self.instance.staff.values_list("pk", flat=True))


class ChooseStoreForm(forms.Form):
    store = forms.IntegerField(min_value=1)
    next = forms.CharField(required=False, max_length=500)
