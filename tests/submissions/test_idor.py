"""Submission files by guessed ids: the owner, the cohort's staff and admins get the file as an
attachment; anyone else gets 403 (or 404 when the ids do not belong together), never the file."""

from __future__ import annotations

import io

import pytest

from lms.storage import save_upload
from lms.submissions import operations as ops
from lms.submissions.permissions import can_edit_submission, can_view_submission


def _pdf(tag: str) -> bytes:
    return f"%PDF-1.4\n% berkas {tag}\n%%EOF".encode()


def _url(cohort_id: int, submission_id: int, file_id: int) -> str:
    return f"/cohorts/{cohort_id}/submissions/{submission_id}/files/{file_id}"


@pytest.fixture
def world(app, db, make_user, make_cohort, make_course):
    """Cohort A: participants a and b, a trainer, an organizer. Cohort B: participant c and a
    trainer. Each participant has a submission with one PDF."""
    a, b, c = make_user(), make_user(), make_user()
    trainer, organizer, trainer_b, admin = (
        make_user(),
        make_user(),
        make_user(),
        make_user(is_admin=True),
    )
    cohort_a = make_cohort(participants=[a, b], trainers=[trainer], organizers=[organizer])
    cohort_b = make_cohort(participants=[c], trainers=[trainer_b])
    make_course(cohorts=[cohort_a, cohort_b])
    subs, files = {}, {}
    with app.test_request_context():
        (assignment_a,) = ops.ensure_cohort_assignments(cohort_a)
        (assignment_b,) = ops.ensure_cohort_assignments(cohort_b)
        for name, person, assignment in (
            ("a", a, assignment_a),
            ("b", b, assignment_a),
            ("c", c, assignment_b),
        ):
            submission = ops.submission_for(assignment, person)
            stored = save_upload(io.BytesIO(_pdf(name)), max_bytes=1_000_000, allowed={"pdf"})
            subs[name] = submission
            files[name] = ops.add_file(submission, stored, name=f"surat-{name}.pdf")
        db.session.commit()
    return {
        "a": a,
        "b": b,
        "c": c,
        "trainer": trainer,
        "organizer": organizer,
        "trainer_b": trainer_b,
        "admin": admin,
        "A": cohort_a,
        "B": cohort_b,
        "subs": subs,
        "files": files,
    }


def _own_url(w, name: str, cohort: str = "A") -> str:
    return _url(w[cohort].id, w["subs"][name].id, w["files"][name].id)


def test_the_owner_downloads_an_attachment_with_nosniff(world, login_as):
    response = login_as(world["a"]).get(_own_url(world, "a"))
    assert response.status_code == 200
    assert response.data == _pdf("a")
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "surat-a.pdf" in disposition


def test_another_participant_guessing_ids_gets_403_never_the_file(world, login_as):
    client = login_as(world["a"])
    response = client.get(_own_url(world, "b"))
    assert response.status_code == 403
    assert _pdf("b") not in response.data
    assert "attachment" not in response.headers.get("Content-Disposition", "")


@pytest.mark.parametrize("who", ["a", "trainer", "admin"])
def test_ids_that_do_not_belong_together_are_not_found(world, login_as, who):
    client = login_as(world[who])
    subs, files, cohort_a = world["subs"], world["files"], world["A"].id
    # A's submission with B's file, and B's submission with A's file.
    assert client.get(_url(cohort_a, subs["a"].id, files["b"].id)).status_code == 404
    assert client.get(_url(cohort_a, subs["b"].id, files["a"].id)).status_code == 404
    # Cohort B's submission and file through cohort A's URL.
    assert client.get(_url(cohort_a, subs["c"].id, files["c"].id)).status_code == 404
    # Ids that do not exist.
    assert client.get(_url(cohort_a, subs["a"].id, 999999)).status_code == 404
    assert client.get(_url(cohort_a, 999999, files["a"].id)).status_code == 404


def test_a_file_of_this_cohort_through_another_cohorts_url_is_not_found(world, login_as):
    # The trainer of cohort B may use B's URLs, but A's files are not B's.
    client = login_as(world["trainer_b"])
    assert client.get(_own_url(world, "a", cohort="B")).status_code == 404
    assert client.get(_own_url(world, "a", cohort="A")).status_code == 403


def test_a_participant_of_another_cohort_is_refused(world, login_as):
    assert login_as(world["c"]).get(_own_url(world, "a")).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(world, login_as):
    response = login_as(None).get(_own_url(world, "a"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["trainer", "organizer", "admin"])
def test_the_cohorts_staff_and_admins_download(world, login_as, who):
    for name in ("a", "b"):
        response = login_as(world[who]).get(_own_url(world, name))
        assert response.status_code == 200, (who, name)
        assert response.data == _pdf(name)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("attachment")


def test_admin_downloads_from_any_cohort(world, login_as):
    response = login_as(world["admin"]).get(_own_url(world, "c", cohort="B"))
    assert response.status_code == 200 and response.data == _pdf("c")


def test_a_removed_file_stays_readable_for_staff(app, world, db, login_as):
    with app.test_request_context():
        ops.remove_file(world["subs"]["a"], world["files"]["a"])
        db.session.commit()
    assert login_as(world["trainer"]).get(_own_url(world, "a")).status_code == 200
    assert login_as(world["b"]).get(_own_url(world, "a")).status_code == 403


def test_the_permission_predicates(app, world):
    a, b, c = world["a"], world["b"], world["c"]
    sub_a, sub_c = world["subs"]["a"], world["subs"]["c"]
    with app.test_request_context():
        assert can_view_submission(a, sub_a) and can_edit_submission(a, sub_a)
        assert not can_view_submission(b, sub_a) and not can_edit_submission(b, sub_a)
        assert not can_view_submission(c, sub_a)
        for staff in ("trainer", "organizer"):
            assert can_view_submission(world[staff], sub_a)
            assert not can_edit_submission(world[staff], sub_a)
            assert not can_view_submission(world[staff], sub_c)
        assert can_view_submission(world["trainer_b"], sub_c)
        assert can_view_submission(world["admin"], sub_a)
        assert not can_edit_submission(world["admin"], sub_a)
        assert not can_view_submission(None, sub_a)


def test_an_owner_who_left_the_cohort_can_no_longer_edit(app, world, db):
    from lms.cohorts.models import Membership

    a, sub_a = world["a"], world["subs"]["a"]
    with app.test_request_context():
        membership = db.session.scalar(
            db.select(Membership).filter_by(cohort_id=world["A"].id, user_id=a.id)
        )
        db.session.delete(membership)
        db.session.flush()
        assert can_view_submission(a, sub_a)
        assert not can_edit_submission(a, sub_a)
