"""Segments (saved filters of the member list) and the messages owners
write to a segment."""

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.models import Member


class Segment(models.Model):
    """A saved filter of the member list: `criteria` holds the member list's
    filter values (segments.selectors.segment_members reads them)."""

    name = models.CharField(_("name"), max_length=100)
    criteria = models.JSONField(_("criteria"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self):
        return self.name


class SegmentMessage(models.Model):
    """An SMS and/or email the owner writes to a segment, in each language.

    Scheduling it picks its members once (SegmentRecipient rows): a holdout
    share is set aside and never messaged, the others get one outbox message
    per channel, SMS never inside the quiet hours."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")

    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), on_delete=models.PROTECT, related_name="messages"
    )
    name = models.CharField(_("name"), max_length=100)
    sms_text = models.TextField(_("SMS text"), blank=True)
    sms_text_zh_hant = models.TextField(_("SMS text in Traditional Chinese"), blank=True)
    sms_text_zh_hans = models.TextField(_("SMS text in Simplified Chinese"), blank=True)
    email_subject = models.CharField(_("email subject"), max_length=150, blank=True)
    email_subject_zh_hant = models.CharField(
        _("email subject in Traditional Chinese"), max_length=150, blank=True
    )
    email_subject_zh_hans = models.CharField(
        _("email subject in Simplified Chinese"), max_length=150, blank=True
    )
    email_text = models.TextField(_("email text"), blank=True)
    email_text_zh_hant = models.TextField(_("email text in Traditional Chinese"), blank=True)
    email_text_zh_hans = models.TextField(_("email text in Simplified Chinese"), blank=True)
    holdout_percent = models.PositiveSmallIntegerField(
        _("holdout (%)"),
        default=10,
        help_text=_("This share of the members is never messaged, to measure the uplift."),
    )
    send_at = models.DateTimeField(_("send at"))
    quiet_from = models.TimeField(_("no SMS from"), default=time(21, 0))
    quiet_until = models.TimeField(_("no SMS until"), default=time(9, 0))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # Set when scheduled: the segment's size then.
    member_count = models.PositiveIntegerField(_("members in the segment"), default=0)
    scheduled_at = models.DateTimeField(_("scheduled"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-send_at", "-id"]
        verbose_name = _("message to a segment")
        verbose_name_plural = _("messages to a segment")
        constraints = [
            models.CheckConstraint(
                condition=Q(holdout_percent__lte=50), name="segment_message_holdout_at_most_half"
            )
        ]

    def __str__(self):
        return self.name


class SegmentRecipient(models.Model):
    """One member of the segment when the message was scheduled, and what
    became of them: messaged, held out, opted out or without a contact."""

    class Outcome(models.TextChoices):
        MESSAGED = "messaged", _("Messaged")
        HELD_OUT = "held_out", _("Held out")
        OPTED_OUT = "opted_out", _("Opted out")
        NO_CONTACT = "no_contact", _("No phone or email for the message")

    message = models.ForeignKey(SegmentMessage, on_delete=models.CASCADE, related_name="recipients")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints = [
            models.UniqueConstraint(fields=["message", "member"], name="segment_recipient_once")
        ]
        indexes = [
            models.Index(fields=["message", "outcome"], name="segment_recipient_outcome_idx")
        ]

    def __str__(self):
        return f"{self.message_id}:{self.member_id} {self.outcome}"
