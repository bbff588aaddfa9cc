"""A gunicorn worker killed (SIGKILL) in the middle of an upload or of a certificate batch
leaves nothing half-written, and the work can simply be done again.

One gunicorn (the production profile, ``gunicorn.conf.py``, one worker) serves a SQLite
database prepared with ``flask lms init``, ``flask lms courses sync`` and ``flask lms demo``,
plus a cohort of 300 participants. Its master starts a new worker after each kill.

- Upload: a 30 MB video is streamed slowly to the participant's video page and the worker is
  killed when half of it has arrived. Afterwards no file is left in the upload store or in
  the worker's temp folder, no row was written, every file row has its file, every stored
  file is named by a row, and sending the same video again works. A half-written temp file
  of a killed upload (``<store>/tmp/upload-*``) is removed by the next upload once it is old.
- Certificates: the organizer issues certificates to all 300 (with written overrides) and the
  worker is killed while the issue transaction holds the database's write lock. Afterwards
  either all or none of the batch exist; issuing again gives everyone exactly one
  certificate, numbered 1..300 without gaps or duplicates, and a third run adds nothing.
- The merged PDF of those 300 is a job (above ``LMS_JOB_CERTIFICATES``): a ``flask lms
  worker`` is killed while it draws them. Nothing is offered meanwhile; the next worker's
  sweep runs the job again, and its file has every certificate once, while no certificate
  row changed (the job only reads: no number is ever used twice).

Skipped when gunicorn cannot start here, except under CI=true.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
PASSWORD = "kelasinovasi"
PARTICIPANT = "peserta2@example.org"
ORGANIZER = "panitia@example.org"
BIG_COHORT = "KIT-KILL-300"
BIG_COHORT_SIZE = 300
VIDEO_BYTES = 30 * 1024 * 1024
CHUNK = 256 * 1024
#: Job workers (``flask lms worker``): heartbeat and the silence after which a job runs again.
JOB_HEARTBEAT = 0.3
JOB_STALE = 2.0
#: A store key (``lms.storage``): kind / first two hex digits / SHA-256.
STORE_KEY = re.compile(r"[a-z0-9]{2,8}/[0-9a-f]{2}/[0-9a-f]{64}")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def _unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"the kill tests cannot run: {reason}; CI=true requires them", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# --- the server ------------------------------------------------------------------------------


@dataclass
class Server:
    base: Path
    env: dict[str, str]
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    cohort_id: int
    video_assignment_id: int
    big_cohort_id: int
    big_cohort_user_ids: list[int]

    @property
    def db_path(self) -> Path:
        return self.base / "lms.sqlite3"

    @property
    def store(self) -> Path:
        return self.base / "uploads"

    @property
    def worker_tmp(self) -> Path:
        return self.base / "tmp"

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def workers(self) -> list[int]:
        """The worker processes: the master's children."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                after_name = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(after_name[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def wait_ready(self, timeout: float = 60, not_pid: int | None = None) -> int:
        """Wait for one worker (other than ``not_pid``) answering /healthz; its pid. At the
        start a server that does not come up skips the tests; after a kill it fails them."""
        give_up = _unavailable if not_pid is None else pytest.fail
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                give_up(f"gunicorn exited:\n{self.log_text()}")
            workers = [pid for pid in self.workers() if pid != not_pid]
            if len(workers) == 1:
                try:
                    status, _body, _headers = Client(self.port).request("GET", "/healthz")
                    if status == 200:
                        return workers[0]
                except OSError:
                    pass
            time.sleep(0.1)
        give_up(f"gunicorn did not answer /healthz within {timeout} s:\n{self.log_text()}")
        raise AssertionError("unreachable")

    def kill_worker(self) -> int:
        (pid,) = self.workers()
        os.kill(pid, signal.SIGKILL)
        return pid

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(self.db_path, timeout=15)
        try:
            return conn.execute(query, params).fetchall()
        finally:
            conn.close()

    def write_locked(self) -> bool:
        """Whether a write transaction is open (SQLite lets one writer at a time)."""
        conn = sqlite3.connect(self.db_path, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return True
            raise
        else:
            conn.execute("ROLLBACK")
            return False
        finally:
            conn.close()


def _flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _prepare(env: dict[str, str], base: Path) -> tuple[int, int, int, list[int]]:
    """Schema, courses, demo data and the big cohort; returns (demo cohort id, video
    assignment id, big cohort id, its participants' ids)."""
    for args in (("lms", "init"), ("lms", "courses", "sync"), ("lms", "demo")):
        done = _flask(env, *args)
        if done.returncode != 0:
            pytest.fail(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")

    from datetime import date

    from werkzeug.security import generate_password_hash

    from lms import create_app
    from lms.cohorts import operations as cohorts
    from lms.cohorts.models import Cohort, Membership
    from lms.config import Config
    from lms.extensions import db
    from lms.submissions.operations import ensure_cohort_assignments

    config = Config()
    config.SECRET_KEY = env["LMS_SECRET_KEY"]
    config.SQLALCHEMY_DATABASE_URI = env["LMS_DATABASE_URL"]
    config.LMS_UPLOAD_DIR = env["LMS_UPLOAD_DIR"]
    app = create_app(config)

    def cheap_hash(password: str) -> str:  # nobody logs in as these 300
        return generate_password_hash(password, method="pbkdf2:sha256:1")

    with app.app_context(), mock.patch("lms.accounts.models.generate_password_hash", cheap_hash):
        demo = db.session.scalar(db.select(Cohort).filter_by(code="KIT-2023-I"))
        videos = [a for a in ensure_cohort_assignments(demo) if a.spec.kind == "video"]
        assert videos, "the demo cohort has no video assignment"
        big = cohorts.create_cohort(
            {
                "code": BIG_COHORT,
                "name": "Kelas Inovasi Uji Henti Paksa",
                "start_date": date(2023, 9, 5),
                "end_date": date(2023, 9, 7),
                "timezone": "Asia/Makassar",
                "jp_total": 24,
                "state": "open",
            },
            actor=None,
        )
        cohorts.add_member(big, email=ORGANIZER, role="organizer", actor=None)
        for n in range(1, BIG_COHORT_SIZE + 1):
            cohorts.add_member(
                big,
                email=f"henti{n:03d}@example.org",
                full_name=f"Peserta Henti {n:03d}",
                role="participant",
                actor=None,
            )
        db.session.commit()
        ids = (demo.id, videos[0].id, big.id)
        user_ids = db.session.scalars(
            db.select(Membership.user_id).filter_by(cohort_id=big.id, role="participant")
        ).all()
        db.engine.dispose()
    return (*ids, sorted(user_ids))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not (BIN / "gunicorn").is_file():
        _unavailable(f"gunicorn is not installed in {BIN}")
    base = tmp_path_factory.mktemp("kill")
    (base / "tmp").mkdir()
    port = _free_port()
    env = {
        **os.environ,
        "LMS_DATABASE_URL": f"sqlite:///{base / 'lms.sqlite3'}",
        "LMS_SECRET_KEY": secrets.token_hex(32),
        "LMS_INSTANCE_PATH": str(base),
        "LMS_UPLOAD_DIR": str(base / "uploads"),
        "LMS_RATELIMIT_STORAGE_URI": "memory://",
        "LMS_BIND": f"{HOST}:{port}",
        "LMS_WORKERS": "1",
        "LMS_THREADS": "4",
        "LMS_ACCESS_LOG": "off",
        "LMS_LOG_LEVEL": "warning",
        # Where the worker spools request bodies: it must stay empty after a kill.
        "TMPDIR": str(base / "tmp"),
        # The certificate batch of 300 is a job; a killed job worker's job runs again soon.
        "LMS_JOB_CERTIFICATES": "50",
        "LMS_JOB_HEARTBEAT_SECONDS": str(JOB_HEARTBEAT),
        "LMS_JOB_STALE_SECONDS": str(JOB_STALE),
    }
    env.pop("LMS_HTTPS", None)
    cohort_id, video_id, big_id, big_users = _prepare(env, base)
    log_path = base / "gunicorn.log"
    with log_path.open("wb") as log:
        try:
            process = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the clean-up reaches all
            )
        except OSError as exc:
            _unavailable(f"gunicorn cannot start: {exc}")
        running = Server(base, env, port, process, log_path, cohort_id, video_id, big_id, big_users)
        try:
            running.wait_ready()
            yield running
        finally:
            for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    process.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue


# --- a small HTTP client -----------------------------------------------------------------------


@dataclass
class Client:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _sep, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    def request(
        self, method: str, path: str, form: dict[str, Any] | None = None, timeout: float = 120
    ) -> tuple[int, bytes, http.client.HTTPMessage]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        headers = self._headers()
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        self._keep_cookies(response)
        return response.status, data, response.headers

    def hidden_fields(self, path: str) -> dict[str, str]:
        status, body, _headers = self.request("GET", path)
        assert status == 200, (path, status)
        fields = {}
        for tag in re.findall(rb"<input[^>]*>", body):
            name = re.search(rb'name="([^"]+)"', tag)
            value = re.search(rb'value="([^"]*)"', tag)
            if name and b'type="hidden"' in tag:
                fields[name.group(1).decode()] = value.group(1).decode() if value else ""
        assert "csrf_token" in fields, f"no CSRF token on {path}"
        return fields

    def login(self, email: str) -> None:
        form = {**self.hidden_fields("/login"), "identifier": email, "password": PASSWORD}
        status, _body, headers = self.request("POST", "/login", form)
        assert status in (302, 303) and headers["Location"].endswith("/dashboard"), status


# --- what is stored ------------------------------------------------------------------------


def referenced_keys(server: Server) -> set[str]:
    """Every upload store key named by any text column of any table."""
    keys = set()
    tables = [row[0] for row in server.sql("SELECT name FROM sqlite_master WHERE type='table'")]
    for table in tables:
        for row in server.sql(f'SELECT * FROM "{table}"'):
            keys.update(v for v in row if isinstance(v, str) and STORE_KEY.fullmatch(v))
    return keys


def stored_keys(server: Server) -> set[str]:
    """The files of the store, except its working folders (temp files, import previews)."""
    if not server.store.is_dir():
        return set()
    return {
        str(path.relative_to(server.store))
        for path in server.store.rglob("*")
        if path.is_file() and path.relative_to(server.store).parts[0] not in ("tmp", "imports")
    }


def store_temp_files(server: Server) -> list[Path]:
    tmp = server.store / "tmp"
    return sorted(tmp.iterdir()) if tmp.is_dir() else []


def assert_store_consistent(server: Server) -> None:
    referenced, stored = referenced_keys(server), stored_keys(server)
    missing = sorted(referenced - stored)
    assert not missing, f"rows name files that are not in the store: {missing}"
    orphans = sorted(stored - referenced)
    assert not orphans, f"files in the store that no row names: {orphans}"


def file_rows(server: Server) -> int:
    return server.sql("SELECT count(*) FROM lms_submission_file")[0][0]


# --- the upload --------------------------------------------------------------------------


def multipart(
    fields: dict[str, str], file_field: str, name: str, path: Path
) -> tuple[str, bytes, bytes]:
    boundary = uuid.uuid4().hex
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{name}"\r\nContent-Type: video/mp4\r\n\r\n'
    ).encode()
    return f"multipart/form-data; boundary={boundary}", head, f"\r\n--{boundary}--\r\n".encode()


def post_video(
    client: Client, path: str, video: Path, *, stop_after: int | None = None
) -> http.client.HTTPConnection | tuple[int, bytes]:
    """Send the video form. With ``stop_after``, only that many bytes of the file are sent and
    the open connection is returned; else the whole form, and the (status, body) answer."""
    fields = {**client.hidden_fields(path), "action": "draft", "deskripsi": "Video uji"}
    content_type, head, tail = multipart(fields, "video", video.name, video)
    length = len(head) + video.stat().st_size + len(tail)
    conn = http.client.HTTPConnection(HOST, client.port, timeout=120)
    conn.putrequest("POST", path)
    for name, value in client._headers(
        {"Content-Type": content_type, "Content-Length": str(length)}
    ).items():
        conn.putheader(name, value)
    conn.endheaders()
    conn.send(head)
    sent = 0
    with video.open("rb") as f:
        while chunk := f.read(CHUNK):
            if stop_after is not None and sent >= stop_after:
                return conn
            conn.send(chunk)
            sent += len(chunk)
            if stop_after is not None:
                time.sleep(0.01)  # a slow phone connection
    conn.send(tail)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def test_worker_killed_mid_upload_leaves_nothing_behind(server: Server, tmp_path: Path) -> None:
    from tests.submissions.mp4 import write_mp4

    video = write_mp4(tmp_path / "inovasi-desa.mp4", 95, size=VIDEO_BYTES, audio=True)
    page = f"/cohorts/{server.cohort_id}/assignments/{server.video_assignment_id}/video"
    client = Client(server.port)
    client.login(PARTICIPANT)
    rows_before, keys_before = file_rows(server), stored_keys(server)
    submissions_before = server.sql("SELECT * FROM lms_submission ORDER BY id")
    assert_store_consistent(server)

    conn = post_video(client, page, video, stop_after=VIDEO_BYTES // 2)
    assert isinstance(conn, http.client.HTTPConnection)
    time.sleep(0.5)  # the worker has read what was sent and waits for the rest
    killed = server.kill_worker()
    try:
        conn.send(b"\0" * CHUNK)
        answer = conn.getresponse()
        answer.read()
        pytest.fail(f"the killed worker answered {answer.status}")
    except (OSError, http.client.HTTPException):
        pass  # the connection died with the worker
    finally:
        conn.close()
    server.wait_ready(not_pid=killed)

    assert file_rows(server) == rows_before, "a file row was written for the killed upload"
    assert server.sql("SELECT * FROM lms_submission ORDER BY id") == submissions_before
    assert stored_keys(server) == keys_before, "the killed upload left a file in the store"
    assert store_temp_files(server) == [], "the killed upload left a temp file in the store"
    assert sorted(server.worker_tmp.iterdir()) == [], "the killed worker left spooled files"
    assert_store_consistent(server)

    # A temp file of an upload killed while it was being written, hours ago.
    (server.store / "tmp").mkdir(parents=True, exist_ok=True)
    leftover = server.store / "tmp" / "upload-killed-long-ago"
    leftover.write_bytes(b"\0" * 1024)
    hours_ago = time.time() - 7 * 3600
    os.utime(leftover, (hours_ago, hours_ago))

    # The participant sends the same video again: it arrives whole.
    client = Client(server.port)
    client.login(PARTICIPANT)
    status, body = post_video(client, page, video)
    assert status == 303, (status, body[:2000])
    assert file_rows(server) == rows_before + 1
    assert not leftover.exists(), "the next upload did not clear the abandoned temp file"
    assert store_temp_files(server) == []
    assert_store_consistent(server)
    (key,) = stored_keys(server) - keys_before
    assert (server.store / key).stat().st_size == VIDEO_BYTES


# --- the certificate batch ------------------------------------------------------------------


def certificate_rows(server: Server) -> list[tuple[int, int, str, str]]:
    return server.sql(
        "SELECT user_id, seq, number, state FROM lms_certificate WHERE cohort_id = ? ORDER BY seq",
        server.big_cohort_id,
    )


def issue_form(client: Client, server: Server) -> dict[str, Any]:
    path = f"/cohorts/{server.big_cohort_id}/certificates/eligibility"
    form: dict[str, Any] = {
        "csrf_token": client.hidden_fields(path)["csrf_token"],
        "scope": "selected",
        "user": [str(uid) for uid in server.big_cohort_user_ids],
    }
    for uid in server.big_cohort_user_ids:
        form[f"override-{uid}"] = "Uji henti paksa: diterbitkan dengan pengecualian"
    return form


def assert_one_gapless_batch(rows: list[tuple[int, int, str, str]], server: Server) -> None:
    users = [row[0] for row in rows]
    assert sorted(users) == server.big_cohort_user_ids, "not exactly one certificate each"
    assert [row[1] for row in rows] == list(range(1, BIG_COHORT_SIZE + 1)), "numbering gaps"
    assert len({row[2] for row in rows}) == BIG_COHORT_SIZE, "duplicate certificate numbers"
    assert {row[3] for row in rows} == {"issued"}


def test_worker_killed_during_certificate_batch_can_rerun(server: Server) -> None:
    client = Client(server.port)
    client.login(ORGANIZER)
    path = f"/cohorts/{server.big_cohort_id}/certificates/issue"
    assert certificate_rows(server) == []
    audit_before = server.sql("SELECT count(*) FROM lms_audit_event")[0][0]

    form = issue_form(client, server)
    outcome: list[Any] = []

    def send() -> None:
        try:
            outcome.append(client.request("POST", path, form)[0])
        except (OSError, http.client.HTTPException) as exc:
            outcome.append(exc)

    sender = threading.Thread(target=send)
    sender.start()
    deadline = time.monotonic() + 30
    while not server.write_locked():
        assert time.monotonic() < deadline, "the issue request never opened its transaction"
        assert sender.is_alive() or not outcome, f"the request ended first: {outcome}"
    killed = server.kill_worker()
    sender.join(timeout=30)
    assert outcome and not isinstance(outcome[0], int), f"the killed worker answered {outcome}"
    server.wait_ready(not_pid=killed)

    rows = certificate_rows(server)
    assert len(rows) in (0, BIG_COHORT_SIZE), f"a partial batch: {len(rows)} certificates"
    if rows:
        assert_one_gapless_batch(rows, server)
    else:
        assert server.sql("SELECT count(*) FROM lms_audit_event")[0][0] == audit_before

    # The organizer runs the batch again (and once more, by mistake).
    for _run in range(2):
        status, body, headers = client.request("POST", path, issue_form(client, server))
        assert status in (302, 303), (status, body[:2000])
        assert headers["Location"].endswith(f"/cohorts/{server.big_cohort_id}/certificates")
        assert_one_gapless_batch(certificate_rows(server), server)


def _job_worker(server: Server, n: int) -> subprocess.Popen[bytes]:
    log = (server.base / f"job-worker-{n}.log").open("wb")
    return subprocess.Popen(
        [str(BIN / "flask"), "--app", "wsgi", "lms", "worker", "--threads", "1"],
        cwd=ROOT,
        env=server.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _stop_worker(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _job_row(server: Server, job_id: int) -> tuple[str, int, int, str | None]:
    ((state, attempts, progress, key),) = server.sql(
        "SELECT state, attempts, progress, result_key FROM lms_job WHERE id = ?", job_id
    )
    return state, attempts, progress, key


def _wait_for(what: str, check, server: Server, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.01)
    logs = "\n".join(
        f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
        for p in sorted(server.base.glob("job-worker-*.log"))
    )
    pytest.fail(f"timed out waiting for {what}\n{logs}")


def _not_offered(client: Client, job_id: int) -> None:
    status, body, _headers = client.request("GET", f"/jobs/{job_id}.json")
    assert status == 200 and b'"download_url":null' in body.replace(b" ", b""), body[:300]
    status, _body, headers = client.request("GET", f"/jobs/{job_id}/download")
    assert status == 302 and headers["Location"].endswith(f"/jobs/{job_id}"), status


def test_worker_killed_during_the_merged_pdf_job_runs_it_again(server: Server) -> None:
    client = Client(server.port)
    client.login(ORGANIZER)
    if not certificate_rows(server):  # run alone: issue the batch first
        path = f"/cohorts/{server.big_cohort_id}/certificates/issue"
        assert client.request("POST", path, issue_form(client, server))[0] in (302, 303)
    before = certificate_rows(server)
    assert_one_gapless_batch(before, server)
    audit_before = server.sql("SELECT count(*) FROM lms_audit_event WHERE action <> 'job.start'")
    pdf_path = f"/cohorts/{server.big_cohort_id}/certificates/all.pdf"

    # 300 certificates: the link offers a job; the organizer starts it.
    status, body, _headers = client.request("GET", pdf_path)
    assert status == 200 and b"Siapkan berkas" in body
    token = client.hidden_fields(pdf_path)["csrf_token"]
    status, _body, headers = client.request("POST", pdf_path, {"csrf_token": token})
    assert status == 303, status
    job_id = int(headers["Location"].rsplit("/", 1)[1])

    first = _job_worker(server, 1)
    second = None
    try:
        _wait_for(
            "the first worker to take the job",
            lambda: _job_row(server, job_id)[0] == "running",
            server,
        )
        first.send_signal(signal.SIGKILL)  # in the middle of drawing 300 certificates
        first.wait(timeout=30)
        state, attempts, _progress, key = _job_row(server, job_id)
        assert (state, attempts, key) == ("running", 1, None), "the job finished before the kill"
        _not_offered(client, job_id)
        assert certificate_rows(server) == before

        time.sleep(JOB_STALE + 0.5)  # its heartbeat is stale: the next worker takes it up
        second = _job_worker(server, 2)
        _wait_for(
            "the second worker to finish the job",
            lambda: _job_row(server, job_id)[0] == "done",
            server,
        )
        state, attempts, progress, key = _job_row(server, job_id)
        assert (attempts, progress) == (2, 100) and key
    finally:
        for process in (first, second):
            _stop_worker(process)

    status, data, headers = client.request("GET", f"/jobs/{job_id}/download")
    assert status == 200 and data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert headers["Content-Disposition"].startswith("attachment;")
    from io import BytesIO

    from pypdf import PdfReader

    reader = PdfReader(BytesIO(data))
    assert len(reader.pages) == BIG_COHORT_SIZE
    numbers = [number for _user, _seq, number, _state in before]
    printed = [re.search(r"Nomor: (\S+)", page.extract_text()).group(1) for page in reader.pages]
    assert printed == numbers, "every certificate once, in number order"
    # The job read, it wrote nothing: same certificates, no audit row but the job's start.
    assert certificate_rows(server) == before
    assert (
        server.sql("SELECT count(*) FROM lms_audit_event WHERE action <> 'job.start'")
        == audit_before
    )
