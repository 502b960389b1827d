"""API keys for tills and integrations, and the answers their writes gave.

A key acts as a user of its own (ApiKey.user, no password, no role): the
services record `by` on every sale, refund, ledger entry, redemption and
enrolment, so each of those names the key that made it without the
ledger (a lower layer) knowing about keys.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    class Scope(models.TextChoices):
        READ = "read", _("Read: find members, quotes, coupons, history, the programme")
        SELL = "sell", _("Sell: record sales and redeem rewards")
        ENROL = "enrol", _("Enrol members")
        REFUND = "refund", _("Refund sales")

    name = models.CharField(_("name"), max_length=80)
    # The key's first characters, shown to tell keys apart; the key itself is
    # never stored, only its SHA-256 (a random 256-bit key needs no slow hash).
    prefix = models.CharField(_("starts with"), max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_key"
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    # The store the till stands in: its sales, refunds, redemptions and
    # enrolments are recorded there (None: a key of no store).
    store = models.ForeignKey(
        "stores.Store",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("store"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return self.name

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired()

    def scope_labels(self):
        return [str(self.Scope(scope).label) for scope in self.scopes if scope in self.Scope]


class ApiRequest(models.Model):
    """The first answer to a write sent with an Idempotency-Key: a replay
    with the same body gets it again; the same key with another body is
    refused. Only answers that changed something are kept (a refused
    request changed nothing, so the till may retry it with the same key)."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="requests")
    key = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of method, path and body
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="api_request_key_unique")
        ]

    def __str__(self):
        return f"{self.api_key_id}:{self.key}"


class WebhookEndpoint(models.Model):
    """An address of the owner's that is told what happens, signed as the
    Standard Webhooks specification says (its secret, `whsec_…`)."""

    class Event(models.TextChoices):
        MEMBER_ENROLLED = "member.enrolled", _("A member enrolled")
        SALE_RECORDED = "sale.recorded", _("A sale was recorded")
        SALE_REFUNDED = "sale.refunded", _("A sale was refunded")
        TIER_CHANGED = "tier.changed", _("A member's tier changed")
        REWARD_REDEEMED = "reward.redeemed", _("A reward was redeemed")
        POINTS_EXPIRING = "points.expiring", _("A member's points expire in N days")

    url = models.URLField(_("address"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Events are collected from what was recorded up to here (see api.webhooks).
    collected_until = models.DateTimeField(default=timezone.now)
    # points.expiring: sent this many days before the points' last day, once
    # a shop day (the day it was last collected for).
    expiring_days = models.PositiveSmallIntegerField(_("days before points expire"), default=30)
    expiring_collected_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self):
        return self.url

    def event_labels(self):
        return [str(self.Event(event).label) for event in self.events if event in self.Event]


class WebhookDelivery(models.Model):
    """One event for one address: the outbox row, tried until it is taken."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # The Standard Webhooks message id: the same on every attempt and on
    # "send again", so the receiver can tell a repeat from a new event.
    event_id = models.CharField(max_length=80)
    event_type = models.CharField(_("event"), max_length=40)
    payload = models.JSONField()
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="webhook_delivery_event_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=models.Q(status="queued"),
                name="webhook_due_idx",
            )
        ]

    def __str__(self):
        return f"{self.event_type} {self.event_id}"


class WebhookAttempt(models.Model):
    """One try at a delivery, for the log: when, what the receiver answered."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField(_("time"))
    status_code = models.PositiveSmallIntegerField(_("answer"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.delivery_id} {self.status_code or self.error}"
