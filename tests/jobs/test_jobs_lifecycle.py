"""A job from the click to the download: queued → running (progress on the page and in the
JSON) → done, with the result as an attachment for those who may see it; one job per kind
and object; failures, expiry, the no-JS page and the grade book / attendance exports."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from lms.audit import AuditEvent
from lms.db import utcnow
from lms.jobs import operations, queue, results, tasks
from lms.jobs.models import Job
from tests.jobs import jobs_kinds


def _job(db, job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def _job_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    match = re.fullmatch(r"/jobs/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match[1])


def _start(app, db, kind: str, owner, params=None) -> Job:
    with app.test_request_context():
        job, created = operations.start(kind, None, owner=owner, params=params, enqueue=False)
        db.session.commit()
    assert created
    with app.app_context():
        queue.enqueue(job.id, app)
    return job


# --- the grade book, from the click to the file ------------------------------------------------


def test_a_large_grade_book_is_prepared_as_a_job_with_progress_then_downloaded(
    app, db, client, login_as, grading_world, export_rows, run_jobs
):
    w = grading_world
    export_rows(3)  # four participants: above the threshold
    login_as(w.organizer)
    url = f"/cohorts/{w.cohort.id}/grading/gradebook.xlsx"

    offer = client.get(url)
    assert offer.status_code == 200
    page = offer.get_data(as_text=True)
    assert "4 baris" in page
    assert f'action="{url}"' in page and 'method="post"' in page

    job_id = _job_id(client.post(url, data={"csrf_token": _csrf(client, url)}))
    job = _job(db, job_id)
    assert (job.kind, job.state, job.object_type, job.object_id) == (
        "grading.gradebook_xlsx",
        "queued",
        "Cohort",
        w.cohort.id,
    )
    assert job.owner_id == w.organizer.id
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="job.start"))
    assert event.object_id == job_id and event.cohort_id == w.cohort.id
    assert event.actor_id == w.organizer.id

    # Queued: the page says so, reloads itself without JS, and the script polls the JSON.
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Menunggu" in page
    assert re.search(r'<noscript><meta http-equiv="refresh" content="\d+"></noscript>', page)
    assert "job-progress.js" in page and f'data-job-status="/jobs/{job_id}.json"' in page
    status = client.get(f"/jobs/{job_id}.json").get_json()
    assert status["state"] == "queued" and status["download_url"] is None
    # Nothing to download yet: back to the page, with the reason.
    early = client.get(f"/jobs/{job_id}/download")
    assert early.status_code == 302 and early.headers["Location"] == f"/jobs/{job_id}"

    # The GET of the export now leads to the job under way instead of offering a new one.
    again = client.get(url)
    assert again.status_code == 302 and again.headers["Location"] == f"/jobs/{job_id}"

    assert run_jobs() == 1
    job = _job(db, job_id)
    assert job.state == "done" and job.progress == 100 and job.attempts == 1
    assert job.result_name.startswith("nilai-") and job.result_name.endswith(".xlsx")
    assert job.expires_dt > utcnow() + timedelta(hours=23)

    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "http-equiv" not in page and "job-progress.js" not in page
    assert f'href="/jobs/{job_id}/download"' in page
    status = client.get(f"/jobs/{job_id}.json").get_json()
    assert status["state"] == "done" and status["finished"] is True
    assert status["download_url"] == f"/jobs/{job_id}/download"
    assert status["result_size"] == job.result_size

    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert job.result_name in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(download.data)).active
    names = [row[1] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert names == ["Peserta Ani", "Peserta Budi", "Peserta Citra", "Peserta Dedi"]


def test_progress_shows_while_the_job_runs(app, db, client, login_as, make_user, run_jobs):
    admin = make_user(is_admin=True)
    job = _start(app, db, jobs_kinds.STEPS, admin)
    login_as(admin)
    seen = []
    jobs_kinds.during_run.append(
        lambda ctx: seen.append(client.get(f"/jobs/{job.id}.json").get_json())
    )
    run_jobs()
    (during,) = seen
    assert during["state"] == "running" and during["progress"] == 40
    assert during["message"] == "Menulis berkas" and during["download_url"] is None
    assert client.get(f"/jobs/{job.id}.json?lang=en").get_json()["state"] == "done"
    assert client.get(f"/jobs/{job.id}/download").data == b"satu\ndua\n"


def test_small_exports_stay_direct_downloads(client, login_as, grading_world):
    login_as(grading_world.organizer)
    response = client.get(f"/cohorts/{grading_world.cohort.id}/grading/gradebook.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.data[:2] == b"PK"


def test_a_second_click_shows_the_job_under_way(db, client, login_as, grading_world, export_rows):
    w = grading_world
    export_rows(3)
    login_as(w.organizer)
    url = f"/cohorts/{w.cohort.id}/grading/gradebook.xlsx"
    first = _job_id(client.post(url, data={"csrf_token": _csrf(client, url)}))
    second = client.post(url, data={"csrf_token": _csrf(client, url)})
    assert _job_id(second) == first
    page = client.get(f"/jobs/{first}").get_data(as_text=True)
    assert "Proses yang sama sudah berjalan" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1
    # Another organizer of the class clicking too finds the same job.
    other = w.trainers[0]  # a trainer may not export the grade book at all
    login_as(other)
    assert client.post(url, data={"csrf_token": _csrf(client, "/dashboard")}).status_code == 403


def test_the_csv_job_keeps_the_chosen_separator(
    db, client, login_as, grading_world, export_rows, run_jobs
):
    w = grading_world
    export_rows(3)
    login_as(w.organizer)
    url = f"/cohorts/{w.cohort.id}/grading/gradebook.csv?sep=semicolon"
    assert 'action="' + url.replace("&", "&amp;") + '"' in client.get(url).get_data(as_text=True)
    job_id = _job_id(client.post(url, data={"csrf_token": _csrf(client, url)}))
    assert _job(db, job_id).params == {"sep": ";"}
    run_jobs()
    data = client.get(f"/jobs/{job_id}/download").data.decode("utf-8-sig")
    lines = data.splitlines()
    assert lines[0].startswith("No.;Nama;NIP;Instansi;")
    assert len(lines) == 5 and lines[1].startswith("1;Peserta Ani;")


def test_a_large_attendance_workbook_is_a_job(
    db, client, login_as, make_user, make_cohort, make_meeting, export_rows, run_jobs
):
    people = [make_user(full_name=f"Peserta {n}") for n in range(3)]
    trainer = make_user()
    cohort = make_cohort(participants=people, trainers=[trainer])
    make_meeting(cohort)
    export_rows(5)  # 3 participants × (1 meeting + the summary) = 6 rows
    login_as(trainer)
    url = f"/cohorts/{cohort.id}/attendance.xlsx"
    assert "6 baris" in client.get(url).get_data(as_text=True)
    job_id = _job_id(client.post(url, data={"csrf_token": _csrf(client, url)}))
    run_jobs()
    response = client.get(f"/jobs/{job_id}/download")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) == 2
    export_rows(6)
    assert client.get(url).data[:2] == b"PK"  # at the threshold: direct again


# --- who sees a job -------------------------------------------------------------------------


def test_the_owner_and_the_kinds_people_see_a_job_nobody_else(
    db, client, login_as, make_user, grading_world, export_rows, run_jobs
):
    w = grading_world
    export_rows(3)
    second_organizer = make_user()
    from lms.cohorts import operations as cohorts

    cohorts.add_member(w.cohort, email=second_organizer.email, role="organizer", actor=None)
    db.session.commit()
    login_as(w.organizer)
    url = f"/cohorts/{w.cohort.id}/grading/gradebook.xlsx"
    job_id = _job_id(client.post(url, data={"csrf_token": _csrf(client, url)}))
    run_jobs()
    paths = [f"/jobs/{job_id}", f"/jobs/{job_id}.json", f"/jobs/{job_id}/download"]
    for person in (w.organizer, second_organizer):
        login_as(person)
        assert [client.get(p).status_code for p in paths] == [200, 200, 200]
    for person in (w.participants[0], w.trainers[0], w.outsider_trainer, make_user()):
        login_as(person)
        assert [client.get(p).status_code for p in paths] == [404, 404, 404]
    login_as(None)
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/jobs/999999").status_code == 302


def test_my_jobs_lists_only_my_own(app, db, client, login_as, make_user):
    admin, other = make_user(is_admin=True), make_user(is_admin=True)
    mine = _start(app, db, jobs_kinds.STEPS, admin)
    login_as(other)
    assert f'data-job="{mine.id}"' not in client.get("/jobs").get_data(as_text=True)
    login_as(admin)
    page = client.get("/jobs").get_data(as_text=True)
    assert f'data-job="{mine.id}"' in page and "Langkah uji" in page


# --- failures and expiry -------------------------------------------------------------------------


def test_a_failing_kind_fails_the_job_and_leaves_no_file(
    app, db, client, login_as, make_user, run_jobs
):
    admin = make_user(is_admin=True)
    job = _start(app, db, jobs_kinds.BROKEN, admin)
    run_jobs()
    job = _job(db, job.id)
    assert job.state == "failed" and job.result_key is None
    assert job.error == tasks.ERROR_FAILED
    with app.app_context():
        assert list(results.temp_folder().iterdir()) == []
    login_as(admin)
    page = client.get(f"/jobs/{job.id}?lang=en").get_data(as_text=True)
    assert "Gagal" in page or "Failed" in page
    assert client.get(f"/jobs/{job.id}/download").status_code == 302


def test_a_refusal_of_the_kind_is_the_message_shown(app, db, client, login_as, make_user, run_jobs):
    admin = make_user(is_admin=True)
    job = _start(app, db, jobs_kinds.REFUSED, admin)
    run_jobs()
    assert _job(db, job.id).error == "Kelas ini belum punya tugas."
    login_as(admin)
    assert "Kelas ini belum punya tugas." in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert client.get(f"/jobs/{job.id}.json").get_json()["error"] == "Kelas ini belum punya tugas."


def test_results_expire_and_the_sweep_deletes_them(app, db, client, login_as, make_user, run_jobs):
    admin = make_user(is_admin=True)
    job = _start(app, db, jobs_kinds.STEPS, admin)
    run_jobs()
    job = _job(db, job.id)
    with app.app_context():
        path = results.path_of(job.result_key)
    assert path.read_bytes() == b"satu\ndua\n"
    job.expires_dt = utcnow() - timedelta(minutes=1)
    db.session.commit()
    login_as(admin)
    # Past its time: no download even before the sweep ran.
    response = client.get(f"/jobs/{job.id}/download")
    assert response.status_code == 302
    assert "kedaluwarsa" in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert client.get(f"/jobs/{job.id}.json").get_json()["download_url"] is None

    report = tasks.sweep(app)
    assert report.expired == [job.id]
    job = _job(db, job.id)
    assert job.state == "expired" and job.result_key is None
    assert not path.exists()
    assert "Kedaluwarsa" in client.get(f"/jobs/{job.id}").get_data(as_text=True)


def test_the_result_hours_are_a_setting(app, db, make_user, monkeypatch, run_jobs):
    monkeypatch.setitem(app.config, "LMS_JOB_RESULT_HOURS", 2)
    job = _start(app, db, jobs_kinds.STEPS, make_user(is_admin=True))
    run_jobs()
    job = _job(db, job.id)
    assert job.expires_dt - job.finished_dt == timedelta(hours=2)


def test_the_clean_command_runs_the_sweep(app, db, make_user, run_jobs):
    job = _start(app, db, jobs_kinds.STEPS, make_user(is_admin=True))
    run_jobs()
    job = _job(db, job.id)
    job.expires_dt = utcnow() - timedelta(seconds=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["lms", "jobs", "clean"])
    assert result.exit_code == 0, result.output
    assert "results expired: 1" in result.output
    assert _job(db, job.id).state == "expired"


# --- a stopped run --------------------------------------------------------------------------------


def test_a_stale_running_job_is_queued_again_then_given_up(app, db, make_user, run_jobs):
    job = _start(app, db, jobs_kinds.STEPS, make_user(is_admin=True))
    stale = utcnow() - timedelta(seconds=app.config["LMS_JOB_STALE_SECONDS"] + 5)

    def killed_mid_run(attempts: int) -> None:
        row = _job(db, job.id)
        row.state, row.attempts, row.heartbeat_dt = "running", attempts, stale
        db.session.commit()

    killed_mid_run(1)
    assert tasks.sweep(app).requeued == [job.id]
    row = _job(db, job.id)
    assert row.state == "queued" and row.message == tasks.MSG_WAIT_RETRY
    assert run_jobs() == 2  # the original message (now claims it) and the one re-sent
    row = _job(db, job.id)
    assert row.state == "done" and row.attempts == 2

    row.state, row.result_key = "queued", None
    db.session.commit()
    killed_mid_run(app.config["LMS_JOB_ATTEMPTS"])
    assert tasks.sweep(app).gave_up == [job.id]
    row = _job(db, job.id)
    assert row.state == "failed" and row.error == tasks.ERROR_GAVE_UP


def test_a_run_that_lost_its_claim_discards_its_work(app, db, make_user, run_jobs):
    """The job was reclaimed (its worker seemed dead) and claimed by another run: the old
    run notices at its next progress report and publishes nothing."""
    job = _start(app, db, jobs_kinds.STEPS, make_user(is_admin=True))

    def taken_over(ctx) -> None:
        db.session.execute(sa.update(Job).where(Job.id == job.id).values(attempts=Job.attempts + 1))
        db.session.commit()

    jobs_kinds.during_run.append(taken_over)
    with app.app_context():
        assert tasks.run_job(app, job.id) == "lost"
        assert list(results.temp_folder().iterdir()) == []
    row = _job(db, job.id)
    assert row.state == "running" and row.result_key is None


def test_a_duplicate_message_runs_nothing(app, db, make_user, run_jobs):
    job = _start(app, db, jobs_kinds.STEPS, make_user(is_admin=True))
    with app.app_context():
        queue.enqueue(job.id, app)
    assert run_jobs() == 2
    assert _job(db, job.id).attempts == 1


@pytest.mark.parametrize("kind", ["nope.unknown"])
def test_an_unknown_kind_is_refused(app, db, make_user, kind):
    with app.test_request_context(), pytest.raises(ValueError):
        operations.start(kind, None, owner=make_user())


def _csrf(client, path: str) -> str:
    from tests.helpers import csrf_token

    page = client.get(path)
    if page.status_code != 200 or b"csrf_token" not in page.data:
        return csrf_token(client, "/dashboard")
    return csrf_token(client, path)


def test_jobs_of_other_scopes_run_side_by_side(app, db, make_user):
    """E.g. an index's evidence bundles of two years: one job per kind, object and scope."""
    owner = make_user(is_admin=True)
    with app.test_request_context():
        first, created_first = operations.start(jobs_kinds.STEPS, None, owner=owner, scope="2024")
        other, created_other = operations.start(jobs_kinds.STEPS, None, owner=owner, scope="2025")
        again, created_again = operations.start(jobs_kinds.STEPS, None, owner=owner, scope="2024")
        db.session.commit()
    assert (created_first, created_other, created_again) == (True, True, False)
    assert first.id != other.id and again.id == first.id
