"""POST /api/v1/checkins, the offline app's contract: online and late syncs, replays by
client_id, and every refusal as a problem the participant can read, with nothing written."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from lms.attendance import codes
from lms.attendance.models import AttendanceRecord
from lms.attendance.operations import set_mark
from lms.db import utcnow
from lms.extensions import db as _db


def _claim(meeting, when, *, code_at=None, with_meeting=True, client_id=None):
    body = {
        "code": codes.current_code(meeting.secret, code_at or when),
        "claimed_at": when.isoformat(),
        "client_id": client_id or str(uuid.uuid4()),
    }
    if with_meeting:
        body["meeting_id"] = meeting.id
    return body


def _records(meeting) -> list[AttendanceRecord]:
    return list(_db.session.scalars(_db.select(AttendanceRecord).filter_by(meeting_id=meeting.id)))


def _syncs() -> int:
    """Rows written by a queued check-in (they keep the phone's client_id)."""
    return _db.session.scalar(
        _db.select(_db.func.count())
        .select_from(AttendanceRecord)
        .where(AttendanceRecord.client_id.is_not(None))
    )


@pytest.fixture
def participant_token(classes, make_token):
    return make_token(classes.participant, scopes=("checkin",))


def test_an_online_check_in_is_recorded_now_and_a_replay_answers_the_same(
    api, classes, participant_token
):
    body = _claim(classes.meeting, utcnow())
    first = api.post("/checkins", body, participant_token)
    assert first.status_code == 201, first.get_data(as_text=True)
    answer = first.get_json()
    assert answer["status"] == "present"
    assert answer["meeting_id"] == classes.meeting.id
    assert answer["synced_late"] is False
    assert answer["client_id"] == body["client_id"]
    assert "Presensi tercatat: Hadir" in answer["message"]
    replay = api.post("/checkins", body, participant_token)
    assert replay.status_code == 200
    assert replay.get_json() == answer
    (record,) = _records(classes.meeting)
    assert (record.user_id, record.status, record.source) == (
        classes.participant.id,
        "present",
        "checkin",
    )
    assert _syncs() == 1


def test_the_meeting_is_found_by_its_code(api, classes, participant_token):
    body = _claim(classes.meeting, utcnow(), with_meeting=False)
    response = api.post("/checkins", body, participant_token)
    assert response.status_code == 201
    assert response.get_json()["meeting_id"] == classes.meeting.id


def test_a_late_sync_counts_at_the_device_s_time(api, classes, make_meeting, participant_token):
    meeting = make_meeting(classes.cohort, starts_in=-timedelta(hours=3))  # over an hour ago
    on_time = api.post(
        "/checkins", _claim(meeting, meeting.start_dt + timedelta(minutes=5)), participant_token
    )
    assert on_time.status_code == 201, on_time.get_data(as_text=True)
    assert on_time.get_json()["status"] == "present"
    assert on_time.get_json()["synced_late"] is True
    (record,) = _records(meeting)
    assert record.checked_in_dt == meeting.start_dt + timedelta(minutes=5)

    later = make_meeting(classes.cohort, starts_in=-timedelta(hours=5))
    late = api.post(
        "/checkins", _claim(later, later.start_dt + timedelta(minutes=40)), participant_token
    )
    assert late.get_json()["status"] == "late"
    assert "Terlambat" in late.get_json()["message"]


def _refused(response, status: int, code: str) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code
    return body["detail"]


def test_a_sync_after_the_allowed_delay_is_refused(
    app, monkeypatch, api, classes, make_meeting, participant_token
):
    meeting = make_meeting(classes.cohort, starts_in=-timedelta(hours=20))
    body = _claim(meeting, meeting.start_dt + timedelta(minutes=1))
    detail = _refused(api.post("/checkins", body, participant_token), 422, "sync_too_late")
    assert "lebih dari 12 jam" in detail
    assert _records(meeting) == [] and _syncs() == 0
    monkeypatch.setitem(app.config, "LMS_CHECKIN_SYNC_HOURS", 24)
    assert api.post("/checkins", body, participant_token).status_code == 201


def test_a_code_that_was_not_on_the_screen_at_the_claimed_time_is_refused(
    api, classes, make_meeting, participant_token
):
    meeting = make_meeting(classes.cohort, starts_in=-timedelta(hours=3))
    claimed = meeting.start_dt + timedelta(minutes=5)
    body = _claim(meeting, claimed, code_at=claimed + timedelta(minutes=30))
    detail = _refused(api.post("/checkins", body, participant_token), 422, "code_invalid")
    assert "tidak berlaku pada waktu yang tercatat" in detail
    wrong = {**_claim(meeting, claimed), "code": "AAAAAA", "meeting_id": None}
    _refused(api.post("/checkins", wrong, participant_token), 422, "code_invalid")
    assert _records(meeting) == []


def test_a_claimed_time_outside_the_meeting_s_window_is_refused(
    api, classes, make_meeting, participant_token
):
    meeting = make_meeting(classes.cohort, starts_in=-timedelta(hours=3))
    body = _claim(meeting, meeting.start_dt - timedelta(hours=1))  # check-in opens 30 min before
    detail = _refused(api.post("/checkins", body, participant_token), 422, "outside_window")
    assert "belum dibuka" in detail


def test_a_device_clock_in_the_future_is_refused(api, classes, participant_token):
    body = _claim(classes.meeting, utcnow() + timedelta(hours=1))
    detail = _refused(api.post("/checkins", body, participant_token), 422, "claimed_in_future")
    assert "jam ponsel" in detail


def test_someone_outside_the_class_cannot_check_in(api, classes, make_token):
    secret = make_token(classes.other_participant, scopes=("checkin",))
    body = _claim(classes.meeting, utcnow())
    detail = _refused(api.post("/checkins", body, secret), 403, "not_participant")
    assert detail == "Anda bukan peserta kelas pertemuan ini."
    english = api.post("/checkins", body, secret, lang="en")
    assert english.get_json()["detail"] == "You are not a participant in this meeting's class."
    assert _records(classes.meeting) == []


def test_an_organizer_s_other_mark_is_not_overwritten(api, classes, participant_token):
    set_mark(classes.meeting, classes.participant, "absent", actor=classes.organizer)
    _db.session.commit()
    body = _claim(classes.meeting, utcnow())
    detail = _refused(api.post("/checkins", body, participant_token), 409, "marked_by_organizer")
    assert "Alpa" in detail
    (record,) = _records(classes.meeting)
    assert record.status == "absent"


def test_a_client_id_used_for_another_check_in_is_refused(api, classes, participant_token):
    body = _claim(classes.meeting, utcnow())
    assert api.post("/checkins", body, participant_token).status_code == 201
    other = {**body, "claimed_at": (utcnow() - timedelta(minutes=1)).isoformat()}
    _refused(api.post("/checkins", other, participant_token), 409, "client_id_reused")
    assert _syncs() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"claimed_at": None}, "claimed_at", ""),
        ({"claimed_at": "2025-09-05T09:00:00"}, "claimed_at", "Sertakan zona waktu"),
        ({"claimed_at": "kemarin"}, "claimed_at", "ISO 8601"),
        ({"client_id": "x"}, "client_id", "Harus UUID"),
        ({"code": ""}, "code", "Terlalu pendek."),
        ({"meeting_id": "satu"}, "meeting_id", "Harus bilangan bulat."),
        ({"extra": 1}, "extra", "Kolom ini tidak dikenal."),
    ],
)
def test_a_bad_body_is_422_with_the_field_s_message(
    api, classes, participant_token, change, field, message
):
    body = {**_claim(classes.meeting, utcnow()), **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = api.post("/checkins", body, participant_token)
    assert response.status_code == 422, response.get_data(as_text=True)
    problem = response.get_json()
    assert problem["code"] == "invalid_body"
    assert field in problem["detail"]
    found = {e["field"]: e["message"] for e in problem["errors"]}
    assert field in found and message in found[field]
    assert _records(classes.meeting) == []


def test_a_body_that_is_not_json_is_refused(api, classes, participant_token):
    headers = {"Authorization": f"Bearer {participant_token}", "Accept": "application/json"}
    form = api.client.post("/api/v1/checkins", data={"code": "X"}, headers=headers)
    _refused(form, 415, "unsupported_media_type")
    broken = api.client.post(
        "/api/v1/checkins",
        data="{not json",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert _refused(broken, 422, "invalid_body")
    assert broken.get_json()["errors"][0]["type"] == "json_invalid"
    listed = api.post("/checkins", [1, 2], participant_token)
    assert listed.status_code == 422


def test_a_token_without_the_checkin_scope_is_refused(api, classes, make_token):
    secret = make_token(classes.participant, scopes=("read:classes",))
    _refused(
        api.post("/checkins", _claim(classes.meeting, utcnow()), secret), 403, "insufficient_scope"
    )
