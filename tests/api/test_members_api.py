import pytest

from members.models import Member
from points.models import LedgerEntry
from rewards.models import Coupon
from rewards.services import redeem_reward
from tests.factories import MemberFactory, coupon_reward, give_points


@pytest.fixture
def member(tiers):
    return MemberFactory(phone="+886912345678", name="林美玲")


@pytest.mark.parametrize("typed", ["0912-345-678", "+886 912 345 678", "912345678", "5678"])
def test_find_by_phone_in_any_form(till, member, typed):
    response = till.get("/members/find", {"q": typed})
    assert response.status_code == 200
    assert [m["member_number"] for m in response.json()["matches"]] == [member.member_number]


def test_find_by_member_number_gives_that_member_only(till, member):
    MemberFactory(phone="+886900000001")
    response = till.get("/members/find", {"q": member.member_number})
    assert [m["member_number"] for m in response.json()["matches"]] == [member.member_number]


def test_find_never_lists_everyone(till, tiers):
    for n in range(12):
        MemberFactory(phone=f"+88691{n:02d}05678")
    body = till.get("/members/find", {"q": "5678"}).json()
    assert len(body["matches"]) <= 8 and body["more"] is True
    assert till.get("/members/find", {"q": ""}).status_code == 400


def test_card_shows_tier_balance_and_cash_value(till, member):
    give_points(member, 300)
    body = till.get(f"/members/{member.member_number}").json()
    assert body["tier"]["name"] == "Member" and body["tier"]["retail_discount"] == "5.00"
    assert body["points_balance"] == 300 and body["cash_value"] == "150.00"
    assert body["expiring"]["points"] == 0


def test_an_unknown_member_number_is_404(till, tiers):
    response = till.get("/members/0000000000")
    assert response.status_code == 404 and response.json()["code"] == "member_not_found"


def test_enrol_records_the_key_and_replays(till, tiers):
    body = {"phone": "0933 111 222", "name": "陳小明"}
    first = till.post("/members", body, key="enrol-1")
    assert first.status_code == 201
    member = Member.objects.get(phone="+886933111222")
    assert member.created_by == till.api_key.user
    again = till.post("/members", body, key="enrol-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Member.objects.count() == 1


def test_enrol_with_the_same_key_and_another_phone_is_422(till, tiers):
    till.post("/members", {"phone": "0933111222", "name": "A"}, key="enrol-2")
    response = till.post("/members", {"phone": "0933111333", "name": "A"}, key="enrol-2")
    assert response.status_code == 422 and response.json()["code"] == "idempotency_conflict"
    assert Member.objects.count() == 1


def test_enrol_a_registered_phone_is_refused(till, member):
    response = till.post("/members", {"phone": "0912345678", "name": "Again"})
    assert response.status_code == 422 and response.json()["code"] == "phone_taken"


def test_a_write_without_an_idempotency_key_is_refused(till, tiers):
    response = till.post("/members", {"phone": "0933111222", "name": "A"}, key=None)
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_missing"
    assert not Member.objects.exists()


def test_coupons_lists_and_checks_the_members_coupons(till, member):
    give_points(member, 500)
    reward = coupon_reward(points_cost=100)
    redeem_reward(member=member, reward=reward, idempotency_key="c1")
    listed = till.get(f"/members/{member.member_number}/coupons").json()
    assert len(listed) == 1 and listed[0]["value"] == "50.00"
    check = till.get(
        f"/members/{member.member_number}/coupons/{listed[0]['code']}", {"amount": "300"}
    )
    assert check.status_code == 200
    assert check.json()["discount"] == "50.00" and check.json()["amount_after"] == "250.00"


def test_checking_another_members_coupon_is_refused(till, member):
    other = MemberFactory()
    give_points(other, 500)
    redeem_reward(member=other, reward=coupon_reward(points_cost=100), idempotency_key="c2")
    code = Coupon.objects.get().code
    response = till.get(f"/members/{member.member_number}/coupons/{code}", {"amount": "300"})
    assert response.status_code == 422 and response.json()["code"] == "coupon_other_member"


def test_redeem_a_reward_spends_points_once(till, member):
    give_points(member, 500)
    reward = coupon_reward(points_cost=100)
    path = f"/members/{member.member_number}/redemptions"
    first = till.post(path, {"reward": reward.pk}, key="r-1")
    assert first.status_code == 201
    assert first.json()["points_spent"] == 100 and first.json()["balance_after"] == 400
    assert len(first.json()["coupons"]) == 1
    assert till.post(path, {"reward": reward.pk}, key="r-1").json() == first.json()
    member.refresh_from_db()
    assert member.points_balance == 400
    spend = LedgerEntry.objects.get(kind="reward_redeem")
    assert spend.by == till.api_key.user


def test_redeem_without_enough_points_says_why(till, member):
    reward = coupon_reward(points_cost=100)
    response = till.post(f"/members/{member.member_number}/redemptions", {"reward": reward.pk})
    assert response.status_code == 422 and response.json()["code"]


def test_ledger_pages_by_cursor(till, member):
    for n in range(5):
        give_points(member, 10 + n, key=f"g{n}")
    path = f"/members/{member.member_number}/ledger"
    first = till.get(path, {"limit": 2}).json()
    second = till.get(path, {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = till.get(path, {"limit": 2, "cursor": second["next_cursor"]}).json()
    seen = [e["id"] for page in (first, second, third) for e in page["items"]]
    assert len(seen) == 5 == len(set(seen))
    assert seen == sorted(seen, reverse=True)
    assert third["next_cursor"] is None


def test_a_bad_cursor_is_400(till, member):
    response = till.get(f"/members/{member.member_number}/ledger", {"cursor": "@@@"})
    assert response.status_code == 400 and response.json()["code"] == "cursor_invalid"


def test_a_nul_in_a_referrer_or_a_search_is_an_answer_not_a_500(till, tiers, owner_client):
    """PostgreSQL refuses a NUL in any text: found by the schemathesis run."""
    body = {"phone": "0933 111 444", "name": "A", "referred_by": "\u0000"}
    response = till.post("/members", body, key="enrol-nul")
    assert response.status_code in (201, 422)
    assert owner_client.get("/members/", {"q": "09\u0000"}).status_code == 200
