"""Personal access tokens on the profile page: made with a name, scopes and a lifetime, the
secret shown once and stored hashed, revoked by their owner only."""

from __future__ import annotations

import hashlib
import re

from lms.api.models import PersonalAccessToken
from lms.audit import AuditEvent
from lms.extensions import db as _db
from tests.helpers import csrf_token

SECRET = re.compile(r'id="new-token"[^>]*value="(kin_[A-Za-z0-9_-]{43})"')


def _tokens() -> list[PersonalAccessToken]:
    return list(_db.session.scalars(_db.select(PersonalAccessToken)))


def _make(client, **data):
    form = {
        "csrf_token": csrf_token(client, "/account/profile"),
        "name": "Aplikasi presensi",
        "scopes": ["checkin", "read:classes"],
        "days": "30",
    }
    form.update(data)
    form = {k if k == "csrf_token" else f"token-{k}": v for k, v in form.items()}
    return client.post("/account/tokens", data=form)


def test_the_profile_page_offers_tokens(client, login_as, make_user):
    login_as(make_user())
    page = client.get("/account/profile").get_data(as_text=True)
    assert "Token akses pribadi" in page
    assert 'action="/account/tokens"' in page
    for scope in ("read:classes", "checkin", "attendance:write", "read:registry", "read:index"):
        assert f'value="{scope}"' in page


def test_a_token_is_shown_once_and_stored_hashed(api, client, login_as, make_user):
    person = make_user()
    login_as(person)
    made = _make(client)
    assert made.status_code == 200
    assert made.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(made.get_data(as_text=True)).group(1)
    assert "Authorization: Bearer kin_…" in made.get_data(as_text=True)
    (token,) = _tokens()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (token.name, token.hint, token.token_hash)
    assert token.hint == secret[:8]
    assert token.scopes == ["read:classes", "checkin"]
    assert (token.expires_dt - token.created_dt).days == 30
    # Never again: not on the token page, not on the profile, not in the session cookie.
    for path in ("/account/tokens", "/account/profile"):
        page = client.get(path).get_data(as_text=True)
        assert secret not in page
        assert "Aplikasi presensi" in page and token.hint in page
    assert all(secret not in c.value for c in client._cookies.values())
    assert _db.session.scalar(
        _db.select(AuditEvent.id).filter_by(action="api_token.create", actor_id=person.id)
    )
    assert api.get("/me/cohorts", secret).status_code == 200


def test_a_form_without_scopes_or_name_makes_nothing(client, login_as, make_user):
    login_as(make_user())
    refused = _make(client, scopes=[], name="")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Pilih sekurang-kurangnya satu izin." in page
    assert "Beri nama token" in page
    assert _make(client, days="3").status_code == 400  # not one of the lifetimes offered
    assert _tokens() == []


def test_the_owner_revokes_a_token_and_nobody_else_can(api, client, login_as, make_user):
    owner, other = make_user(), make_user()
    login_as(owner)
    secret = SECRET.search(_make(client).get_data(as_text=True)).group(1)
    (token,) = _tokens()
    login_as(other)
    refused = client.post(
        f"/account/tokens/{token.id}/revoke", data={"csrf_token": csrf_token(client, "/dashboard")}
    )
    assert refused.status_code == 404
    assert api.get("/me/cohorts", secret).status_code == 200
    login_as(owner)
    revoked = client.post(
        f"/account/tokens/{token.id}/revoke", data={"csrf_token": csrf_token(client, "/dashboard")}
    )
    assert revoked.status_code == 302
    assert "Dicabut" in client.get("/account/tokens").get_data(as_text=True)
    assert api.get("/me/cohorts", secret).status_code == 401


def test_a_token_cannot_make_tokens(client, make_user, make_token):
    person = make_user()
    secret = make_token(person)
    response = client.post(
        "/account/tokens",
        data={"token-name": "x", "token-scopes": ["checkin"], "token-days": "30"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 400  # the session's CSRF token is missing: nothing made
    assert len(_tokens()) == 1
