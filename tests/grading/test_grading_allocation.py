"""Allocation: who marks whom, by hand (one POST, all or nothing) and automatically balanced,
avoiding a trainer of the participant's own office; markers who started are never taken off."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from lms.audit import AuditEvent
from lms.cohorts import operations as cohorts
from lms.grading import allocating
from lms.grading import operations as grading
from lms.grading.models import Allocation
from lms.grading.operations import AllocationError
from lms.grading.queries import submission as grading_queries
from tests.grading.conftest import allocate, mark, submit_proposal
from tests.helpers import counted_queries, csrf_token


def _url(world, assignment=None) -> str:
    assignment = assignment or world.assignment
    return f"/cohorts/{world.cohort.id}/grading/assignments/{assignment.id}/allocation"


def _markers(db, world, person) -> list[int]:
    """Trainer ids allocated to ``person`` on the world's assignment, in slot order."""
    return list(
        db.session.scalars(
            db.select(Allocation.trainer_id)
            .filter_by(assignment_id=world.assignment.id, participant_id=person.id)
            .order_by(Allocation.slot)
        )
    )


def _all_allocations(db, world) -> list[tuple[int, int, int]]:
    return sorted(
        db.session.execute(
            db.select(Allocation.participant_id, Allocation.trainer_id, Allocation.slot).filter_by(
                assignment_id=world.assignment.id
            )
        ).all()
    )


def _form(client, world, picks: dict, seen: dict | None = None) -> dict:
    """The allocation form as a browser posts it: every participant's row; ``picks`` maps a
    participant to (marker 1, marker 2) (users, ids or None)."""
    seen = seen or {}
    data = {"csrf_token": csrf_token(client, _url(world))}
    people = [p.id for p in world.participants]
    data["participant"] = [str(i) for i in people]
    for pid in people:
        data[f"seen-{pid}"] = seen.get(pid, "")
        data[f"marker1-{pid}"] = data[f"marker2-{pid}"] = ""
    for person, pair in picks.items():
        pid = person if isinstance(person, int) else person.id
        for n, who in enumerate(pair, 1):
            value = "" if who is None else str(who if isinstance(who, int) else who.id)
            data[f"marker{n}-{pid}"] = value
    return data


def _row(html: str, user_id: int) -> str:
    match = re.search(rf'<tr data-user="{user_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row for user {user_id}"
    return match.group(0)


def _selected(row_html: str, n: int) -> str:
    """The value selected in the row's marker ``n`` select ("" when none)."""
    select = re.search(rf'<select id="marker{n}-\d+".*?</select>', row_html, re.S).group(0)
    found = re.search(r'<option value="(\d*)" selected>', select)
    return found.group(1) if found else ""


def _events(db, action: str = "allocation.set") -> list[AuditEvent]:
    return list(
        db.session.scalars(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id))
    )


# --- the page ----------------------------------------------------------------------------------


def test_organizer_sees_every_participant_the_trainers_and_their_loads(
    app, db, grading_world, login_as
):
    w = grading_world
    ani, budi, *_rest = w.participants
    with app.test_request_context():
        allocate(w.assignment, ani, w.trainers[0], w.trainers[1])
        allocate(w.assignment, budi, w.trainers[0])
        db.session.commit()
    html = login_as(w.organizer).get(_url(w)).get_data(as_text=True)
    for person in w.participants:
        row = _row(html, person.id)
        assert person.full_name in row and person.office in row
        assert "Dikumpulkan" in row
        assert "<label" not in row or 'for="marker' in row
        for trainer in w.trainers:
            assert f'<option value="{trainer.id}"' in row
    assert _selected(_row(html, ani.id), 1) == str(w.trainers[0].id)
    assert _selected(_row(html, ani.id), 2) == str(w.trainers[1].id)
    assert _selected(_row(html, budi.id), 2) == ""
    # Loads: Satu marks two participants, Dua one, Tiga none; two have no marker yet.
    loads = dict(re.findall(r'<li data-trainer="(\d+)">.*?: (\d+) peserta', html, re.S))
    assert loads == {
        str(w.trainers[0].id): "2",
        str(w.trainers[1].id): "1",
        str(w.trainers[2].id): "0",
    }
    assert "Belum punya penilai: 2 dari 4 peserta." in html
    # Every select is named by its visible column header and the participant's name.
    assert f'aria-labelledby="head-marker1 name-{ani.id}"' in html
    assert 'id="head-marker1"' in html and 'id="head-marker2"' in html


def test_by_hand_allocation_saves_every_row_in_one_post(app, db, grading_world, login_as):
    w = grading_world
    ani, budi, citra, _dedi = w.participants
    t1, t2, t3 = w.trainers
    client = login_as(w.organizer)
    response = client.post(
        _url(w), data=_form(client, w, {ani: (t1, t2), budi: (t3, None), citra: (None, t2)})
    )
    assert response.status_code == 302
    assert _markers(db, w, ani) == [t1.id, t2.id]
    assert _markers(db, w, budi) == [t3.id]
    # Marker 2 alone becomes marker 1.
    assert _markers(db, w, citra) == [t2.id]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Penilai 3 peserta disimpan." in page
    events = _events(db)
    assert len(events) == 3
    first = events[0]
    assert first.actor_id == w.organizer.id and first.cohort_id == w.cohort.id
    assert first.before == {"participant_id": ani.id, "trainer_ids": []}
    assert first.after == {"participant_id": ani.id, "trainer_ids": [t1.id, t2.id], "how": "manual"}


def test_posting_the_page_unchanged_saves_nothing(app, db, grading_world, login_as):
    w = grading_world
    ani = w.participants[0]
    with app.test_request_context():
        allocate(w.assignment, ani, w.trainers[0])
        db.session.commit()
    client = login_as(w.organizer)
    data = _form(client, w, {ani: (w.trainers[0], None)}, seen={ani.id: str(w.trainers[0].id)})
    response = client.post(_url(w), data=data, follow_redirects=True)
    assert "Tidak ada perubahan." in response.get_data(as_text=True)
    assert _events(db) == []


def test_the_same_trainer_twice_is_refused_and_nothing_is_saved(app, db, grading_world, login_as):
    w = grading_world
    ani, budi, *_rest = w.participants
    t1, t2, _t3 = w.trainers
    client = login_as(w.organizer)
    response = client.post(_url(w), data=_form(client, w, {ani: (t1, None), budi: (t2, t2)}))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Tidak ada yang disimpan: periksa baris yang ditandai." in html
    row = _row(html, budi.id)
    assert 'class="row-error"' in row
    assert "Penilai 1 dan penilai 2 harus widyaiswara yang berbeda." in row
    assert f'aria-describedby="row-{budi.id}-error"' in row
    # The valid row was not saved either, and every value typed is still there.
    assert _all_allocations(db, w) == []
    assert _events(db) == []
    assert _selected(_row(html, ani.id), 1) == str(t1.id)
    assert _selected(row, 1) == _selected(row, 2) == str(t2.id)


@pytest.mark.parametrize("who", ["participant", "organizer", "outsider", "unknown"])
def test_a_marker_who_is_not_a_trainer_of_the_cohort_is_refused(
    app, db, grading_world, login_as, who
):
    w = grading_world
    ani, budi, *_rest = w.participants
    chosen = {
        "participant": budi.id,
        "organizer": w.organizer.id,
        "outsider": w.outsider_trainer.id,
        "unknown": 999999,
    }[who]
    client = login_as(w.organizer)
    response = client.post(
        _url(w), data=_form(client, w, {ani: (w.trainers[0], chosen), budi: (w.trainers[1], None)})
    )
    assert response.status_code == 400
    row = _row(response.get_data(as_text=True), ani.id)
    assert "Penilai yang dipilih bukan widyaiswara kelas ini." in row
    assert _all_allocations(db, w) == []


def test_a_participant_not_in_the_cohort_is_refused(app, db, grading_world, login_as, make_user):
    w = grading_world
    ani = w.participants[0]
    stranger = make_user(full_name="Orang Luar Kelas")
    client = login_as(w.organizer)
    data = _form(client, w, {ani: (w.trainers[0], None)})
    data["participant"].append(str(stranger.id))
    data[f"seen-{stranger.id}"] = ""
    data[f"marker1-{stranger.id}"] = str(w.trainers[1].id)
    response = client.post(_url(w), data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "bukan peserta kelas ini" in html
    assert "Orang Luar Kelas" not in html
    assert _all_allocations(db, w) == []
    # The operation refuses as well.
    with app.test_request_context():
        with pytest.raises(AllocationError, match="bukan peserta kelas ini"):
            grading.set_markers(w.assignment, stranger, [w.trainers[0]], w.organizer)
        with pytest.raises(AllocationError, match="bukan peserta kelas ini"):
            grading.set_markers(w.assignment, w.trainers[1], [w.trainers[0]], w.organizer)


def test_set_markers_refuses_more_than_two(app, db, grading_world):
    w = grading_world
    with app.test_request_context():
        with pytest.raises(AllocationError, match="Paling banyak dua"):
            grading.set_markers(w.assignment, w.participants[0], w.trainers, w.organizer)
        assert grading.set_markers(w.assignment, w.participants[0], [], w.organizer) is False


def test_a_marker_who_started_reviewing_cannot_be_taken_off(app, db, grading_world, login_as):
    w = grading_world
    ani, budi, *_rest = w.participants
    t1, t2, t3 = w.trainers
    with app.test_request_context():
        allocate(w.assignment, ani, t1)
        mark(w.submission_of(ani), t1, done=False)
        db.session.commit()
    client = login_as(w.organizer)
    html = client.get(_url(w)).get_data(as_text=True)
    assert f"{t1.full_name} sudah mulai menilai" in _row(html, ani.id)
    seen = {ani.id: str(t1.id)}
    response = client.post(
        _url(w), data=_form(client, w, {ani: (t2, None), budi: (t3, None)}, seen)
    )
    assert response.status_code == 400
    row = _row(response.get_data(as_text=True), ani.id)
    assert "sudah mulai menilai pekerjaan peserta ini" in row and t1.full_name in row
    assert _markers(db, w, ani) == [t1.id] and _markers(db, w, budi) == []
    # Adding a second marker, or moving the first to slot 2, keeps the review's marker.
    response = client.post(_url(w), data=_form(client, w, {ani: (t2, t1)}, seen))
    assert response.status_code == 302
    assert _markers(db, w, ani) == [t2.id, t1.id]


def test_a_change_made_by_someone_else_meanwhile_is_not_overwritten(
    app, db, grading_world, login_as
):
    w = grading_world
    ani = w.participants[0]
    client = login_as(w.organizer)
    data = _form(client, w, {ani: (w.trainers[0], None)})  # the page showed no marker
    with app.test_request_context():
        allocate(w.assignment, ani, w.trainers[2])  # another organizer saved meanwhile
        db.session.commit()
    response = client.post(_url(w), data=data)
    assert response.status_code == 400
    row = _row(response.get_data(as_text=True), ani.id)
    assert "Diubah orang lain" in row and w.trainers[2].full_name in row
    assert _markers(db, w, ani) == [w.trainers[2].id]
    # The page now knows the current value: saving again is a deliberate choice.
    assert f'name="seen-{ani.id}" value="{w.trainers[2].id}"' in row


def test_taking_off_an_idle_second_marker_settles_the_grade(app, db, grading_world, login_as):
    w = grading_world
    ani = w.participants[0]
    t1, t2, _t3 = w.trainers
    with app.test_request_context():
        allocate(w.assignment, ani, t1, t2)
        mark(w.submission_of(ani), t1)
        db.session.commit()
    client = login_as(w.organizer)
    seen = {ani.id: f"{t1.id},{t2.id}"}
    assert client.post(_url(w), data=_form(client, w, {ani: (t1, None)}, seen)).status_code == 302
    with app.test_request_context():
        grade = grading_queries.grade_of(grading_queries.latest_version(w.submission_of(ani)))
        assert grade is not None and grade.status == "agreed"


# --- automatic allocation ----------------------------------------------------------------------


def _auto(app, db, world, **options):
    with app.test_request_context():
        options.setdefault("avoid_same_office", False)
        summary = grading.auto_allocate(world.assignment, actor=world.organizer, **options)
        # Inside the context: leaving it rolls back what was not committed.
        db.session.commit()
        return summary


def _add_participants(app, db, world, count: int, make_user, office: str = "") -> list:
    people = [make_user(full_name=f"Peserta Tambahan {n:02d}", office=office) for n in range(count)]
    with app.test_request_context():
        for person in people:
            cohorts.add_member(world.cohort, email=person.email, role="participant", actor=None)
        db.session.commit()
    world.participants.extend(people)
    return people


def test_auto_allocation_balances_the_load(app, db, grading_world, make_user):
    w = grading_world
    _add_participants(app, db, w, 7, make_user)  # 11 participants, 3 trainers
    summary = _auto(app, db, w, markers=1)
    assert len(summary.allocated) == 11 and not summary.unmatched
    loads = Counter(t for _p, t, _s in _all_allocations(db, w))
    assert sorted(loads.values()) == [3, 4, 4]
    assert max(loads.values()) - min(loads.values()) <= 1
    assert summary.loads == dict(loads)
    # Ties go by name: "Widyaiswara Dua" < "Satu" < "Tiga"; the first participant gets Dua.
    first = sorted(w.participants, key=lambda p: p.full_name)[0]
    assert _markers(db, w, first) == [w.trainers[1].id]


def test_auto_allocation_counts_existing_allocations(app, db, grading_world):
    w = grading_world
    ani, budi, citra, dedi = w.participants
    t1, t2, t3 = w.trainers
    with app.test_request_context():
        allocate(w.assignment, ani, t1)
        allocate(w.assignment, budi, t1)
        db.session.commit()
    summary = _auto(app, db, w, markers=1)
    assert summary.already == 2
    assert {_markers(db, w, citra)[0], _markers(db, w, dedi)[0]} == {t2.id, t3.id}
    assert _markers(db, w, ani) == _markers(db, w, budi) == [t1.id]


def test_two_markers_are_distinct_and_balanced(app, db, grading_world, make_user):
    w = grading_world
    _add_participants(app, db, w, 3, make_user)
    _auto(app, db, w, markers=2)
    for person in w.participants:
        markers = _markers(db, w, person)
        assert len(markers) == 2 and len(set(markers)) == 2
    slots = Counter((p, s) for p, _t, s in _all_allocations(db, w))
    assert set(slots.values()) == {1}
    loads = Counter(t for _p, t, _s in _all_allocations(db, w))
    assert sum(loads.values()) == 14 and max(loads.values()) - min(loads.values()) <= 1


def test_auto_allocation_avoids_a_trainer_of_the_same_office(app, db, grading_world):
    w = grading_world
    ani, budi, citra, dedi = w.participants
    with app.test_request_context():
        # Offices are compared without case and extra spaces.
        citra.office = "  dinas   b "
        db.session.commit()
    summary = _auto(app, db, w, markers=2, avoid_same_office=True)
    assert not summary.unmatched
    offices = {t.id: allocating.normal_office(t.office) for t in w.trainers}
    for person in w.participants:
        for trainer_id in _markers(db, w, person):
            assert offices[trainer_id] != allocating.normal_office(person.office), person.full_name
    assert len(_markers(db, w, citra)) == 2


def test_participants_without_a_suitable_trainer_are_reported_and_left_alone(
    app, db, grading_world, login_as
):
    w = grading_world
    ani, budi, citra, dedi = w.participants
    with app.test_request_context():
        w.trainers[2].office = "DINAS A"  # now only Dua (Dinas B) is not of Ani's and Budi's office
        db.session.commit()
    client = login_as(w.organizer)
    response = client.post(
        _url(w) + "/auto",
        data={
            "csrf_token": csrf_token(client, _url(w)),
            "markers": "2",
            "avoid_same_office": "y",
            "only_unallocated": "y",
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 peserta dialokasikan." in page
    assert (
        "2 peserta tanpa widyaiswara yang cocok (alokasikan manual): Peserta Ani, Peserta Budi."
        in page
    )
    assert _markers(db, w, ani) == _markers(db, w, budi) == []
    assert len(_markers(db, w, citra)) == len(_markers(db, w, dedi)) == 2
    events = _events(db)
    assert len(events) == 2 and all(e.after["how"] == "auto" for e in events)
    assert all(e.actor_id == w.organizer.id and e.cohort_id == w.cohort.id for e in events)


def test_an_empty_office_never_counts_as_the_same(app, db, grading_world):
    w = grading_world
    with app.test_request_context():
        for person in [*w.participants, *w.trainers]:
            person.office = ""
        db.session.commit()
    summary = _auto(app, db, w, markers=2, avoid_same_office=True)
    assert len(summary.allocated) == 4 and not summary.unmatched
    assert allocating.same_office("", "") is False
    assert allocating.same_office(" Dinas  A", "dinas a") is True


def test_reallocating_everyone_keeps_markers_who_started(app, db, grading_world):
    w = grading_world
    ani, budi, citra, dedi = w.participants
    t1, _t2, _t3 = w.trainers
    with app.test_request_context():
        for person in w.participants:
            allocate(w.assignment, person, t1)
        mark(w.submission_of(ani), t1, done=False)
        db.session.commit()
    summary = _auto(app, db, w, markers=1, only_unallocated=False)
    assert _markers(db, w, ani) == [t1.id]
    loads = Counter(t for _p, t, _s in _all_allocations(db, w))
    assert max(loads.values()) - min(loads.values()) <= 1 and len(loads) == 3
    assert summary.already == 1 and len(summary.allocated) == 3


def test_auto_allocation_refuses_bad_requests(app, db, grading_world, login_as):
    w = grading_world
    with app.test_request_context(), pytest.raises(AllocationError, match="satu atau dua"):
        grading.auto_allocate(w.assignment, markers=3, avoid_same_office=False, actor=w.organizer)
    client = login_as(w.organizer)
    response = client.post(
        _url(w) + "/auto", data={"csrf_token": csrf_token(client, _url(w)), "markers": "5"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert (
        '<p class="error" id="markers-error">Pilih satu atau dua penilai per peserta.</p>' in html
    )
    assert 'aria-describedby="markers-error"' in html
    assert _all_allocations(db, w) == []


def test_two_markers_need_two_trainers(app, db, make_user, make_cohort, make_course, login_as):
    from lms.submissions import operations as subs
    from tests.grading.conftest import GATED_RUBRIC_TOML

    person, trainer, organizer = make_user(), make_user(), make_user()
    cohort = make_cohort(participants=[person], trainers=[trainer], organizers=[organizer])
    make_course(cohorts=[cohort], rubrics={"uji": GATED_RUBRIC_TOML})
    with app.test_request_context():
        (assignment,) = subs.ensure_cohort_assignments(cohort)
        submit_proposal(assignment, person)
        db.session.commit()
    url = f"/cohorts/{cohort.id}/grading/assignments/{assignment.id}/allocation"
    client = login_as(organizer)
    response = client.post(
        url + "/auto",
        data={"csrf_token": csrf_token(client, url), "markers": "2"},
        follow_redirects=True,
    )
    assert "memerlukan sedikitnya dua widyaiswara" in response.get_data(as_text=True)


# --- access ------------------------------------------------------------------------------------


def test_only_organizers_and_admins_allocate(app, db, grading_world, login_as, make_user):
    w = grading_world
    url = _url(w)
    assert login_as(w.participants[0]).get(url).status_code == 403
    assert login_as(w.trainers[0]).get(url).status_code == 403
    assert login_as(w.outsider_trainer).get(url).status_code == 403
    assert login_as(None).get(url).status_code == 302
    assert login_as(make_user(is_admin=True)).get(url).status_code == 200
    client = login_as(w.trainers[0])
    token = csrf_token(client, f"/cohorts/{w.cohort.id}/grading/queue")
    assert client.post(url + "/auto", data={"csrf_token": token, "markers": "1"}).status_code == 403


def test_an_assignment_of_another_cohort_is_not_found(app, db, grading_world, login_as):
    w = grading_world
    with app.test_request_context():
        from lms.submissions import operations as subs

        (other_assignment,) = subs.ensure_cohort_assignments(w.other_cohort)
        db.session.commit()
    client = login_as(w.organizer)
    assert client.get(_url(w, other_assignment)).status_code == 404
    token = csrf_token(client, _url(w))
    assert (
        client.post(_url(w, other_assignment) + "/auto", data={"csrf_token": token}).status_code
        == 404
    )


def test_organizers_see_names_and_codes_on_a_blind_assignment(app, db, grading_world, login_as):
    from lms.submissions.anonymity import participant_code

    w = grading_world
    with app.test_request_context():
        w.assignment.blind_marking = True
        db.session.commit()
        code = participant_code(w.assignment.id, w.participants[0].id)
    html = login_as(w.organizer).get(_url(w)).get_data(as_text=True)
    row = _row(html, w.participants[0].id)
    assert w.participants[0].full_name in row and "Dinas A" in row and code in row


def test_the_page_loads_in_a_fixed_number_of_queries(
    app, db, client, make_user, make_cohort, make_course, login_as
):
    from lms.submissions import operations as subs
    from tests.grading.conftest import GATED_RUBRIC_TOML

    def count_queries(size: int) -> int:
        organizer = make_user()
        trainers = [make_user(office=f"Dinas {n}") for n in range(3)]
        people = [make_user(office=f"Dinas {n % 4}") for n in range(size)]
        cohort = make_cohort(participants=people, trainers=trainers, organizers=[organizer])
        make_course(cohorts=[cohort], rubrics={"uji": GATED_RUBRIC_TOML})
        with app.test_request_context():
            (assignment,) = subs.ensure_cohort_assignments(cohort)
            for n, person in enumerate(people):
                submit_proposal(assignment, person)
                allocate(assignment, person, trainers[n % 3], trainers[(n + 1) % 3])
            mark(subs.submission_for(assignment, people[0]), trainers[0], done=False)
            db.session.commit()
        login_as(organizer)
        with counted_queries(db) as statements:
            response = client.get(
                f"/cohorts/{cohort.id}/grading/assignments/{assignment.id}/allocation"
            )
        assert response.status_code == 200
        assert response.get_data(as_text=True).count("<tr data-user=") == size
        return len(statements)

    assert count_queries(3) == count_queries(30)
