"""Messages to a segment: who gets them, the holdout, quiet hours, the
outbox, the results and the uplift."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.urls import reverse

from automation import messaging
from automation import segment_messages as service
from automation.segment_results import message_results
from config.errors import LoyaltyError
from members.models import OutboundMessage, Tag
from points.models import Refund
from segments.models import Segment, SegmentMessage, SegmentRecipient
from tests.clock import clock_at
from tests.factories import MemberFactory, PurchaseFactory

TAIPEI = ZoneInfo("Asia/Taipei")
MEMORY_SMS = "automation.channels.MemorySmsBackend"


def at(hour, minute=0, day=8):
    return datetime(2026, 12, day, hour, minute, tzinfo=TAIPEI)


@pytest.fixture
def vip(tiers):
    return Tag.objects.create(name="VIP")


@pytest.fixture
def segment(vip):
    return Segment.objects.create(name="VIP", criteria={"tags": [str(vip.pk)]})


@pytest.fixture
def crowd(vip):
    """Sixty VIP members, some opted out or without a contact, and ten others."""
    members = []
    for n in range(60):
        member = MemberFactory(
            email=f"m{n}@example.com" if n % 3 else "",
            messages_opt_out=n % 10 == 0,
            sms_opt_out=n % 7 == 0,
        )
        member.tags.add(vip)
        members.append(member)
    MemberFactory.create_batch(10, email="x@example.com")
    return members


def _message(owner, segment, **fields):
    defaults = {
        "name": "December",
        "sms_text": "Hi {name}, {points} points at {tier}. {member_page_link}",
        "sms_text_zh_hant": "{name}您好，您有 {points} 點",
        "email_subject": "News for {name}",
        "email_text": "Dear {name}",
        "holdout_percent": 10,
        "send_at": at(20, 30),
    }
    return service.save_message(segment=segment, fields={**defaults, **fields}, by=owner)


def _schedule(owner, message, django_capture_on_commit_callbacks, moment=None):
    with clock_at(moment or at(12)), django_capture_on_commit_callbacks(execute=True):
        service.schedule_message(message=message, by=owner)


def _expected_channels(member):
    if member.messages_opt_out:
        return set()
    found = set()
    if member.phone and not member.sms_opt_out:
        found.add("sms")
    if member.email and not member.email_opt_out:
        found.add("email")
    return found


def test_reaches_exactly_the_opted_in_members_with_a_contact_minus_the_holdout(
    owner, segment, crowd, django_capture_on_commit_callbacks
):
    message = _message(owner, segment)
    reach = service.reach(message)
    _schedule(owner, message, django_capture_on_commit_callbacks)

    reachable = [m for m in crowd if _expected_channels(m)]
    held = {m.pk for m in reachable if service.is_held_out(message, m.pk)}
    assert held, "a 10 % holdout of this crowd should hold someone out"
    expected = {(m.pk, c) for m in reachable if m.pk not in held for c in _expected_channels(m)}
    queued = set(
        OutboundMessage.objects.filter(purpose="segment").values_list("member_id", "channel")
    )
    assert queued == expected
    recorded = dict(SegmentRecipient.objects.values_list("member_id", "outcome"))
    assert {pk for pk, outcome in recorded.items() if outcome == "held_out"} == held
    assert len(recorded) == 60  # every segment member, nobody else
    assert reach.will_receive == len(reachable) - len(held)
    assert reach.held_out == len(held)
    assert reach.opted_out == sum(1 for m in crowd if not _expected_channels(m))


def test_sms_wait_for_the_end_of_quiet_hours_and_emails_do_not(
    owner, segment, crowd, django_capture_on_commit_callbacks
):
    message = _message(owner, segment, send_at=at(22, 15))
    _schedule(owner, message, django_capture_on_commit_callbacks)
    sms = OutboundMessage.objects.filter(purpose="segment", channel="sms")
    emails = OutboundMessage.objects.filter(purpose="segment", channel="email")
    assert {m.next_attempt_at for m in sms} == {at(9, 0, day=9)}
    assert {m.next_attempt_at for m in emails} == {at(22, 15)}


@override_settings(
    SMS_BACKEND=MEMORY_SMS, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
)
def test_the_outbox_never_sends_an_sms_in_quiet_hours(
    owner, segment, crowd, django_capture_on_commit_callbacks, mailoutbox
):
    from automation.channels import MemorySmsBackend

    MemorySmsBackend.sent.clear()
    message = _message(owner, segment, send_at=at(20, 50))
    _schedule(owner, message, django_capture_on_commit_callbacks)
    with clock_at(at(20, 55)):
        counts = messaging.send_due_messages()
    assert counts["sent"] == OutboundMessage.objects.filter(channel="sms").count() + len(mailoutbox)
    sent_sms = len(MemorySmsBackend.sent)
    assert sent_sms > 0
    # A retry due at 23:00 (quiet) is put off to 09:00, not sent.
    OutboundMessage.objects.filter(channel="sms").update(status="queued", next_attempt_at=at(22, 0))
    with clock_at(at(23, 0)):
        counts = messaging.send_due_messages()
    assert len(MemorySmsBackend.sent) == sent_sms
    assert counts["postponed"] == OutboundMessage.objects.filter(channel="sms").count()
    assert set(
        OutboundMessage.objects.filter(channel="sms").values_list("next_attempt_at", flat=True)
    ) == {at(9, 0, day=9)}


def test_texts_are_in_the_members_language_with_placeholders(owner, segment, vip):
    member = MemberFactory(name="陳小姐", language="zh-hant", points_balance=120)
    member.tags.add(vip)
    message = _message(owner, segment)
    rendered = service.render_for(message, member)
    assert rendered["sms"][1] == "陳小姐您好，您有 120 點"
    # No Chinese email text: the first one, with the unsubscribe link.
    assert rendered["email"][1].startswith("Dear 陳小姐")
    assert "/messages/unsubscribe/" in rendered["email"][1]


def test_member_page_link_and_tier_fill_in(owner, segment, tiers):
    member = MemberFactory(name="Amy", tier=tiers["silver"])
    sms = service.render_for(_message(owner, segment), member)["sms"][1]
    assert sms.startswith("Hi Amy, 0 points at Silver. http")
    assert "/my/" in sms


def test_unknown_placeholder_is_refused(owner, segment):
    with pytest.raises(LoyaltyError) as refused:
        _message(owner, segment, sms_text="Hi {nmae}")
    assert refused.value.field == "sms_text"


def test_a_message_without_text_is_refused(owner, segment):
    with pytest.raises(LoyaltyError):
        _message(owner, segment, sms_text="", sms_text_zh_hant="", email_text="")


def test_scheduling_twice_is_refused_and_queues_once(
    owner, segment, crowd, django_capture_on_commit_callbacks
):
    message = _message(owner, segment)
    _schedule(owner, message, django_capture_on_commit_callbacks)
    count = OutboundMessage.objects.count()
    with pytest.raises(LoyaltyError):
        _schedule(owner, message, django_capture_on_commit_callbacks)
    # A redelivered chunk adds nothing either.
    service.build_chunk(message_id=message.pk, member_ids=[m.pk for m in crowd])
    assert OutboundMessage.objects.count() == count


def test_uplift_matches_a_hand_computation(
    owner, segment, crowd, django_capture_on_commit_callbacks
):
    message = _message(owner, segment, holdout_percent=30, send_at=at(10))
    _schedule(owner, message, django_capture_on_commit_callbacks)
    messaged = list(SegmentRecipient.objects.filter(outcome="messaged").order_by("member_id"))
    held = list(SegmentRecipient.objects.filter(outcome="held_out").order_by("member_id"))
    # Messaged: two buyers in the window (300 + 200, one refunded 50), one
    # before the send and one after the 14 days, which do not count.
    PurchaseFactory(member=messaged[0].member, amount_paid=Decimal("300"), created_at=at(11))
    refunded = PurchaseFactory(
        member=messaged[1].member, amount_paid=Decimal("200"), created_at=at(10, day=15)
    )
    Refund.objects.create(
        purchase=refunded, idempotency_key="r1", created_at=at(12, day=16), amount=Decimal("50")
    )
    PurchaseFactory(member=messaged[2].member, amount_paid=Decimal("999"), created_at=at(9))
    PurchaseFactory(
        member=messaged[3].member, amount_paid=Decimal("999"), created_at=at(10, day=22)
    )
    # Held out: one buyer of 120.
    PurchaseFactory(member=held[0].member, amount_paid=Decimal("120"), created_at=at(15, day=9))

    results = message_results(message)
    per_messaged = (Decimal("450") / len(messaged)).quantize(Decimal("0.01"))
    per_held = (Decimal("120") / len(held)).quantize(Decimal("0.01"))
    assert results.messaged.sales == Decimal("450")
    assert results.held_out.sales == Decimal("120")
    assert (results.messaged.buyers, results.held_out.buyers) == (2, 1)
    assert results.messaged.per_member == per_messaged
    assert results.held_out.per_member == per_held
    assert results.uplift == per_messaged - per_held


def test_results_count_sent_failed_and_opted_out(
    owner, segment, crowd, django_capture_on_commit_callbacks
):
    message = _message(owner, segment, email_text="")
    _schedule(owner, message, django_capture_on_commit_callbacks)
    queued = OutboundMessage.objects.filter(purpose="segment").order_by("pk")
    first, second, third = list(queued[:3])
    OutboundMessage.objects.filter(pk=first.pk).update(status="sent")
    OutboundMessage.objects.filter(pk=second.pk).update(status="failed")
    OutboundMessage.objects.filter(pk=third.pk).update(status="skipped")
    results = message_results(message)
    opted_out_then = SegmentRecipient.objects.filter(outcome="opted_out").count()
    assert (results.sent, results.failed) == (1, 1)
    assert results.opted_out == opted_out_then + 1
    assert results.waiting == queued.count() - 3


# --- pages ----------------------------------------------------------------------


def test_owner_writes_previews_and_schedules_on_the_pages(
    owner_client, segment, crowd, django_capture_on_commit_callbacks
):
    response = owner_client.post(
        reverse("automation:segment_message_create"),
        {
            "segment": segment.pk,
            "name": "Hello",
            "sms_text": "Hi {name}",
            "holdout_percent": "10",
            "send_at": "2026-12-08T12:00",
            "quiet_from": "21:00",
            "quiet_until": "09:00",
        },
    )
    message = SegmentMessage.objects.get()
    assert response.status_code == 302
    page = owner_client.get(reverse("automation:segment_message_edit", args=[message.pk]))
    reach = service.reach(message)
    assert f"{reach.will_receive} members will receive it" in page.content.decode()
    member = crowd[1]
    preview = owner_client.get(
        reverse("automation:segment_message_preview", args=[message.pk]),
        {"member": member.member_number},
    )
    assert f"Hi {member.name}" in preview.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("automation:segment_message_schedule", args=[message.pk])
        )
    assert response.status_code == 302
    assert OutboundMessage.objects.filter(purpose="segment").count() == reach.will_receive
    results = owner_client.get(reverse("automation:segment_message_results", args=[message.pk]))
    assert "Uplift per member" in results.content.decode()


def test_a_bad_holdout_is_a_field_error(owner_client, segment):
    response = owner_client.post(
        reverse("automation:segment_message_create"),
        {
            "segment": segment.pk,
            "name": "X",
            "sms_text": "Hi",
            "holdout_percent": "80",
            "send_at": "2026-12-08T12:00",
            "quiet_from": "21:00",
            "quiet_until": "09:00",
        },
    )
    assert response.status_code == 400
    assert not SegmentMessage.objects.exists()


def test_staff_cannot_open_messages(staff_client):
    assert staff_client.get(reverse("automation:segment_messages")).status_code == 403
    assert staff_client.get(reverse("automation:segment_message_create")).status_code == 403


def test_schedule_wants_post(owner_client, owner, segment):
    message = _message(owner, segment)
    url = reverse("automation:segment_message_schedule", args=[message.pk])
    assert owner_client.get(url).status_code == 405


def test_a_scheduled_message_opens_its_results_not_the_form(
    owner_client, owner, segment, django_capture_on_commit_callbacks
):
    message = _message(owner, segment)
    _schedule(owner, message, django_capture_on_commit_callbacks)
    response = owner_client.get(reverse("automation:segment_message_edit", args=[message.pk]))
    assert response["Location"] == reverse("automation:segment_message_results", args=[message.pk])


def test_preview_for_nobody_says_so(owner_client, owner, segment):
    message = _message(owner, segment)
    response = owner_client.get(
        reverse("automation:segment_message_preview", args=[message.pk]), {"member": "0000"}
    )
    assert "No single member has this number or phone" in response.content.decode()


def test_the_segment_in_use_cannot_be_deleted(owner, segment):
    from segments.services import delete_segment

    _message(owner, segment)
    with pytest.raises(LoyaltyError):
        delete_segment(segment=segment, by=owner)
    assert Segment.objects.filter(pk=segment.pk).exists()


def test_a_text_written_only_in_chinese_reaches_english_readers_too(owner, segment):
    member = MemberFactory(name="Amy", language="en")
    message = _message(owner, segment, sms_text="", sms_text_zh_hant="{name}您好")
    assert service.render_for(message, member)["sms"][1] == "Amy您好"


def test_message_list_reads_a_fixed_number_of_queries(
    owner_client, owner, segment, django_assert_max_num_queries
):
    for n in range(5):
        _message(owner, segment, name=f"M{n}")
    with django_assert_max_num_queries(8):
        assert owner_client.get(reverse("automation:segment_messages")).status_code == 200
