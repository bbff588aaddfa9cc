from __future__ import annotations

import pytest
from itsdangerous import TimestampSigner

from tests.helpers import PASSWORD, csrf_token

NIP = "198609262015051001"


def _login(client, identifier, password, **extra):
    token = csrf_token(client, "/login")
    data = {"identifier": identifier, "password": password, "csrf_token": token, **extra}
    return client.post("/login", data=data)


@pytest.mark.parametrize(
    "identifier", ["Rina@Example.org", "198609262015051001", "19860926 201505 1 001"]
)
def test_login_with_email_or_nip_with_or_without_spaces(client, make_user, identifier):
    make_user(email="rina@example.org", nip=NIP, full_name="Rina, S.E.")
    response = _login(client, identifier, PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    assert "Rina, S.E." in client.get("/dashboard").get_data(as_text=True)


def test_wrong_password_and_unknown_account_get_the_same_message(client, make_user):
    make_user(email="rina@example.org")
    wrong = _login(client, "rina@example.org", "salah-sekali").get_data(as_text=True)
    unknown = _login(client, "siapa@example.org", "salah-sekali").get_data(as_text=True)
    message = "Email/NIP atau kata sandi salah."
    assert message in wrong and message in unknown
    assert 'value="rina@example.org"' in wrong  # the identifier is kept


def test_deactivated_account_cannot_log_in(client, make_user, db):
    user = make_user(email="lama@example.org")
    user.active = False
    db.session.commit()
    response = _login(client, "lama@example.org", PASSWORD)
    assert response.status_code == 200
    assert "Email/NIP atau kata sandi salah." in response.get_data(as_text=True)


def test_next_is_followed_only_to_local_paths(client, make_user):
    make_user(email="rina@example.org")
    ok = _login(client, "rina@example.org", PASSWORD, next="/account/profile")
    assert ok.headers["Location"] == "/account/profile"
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        client.post("/logout", data={"csrf_token": csrf_token(client, "/account/profile")})
        response = _login(client, "rina@example.org", PASSWORD, next=evil)
        assert response.headers["Location"] == "/dashboard", evil


def test_logout_needs_post_with_csrf_and_ends_the_session(client, make_user):
    make_user(email="rina@example.org")
    _login(client, "rina@example.org", PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token
    token = csrf_token(client, "/dashboard")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.headers["Location"] == "/login"
    assert client.get("/dashboard").status_code == 302


def test_a_session_keeps_one_csrf_token_from_page_to_page_and_no_other_session_can_use_it(
    app, client, make_user, monkeypatch
):
    make_user(email="rina@example.org")
    make_user(email="budi@example.org")
    # Each signature a second later: a token signed again on each page would differ.
    clock = iter(range(1_900_000_000, 1_900_001_000))
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _self: next(clock))
    _login(client, "rina@example.org", PASSWORD)
    token = csrf_token(client, "/dashboard")
    assert csrf_token(client, "/dashboard") == token
    other = app.test_client()
    _login(other, "budi@example.org", PASSWORD)
    assert csrf_token(other, "/dashboard") != token
    assert other.post("/logout", data={"csrf_token": token}).status_code == 400
    assert client.post("/logout", data={"csrf_token": token}).headers["Location"] == "/login"


def test_ten_failures_from_one_address_block_the_eleventh_attempt(client, make_user):
    make_user(email="rina@example.org")
    for i in range(10):
        assert _login(client, f"orang{i}@example.org", "salah").status_code == 200
    blocked = _login(client, "rina@example.org", PASSWORD)
    assert blocked.status_code == 429
    assert "Terlalu banyak percobaan masuk" in blocked.get_data(as_text=True)


def test_ten_failures_for_one_account_block_it_from_any_address(client, make_user):
    make_user(email="rina@example.org", nip=NIP)
    for i in range(10):
        env = {"REMOTE_ADDR": f"10.0.0.{i + 1}"}
        token = csrf_token(client, "/login")
        client.post(
            "/login",
            data={"identifier": "rina@example.org", "password": "x", "csrf_token": token},
            environ_base=env,
        )
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={"identifier": "RINA@example.org", "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert response.status_code == 429


def test_successful_logins_do_not_count_as_failures(client, make_user):
    make_user(email="rina@example.org")
    for _ in range(12):
        assert _login(client, "rina@example.org", PASSWORD).status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    make_user(email="rina@example.org")
    response = _login(client, "rina@example.org", PASSWORD)
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_passwords_are_stored_hashed_with_scrypt(db):
    from lms.accounts import operations

    user = operations.create_user(
        email="hash@example.org", full_name="Hash", password="kelasinovasi"
    )
    assert user.password_hash.startswith("scrypt:")
    assert "kelasinovasi" not in user.password_hash
    assert user.check_password("kelasinovasi")
    assert not user.check_password("kelasinovasI")
