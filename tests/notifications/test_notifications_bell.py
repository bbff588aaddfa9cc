"""The bell: a count in every page's header for a logged-in person (one COUNT), the list,
opening one (read), all read; nobody opens another person's notification."""

from __future__ import annotations

from lms.notifications import operations
from lms.notifications.models import Notification
from tests.clinic.conftest import page
from tests.helpers import counted_queries, csrf_token


def _notify(app, db, user, n=1, **kw):
    with app.test_request_context():
        made = [
            operations.notify(
                user,
                "clinic.message",
                {"name": "Pendamping", "title": f"Kasus {i}"},
                endpoint="lms.clinic.mine",
                **kw,
            )
            for i in range(n)
        ]
        db.session.commit()
    return made


def test_the_bell_counts_unread_and_the_list_shows_them(app, client, db, make_user, login_as):
    person = make_user()
    _notify(app, db, person, 3)
    login_as(person)
    html = page(client.get("/dashboard"))
    assert '<span class="badge count" aria-hidden="true">3</span>' in html
    assert "(3 belum dibaca)" in html
    listing = page(client.get("/notifications"))
    assert listing.count("Pesan baru dari Pendamping di konsultasi") == 3
    login_as(None)
    assert "badge count" not in page(client.get("/login"))


def test_opening_one_reads_it_and_goes_where_it_points(app, client, db, make_user, login_as):
    person = make_user()
    (note,) = _notify(app, db, person)
    login_as(person)
    token = csrf_token(client, "/notifications")
    response = client.post(f"/notifications/{note.id}", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/clinic")
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_dt is not None
    assert "badge count" not in page(client.get("/dashboard"))


def test_all_read_at_once(app, client, db, make_user, login_as):
    person = make_user()
    _notify(app, db, person, 2)
    login_as(person)
    token = csrf_token(client, "/notifications")
    assert client.post("/notifications/read", data={"csrf_token": token}).status_code == 302
    unread = db.session.scalar(
        db.select(db.func.count(Notification.id)).filter_by(user_id=person.id, read_dt=None)
    )
    assert unread == 0


def test_nobody_opens_another_person_s_notification(app, client, db, make_user, login_as):
    owner, other = make_user(), make_user()
    (note,) = _notify(app, db, owner)
    login_as(other)
    token = csrf_token(client, "/notifications")
    assert client.post(f"/notifications/{note.id}", data={"csrf_token": token}).status_code == 404
    assert "Kasus 0" not in page(client.get("/notifications"))
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_dt is None


def test_the_bell_costs_one_query_a_page(app, client, db, make_user, login_as):
    person = make_user()
    login_as(person)

    def count() -> list[str]:
        with counted_queries(db) as statements:
            client.get("/dashboard")
        return [s for s in statements if "lms_notification" in s]

    assert len(count()) == 1
    _notify(app, db, person, 40)
    assert len(count()) == 1


def test_a_wording_that_lost_its_values_still_shows(app, client, db, make_user, login_as):
    person = make_user()
    with app.test_request_context():
        operations.notify(person, "clinic.message", {})  # the values are missing
        operations.notify(person, "tidak.dikenal", {})
        db.session.commit()
    login_as(person)
    html = page(client.get("/notifications"))
    assert "tidak.dikenal" in html and "Pesan baru dari" in html
