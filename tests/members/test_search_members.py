from datetime import timedelta

import pytest
from django.utils import timezone

from config.clock import shop_today
from members.models import LifecycleRules, Member
from members.names import name_search_key
from members.selectors import lifecycle_stage, search_members, stage_condition
from tests.factories import MemberFactory


@pytest.fixture
def chen(tiers):
    return MemberFactory(name="陳美玲", phone="+886912345678")


def test_last_four_digits_find_the_member(chen):
    assert list(search_members("5678")) == [chen]


@pytest.mark.parametrize("typed", ["0912-345-678", "+886912345678", "912345678"])
def test_full_phone_in_any_form_finds_the_member(chen, typed):
    assert list(search_members(typed)) == [chen]


def test_member_number_finds_the_member(chen):
    assert list(search_members(chen.member_number)) == [chen]


@pytest.mark.parametrize("typed", ["陳", "陈", "美玲", "陈美"])
def test_name_in_either_script_finds_the_member(chen, typed):
    assert list(search_members(typed)) == [chen]


def test_a_name_holding_every_piece_but_not_in_a_row_is_not_found(tiers):
    # 玲美玲 holds both pieces of 美玲美 (美玲, 玲美), but not 美玲美 itself.
    MemberFactory(name="玲美玲")
    wanted = MemberFactory(name="美玲美")
    assert list(search_members("美玲美")) == [wanted]


@pytest.mark.parametrize("typed", ["678", "45678", "345678", "12345678", "912345678"])
def test_the_last_digits_of_a_phone_find_the_member(chen, typed):
    MemberFactory(name="王小明", phone="+886967800000")  # the digits, but not at the end
    assert list(search_members(typed)) == [chen]


def test_three_digits_find_every_phone_ending_with_them(tiers):
    endings = {phone: MemberFactory(phone=phone) for phone in ("+886912340678", "+886912349678")}
    MemberFactory(phone="+886912346780")
    assert set(search_members("678")) == set(endings.values())


def test_unrelated_text_finds_nobody(chen):
    MemberFactory(name="王小明", phone="+886922000111")
    assert list(search_members("林")) == []


NAMES = ["陳美玲", "林美", "美玲王", "王小明", "Amy Chen", "Vincent Lin", "張_玲", "50% Off"]
PIECES = ["美玲", "美", "玲", "陈", "林", "小明", "明", "_玲"]
PIECES += ["in", "IN", "n", "y ", "_", "%", "% "]
# Longer keys go through all their pieces on PostgreSQL.
PIECES += ["陳美玲", "陈美玲", "美玲王", "Amy Chen", "t Lin", "張_玲", "50% Off", "0% O"]


@pytest.mark.parametrize("typed", PIECES)
def test_any_part_of_a_name_finds_every_name_holding_it(tiers, typed):
    # On PostgreSQL two characters or more go through the index of the names'
    # pairs, else LIKE: either way exactly the names holding the key, wildcards literal.
    members = [MemberFactory(name=name) for name in NAMES]
    key = name_search_key(typed)
    expected = {m.pk for m in members if key in m.name_key}
    assert expected
    assert set(search_members(typed).values_list("pk", flat=True)) == expected


@pytest.mark.postgres
def test_two_characters_can_use_the_name_pairs_index(tiers, on_postgres):
    if not on_postgres:
        pytest.skip("the pairs index is PostgreSQL's")
    from django.db import connection

    MemberFactory(name="陳美玲")
    with connection.cursor() as cursor:
        cursor.execute("SELECT member_name_pairs('陈美玲')")
        assert cursor.fetchone()[0] == ["陈美", "美玲"]
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = search_members("美玲").order_by().explain()
    assert "member_name_pairs_gin" in plan


@pytest.mark.postgres
def test_longer_names_use_the_name_pairs_index(tiers, on_postgres):
    if not on_postgres:
        pytest.skip("the pairs index is PostgreSQL's")
    from django.db import connection

    member = MemberFactory(name="陳美玲")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    assert "member_name_pairs_gin" in search_members("陳美玲").order_by().explain()
    assert list(search_members("陳美玲")) == [member]


@pytest.mark.postgres
@pytest.mark.parametrize("typed", ["678", "5678", "345678"])
def test_the_end_of_a_phone_uses_the_phone_tail_index(chen, on_postgres, typed):
    if not on_postgres:
        pytest.skip("a plan is PostgreSQL's")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    assert "phone_tail" in search_members(typed).order_by().explain()


def _bought(days_ago):
    return timezone.now() - timedelta(days=days_ago)


@pytest.mark.parametrize(
    ("joined_days_ago", "bought_days_ago", "stage"),
    [
        (10, None, "new"),
        (10, 5, "new"),
        (200, 20, "active"),
        (200, 75, "dormant"),
        (200, 120, "churned"),
        (50, None, "dormant"),
        (200, None, "churned"),
    ],
)
def test_lifecycle_stage_follows_the_default_rules(tiers, joined_days_ago, bought_days_ago, stage):
    member = MemberFactory(
        joined_on=shop_today() - timedelta(days=joined_days_ago),
        last_purchase_at=_bought(bought_days_ago) if bought_days_ago is not None else None,
    )
    assert lifecycle_stage(member) == stage
    # The set-based filter agrees with the per-member answer.
    assert list(Member.objects.filter(stage_condition(stage))) == [member]


@pytest.mark.parametrize(
    ("bought_days_ago", "brought_days_ago", "stage"),
    [
        (None, 20, "active"),
        (None, 75, "dormant"),
        (None, 120, "churned"),
        # A sale recorded here wins over the earlier system's last purchase.
        (120, 20, "churned"),
        (20, 120, "active"),
    ],
)
def test_the_last_purchase_brought_in_places_a_member_until_a_sale_here(
    tiers, bought_days_ago, brought_days_ago, stage
):
    member = MemberFactory(
        joined_on=shop_today() - timedelta(days=300),
        last_purchase_at=_bought(bought_days_ago) if bought_days_ago is not None else None,
        opening_last_purchase_on=shop_today() - timedelta(days=brought_days_ago),
    )
    assert lifecycle_stage(member) == stage
    assert list(Member.objects.filter(stage_condition(stage))) == [member]


def test_owner_can_move_the_thresholds(tiers):
    rules = LifecycleRules.current()
    rules.active_days, rules.churned_days = 100, 200
    rules.save()
    member = MemberFactory(
        joined_on=shop_today() - timedelta(days=300), last_purchase_at=_bought(75)
    )
    assert lifecycle_stage(member) == "active"


def test_stage_names_are_not_member_statuses_in_chinese():
    from django.utils import translation

    from members.models import Member
    from members.selectors import STAGES

    with translation.override("zh-hant"):
        assert str(STAGES["active"]) == "活躍"
        assert str(Member.Status.ACTIVE.label) == "有效"


def test_single_member_needs_a_member_number_or_full_phone(chen):
    from members.selectors import single_member

    assert single_member(chen.member_number) == chen
    assert single_member("0912-345-678") == chen
    assert single_member("5678") is None
    assert single_member("") is None
