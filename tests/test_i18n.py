"""Indonesian by default, English on request, remembered, the user's preference at login."""

from __future__ import annotations

from tests.helpers import PASSWORD, csrf_token


def test_indonesian_is_the_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="id">' in html
    assert "Email atau NIP" in html


def test_lang_en_switches_and_is_remembered(client):
    html = client.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Email or NIP" in html
    again = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in again
    back = client.get("/login?lang=id").get_data(as_text=True)
    assert "Email atau NIP" in back


def test_unknown_language_falls_back_to_indonesian(client):
    assert '<html lang="id">' in client.get("/login?lang=xx").get_data(as_text=True)


def test_a_logged_in_users_preference_wins_over_the_visitors_choice(client, make_user):
    make_user(email="en@example.org", locale="en")
    client.get("/login?lang=id")
    token = csrf_token(client, "/login")
    client.post(
        "/login",
        data={"identifier": "en@example.org", "password": PASSWORD, "csrf_token": token},
    )
    html = client.get("/dashboard").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "My classes" in html


def test_error_messages_are_translated(client):
    token = csrf_token(client, "/login?lang=en")
    html = client.post(
        "/login", data={"identifier": "x@example.org", "password": "x", "csrf_token": token}
    ).get_data(as_text=True)
    assert "Wrong email/NIP or password." in html or "incorrect" in html.lower()


def test_dates_use_the_locales_format(client, make_user, make_cohort, login_as):
    person = make_user()
    cohort = make_cohort(participants=[person])
    login_as(person)
    indonesian = client.get(f"/cohorts/{cohort.id}?lang=id").get_data(as_text=True)
    assert "September 2023" in indonesian and "Selasa" in indonesian
    english = client.get(f"/cohorts/{cohort.id}?lang=en").get_data(as_text=True)
    assert "Tuesday" in english


def test_language_links_on_a_page_shown_after_a_post_lead_somewhere_that_exists(client):
    token = csrf_token(client, "/login")
    html = client.post(
        "/login", data={"identifier": "x@example.org", "password": "x", "csrf_token": token}
    ).get_data(as_text=True)
    assert 'href="/?lang=en"' in html
    assert client.get("/?lang=en").status_code == 302
    assert "Email or NIP" in client.get("/login").get_data(as_text=True)
