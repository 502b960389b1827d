from django import forms
from django.utils.translation import gettext_lazy as _

from config import inputs
from segments.models import Segment, SegmentMessage


class SegmentMessageForm(forms.ModelForm):
    send_at = forms.DateTimeField(
        label=_("Send at (shop time)"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    holdout_percent = inputs.IntegerField(
        label=_("Holdout (%)"),
        min_value=0,
        max_value=50,
        help_text=_("This share of the members is never messaged, to measure the uplift."),
    )

    class Meta:
        model = SegmentMessage
        fields = [
            "segment",
            "name",
            "sms_text",
            "sms_text_zh_hant",
            "sms_text_zh_hans",
            "email_subject",
            "email_subject_zh_hant",
            "email_subject_zh_hans",
            "email_text",
            "email_text_zh_hant",
            "email_text_zh_hans",
            "holdout_percent",
            "send_at",
            "quiet_from",
            "quiet_until",
        ]
        widgets = {
            "quiet_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in (
                    "sms_text",
                    "sms_text_zh_hant",
                    "sms_text_zh_hans",
                    "email_text",
                    "email_text_zh_hant",
                    "email_text_zh_hans",
                )
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = Segment.objects.all()

    def clean_send_at(self):
        value = self.cleaned_data["send_at"]
        inputs.validate_date_range(value.date())
        return value
