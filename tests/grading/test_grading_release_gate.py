"""Release gating: before release, a participant learns nothing of a marking through any page
or export they can open; after release they do."""

from __future__ import annotations

import pytest

from lms.grading import operations as grading
from tests.grading.conftest import allocate, mark

SECRET = "Catatan-penilai-7Q"


def _participant_urls(app, world, person) -> list[str]:
    """Every GET route a participant could open, filled with this world's ids."""
    submission = world.submission_of(person)
    values = {
        "cohort_id": world.cohort.id,
        "assignment_id": world.assignment.id,
        "submission_id": submission.id,
        "number": submission.latest_number,
        "course_slug": world.assignment.spec.course.slug,
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        if not set(rule.arguments) <= set(values):
            continue
        urls.append(rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1])
    return urls


@pytest.fixture
def marked(app, db, grading_world):
    w = grading_world
    ani = w.participants[0]
    with app.test_request_context():
        allocate(w.assignment, ani, w.trainers[0])
        mark(w.submission_of(ani), w.trainers[0], kebaruan=1, manfaat=2, comment=SECRET)
        db.session.commit()
    return w


def test_nothing_of_an_unreleased_grade_reaches_the_participant(app, marked, login_as, db):
    ani = marked.participants[0]
    client = login_as(ani)
    urls = _participant_urls(app, marked, ani)
    assert any("/feedback" in url for url in urls) and any("/grading" in url for url in urls)
    for url in urls:
        response = client.get(url)
        body = response.get_data()
        assert SECRET.encode() not in body, url
        assert b"Unsur baru jelas." not in body, url  # the criterion comment
        if response.mimetype == "text/html":
            assert "Dinilai" not in response.get_data(as_text=True).replace("Belum dinilai", ""), (
                url
            )
    with app.test_request_context():
        grading.release_all(marked.assignment, marked.organizer)
        db.session.commit()
    feedback = f"/cohorts/{marked.cohort.id}/assignments/{marked.assignment.id}/feedback"
    assert SECRET in client.get(feedback).get_data(as_text=True)
