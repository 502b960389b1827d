from members.demo import load_demo_shop
from rewards.models import Reward


def test_demo_shop_has_a_catalogue_and_loading_twice_adds_nothing(db):
    load_demo_shop(members=2)
    load_demo_shop(members=2)
    assert Reward.objects.count() == 5
    assert Reward.objects.get(name_en="Scalp massage").min_tier.name == "Silver"
    assert Reward.objects.get(kind="coupon").coupon_value == 100
