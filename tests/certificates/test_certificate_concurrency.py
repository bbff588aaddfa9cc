"""Organizers issuing at the same moment: numbers stay gapless and unique, one certificate
per participant (a real threaded server; SQLite here, PostgreSQL when the suite runs on it)."""

from __future__ import annotations

import http.client
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from urllib.parse import urlencode

from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

import lms
from lms.extensions import db

PEOPLE = 40
#: Each request asks for 12 people starting here: overlapping ranges, many at once.
STARTS = [0, 4, 8, 12, 16, 20, 24, 28, 0, 14, 28, 6]


def test_concurrent_issues_number_without_gaps_or_duplicates(empty_database_url, tmp_path):
    from lms.accounts.models import User
    from lms.certificates.models import Certificate
    from lms.cohorts.models import Cohort, Membership

    config = lms.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = empty_database_url
    config.LMS_UPLOAD_DIR = str(tmp_path)
    config.WTF_CSRF_ENABLED = False
    config.SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 20, "max_overflow": 10}
    app = lms.create_app(config)
    with app.app_context():
        db.create_all()
        cohort = Cohort(
            code="SERENTAK",
            name="Kelas uji",
            start_date=date(2023, 9, 5),
            end_date=date(2023, 9, 7),
        )
        db.session.add(cohort)
        cheap = generate_password_hash("x", method="pbkdf2:sha256:1")
        people = [
            User(email=f"p{i}@example.org", full_name=f"Peserta {i:02d}", password_hash=cheap)
            for i in range(PEOPLE)
        ]
        organizers = [
            User(email=f"o{i}@example.org", full_name=f"Panitia {i}", password_hash=cheap)
            for i in range(2)
        ]
        db.session.add_all(people + organizers)
        db.session.flush()
        db.session.add_all(
            Membership(cohort_id=cohort.id, user_id=u.id, role="participant") for u in people
        )
        db.session.add_all(
            Membership(cohort_id=cohort.id, user_id=u.id, role="organizer") for u in organizers
        )
        db.session.commit()
        ids = [u.id for u in people]
        cohort_id = cohort.id
        serializer = app.session_interface.get_signing_serializer(app)
        cookies = [serializer.dumps({"_user_id": str(o.id), "_fresh": True}) for o in organizers]

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def post(index: int) -> int:
        chosen = ids[STARTS[index] : STARTS[index] + 12]
        body = urlencode(
            [("scope", "selected")]
            + [("user", str(uid)) for uid in chosen]
            # No meeting is over, so nobody is eligible: every one is a written override.
            + [(f"override-{uid}", "Uji serentak") for uid in chosen]
        )
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=60)
        try:
            conn.request(
                "POST",
                f"/cohorts/{cohort_id}/certificates/issue",
                body=body,
                headers={
                    "Cookie": f"session={cookies[index % 2]}",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    try:
        with ThreadPoolExecutor(max_workers=len(STARTS)) as pool:
            statuses = list(pool.map(post, range(len(STARTS))))
    finally:
        server.shutdown()
    assert statuses == [302] * len(STARTS)
    with app.app_context():
        rows = db.session.scalars(
            db.select(Certificate).filter_by(cohort_id=cohort_id).order_by(Certificate.seq)
        ).all()
        covered = {uid for start in STARTS for uid in ids[start : start + 12]}
        assert sorted(c.user_id for c in rows) == sorted(covered)  # one each
        assert [c.seq for c in rows] == list(range(1, len(rows) + 1))  # no gap
        assert len({c.number for c in rows}) == len(rows)
        db.session.remove()
        db.engine.dispose()
