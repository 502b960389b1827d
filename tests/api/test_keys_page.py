from api.keys import hash_key
from api.models import ApiKey


def test_owner_creates_a_key_shown_once_and_stored_as_a_hash(owner_client):
    response = owner_client.post(
        "/api/keys/", {"name": "Front till", "scopes": ["read", "sell"], "expires_on": ""}
    )
    assert response.status_code == 200
    text = response.context["key_text"]
    assert text.startswith("ldk_") and text in response.content.decode()
    api_key = ApiKey.objects.get()
    assert api_key.key_hash == hash_key(text) and text not in str(api_key.__dict__)
    assert api_key.scopes == ["read", "sell"]
    listing = owner_client.get("/api/keys/").content.decode()
    assert "Front till" in listing and text not in listing


def test_a_key_needs_a_scope(owner_client):
    response = owner_client.post("/api/keys/", {"name": "Till", "scopes": []})
    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_owner_revokes_a_key(owner_client, make_till):
    till = make_till()
    response = owner_client.post(f"/api/keys/{till.api_key.pk}/revoke/")
    assert response.status_code == 302
    till.api_key.refresh_from_db()
    assert till.api_key.revoked_at is not None


def test_staff_may_not_open_the_keys_page(staff_client, make_till):
    till = make_till()
    assert staff_client.get("/api/keys/").status_code == 403
    assert staff_client.post("/api/keys/", {"name": "x", "scopes": ["read"]}).status_code == 403
    assert staff_client.post(f"/api/keys/{till.api_key.pk}/revoke/").status_code == 403
    till.api_key.refresh_from_db()
    assert till.api_key.revoked_at is None


def test_the_keys_page_requires_post_to_revoke(owner_client, make_till):
    till = make_till()
    assert owner_client.get(f"/api/keys/{till.api_key.pk}/revoke/").status_code == 405
