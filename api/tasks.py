"""Celery tasks of the API app: thin wrappers around api.webhooks."""

from celery import shared_task

from api import webhooks


@shared_task(name="api.send_webhooks", acks_late=True)
def send_webhooks():
    """Every minute (beat): collect new events into the outbox, send what is due."""
    queued = webhooks.collect_events()
    return {"queued": queued, **webhooks.send_due()}
