"""In a chain the member says on their phone where they will collect goods."""

from django.urls import reverse

from rewards.models import RewardRedemption, RewardStock
from rewards.services import set_store_stock
from tests.factories import RewardFactory, StoreFactory, give_points, owner_user


def test_the_member_picks_the_store_and_it_gives_from_its_shelf(member_client, member):
    main, mall = StoreFactory(name="Main Street"), StoreFactory(name="Mall")
    reward = RewardFactory(name="Hand cream", points_cost=100, stock=None)
    set_store_stock(reward=reward, quantities={main: 1, mall: 3}, by=owner_user(username="o"))
    give_points(member, 300)

    page = member_client.get(reverse("portal:reward", args=[reward.pk])).content.decode()
    response = member_client.post(
        reverse("portal:reward", args=[reward.pk]), {"key": "k" * 32, "store": mall.pk}
    )

    assert 'name="store"' in page and "Mall" in page
    assert response.status_code == 302
    assert RewardRedemption.objects.get(member=member).store == mall
    assert RewardStock.objects.get(reward=reward, store=mall).quantity == 2


def test_without_a_store_the_form_says_it_is_incomplete(member_client, member):
    StoreFactory(name="Main Street"), StoreFactory(name="Mall")
    reward = RewardFactory(points_cost=100)
    give_points(member, 300)

    response = member_client.post(reverse("portal:reward", args=[reward.pk]), {"key": "k" * 32})

    assert response.status_code == 400
    assert not RewardRedemption.objects.exists()
