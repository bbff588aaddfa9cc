"""Rules of the submission data layer: deadlines in the cohort's zone, versions, validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lms.submissions import operations as ops
from lms.submissions import permissions, queries
from lms.submissions.fields import PP38_CRITERIA, word_count
from lms.submissions.models import SubmissionVersion
from tests.helpers import valid_proposal

ALL_CRITERIA = {key: True for key, _label in PP38_CRITERIA}


@pytest.fixture
def setup(db, app_ctx, make_user, make_cohort, make_course):
    person, organizer = make_user(), make_user()
    cohort = make_cohort(participants=[person], organizers=[organizer], timezone="Asia/Makassar")
    make_course(cohorts=[cohort])
    (assignment,) = ops.ensure_cohort_assignments(cohort)
    db.session.commit()
    return person, organizer, cohort, assignment


def _refusal(assignment, person, now) -> str | None:
    """Why ``person`` cannot submit at ``now`` (None: they can)."""
    deadlines = queries.deadlines_for(assignment, person)
    return permissions.why_not_accepting(deadlines, assignment.cohort.timezone, now)


def _late(assignment, person, now) -> bool:
    return permissions.is_late(queries.deadlines_for(assignment, person), now)


def _valid_draft(submission):
    ops.save_draft(submission, valid_proposal())


def test_word_count_ignores_markdown_and_link_targets():
    assert word_count("**Rancang** bangun: [tautan](https://contoh.example/a-b-c) ok") == 4
    assert word_count("") == 0


def test_a_draft_saves_anything_and_submitting_reports_every_problem(db, setup):
    person, _org, _cohort, assignment = setup
    submission = ops.submission_for(assignment, person)
    ops.save_draft(submission, {"nama_inovasi": "", "latar_belakang": "pendek", "bentuk": "x"})
    with pytest.raises(ops.ValidationFailed) as failed:
        ops.submit(submission, self_check={}, statement=False)
    errors = failed.value.errors
    assert set(errors) >= {"nama_inovasi", "rancang_bangun", "bentuk", "self_check", "statement"}
    assert "keenam bagiannya dihitung bersama; sekarang 1 kata" in errors["rancang_bangun"][0]
    # Each of the other five parts is required, whatever the pack says.
    for part in ("dasar_hukum", "isu_strategis", "metode_pembaharuan", "keunggulan", "cara_kerja"):
        assert errors[part] == [errors[part][0]] and "wajib diisi" in errors[part][0], part
    assert submission.latest_number == 0 and submission.versions == []


def test_a_version_is_immutable_and_carries_a_content_hash(db, setup):
    person, _org, _cohort, assignment = setup
    submission = ops.submission_for(assignment, person)
    _valid_draft(submission)
    version = ops.submit(submission, self_check=ALL_CRITERIA, statement=True)
    db.session.commit()
    assert version.number == 1 and len(version.content_hash) == 64
    assert version.content_hash == ops.content_hash(version.fields, version.files)
    version.fields = {"nama_inovasi": "diubah"}
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(SubmissionVersion, version.id).fields["nama_inovasi"] == "Si Cepat"


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in WITA (UTC+8), as UTC."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def test_deadline_edges_in_the_cohorts_time_zone(db, setup):
    person, organizer, _cohort, assignment = setup
    ops.set_dates(
        assignment,
        open_dt=_at(1, 8),
        due_dt=_at(10, 23, 59),
        cutoff_dt=_at(12, 23, 59),
        late_allowed=True,
        actor=organizer,
    )
    assert "baru dibuka" in _refusal(assignment, person, _at(1, 7, 59))
    assert _refusal(assignment, person, _at(10, 23, 59)) is None
    assert _late(assignment, person, _at(10, 23, 59)) is False  # on time
    assert _refusal(assignment, person, _at(11, 0, 0)) is None
    assert _late(assignment, person, _at(11, 0, 0)) is True  # late
    assert "sudah lewat" in _refusal(assignment, person, _at(13, 0, 0))


def test_without_late_work_the_due_date_is_the_cut_off(db, setup):
    person, organizer, _cohort, assignment = setup
    ops.set_dates(
        assignment,
        open_dt=None,
        due_dt=_at(10, 12),
        cutoff_dt=None,
        late_allowed=False,
        actor=organizer,
    )
    assert _refusal(assignment, person, _at(10, 12, 1)) is not None


def test_an_extension_moves_one_participants_deadline_and_needs_a_reason(db, setup, make_user):
    person, organizer, cohort, assignment = setup
    other = make_user()
    from lms.cohorts.operations import add_member

    add_member(cohort, email=other.email, role="participant", actor=None)
    ops.set_dates(
        assignment,
        open_dt=None,
        due_dt=_at(10, 12),
        cutoff_dt=None,
        late_allowed=False,
        actor=organizer,
    )
    with pytest.raises(ops.SubmissionError, match="alasan"):
        ops.grant_extension(
            assignment, person, due_dt=_at(15, 12), cutoff_dt=None, reason=" ", actor=organizer
        )
    ops.grant_extension(
        assignment, person, due_dt=_at(15, 12), cutoff_dt=None, reason="Sakit", actor=organizer
    )
    assert _refusal(assignment, person, _at(14, 12)) is None
    assert _late(assignment, person, _at(14, 12)) is False
    assert _refusal(assignment, other, _at(14, 12)) is not None


def test_dates_in_the_wrong_order_are_refused(db, setup):
    _person, organizer, _cohort, assignment = setup
    with pytest.raises(ops.SubmissionError, match="setelah tanggal dibuka"):
        ops.set_dates(
            assignment,
            open_dt=_at(5, 8),
            due_dt=_at(4, 8),
            cutoff_dt=None,
            late_allowed=False,
            actor=organizer,
        )
    with pytest.raises(ops.SubmissionError, match="tidak boleh sebelum batas waktu"):
        ops.set_dates(
            assignment,
            open_dt=None,
            due_dt=_at(5, 8),
            cutoff_dt=_at(4, 8),
            late_allowed=True,
            actor=organizer,
        )


def test_resubmitting_before_the_due_date_only_when_allowed(db, setup):
    person, organizer, _cohort, assignment = setup
    submission = ops.submission_for(assignment, person)
    _valid_draft(submission)
    ops.submit(submission, self_check=ALL_CRITERIA, statement=True)
    ops.submit(submission, self_check=ALL_CRITERIA, statement=True)  # allowed by default
    assert submission.latest_number == 2
    ops.set_dates(
        assignment,
        open_dt=None,
        due_dt=None,
        cutoff_dt=None,
        late_allowed=False,
        resubmit_before_due=False,
        actor=organizer,
    )
    with pytest.raises(ops.SubmissionError, match="revisi"):
        ops.submit(submission, self_check=ALL_CRITERIA, statement=True)


def test_only_participants_of_the_cohort_get_a_submission(db, setup, make_user):
    _person, organizer, _cohort, assignment = setup
    with pytest.raises(ops.SubmissionError):
        ops.submission_for(assignment, organizer)


def test_video_links_must_be_https_on_an_allowed_host(app_ctx):
    assert permissions.video_url_problem("https://www.youtube.com/watch?v=abc") is None
    assert permissions.video_url_problem("https://drive.google.com/file/d/x/view") is None
    assert "https://" in permissions.video_url_problem("http://youtube.com/watch?v=abc")
    assert "youtube.com" in permissions.video_url_problem("https://evil.example/youtube.com")
    assert permissions.video_url_problem("https://notyoutube.com/x") is not None
