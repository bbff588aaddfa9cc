from __future__ import annotations

from sqlalchemy.exc import OperationalError

from lms.extensions import db as _db


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_database_unreachable(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(_db.session, "execute", broken, raising=False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "error"}


def test_dashboard_lists_each_cohort_with_the_role_held(client, make_user, make_cohort, login_as):
    person = make_user(full_name="Rina Marlina, S.E.")
    first = make_cohort(name="Kelas Inovasi A", participants=[person])
    second = make_cohort(name="Kelas Video B", trainers=[person])
    make_cohort(name="Kelas Rahasia C")
    login_as(person)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Rina Marlina, S.E." in html
    assert first.name in html and second.name in html
    assert "Kelas Rahasia C" not in html
    assert "Peserta" in html and "Widyaiswara" in html


def test_admin_dashboard_shows_every_cohort(client, make_user, make_cohort, login_as):
    admin = make_user(is_admin=True)
    make_cohort(name="Kelas Orang Lain")
    login_as(admin)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Kelas Orang Lain" in html
    assert "Buat kelas baru" in html


def test_anonymous_dashboard_redirects_to_login_with_next(client):
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/dashboard")


def test_an_unknown_address_gets_the_not_found_page(client):
    response = client.get("/tidak/ada/di/sini")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    # Outside the LMS's routes the page still has its language and the language switch.
    assert "Tidak ditemukan" in html and '<html lang="id">' in html and "?lang=en" in html
