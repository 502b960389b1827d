"""The clock set to a moment, for services that act "now" (a refund is
made when it is called): everything that reads django.utils.timezone.now
sees `moment`."""

from contextlib import contextmanager
from unittest import mock

from django.utils import timezone


@contextmanager
def clock_at(moment):
    with mock.patch.object(timezone, "now", return_value=moment):
        yield
