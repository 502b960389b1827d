from datetime import timedelta

import pytest
from django.utils import timezone

from api.keys import revoke_api_key
from tests.factories import MemberFactory


@pytest.fixture
def member(tiers):
    return MemberFactory(phone="+886912345678")


def test_no_key_is_refused_with_a_problem(client, member):
    response = client.get(f"/api/v1/members/{member.member_number}")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "key_missing"


def test_an_unknown_key_is_refused(client, member):
    response = client.get(
        f"/api/v1/members/{member.member_number}", HTTP_AUTHORIZATION="Bearer ldk_nonsense"
    )
    assert response.status_code == 401 and response.json()["code"] == "key_unknown"


def test_a_revoked_key_is_refused_at_once(till, member, owner):
    assert till.get(f"/members/{member.member_number}").status_code == 200
    revoke_api_key(api_key=till.api_key, by=owner)
    response = till.get(f"/members/{member.member_number}")
    assert response.status_code == 401 and response.json()["code"] == "key_revoked"


def test_an_expired_key_is_refused(make_till, member):
    till = make_till(expires_at=timezone.now() + timedelta(minutes=1))
    till.api_key.__class__.objects.filter(pk=till.api_key.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = till.get(f"/members/{member.member_number}")
    assert response.status_code == 401 and response.json()["code"] == "key_expired"


def test_last_use_is_recorded(till, member):
    till.get(f"/members/{member.member_number}")
    till.api_key.refresh_from_db()
    assert till.api_key.last_used_at is not None


def test_the_rate_limit_answers_429_with_retry_after(till, member, settings):
    settings.API_RATE_LIMIT = 3
    statuses = [till.get(f"/members/{member.member_number}").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = till.get(f"/members/{member.member_number}")
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60


def test_the_rate_limit_counts_per_key(make_till, member, settings):
    settings.API_RATE_LIMIT = 1
    first, second = make_till(name="A"), make_till(name="B")
    assert first.get(f"/members/{member.member_number}").status_code == 200
    assert first.get(f"/members/{member.member_number}").status_code == 429
    assert second.get(f"/members/{member.member_number}").status_code == 200


def test_a_large_body_is_refused(till, member, settings):
    settings.API_MAX_BODY_BYTES = 100
    response = till.post(
        "/sales", {"member": member.member_number, "amount": "1", "receipt": "x" * 200}
    )
    assert response.status_code == 413 and response.json()["code"] == "body_too_large"


def test_the_message_follows_accept_language(client, member):
    response = client.get(
        f"/api/v1/members/{member.member_number}",
        HTTP_AUTHORIZATION="Bearer ldk_nonsense",
        HTTP_ACCEPT_LANGUAGE="zh-TW",
    )
    assert response.json()["code"] == "key_unknown"
    assert "API" in response.json()["detail"] and "is not known" not in response.json()["detail"]


# Which scope each endpoint needs: a key without it gets 403, whatever the rest.
ENDPOINTS = [
    ("get", "/members/find?q=0912345678", "read"),
    ("get", "/members/{n}", "read"),
    ("get", "/members/{n}/coupons", "read"),
    ("get", "/members/{n}/coupons/ABCD?amount=10", "read"),
    ("get", "/members/{n}/ledger", "read"),
    ("get", "/members/{n}/sales", "read"),
    ("get", "/programme", "read"),
    ("get", "/sales/1", "read"),
    ("post", "/members", "enrol"),
    ("post", "/sales", "sell"),
    ("post", "/members/{n}/redemptions", "sell"),
    ("post", "/sales/1/refunds", "refund"),
]
BODIES = {
    "/members": {"phone": "0933111222", "name": "New"},
    "/sales": {"member": "{n}", "amount": "100"},
    "/members/{n}/redemptions": {"reward": 1},
    "/sales/1/refunds": {},
}


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS)
def test_each_endpoint_needs_its_scope(make_till, member, method, path, scope):
    others = [s for s in ("read", "sell", "enrol", "refund") if s != scope]
    till = make_till(scopes=others)
    url = path.replace("{n}", member.member_number)
    if method == "get":
        response = till.get(url)
    else:
        body = {
            k: v.replace("{n}", member.member_number) if isinstance(v, str) else v
            for k, v in BODIES[path].items()
        }
        response = till.post(url, body)
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "scope_missing"


def test_a_quote_needs_read_or_sell(make_till, member):
    body = {"member": member.member_number, "amount": "100"}
    assert (
        make_till(scopes=["enrol", "refund"], name="x").post("/sales/quote", body).status_code
        == 403
    )
    assert make_till(scopes=["sell"], name="y").post("/sales/quote", body).status_code == 200
    assert make_till(scopes=["read"], name="z").post("/sales/quote", body).status_code == 200
