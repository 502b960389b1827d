"""Celery tasks of the automation app: thin wrappers around the jobs."""

from datetime import date

from celery import shared_task

from automation import messaging
from automation.jobs import run_job
from config.clock import shop_today


# The name it had in members/tasks.py: beat rows and migrations store it.
@shared_task(
    name="members.tasks.run_nightly_job",
    autoretry_for=(Exception,),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)
def run_nightly_job(job, day=None):
    """Thin wrapper: the beat schedule and the jobs page's "run now" call this."""
    run = run_job(job=job, day=date.fromisoformat(day) if day else shop_today())
    return run.summary


@shared_task(name="automation.send_message", acks_late=True)
def send_message_task(message_id):
    """Send one message now (a sign-in code cannot wait for the next outbox
    run); if it fails, the outbox run retries it as any other message."""
    return messaging.send_message(message_id)
