"""Commands an organizer or operator types: demo data and the first admin."""

from __future__ import annotations

import pytest

from lms.accounts.models import User
from lms.audit import AuditEvent
from lms.cohorts.models import Cohort, Membership
from lms.demo import DemoRefused, load_demo


def _counts(db) -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(db.select(db.func.count()).select_from(model))
        for model in (User, Cohort, Membership, AuditEvent)
    )


@pytest.fixture
def fast_hash(monkeypatch):
    """Demo accounts hash 24 passwords; one round is enough for these tests."""
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr(
        "lms.accounts.models.generate_password_hash",
        lambda pw: generate_password_hash(pw, method="pbkdf2:sha256:1"),
    )


def test_demo_data_has_the_documented_accounts_and_a_second_run_changes_nothing(app, db, fast_hash):
    with app.test_request_context():
        load_demo()
        first = _counts(db)
        load_demo()
        assert _counts(db) == first
    participants = db.session.scalars(
        db.select(User)
        .join(Membership)
        .join(Cohort)
        .where(Cohort.code == "KIT-2023-I", Membership.role == "participant")
    ).all()
    assert sorted(u.email for u in participants) == sorted(
        f"peserta{i}@example.org" for i in range(1, 21)
    )
    assert all(u.nip and len(u.nip) == 18 for u in participants)
    lain = db.session.scalar(db.select(User).filter_by(email="peserta.lain@example.org"))
    assert [m.cohort.code for m in lain.memberships] == ["KIV-2024-I"]
    admin = db.session.scalar(db.select(User).filter_by(email="admin@example.org"))
    assert admin.is_admin and admin.check_password("kelasinovasi")
    main = db.session.scalar(db.select(Cohort).filter_by(code="KIT-2023-I"))
    assert main.timezone == "Asia/Makassar"


def test_demo_data_is_refused_on_a_database_with_real_accounts(app, db, make_user):
    make_user(email="kepala@bappeda.example.org")
    with app.test_request_context(), pytest.raises(DemoRefused):
        load_demo()
    assert db.session.scalar(db.select(Cohort).filter_by(code="KIT-2023-I")) is None


def test_create_admin_prompts_for_the_password(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["lms", "create-admin"],
        input="\n".join(
            ["Kepala@Bappeda.example.org", "Ir. Kepala Badan, M.T.", "rahasia-sekali"]
            + ["rahasia-sekali", ""]
        ),
    )
    assert result.exit_code == 0, result.output
    assert "rahasia-sekali" not in result.output  # the password is never echoed
    user = db.session.scalar(db.select(User).filter_by(email="kepala@bappeda.example.org"))
    assert user.is_admin and user.check_password("rahasia-sekali")


def test_create_admin_refuses_a_short_password(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "create-admin"], input="a@example.org\nA\npendek\npendek\n")
    assert result.exit_code != 0
    assert "at least 8" in result.output
    assert db.session.scalar(db.select(User).filter_by(email="a@example.org")) is None


def test_demo_classes_follow_the_shipped_courses_with_work_done(app, db, fast_hash):
    from lms import COURSES_DIR
    from lms.attendance.models import Meeting
    from lms.catalog.operations import sync_all
    from lms.catalog.packs import discover
    from lms.submissions.models import Submission

    assert sync_all(discover(COURSES_DIR)).problems == []
    with app.app_context():  # no request, as `flask lms demo` runs it
        load_demo()
    states = dict(
        db.session.execute(
            db.select(User.email, Submission.state).join(Submission, Submission.user_id == User.id)
        ).all()
    )
    assert states == {
        "peserta1@example.org": "graded",
        "peserta2@example.org": "draft",
        "peserta3@example.org": "submitted",
        "peserta4@example.org": "submitted",
    }
    from lms.grading.models import Grade

    statuses = sorted(
        (g.status, g.released_dt is not None) for g in db.session.scalars(db.select(Grade))
    )
    # peserta1 released; peserta3's two markings too far apart; peserta4 still waiting.
    assert statuses == [("agreed", True), ("flagged", False)]
    titles = db.session.scalars(db.select(Meeting.title)).all()
    assert "Latihan presensi (demo)" in titles and len(titles) == 6  # 4 in KIT, 2 in KIV
    from lms.certificates.models import Certificate

    states = sorted(db.session.scalars(db.select(Certificate.state)))
    # KIV: everyone at both clinic days but one, and one reissued after a name error; KIT:
    # peserta1's, the bimtek evidence of the index demo.
    assert states == ["issued"] * 6 + ["revoked"]
