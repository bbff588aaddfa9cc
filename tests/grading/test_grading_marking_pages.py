"""The grading page, reconciliation, release and feedback over HTTP."""

from __future__ import annotations

import re

import pytest

from lms.audit import AuditEvent
from lms.grading import operations as grading
from lms.grading.models import Review
from lms.grading.queries import submission as grading_queries
from tests.grading.conftest import allocate, mark, submit_proposal
from tests.helpers import csrf_token


def _url(world, person, suffix=""):
    submission = world.submission_of(person)
    return f"/cohorts/{world.cohort.id}/grading/submissions/{submission.id}{suffix}"


@pytest.fixture
def allocated(app, db, grading_world):
    """Ani is marked by trainers 0 and 1; Budi by trainer 0 alone."""
    w = grading_world
    with app.test_request_context():
        allocate(w.assignment, w.participants[0], w.trainers[0], w.trainers[1])
        allocate(w.assignment, w.participants[1], w.trainers[0])
        db.session.commit()
    return w


def _form(client, url, **fields):
    data = {
        "csrf_token": csrf_token(client, url),
        "lock_version": re.search(
            r'name="lock_version" value="(\d+)"', client.get(url).get_data(as_text=True)
        ).group(1),
        "outcome": "grade",
        "overall_comment": "",
    }
    data.update(fields)
    return data


def test_the_marker_sees_the_work_and_the_rubric_with_descriptors(allocated, login_as):
    client = login_as(allocated.trainers[0])
    html = client.get(_url(allocated, allocated.participants[1])).get_data(as_text=True)
    assert "Peserta Budi" in html
    assert "Ada unsur baru yang jelas." in html  # a level descriptor
    assert 'name="level-kebaruan"' in html and 'name="gate-memperbarui"' in html
    assert "rubric-total.js" in html


def test_saving_a_draft_keeps_it_in_progress_and_computes_the_total(allocated, login_as, db):
    client = login_as(allocated.trainers[0])
    url = _url(allocated, allocated.participants[1])
    data = _form(
        client,
        url,
        **{
            "level-kebaruan": "2",
            "level-manfaat": "1",
            "gate-memperbarui": "1",
            "comment-kebaruan": "Jelas.",
            "action": "save",
        },
    )
    response = client.post(url, data=data)
    assert response.status_code == 302
    review = db.session.scalar(db.select(Review))
    assert (review.state, review.total, review.band) == ("in_progress", 80.0, "Baik")
    html = client.get(url).get_data(as_text=True)
    assert 'data-total="80.0"' in html and "80,0" in html
    assert "Jelas." in html


def test_marking_done_without_all_levels_is_refused_next_to_the_criterion(allocated, login_as, db):
    client = login_as(allocated.trainers[0])
    url = _url(allocated, allocated.participants[1])
    data = _form(
        client,
        url,
        **{"level-kebaruan": "2", "comment-manfaat": "Belum terukur.", "action": "done"},
    )
    response = client.post(url, data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="level-manfaat-error"' in html
    assert "Belum terukur." in html  # the typed comment is kept
    assert db.session.scalar(db.select(Review)) is None


def test_a_trainer_not_allocated_gets_403_and_an_outsider_too(allocated, login_as):
    url = _url(allocated, allocated.participants[1])
    assert login_as(allocated.trainers[2]).get(url).status_code == 403
    assert login_as(allocated.outsider_trainer).get(url).status_code == 403
    assert login_as(allocated.participants[1]).get(url).status_code == 403


def test_double_markers_do_not_see_each_other_until_both_are_done(app, allocated, login_as, db):
    ani = allocated.participants[0]
    with app.test_request_context():
        mark(allocated.submission_of(ani), allocated.trainers[0], comment="Rahasia satu")
        db.session.commit()
    url = _url(allocated, ani)
    assert "Rahasia satu" not in login_as(allocated.trainers[1]).get(url).get_data(as_text=True)
    with app.test_request_context():
        mark(allocated.submission_of(ani), allocated.trainers[1], comment="Rahasia dua")
        db.session.commit()
    html = login_as(allocated.trainers[1]).get(url).get_data(as_text=True)
    assert "Rahasia satu" in html and "Rahasia dua" in html


def test_two_tabs_saving_the_same_marking_get_a_conflict_and_keep_the_input(
    allocated, login_as, db
):
    client = login_as(allocated.trainers[0])
    url = _url(allocated, allocated.participants[1])
    first = _form(client, url, overall_comment="Tab satu", action="save")
    second = dict(first, overall_comment="Tab dua")
    assert client.post(url, data=first).status_code == 302
    response = client.post(url, data=second)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Tab dua" in html and "baru saja diubah orang lain" in html
    assert db.session.scalar(db.select(Review.overall_comment)) == "Tab satu"


def test_flagged_work_is_reconciled_by_the_organizer_then_released(app, allocated, login_as, db):
    ani = allocated.participants[0]
    with app.test_request_context():
        mark(allocated.submission_of(ani), allocated.trainers[0], kebaruan=2, manfaat=2)
        mark(allocated.submission_of(ani), allocated.trainers[1], kebaruan=1, manfaat=1)
        db.session.commit()
    client = login_as(allocated.organizer)
    assert "Perlu rekonsiliasi" in client.get(_url(allocated, ani)).get_data(as_text=True)
    url = _url(allocated, ani, "/reconcile")
    html = client.get(url).get_data(as_text=True)
    assert "Widyaiswara Satu" in html and "Widyaiswara Dua" in html
    token = csrf_token(client, url)
    locks = dict(re.findall(r'name="(\w*lock_version)" value="(\d+)"', html))
    data = {
        "csrf_token": token,
        **locks,
        "level-kebaruan": "2",
        "level-manfaat": "1",
        "gate-memperbarui": "1",
        "outcome": "grade",
        "overall_comment": "Bagus.",
        "note": "",
    }
    response = client.post(url, data=data)
    assert response.status_code == 400 and 'id="note-error"' in response.get_data(as_text=True)
    data["note"] = "Disepakati bersama."
    assert client.post(url, data=data).status_code == 302
    # A trainer who is not the lead cannot release.
    release = _url(allocated, ani, "/release")
    trainer = login_as(allocated.trainers[0])
    assert (
        trainer.post(release, data={"csrf_token": csrf_token(trainer, "/dashboard")}).status_code
        == 403
    )
    client = login_as(allocated.organizer)
    assert (
        client.post(release, data={"csrf_token": csrf_token(client, "/dashboard")}).status_code
        == 302
    )
    assert allocated.submission_of(ani).state == "graded"
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="grade.release"))


def test_feedback_shows_nothing_before_release_and_everything_after(app, allocated, login_as, db):
    budi = allocated.participants[1]
    with app.test_request_context():
        mark(allocated.submission_of(budi), allocated.trainers[0], comment="Komentar rahasia")
        db.session.commit()
    url = f"/cohorts/{allocated.cohort.id}/assignments/{allocated.assignment.id}/feedback"
    client = login_as(budi)
    html = client.get(url).get_data(as_text=True)
    assert "Komentar rahasia" not in html and "100,0" not in html
    work = client.get(
        f"/cohorts/{allocated.cohort.id}/assignments/{allocated.assignment.id}"
    ).get_data(as_text=True)
    assert "Komentar rahasia" not in work
    with app.test_request_context():
        grading.release_all(allocated.assignment, allocated.organizer)
        db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert "Komentar rahasia" in html and "100,0" in html and "Lulus" in html
    assert "Unsur baru jelas." in html  # the comment per criterion
    # Another participant reads only their own (nothing released for them).
    other = login_as(allocated.participants[2]).get(url).get_data(as_text=True)
    assert "Komentar rahasia" not in other


def test_blind_marking_hides_the_participant_from_trainers_everywhere(app, allocated, login_as, db):
    import io

    from lms import storage
    from lms.submissions import operations as subs
    from lms.submissions.anonymity import participant_code

    budi = allocated.participants[1]
    submission = allocated.submission_of(budi)
    with app.test_request_context():
        stored = storage.save_upload(
            io.BytesIO(b"%PDF-1.4\n%%EOF\n"), max_bytes=10_000, allowed={"pdf"}
        )
        subs.add_file(submission, stored, name="Proposal Peserta Budi.pdf")
        submit_proposal(allocated.assignment, budi)
        allocated.assignment.blind_marking = True
        code = participant_code(allocated.assignment.id, budi.id)
        db.session.commit()
    client = login_as(allocated.trainers[0])
    pages = [
        _url(allocated, budi),
        f"/cohorts/{allocated.cohort.id}/assignments/{allocated.assignment.id}/submissions",
    ]
    for page in pages:
        html = client.get(page).get_data(as_text=True)
        assert code in html, page
        assert "Peserta Budi" not in html and "Dinas A" not in html, page
    file_link = re.search(r'href="([^"]+/files/\d+)"', client.get(pages[0]).get_data(as_text=True))
    response = client.get(file_link.group(1))
    disposition = response.headers["Content-Disposition"]
    assert code in disposition and "Budi" not in disposition
    base = f"/cohorts/{allocated.cohort.id}/assignments/{allocated.assignment.id}"
    receipt = f"{base}/versions/2?user={budi.id}"
    assert client.get(receipt).status_code == 403
    # The organizer still sees who it is.
    html = login_as(allocated.organizer).get(pages[0]).get_data(as_text=True)
    assert "Peserta Budi" in html


def test_after_revisions_the_next_marking_starts_from_the_last_with_the_diff(
    app, allocated, login_as, db
):
    budi = allocated.participants[1]
    submission = allocated.submission_of(budi)
    with app.test_request_context():
        mark(
            submission, allocated.trainers[0], outcome="revisions", comment="Tambahkan cara kerja."
        )
        grading.release_all(allocated.assignment, allocated.organizer)
        db.session.commit()
    assert submission.state == "revisions_requested"
    client = login_as(budi)
    feedback = f"/cohorts/{allocated.cohort.id}/assignments/{allocated.assignment.id}/feedback"
    html = client.get(feedback).get_data(as_text=True)
    assert "Tambahkan cara kerja." in html and "Perbaiki tugas" in html
    with app.test_request_context():
        submit_proposal(allocated.assignment, budi, cara_kerja="Warga mengirim pesan singkat.")
        db.session.commit()
    html = login_as(allocated.trainers[0]).get(_url(allocated, budi)).get_data(as_text=True)
    assert "Perubahan dari versi 1" in html
    assert "<ins>Warga" in html or "<ins>Warga mengirim" in html
    assert "Tambahkan cara kerja." in html  # the new marking starts from the last one
    assert "Isian dimulai dari penilaian Anda atas versi sebelumnya" in html


def test_a_level_that_is_not_a_number_is_refused_next_to_the_criterion(allocated, login_as, db):
    client = login_as(allocated.trainers[0])
    url = _url(allocated, allocated.participants[1])
    data = _form(client, url, **{"level-kebaruan": "dua", "overall_comment": "Tetap ada."})
    response = client.post(url, data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="level-kebaruan-error"' in html and "Pilih salah satu tingkat yang ada." in html
    assert "Tetap ada." in html
    assert db.session.scalar(db.select(Review)) is None


def test_a_stale_reconciliation_is_refused_and_keeps_the_input(app, allocated, login_as, db):
    ani = allocated.participants[0]
    with app.test_request_context():
        mark(allocated.submission_of(ani), allocated.trainers[0], kebaruan=2, manfaat=2)
        mark(allocated.submission_of(ani), allocated.trainers[1], kebaruan=1, manfaat=1)
        db.session.commit()
    client = login_as(allocated.organizer)
    url = _url(allocated, ani, "/reconcile")
    html = client.get(url).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(client, url),
        **dict(re.findall(r'name="(\w*lock_version)" value="(\d+)"', html)),
        "level-kebaruan": "2",
        "level-manfaat": "1",
        "gate-memperbarui": "1",
        "outcome": "grade",
        "overall_comment": "Bagus.",
        "note": "Catatan pertama.",
    }
    assert client.post(url, data=data).status_code == 302
    response = client.post(url, data=dict(data, note="Catatan dari tab lama."))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "baru saja diubah orang lain" in html and "Catatan dari tab lama." in html
    db.session.expire_all()
    assert (
        grading_queries.grade_of(grading_queries.latest_version(allocated.submission_of(ani))).note
        == "Catatan pertama."
    )
