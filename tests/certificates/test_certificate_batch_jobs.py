"""The class's batch files as jobs: above ``LMS_JOB_CERTIFICATES`` valid certificates the
merged PDF and the ZIP are made in the background with progress, offered on the list when
done, to the class's organizers only; at or below it they download at once."""

from __future__ import annotations

import io
import re
import zipfile

from pypdf import PdfReader

from lms.certificates import jobs as certificate_jobs
from lms.certificates.models import Certificate
from lms.jobs.models import Job
from tests.certificates.conftest import NAMES
from tests.helpers import csrf_token


def _base(world) -> str:
    return f"/cohorts/{world.cohort.id}/certificates"


def _job(db, job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def _start(client, url: str) -> int:
    response = client.post(url, data={"csrf_token": csrf_token(client, "/dashboard")})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    match = re.fullmatch(r"/jobs/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match[1])


def _texts(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def test_a_small_class_downloads_its_batches_at_once(
    certificate_world, issued, login_as, job_threshold, db
):
    job_threshold(3)  # three certificates: not above it
    client = login_as(certificate_world.organizer)
    html = client.get(_base(certificate_world)).get_data(as_text=True)
    assert f'href="{_base(certificate_world)}/all.pdf"' in html and "Siapkan berkas" not in html
    merged = client.get(f"{_base(certificate_world)}/all.pdf")
    assert merged.status_code == 200 and merged.mimetype == "application/pdf"
    texts = _texts(merged.data)
    assert len(texts) == 3
    assert all(f"{name} Peserta" in text for text, name in zip(texts, NAMES, strict=True))
    bundle = client.get(f"{_base(certificate_world)}/all.zip")
    assert bundle.status_code == 200 and bundle.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        assert len(archive.namelist()) == 3
    assert db.session.scalar(db.select(db.func.count(Job.id))) == 0


def test_the_merged_pdf_of_a_large_class_is_a_job_with_progress_then_offered(
    certificate_world, issued, login_as, job_threshold, db, run_jobs
):
    w = certificate_world
    job_threshold(2)
    client = login_as(w.organizer)
    listing = client.get(_base(w)).get_data(as_text=True)
    assert "lebih dari 2 sertifikat" in listing
    assert f'action="{_base(w)}/all.pdf"' in listing and 'method="post"' in listing
    # The old link still works: it offers the job (a page with one button).
    offer = client.get(f"{_base(w)}/all.pdf")
    assert offer.status_code == 200 and "Siapkan berkas" in offer.get_data(as_text=True)

    job_id = _start(client, f"{_base(w)}/all.pdf")
    job = _job(db, job_id)
    assert (job.kind, job.state, job.object_type, job.object_id) == (
        certificate_jobs.BATCH_PDF,
        "queued",
        "Cohort",
        w.cohort.id,
    )
    # While it waits, the list and the old link lead to it; a second click finds it.
    listing = client.get(_base(w)).get_data(as_text=True)
    assert f'href="/jobs/{job_id}"' in listing and "Sedang disiapkan (0%)" in listing
    again = client.get(f"{_base(w)}/all.pdf")
    assert again.status_code == 302 and again.headers["Location"] == f"/jobs/{job_id}"
    assert _start(client, f"{_base(w)}/all.pdf") == job_id

    seen: list[tuple[int, str | None]] = []
    from lms.jobs import tasks

    original = tasks.Reporter.update

    def spy(self, percent, message):
        seen.append((percent, message))
        return original(self, percent, message)

    tasks.Reporter.update = spy
    try:
        assert run_jobs() == 1
    finally:
        tasks.Reporter.update = original
    assert seen[0] == (2, certificate_jobs.MSG_LOADING)
    assert seen[-1][1] == certificate_jobs.MSG_DRAWING and seen[-1][0] == 99
    job = _job(db, job_id)
    assert job.state == "done" and job.progress == 100 and job.attempts == 1
    assert re.fullmatch(rf"sertifikat-{re.escape(w.cohort.code)}-\d{{8}}\.pdf", job.result_name)

    listing = client.get(_base(w)).get_data(as_text=True)
    assert f'href="/jobs/{job_id}/download"' in listing and job.result_name in listing
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    texts = _texts(download.data)
    assert len(texts) == 3
    for text, certificate, name in zip(texts, issued, NAMES, strict=True):
        assert f"{name} Peserta" in text and certificate.number in text


def test_the_zip_of_a_large_class_is_a_job_of_one_pdf_per_certificate(
    certificate_world, issued, login_as, job_threshold, db, run_jobs
):
    w = certificate_world
    job_threshold(2)
    client = login_as(w.organizer)
    job_id = _start(client, f"{_base(w)}/all.zip")
    assert _job(db, job_id).kind == certificate_jobs.BATCH_ZIP
    run_jobs()
    job = _job(db, job_id)
    assert job.state == "done" and job.result_name.endswith(".zip")
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        names = archive.namelist()
        assert len(names) == 3
        for name, certificate, person in zip(names, issued, NAMES, strict=True):
            assert name.startswith(certificate.number.replace("/", "-") + "_")
            (text,) = _texts(archive.read(name))
            assert f"{person} Peserta" in text and certificate.number in text


def test_only_the_class_s_organizers_see_the_job_and_its_file(
    certificate_world, issued, login_as, job_threshold, db, run_jobs, make_user
):
    w = certificate_world
    job_threshold(2)
    second = make_user(full_name="Panitia Kedua")
    from lms.cohorts import operations as cohorts

    cohorts.add_member(w.cohort, email=second.email, role="organizer", actor=None)
    db.session.commit()
    client = login_as(w.organizer)
    job_id = _start(client, f"{_base(w)}/all.pdf")
    run_jobs()
    paths = [f"/jobs/{job_id}", f"/jobs/{job_id}.json", f"/jobs/{job_id}/download"]
    for person in (w.organizer, second):
        login_as(person)
        assert [client.get(p).status_code for p in paths] == [200, 200, 200]
    for person in (w.people["Ani"], w.outsider):
        login_as(person)
        assert [client.get(p).status_code for p in paths] == [404, 404, 404]
    # A participant can neither start one.
    login_as(w.people["Ani"])
    token = csrf_token(client, "/dashboard")
    for kind in ("all.pdf", "all.zip"):
        assert client.post(f"{_base(w)}/{kind}", data={"csrf_token": token}).status_code == 403
    assert db.session.scalar(db.select(db.func.count(Job.id))) == 1


def test_a_file_made_before_a_certificate_changed_is_not_offered(
    app, certificate_world, issued, login_as, job_threshold, db, run_jobs
):
    w = certificate_world
    job_threshold(1)
    client = login_as(w.organizer)
    job_id = _start(client, f"{_base(w)}/all.pdf")
    run_jobs()
    assert f'href="/jobs/{job_id}/download"' in client.get(_base(w)).get_data(as_text=True)
    token = csrf_token(client, "/dashboard")
    budi = issued[1]
    client.post(f"{_base(w)}/{budi.id}/revoke", data={"csrf_token": token, "reason": "Salah."})
    assert db.session.get(Certificate, budi.id).state == "revoked"
    listing = client.get(_base(w)).get_data(as_text=True)
    assert f'href="/jobs/{job_id}/download"' not in listing
    assert f'action="{_base(w)}/all.pdf"' in listing  # make it again: two certificates now


def test_a_class_without_valid_certificates_has_no_batch(
    certificate_world, login_as, job_threshold, db
):
    w = certificate_world
    job_threshold(0)
    client = login_as(w.organizer)
    assert client.get(f"{_base(w)}/all.pdf").status_code == 404
    token = csrf_token(client, "/dashboard")
    assert client.post(f"{_base(w)}/all.zip", data={"csrf_token": token}).status_code == 404
    assert db.session.scalar(db.select(db.func.count(Job.id))) == 0
