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


def test_the_dashboard_lists_the_newest_class_first_in_the_user_loader_s_one_statement(
    app, client, db, make_user, make_cohort, login_as
):
    from datetime import date

    from lms.core import queries
    from tests.helpers import counted_queries

    person = make_user()
    for name, start in (("Kelas Lama", 2023), ("Kelas Baru", 2025), ("Kelas Tengah", 2024)):
        make_cohort(
            name=name,
            start_date=date(start, 3, 1),
            end_date=date(start, 3, 3),
            venue=f"Aula <{start}>",
            participants=[person],
        )
    login_as(person)
    with counted_queries(db) as statements:
        html = client.get("/dashboard").get_data(as_text=True)
    assert html.index("Kelas Baru") < html.index("Kelas Tengah") < html.index("Kelas Lama")
    assert "1 Maret 2025 – 3 Maret 2025" in html and "Aula &lt;2024&gt;" in html
    # The page's lists came with the account: no statement of the dashboard's own.
    assert len([s for s in statements if "SAVEPOINT" not in s]) == 1
    # Outside its page (a host app's own user loader) the board is the same, in one statement.
    assert person.is_admin is False  # loaded again before counting
    with app.test_request_context("/"), counted_queries(db) as statements:
        board = queries.dashboard_for(person)
    assert [c.name for c in board.memberships] == ["Kelas Baru", "Kelas Tengah", "Kelas Lama"]
    assert board.memberships[0].start_date == date(2025, 3, 1) and len(statements) == 1


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
