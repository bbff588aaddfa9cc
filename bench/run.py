"""Requests/s of the logged-in dashboard against /healthz, on a fresh database, in one run.

    .venv/bin/python bench/run.py [--seconds 5] [--participants 500] [--threads 8]

Not a test: it prints a table and the ratio to /healthz measured in the same run (see
bench/README.md). Only loopback traffic; the server and the database live in a temp dir.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import http.cookiejar
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
COHORT = "KIT-2023-I"
LOGIN = ("peserta1@example.org", "kelasinovasi")
WORKERS = 2
WARMUP_SECONDS = 1.0


@dataclass
class Result:
    scenario: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile_ms(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


#: The cohort attendance report of the first demo cohort (cohort id 1).
EXPORT_PATH = "/cohorts/1/attendance.xlsx"
#: Concurrent clients of the check-in burst: a room of people scanning at once.
BURST_CLIENTS = 32
#: A long shipped lesson with a table: the heaviest kind of page a participant reads.
LESSON_PATH = "/courses/kebijakan-inovasi-daerah/05-indikator-dan-penilaian"


def flask(*args: str) -> subprocess.CompletedProcess[str]:
    """``flask --app wsgi <args>`` in the repository, with the benchmark environment."""
    return subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def prepare_database(participants: int) -> str:
    """Schema (``lms init``, else ``db.create_all()``), demo data, extra participants."""
    from unittest import mock

    import sqlalchemy as sa
    from werkzeug.security import generate_password_hash

    from lms import create_app
    from lms.accounts.models import User
    from lms.cohorts import operations
    from lms.cohorts.models import Cohort, Membership
    from lms.extensions import db

    app = create_app()
    init = flask("lms", "init")
    with app.app_context():
        missing = set(db.metadata.tables) - set(sa.inspect(db.engine).get_table_names())
        schema = "flask lms init"
        if init.returncode != 0 or missing:
            db.create_all()
            schema = "db.create_all() (lms init unusable)"
    sync = flask("lms", "courses", "sync")
    if sync.returncode != 0:
        raise SystemExit(f"flask lms courses sync failed:\n{sync.stdout}{sync.stderr}")
    demo = flask("lms", "demo")
    if demo.returncode != 0:
        raise SystemExit(f"flask lms demo failed:\n{demo.stdout}{demo.stderr}")

    # The extra accounts never log in: a one-round hash keeps seeding to seconds (scrypt
    # costs ~0.1 s per account); the stored hash is still a valid werkzeug hash.
    def cheap_hash(password: str) -> str:
        return generate_password_hash(password, method="pbkdf2:sha256:1")

    with app.app_context(), mock.patch("lms.accounts.models.generate_password_hash", cheap_hash):
        cohort = db.session.scalar(db.select(Cohort).filter_by(code=COHORT))
        actor = db.session.scalar(db.select(User).filter_by(email="panitia@example.org"))
        for i in range(1, participants + 1):
            operations.add_member(
                cohort,
                email=f"bench{i}@example.org",
                full_name=f"Peserta Bench {i}",
                role="participant",
                actor=actor,
            )
        db.session.commit()
        total = db.session.scalar(
            db.select(sa.func.count())
            .select_from(Membership)
            .filter_by(cohort_id=cohort.id, role="participant")
        )
        meetings = seed_meetings(cohort, actor)
        db.engine.dispose()
    return (
        f"{total} participants in {COHORT} ({participants} added), {meetings} meetings with "
        f"marks; schema via {schema}"
    )


def seed_meetings(cohort, actor, total: int = 10) -> int:
    """Past meetings until the cohort has ``total``, each with a mark for everyone."""
    import datetime as dt

    from lms.attendance.models import AttendanceRecord, Meeting
    from lms.attendance.operations import create_meeting, participants
    from lms.extensions import db

    existing = db.session.scalar(
        db.select(db.func.count()).select_from(Meeting).filter_by(cohort_id=cohort.id)
    )
    start = dt.datetime(2023, 9, 8, 0, 0, tzinfo=dt.UTC)
    people = participants(cohort.id)
    for day in range(total - existing):
        begin = start + dt.timedelta(days=day)
        meeting = create_meeting(
            cohort,
            {
                "title": f"Pertemuan {day + 1}",
                "start_dt": begin,
                "end_dt": begin + dt.timedelta(hours=8),
                "jp": 2,
            },
            actor=actor,
        )
        statuses = ("present", "present", "present", "late", "excused", "sick", "absent")
        db.session.add_all(
            AttendanceRecord(
                meeting_id=meeting.id,
                user_id=person.id,
                status=statuses[(i + day) % len(statuses)],
                source="organizer",
            )
            for i, person in enumerate(people)
        )
    db.session.commit()
    return total


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, log: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(WORKERS), "-b", f"{HOST}:{port}", "wsgi:app"],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # own process group, so stop_gunicorn reaches the workers
    )


def stop_gunicorn(proc: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def wait_ready(proc: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"/healthz did not answer within 30 s:\n{log_path.read_text()[-3000:]}")


def login(port: int, account: tuple[str, str] = LOGIN) -> str:
    """Log in through the form; returns the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}),  # loopback only, whatever *_proxy says
        urllib.request.HTTPCookieProcessor(jar),
    )
    base = f"http://{HOST}:{port}"
    with opener.open(f"{base}/login", timeout=10) as resp:
        page = resp.read().decode()
    match = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', page)
    if match is None:
        raise SystemExit("no csrf_token on /login")
    form = {"identifier": account[0], "password": account[1], "csrf_token": match.group(1)}
    data = urllib.parse.urlencode(form).encode()
    with opener.open(f"{base}/login", data=data, timeout=10) as resp:
        if resp.status != 200 or not resp.url.endswith("/dashboard"):
            raise SystemExit(f"login as {account[0]} failed: {resp.status} {resp.url}")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def load(port: int, path: str, headers: dict[str, str], threads: int, seconds: float) -> Result:
    """GET ``path`` from ``threads`` threads for ``seconds``; anything but a 200 is an error."""
    stop = threading.Event()
    parts = [Result(path, seconds) for _ in range(threads)]

    def client(part: Result) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)  # reopens after a close
        while not stop.is_set():
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                ok = False
            if ok:
                part.latencies.append(time.perf_counter() - start)
            else:
                part.errors += 1
        conn.close()

    workers = [threading.Thread(target=client, args=(p,)) for p in parts]
    began = time.perf_counter()
    for w in workers:
        w.start()
    time.sleep(seconds)
    stop.set()
    for w in workers:
        w.join()
    total = Result(path, time.perf_counter() - began)
    for p in parts:
        total.latencies += p.latencies
        total.errors += p.errors
    return total


def timed(port: int, path: str, headers: dict[str, str], name: str, runs: int = 3) -> Result:
    """One request at a time, ``runs`` times: how long a large export takes."""
    result = Result(name, 0.0)
    began = time.perf_counter()
    for _ in range(runs):
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        if resp.status == 200:
            result.latencies.append(time.perf_counter() - start)
        else:
            result.errors += 1
        conn.close()
    result.seconds = time.perf_counter() - began
    return result


def burst(port: int, requests: list[tuple[str, dict[str, str]]], threads: int) -> Result:
    """Send each request once from ``threads`` clients at the same time (a crowd scanning a
    QR code); anything but a 200 is an error."""
    parts = [Result("burst", 0.0) for _ in range(threads)]
    queue = list(reversed(requests))
    lock = threading.Lock()

    def client(part: Result) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        while True:
            with lock:
                if not queue:
                    break
                path, headers = queue.pop()
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                ok = resp.status == 200 and b"Presensi tercatat" in body
            except (OSError, http.client.HTTPException):
                conn.close()
                ok = False
            if ok:
                part.latencies.append(time.perf_counter() - start)
            else:
                part.errors += 1
        conn.close()

    workers = [threading.Thread(target=client, args=(p,)) for p in parts]
    began = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    total = Result("burst", time.perf_counter() - began)
    for p in parts:
        total.latencies += p.latencies
        total.errors += p.errors
    return total


def checkin_requests(count: int) -> list[tuple[str, dict[str, str]]]:
    """One check-in per extra participant for the demo's open practice meeting, each with
    that participant's signed session cookie."""
    from lms import create_app
    from lms.accounts.models import User
    from lms.attendance import codes
    from lms.attendance.models import Meeting
    from lms.demo import PRACTICE_TITLE
    from lms.extensions import db

    app = create_app()
    with app.app_context():
        meeting = db.session.scalar(db.select(Meeting).filter_by(title=PRACTICE_TITLE))
        users = db.session.scalars(
            db.select(User).where(User.email.like("bench%@example.org")).limit(count)
        ).all()
        serializer = app.session_interface.get_signing_serializer(app)
        token = f"{meeting.id}-{codes.current_code(meeting.secret)}"
        requests = [
            (
                f"/checkin/{token}",
                {"Cookie": "session=" + serializer.dumps({"_user_id": str(u.id), "_fresh": True})},
            )
            for u in users
        ]
        db.engine.dispose()
    return requests


def report(results: list[Result], lines: list[str]) -> str:
    base = results[0].rps or float("nan")
    rows = [
        f"{'scenario':<26}{'requests/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'ratio':>7}"
    ]
    for r in results:
        rows.append(
            f"{r.scenario:<26}{r.rps:>11.1f}{r.percentile_ms(50):>9.1f}"
            f"{r.percentile_ms(99):>9.1f}{r.errors:>8}{r.rps / base:>7.2f}"
        )
    return "\n".join([*lines, "", *rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per scenario (default 5)")
    parser.add_argument("--participants", type=int, default=500, help="extra, default 500")
    parser.add_argument("--threads", type=int, default=8, help="client threads (default 8)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        os.environ.update(
            LMS_DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}",
            LMS_SECRET_KEY=secrets.token_hex(32),
            LMS_INSTANCE_PATH=str(tmp),
            LMS_RATELIMIT_STORAGE_URI="memory://",
        )
        data = prepare_database(args.participants)
        port, log_path = free_port(), tmp / "gunicorn.log"
        with log_path.open("wb") as log:
            proc = start_gunicorn(port, log)
            try:
                wait_ready(proc, port, log_path)
                cookie = {"Cookie": login(port)}
                scenarios = [
                    ("/healthz", "/healthz", {}),
                    ("/dashboard (peserta1)", "/dashboard", cookie),
                    ("lesson page (peserta1)", LESSON_PATH, cookie),
                ]
                results = []
                for name, path, headers in scenarios:
                    load(port, path, headers, args.threads, WARMUP_SECONDS)
                    result = load(port, path, headers, args.threads, args.seconds)
                    result.scenario = name
                    results.append(result)
                organizer = {"Cookie": login(port, ("panitia@example.org", "kelasinovasi"))}
                results.append(timed(port, EXPORT_PATH, organizer, "attendance XLSX 10 mtgs"))
                crowd = burst(port, checkin_requests(args.participants), BURST_CLIENTS)
                crowd.scenario = f"check-in burst ({len(crowd.latencies) + crowd.errors})"
                results.append(crowd)
            finally:
                stop_gunicorn(proc)

    now = datetime.datetime.now(datetime.UTC).astimezone()
    python = f"{platform.python_implementation()} {platform.python_version()}"
    header = [
        f"Kelas Inovasi benchmark, {now:%Y-%m-%d %H:%M %Z}",
        f"machine: nproc {len(os.sched_getaffinity(0))}, {python}, {platform.platform()}",
        f"server: gunicorn -w {WORKERS} (sync), SQLite; client: {args.threads} threads on the "
        f"same machine, {args.seconds:g} s per scenario after {WARMUP_SECONDS:g} s warm-up",
        f"data: {data}",
    ]
    print(report(results, header))
    return 0


if __name__ == "__main__":
    sys.exit(main())
