from django.core.exceptions import PermissionDenied


class LoyaltyError(Exception):
    """A business rule said no. The message is translated and safe to show.

    `field` names the form field the message belongs next to, when there is one.
    """

    def __init__(self, message, *, field=None, code=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def __str__(self):
        return str(self.message)


class NotYours(PermissionDenied):
    """A page or record this user may not open, with why in their words:
    the 403 page shows the message (a translated, user-facing one)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
