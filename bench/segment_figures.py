"""Issue 25's figures: a message to a fifth of the shop (200,000 members of
a million), and how fast its segment is counted.

The message is scheduled as the owner schedules it; its Celery tasks are
caught on their way to the broker and run as a worker runs them: the split
into chunks, then the chunks, shared by WORKERS forked worker processes,
each taking the next chunk when it is free (a prefetch of one). Everything
it wrote is deleted afterwards: the outbox rows, the recipients, the message
and the segments.
"""

import multiprocessing
import time
from datetime import timedelta
from unittest import mock

from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone

from bench.harness import Result, latency_results, ok, timed_ms, under

SHARE = 5  # a fifth of the members
WORKERS = 2
COUNT_REQUESTS = 20
TEXTS = {
    "sms_text": "{name}, {points} points at {tier}. {to_next_tier} {member_page_link}",
    "sms_text_zh_hant": "{name}您好，您有 {points} 點（{tier}）。{to_next_tier} {member_page_link}",
    "email_subject": "News for {name}",
    "email_text": "Dear {name},\n\nYou have {points} points. {to_next_tier}\n\n{member_page_link}",
}


def _owner(ctx):
    from django.contrib.auth import get_user_model

    ctx.owner_client()  # makes the bench owner
    return get_user_model().objects.get(username="bench-owner")


def _spend_floor(members):
    """The lifetime spend of the member at the fifth from the top: spend_min
    of a segment holding about a fifth of the shop."""
    from members.models import Member

    position = max(members // SHARE - 1, 0)
    ordered = Member.objects.order_by("-lifetime_spend").values_list("lifetime_spend", flat=True)
    return ordered[position]


def _segments(owner):
    """The fifth by spend, and four more as a shop keeps them (for the list page)."""
    from members.models import Member
    from segments.services import save_segment
    from tiers.models import Tier

    top = Tier.objects.active().order_by("-rank").first()
    month = timezone.localdate().month
    fifth = save_segment(
        name="Bench: the top fifth by spend",
        criteria={"spend_min": str(_spend_floor(Member.objects.count()))},
        by=owner,
    )
    others = [
        save_segment(name=f"Bench: {name}", criteria=criteria, by=owner)
        for name, criteria in (
            ("top tier", {"tier": str(top.pk)}),
            ("birthdays this month", {"birthday_month": str(month)}),
            ("active", {"stage": "active"}),
            ("points expiring in 30 days", {"expiring_days": "30"}),
        )
    ]
    return fifth, others


def _chunk_worker(jobs, results):
    """One Celery worker process: run chunk tasks until told to stop."""
    from automation import tasks

    connections.close_all()  # never share the parent's socket
    done = []
    try:
        while (job := jobs.get()) is not None:
            message_id, member_ids = job
            started, cpu = time.perf_counter(), time.process_time()
            tasks.segment_message_chunk(message_id, member_ids)
            done.append((time.perf_counter() - started, time.process_time() - cpu))
    except BaseException:
        import traceback

        results.put(traceback.format_exc())
        raise
    finally:
        connections.close_all()
    results.put(done)


def _run_chunks(chunks):
    """The chunk tasks in WORKERS processes; [[(seconds, the worker's own
    CPU seconds), ...] per worker]."""
    connections.close_all()
    fork = multiprocessing.get_context("fork")
    jobs, results = fork.Queue(), fork.Queue()
    for args in chunks:
        jobs.put(args)
    for _worker in range(WORKERS):
        jobs.put(None)
    workers = [fork.Process(target=_chunk_worker, args=(jobs, results)) for _w in range(WORKERS)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=3600) for _worker in workers]
    for worker in workers:
        worker.join()
    failures = [outcome for outcome in outcomes if isinstance(outcome, str)]
    if failures:
        raise RuntimeError("a chunk worker failed:\n" + failures[0])
    return outcomes


def _schedule_and_build(message, owner):
    """schedule_message, its build task and the chunk tasks, as the workers
    run them; (seconds per step, the chunk tasks, per-worker outcomes)."""
    from automation import segment_messages, tasks

    broker = []

    def on_commit(task, *args, **kwargs):
        transaction.on_commit(lambda: broker.append((task, args)))

    def send(task, *args, **kwargs):
        broker.append((task, args))

    started = time.perf_counter()
    with mock.patch.object(segment_messages, "send_on_commit", on_commit):
        segment_messages.schedule_message(message=message, by=owner)
    scheduled = time.perf_counter()
    ((task, args),) = broker
    assert task.name == tasks.segment_message_build.name
    broker.clear()
    with mock.patch("config.queue.send", send):
        task(*args)
    split = time.perf_counter()
    assert all(task.name == tasks.segment_message_chunk.name for task, _args in broker)
    chunks = [args for _task, args in broker]
    per_worker = _run_chunks(chunks)
    finished = time.perf_counter()
    steps = {
        "schedule": scheduled - started,
        "split": split - scheduled,
        "chunks": finished - split,
        "total": finished - started,
    }
    return steps, chunks, per_worker


def _clean_up(message, segments):
    from automation.segment_messages import key_prefix
    from members.models import OutboundMessage
    from segments.models import SegmentRecipient

    started = time.perf_counter()
    with transaction.atomic():
        if message is not None:
            OutboundMessage.objects.filter(dedup_key__startswith=key_prefix(message)).delete()
            SegmentRecipient.objects.filter(message=message).delete()
            message.delete()
        for segment in segments:
            segment.delete()
    return time.perf_counter() - started


def segment_message(ctx):
    """A message to a fifth of the shop: the segment counted, the segments
    page, then scheduling, splitting and building the message in Celery
    chunks (WORKERS worker processes); everything deleted afterwards."""
    from automation import segment_messages
    from members.models import OutboundMessage
    from segments.models import SegmentRecipient
    from segments.selectors import segment_members

    members = ctx.dataset["members"]
    scale = max(1_000_000 / members, 1) if members else 1
    owner = _owner(ctx)
    client = ctx.owner_client()
    fifth, others = _segments(owner)
    message = None
    try:
        size = segment_members(fifth.criteria).count()
        count_samples = timed_ms(
            lambda _i: segment_members(fifth.criteria).count(), list(range(COUNT_REQUESTS))
        )
        list_url = reverse("segments:list")
        list_samples = timed_ms(lambda _i: ok(client.get(list_url)), list(range(COUNT_REQUESTS)))
        message = segment_messages.save_message(
            segment=fifth,
            fields={
                "name": "Bench: December news",
                **TEXTS,
                "holdout_percent": 10,
                "send_at": timezone.now() + timedelta(hours=1),
            },
            by=owner,
        )
        reach = segment_messages.reach(message)
        steps, chunks, per_worker = _schedule_and_build(message, owner)
        recipients = SegmentRecipient.objects.filter(message=message)
        recorded = recipients.count()
        messaged = recipients.filter(outcome=SegmentRecipient.Outcome.MESSAGED).count()
        queued = OutboundMessage.objects.filter(
            dedup_key__startswith=segment_messages.key_prefix(message)
        ).count()
    finally:
        cleaned = _clean_up(message, [fifth, *others])
    as_reached = recorded == size and messaged == reach.will_receive
    busy = [sum(seconds for seconds, _cpu in done) for done in per_worker]
    python_cpu = sum(cpu for done in per_worker for _seconds, cpu in done)
    chunk_times = sorted(seconds for done in per_worker for seconds, _cpu in done)
    one_worker = sum(busy)
    fixed = steps["schedule"] + steps["split"]
    scaled = ""
    if scale > 1:
        scaled = f", scaled to 1M from {steps['total']:.1f} s at {members:,} members"
    return [
        *latency_results(
            f"segment count, a fifth of the members ({size:,})",
            count_samples,
            p95_under=500,
            note="segment_members(criteria).count(), lifetime spend from the fifth's floor",
        ),
        *latency_results(
            f"segments page, {1 + len(others)} segments counted",
            list_samples,
            note="every segment's count in one statement",
        ),
        under(
            f"message to a fifth: schedule, split, build in {WORKERS} workers",
            round(steps["total"] * scale, 1),
            "s",
            60,
            note=(
                f"{recorded:,} recipients, {queued:,} outbox rows, {len(chunks)} chunks; "
                f"schedule {steps['schedule']:.1f} s, split {steps['split']:.1f} s, "
                f"chunks {steps['chunks']:.1f} s (workers busy "
                f"{' / '.join(f'{b:.1f}' for b in busy)} s, their Python's CPU "
                f"{python_cpu:.1f} s){scaled}; "
                f"{'as reach counted' if as_reached else 'NOT AS REACH COUNTED'}; "
                f"cleaned up in {cleaned:.1f} s"
            ),
            extra={
                "measured_s": {k: round(v, 2) for k, v in steps.items()},
                "worker_busy_s": [round(b, 2) for b in busy],
                "chunk_s": [[round(t, 2) for t, _cpu in done] for done in per_worker],
                "workers_python_cpu_s": round(python_cpu, 2),
                "chunk_s_p50": round(chunk_times[len(chunk_times) // 2], 3) if chunks else None,
                "chunk_s_max": round(chunk_times[-1], 3) if chunks else None,
                "members_per_chunk": segment_messages.CHUNK_SIZE,
            },
        ),
        Result(
            "  same, projected with one worker",
            round((fixed + one_worker) * scale, 1),
            "s",
            note=f"the chunks' time added up: {one_worker:.1f} s at {members:,} members",
        ),
    ]
