"""The demo shop's member tags, saved segments and a message to a segment
that went out ten days ago (see demo.shop.load_demo_shop for the order).

Everything goes through the owner's services (members.tags, segments,
automation.segment_messages). Those act "now", so the message is written
and scheduled today, as the owner would, and then dated back to its send
day, as demo.sales dates a member's join day back: its send time, the
outbox rows (marked sent then: the demo's phones are made up, so nobody is
texted) and a few recipients who came in after it, so its results page has
sales to compare with the holdout.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from automation.segment_messages import (
    CHUNK_SIZE,
    build_chunk,
    key_prefix,
    save_message,
    schedule_message,
)
from config.clock import shop_date, shop_day_start, shop_now, shop_today
from loyalty.sale import record_purchase
from members.models import Member, OutboundMessage, Tag
from members.tags import add_tag_to_members, save_tag
from points.models import Purchase
from segments.models import Segment, SegmentMessage, SegmentRecipient
from segments.selectors import segment_members
from segments.services import save_segment

# name, 繁體, 简体, who gets it: the share of members of each tier rank (the
# owner's labels follow the customer: VIPs are mostly the top tiers).
DEMO_TAGS = [
    ("VIP", "貴賓", "贵宾", {1: 0.04, 2: 0.3, 3: 0.7, 4: 0.9}),
    ("Perm client", "燙髮客", "烫发客", {1: 0.3, 2: 0.35, 3: 0.35, 4: 0.35}),
    ("Wholesale", "批發", "批发", {1: 0.04, 2: 0.08, 3: 0.1, 4: 0.1}),
    ("Prefers weekends", "假日來店", "周末来店", {1: 0.2, 2: 0.2, 3: 0.2, 4: 0.2}),
]

VIP_AWAY = "貴賓・60 天以上沒來"
EXPIRING = "年底有點數到期（300 點以上）"
PERM_CLIENTS = "燙髮客"
MESSAGE_NAME = "換季護髮 8 折（燙髮客）"
MESSAGE_DAYS_AGO = 10
MESSAGE_HOLDOUT = 20
# Of the members messaged, this share came in within the days after it.
REPLY_SHARE = 0.1


def _owner():
    return get_user_model().objects.get(username="owner")


def ensure_demo_tags(*, seed=2026):
    """The shop's tags, each given to a share of the members by a draw
    seeded by their phone. A tag is handed out once, when it has nobody yet
    (later sales move members between tiers; a second load adds nobody)."""
    owner = _owner()
    given = 0
    members = list(Member.objects.select_related("tier").order_by("pk"))
    for name, hant, hans, shares in DEMO_TAGS:
        tag = Tag.objects.filter(name=name).first() or save_tag(
            names={"name": name, "name_zh_hant": hant, "name_zh_hans": hans}, by=owner
        )
        with transaction.atomic():
            if tag.members.exists():
                continue
            chosen = [
                member.pk
                for member in members
                if random.Random(f"{seed}-{member.phone}-{name}").random()
                < shares.get(member.tier.rank, 0)
            ]
            given += add_tag_to_members(tag=tag, member_ids=chosen)
    return given


def _tag_id(name):
    return str(Tag.objects.get(name=name).pk)


def _days_to_year_end():
    today = shop_today()
    return max((today.replace(month=12, day=31) - today).days, 1)


def ensure_demo_segments():
    """Three saved segments: VIPs who have not come in 60 days (the last
    purchase before a date, as the owner would type it on the member list),
    members with points that expire at the end of the year, and the perm
    clients the demo's message went to."""
    owner = _owner()
    away_since = shop_today() - timedelta(days=60)
    wanted = [
        (VIP_AWAY, {"tags": [_tag_id("VIP")], "last_purchase_to": str(away_since)}),
        # The demo's points expire at the end of the year after earning.
        (EXPIRING, {"expiring_days": str(_days_to_year_end()), "balance_min": "300"}),
        (PERM_CLIENTS, {"tags": [_tag_id("Perm client")]}),
    ]
    made = 0
    for name, criteria in wanted:
        if not Segment.objects.filter(name=name).exists():
            save_segment(name=name, criteria=criteria, by=owner)
            made += 1
    return made


SMS_TEXTS = {
    "sms_text_zh_hant": (
        "{name} 您好：換季護髮 8 折，本月到店出示此簡訊即可。會員頁：{member_page_link}"
    ),
    "sms_text_zh_hans": (
        "{name} 您好：换季护发 8 折，本月到店出示此短信即可。会员页：{member_page_link}"
    ),
}


def ensure_demo_message(*, seed=2026):
    """The perm clients' message, sent MESSAGE_DAYS_AGO days ago with a
    holdout, and the recipients who came in after it. Each step is done
    once, so a load cut short finishes on the next. Returns the number of
    replies recorded by this call."""
    message = SegmentMessage.objects.filter(name=MESSAGE_NAME).first()
    segment = Segment.objects.get(name=PERM_CLIENTS)
    if message is None or message.status == SegmentMessage.Status.DRAFT:
        owner = _owner()
        fields = {
            "name": MESSAGE_NAME,
            "holdout_percent": MESSAGE_HOLDOUT,
            "send_at": shop_now(),
            **SMS_TEXTS,
        }
        message = save_message(message=message, segment=segment, fields=fields, by=owner)
        message = schedule_message(message=message, by=owner)
    # Scheduling moves the send time up to the moment it is scheduled;
    # dated back, the message was scheduled an hour before it went.
    if message.scheduled_at >= message.send_at:
        # Without a broker the schedule built it already; with one, a
        # worker would: build it here too (a chunk built twice adds nothing).
        ids = list(segment_members(segment.criteria).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), CHUNK_SIZE):
            build_chunk(message_id=message.pk, member_ids=ids[start : start + CHUNK_SIZE])
        _date_back(message)
    return _record_replies(message, seed=seed)


def _send_moment():
    day = shop_today() - timedelta(days=MESSAGE_DAYS_AGO)
    return shop_day_start(day) + timedelta(hours=11)


@transaction.atomic
def _date_back(message):
    """Move the message to its send day, its outbox rows sent then."""
    sent = _send_moment()
    SegmentMessage.objects.filter(pk=message.pk).update(
        send_at=sent, scheduled_at=sent - timedelta(hours=1), created_at=sent - timedelta(hours=2)
    )
    OutboundMessage.objects.filter(dedup_key__startswith=key_prefix(message)).update(
        status=OutboundMessage.Status.SENT,
        attempts=1,
        created_at=sent - timedelta(hours=1),
        next_attempt_at=sent,
        sent_at=sent,
    )
    message.refresh_from_db()


def _record_replies(message, *, seed):
    """Some of the members messaged come in on one of the days after
    it (before today), in the afternoon; the held-out ones only as they
    would have anyway."""
    staff = get_user_model().objects.get(username="staff")
    messaged = Member.objects.filter(
        pk__in=SegmentRecipient.objects.filter(
            message=message, outcome=SegmentRecipient.Outcome.MESSAGED
        ).values("member_id")
    ).order_by("pk")
    first_day = shop_date(message.send_at) + timedelta(days=1)
    days = (shop_today() - first_day).days
    if days < 1:
        return 0
    draws = [(member, random.Random(f"{seed}-{member.phone}-reply")) for member in messaged]
    coming = [(member, rng) for member, rng in draws if rng.random() < REPLY_SHARE]
    # Who is held out depends on the ids the database gave, so a small
    # segment could leave no reply at all: the results would show no uplift.
    coming = coming or draws[:1]
    made = 0
    for member, rng in coming:
        key = f"demo-reply-{message.pk}-{member.member_number}"
        if Purchase.objects.filter(idempotency_key=key).exists():
            continue
        day = first_day + timedelta(days=rng.randrange(days))
        at = shop_day_start(day) + timedelta(hours=rng.randrange(13, 19), minutes=rng.randrange(60))
        record_purchase(
            member=member,
            amount=Decimal(rng.randrange(120, 300) * 10),
            idempotency_key=key,
            by=staff,
            at=at,
        )
        made += 1
    return made
