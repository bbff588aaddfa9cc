"""Counts over a class's grading kept between requests (lms.grading.kept): the grade book and
the queue show every change at once, and count again only after one."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from lms.catalog.models import AssignmentSpec, CohortCourse
from lms.cohorts import operations as cohorts
from lms.cohorts.models import Cohort
from lms.grading import operations as grading
from lms.grading.queries import cohort as cohort_queries
from lms.grading.queries import gradebook
from lms.grading.queries import submission as grading_queries
from lms.submissions import operations as subs
from tests.grading.conftest import allocate, mark, submit_proposal
from tests.helpers import counted_queries


def _book_counts(html: str) -> dict[str, int]:
    """Status -> cells, as the grade book's filter shows them."""
    return {
        m.group(1): int(m.group(2))
        for m in re.finditer(
            r'data-status="(\w+)"[^>]*>[^<]*\(<span class="count">(\d+)</span>', html
        )
    }


def _queue_counts(html: str) -> dict[str, int]:
    return {
        m.group(1): int(m.group(2))
        for m in re.finditer(
            r'data-bucket="(\w+)"[^>]*>[^<]*\(<span class="count">(\d+)</span>\)', html
        )
    }


def _fresh_book_counts(app, cohort_id: int) -> dict[str, int]:
    """The same counts computed afresh, nothing kept."""
    from lms.extensions import db

    with pytest.MonkeyPatch.context() as patch, app.test_request_context():
        patch.setitem(app.config, "LMS_GRADING_COUNTS_KEPT", 0)
        return gradebook.gradebook_page(db.session.get(Cohort, cohort_id)).totals()


def _token(db, cohort) -> str | None:
    return db.session.scalar(db.select(Cohort.grading_token).filter_by(id=cohort.id))


def test_the_grade_book_shows_every_change_since_the_last_view(
    app, db, grading_world, login_as, make_user
):
    w = grading_world
    ani, budi, _citra, dedi = w.participants
    t1 = w.trainers[0]
    client = login_as(w.organizer)
    url = f"/cohorts/{w.cohort.id}/grading/gradebook"

    def shown() -> dict[str, int]:
        counts = _book_counts(client.get(url).get_data(as_text=True))
        fresh = _fresh_book_counts(app, w.cohort.id)
        assert counts == {s: n for s, n in fresh.items() if s in counts}
        return counts

    assert shown()["not_marked"] == 4
    with app.test_request_context():
        allocate(w.assignment, ani, t1)
        allocate(w.assignment, budi, t1)
        mark(w.submission_of(ani), t1)
        db.session.commit()
    assert (shown()["marked"], shown()["not_marked"]) == (1, 3)
    with app.test_request_context():
        mark(w.submission_of(budi), t1, done=False)
        db.session.commit()
    assert shown()["in_progress"] == 1
    with app.test_request_context():
        submission = w.submission_of(ani)
        grade = grading_queries.grade_of(grading_queries.latest_version(submission))
        assert grading.release([grade], w.organizer) == (1, 0)
        db.session.commit()
    assert (shown()["released"], shown()["marked"]) == (1, 0)
    with app.test_request_context():
        cohorts.remove_member(cohorts.membership_of(w.cohort, dedi), actor=w.organizer)
        db.session.commit()
    assert shown()["not_marked"] == 1  # Citra; Dedi left the class
    newcomer = make_user(full_name="Peserta Baru")
    with app.test_request_context():
        cohorts.add_member(w.cohort, email=newcomer.email, role="participant", actor=w.organizer)
        db.session.commit()
    assert shown()["not_submitted"] == 1
    with app.test_request_context():
        submit_proposal(w.assignment, newcomer)
        db.session.commit()
    assert (shown()["not_submitted"], shown()["not_marked"]) == (0, 2)


def _counting(statements: list[str]) -> bool:
    """Whether the grade book's counts statement ran."""
    return any("UNION ALL" in statement for statement in statements)


def test_the_counts_are_counted_once_while_nothing_they_count_changes(
    app, db, grading_world, login_as
):
    w = grading_world
    client = login_as(w.organizer)
    url = f"/cohorts/{w.cohort.id}/grading/gradebook"
    with counted_queries(db) as first:
        assert client.get(url).status_code == 200
    with counted_queries(db) as again:
        assert client.get(url + "?page=1&status=not_marked").status_code == 200
    assert _counting(first) and not _counting(again)
    with app.test_request_context():
        w.participants[0].phone = "081234567890"  # not counted, not shown: the counts stay kept
        db.session.commit()
    with counted_queries(db) as unrelated:
        client.get(url)
    assert not _counting(unrelated)
    with app.test_request_context():
        allocate(w.assignment, w.participants[0], w.trainers[0])
        mark(w.submission_of(w.participants[0]), w.trainers[0])
        db.session.commit()
    with counted_queries(db) as after:
        html = client.get(url).get_data(as_text=True)
    assert _counting(after) and _book_counts(html)["marked"] == 1


def _two_allocated(app, db, w) -> tuple:
    """The first two participants, allocated to the first trainer: (ani, budi, trainer)."""
    ani, budi, *_rest = w.participants
    t1 = w.trainers[0]
    with app.test_request_context():
        allocate(w.assignment, ani, t1)
        allocate(w.assignment, budi, t1)
        db.session.commit()
    return ani, budi, t1


def test_the_queue_counts_follow_the_trainers_marking(app, db, grading_world, login_as):
    w = grading_world
    ani, budi, t1 = _two_allocated(app, db, w)
    client = login_as(t1)
    url = f"/cohorts/{w.cohort.id}/grading/queue"
    assert _queue_counts(client.get(url).get_data(as_text=True))["to_grade"] == 2
    with app.test_request_context():
        mark(w.submission_of(ani), t1)
        db.session.commit()
    counts = _queue_counts(client.get(url).get_data(as_text=True))
    assert (counts["to_grade"], counts["done"]) == (1, 1)
    with app.test_request_context():
        submit_proposal(w.assignment, ani, nama_inovasi="Si Cepat 2")  # a new version
        db.session.commit()
    counts = _queue_counts(client.get(url).get_data(as_text=True))
    assert (counts["to_grade"], counts["done"]) == (2, 0)


def _sorts_the_whole_list(statements: list[str]) -> bool:
    """Whether a page's rows were chosen out of the whole list (sorted and cut in SQL)."""
    return any("LIMIT" in statement for statement in statements)


def test_a_kept_page_reads_only_its_rows_and_follows_a_new_name_and_office(
    app, db, grading_world, login_as
):
    """The queue and the grade book keep which people their page shows, in which order: the
    second view reads only those rows, and a participant's new name (which moves them down
    the list) and office show at once."""
    w = grading_world
    ani, budi, t1 = _two_allocated(app, db, w)
    pages = [
        (t1, f"/cohorts/{w.cohort.id}/grading/queue"),
        (w.organizer, f"/cohorts/{w.cohort.id}/grading/gradebook"),
    ]
    for who, url in pages:
        client = login_as(who)
        with counted_queries(db) as first:
            html = client.get(url).get_data(as_text=True)
        with counted_queries(db) as again:
            assert client.get(url).get_data(as_text=True) == html
        assert _sorts_the_whole_list(first) and not _sorts_the_whole_list(again), url
        assert html.index("Peserta Ani") < html.index("Peserta Budi")
    with app.test_request_context():
        ani.full_name, ani.office = "Peserta Zaenal", "Dinas Z"
        db.session.commit()
    for who, url in pages:
        html = login_as(who).get(url).get_data(as_text=True)
        assert "Peserta Ani" not in html, url
        assert html.index("Peserta Budi") < html.index("Peserta Zaenal"), url
        assert "Dinas Z" in html, url


def test_every_kind_of_change_gives_the_class_a_new_token_and_no_other(app, db, grading_world):
    w = grading_world
    ani, budi, *_rest = w.participants
    t1, t2, _t3 = w.trainers

    def new_nip() -> None:
        ani.employment_status, ani.nip = "pns", "199001012015031001"

    changes = {
        "allocation": lambda: allocate(w.assignment, ani, t1),
        "marking": lambda: mark(w.submission_of(ani), t1, done=False),
        "marking done": lambda: mark(w.submission_of(ani), t1),
        "draft": lambda: subs.save_draft(w.submission_of(budi), {"nama_inovasi": "Baru"}),
        "markers changed": lambda: grading.set_markers(w.assignment, budi, [t2], w.organizer),
        "plan": lambda: grading.update_plan(
            w.assignment, blind=True, tolerance=5, lead_trainer_id=None, actor=w.organizer
        ),
        "role": lambda: cohorts.change_role(
            cohorts.membership_of(w.cohort, budi), "trainer", actor=w.organizer
        ),
        "name": lambda: setattr(ani, "full_name", "Peserta Zaenal"),
        "office": lambda: setattr(ani, "office", "Dinas Z"),
        "NIP": new_nip,
    }
    for name, change in changes.items():
        with app.test_request_context():
            before, other = _token(db, w.cohort), _token(db, w.other_cohort)
            change()
            db.session.commit()
            assert _token(db, w.cohort) != before, name
            assert _token(db, w.other_cohort) == other, name


def test_a_change_rolled_back_keeps_the_token(app, db, grading_world):
    w = grading_world
    with app.test_request_context():
        before = _token(db, w.cohort)
        allocate(w.assignment, w.participants[0], w.trainers[0])
        db.session.rollback()
        db.session.commit()
        assert _token(db, w.cohort) == before


def test_inside_the_writing_transaction_the_counts_are_fresh(app, db, grading_world):
    w = grading_world
    ani = w.participants[0]
    with app.test_request_context():
        cohort = db.session.get(Cohort, w.cohort.id)
        columns, _n = gradebook.status_counts(cohort)
        assert columns[0].counts["marked"] == 0
        allocate(w.assignment, ani, w.trainers[0])
        mark(w.submission_of(ani), w.trainers[0])  # flushed, not committed yet
        columns, _n = gradebook.status_counts(cohort)
        assert columns[0].counts["marked"] == 1
        db.session.commit()
        columns, _n = gradebook.status_counts(cohort)  # the new token: counted again
        assert columns[0].counts["marked"] == 1


def _reads_assignments(statements: list[str]) -> bool:
    """Whether the class's assignments were read (the grade book's columns or the queue's
    filter): a statement that starts from the cohort's assignments with their specs."""
    return any("FROM lms_cohort_assignment JOIN lms_assignment_spec" in s for s in statements)


@pytest.mark.parametrize("page", ["gradebook", "queue"])
def test_the_class_assignments_are_read_once_and_follow_a_new_title(
    app, db, grading_world, login_as, page
):
    w = grading_world
    with app.test_request_context():
        allocate(w.assignment, w.participants[0], w.trainers[0])
        db.session.commit()
    client = login_as(w.organizer if page == "gradebook" else w.trainers[0])
    url = f"/cohorts/{w.cohort.id}/grading/{page}"
    with counted_queries(db) as first:
        assert client.get(url).status_code == 200
    with counted_queries(db) as again:
        html = client.get(url).get_data(as_text=True)
    assert _reads_assignments(first) and not _reads_assignments(again)
    title = w.assignment.spec.title
    assert title in html
    with app.test_request_context():
        before = _token(db, w.other_cohort)
        spec = db.session.get(AssignmentSpec, w.assignment.spec_id)
        spec.title = "Proposal Inovasi Daerah (revisi)"  # a course pack imported again
        db.session.commit()
        assert _token(db, w.other_cohort) != before  # the spec is every class's
    with counted_queries(db) as after:
        html = client.get(url).get_data(as_text=True)
    assert _reads_assignments(after)
    assert "Proposal Inovasi Daerah (revisi)" in html and f">{title}<" not in html


def test_a_course_of_the_class_gives_it_a_new_token(app, db, grading_world):
    w = grading_world
    with app.test_request_context():
        before = _token(db, w.cohort)
        course = db.session.scalar(db.select(CohortCourse).filter_by(cohort_id=w.cohort.id))
        course.position += 1
        db.session.commit()
        assert _token(db, w.cohort) != before


def test_kept_assignments_are_the_requests_own_instances(app, db, grading_world):
    w = grading_world
    cohort_id, title = w.cohort.id, w.assignment.spec.title
    with app.test_request_context():
        (first,) = cohort_queries.cohort_assignments(db.session.get(Cohort, cohort_id))
        first_id = first.id
        db.session.commit()  # expires what this request loaded, not the kept copies
        db.session.expunge_all()  # the next request's session starts empty
    with app.test_request_context(), counted_queries(db) as statements:
        cohort = db.session.get(Cohort, cohort_id)
        read_cohort = len(statements)
        (kept_one,) = cohort_queries.cohort_assignments(cohort)
        assert len(statements) == read_cohort  # kept: no statement
        assert kept_one.id == first_id and kept_one is not first
        assert sa.inspect(kept_one).session is sa.inspect(cohort).session
        assert kept_one.spec.title == title  # loaded with it
        assert kept_one.cohort is cohort  # many-to-one: from the identity map
        kept_one.blind_marking = True  # a change to it is this session's to flush
        assert kept_one in db.session.dirty
        db.session.rollback()
