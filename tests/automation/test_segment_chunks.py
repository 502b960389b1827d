"""A chunk of a message to a segment, built set-based: {to_next_tier} read
for the whole chunk gives each member the text the per-member path gives,
in a number of queries that does not grow with the chunk, and a chunk run
again adds nothing."""

import random
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from automation import segment_messages as service
from config.clock import shop_today
from members.models import OutboundMessage, Tag
from points.models import Purchase
from segments.models import Segment, SegmentRecipient
from tests.factories import MemberFactory
from tests.tiers.conftest import at, buy
from tiers.models import TierProgramme
from tiers.progress import ProgressBook, tier_progress

TEXTS = {
    "name": "Progress",
    "sms_text": "{name}: {to_next_tier}",
    "sms_text_zh_hant": "{name}：{to_next_tier}",
    "sms_text_zh_hans": "{name}：{to_next_tier}（简体）",
    "email_subject": "{name}, {tier}",
    "email_text": "{points} points. {to_next_tier} {member_page_link}",
    "holdout_percent": 0,
}


@pytest.fixture
def ladder(salon):
    """The salon ladder with every criterion in use somewhere."""
    salon["gold"].qualify_window_purchases = 6
    salon["gold"].save()
    salon["silver"].qualify_window_points = 400
    salon["silver"].save()
    return salon


@pytest.fixture
def vip(ladder):
    return Tag.objects.create(name="VIP")


def _varied_members(ladder, vip, count=24):
    """Members in each tier, with and without sales in and out of the window,
    refunds, referrals, in grace (running or over), in each language."""
    rng = random.Random(25)
    today = shop_today()
    tiers = [ladder["member"], ladder["silver"], ladder["gold"]]
    members = []
    for n in range(count):
        grace = None
        if n % 6 == 4:
            grace = today + timedelta(days=rng.choice([10, 40, 200]))
        elif n % 6 == 5:
            grace = today - timedelta(days=3)
        member = MemberFactory(
            tier=tiers[n % 3],
            tier_grace_until=grace,
            language=["", "en", "zh-hant", "zh-hans"][n % 4],
            email=f"m{n}@example.com" if n % 2 else "",
            points_balance=rng.randrange(0, 900),
        )
        for _sale in range(rng.randrange(0, 4)):
            days_ago = rng.choice([2, 40, 300, 500])
            buy(member, str(rng.randrange(100, 2500)), at(today - timedelta(days=days_ago)))
        if n % 5 == 1:
            purchase = Purchase.objects.filter(member=member).first()
            if purchase is not None:
                purchase.refunds.create(
                    amount=Decimal("100"), idempotency_key=f"refund-{n}", created_at=timezone.now()
                )
        if n % 7 == 3:
            friend = MemberFactory(referred_by=member)
            buy(friend, "300", at(today - timedelta(days=5)))
        member.refresh_from_db()
        member.tags.add(vip)
        members.append(member)
    return members


@pytest.mark.parametrize("window", ["months", "calendar_year"])
def test_progress_read_for_many_says_what_it_says_for_one(ladder, vip, window):
    if window == "calendar_year":
        programme = TierProgramme.current()
        programme.window = TierProgramme.Window.CALENDAR_YEAR
        programme.save()
    members = _varied_members(ladder, vip)
    book = ProgressBook(members)
    sentences = set()
    for language in ("en", "zh-hant", "zh-hans"):
        with translation.override(language):
            for member in members:
                one = tier_progress(member)
                many = book.progress(member)
                assert many.sentence == one.sentence, (member.pk, language)
                assert (many.next_tier, many.qualifies_for, many.options, many.deadline) == (
                    one.next_tier,
                    one.qualifies_for,
                    one.options,
                    one.deadline,
                )
                sentences.add(one.sentence)
    # The set really is varied: reaching, keeping in grace, the top tier.
    text = " ".join(sentences)
    assert "to reach" in text and "to keep" in text and "top tier" in text


def test_each_member_gets_the_text_the_per_member_path_renders(
    owner, ladder, vip, django_capture_on_commit_callbacks
):
    members = _varied_members(ladder, vip)
    segment = Segment.objects.create(name="VIP", criteria={"tags": [str(vip.pk)]})
    message = service.save_message(
        segment=segment, fields={**TEXTS, "send_at": timezone.now()}, by=owner
    )
    # The personal link carries the second it was signed: the same one for both.
    with mock.patch.object(signing.TimestampSigner, "timestamp", return_value="1xaf9T"):
        with django_capture_on_commit_callbacks(execute=True):
            service.schedule_message(message=message, by=owner)
        queued = {
            (m.member_id, m.channel): (m.subject, m.text)
            for m in OutboundMessage.objects.filter(purpose="segment")
        }
        assert len(queued) == sum(1 + bool(m.email) for m in members)
        for member in members:
            rendered = service.render_for(message, member)
            for channel in ("sms", "email") if member.email else ("sms",):
                assert queued[(member.pk, channel)] == rendered[channel], (member.pk, channel)
    assert any("to keep" in text for _subject, text in queued.values())


def _queries_for_a_chunk(message, members):
    with CaptureQueriesContext(connection) as queries:
        service.build_chunk(message_id=message.pk, member_ids=[m.pk for m in members])
    return len(queries.captured_queries)


def test_a_chunk_reads_the_same_number_of_queries_for_more_members(owner, ladder, vip):
    members = _varied_members(ladder, vip, count=30)
    segment = Segment.objects.create(name="VIP", criteria={"tags": [str(vip.pk)]})
    first = service.save_message(
        segment=segment, fields={**TEXTS, "send_at": timezone.now()}, by=owner
    )
    second = service.save_message(
        segment=segment, fields={**TEXTS, "name": "Again", "send_at": timezone.now()}, by=owner
    )
    # Members in grace read their own window: one query per grace end.
    few = [m for m in members if not m.tier_grace_until][:4]
    many = [m for m in members if not m.tier_grace_until]
    assert len(many) > 2 * len(few)
    assert _queries_for_a_chunk(first, few) == _queries_for_a_chunk(second, many)
    assert OutboundMessage.objects.filter(dedup_key__startswith=f"segment:{second.pk}:").count()


def test_a_chunk_run_again_in_part_or_whole_adds_nothing(owner, ladder, vip):
    members = _varied_members(ladder, vip, count=12)
    segment = Segment.objects.create(name="VIP", criteria={"tags": [str(vip.pk)]})
    message = service.save_message(
        segment=segment, fields={**TEXTS, "send_at": timezone.now()}, by=owner
    )
    ids = [m.pk for m in members]
    service.build_chunk(message_id=message.pk, member_ids=ids[:5])
    service.build_chunk(message_id=message.pk, member_ids=ids)
    service.build_chunk(message_id=message.pk, member_ids=ids)
    recipients = SegmentRecipient.objects.filter(message=message)
    assert sorted(recipients.values_list("member_id", flat=True)) == sorted(ids)
    keys = list(
        OutboundMessage.objects.filter(
            dedup_key__startswith=service.key_prefix(message)
        ).values_list("dedup_key", flat=True)
    )
    assert len(keys) == len(set(keys)) == sum(1 + bool(m.email) for m in members)
