"""POST .../marks: an organizer's rows saved one by one; a row changed meanwhile comes back
as a conflict with the stored value and is not written, the others are; audit rows."""

from __future__ import annotations

from lms.attendance.models import AttendanceRecord
from lms.attendance.operations import set_mark
from lms.audit import AuditEvent
from lms.extensions import db as _db


def _path(classes) -> str:
    return f"/cohorts/{classes.cohort.id}/meetings/{classes.meeting.id}/marks"


def _record(classes, user) -> AttendanceRecord | None:
    _db.session.expire_all()
    return _db.session.scalar(
        _db.select(AttendanceRecord).filter_by(meeting_id=classes.meeting.id, user_id=user.id)
    )


def test_an_organizer_saves_marks_and_each_change_is_audited(api, classes, make_token):
    secret = make_token(classes.organizer, scopes=("attendance:write",))
    body = {"marks": [{"user_id": classes.participant.id, "status": "excused", "note": "Dinas"}]}
    response = api.post(_path(classes), body, secret)
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert (answer["saved"], answer["conflicts"], answer["refused"]) == (1, 0, 0)
    assert answer["results"] == [
        {
            "user_id": classes.participant.id,
            "result": "saved",
            "status": "excused",
            "note": "Dinas",
            "version": 1,
            "detail": None,
        }
    ]
    record = _record(classes, classes.participant)
    assert (record.status, record.note, record.marked_by_id) == (
        "excused",
        "Dinas",
        classes.organizer.id,
    )
    assert (
        _db.session.scalar(
            _db.select(_db.func.count()).select_from(AuditEvent).filter_by(action="attendance.mark")
        )
        == 1
    )
    # The same again writes nothing.
    again = api.post(_path(classes), body, secret).get_json()
    assert again["unchanged"] == 1 and again["saved"] == 0


def test_a_row_changed_meanwhile_is_a_conflict_and_the_others_are_saved(
    api, classes, make_user, make_token
):
    from lms.cohorts import operations as cohorts

    second = make_user(full_name="Peserta Dua")
    cohorts.add_member(classes.cohort, email=second.email, role="participant", actor=None)
    _db.session.commit()
    secret = make_token(classes.organizer)
    # Both seen without a row; meanwhile another organizer marked the first participant.
    set_mark(classes.meeting, classes.participant, "sick", note="Flu", actor=classes.trainer)
    _db.session.commit()
    body = {
        "marks": [
            {"user_id": classes.participant.id, "status": "absent", "expected_version": None},
            {"user_id": second.id, "status": "present", "expected_version": None},
        ]
    }
    answer = api.post(_path(classes), body, secret).get_json()
    by_user = {r["user_id"]: r for r in answer["results"]}
    conflict = by_user[classes.participant.id]
    assert conflict["result"] == "conflict"
    assert (conflict["status"], conflict["note"], conflict["version"]) == ("sick", "Flu", 1)
    assert "diubah orang lain" in conflict["detail"]
    assert by_user[second.id]["result"] == "saved"
    assert _record(classes, classes.participant).status == "sick"  # not overwritten
    assert _record(classes, second).status == "present"
    # Sent again over their version, the organizer's choice is saved.
    body = {
        "marks": [{"user_id": classes.participant.id, "status": "absent", "expected_version": 1}]
    }
    assert api.post(_path(classes), body, secret).get_json()["saved"] == 1
    assert _record(classes, classes.participant).status == "absent"


def test_someone_who_is_not_a_participant_is_refused_and_the_rest_saved(api, classes, make_token):
    secret = make_token(classes.organizer)
    body = {
        "marks": [
            {"user_id": classes.trainer.id, "status": "present"},
            {"user_id": classes.participant.id, "status": "present"},
        ]
    }
    answer = api.post(_path(classes), body, secret).get_json()
    assert [r["result"] for r in answer["results"]] == ["refused", "saved"]
    assert answer["results"][0]["detail"] == "Orang ini bukan peserta kelas pertemuan ini."
    assert _record(classes, classes.trainer) is None


def test_only_the_class_s_organizers_mark(api, classes, make_token):
    body = {"marks": [{"user_id": classes.participant.id, "status": "present"}]}
    for person in (classes.trainer, classes.participant, classes.other_organizer):
        response = api.post(_path(classes), body, make_token(person))
        assert response.status_code == 403, person.full_name
    assert _record(classes, classes.participant) is None


def test_bad_rows_refuse_the_whole_request(api, classes, make_token):
    secret = make_token(classes.organizer)
    twice = {
        "marks": [
            {"user_id": classes.participant.id, "status": "present"},
            {"user_id": classes.participant.id, "status": "absent"},
        ]
    }
    response = api.post(_path(classes), twice, secret)
    assert response.status_code == 422
    assert "dua kali" in response.get_json()["errors"][0]["message"]
    unknown = {"marks": [{"user_id": classes.participant.id, "status": "hadir"}]}
    problem = api.post(_path(classes), unknown, secret).get_json()
    assert problem["errors"][0]["field"] == "marks.0.status"
    assert api.post(_path(classes), {"marks": []}, secret).status_code == 422
    assert _record(classes, classes.participant) is None
