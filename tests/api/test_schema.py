def test_the_schema_is_openapi_3_1_without_a_log_in(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.1")
