"""Check-ins queued on a phone while offline (``operations.check_in_queued``): every rule of
the sync, without the browser. The server's clock is set by passing ``now``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from lms.attendance import codes
from lms.attendance.models import AttendanceRecord
from lms.attendance.operations import CheckInRefused, check_in_queued, set_mark
from lms.audit import AuditEvent

#: A meeting 09:00-11:00 UTC+8 (01:00-03:00 UTC); check-in opens 30 min before, late after 15.
START = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


@pytest.fixture
def room(app_ctx, make_user, make_cohort, make_meeting):
    participant, other, organizer, stranger = make_user(), make_user(), make_user(), make_user()
    cohort = make_cohort(participants=[participant, other], organizers=[organizer])
    make_cohort(participants=[stranger])
    meeting = make_meeting(
        cohort, starts_in=timedelta(0), start_dt=START, end_dt=START + timedelta(hours=2)
    )
    return {
        "participant": participant,
        "other": other,
        "organizer": organizer,
        "stranger": stranger,
        "cohort": cohort,
        "meeting": meeting,
    }


def _queued(room, claimed, *, now=None, code_at=None, who="participant", with_meeting=True, **kw):
    meeting = room["meeting"]
    return check_in_queued(
        room[who],
        code=kw.pop("code", None) or codes.current_code(meeting.secret, code_at or claimed),
        claimed_at=claimed,
        client_id=kw.pop("client_id", None) or str(uuid.uuid4()),
        meeting_id=meeting.id if with_meeting else None,
        now=now or claimed + timedelta(seconds=2),
        **kw,
    )


def _records(db, meeting) -> list[AttendanceRecord]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AttendanceRecord).filter_by(meeting_id=meeting.id)))


class _Refusal:
    """``with _Refusal("code") as caught:`` -- a CheckInRefused with that reason."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.error: CheckInRefused | None = None

    def __enter__(self):
        return self

    def __exit__(self, kind, error, _tb):
        assert kind is CheckInRefused, f"expected a refusal ({self.reason}), got {kind}"
        assert error.reason == self.reason, (error.reason, str(error))
        self.error = error
        return True


def test_a_check_in_synced_hours_later_counts_at_the_phone_s_time(db, room):
    claimed = START - timedelta(minutes=5)  # on time
    result = _queued(room, claimed, now=START + timedelta(hours=5))
    assert result.created and not result.replay
    record = result.record
    assert (record.status, record.source) == ("present", "checkin")
    assert record.checked_in_dt == claimed
    assert record.synced_late is True  # the code had left the screen by the sync
    assert "Presensi tercatat: Hadir" in result.message
    event = db.session.scalar(
        db.select(AuditEvent).filter_by(action="attendance.checkin", object_id=record.id)
    )
    assert event.after["synced_late"] is True and event.after["client_id"] == record.client_id


def test_late_is_decided_from_the_claimed_time_not_the_sync(db, room):
    late = _queued(
        room, START + timedelta(minutes=16), now=START + timedelta(minutes=16, seconds=3)
    )
    assert late.record.status == "late"
    assert late.record.synced_late is False  # sent at once: the code was still on the screen
    on_time = _queued(
        room, START + timedelta(minutes=14), who="other", now=START + timedelta(hours=1)
    )
    assert on_time.record.status == "present"


def test_the_code_of_the_step_before_is_accepted_and_two_steps_before_is_not(db, room):
    claimed = START + timedelta(seconds=95)
    step = codes.time_step(claimed)
    previous = codes.code_for(room["meeting"].secret, step - 1)
    assert _queued(room, claimed, code=previous).created
    older = codes.code_for(room["meeting"].secret, step - 2)
    with _Refusal("code") as caught:
        _queued(room, claimed, who="other", code=older)
    assert "tidak berlaku pada waktu yang tercatat" in str(caught.error)
    assert older in str(caught.error)
    assert [r.user_id for r in _records(db, room["meeting"])] == [room["participant"].id]


def test_a_code_from_another_time_step_is_refused_and_nothing_is_written(db, room):
    claimed = START + timedelta(minutes=3)
    with _Refusal("code"):
        _queued(room, claimed, code_at=claimed + timedelta(minutes=10))  # a future code
    with _Refusal("code"):
        _queued(room, claimed, code_at=claimed - timedelta(minutes=10))  # an old code
    with _Refusal("code"):
        _queued(room, claimed, code="AAAAAA")
    with _Refusal("code"):  # found by the code alone: no meeting shows it then
        _queued(room, claimed, code_at=claimed - timedelta(minutes=10), with_meeting=False)
    assert _records(db, room["meeting"]) == []


def test_the_meeting_is_found_by_the_code_at_the_claimed_time(db, room):
    claimed = START + timedelta(minutes=1)
    result = _queued(room, claimed, with_meeting=False, now=claimed + timedelta(hours=2))
    assert result.record.meeting_id == room["meeting"].id


def test_a_claimed_time_outside_the_window_is_refused(db, room):
    meeting = room["meeting"]
    with _Refusal("window") as caught:
        _queued(room, meeting.opens_dt - timedelta(seconds=1))
    assert "belum dibuka" in str(caught.error)
    with _Refusal("window") as caught:
        _queued(room, meeting.closes_dt + timedelta(seconds=1))
    assert "sudah ditutup" in str(caught.error)
    assert _queued(room, meeting.opens_dt).record.status == "present"  # the edge is inside
    assert len(_records(db, meeting)) == 1


def test_a_sync_after_the_allowed_delay_is_refused(app, db, room):
    claimed = START + timedelta(minutes=2)
    with _Refusal("too_late") as caught:
        _queued(room, claimed, now=claimed + timedelta(hours=12, seconds=1))
    assert "terlambat dikirim" in str(caught.error) and "12 jam" in str(caught.error)
    assert _records(db, room["meeting"]) == []
    assert _queued(room, claimed, now=claimed + timedelta(hours=11, minutes=59)).created


def test_the_delay_comes_from_LMS_CHECKIN_SYNC_HOURS(app, db, room, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_CHECKIN_SYNC_HOURS", 2)
    claimed = START + timedelta(minutes=2)
    with _Refusal("too_late") as caught:
        _queued(room, claimed, now=claimed + timedelta(hours=2, seconds=1))
    assert "2 jam" in str(caught.error)
    assert _queued(room, claimed, who="other", now=claimed + timedelta(hours=1)).created


def test_a_claimed_time_ahead_of_the_server_is_refused_beyond_a_small_skew(db, room):
    now = START + timedelta(minutes=5)
    with _Refusal("ahead") as caught:
        _queued(room, now + timedelta(minutes=2), now=now)
    assert "Jam di ponsel Anda lebih cepat" in str(caught.error)
    # A phone a little ahead (and the code of that step, e.g. the screen's clock runs ahead too)
    assert _queued(room, now + timedelta(seconds=20), now=now).created


def test_a_naive_claimed_time_is_refused(db, room):
    with _Refusal("ahead"):
        _queued(room, (START + timedelta(minutes=1)).replace(tzinfo=None))


def test_the_same_client_id_gives_the_same_answer_and_writes_once(db, room):
    claimed = START + timedelta(minutes=20)
    client_id = str(uuid.uuid4())
    first = _queued(room, claimed, client_id=client_id, now=claimed + timedelta(seconds=1))
    again = _queued(room, claimed, client_id=client_id, now=claimed + timedelta(hours=20))
    assert first.created and again.replay and not again.created
    assert again.record.id == first.record.id
    assert again.message == first.message  # "Presensi tercatat: Terlambat ..." both times
    assert len(_records(db, room["meeting"])) == 1
    audits = db.session.scalar(
        db.select(db.func.count()).select_from(AuditEvent).filter_by(action="attendance.checkin")
    )
    assert audits == 1


def test_a_client_id_reused_with_other_content_is_refused(db, room):
    claimed = START + timedelta(minutes=1)
    client_id = str(uuid.uuid4())
    _queued(room, claimed, client_id=client_id)
    with _Refusal("client_id_reused") as caught:
        _queued(room, claimed + timedelta(minutes=1), client_id=client_id)
    assert caught.error.status == 409
    with _Refusal("client_id"):  # someone else's id
        _queued(room, claimed, who="other", client_id=client_id)
    with _Refusal("client_id"):
        _queued(room, claimed, client_id="bukan-uuid")


def test_a_person_already_present_stays_as_they_are(db, room):
    first = _queued(room, START - timedelta(minutes=10))
    second = _queued(room, START + timedelta(minutes=40))  # another phone, later, late
    assert not second.created and second.record.id == first.record.id
    assert second.record.status == "present"
    assert second.record.checked_in_dt == START - timedelta(minutes=10)
    assert "Anda sudah presensi" in second.message


def test_an_organizer_s_mark_is_never_overwritten(db, room):
    meeting, organizer = room["meeting"], room["organizer"]
    set_mark(meeting, room["participant"], "late", note="15 menit", actor=organizer)
    kept = _queued(room, START - timedelta(minutes=5))
    assert not kept.created
    assert (kept.record.status, kept.record.note, kept.record.source) == (
        "late",
        "15 menit",
        "organizer",
    )
    set_mark(meeting, room["other"], "absent", actor=organizer, source="close")
    with _Refusal("marked") as caught:
        _queued(room, START - timedelta(minutes=5), who="other")
    assert caught.error.status == 409
    assert "sudah dicatat panitia: Alpa" in str(caught.error)
    statuses = {r.user_id: (r.status, r.source) for r in _records(db, meeting)}
    assert statuses[room["other"].id] == ("absent", "close")


def test_someone_outside_the_class_is_refused(db, room):
    with _Refusal("participant") as caught:
        _queued(room, START, who="stranger")
    assert caught.error.status == 403
    assert _records(db, room["meeting"]) == []
