"""The project's own wiring: the version of the owner's rules, and the
record of every change to them (SettingsChange, written by config.audit).

The module also makes Django send this app post_migrate, which
config.signals needs to give the Owner group every new app's permissions
(and to restore the groups after a test flush) and to install the triggers
that keep RulesVersion current.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RulesVersion(models.Model):
    """A token that changes whenever an owner changes a rule a sale reads
    (see config.rules_version). Database triggers write it, in the transaction of
    the change; nothing else does. A fresh random token each time, never a
    counter: a counter rolled back (a failed change, a test) would hand out a
    number again for other rules, and a process would trust its old copy."""

    token = models.CharField(max_length=36)

    class Meta:
        default_permissions = ()

    def __str__(self):
        return self.token


class SettingsChange(models.Model):
    """One change an owner made to the programme's rules: a setting, a tier, a
    campaign, a reward, a behaviour reward added, changed or removed, with each
    field's old and new value. Every app's services write it through
    config.audit, in the transaction of the change; it is never edited.

    `changes` holds raw values, as stored ({field: [old, new]}; decimals and
    dates as strings, a link as the linked row's id): the pages put them in
    the reader's words and language when they show them.
    """

    class Action(models.TextChoices):
        CREATED = "created", _("Added")
        CHANGED = "changed", _("Changed")
        DELETED = "deleted", _("Removed")

    app_label = models.CharField(_("app"), max_length=50)
    # The model's label in lower case, e.g. "points.programmerules".
    model = models.CharField(_("kind of setting"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_label = models.CharField(_("name at the time"), max_length=200, blank=True)
    action = models.CharField(
        _("action"), max_length=10, choices=Action.choices, default=Action.CHANGED
    )
    changes = models.JSONField(_("changes"), default=dict)
    at = models.DateTimeField(_("time"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("settings change")
        verbose_name_plural = _("settings changes")
        # Read-only everywhere: owners may only look.
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["-at", "-id"], name="settingschange_at_idx"),
            models.Index(fields=["model", "-at"], name="settingschange_model_at_idx"),
        ]

    def __str__(self):
        label = self.object_label or self.model
        return f"{label} {self.at:%Y-%m-%d %H:%M}"


class ShopSettings(models.Model):
    """The shop's own facts, edited by the owner on the shop settings page
    (config.shop): one row, id 1. Until the owner first saves it, the
    environment's values stand in (ShopSettings.from_environment).

    `version` is replaced on every save (config.shop.save_shop_settings):
    each process keeps one copy of the row and reuses it while the version
    it reads with the signed-in user (config.roles) is the same.
    """

    class DateOrder(models.TextChoices):
        YMD = "ymd", _("Year first (2026-12-31)")
        DMY = "dmy", _("Day first (31/12/2026)")
        MDY = "mdy", _("Month first (12/31/2026)")

    name = models.CharField(_("shop name"), max_length=100)
    receipt_header = models.TextField(_("receipt header"), max_length=500, blank=True)
    receipt_footer = models.TextField(_("receipt footer"), max_length=500, blank=True)
    phone_region = models.CharField(_("phone region"), max_length=2)
    also_regions = models.JSONField(_("regions also accepted"), default=list, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    # None: the currency's own (config.money.CURRENCY_DECIMALS).
    money_decimals = models.PositiveSmallIntegerField(_("decimals shown"), null=True, blank=True)
    language = models.CharField(_("default language"), max_length=10, choices=settings.LANGUAGES)
    date_order = models.CharField(
        _("date order of imported files"),
        max_length=3,
        choices=DateOrder.choices,
        default=DateOrder.YMD,
    )
    version = models.CharField(max_length=36, editable=False)

    class Meta:
        verbose_name = _("shop settings")
        verbose_name_plural = _("shop settings")
        default_permissions = ("view", "change")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(money_decimals__lte=4), name="shopsettings_decimals_lte_4"
            ),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def from_environment(cls):
        """The first defaults, before the owner saves the page (unsaved)."""
        return cls(
            pk=1,
            name=settings.SHOP_NAME,
            phone_region=settings.DEFAULT_PHONE_REGION,
            also_regions=[],
            currency=settings.CURRENCY,
            money_decimals=None,
            language=settings.LANGUAGE_CODE,
            date_order=cls.DateOrder.YMD,
            version="",
        )
