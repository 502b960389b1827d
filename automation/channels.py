"""How a message leaves the shop: email through Django's mail backend, SMS
through a small pluggable interface.

To plug in an SMS provider, write a class with `send(*, to, text)` that
raises `ChannelError` on failure, and point the SMS_BACKEND setting at it
(e.g. SMS_BACKEND=shop_sms.TwilioBackend). The console backend only logs.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from config.shop import shop_settings

logger = logging.getLogger(__name__)


class ChannelError(Exception):
    """The provider refused or could not be reached; the message is retried."""


class ConsoleSmsBackend:
    def send(self, *, to, text):
        logger.info("SMS to %s: %s", to, text)


class FailingSmsBackend:
    """For tests and drills: every send fails."""

    def send(self, *, to, text):
        raise ChannelError("SMS provider unavailable")


class BrokenSmsBackend:
    """For tests and drills: a provider library that fails with its own
    exception for numbers ending in 0, and sends the others."""

    def send(self, *, to, text):
        if to.endswith("0"):
            raise RuntimeError("provider library crashed")
        logger.info("SMS to %s: %s", to, text)


class MemorySmsBackend:
    """For tests and demos: keeps every text sent in `MemorySmsBackend.sent`
    (a list of (to, text), shared by the process's threads), sends nothing."""

    sent = []

    def send(self, *, to, text):
        MemorySmsBackend.sent.append((to, text))

    @classmethod
    def texts_to(cls, phone):
        return [text for to, text in cls.sent if to == phone]


def sms_backend():
    return import_string(settings.SMS_BACKEND)()


def deliver(message):
    """Send one OutboundMessage; raises ChannelError when it did not go out."""
    if message.channel == "sms":
        sms_backend().send(to=message.address, text=message.text)
        return
    try:
        send_mail(
            message.subject or shop_settings().name,
            message.text,
            settings.DEFAULT_FROM_EMAIL,
            [message.address],
        )
    except OSError as error:  # SMTP connection and protocol errors
        raise ChannelError(str(error)) from error
