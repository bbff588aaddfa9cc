"""The staff list of an assignment: every participant's state, counts, filter, fixed queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from lms.db import utcnow
from lms.submissions import operations as ops
from lms.submissions import queries
from lms.submissions.fields import PP38_CRITERIA
from lms.timefmt import local_datetime
from tests.helpers import counted_queries, valid_proposal

ALL_CRITERIA = {key: True for key, _label in PP38_CRITERIA}


def _url(cohort_id: int, assignment_id: int, **query: str) -> str:
    url = f"/cohorts/{cohort_id}/assignments/{assignment_id}/submissions"
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def _submit(assignment, person, *, now=None):
    submission = ops.submission_for(assignment, person)
    ops.save_draft(submission, valid_proposal())
    ops.submit(submission, self_check=ALL_CRITERIA, statement=True, now=now)
    return submission


@pytest.fixture
def world(app, db, make_user, make_cohort, make_course):
    """One participant in each state, plus a trainer, an organizer and an outsider trainer."""
    names = ["Ani", "Budi", "Citra", "Dedi", "Eka", "Fajar", "Gita"]
    people = {
        name: make_user(full_name=f"{name} Peserta", office=f"Dinas {name}") for name in names[1:]
    }
    people["Ani"] = make_user(full_name="Ani Peserta", nip="198001012006041001")
    trainer, organizer, outsider = make_user(), make_user(), make_user()
    cohort = make_cohort(
        participants=list(people.values()),
        trainers=[trainer],
        organizers=[organizer],
        timezone="Asia/Makassar",
    )
    other = make_cohort(trainers=[outsider])
    make_course(cohorts=[cohort, other])
    due = utcnow().replace(microsecond=0) - timedelta(days=1)
    with app.test_request_context():
        (assignment,) = ops.ensure_cohort_assignments(cohort)
        (other_assignment,) = ops.ensure_cohort_assignments(other)
        ops.set_dates(
            assignment, open_dt=None, due_dt=due, cutoff_dt=None, late_allowed=True, actor=None
        )
        # Ani: not started. Budi: a draft.
        ops.save_draft(ops.submission_for(assignment, people["Budi"]), {"nama_inovasi": "X"})
        # Citra: on time. Dedi: late. Eka: revisions asked. Fajar: graded.
        on_time = due - timedelta(hours=2)
        _submit(assignment, people["Citra"], now=on_time)
        _submit(assignment, people["Dedi"])
        _submit(assignment, people["Eka"], now=on_time).state = "revisions_requested"
        _submit(assignment, people["Fajar"], now=on_time).state = "graded"
        # Gita: not started, with an extension.
        ops.grant_extension(
            assignment,
            people["Gita"],
            due_dt=due + timedelta(days=7),
            cutoff_dt=None,
            reason="Sakit",
            actor=organizer,
        )
        db.session.commit()
    return {
        "people": people,
        "trainer": trainer,
        "organizer": organizer,
        "outsider": outsider,
        "cohort": cohort,
        "other": other,
        "assignment": assignment,
        "other_assignment": other_assignment,
        "due": due,
    }


def _rows(html: str) -> dict[int, str]:
    """user id -> the HTML of their row."""
    return {
        int(m.group(1)): m.group(2)
        for m in re.finditer(r'<tr data-user="(\d+)">(.*?)</tr>', html, re.S)
    }


def _counts(html: str) -> dict[str, int]:
    return {
        m.group(1): int(m.group(2))
        for m in re.finditer(
            r'data-state="(\w+)"[^>]*>[^<]*\(<span class="count">(\d+)</span>\)', html
        )
    }


EXPECTED = {
    "Ani": "Belum mulai",
    "Budi": "Draf",
    "Citra": "Dikumpulkan",
    "Dedi": "Terlambat",
    "Eka": "Perlu revisi",
    "Fajar": "Dinilai",
    "Gita": "Belum mulai",
}


@pytest.mark.parametrize("who", ["trainer", "organizer"])
def test_staff_see_every_participant_with_state_and_counts(app, world, login_as, who):
    client = login_as(world[who])
    response = client.get(_url(world["cohort"].id, world["assignment"].id))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = _rows(html)
    people = world["people"]
    assert set(rows) == {p.id for p in people.values()}
    for name, label in EXPECTED.items():
        assert f">{label}</span>" in rows[people[name].id], name
    assert _counts(html) == {
        "not_started": 2,
        "draft": 1,
        "submitted": 1,
        "late": 1,
        "revisions_requested": 1,
        "graded": 1,
    }
    assert "Semua (7)" in html
    # Name order, NIP and office.
    assert [int(i) for i in re.findall(r'<tr data-user="(\d+)">', html)] == [
        people[n].id for n in sorted(people)
    ]
    assert "19800101 200604 1 001" in rows[people["Ani"].id]
    assert "Dinas Budi" in rows[people["Budi"].id]


def test_versions_times_late_flag_and_extension_in_the_cohorts_zone(app, world, login_as):
    client = login_as(world["organizer"])
    html = client.get(_url(world["cohort"].id, world["assignment"].id)).get_data(as_text=True)
    rows = _rows(html)
    people = world["people"]
    with app.test_request_context():
        on_time = local_datetime(world["due"] - timedelta(hours=2), "Asia/Makassar")
        extended = local_datetime(world["due"] + timedelta(days=7), "Asia/Makassar")
    assert "Versi 1" in rows[people["Citra"].id] and on_time in rows[people["Citra"].id]
    assert "WITA" in on_time
    assert "terlambat" in rows[people["Dedi"].id]
    assert "terlambat" not in rows[people["Citra"].id]
    assert extended in rows[people["Gita"].id]
    assert "Versi" not in rows[people["Ani"].id] and "Versi" not in rows[people["Budi"].id]


def test_filter_by_state_keeps_the_counts_of_all(world, login_as):
    client = login_as(world["trainer"])
    cohort, assignment = world["cohort"], world["assignment"]
    html = client.get(_url(cohort.id, assignment.id, state="late")).get_data(as_text=True)
    assert set(_rows(html)) == {world["people"]["Dedi"].id}
    assert _counts(html)["not_started"] == 2
    assert re.search(r'data-state="late" aria-current="true"', html)
    html = client.get(_url(cohort.id, assignment.id, state="not_started")).get_data(as_text=True)
    assert set(_rows(html)) == {world["people"]["Ani"].id, world["people"]["Gita"].id}
    # An unknown state shows everyone rather than failing.
    html = client.get(_url(cohort.id, assignment.id, state="nonsense")).get_data(as_text=True)
    assert len(_rows(html)) == 7


def test_participants_and_other_cohorts_staff_are_refused(world, login_as):
    url = _url(world["cohort"].id, world["assignment"].id)
    assert login_as(world["people"]["Citra"]).get(url).status_code == 403
    assert login_as(world["outsider"]).get(url).status_code == 403
    # The outsider's own cohort does not open this cohort's assignment either.
    assert (
        login_as(world["outsider"]).get(_url(world["other"].id, world["assignment"].id)).status_code
        == 404
    )
    assert login_as(None).get(url).status_code == 302


def test_an_assignment_of_another_cohort_is_not_found(world, login_as):
    client = login_as(world["organizer"])
    assert client.get(_url(world["cohort"].id, world["other_assignment"].id)).status_code == 404
    assert client.get(_url(world["cohort"].id, 999999)).status_code == 404


def test_admin_sees_the_list(world, login_as, make_user):
    admin = make_user(is_admin=True)
    response = login_as(admin).get(_url(world["cohort"].id, world["assignment"].id))
    assert response.status_code == 200


def test_state_matches_the_data_layers_display_state(app, world):
    with app.test_request_context():
        listing = queries.staff_list(world["assignment"])
        for row in listing.rows:
            assert row.state == queries.display_state(row.submission), row.user.full_name


def test_query_count_does_not_grow_with_the_cohort(
    app, db, client, make_user, make_cohort, make_course, login_as
):
    def count_queries(size: int) -> int:
        organizer = make_user()
        people = [make_user() for _ in range(size)]
        cohort = make_cohort(organizers=[organizer], participants=people)
        make_course(cohorts=[cohort])
        with app.test_request_context():
            (assignment,) = ops.ensure_cohort_assignments(cohort)
            ops.set_dates(
                assignment,
                open_dt=None,
                due_dt=utcnow() + timedelta(days=3),
                cutoff_dt=None,
                late_allowed=True,
                actor=None,
            )
            for i, person in enumerate(people):
                if i % 3 == 0:
                    _submit(assignment, person)
                elif i % 3 == 1:
                    ops.save_draft(ops.submission_for(assignment, person), {"nama_inovasi": "X"})
                if i % 2 == 0:
                    ops.grant_extension(
                        assignment,
                        person,
                        due_dt=utcnow() + timedelta(days=9),
                        cutoff_dt=None,
                        reason="Dinas luar",
                        actor=organizer,
                    )
            db.session.commit()
        login_as(organizer)
        with counted_queries(db) as statements:
            response = client.get(_url(cohort.id, assignment.id))
        assert response.status_code == 200
        assert len(_rows(response.get_data(as_text=True))) == size
        return len(statements)

    assert count_queries(5) == count_queries(60)


def test_receipt_links_fill_the_receipt_routes_parameters_and_name_the_participant():
    from types import SimpleNamespace

    from flask import Flask

    from lms.submissions.views.staff import RECEIPT_ENDPOINT, _receipt_url

    host = Flask("receipt-test")
    cohort, assignment = SimpleNamespace(id=3), SimpleNamespace(id=5)
    row = SimpleNamespace(
        user=SimpleNamespace(id=7),
        submission=SimpleNamespace(id=11),
        latest=SimpleNamespace(id=13, number=2),
    )
    host.add_url_rule(
        "/cohorts/<int:cohort_id>/assignments/<int:assignment_id>/versions/<int:number>",
        endpoint=RECEIPT_ENDPOINT,
        view_func=lambda **kw: "",
    )
    with host.test_request_context():
        build = _receipt_url(cohort, assignment)
        assert build(row) == "/cohorts/3/assignments/5/versions/2?user=7"
        assert build(SimpleNamespace(user=row.user, submission=None, latest=None)) is None
