"""What the benchmark scripts share: the environment, seeding, gunicorn, HTTP load, tables.

Used by bench/report.py (the whole report), bench/run.py, bench/grading.py and, through
bench/run.py, bench/upload.py. Not a test and not a script of its own.
"""

from __future__ import annotations

import contextlib
import datetime
import http.client
import http.cookiejar
import os
import platform
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
COHORT = "KIT-2023-I"
PASSWORD = "kelasinovasi"
LOGIN = ("peserta1@example.org", PASSWORD)
ORGANIZER = ("panitia@example.org", PASSWORD)
TRAINER = ("widyaiswara@example.org", PASSWORD)
TRAINER2 = ("widyaiswara2@example.org", PASSWORD)
WORKERS = 2
WARMUP_SECONDS = 1.0
#: Where a fresh PostgreSQL database is made (``CREATE DATABASE``) and dropped.
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"

#: The cohort attendance report of the first demo cohort (cohort id 1).
EXPORT_PATH = "/cohorts/1/attendance.xlsx"
#: Concurrent clients of the check-in burst: a room of people scanning at once.
BURST_CLIENTS = 32
#: A long shipped lesson with a table: the heaviest kind of page a participant reads.
LESSON_PATH = "/courses/kebijakan-inovasi-daerah/05-indikator-dan-penilaian"
#: Statuses of the seeded attendance marks, cycled.
STATUSES = ("present", "present", "present", "late", "excused", "sick", "absent")


@dataclass
class Result:
    scenario: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    #: What went wrong, counted: "HTTP 500", "TimeoutError", ...
    error_kinds: Counter[str] = field(default_factory=Counter)

    def fail(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] += 1

    def add(self, other: Result) -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        self.error_kinds.update(other.error_kinds)

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else float("nan")

    def percentile_ms(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


# --- environment -----------------------------------------------------------------------------


def bench_environment(tmp: Path, database_url: str | None = None) -> None:
    """The ``LMS_*`` variables of a benchmark run: a database (SQLite in ``tmp`` unless
    given), a fresh secret key, the instance folder and upload store in ``tmp``, in-memory
    rate limits. Subprocesses (flask, gunicorn) inherit them."""
    import secrets

    os.environ.update(
        LMS_DATABASE_URL=database_url or f"sqlite:///{tmp / 'bench.sqlite3'}",
        LMS_SECRET_KEY=secrets.token_hex(32),
        LMS_PUBLIC_URL="https://lms.example.go.id",  # production mode needs one (lms.urls)
        LMS_INSTANCE_PATH=str(tmp),
        LMS_UPLOAD_DIR=str(tmp / "uploads"),
        LMS_RATELIMIT_STORAGE_URI="memory://",
    )


def postgres_unreachable() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"PostgreSQL is not reachable at {PG_SERVER}: {str(exc).strip().splitlines()[0]}"
    return None


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one run, dropped afterwards; yields its SQLAlchemy URL."""
    import psycopg

    name = f"lms_bench_{int(time.time())}_{os.getpid()}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{PG_SERVER.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def engine_version(database_url: str) -> str:
    """ "SQLite 3.40.1" or "PostgreSQL 15.2 (...)": the database the run used."""
    if database_url.startswith("sqlite"):
        return f"SQLite {sqlite3.sqlite_version}"
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3) as conn:
        return f"PostgreSQL {conn.execute('SHOW server_version').fetchone()[0]}"


def machine_lines() -> list[str]:
    """The machine a run was made on: CPUs, CPU model, Python, OS."""
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    system = platform.platform()
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                system = f"{line.split('=', 1)[1].strip(chr(34))} ({platform.platform()})"
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return [f"nproc {len(os.sched_getaffinity(0))}, {model}", f"{python}, {system}"]


def now_text() -> str:
    return f"{datetime.datetime.now(datetime.UTC).astimezone():%Y-%m-%d %H:%M %Z}"


# --- seeding ---------------------------------------------------------------------------------


def flask(*args: str) -> subprocess.CompletedProcess[str]:
    """``flask --app wsgi <args>`` in the repository, with the benchmark environment."""
    return subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def prepare_schema() -> str:
    """Schema (``lms init``, else ``db.create_all()``), course packs, demo data; returns how
    the schema was made."""
    import sqlalchemy as sa

    from lms import create_app
    from lms.extensions import db

    app = create_app()
    init = flask("lms", "init")
    with app.app_context():
        missing = set(db.metadata.tables) - set(sa.inspect(db.engine).get_table_names())
        schema = "flask lms init"
        if init.returncode != 0 or missing:
            db.create_all()
            schema = "db.create_all() (lms init unusable)"
        db.engine.dispose()
    sync = flask("lms", "courses", "sync")
    if sync.returncode != 0:
        raise SystemExit(f"flask lms courses sync failed:\n{sync.stdout}{sync.stderr}")
    demo = flask("lms", "demo")
    if demo.returncode != 0:
        raise SystemExit(f"flask lms demo failed:\n{demo.stdout}{demo.stderr}")
    return schema


def add_participants(first: int, last: int) -> int:
    """Participants bench<first>..bench<last>@example.org in the demo cohort; returns the
    cohort's participant count.

    These accounts never log in through the form: a one-round hash keeps seeding to seconds
    (scrypt costs ~0.1 s per account); the stored hash is still a valid werkzeug hash.
    """
    from unittest import mock

    import sqlalchemy as sa
    from werkzeug.security import generate_password_hash

    from lms import create_app
    from lms.accounts.models import User
    from lms.cohorts import operations
    from lms.cohorts.models import Cohort, Membership
    from lms.extensions import db

    def cheap_hash(password: str) -> str:
        return generate_password_hash(password, method="pbkdf2:sha256:1")

    app = create_app()
    with app.app_context(), mock.patch("lms.accounts.models.generate_password_hash", cheap_hash):
        cohort = db.session.scalar(db.select(Cohort).filter_by(code=COHORT))
        actor = db.session.scalar(db.select(User).filter_by(email=ORGANIZER[0]))
        for i in range(first, last + 1):
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
        db.engine.dispose()
    return total


def seed_meetings(cohort, actor, total: int = 10) -> int:
    """Past meetings until the cohort has ``total``, each with a mark for everyone."""
    import datetime as dt

    from lms.attendance.models import AttendanceRecord, Meeting
    from lms.attendance.operations import create_meeting
    from lms.attendance.queries import participants
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
        db.session.add_all(
            AttendanceRecord(
                meeting_id=meeting.id,
                user_id=person.id,
                status=STATUSES[(i + day) % len(STATUSES)],
                source="organizer",
            )
            for i, person in enumerate(people)
        )
    db.session.commit()
    return total


def mark_everyone(meetings: int = 10) -> tuple[int, int]:
    """Meetings up to ``meetings`` in the demo cohort (its open practice meeting included),
    and a mark for every participant without one at every meeting but the practice meeting
    (left for the check-in burst); returns (meetings, marks added). Safe to call again after
    adding participants."""
    from lms import create_app
    from lms.accounts.models import User
    from lms.attendance.models import AttendanceRecord, Meeting
    from lms.attendance.queries import participants
    from lms.cohorts.models import Cohort
    from lms.demo import PRACTICE_TITLE
    from lms.extensions import db

    app = create_app()
    with app.app_context():
        cohort = db.session.scalar(db.select(Cohort).filter_by(code=COHORT))
        actor = db.session.scalar(db.select(User).filter_by(email=ORGANIZER[0]))
        seed_meetings(cohort, actor, meetings)
        people = participants(cohort.id)
        added = 0
        for day, meeting in enumerate(
            db.session.scalars(
                db.select(Meeting)
                .filter_by(cohort_id=cohort.id)
                .where(Meeting.title != PRACTICE_TITLE)
                .order_by(Meeting.start_dt)
            )
        ):
            marked = set(
                db.session.scalars(
                    db.select(AttendanceRecord.user_id).filter_by(meeting_id=meeting.id)
                )
            )
            new = [
                AttendanceRecord(
                    meeting_id=meeting.id,
                    user_id=person.id,
                    status=STATUSES[(i + day) % len(STATUSES)],
                    source="organizer",
                )
                for i, person in enumerate(people)
                if person.id not in marked
            ]
            db.session.add_all(new)
            added += len(new)
        db.session.commit()
        db.engine.dispose()
    return meetings, added


def analyze() -> None:
    """Table statistics on PostgreSQL, as autovacuum keeps them on a database in use: a
    database loaded a moment ago has none, and the planner guesses (nested loops over 252
    rows it takes for 7). SQLite gathers none by itself, and is left as it is."""
    import sqlalchemy as sa

    from lms import create_app
    from lms.extensions import db

    app = create_app()
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))
        db.engine.dispose()


def prepare_database(participants: int) -> str:
    """Schema, demo data, ``participants`` extra participants, meetings up to 10 with marks
    (bench/run.py and bench/grading.py)."""
    schema = prepare_schema()
    total = add_participants(1, participants)
    meetings, _added = mark_everyone()
    return (
        f"{total} participants in {COHORT} ({participants} added), {meetings} meetings with "
        f"marks; schema via {schema}"
    )


def seed_grading(
    first: int,
    last: int,
    trainers: Sequence[str] = (TRAINER[0],),
    release_every: int = 0,
) -> tuple[int, str]:
    """bench<first>..bench<last> submit the demo proposal, are allocated to ``trainers`` in
    turn and get a marking from them (two in three done, one in three in progress); one done
    grade in ``release_every`` is released (0: none). Returns (cohort id, summary)."""
    import tomllib

    from lms import create_app
    from lms.accounts.models import User
    from lms.cohorts.models import Cohort
    from lms.extensions import db
    from lms.grading import operations as grading
    from lms.grading.models import Allocation
    from lms.grading.queries import submission as grading_queries
    from lms.grading.scoring import MarkingInput
    from lms.submissions import operations as subs
    from lms.submissions.fields import PP38_CRITERIA

    app = create_app()
    fields = tomllib.loads((ROOT / "lms" / "demo_data" / "proposal.toml").read_text("utf-8"))
    self_check = {key: True for key, _label in PP38_CRITERIA}
    began = time.perf_counter()
    with app.app_context(), app.test_request_context():
        cohort = db.session.scalar(db.select(Cohort).filter_by(code=COHORT))
        markers = [db.session.scalar(db.select(User).filter_by(email=e)) for e in trainers]
        organizer = db.session.scalar(db.select(User).filter_by(email=ORGANIZER[0]))
        proposal = next(
            a for a in subs.ensure_cohort_assignments(cohort) if a.spec.kind == "proposal"
        )
        rubric = grading_queries.rubric_for(proposal)
        if rubric is None:
            raise SystemExit("the demo proposal has no rubric")
        gates = {gate["key"]: True for gate in rubric.gates or []}
        points = {c.key: max(float(level["points"]) for level in c.levels) for c in rubric.criteria}
        emails = [f"bench{i}@example.org" for i in range(first, last + 1)]
        people = sorted(
            db.session.scalars(db.select(User).where(User.email.in_(emails))).all(),
            key=lambda u: int(u.email.removeprefix("bench").split("@")[0]),
        )
        done = in_progress = released = 0
        for person in people:
            i = int(person.email.removeprefix("bench").split("@")[0]) - 1
            trainer = markers[i % len(markers)]
            work = subs.submission_for(proposal, person)
            subs.save_draft(work, fields)
            version = subs.submit(work, self_check=self_check, statement=True)
            db.session.add(
                Allocation(
                    assignment_id=proposal.id,
                    participant_id=person.id,
                    trainer_id=trainer.id,
                    slot=1,
                    created_by_id=organizer.id,
                )
            )
            db.session.flush()
            finished = i % 3 != 2
            data = MarkingInput(
                points=points, gates=gates, overall_comment="Sudah baik; perjelas anggaran."
            )
            grading.save_review(work, version, trainer, data, done=finished, lock_version=0)
            done, in_progress = done + finished, in_progress + (not finished)
            if finished and release_every and i % release_every == 0:
                grade = grading_queries.grade_of(version)
                if grade is not None:
                    released += grading.release([grade], organizer)[0]
            if i % 100 == 99:
                db.session.commit()
        db.session.commit()
        cohort_id = cohort.id
        db.engine.dispose()
    seconds = time.perf_counter() - began
    to = " and ".join(trainers)
    return cohort_id, (
        f"{len(people)} bench participants submitted the proposal, allocated to {to}: "
        f"{done} reviews done ({released} released), {in_progress} in progress "
        f"(seeded in {seconds:.0f} s)"
    )


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


#: gunicorn's command line: gunicorn.conf.py applies (gthread workers, 4 threads each) except
#: for the worker count and ``max_requests``: a worker restarted every ~2,000 requests (a
#: second or two of /healthz) would spend the run importing the app.
GUNICORN_ARGS = ["-w", str(WORKERS), "--max-requests", "0"]


def start_gunicorn(port: int, log: IO[bytes]) -> subprocess.Popen[bytes]:
    """``gunicorn -w 2 --max-requests 0`` in the repository, on ``port``."""
    return subprocess.Popen(
        [str(BIN / "gunicorn"), *GUNICORN_ARGS, "-b", f"{HOST}:{port}", "wsgi:app"],
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


@contextlib.contextmanager
def gunicorn(tmp: Path) -> Iterator[int]:
    """A running gunicorn for the block, logging to ``tmp``/gunicorn.log; yields its port."""
    port, log_path = free_port(), tmp / "gunicorn.log"
    with log_path.open("wb") as log:
        proc = start_gunicorn(port, log)
        try:
            wait_ready(proc, port, log_path)
            yield port
        finally:
            stop_gunicorn(proc)


# --- the client ------------------------------------------------------------------------------


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
                error = None if resp.status == 200 else f"HTTP {resp.status}"
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                error = type(exc).__name__
            if error is None:
                part.latencies.append(time.perf_counter() - start)
            else:
                part.fail(error)
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
        total.add(p)
    return total


def timed(port: int, path: str, headers: dict[str, str], name: str, runs: int = 3) -> Result:
    """One request at a time, ``runs`` times: how long a large export takes."""
    result = Result(name, 0.0)
    began = time.perf_counter()
    for _ in range(runs):
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        start = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            error = None if resp.status == 200 else f"HTTP {resp.status}"
        except (OSError, http.client.HTTPException) as exc:
            error = type(exc).__name__
        if error is None:
            result.latencies.append(time.perf_counter() - start)
        else:
            result.fail(error)
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
                error = None if resp.status == 200 else f"HTTP {resp.status}"
                if error is None and b"Presensi tercatat" not in body:
                    error = "not recorded"
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                error = type(exc).__name__
            if error is None:
                part.latencies.append(time.perf_counter() - start)
            else:
                part.fail(error)
        conn.close()

    workers = [threading.Thread(target=client, args=(p,)) for p in parts]
    began = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    total = Result("burst", time.perf_counter() - began)
    for p in parts:
        total.add(p)
    return total


#: Check-ins sent just before a measured burst, then taken away again. Every page's load has
#: its warm-up (a worker's first requests compile its statements and templates, time that is
#: not the page's), and so does the burst.
BURST_WARMUP = 64


def warm_burst(port: int, requests: list[tuple[str, dict[str, str]]]) -> None:
    """Send the first BURST_WARMUP of ``requests`` as a burst, then delete the check-ins it
    made, so that the measured burst finds the meeting as it was."""
    from lms import create_app
    from lms.attendance.models import AttendanceRecord, Meeting
    from lms.db import utcnow
    from lms.demo import PRACTICE_TITLE
    from lms.extensions import db

    began = utcnow()
    burst(port, requests[:BURST_WARMUP], BURST_CLIENTS)
    app = create_app()
    with app.app_context():
        meeting = db.session.scalar(db.select(Meeting).filter_by(title=PRACTICE_TITLE))
        db.session.execute(
            db.delete(AttendanceRecord).where(
                AttendanceRecord.meeting_id == meeting.id,
                AttendanceRecord.source == "checkin",
                AttendanceRecord.checked_in_dt >= began,
            )
        )
        db.session.commit()
        db.engine.dispose()


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
    """The plain table of bench/run.py and bench/grading.py: ratios to the first row."""
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


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    """A pipe table that reads as well in a terminal as in Markdown (columns padded);
    the columns in ``right`` are right-aligned."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = [
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(
        "-" * (w + 1) + ":" if i in right else "-" * (w + 2) for i, w in enumerate(widths)
    )
    return "\n".join([line(header), rule + "|", *(line(r) for r in rows)])
