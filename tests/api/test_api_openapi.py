"""The OpenAPI document: valid OpenAPI 3.1, generated from the routes (every JSON route is in
it, with the scope its rule checks), right wherever the LMS is mounted."""

from __future__ import annotations

import re

from flask import Flask
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

from lms import LMS

API_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _document(client, prefix: str = "") -> dict:
    response = client.get(f"{prefix}/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(client):
    document = _document(client)
    assert document["openapi"] == "3.1.0"
    validate(document, cls=OpenAPIV31SpecValidator)
    assert document["servers"] == [{"url": "/api/v1"}]
    assert set(document["components"]["securitySchemes"]) == {"bearerToken", "session"}


def _api_routes(app) -> dict[tuple[str, str], str]:
    """(method, OpenAPI path) -> endpoint, for every JSON route but the document itself."""
    found = {}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("lms.api.v1.") or rule.endpoint.endswith(".openapi"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in set(rule.methods or ()) & API_METHODS:
            found[(method.lower(), path)] = rule.endpoint
    return found


def test_every_json_route_is_documented_with_its_rule_s_scope(app, client):
    document = _document(client)
    routes = _api_routes(app)
    documented = {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    assert set(documented) == set(routes)
    for key, endpoint in routes.items():
        operation = documented[key]
        scope = getattr(app.view_functions[endpoint], "api_scope", None)
        if scope is None:
            assert operation["security"] == [], key
        else:
            assert operation["security"] == [{"bearerToken": [scope]}, {"session": []}], key
        answers = operation["responses"]
        assert {"401", "422", "429"} <= set(answers), key
        for status, answer in answers.items():
            media = "application/problem+json" if int(status) >= 400 else "application/json"
            assert set(answer.get("content", {})) == {media}, (key, status)


def test_mounted_under_lms_the_document_points_there(tmp_path):
    host = Flask("host_with_api")
    host.config.update(
        SECRET_KEY="host-secret",
        TESTING=True,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'host.sqlite3'}",
        LMS_UPLOAD_DIR=str(tmp_path / "uploads"),
    )
    LMS().init_app(host, url_prefix="/lms")
    client = host.test_client()
    document = _document(client, "/lms")
    assert document["servers"] == [{"url": "/lms/api/v1"}]
    assert "/me/cohorts" in document["paths"]
    validate(document, cls=OpenAPIV31SpecValidator)
    nobody = client.get("/lms/api/v1/me/cohorts", headers={"Accept": "application/json"})
    assert nobody.status_code == 401
    assert nobody.mimetype == "application/problem+json"
