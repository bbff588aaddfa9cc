"""The three courses that ship with the LMS: substance, self-checks, sources, page weight."""

from __future__ import annotations

import pytest

from lms import COURSES_DIR, STATIC_DIR
from lms.catalog.models import Course, Lesson
from lms.catalog.operations import set_cohort_courses, sync_all
from lms.catalog.packs import discover

SHIPPED = ("kebijakan-inovasi-daerah", "penulisan-proposal-inovasi", "video-inovasi-sederhana")


@pytest.fixture
def shipped(db, make_user, make_cohort):
    report = sync_all(discover(COURSES_DIR))
    assert report.problems == []
    reader = make_user()
    cohort = make_cohort(participants=[reader])
    courses = db.session.scalars(db.select(Course).where(Course.slug.in_(SHIPPED))).all()
    set_cohort_courses(cohort, [c.id for c in courses], actor=None)
    db.session.commit()
    return reader, courses


def test_three_courses_of_substance(db, shipped):
    _reader, courses = shipped
    assert sorted(c.slug for c in courses) == sorted(SHIPPED)
    total = 0
    for course in courses:
        lessons = [lesson for lesson in course.lessons if not lesson.archived]
        assert len(lessons) >= 5, course.slug
        assert course.sources, course.slug
        for lesson in lessons:
            assert "<details>" in lesson.body_html, f"{lesson.slug}: no self-check"
            assert 'id="sumber"' in lesson.body_html, f"{lesson.slug}: no sources"
            total += lesson.word_count
    assert total >= 12_000


def test_the_proposal_and_video_courses_define_their_assignments(db, shipped):
    from lms.catalog.models import AssignmentSpec, Rubric

    kinds = {s.kind: s for s in db.session.scalars(db.select(AssignmentSpec))}
    assert kinds["proposal"].settings["min_words"]["rancang_bangun"] >= 300
    assert kinds["video"].settings["max_duration_seconds"] == 300
    proposal = db.session.scalar(db.select(Rubric).filter_by(key=kinds["proposal"].rubric_key))
    assert len(proposal.gates) == 5
    assert {c.key for c in proposal.criteria} >= {"kebaruan", "manfaat", "replikasi"}


def test_every_lesson_page_weighs_under_100_kb(client, db, shipped, login_as):
    reader, _courses = shipped
    login_as(reader)
    css = (STATIC_DIR / "style.css").stat().st_size
    rows = db.session.execute(
        db.select(Course.slug, Lesson.slug).join(Lesson, Lesson.course_id == Course.id)
    ).all()
    heaviest = 0
    for course_slug, lesson_slug in rows:
        response = client.get(f"/courses/{course_slug}/{lesson_slug}")
        assert response.status_code == 200
        heaviest = max(heaviest, len(response.data) + css)
    assert heaviest < 100 * 1024, f"heaviest lesson page with CSS: {heaviest} bytes"
