"""Celery tasks of the automation app: thin wrappers around the jobs."""

from datetime import date

from celery import shared_task
from django.conf import settings

from automation import messaging
from automation.jobs import JobBusy, run_job
from config.clock import shop_today


# The name it had in members/tasks.py: beat rows and migrations store it.
@shared_task(
    bind=True,
    name="members.tasks.run_nightly_job",
    autoretry_for=(Exception,),
    dont_autoretry_for=(JobBusy,),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)
def run_nightly_job(self, job, day=None):
    """Thin wrapper: the beat schedule and the jobs page's "run now" call this."""
    day = day or shop_today().isoformat()
    try:
        run = run_job(job=job, day=date.fromisoformat(day))
    except JobBusy:
        if self.request.is_eager:
            raise
        # Another worker runs it (or ran it and died: a redelivered task).
        # Look again once that run would count as interrupted.
        raise self.retry(
            args=(job, day), kwargs={}, countdown=settings.JOB_HEARTBEAT_TIMEOUT + 30
        ) from None
    return run.summary


@shared_task(name="automation.send_message", acks_late=True)
def send_message_task(message_id):
    """Send one message now (a sign-in code cannot wait for the next outbox
    run); if it fails, the outbox run retries it as any other message."""
    return messaging.send_message(message_id)


@shared_task(name="automation.segment_message_build", acks_late=True)
def segment_message_build(message_id):
    """Split a scheduled message's segment into chunks for the workers."""
    from automation import segment_messages

    return segment_messages.build_message(message_id)


@shared_task(name="automation.segment_message_chunk", acks_late=True)
def segment_message_chunk(message_id, member_ids):
    """One chunk of a message to a segment; safe to run again."""
    from automation import segment_messages

    return segment_messages.build_chunk(message_id=message_id, member_ids=member_ids)
