"""The one model of the project's own wiring: the version of the owner's rules.

The module also makes Django send this app post_migrate, which
config.signals needs to give the Owner group every new app's permissions
(and to restore the groups after a test flush) and to install the triggers
that keep RulesVersion current.
"""

from django.db import models


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
