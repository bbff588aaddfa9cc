"""An assignment's grading settings page: blind marking, tolerance, lead trainer, and the
rubric in use shown read-only."""

from __future__ import annotations

import re

import pytest

from lms.audit import AuditEvent
from lms.grading.models import GradingPlan
from lms.submissions.models import CohortAssignment
from tests.helpers import csrf_token


def _url(world, assignment=None):
    assignment = assignment or world.assignment
    return f"/cohorts/{world.cohort.id}/grading/assignments/{assignment.id}/settings"


def _post(client, world, **values):
    url = _url(world)
    html = client.get(url).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(client, url),
        "lock": re.search(r'name="lock" type="hidden" value="(\d+)"', html).group(1),
        "tolerance": "10",
        "lead_trainer": "0",
    }
    data.update(values)
    return client.post(url, data=data)


def _plan(db, world):
    db.session.expire_all()
    return db.session.scalar(db.select(GradingPlan).filter_by(assignment_id=world.assignment.id))


def _blind(db, world):
    db.session.expire_all()
    return db.session.get(CohortAssignment, world.assignment.id).blind_marking


def test_the_page_shows_the_settings_and_the_rubric_in_use(grading_world, login_as, db):
    client = login_as(grading_world.organizer)
    response = client.get(_url(grading_world))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<label for="tolerance">' in html and 'value="10"' in html
    assert '<label for="lead_trainer">' in html and "Widyaiswara Satu" in html
    # The role is "penanggung jawab"; "Utama" is a career grade (Widyaiswara Ahli Utama).
    assert '<label for="lead_trainer">Widyaiswara penanggung jawab</label>' in html
    assert "Widyaiswara utama" not in html
    assert "Peserta Ani" not in html  # only trainers may lead
    # The rubric, read-only: criteria, weights, levels with descriptors, pass mark, bands, gate.
    for text in (
        "Rubrik Uji",
        "Kebaruan",
        "bobot 60",
        "Ada unsur baru yang jelas.",
        "60 dari 100",
        "Baik ≥ 70",
        "Mengandung pembaruan",
        "Rubrik paket mata pelatihan",
    ):
        assert text in html, text
    # Looking does not create a plan.
    assert _plan(db, grading_world) is None


def test_saving_blind_tolerance_and_lead_trainer(grading_world, login_as, db):
    w = grading_world
    client = login_as(w.organizer)
    lead = w.trainers[1]
    response = _post(client, w, blind="y", tolerance="7,5", lead_trainer=str(lead.id))
    assert response.status_code == 302
    plan = _plan(db, w)
    assert (plan.tolerance, plan.lead_trainer_id) == (7.5, lead.id)
    assert _blind(db, w) is True
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="grading.plan"))
    assert event.actor_id == w.organizer.id and event.cohort_id == w.cohort.id
    assert event.before == {"blind": False, "tolerance": 10.0, "lead_trainer_id": None}
    assert event.after == {"blind": True, "tolerance": 7.5, "lead_trainer_id": lead.id}
    html = client.get(_url(w)).get_data(as_text=True)
    assert "Pengaturan penilaian sudah disimpan." in html
    assert 'value="7.5"' in html and f'<option selected value="{lead.id}">' in html

    # Unticking blind marking and choosing nobody is saved too.
    assert _post(client, w, tolerance="0", lead_trainer="0").status_code == 302
    plan = _plan(db, w)
    assert (plan.tolerance, plan.lead_trainer_id, _blind(db, w)) == (0.0, None, False)


@pytest.mark.parametrize(
    ("tolerance", "message"),
    [
        ("-1", "Toleransi antara 0 dan 100 poin."),
        ("sepuluh", "Isi toleransi dengan angka"),
        ("", "Isi toleransi (boleh 0)."),
        ("150", "Toleransi antara 0 dan 100 poin."),
    ],
)
def test_a_bad_tolerance_is_refused_next_to_the_field(
    grading_world, login_as, db, tolerance, message
):
    w = grading_world
    client = login_as(w.organizer)
    response = _post(client, w, blind="y", tolerance=tolerance, lead_trainer=str(w.trainers[0].id))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert re.search(r'aria-describedby="[^"]*tolerance-error"', html)
    assert f'value="{tolerance}"' in html  # what was typed stays in the field
    assert _plan(db, w) is None and _blind(db, w) is False
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="grading.plan")) is None


@pytest.mark.parametrize("who", ["participant", "outsider_trainer", "organizer", "unknown"])
def test_a_lead_trainer_must_be_a_trainer_of_the_cohort(grading_world, login_as, db, who):
    w = grading_world
    person_id = {
        "participant": w.participants[0].id,
        "outsider_trainer": w.outsider_trainer.id,
        "organizer": w.organizer.id,
        "unknown": "siapa",
    }[who]
    client = login_as(w.organizer)
    response = _post(client, w, blind="y", tolerance="5", lead_trainer=str(person_id))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Pilih salah satu widyaiswara kelas ini" in html
    assert re.search(r'aria-describedby="[^"]*lead_trainer-error"', html)
    assert _plan(db, w) is None and _blind(db, w) is False


def test_a_stale_form_is_refused(grading_world, login_as, db):
    w = grading_world
    client = login_as(w.organizer)
    assert _post(client, w, tolerance="5").status_code == 302
    plan = _plan(db, w)
    response = _post(client, w, tolerance="20", lock=str(plan.lock_version - 1))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "baru saja diubah orang lain" in html
    assert 'value="20"' in html  # what was typed stays, to be saved again deliberately
    assert _plan(db, w).tolerance == 5.0


@pytest.mark.parametrize("who", ["participant", "trainer", "outsider"])
def test_only_organizers_see_or_change_the_settings(grading_world, login_as, db, who):
    w = grading_world
    person = {
        "participant": w.participants[0],
        "trainer": w.trainers[0],
        "outsider": w.outsider_trainer,
    }[who]
    client = login_as(person)
    assert client.get(_url(w)).status_code == 403
    token = csrf_token(client, "/dashboard")
    response = client.post(_url(w), data={"csrf_token": token, "tolerance": "0", "blind": "y"})
    assert response.status_code == 403
    assert _plan(db, w) is None and _blind(db, w) is False


def test_an_assignment_of_another_cohort_is_not_found(grading_world, login_as, db):
    w = grading_world
    foreign = db.session.scalar(db.select(CohortAssignment).filter_by(cohort_id=w.other_cohort.id))
    client = login_as(w.organizer)
    assert client.get(_url(w, foreign)).status_code == 404


def test_an_admin_may_change_the_settings(grading_world, login_as, make_user, db):
    w = grading_world
    client = login_as(make_user(is_admin=True))
    assert _post(client, w, tolerance="15").status_code == 302
    assert _plan(db, w).tolerance == 15.0


def test_a_lead_who_left_the_trainers_is_shown_and_must_be_replaced(
    app, grading_world, login_as, db
):
    from lms.cohorts.operations import change_role, membership_of
    from lms.grading import operations as grading

    w = grading_world
    lead = w.trainers[2]
    with app.test_request_context():
        plan = grading.plan_for(w.assignment)
        plan.lead_trainer_id = lead.id
        change_role(membership_of(w.cohort, lead), "participant", actor=None)
        db.session.commit()
    client = login_as(w.organizer)
    html = client.get(_url(w)).get_data(as_text=True)
    assert "Widyaiswara Tiga (bukan lagi widyaiswara kelas ini)" in html
    response = _post(client, w, tolerance="10", lead_trainer=str(lead.id))
    assert "Pilih salah satu widyaiswara kelas ini" in response.get_data(as_text=True)
    assert _post(client, w, tolerance="10", lead_trainer="0").status_code == 302
    assert _plan(db, w).lead_trainer_id is None
