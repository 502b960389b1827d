def test_the_schema_is_openapi_3_1_without_a_log_in(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.1")


def test_the_schema_documents_every_endpoint_and_the_key(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/sales" in schema["paths"] and "/api/v1/members/find" in schema["paths"]
    assert schema["components"]["securitySchemes"]["KeyAuth"]["scheme"] == "bearer"


def test_the_docs_page_speaks_three_languages(client, db):
    english = client.get("/api/v1/docs", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Record a sale" in english and "idempotency_conflict" in english
    traditional = client.get("/api/v1/docs", HTTP_ACCEPT_LANGUAGE="zh-TW").content.decode()
    simplified = client.get("/api/v1/docs", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "Record a sale" not in traditional and "Record a sale" not in simplified
    assert "記錄" in traditional or "登錄" in traditional
    assert "记录" in simplified
