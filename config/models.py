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
