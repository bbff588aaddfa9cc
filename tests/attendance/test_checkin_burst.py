"""A hundred people scan within a minute: a real threaded server, every check-in recorded once."""

from __future__ import annotations

import http.client
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

import lms
from lms.attendance import codes
from lms.extensions import db

PEOPLE = 120


def test_a_burst_of_concurrent_check_ins_is_recorded_once_each(empty_database_url, tmp_path):
    from lms.accounts.models import User
    from lms.attendance.models import AttendanceRecord, Meeting
    from lms.attendance.operations import create_meeting
    from lms.cohorts.models import Cohort, Membership
    from lms.db import utcnow

    config = lms.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = empty_database_url
    config.LMS_UPLOAD_DIR = str(tmp_path)
    config.SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 40, "max_overflow": 20}
    app = lms.create_app(config)
    with app.app_context():
        db.create_all()
        cohort = Cohort(
            code="BURST",
            name="Kelas uji beban",
            start_date=utcnow().date(),
            end_date=utcnow().date(),
            timezone="Asia/Makassar",
        )
        db.session.add(cohort)
        db.session.flush()
        cheap = generate_password_hash("x", method="pbkdf2:sha256:1")
        users = [
            User(email=f"p{i}@example.org", full_name=f"Peserta {i}", password_hash=cheap)
            for i in range(PEOPLE)
        ]
        db.session.add_all(users)
        db.session.flush()
        db.session.add_all(
            Membership(cohort_id=cohort.id, user_id=u.id, role="participant") for u in users
        )
        start = utcnow() - timedelta(minutes=5)
        meeting = create_meeting(
            cohort,
            {"title": "Pembukaan", "start_dt": start, "end_dt": start + timedelta(hours=2)},
        )
        db.session.commit()
        user_ids, meeting_id, secret = [u.id for u in users], meeting.id, meeting.secret
        serializer = app.session_interface.get_signing_serializer(app)
        cookies = {
            uid: serializer.dumps({"_user_id": str(uid), "_fresh": True}) for uid in user_ids
        }

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_port

    def scan(uid: int) -> tuple[int, str]:
        token = f"{meeting_id}-{codes.current_code(secret)}"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("GET", f"/checkin/{token}", headers={"Cookie": f"session={cookies[uid]}"})
            response = conn.getresponse()
            return response.status, response.read().decode()
        finally:
            conn.close()

    barrier_pool = ThreadPoolExecutor(max_workers=50)
    try:
        first = list(barrier_pool.map(scan, user_ids))
        again = list(barrier_pool.map(scan, user_ids[:40] * 2))
    finally:
        barrier_pool.shutdown()
        server.shutdown()
        thread.join(10)

    failures = [(status, body[:200]) for status, body in first if status != 200]
    assert failures == []
    assert all("Presensi tercatat" in body for _status, body in first)
    assert all(status == 200 and "sudah presensi" in body for status, body in again)
    with app.app_context():
        rows = db.session.execute(
            db.select(AttendanceRecord.user_id, db.func.count())
            .where(AttendanceRecord.meeting_id == meeting_id)
            .group_by(AttendanceRecord.user_id)
        ).all()
        assert len(rows) == PEOPLE and all(n == 1 for _uid, n in rows)
        assert db.session.get(Meeting, meeting_id) is not None
        db.session.remove()
        db.engine.dispose()
