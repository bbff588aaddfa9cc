"""Upload throughput of a 50 MB MP4 to the video page against a raw static download, in one run.

    .venv/bin/python bench/upload.py [--megabytes 50] [--runs 3]

Not a test: it prints MB/s of each scenario and the ratio to the raw download measured in
the same run (see bench/README.md). Only loopback traffic; the server, the database, the
upload store and the generated files live in a temp dir that is removed at the end.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import http.client
import http.server
import os
import platform
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from run import (  # bench/run.py: the same server set-up as the page benchmark
    HOST,
    ROOT,
    WORKERS,
    flask,
    free_port,
    login,
    start_gunicorn,
    stop_gunicorn,
    wait_ready,
)

sys.path.insert(0, str(ROOT))
from tests.submissions.mp4 import write_mp4  # noqa: E402

COHORT = "KIT-2023-I"
ACCOUNT = ("peserta2@example.org", "kelasinovasi")
CHUNK = 256 * 1024
TIMEOUT = 300  # seconds per request: a stuck server ends the run instead of hanging it
MB = 1024 * 1024


@dataclass
class Result:
    scenario: str
    size: int
    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def mb_per_s(self) -> float:
        if not self.seconds:
            return float("nan")
        return self.size / MB / statistics.median(self.seconds)


def prepare_database() -> tuple[int, int]:
    """Schema, course packs, demo data; returns (cohort id, video assignment id)."""
    import sqlalchemy as sa

    from lms import create_app
    from lms.cohorts.models import Cohort
    from lms.extensions import db
    from lms.submissions.operations import ensure_cohort_assignments

    app = create_app()
    init = flask("lms", "init")
    with app.app_context():
        if init.returncode != 0 or set(db.metadata.tables) - set(
            sa.inspect(db.engine).get_table_names()
        ):
            db.create_all()
    for args in (("lms", "courses", "sync"), ("lms", "demo")):
        done = flask(*args)
        if done.returncode != 0:
            raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    with app.app_context():
        cohort = db.session.scalar(db.select(Cohort).filter_by(code=COHORT))
        video = [a for a in ensure_cohort_assignments(cohort) if a.spec.kind == "video"]
        if not video:
            raise SystemExit(f"{COHORT} follows no course with a video assignment")
        db.session.commit()
        ids = (cohort.id, video[0].id)
        db.engine.dispose()
    return ids


def form_fields(port: int, path: str, cookie: str) -> dict[str, str]:
    """The hidden fields of the video form (CSRF token, the draft's lock version)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", path, headers={"Cookie": cookie})
    resp = conn.getresponse()
    page = resp.read().decode()
    conn.close()
    if resp.status != 200:
        raise SystemExit(f"GET {path}: {resp.status}")
    fields = {}
    for name in ("csrf_token", "lock_version"):
        match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page) or re.search(
            rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', page
        )
        if match is None:
            raise SystemExit(f"no {name} on {path}")
        fields[name] = match.group(1)
    return fields


def multipart(fields: dict[str, str], file_field: str, path: Path) -> tuple[str, int, Iterator]:
    """(content type, length, body chunks) of a multipart/form-data POST, streamed from disk."""
    boundary = uuid.uuid4().hex
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{path.name}"\r\nContent-Type: video/mp4\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body() -> Iterator[bytes]:
        yield head
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk
        yield tail

    length = len(head) + path.stat().st_size + len(tail)
    return f"multipart/form-data; boundary={boundary}", length, body()


def upload(port: int, path: str, cookie: str, files: list[Path]) -> Result:
    result = Result("upload to the video page", files[0].stat().st_size)
    for video in files:
        fields = {**form_fields(port, path, cookie), "action": "draft"}
        content_type, length, body = multipart(fields, "video", video)
        conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
        start = time.perf_counter()
        conn.request(
            "POST",
            path,
            body=body,
            headers={"Cookie": cookie, "Content-Type": content_type, "Content-Length": length},
        )
        resp = conn.getresponse()
        answer = resp.read()
        elapsed = time.perf_counter() - start
        conn.close()
        if resp.status == 303:
            result.seconds.append(elapsed)
        else:
            problem = re.search(rb'class="error"[^>]*>([^<]+)', answer)
            result.errors.append(f"{resp.status} {problem.group(1).decode() if problem else ''}")
    return result


def download(port: int, path: str, name: str, size: int, runs: int, cookie: str = "") -> Result:
    result = Result(name, size)
    for _ in range(runs):
        conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
        start = time.perf_counter()
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        resp = conn.getresponse()
        got = 0
        while chunk := resp.read(CHUNK):
            got += len(chunk)
        elapsed = time.perf_counter() - start
        conn.close()
        if resp.status == 200 and got == size:
            result.seconds.append(elapsed)
        else:
            result.errors.append(f"{resp.status}, {got} bytes")
    return result


def latest_play_path(cohort_id: int, assignment_id: int) -> str | None:
    """The play URL of peserta2's current video (the last upload)."""
    from lms import create_app
    from lms.accounts.models import User
    from lms.extensions import db
    from lms.submissions.models import Submission, SubmissionFile

    app = create_app()
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=ACCOUNT[0]))
        row = db.session.scalar(
            db.select(SubmissionFile)
            .join(Submission)
            .where(
                Submission.assignment_id == assignment_id,
                Submission.user_id == user.id,
                SubmissionFile.role == "video",
                SubmissionFile.removed.is_(False),
            )
        )
        db.engine.dispose()
        if row is None:
            return None
        return f"/cohorts/{cohort_id}/submissions/{row.submission_id}/files/{row.id}/play"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=50, help="file size (default 50)")
    parser.add_argument("--runs", type=int, default=3, help="uploads and downloads (default 3)")
    args = parser.parse_args(argv)
    size = args.megabytes * MB

    with tempfile.TemporaryDirectory(prefix="lms-bench-upload-") as tmp_dir:
        tmp = Path(tmp_dir)
        os.environ.update(
            LMS_DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}",
            LMS_SECRET_KEY=secrets.token_hex(32),
            LMS_PUBLIC_URL="https://lms.example.go.id",  # production mode needs one
            LMS_INSTANCE_PATH=str(tmp),
            LMS_UPLOAD_DIR=str(tmp / "uploads"),
            LMS_RATELIMIT_STORAGE_URI="memory://",
        )
        cohort_id, assignment_id = prepare_database()
        page = f"/cohorts/{cohort_id}/assignments/{assignment_id}/video"
        # A different duration per run, so each upload is new content (not deduplicated).
        files = [
            write_mp4(tmp / f"inovasi-{i}.mp4", 240 + i, size=size, audio=True)
            for i in range(args.runs)
        ]
        static = tmp / "static"
        static.mkdir()
        write_mp4(static / "raw.bin", 240, size=size)

        raw_port = free_port()
        raw_server = http.server.ThreadingHTTPServer(
            (HOST, raw_port), functools.partial(_QuietHandler, directory=str(static))
        )
        raw_thread = threading.Thread(target=raw_server.serve_forever, daemon=True)
        raw_thread.start()
        port, log_path = free_port(), tmp / "gunicorn.log"
        with log_path.open("wb") as log:
            proc = start_gunicorn(port, log)
            try:
                wait_ready(proc, port, log_path)
                cookie = login(port, ACCOUNT)
                raw = download(raw_port, "/raw.bin", "raw static file (http.server)", size, 1)
                raw = download(
                    raw_port, "/raw.bin", "raw static file (http.server)", size, args.runs
                )
                results = [raw, upload(port, page, cookie, files)]
                play = latest_play_path(cohort_id, assignment_id)
                if play:
                    results.append(
                        download(port, play, "play_video GET (app)", size, args.runs, cookie)
                    )
            finally:
                stop_gunicorn(proc)
                raw_server.shutdown()
                raw_server.server_close()

    now = datetime.datetime.now(datetime.UTC).astimezone()
    python = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"Kelas Inovasi upload benchmark, {now:%Y-%m-%d %H:%M %Z}")
    print(f"machine: nproc {len(os.sched_getaffinity(0))}, {python}, {platform.platform()}")
    print(
        f"server: gunicorn -w {WORKERS} (sync), SQLite, upload store on the temp dir; raw file: "
        f"python http.server in a thread; {args.megabytes} MB generated MP4, {args.runs} runs "
        f"each, one at a time, median"
    )
    print()
    print(f"{'scenario':<34}{'MB/s':>9}{'median s':>10}{'runs ok':>9}{'ratio':>7}")
    base = raw.mb_per_s
    for r in results:
        median = statistics.median(r.seconds) if r.seconds else float("nan")
        print(
            f"{r.scenario:<34}{r.mb_per_s:>9.1f}{median:>10.2f}"
            f"{len(r.seconds):>5}/{len(r.seconds) + len(r.errors):<3}{r.mb_per_s / base:>7.2f}"
        )
        for error in r.errors:
            print(f"  error: {error}")
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
