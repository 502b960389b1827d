from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ColumnMapping(models.Model):
    """What an owner chose each column of a header row to hold, remembered
    for the next file with the same header (members.columns.header_signature)."""

    signature = models.CharField(max_length=64, unique=True)
    headers = models.JSONField(_("header row"), default=list)
    # {column index: field name, or "" to ignore the column}
    fields = models.JSONField(_("columns"), default=dict)
    updated_at = models.DateTimeField(_("chosen"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chosen by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("column choice")
        verbose_name_plural = _("column choices")

    def __str__(self):
        return " | ".join(str(header) for header in self.headers[:6])

    def chosen(self) -> dict:
        """{column index: field or ""}, as members.columns.match_headers takes it."""
        return {int(index): field for index, field in self.fields.items()}
