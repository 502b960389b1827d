"""The link every record that happens somewhere has to its store."""

from django.db import models
from django.utils.translation import gettext_lazy as _


def store_link(verbose_name=None):
    """Nullable (records from before stores, gifts made by no store), kept
    from deletion (a store is closed, not deleted), with no index of its
    own: the sale and the ledger pay for every index their tables have, and
    the reports that group by store read whole ranges by time anyway."""
    return models.ForeignKey(
        "stores.Store",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=verbose_name or _("store"),
        db_index=False,
    )
