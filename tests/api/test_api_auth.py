"""Who may call the API: tokens (valid, expired, revoked, unknown, without the scope), the
session (with CSRF on writes), nobody; problem details in Indonesian and English; limits."""

from __future__ import annotations

from datetime import timedelta

from lms.api.models import PersonalAccessToken, secret_hash
from lms.extensions import db as _db
from tests.helpers import csrf_token


def _token_row(secret: str) -> PersonalAccessToken:
    return _db.session.scalar(
        _db.select(PersonalAccessToken).filter_by(token_hash=secret_hash(secret))
    )


def test_a_token_reads_its_owners_classes(api, classes, make_token):
    secret = make_token(classes.participant)
    response = api.get("/me/cohorts", secret)
    assert response.status_code == 200
    assert response.get_json() == {
        "cohorts": [
            {
                "id": classes.cohort.id,
                "code": classes.cohort.code,
                "name": classes.cohort.name,
                "role": "participant",
                "state": "open",
                "start_date": "2023-09-05",
                "end_date": "2023-09-07",
                "timezone": "Asia/Makassar",
                "venue": "",
            }
        ]
    }


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["code"] == code
    assert {"type", "title", "status", "detail"} <= set(body)
    return body


def test_nobody_gets_401_as_a_program_and_the_login_page_as_a_browser(api, client, classes):
    body = _problem(api.get("/me/cohorts"), 401, "unauthenticated")
    assert "Authorization: Bearer" in body["detail"]
    assert api.get("/me/cohorts").headers["WWW-Authenticate"].startswith("Bearer")
    browser = client.get("/api/v1/me/cohorts", headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.status_code == 302
    assert browser.headers["Location"].startswith("/login?next=/api/v1/me/cohorts")


def test_expired_revoked_unknown_and_malformed_tokens_open_nothing(api, classes, make_token, app):
    expired = make_token(classes.participant, days=7)
    row = _token_row(expired)
    row.created_dt -= timedelta(days=8)
    row.expires_dt -= timedelta(days=8)
    revoked = make_token(classes.participant)
    from lms.api import operations

    operations.revoke_token(_token_row(revoked), actor=classes.participant)
    _db.session.commit()
    assert (
        "kedaluwarsa" in _problem(api.get("/me/cohorts", expired), 401, "invalid_token")["detail"]
    )
    assert "dicabut" in _problem(api.get("/me/cohorts", revoked), 401, "invalid_token")["detail"]
    unknown = _problem(api.get("/me/cohorts", "kin_tidak-ada"), 401, "invalid_token")
    assert "tidak dikenal" in unknown["detail"]
    basic = api.client.get(
        "/api/v1/me/cohorts", headers={"Authorization": "Basic eDp5", "Accept": "*/*"}
    )
    _problem(basic, 401, "invalid_token")
    assert 'error="invalid_token"' in api.get("/me/cohorts", revoked).headers["WWW-Authenticate"]


def test_a_deactivated_owner_s_token_stops_working(api, classes, make_token):
    secret = make_token(classes.participant)
    classes.participant.active = False
    _db.session.commit()
    _problem(api.get("/me/cohorts", secret), 401, "invalid_token")


def test_a_token_without_the_scope_is_refused(api, classes, make_token):
    secret = make_token(classes.organizer, scopes=("read:classes",))
    body = {"marks": [{"user_id": classes.participant.id, "status": "present"}]}
    path = f"/cohorts/{classes.cohort.id}/meetings/{classes.meeting.id}/marks"
    refused = _problem(api.post(path, body, secret), 403, "insufficient_scope")
    assert "attendance:write" in refused["detail"]
    assert 'scope="attendance:write"' in api.post(path, body, secret).headers["WWW-Authenticate"]
    # The same person with the scope may.
    assert api.post(path, body, make_token(classes.organizer)).status_code == 200


def test_the_session_works_and_its_writes_need_the_csrf_token(api, client, login_as, classes):
    login_as(classes.organizer)
    assert api.get("/me/cohorts").status_code == 200
    path = f"/cohorts/{classes.cohort.id}/meetings/{classes.meeting.id}/marks"
    body = {"marks": [{"user_id": classes.participant.id, "status": "present"}]}
    _problem(api.post(path, body), 400, "csrf")
    token = csrf_token(client, "/dashboard")
    saved = client.post(
        "/api/v1" + path, json=body, headers={"X-CSRFToken": token, "Accept": "application/json"}
    )
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert saved.get_json()["saved"] == 1


def test_a_bearer_request_needs_no_csrf_token_and_ignores_the_session(
    api, login_as, classes, make_token
):
    login_as(classes.organizer)  # the browser's session is someone else's
    secret = make_token(classes.participant)
    mine = api.get("/me/cohorts", secret).get_json()["cohorts"]
    assert [c["role"] for c in mine] == ["participant"]
    path = f"/cohorts/{classes.cohort.id}/meetings/{classes.meeting.id}/marks"
    body = {"marks": [{"user_id": classes.participant.id, "status": "present"}]}
    _problem(api.post(path, body, secret), 403, "forbidden")  # not the organizer's rights


def test_problems_speak_indonesian_by_default_and_english_when_asked(api, classes, make_token):
    secret = make_token(classes.other_participant)
    path = f"/cohorts/{classes.cohort.id}/members"
    indonesian = _problem(api.get(path, secret), 403, "forbidden")
    assert indonesian["title"] == "Akses ditolak"
    assert api.get(path, secret).headers["Content-Language"] == "id"
    english = _problem(api.get(path, secret, lang="en-US,en;q=0.9"), 403, "forbidden")
    assert english["title"] == "Access denied"
    assert api.get(path, secret, lang="en").headers["Content-Language"] == "en"
    missing = _problem(api.get("/cohorts/999999/members", secret, lang="en"), 404, "not_found")
    assert missing["detail"] == "The page or data you are looking for does not exist."


def test_without_accept_language_the_account_s_language_is_used(api, classes, make_token):
    classes.other_participant.locale = "en"
    _db.session.commit()
    secret = make_token(classes.other_participant)
    body = _problem(api.get(f"/cohorts/{classes.cohort.id}/members", secret), 403, "forbidden")
    assert body["title"] == "Access denied"


def _limits(app, monkeypatch, token: str, address: str) -> None:
    monkeypatch.setitem(app.config, "LMS_API_RATE_LIMIT", token)
    monkeypatch.setitem(app.config, "LMS_API_ADDRESS_RATE_LIMIT", address)


def test_requests_are_limited_per_token(app, monkeypatch, api, classes, make_token):
    _limits(app, monkeypatch, "3 per minute", "100 per minute")
    first, second = make_token(classes.participant), make_token(classes.participant)
    assert [api.get("/me/cohorts", first).status_code for _ in range(3)] == [200] * 3
    limited = api.get("/me/cohorts", first)
    body = _problem(limited, 429, "too_many_requests")
    assert "Tunggu" in body["detail"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert api.get("/me/cohorts", second).status_code == 200  # a budget of its own


def test_requests_are_limited_per_address(app, monkeypatch, api, classes, make_token):
    _limits(app, monkeypatch, "100 per minute", "3 per minute")
    tokens = [make_token(classes.participant) for _ in range(4)]
    assert [api.get("/me/cohorts", t).status_code for t in tokens[:3]] == [200] * 3
    _problem(api.get("/me/cohorts", tokens[3]), 429, "too_many_requests")
    elsewhere = api.get("/me/cohorts", tokens[3], environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert elsewhere.status_code == 200


def test_a_browser_session_keeps_the_language_chosen_on_the_pages(api, client, login_as, classes):
    login_as(classes.other_participant)
    client.get("/dashboard?lang=en")  # remembered in the session, as the pages do
    path = f"/cohorts/{classes.cohort.id}/members"
    body = _problem(api.get(path, lang="id"), 403, "forbidden")
    assert body["title"] == "Access denied"
    assert _problem(api.get(path + "?lang=id"), 403, "forbidden")["title"] == "Akses ditolak"
