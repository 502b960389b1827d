"""The stores of the programme: where a sale, a refund, a redemption or an
enrolment happened. Members and points belong to the programme, not to a
store; a store is where things happen and who works there."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from config.names import in_reader_script


class Store(models.Model):
    name = models.CharField(_("name"), max_length=100)
    name_zh_hant = models.CharField(_("name in Traditional Chinese"), max_length=100, blank=True)
    name_zh_hans = models.CharField(_("name in Simplified Chinese"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Staff who work here; a staff user in no store works in every store.
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="stores", verbose_name=_("staff")
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="store_name_unique",
                violation_error_message=_("Another store already has this name."),
            )
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        """The name in the reader's script, falling back to the name as typed."""
        return in_reader_script(self)
