"""`flask lms backup` / `flask lms restore`: a seeded site (accounts, classes, attendance,
submissions with files, reviews, released grades, issued and revoked certificates) comes back
row for row and file for file, on SQLite and PostgreSQL and from one to the other; a damaged
archive or a database in use is refused before anything is written."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sqlite3
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url

import lms
from lms.extensions import db

PDF = b"%PDF-1.4\n% Proposal inovasi Si Cepat, versi final\n%%EOF\n"
OLD_PDF = b"%PDF-1.4\n% Draf lama yang dihapus dari pengumpulan\n%%EOF\n"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SUITE_KIND = "postgresql" if os.environ.get("LMS_TEST_DATABASE_URL") else "sqlite"


def _key(content: bytes, kind: str = "pdf") -> str:
    sha = hashlib.sha256(content).hexdigest()
    return f"{kind}/{sha[:2]}/{sha}"


# --- databases --------------------------------------------------------------------------------


def _pg_server_url() -> sa.URL:
    url = os.environ.get("LMS_TEST_DATABASE_URL") or PG_DEFAULT
    return make_url(url).set(database="postgres")


def _postgres_available() -> bool:
    import psycopg

    url = _pg_server_url()
    try:
        psycopg.connect(
            host=url.host, port=url.port, user=url.username, dbname="postgres", connect_timeout=3
        ).close()
    except psycopg.Error:
        return False
    return True


needs_postgres = pytest.mark.skipif(
    not os.environ.get("CI") and not _postgres_available(), reason="PostgreSQL is not running"
)


@contextlib.contextmanager
def _database(kind: str, folder: Path) -> Iterator[str]:
    """An empty database of ``kind``; a PostgreSQL one is dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    name = f"lms_backup_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(_pg_server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield _pg_server_url().set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def _app(url: str, uploads: Path) -> Flask:
    config = lms.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    config.LMS_UPLOAD_DIR = str(uploads)
    return lms.create_app(config)


def _cli(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["lms", *args])


# --- what a site holds ------------------------------------------------------------------------


def _dump(app: Flask) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, by primary key; JSON columns also say whether they are SQL
    NULL (the JSON document ``null`` reads back as None too)."""
    out: dict[str, list[dict[str, Any]]] = {}
    with app.app_context(), db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            flags = [
                c.is_(None).label(f"{c.name} IS NULL")
                for c in table.columns
                if isinstance(c.type, sa.JSON)
            ]
            stmt = sa.select(*table.columns, *flags).order_by(*table.primary_key.columns)
            out[table.name] = [dict(row) for row in conn.execute(stmt).mappings()]
        out["lms_alembic_version"] = [
            {"version_num": v}
            for v in conn.execute(sa.text("SELECT version_num FROM lms_alembic_version")).scalars()
        ]
    return out


def _files(app: Flask) -> dict[str, bytes]:
    root = Path(app.config["LMS_UPLOAD_DIR"])
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not p.relative_to(root).as_posix().startswith("tmp/")
    }


def _tables_in(app: Flask) -> list[str]:
    with app.app_context():
        names = sa.inspect(db.engine).get_table_names()
        db.engine.dispose()
    return names


def _seed(app: Flask) -> None:
    """A site in use, made through the real operations: the demo classes (accounts, members,
    meetings with marks, submissions, reviews, a released grade, certificates issued and one
    revoked and replaced), a participant's submitted proposal with a PDF (and a removed draft
    file that stays stored), a certificate logo, and a JSON column holding SQL NULL."""
    from PIL import Image
    from werkzeug.security import generate_password_hash

    from lms import COURSES_DIR
    from lms.accounts.models import User
    from lms.audit import AuditEvent
    from lms.catalog.operations import sync_all
    from lms.catalog.packs import discover
    from lms.certificates import operations as certificates
    from lms.cohorts.models import Cohort
    from lms.demo import load_demo
    from lms.storage import save_upload
    from lms.submissions import operations as subs
    from lms.submissions.fields import PP38_CRITERIA

    result = _cli(app, "init")
    assert result.exit_code == 0, result.output
    logo = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(logo, "PNG")
    with pytest.MonkeyPatch.context() as mp, app.app_context():
        mp.setattr(
            "lms.accounts.models.generate_password_hash",
            lambda pw: generate_password_hash(pw, method="pbkdf2:sha256:1"),
        )
        assert sync_all(discover(COURSES_DIR)).problems == []
        load_demo()
        kit = db.session.scalar(sa.select(Cohort).filter_by(code="KIT-2023-I"))
        person = db.session.scalar(sa.select(User).filter_by(email="peserta2@example.org"))
        proposal = next(a for a in subs.ensure_cohort_assignments(kit) if a.spec.kind == "proposal")
        work = subs.submission_for(proposal, person)
        stored = save_upload(io.BytesIO(PDF), max_bytes=1_000_000, allowed={"pdf"})
        subs.add_file(work, stored, name="Proposal Si Cepat (final).pdf")
        old = save_upload(io.BytesIO(OLD_PDF), max_bytes=1_000_000, allowed={"pdf"})
        subs.remove_file(work, subs.add_file(work, old, name="draf lama.pdf"))
        subs.submit(work, self_check={k: True for k, _l in PP38_CRITERIA}, statement=True)
        clinic = db.session.scalar(sa.select(Cohort).filter_by(code="KIV-2024-I"))
        logo.seek(0)
        plan = certificates.plan_for(clinic)
        plan.logo_key = save_upload(logo, max_bytes=1_000_000, allowed={"png"}).key
        db.session.commit()
        first = db.session.scalar(sa.select(sa.func.min(AuditEvent.id)))
        db.session.execute(
            sa.update(AuditEvent).where(AuditEvent.id == first).values(before=sa.null())
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Any]]:
    """``sites(kind)``: a seeded site on SQLite or PostgreSQL and its backup, made once."""
    made: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:

        def site(kind: str) -> Any:
            if kind not in made:
                folder = tmp_path_factory.mktemp(f"site-{kind}")
                url = stack.enter_context(_database(kind, folder))
                app = _app(url, folder / "uploads")
                _seed(app)
                archive = folder / "site-backup.zip"
                result = _cli(app, "backup", str(archive))
                assert result.exit_code == 0, result.output
                with app.app_context():
                    db.engine.dispose()
                made[kind] = SimpleNamespace(
                    kind=kind,
                    app=app,
                    archive=archive,
                    output=result.output,
                    rows=_dump(app),
                    files=_files(app),
                )
            return made[kind]

        yield site
        for entry in made.values():
            with entry.app.app_context():
                db.engine.dispose()


@pytest.fixture
def site(sites: Callable[[str], Any]) -> Any:
    return sites(SUITE_KIND)


def _assert_same_site(restored: Flask, site: Any) -> None:
    rows = _dump(restored)
    assert rows.keys() == site.rows.keys()
    for name, expected in site.rows.items():
        assert rows[name] == expected, f"table {name} differs after restore"
    assert _files(restored) == site.files


def _assert_in_use(app: Flask) -> None:
    """The restored site works: the participant downloads her proposal's PDF, and new rows
    get new ids (PostgreSQL sequences continue after the restored ids)."""
    from lms.accounts import operations as accounts
    from lms.accounts.models import User
    from lms.submissions.models import SubmissionFile

    with app.app_context():
        file = db.session.scalar(sa.select(SubmissionFile).filter_by(removed=False))
        owner_id = file.submission.user_id
        url = (
            f"/cohorts/{file.submission.assignment.cohort_id}/submissions/"
            f"{file.submission_id}/files/{file.id}"
        )
        highest = db.session.scalar(sa.select(sa.func.max(User.id)))
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(owner_id)
        session["_fresh"] = True
    response = client.get(url)
    assert response.status_code == 200
    assert response.data == PDF
    with app.app_context():
        user = accounts.create_user(
            email="baru@example.org", full_name="Peserta Baru Setelah Pemulihan", password="x" * 12
        )
        db.session.commit()
        assert user.id == highest + 1
        db.session.remove()
        db.engine.dispose()


# --- tests ------------------------------------------------------------------------------------


def test_the_seeded_site_has_what_a_region_must_not_lose(site):
    rows = site.rows
    roles = {m["role"] for m in rows["lms_membership"]}
    assert roles == {"participant", "trainer", "organizer"}
    assert {r["status"] for r in rows["lms_attendance_record"]} >= {"present", "late", "absent"}
    assert any(v["files"] for v in rows["lms_submission_version"])
    assert rows["lms_review"] and any(g["released_dt"] for g in rows["lms_grade"])
    assert {c["state"] for c in rows["lms_certificate"]} == {"issued", "revoked"}
    assert any(c["replaced_by_id"] for c in rows["lms_certificate"])  # a self-reference
    assert any(e["before IS NULL"] for e in rows["lms_audit_event"])  # SQL NULL in a JSON column
    assert any(not e["before IS NULL"] and e["before"] is None for e in rows["lms_audit_event"])
    assert {_key(PDF), _key(OLD_PDF)} <= site.files.keys()
    assert any(k.startswith("png/") for k in site.files)


def test_the_archive_holds_a_manifest_every_table_and_every_file(site):
    with zipfile.ZipFile(site.archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["source"]["engine"] == site.kind
        assert manifest["alembic_revision"] == [site.rows["lms_alembic_version"][0]["version_num"]]
        tables = [t["name"] for t in manifest["tables"]]
        assert tables == [t.name for t in db.metadata.sorted_tables]
        for entry in manifest["tables"]:
            data = zf.read(entry["file"])
            assert entry["rows"] == len(site.rows[entry["name"]]) == data.count(b"\n")
            assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        uploads = {u["key"]: u for u in manifest["uploads"]}
        assert uploads.keys() == site.files.keys()
        for key, content in site.files.items():
            assert zf.read(f"uploads/{key}") == content
            assert uploads[key]["sha256"] == hashlib.sha256(content).hexdigest()
            assert uploads[key]["size"] == len(content)
        assert manifest["missing_uploads"] == []
        assert manifest["totals"]["rows"] == sum(t["rows"] for t in manifest["tables"])
        if site.kind == "sqlite":
            # The raw snapshot (online backup API) holds the same rows as the export.
            snapshot = Path(site.archive).parent / "snapshot.sqlite3"
            snapshot.write_bytes(zf.read(manifest["sqlite_snapshot"]["file"]))
            with contextlib.closing(sqlite3.connect(snapshot)) as conn:
                for entry in manifest["tables"]:
                    count = conn.execute(f'SELECT count(*) FROM "{entry["name"]}"').fetchone()
                    assert count[0] == entry["rows"]
        else:
            assert manifest["sqlite_snapshot"] is None
    assert "Backup written to" in site.output


def test_restore_brings_back_every_row_and_file(site, empty_database_url, tmp_path):
    target = _app(empty_database_url, tmp_path / "uploads")
    result = _cli(target, "restore", str(site.archive))
    assert result.exit_code == 0, result.output
    assert f"Restored {len(db.metadata.sorted_tables)} tables" in result.output
    assert "verified against the manifest" in result.output
    _assert_same_site(target, site)
    _assert_in_use(target)


def test_restore_refuses_a_database_in_use_unless_forced(site, empty_database_url, tmp_path):
    from lms.accounts.models import User

    target = _app(empty_database_url, tmp_path / "uploads")
    assert _cli(target, "restore", str(site.archive)).exit_code == 0
    with target.app_context():
        db.session.execute(sa.update(User).where(User.id == 1).values(full_name="Diubah"))
        db.session.commit()
        db.session.remove()
    refused = _cli(target, "restore", str(site.archive))
    assert refused.exit_code != 0
    assert "not empty" in refused.output and "--force" in refused.output
    with target.app_context():
        assert db.session.get(User, 1).full_name == "Diubah"  # nothing touched
        db.session.remove()
    # A file damaged in the store is replaced; identical files are left alone.
    (tmp_path / "uploads" / _key(PDF)).write_bytes(b"%PDF-1.4 rusak")
    forced = _cli(target, "restore", "--force", str(site.archive))
    assert forced.exit_code == 0, forced.output
    assert f"(1 copied, {len(site.files) - 1} already there)" in forced.output
    _assert_same_site(target, site)


def test_restore_fills_a_freshly_initialised_database(site, empty_database_url, tmp_path):
    target = _app(empty_database_url, tmp_path / "uploads")
    assert _cli(target, "init").exit_code == 0
    result = _cli(target, "restore", str(site.archive))
    assert result.exit_code == 0, result.output
    assert "Creating the schema" not in result.output
    _assert_same_site(target, site)


def _rewrite(archive: Path, dest: Path, change: Callable[[str, bytes], bytes | None]) -> None:
    """A copy of the archive with members changed (None: left out); zip checksums stay
    valid, so only the manifest can tell."""
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(dest, "w") as out:
        for info in src.infolist():
            data = change(info.filename, src.read(info.filename))
            if data is not None:
                out.writestr(info, data)


def _changed_row(name: str, data: bytes) -> bytes:
    if name != "database/lms_submission_version.jsonl":
        return data
    assert b'"number":1,' in data
    return data.replace(b'"number":1,', b'"number":7,', 1)  # one byte changed


def _changed_upload(name: str, data: bytes) -> bytes:
    return data.replace(b"versi final", b"versi palsu") if name == f"uploads/{_key(PDF)}" else data


def _older_schema(name: str, data: bytes) -> bytes:
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    manifest["alembic_revision"] = ["aa9b638f1e13"]
    return json.dumps(manifest).encode()


def _before_the_prefix(name: str, data: bytes) -> bytes | None:
    """An archive as the code before the lms_ table prefix wrote it (old names, old revision)."""
    if name.startswith("database/lms_"):
        return None
    if name == "manifest.json":
        manifest = json.loads(data)
        manifest["alembic_revision"] = ["64b53665d46b"]
        for table in manifest["tables"]:
            table["name"] = table["name"].removeprefix("lms_")
            table["file"] = table["file"].replace("database/lms_", "database/")
        return json.dumps(manifest).encode()
    return data


def _flip_stored_byte(archive: Path, dest: Path) -> None:
    """One byte changed on disk inside the participant's PDF (the zip's CRC catches it)."""
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(f"uploads/{_key(PDF)}")
    start = data.index(PDF, info.header_offset)
    data[start + 20] ^= 0x01
    dest.write_bytes(bytes(data))


DAMAGE = {
    "a row changed": (lambda a, d: _rewrite(a, d, _changed_row), "does not match its checksum"),
    "a file changed": (lambda a, d: _rewrite(a, d, _changed_upload), "does not match"),
    "a byte flipped": (_flip_stored_byte, "damaged"),
    "a file missing": (
        lambda a, d: _rewrite(a, d, lambda n, b: None if n.startswith("uploads/png") else b),
        "missing",
    ),
    "an older schema": (lambda a, d: _rewrite(a, d, _older_schema), "schema revision"),
    # Restored by the version that made it, then upgraded with `lms init` (README).
    "made before the lms_ prefix": (lambda a, d: _rewrite(a, d, _before_the_prefix), "lms init"),
    "not an archive": (lambda a, d: d.write_text("bukan arsip"), "not a backup archive"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_archive_is_refused_before_anything_is_written(
    site, empty_database_url, tmp_path, damage
):
    make, message = DAMAGE[damage]
    damaged = tmp_path / "damaged.zip"
    make(site.archive, damaged)
    target = _app(empty_database_url, tmp_path / "uploads")
    result = _cli(target, "restore", str(damaged))
    assert result.exit_code != 0
    assert message in result.output
    assert _tables_in(target) == []  # not even the schema
    assert _files(target) == {}


def test_backup_never_leaves_a_partial_archive_or_overwrites_one(site, tmp_path):
    path = tmp_path / "cadangan.zip"
    path.write_bytes(b"cadangan kemarin")
    refused = _cli(site.app, "backup", str(path))
    assert refused.exit_code != 0 and "already exists" in refused.output
    assert path.read_bytes() == b"cadangan kemarin"
    forced = _cli(site.app, "backup", "--force", str(path))
    assert forced.exit_code == 0, forced.output
    with zipfile.ZipFile(path) as zf:
        assert json.loads(zf.read("manifest.json"))["totals"]["rows"] == sum(
            len(rows) for name, rows in site.rows.items() if name != "lms_alembic_version"
        )
    # A database the code cannot read (no schema): refused, and nothing at PATH.
    (tmp_path / "db").mkdir()
    with _database("sqlite", tmp_path / "db") as url:
        empty = _app(url, tmp_path / "uploads")
        failed = _cli(empty, "backup", str(tmp_path / "kosong.zip"))
        assert failed.exit_code != 0 and "schema revision" in failed.output
        with empty.app_context():
            db.engine.dispose()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cadangan.zip", "db"]
    with site.app.app_context():
        db.engine.dispose()


@needs_postgres
def test_a_sqlite_site_moves_to_postgresql(sites, tmp_path):
    source = sites("sqlite")
    with _database("postgresql", tmp_path) as url:
        target = _app(url, tmp_path / "uploads")
        result = _cli(target, "restore", str(source.archive))
        assert result.exit_code == 0, result.output
        assert "from a sqlite backup" in result.output
        _assert_same_site(target, source)
        _assert_in_use(target)


@needs_postgres
def test_a_postgresql_site_moves_to_sqlite(sites, tmp_path):
    source = sites("postgresql")
    with _database("sqlite", tmp_path) as url:
        target = _app(url, tmp_path / "uploads")
        result = _cli(target, "restore", str(source.archive))
        assert result.exit_code == 0, result.output
        _assert_same_site(target, source)
        _assert_in_use(target)
