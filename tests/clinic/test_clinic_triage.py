"""Triage by the coordinator: accept with mentors (and their load), change mentors, merge a
duplicate, close with a reason; the time to the first response."""

from __future__ import annotations

from lms.audit import AuditEvent
from lms.clinic.models import CaseMentor, Consultation, Message
from lms.notifications.models import Notification
from tests.clinic.conftest import page
from tests.helpers import csrf_token


def _notes(db, user):
    return [n.kind for n in db.session.scalars(db.select(Notification).filter_by(user_id=user.id))]


def test_the_region_list_puts_new_cases_first_and_is_for_coordinators(
    client, clinic, make_case, login_as
):
    make_case(title="Sudah didampingi", state="active")
    make_case(title="Baru masuk")
    login_as(clinic.coordinator)
    html = page(client.get(f"/regions/{clinic.region.code}/clinic"))
    assert html.index("Baru masuk") < html.index("Sudah didampingi")
    assert "Menunggu ditangani: 1" in html and "Didampingi: 1" in html
    for other in (clinic.mentor, clinic.leader, clinic.requester, clinic.other_coordinator):
        login_as(other)
        assert client.get(f"/regions/{clinic.region.code}/clinic").status_code == 403


def test_the_triage_page_shows_each_mentors_open_load(client, clinic, make_case, login_as):
    make_case(state="active", mentors=[clinic.mentor])
    make_case(state="active", mentors=[clinic.mentor])
    waiting = make_case(title="Perlu pendamping")
    login_as(clinic.coordinator)
    html = page(client.get(f"/clinic/{waiting.id}/triage"))
    assert "Pendamping Satu, M.Si. (2 konsultasi berjalan)" in html
    assert "Pendamping Dua, S.Sos. (0 konsultasi berjalan)" in html
    login_as(clinic.mentor)
    assert client.get(f"/clinic/{waiting.id}/triage").status_code == 404


def test_accepting_assigns_mentors_answers_first_and_tells_them(
    client, db, clinic, make_case, login_as
):
    case = make_case()
    assert case.first_response_dt is None
    login_as(clinic.coordinator)
    token = csrf_token(client, f"/clinic/{case.id}/triage")
    response = client.post(
        f"/clinic/{case.id}/mentors",
        data={
            "csrf_token": token,
            "mentors": [str(clinic.mentor.id), str(clinic.mentor2.id)],
            "lock": str(case.lock_version),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.get(Consultation, case.id)
    assert case.state == "active" and case.first_response_dt is not None
    assert {m.user_id for m in case.mentors} == {clinic.mentor.id, clinic.mentor2.id}
    assert "clinic.assigned" in _notes(db, clinic.mentor)
    assert "clinic.assigned" in _notes(db, clinic.mentor2)
    assert "clinic.accepted" in _notes(db, clinic.requester)
    login_as(clinic.requester)
    html = page(client.get(f"/clinic/{case.id}"))
    assert (
        "Diterima koordinator; pendamping: Pendamping Dua, S.Sos., Pendamping Satu, M.Si." in html
    )
    login_as(clinic.mentor2)
    assert client.get(f"/clinic/{case.id}").status_code == 200


def test_accepting_needs_a_mentor_of_the_region(client, db, clinic, make_case, login_as):
    case = make_case()
    login_as(clinic.coordinator)
    token = csrf_token(client, f"/clinic/{case.id}/triage")
    none = client.post(f"/clinic/{case.id}/mentors", data={"csrf_token": token})
    assert none.status_code == 400
    assert "Pilih paling sedikit satu pendamping." in page(none)
    outsider = client.post(
        f"/clinic/{case.id}/mentors",
        data={"csrf_token": token, "mentors": [str(clinic.colleague.id)]},
    )
    assert outsider.status_code == 400
    db.session.expire_all()
    assert db.session.get(Consultation, case.id).state == "new"
    assert db.session.scalar(db.select(db.func.count(CaseMentor.id))) == 0


def test_a_stale_triage_page_does_not_overwrite(client, db, clinic, make_case, login_as):
    case = make_case()
    login_as(clinic.coordinator)
    token = csrf_token(client, f"/clinic/{case.id}/triage")
    seen = case.lock_version
    case.urgency = "high"  # someone else changed it meanwhile
    db.session.commit()
    response = client.post(
        f"/clinic/{case.id}/mentors",
        data={"csrf_token": token, "mentors": [str(clinic.mentor.id)], "lock": str(seen)},
    )
    assert response.status_code == 409
    assert "baru saja diubah orang lain" in page(response)
    db.session.expire_all()
    assert db.session.get(Consultation, case.id).state == "new"


def test_changing_mentors_later(client, db, clinic, make_case, login_as):
    case = make_case(state="active", mentors=[clinic.mentor])
    login_as(clinic.coordinator)
    token = csrf_token(client, f"/clinic/{case.id}/triage")
    response = client.post(
        f"/clinic/{case.id}/mentors",
        data={"csrf_token": token, "mentors": [str(clinic.mentor2.id)]},
    )
    assert response.status_code == 302
    login_as(clinic.mentor)
    assert client.get(f"/clinic/{case.id}").status_code == 404
    login_as(clinic.mentor2)
    html = page(client.get(f"/clinic/{case.id}"))
    assert "pendamping baru: Pendamping Dua, S.Sos." in html
    assert "tidak lagi mendampingi: Pendamping Satu, M.Si." in html


def test_merging_a_duplicate_points_it_to_the_other_case(client, db, clinic, make_case, login_as):
    first = make_case(title="Antrean loket", state="active")
    duplicate = make_case(title="Antrean loket (lagi)")
    login_as(clinic.coordinator)
    html = page(client.get(f"/clinic/{duplicate.id}/triage"))
    assert f"#{first.id} Antrean loket" in html
    assert f'value="{duplicate.id}"' not in html.split('name="target"')[1].split("</select>")[0]
    token = csrf_token(client, f"/clinic/{duplicate.id}/triage")
    response = client.post(
        f"/clinic/{duplicate.id}/merge", data={"csrf_token": token, "target": str(first.id)}
    )
    assert response.headers["Location"].endswith(f"/clinic/{first.id}")
    db.session.expire_all()
    merged = db.session.get(Consultation, duplicate.id)
    assert merged.state == "merged" and merged.merged_into_id == first.id
    assert merged.ended_dt is not None
    events = [m.event for m in db.session.scalars(db.select(Message).filter_by(kind="event"))]
    assert "merged_into" in events and "merged_from" in events
    login_as(clinic.requester)
    html = page(client.get(f"/clinic/{duplicate.id}"))
    assert "Digabungkan" in html and f"/clinic/{first.id}" in html
    # A merged case takes no more messages, and cannot be merged again.
    assert "Kirim</button>" not in html
    login_as(clinic.coordinator)
    again = client.post(
        f"/clinic/{duplicate.id}/merge", data={"csrf_token": token, "target": str(first.id)}
    )
    assert again.status_code in (302, 400, 409)
    db.session.expire_all()
    assert db.session.get(Consultation, duplicate.id).merged_into_id == first.id


def test_closing_needs_a_reason_the_requester_reads(client, db, clinic, make_case, login_as):
    case = make_case()
    login_as(clinic.coordinator)
    token = csrf_token(client, f"/clinic/{case.id}/triage")
    empty = client.post(f"/clinic/{case.id}/close", data={"csrf_token": token, "reason": "  "})
    assert empty.status_code == 400
    assert "Tulis alasan konsultasi ini ditutup." in page(empty)
    done = client.post(
        f"/clinic/{case.id}/close",
        data={"csrf_token": token, "reason": "Sudah ditangani BKPSDM."},
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Consultation, case.id).state == "closed"
    audit = db.session.scalar(db.select(AuditEvent).filter_by(action="consultation.close"))
    assert audit.after["reason"] == "Sudah ditangani BKPSDM."
    assert "clinic.closed" in _notes(db, clinic.requester)
    login_as(clinic.requester)
    html = page(client.get(f"/clinic/{case.id}"))
    assert "Ditutup koordinator: Sudah ditangani BKPSDM." in html


def test_the_first_response_is_a_staff_message_the_requester_sees(app, db, clinic, make_case):
    from lms.clinic import operations
    from lms.clinic.access import CaseAccess

    case = make_case(state="active")
    case.first_response_dt = None  # as if accepted silently: the next answer counts
    db.session.commit()
    with app.test_request_context():
        operations.post(case, clinic.requester, CaseAccess(requester=True), "Ada kabar?")
        assert case.first_response_dt is None
        operations.post(case, clinic.mentor, CaseAccess(mentor=True), "Catatan", private=True)
        assert case.first_response_dt is None
        operations.post(case, clinic.mentor, CaseAccess(mentor=True), "Besok kita bertemu.")
        assert case.first_response_dt is not None
