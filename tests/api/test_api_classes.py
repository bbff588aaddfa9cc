"""A person's classes, meetings, a class's members and a meeting's attendance: what each role
reads, and the refusals (another class's organizer, a participant, a missing meeting)."""

from __future__ import annotations

from lms.attendance.operations import set_mark
from lms.extensions import db as _db
from tests.helpers import counted_queries


def test_each_person_lists_their_own_classes_with_their_role(api, classes, make_token):
    assert (
        api.get("/me/cohorts", make_token(classes.organizer)).get_json()["cohorts"][0]["role"]
        == "organizer"
    )
    assert [
        c["id"]
        for c in api.get("/me/cohorts", make_token(classes.other_participant)).get_json()["cohorts"]
    ] == [classes.other_cohort.id]


def test_a_participant_reads_the_meetings_with_their_own_status(api, classes, make_token):
    set_mark(classes.meeting, classes.participant, "late", actor=classes.organizer)
    _db.session.commit()
    body = api.get(f"/cohorts/{classes.cohort.id}/meetings", make_token(classes.participant))
    assert body.status_code == 200
    (meeting,) = body.get_json()["meetings"]
    assert meeting["id"] == classes.meeting.id
    assert meeting["own_status"] == "late"
    assert meeting["start_at"].startswith(classes.meeting.start_dt.strftime("%Y-%m-%dT%H:%M"))
    organizer = api.get(f"/cohorts/{classes.cohort.id}/meetings", make_token(classes.organizer))
    assert organizer.get_json()["meetings"][0]["own_status"] is None


def test_members_and_attendance_are_for_the_class_s_staff(api, classes, make_token):
    members = f"/cohorts/{classes.cohort.id}/members"
    attendance = f"/cohorts/{classes.cohort.id}/meetings/{classes.meeting.id}/attendance"
    for person in (classes.organizer, classes.trainer):
        secret = make_token(person)
        assert api.get(members, secret).status_code == 200
        assert api.get(attendance, secret).status_code == 200
    for person in (classes.participant, classes.other_organizer):
        secret = make_token(person)
        assert api.get(members, secret).status_code == 403
        assert api.get(attendance, secret).status_code == 403
        assert api.get(f"/cohorts/{classes.cohort.id}/meetings", secret).status_code == (
            200 if person is classes.participant else 403
        )


def test_the_member_list_and_the_attendance_rows(api, classes, make_token):
    secret = make_token(classes.organizer)
    people = api.get(f"/cohorts/{classes.cohort.id}/members", secret).get_json()["members"]
    assert {(p["full_name"], p["role"]) for p in people} == {
        ("Peserta Satu", "participant"),
        ("Widyaiswara Satu", "trainer"),
        ("Panitia Satu", "organizer"),
    }
    set_mark(classes.meeting, classes.participant, "sick", note="Demam", actor=classes.organizer)
    _db.session.commit()
    path = f"/cohorts/{classes.cohort.id}/meetings/{classes.meeting.id}/attendance"
    body = api.get(path, secret).get_json()
    assert body["counts"]["sick"] == 1 and body["counts"]["unmarked"] == 0
    (row,) = body["rows"]
    assert row == {
        "user_id": classes.participant.id,
        "full_name": "Peserta Satu",
        "status": "sick",
        "note": "Demam",
        "checked_in_at": None,
        "source": "organizer",
        "version": 1,
    }


def test_a_meeting_of_another_class_is_not_found(api, classes, make_meeting, make_token):
    elsewhere = make_meeting(classes.other_cohort)
    path = f"/cohorts/{classes.cohort.id}/meetings/{elsewhere.id}/attendance"
    missing = api.get(path, make_token(classes.organizer))
    assert missing.status_code == 404
    assert missing.get_json()["code"] == "not_found"


def test_the_attendance_takes_the_same_queries_for_few_and_many(
    api, db, classes, make_user, make_token
):
    from lms.cohorts import operations as cohorts

    secret = make_token(classes.organizer)
    path = f"/cohorts/{classes.cohort.id}/meetings/{classes.meeting.id}/attendance"
    _db.session.expunge_all()  # what a fresh request finds: nothing loaded yet
    with counted_queries(db) as few:
        assert api.get(path, secret).status_code == 200
    cohort = _db.session.get(type(classes.cohort), classes.cohort.id)
    for _ in range(30):
        person = make_user()
        cohorts.add_member(cohort, email=person.email, role="participant", actor=None)
    _db.session.commit()
    _db.session.expunge_all()
    with counted_queries(db) as many:
        assert len(api.get(path, secret).get_json()["rows"]) == 31
    assert len(many) == len(few)
