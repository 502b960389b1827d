from demo.shop import load_demo_shop
from rewards.models import Reward


def test_demo_shop_has_a_catalogue_and_loading_twice_adds_nothing(db):
    load_demo_shop(members=2)
    load_demo_shop(members=2)
    assert Reward.objects.count() == 6
    assert Reward.objects.get(name_en="Scalp massage").min_tier.name == "Silver"
    assert Reward.objects.get(name_en="NT$100 voucher").coupon_value == 100


def test_demo_catalogue_reads_in_simplified_chinese(db):
    from django.utils import translation

    load_demo_shop(members=1)
    with translation.override("zh-hans"):
        names = [reward.display_name for reward in Reward.objects.all()]
    assert "护发膜" in names
    assert "頭皮按摩" not in names


def test_demo_behaviour_rewards_are_named_in_chinese(db):
    from points.models import BehaviourRule

    load_demo_shop(members=1)
    names = list(BehaviourRule.objects.values_list("name", flat=True))
    assert "入會禮" in names
    assert not any(name.isascii() for name in names)
