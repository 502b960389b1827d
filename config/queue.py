"""Handing work to the Celery workers, and saying so when they cannot be reached.

With a broker configured, `task.delay()` raises kombu's OperationalError
when the broker (Redis) is down. An action that needs a worker (an upload,
a dashboard range, Refresh now, Run now) must then leave nothing
half-started and tell the user: `send` and `send_on_commit` turn that error
into BrokerUnavailable, a LoyaltyError in the user's language, after the
caller's `on_failure` has put its job row back (failed, or not queued).
"""

import logging

from django.db import transaction
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from config.errors import LoyaltyError

logger = logging.getLogger(__name__)


class BrokerUnavailable(LoyaltyError):
    def __init__(self):
        super().__init__(broker_down_message(), code="broker_down")


def broker_down_message():
    return _(
        "The background worker cannot be reached right now, so this was not started. "
        "Nothing was changed: try again in a few minutes, and if it keeps happening, "
        "tell whoever looks after the server."
    )


def send(task, *args, on_failure=None, **kwargs):
    """task.delay(*args, **kwargs); BrokerUnavailable when the broker is down
    (after calling on_failure(), which records that nothing was started)."""
    try:
        return task.delay(*args, **kwargs)
    except OperationalError as error:
        logger.warning("could not queue %s: %s", task.name, error)
        if on_failure is not None:
            on_failure()
        raise BrokerUnavailable() from error


def send_on_commit(task, *args, on_failure=None, **kwargs):
    """`send` once the current transaction has committed (so the worker sees
    its rows). BrokerUnavailable is then raised where the transaction ends:
    out of the service that opened it, to the view that called the service."""
    transaction.on_commit(lambda: send(task, *args, on_failure=on_failure, **kwargs))
