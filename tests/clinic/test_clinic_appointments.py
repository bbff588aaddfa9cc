"""Appointments: in person with a place or online with an https link, in the case's calendar
feed (the attendance ICS builder), attendance taken as at class meetings, a short record; and
action items with the overdue ones on the dashboards."""

from __future__ import annotations

from datetime import date, timedelta

from icalendar import Calendar

from lms.audit import AuditEvent
from lms.clinic.models import ActionItem, Appointment, AppointmentAttendance
from lms.notifications.models import Notification
from tests.clinic.conftest import page
from tests.helpers import csrf_token


def _schedule(client, case, **data):
    token = csrf_token(client, f"/clinic/{case.id}/appointments/new")
    values = {
        "csrf_token": token,
        "title": "Sesi pendampingan 1",
        "day": (date.today() + timedelta(days=3)).isoformat(),
        "start_time": "09:00",
        "end_time": "10:30",
        "mode": "in_person",
        "place": "Ruang Rapat Bappelitbangda",
        "link": "",
    }
    values.update(data)
    return client.post(f"/clinic/{case.id}/appointments/new", data=values)


def test_an_in_person_appointment_in_the_region_s_time(client, db, clinic, make_case, login_as):
    case = make_case(state="active", mentors=[clinic.mentor])
    login_as(clinic.mentor)
    assert _schedule(client, case).status_code == 302
    item = db.session.scalar(db.select(Appointment))
    assert item.start_dt.hour == 1 and item.start_dt.minute == 0  # 09.00 WITA is 01.00 UTC
    assert item.place == "Ruang Rapat Bappelitbangda"
    note = db.session.scalar(
        db.select(Notification).filter_by(user_id=clinic.requester.id, kind="clinic.appointment")
    )
    assert "09.00 WITA" in note.params["when"]
    login_as(clinic.requester)
    html = page(client.get(f"/clinic/{case.id}"))
    assert "Sesi pendampingan 1" in html and "09.00 WITA" in html
    assert client.get(f"/clinic/{case.id}/appointments/new").status_code == 404


def test_an_online_appointment_needs_an_https_link(client, db, clinic, make_case, login_as):
    case = make_case(state="active")
    login_as(clinic.mentor)
    for link in ("http://meet.example.id/x", "javascript:alert(1)", "meet.example.id/x", ""):
        response = _schedule(client, case, mode="online", place="", link=link)
        assert response.status_code == 400, link
        assert "Tautan sesi daring harus alamat https://" in page(response)
    no_place = _schedule(client, case, place="")
    assert no_place.status_code == 400 and "Tulis tempat sesi tatap muka." in page(no_place)
    backwards = _schedule(client, case, start_time="11:00", end_time="10:00")
    assert "Jam selesai harus setelah jam mulai." in page(backwards)
    assert db.session.scalar(db.select(db.func.count(Appointment.id))) == 0
    ok = _schedule(client, case, mode="online", place="", link="https://meet.example.id/klinik")
    assert ok.status_code == 302


def test_the_case_calendar_feed_comes_from_the_attendance_builder(
    client, db, clinic, make_case, login_as
):
    from lms.attendance.exports import PRODID

    case = make_case(state="active")
    login_as(clinic.mentor)
    _schedule(client, case)
    _schedule(
        client, case, title="Sesi daring", mode="online", place="", link="https://meet.example.id/a"
    )
    first = db.session.scalar(db.select(Appointment).order_by(Appointment.id))
    token = csrf_token(client, f"/clinic/{case.id}/appointments/{first.id}")
    cancel = client.post(
        f"/clinic/{case.id}/appointments/{first.id}/cancel",
        data={"csrf_token": token, "lock": str(first.lock_version)},
    )
    assert cancel.status_code == 302
    login_as(clinic.requester)
    response = client.get(f"/clinic/{case.id}/calendar.ics")
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["prodid"]) == PRODID
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    online = events["Sesi daring — Klinik Inovasi"]
    assert str(online["url"]) == "https://meet.example.id/a"
    assert str(online["status"]) == "CONFIRMED"
    assert str(events["Sesi pendampingan 1 — Klinik Inovasi"]["status"]) == "CANCELLED"
    assert str(calendar["x-wr-timezone"]) == "Asia/Makassar"


def _personal_feed(client, db, person, login_as) -> Calendar:
    """The person's secret feed, fetched without a login (as a calendar app does)."""
    from lms.accounts.operations import set_calendar_token

    login_as(None)
    return Calendar.from_ical(
        client.get(f"/calendar/{set_calendar_token(person, enabled=True)}.ics").data
    )


def test_appointments_are_in_the_personal_feed_of_the_requester_and_mentors_only(
    client, db, clinic, make_case, login_as
):
    case = make_case(state="active", mentors=[clinic.mentor])
    other_case = make_case(state="active", mentors=[clinic.mentor2])
    login_as(clinic.mentor)
    _schedule(client, case, title="Sesi kasus Andi")
    login_as(clinic.mentor2)
    _schedule(client, other_case, title="Sesi kasus lain")
    db.session.flush()

    def summaries(person) -> set[str]:
        feed = _personal_feed(client, db, person, login_as)
        return {str(e["summary"]) for e in feed.walk("VEVENT")}

    # make_case opens both cases for the requester; only the mentors differ.
    assert summaries(clinic.requester) == {
        "Sesi kasus Andi — Klinik Inovasi",
        "Sesi kasus lain — Klinik Inovasi",
    }
    assert summaries(clinic.mentor) == {"Sesi kasus Andi — Klinik Inovasi"}
    assert summaries(clinic.mentor2) == {"Sesi kasus lain — Klinik Inovasi"}
    assert summaries(clinic.colleague) == set()
    assert summaries(clinic.other_mentor) == set()


def test_attendance_is_taken_as_at_class_meetings(client, db, clinic, make_case, login_as):
    case = make_case(state="active", mentors=[clinic.mentor])
    login_as(clinic.mentor)
    _schedule(client, case)
    item = db.session.scalar(db.select(Appointment))
    url = f"/clinic/{case.id}/appointments/{item.id}"
    html = page(client.get(url))
    assert f'name="status-{clinic.requester.id}"' in html and "Terlambat" in html
    token = csrf_token(client, url)
    grid = {
        "csrf_token": token,
        f"status-{clinic.requester.id}": "late",
        f"note-{clinic.requester.id}": "Macet",
        f"version-{clinic.requester.id}": "",
        f"seen-status-{clinic.requester.id}": "",
        f"seen-note-{clinic.requester.id}": "",
        f"status-{clinic.mentor.id}": "present",
        f"note-{clinic.mentor.id}": "",
        f"version-{clinic.mentor.id}": "",
        f"seen-status-{clinic.mentor.id}": "",
        f"seen-note-{clinic.mentor.id}": "",
    }
    assert client.post(url + "/attendance", data=grid).status_code == 302
    rows = {r.user_id: r for r in db.session.scalars(db.select(AppointmentAttendance))}
    assert rows[clinic.requester.id].status == "late" and rows[clinic.requester.id].note == "Macet"
    assert rows[clinic.mentor.id].status == "present"
    assert (
        db.session.scalar(
            db.select(db.func.count(AuditEvent.id)).filter_by(action="appointment.attendance")
        )
        == 2
    )
    # The same page posted again after someone else changed the row: nothing is overwritten.
    rows[clinic.requester.id].status = "absent"
    db.session.commit()
    grid[f"status-{clinic.requester.id}"] = "present"
    stale = client.post(url + "/attendance", data=grid)
    assert stale.status_code == 409 and "baru saja diubah orang lain" in page(stale)
    db.session.expire_all()
    assert db.session.get(AppointmentAttendance, rows[clinic.requester.id].id).status == "absent"
    # Nobody outside the case's people is on the grid.
    login_as(clinic.requester)
    grid["csrf_token"] = csrf_token(client, url)
    assert client.post(url + "/attendance", data=grid).status_code == 404
    assert f"{clinic.requester.full_name}: Alpa" in page(client.get(url))


def test_the_short_record_of_an_appointment(client, db, clinic, make_case, login_as):
    case = make_case(state="active")
    login_as(clinic.mentor)
    _schedule(client, case)
    item = db.session.scalar(db.select(Appointment))
    url = f"/clinic/{case.id}/appointments/{item.id}"
    token = csrf_token(client, url)
    empty = client.post(url + "/record", data={"csrf_token": token, "discussed": ""})
    assert empty.status_code == 400 and "Tulis apa yang dibahas." in page(empty)
    response = client.post(
        url + "/record",
        data={
            "csrf_token": token,
            "discussed": "Data antrean **tiga bulan**.",
            "decisions": "- Uji coba satu loket",
            "lock": str(item.lock_version),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.get(Appointment, item.id)
    assert item.state == "held" and "<strong>tiga bulan</strong>" in item.discussed_html
    login_as(clinic.requester)
    html = page(client.get(url))
    assert "<strong>tiga bulan</strong>" in html and "Uji coba satu loket" in html
    assert 'name="discussed"' not in html


def _add_action(client, case, owner, due, title="Kirim data antrean"):
    token = csrf_token(client, f"/clinic/{case.id}")
    return client.post(
        f"/clinic/{case.id}/actions",
        data={
            "csrf_token": token,
            "title": title,
            "owner": str(owner.id),
            "due_date": due.isoformat(),
        },
    )


def test_overdue_action_items_show_on_the_requester_s_and_mentor_s_dashboards(
    client, db, clinic, make_case, login_as
):
    case = make_case(state="active", mentors=[clinic.mentor])
    login_as(clinic.mentor)
    assert (
        _add_action(client, case, clinic.requester, date.today() - timedelta(days=3)).status_code
        == 302
    )
    _add_action(
        client, case, clinic.mentor, date.today() + timedelta(days=30), title="Belum jatuh tempo"
    )
    note = db.session.scalar(
        db.select(Notification).filter_by(user_id=clinic.requester.id, kind="clinic.action")
    )
    assert note.params["item"] == "Kirim data antrean"
    for who in (clinic.requester, clinic.mentor):
        login_as(who)
        html = page(client.get("/dashboard"))
        assert "Tindak lanjut klinik yang lewat tenggat" in html
        assert "Kirim data antrean" in html and "Belum jatuh tempo" not in html
    login_as(clinic.colleague)
    assert "Kirim data antrean" not in page(client.get("/dashboard"))
    # The owner marks it done; it leaves the dashboards.
    item = db.session.scalar(db.select(ActionItem).filter_by(title="Kirim data antrean"))
    login_as(clinic.requester)
    token = csrf_token(client, f"/clinic/{case.id}")
    response = client.post(
        f"/clinic/{case.id}/actions/{item.id}",
        data={"csrf_token": token, "state": "done", "lock": str(item.lock_version)},
    )
    assert response.status_code == 302
    assert "Kirim data antrean" not in page(client.get("/dashboard"))
    # The requester may not change the mentor's item.
    other = db.session.scalar(db.select(ActionItem).filter_by(title="Belum jatuh tempo"))
    refused = client.post(
        f"/clinic/{case.id}/actions/{other.id}", data={"csrf_token": token, "state": "done"}
    )
    assert refused.status_code == 404


def test_an_action_item_needs_an_owner_of_the_case(client, db, clinic, make_case, login_as):
    case = make_case(state="active")
    login_as(clinic.mentor)
    response = _add_action(client, case, clinic.colleague, date.today())
    assert response.status_code == 302
    html = page(client.get(response.headers["Location"]))
    assert "Pilih salah satu pilihan yang tersedia." in html
    assert db.session.scalar(db.select(db.func.count(ActionItem.id))) == 0


def test_an_overdue_item_stays_on_its_owner_s_dashboard_after_they_leave_the_case(
    client, db, clinic, make_case, login_as
):
    from lms.clinic import operations

    case = make_case(state="active", mentors=[clinic.mentor, clinic.mentor2])
    login_as(clinic.mentor)
    assert (
        _add_action(client, case, clinic.mentor2, date.today() - timedelta(days=3)).status_code
        == 302
    )
    operations.set_mentors(case, [clinic.mentor], actor=clinic.mentor)
    db.session.commit()
    # Neither requester nor mentor now, but still the item's owner.
    login_as(clinic.mentor2)
    assert "Kirim data antrean" in page(client.get("/dashboard"))


def test_the_dashboard_runs_as_many_statements_whatever_the_number_of_items(
    client, db, clinic, make_case, login_as
):
    from tests.helpers import counted_queries

    case = make_case(state="active", mentors=[clinic.mentor])
    login_as(clinic.mentor)

    def count() -> int:
        with counted_queries(db) as statements:
            client.get("/dashboard")
        return len(statements)

    _add_action(client, case, clinic.requester, date.today() - timedelta(days=2))
    few = count()
    for n in range(8):
        _add_action(
            client, case, clinic.requester, date.today() - timedelta(days=2), title=f"Tugas {n}"
        )
    assert count() == few
