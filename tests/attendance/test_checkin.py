"""Self check-in with the rotating code: windows, lateness, duplicates, the wrong cohort."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lms.attendance import codes
from lms.attendance.models import AttendanceRecord
from lms.attendance.operations import AttendanceError, check_in
from lms.audit import AuditEvent
from lms.cohorts.models import Membership
from tests.helpers import csrf_token


def test_code_rotates_every_30_seconds_and_the_previous_step_is_accepted():
    secret = "rahasia"
    t = datetime(2026, 11, 27, 8, 0, 0, tzinfo=UTC)
    first = codes.current_code(secret, t)
    assert len(first) == 6 and set(first) <= set(codes.ALPHABET)
    assert not set(first) & set("0O1IL2Z5S8B")
    assert codes.current_code(secret, t + timedelta(seconds=29)) == first
    second = codes.current_code(secret, t + timedelta(seconds=30))
    assert second != first
    assert codes.matches(secret, first, t + timedelta(seconds=45))  # grace: previous step
    assert not codes.matches(secret, first, t + timedelta(seconds=60))  # two steps later
    assert codes.matches(
        secret, f" {second.lower()[:3]} {second.lower()[3:]} ", t + timedelta(seconds=31)
    )
    assert not codes.matches("lain", first, t)


def _people(make_user, make_cohort):
    participant, organizer, stranger = make_user(), make_user(), make_user()
    cohort = make_cohort(participants=[participant], organizers=[organizer])
    make_cohort(participants=[stranger])
    return participant, organizer, stranger, cohort


def test_window_edges_and_the_late_threshold(db, make_user, make_cohort, make_meeting):
    participant, _org, _stranger, cohort = _people(make_user, make_cohort)
    meeting = make_meeting(cohort, starts_in=timedelta(hours=1))
    start = meeting.start_dt
    with pytest.raises(AttendanceError, match="belum dibuka"):
        check_in(meeting, participant, when=start - timedelta(minutes=31))
    assert (
        check_in(meeting, participant, when=start - timedelta(minutes=30)).record.status
        == "present"
    )

    other = make_user()
    from lms.cohorts.operations import add_member

    add_member(cohort, email=other.email, role="participant", actor=None)
    late = check_in(meeting, other, when=start + timedelta(minutes=15, seconds=1))
    assert late.record.status == "late"

    third = make_user()
    add_member(cohort, email=third.email, role="participant", actor=None)
    with pytest.raises(AttendanceError, match="sudah ditutup"):
        check_in(meeting, third, when=meeting.end_dt + timedelta(seconds=1))
    assert db.session.scalar(db.select(AttendanceRecord).filter_by(user_id=third.id)) is None


def test_checking_in_twice_is_harmless(db, make_user, make_cohort, make_meeting):
    participant, *_rest, cohort = _people(make_user, make_cohort)
    meeting = make_meeting(cohort)
    first = check_in(meeting, participant)
    again = check_in(meeting, participant)
    assert first.created and not again.created
    assert again.record.id == first.record.id
    assert (
        db.session.scalar(
            db.select(db.func.count())
            .select_from(AuditEvent)
            .filter_by(action="attendance.checkin")
        )
        == 1
    )


def _post_code(client, code):
    return client.post(
        "/checkin", data={"csrf_token": csrf_token(client, "/checkin"), "code": code}
    )


def test_typing_the_code_records_present(
    client, make_user, make_cohort, make_meeting, login_as, db
):
    participant, *_rest, cohort = _people(make_user, make_cohort)
    meeting = make_meeting(cohort)
    login_as(participant)
    html = _post_code(client, codes.current_code(meeting.secret)).get_data(as_text=True)
    assert "Presensi tercatat: Hadir" in html
    assert "WITA" in html
    again = _post_code(client, codes.current_code(meeting.secret)).get_data(as_text=True)
    assert "Anda sudah presensi" in again
    assert db.session.scalar(db.select(db.func.count()).select_from(AttendanceRecord)) == 1


def test_wrong_or_expired_code_records_nothing(
    client, make_user, make_cohort, make_meeting, login_as, db
):
    participant, *_rest, cohort = _people(make_user, make_cohort)
    meeting = make_meeting(cohort)
    login_as(participant)
    expired = codes.code_for(meeting.secret, codes.time_step() - 2)
    for code in ("AAAAAA", expired, "12"):
        response = _post_code(client, code)
        assert "Kode salah atau sudah kedaluwarsa" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(AttendanceRecord)) == 0


def test_a_meeting_of_another_cohort_is_refused(
    client, make_user, make_cohort, make_meeting, login_as, db
):
    _participant, _org, stranger, cohort = _people(make_user, make_cohort)
    meeting = make_meeting(cohort)
    login_as(stranger)
    response = client.get(f"/checkin/{meeting.id}-{codes.current_code(meeting.secret)}")
    assert response.status_code == 400
    assert "bukan peserta kelas" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(AttendanceRecord)) == 0


def test_a_future_meeting_cannot_be_checked_into(
    client, make_user, make_cohort, make_meeting, login_as, db
):
    participant, *_rest, cohort = _people(make_user, make_cohort)
    meeting = make_meeting(cohort, starts_in=timedelta(days=1))
    login_as(participant)
    response = client.get(f"/checkin/{meeting.id}-{codes.current_code(meeting.secret)}")
    assert "belum dibuka" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(AttendanceRecord)) == 0


def test_scanning_before_logging_in_completes_after_login(
    client, make_user, make_cohort, make_meeting, db
):
    participant, *_rest, cohort = _people(make_user, make_cohort)
    meeting = make_meeting(cohort)
    scan = client.get(f"/checkin/{meeting.id}-{codes.current_code(meeting.secret)}")
    assert scan.status_code == 302
    assert scan.headers["Location"].startswith("/login?next=/checkin/pending")
    token = csrf_token(client, "/login")
    login = client.post(
        "/login?next=/checkin/pending",
        data={
            "identifier": participant.email,
            "password": "rahasia-123",
            "csrf_token": token,
            "next": "/checkin/pending",
        },
    )
    assert login.headers["Location"] == "/checkin/pending"
    html = client.get("/checkin/pending").get_data(as_text=True)
    assert "Presensi tercatat: Hadir" in html
    record = db.session.scalars(db.select(AttendanceRecord)).one()
    assert record.user_id == participant.id


def test_organizer_screen_shows_the_code_and_count(
    client, make_user, make_cohort, make_meeting, login_as, db
):
    participant, organizer, _stranger, cohort = _people(make_user, make_cohort)
    meeting = make_meeting(cohort)
    check_in(meeting, participant)
    db.session.commit()
    login_as(organizer)
    html = client.get(f"/cohorts/{cohort.id}/meetings/{meeting.id}/screen").get_data(as_text=True)
    assert codes.current_code(meeting.secret) in html
    assert "Muat ulang kode" in html  # works without JavaScript
    state = client.get(f"/cohorts/{cohort.id}/meetings/{meeting.id}/screen.json").get_json()
    assert state["count"] == 1 and state["code"] == codes.current_code(meeting.secret)
    assert state["url"].endswith(f"/checkin/{meeting.id}-{state['code']}")
    qr = client.get(f"/cohorts/{cohort.id}/meetings/{meeting.id}/qr.svg")
    assert qr.mimetype == "image/svg+xml"
    assert b'<svg xmlns="http://www.w3.org/2000/svg"' in qr.data  # renders on its own


def test_cli_prints_the_current_code_and_lists_open_meetings(
    app, make_user, make_cohort, make_meeting
):
    _participant, _org, _stranger, cohort = _people(make_user, make_cohort)
    meeting = make_meeting(cohort, title="Praktik presensi")
    make_meeting(cohort, title="Besok", starts_in=timedelta(days=1))
    runner = app.test_cli_runner()
    code = runner.invoke(args=["lms", "attendance", "code", str(meeting.id)])
    assert code.output.strip() == codes.current_code(meeting.secret)
    listed = runner.invoke(args=["lms", "attendance", "meetings", "--open"]).output
    assert "Praktik presensi" in listed and "Besok" not in listed
    assert cohort.code in listed


def test_guessing_codes_is_rate_limited_per_person(
    client, make_user, make_cohort, make_meeting, login_as
):
    participant, *_rest, cohort = _people(make_user, make_cohort)
    make_meeting(cohort)
    login_as(participant)
    for _ in range(20):
        assert _post_code(client, "AAAAAA").status_code == 200
    blocked = _post_code(client, "AAAAAA")
    assert blocked.status_code == 429
    assert "Terlalu banyak percobaan" in blocked.get_data(as_text=True)


def test_a_scan_is_recorded_in_few_statements_and_reads_nothing_afterwards(
    client, make_user, make_cohort, make_meeting, login_as, db
):
    """On SQLite the whole request holds the write lock while a room checks in at once: the
    person, the meeting (with its cohort), their membership and any earlier row are read in
    one query (the user loader's), one INSERT writes the row, and nothing is read again after
    the commit."""
    from tests.helpers import counted_queries

    participant, *_rest, cohort = _people(make_user, make_cohort)
    meeting = make_meeting(cohort)
    login_as(participant)
    url = f"/checkin/{meeting.id}-{codes.current_code(meeting.secret)}"
    with counted_queries(db) as statements:
        response = client.get(url)
    assert "Presensi tercatat: Hadir" in response.get_data(as_text=True)
    verbs = [s.split(None, 1)[0].upper() for s in statements]
    sql = [v for v in verbs if v in ("SELECT", "INSERT", "UPDATE", "DELETE")]
    assert sql == ["SELECT", "INSERT", "INSERT"], statements
    assert "INTO lms_audit_event" in [s for s in statements if s.startswith("INSERT")][-1]


def test_a_scan_reads_its_meeting_with_the_account_and_refuses_what_it_should(
    client, make_user, make_cohort, make_meeting, login_as, db
):
    """The user loader reads the token's meeting with the account: a token naming no meeting,
    another meeting or a number too large for an id gets the wrong-code page, a second scan
    finds the first, and a scan never overwrites what the organizer marked."""
    participant, _organizer, _stranger, cohort = _people(make_user, make_cohort)
    meeting, other = make_meeting(cohort), make_meeting(cohort)
    code = codes.current_code(meeting.secret)
    login_as(participant)
    for token in (f"{other.id}-{code}", f"{meeting.id}-AAAAAA", f"99999999999-{code}", "²-1"):
        response = client.get(f"/checkin/{token}")
        assert response.status_code == 400, token
        assert "Kode salah atau sudah kedaluwarsa" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(AttendanceRecord)) == 0
    assert "Presensi tercatat: Hadir" in client.get(f"/checkin/{meeting.id}-{code}").get_data(
        as_text=True
    )
    again = client.get(f"/checkin/{meeting.id}-{code}").get_data(as_text=True)
    assert "Anda sudah presensi" in again

    marked = make_user()
    db.session.add(Membership(cohort_id=cohort.id, user_id=marked.id, role="participant"))
    db.session.add(
        AttendanceRecord(
            meeting_id=meeting.id, user_id=marked.id, status="sick", source="organizer", note=""
        )
    )
    db.session.commit()
    login_as(marked)
    html = client.get(f"/checkin/{meeting.id}-{code}").get_data(as_text=True)
    assert "sudah dicatat panitia" in html
    row = db.session.scalars(db.select(AttendanceRecord).filter_by(user_id=marked.id)).one()
    assert (row.status, row.source) == ("sick", "organizer")


def test_the_check_in_screen_prints_the_public_address_whatever_the_host_header(
    app, client, make_user, make_cohort, make_meeting, login_as, monkeypatch
):
    monkeypatch.setitem(app.config, "LMS_PUBLIC_URL", "https://kelas.lamaru.go.id")
    _participant, organizer, _stranger, cohort = _people(make_user, make_cohort)
    meeting = make_meeting(cohort)
    login_as(organizer)
    name = app.config["SESSION_COOKIE_NAME"]
    client.set_cookie(name, client.get_cookie(name).value, domain="evil.example")
    base = f"http://evil.example/cohorts/{cohort.id}/meetings/{meeting.id}"
    html = client.get(base + "/screen").get_data(as_text=True)
    state = client.get(base + "/screen.json").get_json()
    assert "https://kelas.lamaru.go.id/checkin" in html and "evil.example" not in html
    assert state["url"].startswith("https://kelas.lamaru.go.id/checkin/")


def test_a_check_in_gives_its_turn_back_before_its_page_is_drawn(empty_database_url, tmp_path):
    """On SQLite a process's check-ins write one at a time; the next one goes as soon as the
    row is committed, not after the page is drawn, and a refused one gives the turn back too."""
    import lms
    from lms.attendance.views import checkin as views
    from lms.errors import DomainError
    from lms.extensions import db as database
    from lms.unit_of_work import drawn_after_commit, unit_of_work

    config = lms.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = empty_database_url
    config.LMS_UPLOAD_DIR = str(tmp_path)
    app = lms.create_app(config)
    turn = views._SQLITE_CHECKIN_TURN
    seen: list[tuple[str, bool]] = []

    @views._one_writer
    @unit_of_work
    def recorded():
        database.session.execute(database.text("SELECT 1"))
        seen.append(("writing", turn.locked()))
        return drawn_after_commit(lambda: seen.append(("drawing", turn.locked())) or "ok")

    @views._one_writer
    @unit_of_work(render=lambda problem: (problem.message, problem.status))
    def refused():
        seen.append(("refusing", turn.locked()))
        raise DomainError("Kode salah.")

    with app.app_context():
        sqlite = database.engine.dialect.name == "sqlite"
        with app.test_request_context("/checkin/x"):
            assert recorded().get_data(as_text=True) == "ok"
        with app.test_request_context("/checkin/x"):
            assert refused().status_code == 400
        database.engine.dispose()
    if sqlite:
        assert seen == [("writing", True), ("drawing", False), ("refusing", True)]
    else:  # PostgreSQL decides alone
        assert seen == [("writing", False), ("drawing", False), ("refusing", False)]
    assert not turn.locked()
