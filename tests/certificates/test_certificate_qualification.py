"""The qualification scheme: labels at their bounds, the default, the organizer's own scheme on
the settings page, the mean of the assignments that must be passed, and the snapshot at issue."""

from __future__ import annotations

import re

import pytest

from lms.certificates import operations as ops
from lms.certificates import qualification as q
from lms.certificates.models import CertificatePlan
from lms.grading import operations as grading
from lms.grading.models import Grade
from lms.submissions import operations as subs
from tests.certificates.test_certificate_settings import DEFAULT_SCHEME_ROWS, _error_of
from tests.grading.conftest import GATED_RUBRIC_TOML, allocate, mark, submit_proposal
from tests.helpers import csrf_token

DEFAULT = q.bands(None)


@pytest.mark.parametrize(
    ("score", "label"),
    [
        (100.0, "Sangat Memuaskan"),
        (90.0, "Sangat Memuaskan"),
        (89.9, "Memuaskan"),
        (89.95, "Memuaskan"),  # tenths decide: 89.95 is not 90
        (80.0, "Memuaskan"),
        (79.9, "Baik"),
        (70.0, "Baik"),
        (69.9, "Cukup"),
        (60.0, "Cukup"),
        (59.9, None),
        (0.0, None),
        (None, None),
    ],
)
def test_the_default_scheme_at_its_bounds(app_ctx, score, label):
    band = q.band_for(DEFAULT, score)
    assert (band.label if band else None) == label


def test_the_default_scheme_in_words(app_ctx):
    assert q.describe(DEFAULT) == (
        "Sangat Memuaskan 90–100 · Memuaskan 80–89,9 · Baik 70–79,9 · Cukup 60–69,9"
    )


def test_a_custom_scheme_with_decimal_bounds(app_ctx):
    scheme = q.from_rows([("Dengan Pujian", 85.5), ("Lulus", 65.0)])
    assert [b.label for b in scheme] == ["Dengan Pujian", "Lulus"]
    assert q.band_for(scheme, 85.5).label == "Dengan Pujian"
    assert q.band_for(scheme, 85.4).label == "Lulus"
    assert q.band_for(scheme, 64.9) is None
    assert q.describe(scheme) == "Dengan Pujian 85,5–100 · Lulus 65–85,4"


@pytest.mark.parametrize(
    ("rows", "where", "message"),
    [
        ([("", 90.0)], (0, "label"), "Isi nama kualifikasi"),
        ([("Baik", None)], (0, "min"), "Isi nilai minimal untuk Baik"),
        ([("Baik", 70.0), ("Cukup", 70.0)], (1, "min"), "tanpa rentang yang tumpang tindih"),
        ([("Baik", 70.0), ("Sangat Baik", 85.0)], (1, "min"), "lebih kecil daripada baris"),
        ([("Baik", 101.0)], (0, "min"), "antara 0 dan 100"),
        ([("Baik", 70.25)], (0, "min"), "satu angka desimal"),
        ([("Baik", 80.0), ("baik", 70.0)], (1, "label"), "sudah dipakai"),
        ([("", None), ("", None)], (0, "label"), "sekurang-kurangnya satu"),
    ],
)
def test_scheme_problems_are_named_per_row(app_ctx, rows, where, message):
    found = q.problems(rows)
    row, field = where
    assert message in found[row][field]


def test_empty_rows_between_filled_ones_are_skipped(app_ctx):
    rows = [("Baik", 70.0), ("", None), ("Cukup", 60.0)]
    assert q.problems(rows) == {}
    assert [b.label for b in q.from_rows(rows)] == ["Baik", "Cukup"]


# --- the settings page --------------------------------------------------------------------


@pytest.fixture
def settings_client(login_as, certificate_world):
    return login_as(certificate_world.organizer)


def _settings_url(w) -> str:
    return f"/cohorts/{w.cohort.id}/certificates/settings"


def _post_settings(client, w, rows: dict[str, str]):
    html = client.get(_settings_url(w)).get_data(as_text=True)
    lock = re.search(r'name="lock" type="hidden" value="(\d+)"', html).group(1)
    data = {
        "csrf_token": csrf_token(client, _settings_url(w)),
        "lock": lock,
        "kind": "completion",
        "min_attendance": "80",
        "number_pattern": "{seq:03d}/{cohort_code}/{year}",
        "layout": ["nip", "rank", "position", "office", "jp", "qualification"],
        **dict.fromkeys(DEFAULT_SCHEME_ROWS, ""),
        **rows,
        "action": "save",
    }
    return client.post(_settings_url(w), data=data)


def _plan(db, w):
    db.session.expire_all()
    return db.session.scalar(db.select(CertificatePlan).filter_by(cohort_id=w.cohort.id))


def test_the_page_shows_the_default_scheme_with_a_label_per_field(
    certificate_world, settings_client
):
    html = settings_client.get(_settings_url(certificate_world)).get_data(as_text=True)
    assert "Skema kualifikasi" in html
    assert '<label for="qualifications-0-label">Kualifikasi 1</label>' in html
    assert '<label for="qualifications-0-min">Nilai minimal kualifikasi 1</label>' in html
    assert 'name="qualifications-0-label" type="text" value="Sangat Memuaskan"' in html
    assert 'name="qualifications-3-min" type="text" value="60"' in html
    assert 'name="qualifications-4-label" type="text" value=""' in html


def test_saving_an_own_scheme(certificate_world, settings_client, db):
    w = certificate_world
    response = _post_settings(
        settings_client,
        w,
        {
            "qualifications-0-label": "Amat Baik",
            "qualifications-0-min": "85,5",
            "qualifications-1-label": "  Baik  ",
            "qualifications-1-min": "70",
            "qualifications-3-label": "Cukup",
            "qualifications-3-min": "55",
        },
    )
    assert response.status_code == 302
    assert _plan(db, w).qualification_scheme == [
        {"label": "Amat Baik", "min": 85.5},
        {"label": "Baik", "min": 70.0},
        {"label": "Cukup", "min": 55.0},
    ]
    html = settings_client.get(_settings_url(w)).get_data(as_text=True)
    assert 'value="Amat Baik"' in html and 'value="85,5"' in html


@pytest.mark.parametrize(
    ("rows", "field", "message"),
    [
        (
            {
                "qualifications-0-label": "Baik",
                "qualifications-0-min": "70",
                "qualifications-1-label": "Sangat Baik",
                "qualifications-1-min": "85",
            },
            "qualifications-1-min",
            "Nilai minimal harus lebih kecil daripada baris di atasnya (70)",
        ),
        (
            {
                "qualifications-0-label": "Baik",
                "qualifications-0-min": "70",
                "qualifications-1-label": "Cukup",
                "qualifications-1-min": "70",
            },
            "qualifications-1-min",
            "tanpa rentang yang tumpang tindih",
        ),
        (
            {"qualifications-0-label": "", "qualifications-0-min": "90"},
            "qualifications-0-label",
            "Isi nama kualifikasi untuk nilai minimal ini.",
        ),
        (
            {"qualifications-0-label": "Baik", "qualifications-0-min": "tujuh puluh"},
            "qualifications-0-min",
            "Isi dengan angka",
        ),
        ({}, "qualifications-0-label", "Isi sekurang-kurangnya satu kualifikasi."),
    ],
)
def test_a_bad_scheme_is_explained_next_to_the_row_and_nothing_is_saved(
    certificate_world, settings_client, db, rows, field, message
):
    w = certificate_world
    response = _post_settings(settings_client, w, rows)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in _error_of(html, field)
    assert "Periksa isian yang ditandai." in html
    for name, value in rows.items():
        if value:
            assert f'name="{name}" type="text" value="{value}"' in html  # kept as typed
    assert _plan(db, w) is None


# --- computed from the assignments that must be passed ---------------------------------------


@pytest.fixture
def two_graded(app, db, certificate_world, make_course, make_user):
    """Two courses with a rubric-marked proposal each, both required to pass. Ani: 100 and
    50 → mean 75 (but fails the second); Budi: 100 and 100; Eka: only the first released."""
    w = certificate_world
    trainer = make_user(full_name="Widyaiswara Penilai")
    first = make_course(cohorts=[w.cohort], rubrics={"uji": GATED_RUBRIC_TOML})
    second = make_course(cohorts=[w.cohort], rubrics={"uji": GATED_RUBRIC_TOML})
    from lms.cohorts.operations import add_member

    with app.test_request_context():
        add_member(w.cohort, email=trainer.email, role="trainer", actor=None)
        rows = subs.ensure_cohort_assignments(w.cohort)
        w.first = next(a for a in rows if a.spec.course_id == first.id)
        w.second = next(a for a in rows if a.spec.course_id == second.id)
        for assignment, marks in (
            (w.first, {"Ani": 2, "Budi": 2, "Eka": 2}),
            (w.second, {"Ani": 1, "Budi": 2}),
        ):
            for name, points in marks.items():
                person = w.people[name]
                submission = submit_proposal(assignment, person)
                allocate(assignment, person, trainer)
                mark(submission, trainer, kebaruan=points, manfaat=points, done=True)
            grading.release_all(assignment, w.organizer)
        eka_second = submit_proposal(w.second, w.people["Eka"])
        allocate(w.second, w.people["Eka"], trainer)
        mark(eka_second, trainer)  # marked, not released
        plan = ops.plan_for(w.cohort)
        plan.required_assignments = [
            {"assignment_id": w.first.id, "need": "pass"},
            {"assignment_id": w.second.id, "need": "pass"},
        ]
        db.session.commit()
    return w


def _set_totals(db, assignment, totals: dict[int, float]) -> None:
    """Give released grades exact totals (the rubric's levels give coarse ones)."""
    from lms.submissions.models import Submission

    for grade, user_id in db.session.execute(
        db.select(Grade, Submission.user_id)
        .join(Submission, Submission.id == Grade.submission_id)
        .where(Submission.assignment_id == assignment.id, Grade.released_dt.is_not(None))
    ):
        if user_id in totals:
            grade.total = totals[user_id]
    db.session.commit()


def _row(html: str, person) -> str:
    return re.search(rf'<tr id="participant-{person.id}".*?</tr>', html, re.S).group(0)


def test_the_mean_of_the_passed_assignments_gives_the_label(two_graded, login_as, db):
    w = two_graded
    ani, budi, eka = (w.people[n] for n in ("Ani", "Budi", "Eka"))
    _set_totals(db, w.first, {ani.id: 85.0, budi.id: 92.0})
    _set_totals(db, w.second, {ani.id: 75.0, budi.id: 88.0})
    client = login_as(w.organizer)
    html = client.get(f"/cohorts/{w.cohort.id}/certificates/eligibility").get_data(as_text=True)
    # The rule summary says how it is computed, with the scheme.
    assert "rata-rata nilai akhir yang sudah dirilis dari tugas yang disyaratkan lulus" in html
    assert "Sangat Memuaskan 90–100 · Memuaskan 80–89,9 · Baik 70–79,9 · Cukup 60–69,9" in html
    row = _row(html, ani)
    assert 'data-qualification="Memuaskan"' in row  # (85 + 75) / 2 = 80: exactly the bound
    assert re.search(r"rata-rata nilai akhir .*\(85,0\), .*\(75,0\): 80,0", row)
    row = _row(html, budi)
    assert 'data-qualification="Sangat Memuaskan"' in row  # 90.0
    row = _row(html, eka)
    assert 'data-qualification=""' in row and "belum dapat dihitung" in row
    assert w.second.spec.title in row


def test_just_below_a_bound_gets_the_next_label_and_below_all_none(two_graded, login_as, db):
    w = two_graded
    ani, budi = w.people["Ani"], w.people["Budi"]
    _set_totals(db, w.first, {ani.id: 90.0, budi.id: 60.0})
    _set_totals(db, w.second, {ani.id: 89.8, budi.id: 59.6})
    client = login_as(w.organizer)
    html = client.get(f"/cohorts/{w.cohort.id}/certificates/eligibility").get_data(as_text=True)
    assert 'data-qualification="Memuaskan"' in _row(html, ani)  # 89.9
    budi_row = _row(html, budi)
    assert 'data-qualification=""' in budi_row  # 59.8
    assert "di bawah batas terendah (Cukup, 60,0)" in budi_row


def test_the_class_scheme_replaces_the_rubric_bands(two_graded, login_as, db, app):
    w = two_graded
    budi = w.people["Budi"]
    _set_totals(db, w.first, {budi.id: 70.0})
    _set_totals(db, w.second, {budi.id: 70.0})
    with app.test_request_context():
        plan = ops.plan_for(w.cohort)
        plan.qualification_scheme = [{"label": "Lulus dengan Pujian", "min": 70.0}]
        db.session.commit()
    client = login_as(w.organizer)
    html = client.get(f"/cohorts/{w.cohort.id}/certificates/eligibility").get_data(as_text=True)
    assert 'data-qualification="Lulus dengan Pujian"' in _row(html, budi)


def test_no_assignment_to_pass_means_no_qualification(certificate_world, login_as, app, db):
    w = certificate_world
    client = login_as(w.organizer)
    html = client.get(f"/cohorts/{w.cohort.id}/certificates/eligibility").get_data(as_text=True)
    assert "tidak dicetak: tidak ada tugas yang disyaratkan lulus" in html
    assert 'data-qualification="">–</td>' in _row(html, w.people["Ani"])
    with app.test_request_context():
        (certificate,) = ops.issue(w.cohort, [w.people["Ani"].id], actor=w.organizer)
        assert certificate.qualification == ""
        assert certificate.snapshot["qualification_score"] is None


def test_the_qualification_and_how_it_was_computed_are_frozen_at_issue(two_graded, app, db):
    w = two_graded
    budi = w.people["Budi"]
    _set_totals(db, w.first, {budi.id: 92.0})
    _set_totals(db, w.second, {budi.id: 88.0})
    with app.test_request_context():
        (certificate,) = ops.issue(w.cohort, [budi.id], actor=w.organizer)
        db.session.commit()
        plan = ops.plan_for(w.cohort)
        plan.qualification_scheme = [{"label": "Lulus", "min": 0.0}]
        db.session.commit()
    db.session.expire_all()
    assert certificate.qualification == "Sangat Memuaskan"
    assert certificate.snapshot["qualification_score"] == 90.0
    assert "rata-rata nilai akhir" in certificate.snapshot["qualification_basis"]
    assert certificate.snapshot["qualification_scheme"][0] == {
        "label": "Sangat Memuaskan",
        "min": 90.0,
    }


def test_a_certificate_of_attendance_has_no_qualification(two_graded, app, db):
    w = two_graded
    budi = w.people["Budi"]
    _set_totals(db, w.first, {budi.id: 95.0})
    _set_totals(db, w.second, {budi.id: 95.0})
    with app.test_request_context():
        plan = ops.plan_for(w.cohort)
        plan.kind = "attendance"
        (certificate,) = ops.issue(w.cohort, [budi.id], actor=w.organizer)
        assert certificate.qualification == ""
        assert certificate.snapshot["qualification_scheme"] == []
