"""The eligibility page: each participant's rules with the reason in words, filters and
counts, the issue form, and a fixed number of queries whatever the cohort's size."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from lms.attendance.operations import set_mark
from lms.catalog.models import Lesson
from lms.catalog.operations import mark_done
from lms.certificates import operations as ops
from lms.certificates.models import Certificate
from lms.cohorts.operations import add_member
from lms.grading import operations as grading
from lms.submissions import operations as subs
from tests.grading.conftest import GATED_RUBRIC_TOML, allocate, mark, submit_proposal
from tests.helpers import counted_queries, csrf_token


def _url(w, **query) -> str:
    url = f"/cohorts/{w.cohort.id}/certificates/eligibility"
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def _page(client, w, **query) -> str:
    response = client.get(_url(w, **query))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _row(html: str, person) -> str:
    """The table row of ``person``."""
    match = re.search(rf'<tr id="participant-{person.id}".*?</tr>', html, re.S)
    assert match, f"no row for {person.full_name}"
    return match.group(0)


def _names(html: str, w) -> set[str]:
    return {name for name, person in w.people.items() if f'id="participant-{person.id}"' in html}


def _counts(html: str) -> dict[str, int]:
    return {
        key: int(n)
        for key, n in re.findall(
            r'data-show="(\w+)"[^>]*>[^<]*\(<span class="count">(\d+)</span>\)', html
        )
    }


def _set_plan(app, db, w, **values):
    with app.test_request_context():
        plan = ops.plan_for(w.cohort)
        for name, value in values.items():
            setattr(plan, name, value)
        db.session.commit()


@pytest.fixture
def client(login_as, certificate_world):
    return login_as(certificate_world.organizer)


def test_every_participant_with_the_reason_and_the_counts(certificate_world, client, db):
    w = certificate_world
    html = _page(client, w)
    assert _counts(html) == {"all": 5, "eligible": 3, "ineligible": 2, "certified": 0}
    citra = _row(html, w.people["Citra"])
    assert "hadir 3 dari 5 pertemuan (60%), minimal 80%" in citra
    assert "Belum memenuhi syarat" in citra
    assert f'name="override-{w.people["Citra"].id}"' in citra
    assert f'<label for="override-{w.people["Citra"].id}">Alasan pengecualian</label>' in citra
    ani = _row(html, w.people["Ani"])
    assert "hadir 5 dari 5 pertemuan (100%), minimal 80%" in ani and "Memenuhi syarat" in ani
    assert "override-" not in ani
    assert "<td>15</td>" in ani  # JP: five meetings of 3 JP
    # The issue form goes to the issuing endpoint.
    assert f'action="/cohorts/{w.cohort.id}/certificates/issue"' in html
    assert f'name="user" value="{w.people["Citra"].id}"' in html
    assert 'name="scope" value="eligible"' in html and 'name="scope" value="selected"' in html
    assert "Terbitkan untuk semua yang memenuhi syarat (3)" in html
    assert "Terbitkan untuk yang dipilih" in html
    # Looking writes nothing.
    assert db.session.scalar(db.select(db.func.count()).select_from(Certificate)) == 0


def test_filters_show_each_group(certificate_world, client, app, db):
    w = certificate_world
    assert _names(_page(client, w, show="eligible"), w) == {"Ani", "Budi", "Eka"}
    assert _names(_page(client, w, show="ineligible"), w) == {"Citra", "Dedi"}
    assert _names(_page(client, w, show="certified"), w) == set()
    assert "Tidak ada peserta pada pilihan ini." in _page(client, w, show="certified")
    assert _names(_page(client, w, show="semua-saja"), w) == set(w.people)

    with app.test_request_context():
        (certificate,) = ops.issue(w.cohort, [w.people["Ani"].id], actor=w.organizer)
        number = certificate.number
        db.session.commit()
    html = _page(client, w, show="certified")
    assert _names(html, w) == {"Ani"}
    ani = _row(html, w.people["Ani"])
    assert "Sudah bersertifikat" in ani and number in ani
    assert 'name="user"' not in ani  # no second certificate
    html = _page(client, w)
    assert _counts(html) == {"all": 5, "eligible": 3, "ineligible": 2, "certified": 1}
    assert "Terbitkan untuk semua yang memenuhi syarat (2)" in html


def test_excused_and_a_lower_minimum_change_the_result(certificate_world, client, app, db):
    w = certificate_world
    w.cohort.excused_counts_as_attended = True
    db.session.commit()
    html = _page(client, w)
    assert "hadir 5 dari 5 pertemuan (100%)" in _row(html, w.people["Dedi"])
    assert "Izin dan Sakit dihitung hadir" in html
    _set_plan(app, db, w, min_attendance=60.0)
    html = _page(client, w)
    assert _counts(html)["eligible"] == 5
    assert "minimal 60%" in _row(html, w.people["Citra"])


@pytest.fixture
def graded(app, db, certificate_world, make_course, make_user):
    """The cohort follows a course with a proposal (rubric, pass mark 60) and three lessons.
    Ani's proposal passes (100), Budi's fails, Citra's is marked but not released, Dedi and
    Eka submitted nothing."""
    w = certificate_world
    trainer = make_user(full_name="Widyaiswara Penilai")
    w.course = make_course(cohorts=[w.cohort], rubrics={"uji": GATED_RUBRIC_TOML})
    with app.test_request_context():
        add_member(w.cohort, email=trainer.email, role="trainer", actor=None)
        (w.assignment,) = subs.ensure_cohort_assignments(w.cohort)
        for name, points, done in (("Ani", 2, True), ("Budi", 1, True)):
            person = w.people[name]
            submission = submit_proposal(w.assignment, person)
            allocate(w.assignment, person, trainer)
            mark(submission, trainer, kebaruan=points, manfaat=points, done=done)
        grading.release_all(w.assignment, w.organizer)
        citra = submit_proposal(w.assignment, w.people["Citra"])
        allocate(w.assignment, w.people["Citra"], trainer)
        mark(citra, trainer)
        db.session.commit()
    return w


def test_a_required_pass_needs_a_released_passing_grade(graded, client, app, db):
    w = graded
    _set_plan(
        app,
        db,
        w,
        min_attendance=0.0,
        required_assignments=[{"assignment_id": w.assignment.id, "need": "pass"}],
    )
    html = _page(client, w)
    assert "Proposal Uji: Lulus" in html  # the rule, in the summary
    ani = _row(html, w.people["Ani"])
    assert re.search(r"Proposal Uji: nilai 100(,0)?, lulus", ani) and "Memenuhi syarat" in ani
    # The qualification: the class's scheme (not the rubric's band "Baik"), and how.
    assert '<td data-qualification="Sangat Memuaskan"><strong>Sangat Memuaskan</strong>' in ani
    assert "nilai akhir Proposal Uji: 100,0" in ani
    assert '<td data-qualification="">–<br><span class="meta">belum dapat dihitung' in _row(
        html, w.people["Citra"]
    )
    assert "tidak lulus" in _row(html, w.people["Budi"])
    assert "belum ada nilai yang dirilis" in _row(html, w.people["Citra"])
    assert "belum ada nilai yang dirilis" in _row(html, w.people["Dedi"])
    assert _names(_page(client, w, show="eligible"), w) == {"Ani"}


def test_a_required_submission_needs_only_a_submitted_version(graded, client, app, db):
    w = graded
    _set_plan(
        app,
        db,
        w,
        min_attendance=0.0,
        required_assignments=[{"assignment_id": w.assignment.id, "need": "submitted"}],
    )
    html = _page(client, w)
    for name in ("Ani", "Budi", "Citra"):
        assert "Proposal Uji: sudah dikumpulkan" in _row(html, w.people[name]), name
    assert "Proposal Uji: belum dikumpulkan" in _row(html, w.people["Dedi"])
    assert _names(_page(client, w, show="eligible"), w) == {"Ani", "Budi", "Citra"}


def test_a_required_course_needs_every_lesson_done(graded, client, app, db):
    w = graded
    lessons = db.session.scalars(
        db.select(Lesson).filter_by(course_id=w.course.id).order_by(Lesson.position)
    ).all()
    with app.test_request_context():
        for lesson in lessons:
            mark_done(w.people["Ani"], lesson)
        mark_done(w.people["Budi"], lessons[0])
        db.session.commit()
    _set_plan(app, db, w, required_courses=[w.course.id])
    html = _page(client, w)
    title = w.course.title
    assert f"{title}: 3 dari 3 materi selesai" in _row(html, w.people["Ani"])
    assert f"{title}: 1 dari 3 materi selesai" in _row(html, w.people["Budi"])
    assert f"{title}: semua materi selesai" in html  # the summary
    assert _names(_page(client, w, show="eligible"), w) == {"Ani"}


def test_a_certificate_of_attendance_checks_attendance_only(graded, client, app, db):
    w = graded
    _set_plan(
        app,
        db,
        w,
        kind="attendance",
        required_assignments=[{"assignment_id": w.assignment.id, "need": "pass"}],
        required_courses=[w.course.id],
    )
    html = _page(client, w)
    assert "Sertifikat kehadiran" in html
    assert "Proposal Uji" not in html and "materi selesai" not in html
    assert _names(_page(client, w, show="eligible"), w) == {"Ani", "Budi", "Eka"}


def test_issuing_from_the_page_with_an_override(certificate_world, client, db):
    w = certificate_world
    citra = w.people["Citra"]
    response = client.post(
        f"/cohorts/{w.cohort.id}/certificates/issue",
        data={
            "csrf_token": csrf_token(client, _url(w)),
            "scope": "selected",
            "user": [str(w.people["Ani"].id), str(citra.id)],
            f"override-{citra.id}": "Dinas luar dengan surat tugas.",
        },
    )
    assert response.status_code == 302
    html = _page(client, w, show="certified")
    assert _names(html, w) == {"Ani", "Citra"}


def _add_participants(app, db, w, make_user, n: int) -> None:
    statuses = ["present", "present", "late", "absent", "excused"]
    with app.test_request_context():
        for i in range(n):
            person = make_user(full_name=f"Peserta Tambahan {i:02d}", office=f"Dinas {i % 4}")
            add_member(w.cohort, email=person.email, role="participant", actor=None)
            for meeting, status in zip(w.meetings, statuses, strict=True):
                set_mark(meeting, person, status, actor=w.organizer)
            if i % 3 == 0:
                submit_proposal(w.assignment, person)
            for lesson in w.course.lessons[: i % 4]:
                mark_done(person, lesson)
        db.session.commit()


def test_the_page_runs_the_same_number_of_queries_for_5_and_40_participants(
    graded, client, app, db, make_user
):
    w = graded
    _set_plan(
        app,
        db,
        w,
        required_assignments=[{"assignment_id": w.assignment.id, "need": "pass"}],
        required_courses=[w.course.id],
    )
    with app.test_request_context():
        ani = w.people["Ani"].id
        ops.issue(w.cohort, [ani], actor=w.organizer, overrides={ani: "Materi dipelajari luring."})
        db.session.commit()

    def count() -> int:
        client.get(_url(w))  # warm up
        db.session.expire_all()
        with counted_queries(db) as statements:
            html = _page(client, w)
        assert "Sudah bersertifikat" in html
        return len(statements)

    small = count()
    _add_participants(app, db, w, make_user, 35)
    large = count()
    assert _counts(_page(client, w))["all"] == 40
    assert small == large, (small, large)


def test_the_meetings_not_yet_held_do_not_count(certificate_world, client, make_meeting):
    w = certificate_world
    make_meeting(w.cohort, starts_in=timedelta(days=2), jp=3)
    assert "hadir 3 dari 5 pertemuan (60%)" in _row(_page(client, w), w.people["Citra"])
