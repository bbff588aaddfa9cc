"""Grading reports: the overview, the grade book, trainers' progress, the flagged list, a
participant's own results (release gating), access and query counts."""

from __future__ import annotations

import re

import pytest

from lms.grading import operations as grading
from lms.grading.queries import flagged, gradebook, results
from lms.grading.queries import progress as progress_queries
from lms.grading.queries import submission as grading_queries
from lms.submissions import operations as subs
from tests.grading.conftest import GATED_RUBRIC_TOML, allocate, mark, submit_proposal
from tests.helpers import counted_queries


def _row(html: str, user_id: int) -> str:
    """The grade book's table row of one participant."""
    match = re.search(rf'<tr data-user="{user_id}">(.*?)</tr>', html, re.S)
    assert match, f"no row for user {user_id}"
    return match.group(1)


def _cell_status(row_html: str) -> list[str]:
    return re.findall(r'<td data-assignment="\d+" data-status="(\w+)"', row_html)


def _count(html: str, status: str) -> int:
    match = re.search(rf'data-status="{status}"[^>]*>[^<]*\(<span class="count">(\d+)</span>', html)
    assert match, f"no count for {status}"
    return int(match.group(1))


@pytest.fixture
def graded(app, db, grading_world):
    """Ani: one marker done (80, Baik, lulus). Budi: a marking in progress. Citra: two markers
    20 points apart (flagged). Dedi: allocated, not marked yet."""
    w = grading_world
    ani, budi, citra, dedi = w.participants
    t1, t2, _t3 = w.trainers
    with app.test_request_context():
        allocate(w.assignment, ani, t1)
        allocate(w.assignment, budi, t1)
        allocate(w.assignment, citra, t1, t2)
        allocate(w.assignment, dedi, t2)
        mark(w.submission_of(ani), t1, kebaruan=2, manfaat=1, comment="Komentar rahasia Ani.")
        mark(w.submission_of(budi), t1, done=False)
        mark(w.submission_of(citra), t1, kebaruan=2, manfaat=2)  # 100
        mark(w.submission_of(citra), t2, kebaruan=2, manfaat=1)  # 80
        db.session.commit()
    return w


def _release(app, db, world, person) -> None:
    with app.test_request_context():
        submission = world.submission_of(person)
        grade = grading_queries.grade_of(grading_queries.latest_version(submission))
        assert grading.release([grade], world.organizer) == (1, 0)
        db.session.commit()


# --- the grade book -----------------------------------------------------------------------


def test_gradebook_counts_each_status_per_assignment(app, graded):
    with app.test_request_context():
        book = gradebook.gradebook(graded.cohort)
    (column,) = book.columns
    assert column.id == graded.assignment.id
    assert [row.user.full_name for row in book.rows] == [
        "Peserta Ani",
        "Peserta Budi",
        "Peserta Citra",
        "Peserta Dedi",
    ]
    statuses = [row.cells[column.id].status for row in book.rows]
    assert statuses == ["marked", "in_progress", "flagged", "not_marked"]
    assert column.counts == {
        "not_submitted": 0,
        "not_marked": 1,
        "in_progress": 1,
        "marked": 1,
        "flagged": 1,
        "reconciled": 0,
        "released": 0,
    }
    ani = book.rows[0].cells[column.id]
    assert (ani.total, ani.band, ani.passed, ani.outcome, ani.version) == (
        80.0,
        "Baik",
        True,
        "grade",
        1,
    )


def test_gradebook_page_shows_status_total_band_and_pass_per_cell(client, login_as, graded):
    ani, budi, citra, _dedi = graded.participants
    login_as(graded.organizer)
    response = client.get(f"/cohorts/{graded.cohort.id}/grading/gradebook")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    row = _row(html, ani.id)
    assert _cell_status(row) == ["marked"]
    assert "Selesai dinilai" in row and "80,0" in row and "Baik" in row and "Lulus" in row
    assert "Versi 1" in row
    # A marked grade can be released from here; its grading page is one click away.
    submission = graded.submission_of(ani)
    assert f"/grading/submissions/{submission.id}/release" in row
    assert f'href="/cohorts/{graded.cohort.id}/grading/submissions/{submission.id}"' in row
    # Flagged: no total, a link to reconcile, no release button.
    row = _row(html, citra.id)
    assert _cell_status(row) == ["flagged"] and "Perlu rekonsiliasi" in row
    assert f"/grading/submissions/{graded.submission_of(citra).id}/reconcile" in row
    assert "/release" not in row and "100,0" not in row
    assert _cell_status(_row(html, budi.id)) == ["in_progress"]
    assert _count(html, "marked") == 1 and _count(html, "flagged") == 1
    assert _count(html, "not_submitted") == 0


def test_gradebook_filters_by_status_and_assignment(client, login_as, graded):
    ani, budi, citra, dedi = graded.participants
    login_as(graded.organizer)
    base = f"/cohorts/{graded.cohort.id}/grading/gradebook"
    html = client.get(f"{base}?status=flagged").get_data(as_text=True)
    assert f'data-user="{citra.id}"' in html
    assert all(f'data-user="{p.id}"' not in html for p in (ani, budi, dedi))
    html = client.get(f"{base}?assignment={graded.assignment.id}&status=reconciled").get_data(
        as_text=True
    )
    assert "Tidak ada peserta dengan status ini." in html
    # An unknown status or assignment shows everyone.
    html = client.get(f"{base}?status=nonsense&assignment=999999").get_data(as_text=True)
    assert all(f'data-user="{p.id}"' in html for p in graded.participants)


def _users_in_order(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-user="(\d+)">', html)]


def test_gradebook_is_shown_a_page_at_a_time(app, db, client, login_as, graded, monkeypatch):
    from lms import paging

    monkeypatch.setattr(paging, "PER_PAGE", 3)
    ani, budi, citra, dedi = graded.participants
    login_as(graded.organizer)
    base = f"/cohorts/{graded.cohort.id}/grading/gradebook"
    first = client.get(base).get_data(as_text=True)
    second = client.get(f"{base}?page=2").get_data(as_text=True)
    assert _users_in_order(first) == [ani.id, budi.id, citra.id]
    assert _users_in_order(second) == [dedi.id]
    assert re.findall(r'<tr data-user="\d+">\s*<td>(\d+)</td>', second) == ["4"]
    for html in (first, second):  # the counts are over everyone, whatever the page
        assert _count(html, "marked") == 1 and _count(html, "not_marked") == 1
        assert "Semua (4)" in html
    assert re.search(r'rel="next" href="[^"]*gradebook\?[^"]*page=2', first)
    assert 'aria-current="page">2<' in second and "Baris 4–4 dari 4" in second
    # A page past the end is the last page; nonsense is the first.
    assert _users_in_order(client.get(f"{base}?page=50").get_data(as_text=True)) == [dedi.id]
    assert _users_in_order(client.get(f"{base}?page=x").get_data(as_text=True))[0] == ani.id
    # Filters page too, and the page links keep them.
    with app.test_request_context():
        mark(graded.submission_of(dedi), graded.trainers[1])
        db.session.commit()
    url = f"{base}?assignment={graded.assignment.id}&status=marked"
    html = client.get(url).get_data(as_text=True)
    assert _users_in_order(html) == [ani.id, dedi.id] and "page=2" not in html
    monkeypatch.setattr(paging, "PER_PAGE", 1)
    html = client.get(f"{url}&page=2").get_data(as_text=True)
    assert _users_in_order(html) == [dedi.id] and _count(html, "marked") == 2
    link = re.search(r'rel="prev" href="([^"]+)"', html).group(1)
    assert "status=marked" in link and f"assignment={graded.assignment.id}" in link
    # The exports stay complete.
    csv_text = client.get(f"{base}.csv?page=2").get_data(as_text=True)
    assert all(p.full_name in csv_text for p in graded.participants)


def test_released_cells_show_released_and_no_release_button(app, db, client, login_as, graded):
    ani = graded.participants[0]
    _release(app, db, graded, ani)
    login_as(graded.organizer)
    row = _row(
        client.get(f"/cohorts/{graded.cohort.id}/grading/gradebook").get_data(as_text=True),
        ani.id,
    )
    assert _cell_status(row) == ["released"] and "Dirilis" in row and "80,0" in row
    assert "/release" not in row


def test_a_participant_without_a_submission_is_not_submitted(app, db, graded, make_user):
    from lms.cohorts import operations as cohorts

    newcomer = make_user(full_name="Peserta Zaki")
    with app.test_request_context():
        cohorts.add_member(graded.cohort, email=newcomer.email, role="participant", actor=None)
        db.session.commit()
        book = gradebook.gradebook(graded.cohort)
    (column,) = book.columns
    assert book.rows[-1].user.id == newcomer.id
    assert book.rows[-1].cells[column.id].status == "not_submitted"
    assert column.counts["not_submitted"] == 1


# --- the overview -------------------------------------------------------------------------


def test_overview_shows_counts_and_organizer_actions(client, login_as, graded):
    login_as(graded.organizer)
    response = client.get(f"/cohorts/{graded.cohort.id}/grading")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    row = re.search(rf'<tr data-assignment="{graded.assignment.id}">(.*?)</tr>', html, re.S)[1]
    assert re.search(r'data-status="marked">1<', row)
    assert re.search(r'data-status="flagged">1<', row)
    assert f"/grading/assignments/{graded.assignment.id}/release" in row
    assert 'name="csrf_token"' in row
    assert f"/grading/assignments/{graded.assignment.id}/settings" in row
    assert "/grading/gradebook" in html and "/grading/flagged" in html


def test_overview_for_a_trainer_links_the_queue_without_lead_actions(client, login_as, graded):
    login_as(graded.trainers[0])
    response = client.get(f"/cohorts/{graded.cohort.id}/grading")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"/cohorts/{graded.cohort.id}/grading/queue" in html
    assert "/release" not in html and "/settings" not in html and "/grading/flagged" not in html
    assert "/grading/gradebook" not in html


def test_overview_gives_the_lead_trainer_the_lead_actions(app, db, client, login_as, graded):
    lead = graded.trainers[2]
    with app.test_request_context():
        grading.plan_for(graded.assignment).lead_trainer_id = lead.id
        db.session.commit()
    login_as(lead)
    html = client.get(f"/cohorts/{graded.cohort.id}/grading").get_data(as_text=True)
    assert f"/grading/assignments/{graded.assignment.id}/release" in html
    assert "/grading/flagged" in html


# --- trainers' progress -------------------------------------------------------------------


def test_trainer_progress_counts_each_allocation(app, db, graded):
    t1, t2, t3 = graded.trainers
    with app.test_request_context():
        # Eko is allocated to Satu but has submitted nothing yet.
        progress = progress_queries.trainer_progress(graded.cohort)
    by_trainer = {row.user.id: row for row in progress.rows}
    key = ("allocated", "waiting", "to_grade", "in_progress", "done")
    values = lambda p: tuple(getattr(p, k) for k in key)  # noqa: E731
    # Satu: Ani done, Budi in progress, Citra done.
    assert values(by_trainer[t1.id].total) == (3, 0, 0, 1, 2)
    # Dua: Citra done, Dedi to grade.
    assert values(by_trainer[t2.id].total) == (2, 0, 1, 0, 1)
    assert values(by_trainer[t3.id].total) == (0, 0, 0, 0, 0)
    assert values(progress.total) == (5, 0, 1, 1, 3)
    assert values(by_trainer[t1.id].by_assignment[graded.assignment.id]) == (3, 0, 0, 1, 2)


def test_trainer_progress_waiting_for_a_participant_who_has_not_submitted(
    app, db, graded, make_user, client, login_as
):
    from lms.cohorts import operations as cohorts

    eko = make_user(full_name="Peserta Eko")
    t3 = graded.trainers[2]
    with app.test_request_context():
        cohorts.add_member(graded.cohort, email=eko.email, role="participant", actor=None)
        allocate(graded.assignment, eko, t3)
        db.session.commit()
    login_as(graded.organizer)
    response = client.get(f"/cohorts/{graded.cohort.id}/grading/trainers")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    row = re.search(rf'<tr data-trainer="{t3.id}">(.*?)</tr>', html, re.S)[1]
    assert re.findall(r"<td>(\d+)</td>", row) == ["1", "1", "0", "0", "0"]
    total = re.search(r'<tr data-trainer="total">(.*?)</tr>', html, re.S)[1]
    assert re.findall(r"<td>(\d+)</td>", total) == ["6", "1", "1", "1", "3"]


# --- flagged --------------------------------------------------------------------------------


def test_flagged_list_shows_the_reason_and_both_totals(client, login_as, graded):
    citra = graded.participants[2]
    login_as(graded.organizer)
    response = client.get(f"/cohorts/{graded.cohort.id}/grading/flagged")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    submission = graded.submission_of(citra)
    row = re.search(rf'<tr data-submission="{submission.id}">(.*?)</tr>', html, re.S)[1]
    assert "Peserta Citra" in row
    assert "selisih nilai 20 poin, lebih dari toleransi 10" in row
    assert re.findall(r"<strong class=\"score\" data-total>([^<]+)</strong>", row) == [
        "100,0",
        "80,0",
    ]
    assert "Widyaiswara Satu" in row and "Widyaiswara Dua" in row
    assert f"/grading/submissions/{submission.id}/reconcile" in row
    assert html.count("data-submission=") == 1


def test_flagged_list_is_forbidden_to_a_trainer_who_leads_nothing(client, login_as, graded):
    login_as(graded.trainers[0])
    assert client.get(f"/cohorts/{graded.cohort.id}/grading/flagged").status_code == 403
    login_as(graded.outsider_trainer)
    assert client.get(f"/cohorts/{graded.cohort.id}/grading/flagged").status_code == 403


def test_flagged_list_is_shown_to_the_lead_trainer_with_codes_when_blind(
    app, db, client, login_as, graded
):
    from lms.submissions.anonymity import participant_code

    lead = graded.trainers[2]
    citra = graded.participants[2]
    with app.test_request_context():
        grading.plan_for(graded.assignment).lead_trainer_id = lead.id
        db.session.commit()
    login_as(lead)
    response = client.get(f"/cohorts/{graded.cohort.id}/grading/flagged")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Peserta Citra" in html and "lebih dari toleransi" in html

    with app.test_request_context():
        graded.assignment.blind_marking = True
        db.session.commit()
        code = participant_code(graded.assignment.id, citra.id)
    html = client.get(f"/cohorts/{graded.cohort.id}/grading/flagged").get_data(as_text=True)
    assert code in html and "Peserta Citra" not in html


# --- a participant's own results ------------------------------------------------------------


def test_my_results_show_nothing_of_a_grade_before_release(app, db, client, login_as, graded):
    ani = graded.participants[0]
    login_as(ani)
    url = f"/cohorts/{graded.cohort.id}/grading/mine"
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-state="submitted"' in html or 'data-state="being_graded"' in html
    for secret in ("80,0", "80.0", "Baik", "Lulus", "Komentar rahasia Ani.", "Selesai dinilai"):
        assert secret not in html
    assert "/feedback" not in html

    _release(app, db, graded, ani)
    html = client.get(url).get_data(as_text=True)
    assert 'data-state="released"' in html
    assert "80,0" in html and "Baik" in html and "Lulus" in html
    assert f"/cohorts/{graded.cohort.id}/assignments/{graded.assignment.id}/feedback" in html


def test_my_results_of_a_flagged_grade_say_only_being_graded(app, client, login_as, graded):
    citra = graded.participants[2]
    login_as(citra)
    html = client.get(f"/cohorts/{graded.cohort.id}/grading/mine").get_data(as_text=True)
    assert 'data-state="being_graded"' in html and "Sedang dinilai" in html
    for secret in ("100,0", "80,0", "rekonsiliasi", "toleransi"):
        assert secret not in html


def test_my_results_hold_no_unreleased_grade_data(app, graded):
    ani = graded.participants[0]
    with app.test_request_context():
        (result,) = results.my_results(graded.cohort, ani)
    assert result.state == "being_graded" and result.result is None and result.earlier is None


def test_a_participant_never_sees_another_participants_results(app, db, client, login_as, graded):
    ani, budi = graded.participants[:2]
    _release(app, db, graded, ani)
    login_as(budi)
    url = f"/cohorts/{graded.cohort.id}/grading/mine"
    for query in ("", f"?user={ani.id}", f"?user_id={ani.id}"):
        html = client.get(url + query).get_data(as_text=True)
        assert "80,0" not in html and "Baik" not in html
        assert 'data-state="being_graded"' in html


def test_an_earlier_released_result_stays_visible_while_the_new_version_waits(
    app, db, client, login_as, graded
):
    budi = graded.participants[1]
    t1 = graded.trainers[0]
    with app.test_request_context():
        # Budi's work goes back for revisions; the request is released; he submits again.
        mark(graded.submission_of(budi), t1, outcome="revisions", comment="Perjelas cara kerja.")
        grade = grading_queries.grade_of(grading_queries.latest_version(graded.submission_of(budi)))
        grading.release([grade], graded.organizer)
        submit_proposal(graded.assignment, budi, cara_kerja="Lebih jelas.")
        db.session.commit()
        (result,) = results.my_results(graded.cohort, budi)
    assert (result.state, result.version, result.result) == ("submitted", 2, None)
    assert result.earlier.version == 1 and result.earlier.outcome == "revisions"
    login_as(budi)
    html = client.get(f"/cohorts/{graded.cohort.id}/grading/mine").get_data(as_text=True)
    assert "Hasil versi 1" in html and "Perlu revisi" in html and "/feedback" in html


# --- access -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["", "/gradebook", "/gradebook.xlsx", "/gradebook.csv", "/trainers", "/flagged"]
)
def test_participants_cannot_open_staff_reports(client, login_as, graded, path):
    login_as(graded.participants[0])
    assert client.get(f"/cohorts/{graded.cohort.id}/grading{path}").status_code == 403


@pytest.mark.parametrize("path", ["/gradebook", "/gradebook.xlsx", "/gradebook.csv", "/trainers"])
def test_trainers_cannot_open_organizer_reports(client, login_as, graded, path):
    login_as(graded.trainers[0])
    assert client.get(f"/cohorts/{graded.cohort.id}/grading{path}").status_code == 403


def test_staff_cannot_open_my_results_and_outsiders_see_nothing(client, login_as, graded):
    cohort_id = graded.cohort.id
    login_as(graded.organizer)
    assert client.get(f"/cohorts/{cohort_id}/grading/mine").status_code == 403
    login_as(graded.outsider_trainer)
    assert client.get(f"/cohorts/{cohort_id}/grading").status_code == 403
    assert client.get(f"/cohorts/{cohort_id}/grading/gradebook").status_code == 403


# --- queries --------------------------------------------------------------------------------


def test_gradebook_query_count_does_not_grow_with_the_cohort(
    app, db, client, make_user, make_cohort, make_course, login_as
):
    def count_queries(size: int) -> int:
        organizer = make_user()
        trainers = [make_user(), make_user()]
        people = [make_user() for _ in range(size)]
        cohort = make_cohort(organizers=[organizer], trainers=trainers, participants=people)
        make_course(cohorts=[cohort], rubrics={"uji": GATED_RUBRIC_TOML})
        with app.test_request_context():
            (assignment,) = subs.ensure_cohort_assignments(cohort)
            for i, person in enumerate(people):
                if i % 4 == 3:
                    continue  # nothing submitted
                submission = submit_proposal(assignment, person)
                if i % 4 == 0:
                    allocate(assignment, person, trainers[0])
                    mark(submission, trainers[0], done=i % 8 == 0)
                elif i % 4 == 1:
                    allocate(assignment, person, *trainers)
                    mark(submission, trainers[0], kebaruan=2, manfaat=2)
                    mark(submission, trainers[1], kebaruan=1, manfaat=1)
            db.session.commit()
        login_as(organizer)
        counts = []
        for query in (
            "",
            "?status=marked",
            "?page=2",
            f"?assignment={assignment.id}&status=marked",
        ):
            with counted_queries(db) as statements:
                response = client.get(f"/cohorts/{cohort.id}/grading/gradebook{query}")
            assert response.status_code == 200
            counts.append(len(statements))
        html = client.get(f"/cohorts/{cohort.id}/grading/gradebook").get_data(as_text=True)
        assert html.count("<tr data-user=") == min(size, 50)
        return counts

    assert count_queries(4) == count_queries(60)


@pytest.mark.parametrize("function", [progress_queries.trainer_progress, flagged.flagged])
def test_other_reports_run_a_fixed_number_of_queries(app, db, graded, function, make_user):
    from lms.cohorts import operations as cohorts

    def count() -> int:
        with counted_queries(db) as statements, app.test_request_context():
            function(graded.cohort)
        return len(statements)

    before = count()
    with app.test_request_context():
        for n in range(6):
            person = make_user(full_name=f"Peserta Tambahan {n}")
            cohorts.add_member(graded.cohort, email=person.email, role="participant", actor=None)
            submission = submit_proposal(graded.assignment, person)
            allocate(graded.assignment, person, graded.trainers[0], graded.trainers[1])
            mark(submission, graded.trainers[0], kebaruan=2, manfaat=2)
            mark(submission, graded.trainers[1], kebaruan=1, manfaat=1)
        db.session.commit()
    assert count() == before


def test_my_results_before_submitting(app, db, graded, make_user, client, login_as):
    from lms.cohorts import operations as cohorts

    eko, fajar = make_user(full_name="Peserta Eko"), make_user(full_name="Peserta Fajar")
    with app.test_request_context():
        for person in (eko, fajar):
            cohorts.add_member(graded.cohort, email=person.email, role="participant", actor=None)
        subs.save_draft(subs.submission_for(graded.assignment, eko), {"nama_inovasi": "X"})
        db.session.commit()
        (eko_result,) = results.my_results(graded.cohort, eko)
        (fajar_result,) = results.my_results(graded.cohort, fajar)
    assert (eko_result.state, eko_result.version) == ("draft", None)
    assert (fajar_result.state, fajar_result.version) == ("not_submitted", None)
    login_as(fajar)
    html = client.get(f"/cohorts/{graded.cohort.id}/grading/mine").get_data(as_text=True)
    assert 'data-state="not_submitted"' in html and "Belum dikumpulkan" in html


def test_the_grade_book_shows_a_release_made_since_the_last_view(app, db, graded, login_as):
    ani = graded.participants[0]
    client = login_as(graded.organizer)
    url = f"/cohorts/{graded.cohort.id}/grading/gradebook"
    row = _row(client.get(url).get_data(as_text=True), ani.id)
    assert _cell_status(row) == ["marked"] and 'form="release-one"' in row
    _release(app, db, graded, ani)
    row = _row(client.get(url).get_data(as_text=True), ani.id)
    assert _cell_status(row) == ["released"] and "/release" not in row
