"""An assignment's settings page: dates in the cohort's time zone, rules, and extensions."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from lms.audit import AuditEvent
from lms.submissions.models import CohortAssignment, Extension
from lms.submissions.operations import ensure_cohort_assignments, set_dates
from lms.submissions.queries import deadlines_for
from tests.helpers import csrf_token


class World:
    pass


@pytest.fixture
def world(db, make_user, make_cohort, make_course):
    w = World()
    w.ani = make_user(full_name="Ani Peserta", nip="198503302010011002")
    w.budi = make_user(full_name="Budi Peserta")
    w.trainer = make_user(full_name="Wati Widyaiswara")
    w.organizer = make_user(full_name="Panitia Satu")
    w.outsider = make_user(full_name="Peserta Lain")
    w.cohort = make_cohort(
        participants=[w.ani, w.budi],
        trainers=[w.trainer],
        organizers=[w.organizer],
        timezone="Asia/Makassar",
    )
    w.other_cohort = make_cohort(participants=[w.outsider])
    make_course(cohorts=[w.cohort, w.other_cohort])
    w.assignment = ensure_cohort_assignments(w.cohort)[0]
    db.session.commit()
    w.url = f"/cohorts/{w.cohort.id}/assignments/{w.assignment.id}/settings"
    return w


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def post_dates(client, world, **values: Any):
    data = {
        "csrf_token": csrf_token(client, world.url),
        "form": "dates",
        "lock": str(world.assignment.version),
        "open_day": "",
        "open_time": "",
        "due_day": "",
        "due_time": "",
        "cutoff_day": "",
        "cutoff_time": "",
    }
    data.update({k: v for k, v in values.items() if v is not None})
    return client.post(world.url, data=data)


def post_extension(client, world, **values: Any):
    data = {
        "csrf_token": csrf_token(client, world.url),
        "form": "extension",
        "participant": str(world.ani.id),
        "ext_due_day": "2023-09-20",
        "ext_due_time": "23:59",
        "ext_cutoff_day": "",
        "ext_cutoff_time": "",
        "reason": "Sakit, surat dokter terlampir.",
    }
    data.update(values)
    return client.post(world.url, data=data)


def reload(db, world) -> CohortAssignment:
    db.session.expire_all()
    return db.session.get(CohortAssignment, world.assignment.id)


def test_dates_saved_in_the_cohort_time_zone(world, login_as, db):
    client = login_as(world.organizer)
    response = post_dates(
        client,
        world,
        open_day="2023-09-05",
        open_time="08:00",
        due_day="2023-09-15",
        due_time="23:59",
        cutoff_day="2023-09-17",
        cutoff_time="12:00",
        late_allowed="y",
    )
    assert response.status_code == 302
    assignment = reload(db, world)
    assert assignment.open_dt == utc(2023, 9, 5, 0, 0)
    assert assignment.due_dt == utc(2023, 9, 15, 15, 59)  # 23:59 WITA
    assert assignment.cutoff_dt == utc(2023, 9, 17, 4, 0)
    assert assignment.late_allowed is True
    assert assignment.resubmit_before_due is False  # the box was left unticked
    audit = db.session.scalars(
        db.select(AuditEvent).filter_by(action="assignment.dates", object_id=assignment.id)
    ).all()
    assert len(audit) == 1 and audit[0].actor_id == world.organizer.id
    # The page shows the settings back in local time, and fills the form with them.
    html = client.get(world.url).get_data(as_text=True)
    assert "23.59 WITA" in html
    assert 'value="2023-09-15"' in html and 'value="23:59"' in html


def test_due_before_open_refused_with_message_and_nothing_written(world, login_as, db):
    client = login_as(world.organizer)
    response = post_dates(
        client,
        world,
        open_day="2023-09-10",
        open_time="08:00",
        due_day="2023-09-09",
        due_time="23:59",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Batas waktu harus setelah tanggal dibuka." in html
    assert 'id="due_day-error"' in html  # next to the due date
    assert 'value="2023-09-10"' in html and 'value="2023-09-09"' in html  # values kept
    assignment = reload(db, world)
    assert assignment.open_dt is None and assignment.due_dt is None
    assert not db.session.scalars(db.select(AuditEvent).filter_by(action="assignment.dates")).all()


def test_cutoff_before_due_refused(world, login_as, db):
    client = login_as(world.organizer)
    response = post_dates(
        client,
        world,
        due_day="2023-09-15",
        due_time="23:59",
        cutoff_day="2023-09-15",
        cutoff_time="12:00",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Batas akhir penerimaan tidak boleh sebelum batas waktu." in html
    assert 'id="cutoff_day-error"' in html
    assert reload(db, world).due_dt is None


def test_a_date_without_its_time_is_refused(world, login_as, db):
    client = login_as(world.organizer)
    response = post_dates(client, world, due_day="2023-09-15")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="due_time-error"' in html
    assert "Isi tanggal dan jam, atau kosongkan keduanya." in html
    assert reload(db, world).due_dt is None


def test_a_stale_form_does_not_overwrite(world, login_as, db):
    client = login_as(world.organizer)
    old_lock = str(world.assignment.version)
    set_dates(
        world.assignment,
        open_dt=None,
        due_dt=utc(2023, 9, 15, 15, 59),
        cutoff_dt=None,
        late_allowed=False,
        actor=None,
    )
    db.session.commit()
    response = post_dates(client, world, lock=old_lock, due_day="2023-09-20", due_time="23:59")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Data ini baru saja diubah orang lain." in html
    assert 'value="2023-09-20"' in html  # what was typed is kept
    assert reload(db, world).due_dt == utc(2023, 9, 15, 15, 59)
    # The page now carries the newer version: saving once more overwrites deliberately.
    lock = re.search(r'name="lock"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="lock"', html)
    new_lock = lock.group(1) or lock.group(2)
    assert new_lock == str(reload(db, world).version)
    response = post_dates(client, world, lock=new_lock, due_day="2023-09-20", due_time="23:59")
    assert response.status_code == 302
    assert reload(db, world).due_dt == utc(2023, 9, 20, 15, 59)


def test_extension_requires_a_reason(world, login_as, db):
    client = login_as(world.organizer)
    for reason in ("", "   "):
        response = post_extension(client, world, reason=reason)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "Tulis alasan perpanjangan." in html
        assert 'id="reason-error"' in html
    assert db.session.scalars(db.select(Extension)).all() == []


def test_extension_for_someone_outside_the_cohort_is_refused(world, login_as, db):
    client = login_as(world.organizer)
    for person in (world.outsider, world.trainer):
        response = post_extension(client, world, participant=str(person.id))
        assert response.status_code == 200
        assert 'id="participant-error"' in response.get_data(as_text=True)
    assert db.session.scalars(db.select(Extension)).all() == []


def test_extension_is_audited_and_moves_one_participants_deadline(world, login_as, db):
    set_dates(
        world.assignment,
        open_dt=None,
        due_dt=utc(2023, 9, 15, 15, 59),
        cutoff_dt=None,
        late_allowed=False,
        actor=None,
    )
    db.session.commit()
    client = login_as(world.organizer)
    response = post_extension(client, world, ext_cutoff_day="2023-09-22", ext_cutoff_time="12:00")
    assert response.status_code == 302
    db.session.expire_all()
    extension = db.session.scalar(db.select(Extension).filter_by(user_id=world.ani.id))
    assert extension.due_dt == utc(2023, 9, 20, 15, 59)
    assert extension.cutoff_dt == utc(2023, 9, 22, 4, 0)
    assert extension.granted_by_id == world.organizer.id
    event = db.session.scalar(
        db.select(AuditEvent).filter_by(action="assignment.extension", object_id=extension.id)
    )
    assert event is not None and event.actor_id == world.organizer.id
    assert event.after["reason"] == "Sakit, surat dokter terlampir."
    assignment = reload(db, world)
    assert deadlines_for(assignment, world.ani).due_dt == utc(2023, 9, 20, 15, 59)
    assert deadlines_for(assignment, world.ani).extended is True
    assert deadlines_for(assignment, world.budi).due_dt == utc(2023, 9, 15, 15, 59)
    assert deadlines_for(assignment, world.budi).extended is False
    # The table lists it: who, until when (local time), why, granted by whom.
    html = client.get(world.url).get_data(as_text=True)
    assert "Sakit, surat dokter terlampir." in html
    assert "Rabu, 20 September 2023 23.59 WITA" in html
    assert "Panitia Satu" in html


def test_extension_cutoff_before_its_due_refused(world, login_as, db):
    client = login_as(world.organizer)
    response = post_extension(client, world, ext_cutoff_day="2023-09-19", ext_cutoff_time="12:00")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Batas akhir penerimaan tidak boleh sebelum batas waktu." in html
    assert 'id="ext_cutoff_day-error"' in html
    assert db.session.scalars(db.select(Extension)).all() == []


def test_settings_are_for_organizers_of_the_assignments_cohort(world, login_as, db):
    for person in (world.ani, world.trainer, world.outsider):
        assert login_as(person).get(world.url).status_code == 403
    assert login_as(world.organizer).get(world.url).status_code == 200
    other = ensure_cohort_assignments(world.other_cohort)[0]
    db.session.commit()
    url = f"/cohorts/{world.cohort.id}/assignments/{other.id}/settings"
    assert login_as(world.organizer).get(url).status_code == 404
