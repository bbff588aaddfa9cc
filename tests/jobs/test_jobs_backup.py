"""``lms backup`` from the admin's page: a job whose result is the same archive the command
writes, for admins only, without the results of earlier jobs inside."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

import lms
from lms.extensions import db
from lms.jobs import queue, results
from lms.jobs.models import Job
from tests.helpers import csrf_token


@pytest.fixture
def site(empty_database_url, tmp_path):
    """A site made by ``lms init`` (a backup checks the schema revision), an admin and a
    participant-like user, one uploaded file and an old job result in the store."""
    from lms import migrating
    from lms.accounts.models import User

    config = lms.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = empty_database_url
    config.LMS_UPLOAD_DIR = str(tmp_path / "uploads")
    app = lms.create_app(config)
    with app.app_context():
        migrating.init_schema()
        db.create_all()  # tables newer than the last migration (none once it is written)
        people = {}
        for name, admin in (("admin", True), ("orang", False)):
            user = User(
                email=f"{name}@example.org",
                full_name=name,
                password_hash=generate_password_hash("x", method="pbkdf2:sha256:1"),
                is_admin=admin,
            )
            db.session.add(user)
            db.session.flush()
            people[name] = user.id
        db.session.commit()
    with app.test_request_context():
        from lms.storage import save_upload

        stored = save_upload(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), max_bytes=1000, allowed={"pdf"})
        (results.folder()).mkdir(parents=True, exist_ok=True)
        (results.folder() / ("0" * 32)).write_bytes(b"an earlier export")
    yield app, people, stored.key
    with app.app_context():
        db.engine.dispose()


def _client(app, user_id):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    return client


def test_an_admin_makes_a_backup_from_the_page_and_downloads_it(site):
    app, people, upload_key = site
    client = _client(app, people["admin"])
    page = client.get("/admin/backups")
    assert page.status_code == 200 and "Buat cadangan sekarang" in page.get_data(as_text=True)
    response = client.post(
        "/admin/backups", data={"csrf_token": csrf_token(client, "/admin/backups")}
    )
    assert response.status_code == 303
    job_id = int(re.fullmatch(r"/jobs/(\d+)", response.headers["Location"])[1])
    assert "Lihat cadangan yang sedang dibuat" in client.get("/admin/backups").get_data(
        as_text=True
    )
    with app.app_context():
        assert queue.run_pending(app) == 1
        job = db.session.get(Job, job_id)
        assert job.state == "done", job.error
        assert re.fullmatch(r"cadangan-kelas-inovasi-\d{4}-\d{2}-\d{2}-\d{4}\.zip", job.result_name)

    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "kelas-inovasi-backup"
    tables = {t["name"]: t for t in manifest["tables"]}
    assert tables["lms_user_account"]["rows"] == 2
    assert "lms_job" in tables
    assert f"uploads/{upload_key}" in archive.namelist()
    assert not [name for name in archive.namelist() if name.startswith("uploads/jobs")]

    # Not for anyone else: not even the page.
    other = _client(app, people["orang"])
    assert other.get("/admin/backups").status_code == 403
    assert other.get(f"/jobs/{job_id}/download").status_code == 404
    assert other.get(f"/jobs/{job_id}.json").status_code == 404


def test_a_refused_backup_says_why(site, monkeypatch):
    app, people, _key = site
    from lms import backup

    def refuse(path, **_kwargs):
        raise backup.BackupError("The folder is full.")

    monkeypatch.setattr(backup, "create_backup", refuse)
    client = _client(app, people["admin"])
    client.post("/admin/backups", data={"csrf_token": csrf_token(client, "/admin/backups")})
    with app.app_context():
        queue.run_pending(app)
        job = db.session.scalar(sa.select(Job))
        assert (job.state, job.error) == ("failed", "The folder is full.")
        assert list(results.temp_folder().iterdir()) == []
