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


def test_unrelated_text_finds_nobody(chen):
    MemberFactory(name="王小明", phone="+886922000111")
    assert list(search_members("林")) == []


NAMES = ["陳美玲", "林美", "美玲王", "王小明", "Amy Chen", "Vincent Lin", "張_玲", "50% Off"]
PIECES = ["美玲", "美", "玲", "陈", "林", "小明", "明", "_玲"]
PIECES += ["in", "IN", "n", "y ", "_", "%", "% "]


@pytest.mark.parametrize("typed", PIECES)
def test_one_or_two_characters_find_every_name_holding_them(tiers, typed):
    # On PostgreSQL two characters go through the index of the names' pairs,
    # else LIKE: either way exactly the names holding the key, wildcards literal.
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
