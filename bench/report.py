"""The whole benchmark report: every scenario against /healthz, the targets, SQL per page.

    .venv/bin/python bench/report.py [--seconds 5] [--threads 8] [--rounds 5]
                                     [--skip-postgres] [--write-results]

For each database engine, SQLite then PostgreSQL (a fresh database made and dropped here;
skipped with a line saying why when the server cannot be reached), in a temp dir:

1. one database: ``flask lms init``, the course packs, ``flask lms demo``, then participants
   bench1..10 in the demo cohort KIT-2023-I, ten past meetings with a mark for everyone
   (plus the demo's open practice meeting), a submitted proposal for each bench participant,
   allocated in turn to widyaiswara@example.org and widyaiswara2@example.org and marked by
   them (two in three done, one in three in progress), one done grade in five released; and
   bench/iid.py's region 7400 with 12 innovations x 20 indicators reported for 2023;
2. SQL statements per request of each page, in process (Flask test client, SQLAlchemy
   ``before_cursor_execute``; each page asked once to warm up, then counted);
3. the same database grown to bench1..500 and 300 innovations (the same seeding for the new
   ones), and the counts again: a list page should cost as many queries at 500 as at 10;
4. ``gunicorn -w 2 --max-requests 0`` (else gunicorn.conf.py: gthread workers), logins
   through the form, and, from ``--threads`` client threads on the same machine,
   ``--seconds`` per page after a warm-up, in ``--rounds`` turns each after as long on
   /healthz (the baseline; a page's ratio is the median of its rounds'), the dashboard and a
   long lesson (peserta1), the grading queue (widyaiswara, ~250 rows), the grade book
   (panitia), the region's IID score page (its coordinator; 300 innovations x 20
   indicators); and a check-in burst (each bench participant checks in once, 32 clients at
   a time, after a warm-up burst of ``common.BURST_WARMUP`` check-ins deleted again);
5. in this process after gunicorn has stopped: the cohort's attendance workbook as its job
   makes it (520 participants x 11 meetings), against a bare openpyxl write-only dump of the
   same cells; 1,000 issued certificates in another cohort (bench/certificates.py's seeding,
   each one's PDF stored as issuing does) and the seconds of the merged PDF job and the ZIP
   job (``lms.certificates.jobs``), each in a process of its own, with their peak RSS
   (bench/certificates.py has 10,000 and the WeasyPrint peers).

Prints, per engine, one table of the scenarios with their targets (met or not) and one of
queries per page; ``--write-results`` also writes them to bench/RESULTS.md with the machine
and the date. A load average above 3 before the gunicorn scenarios is marked: such a run's
numbers are not final. Not a test (see bench/README.md).
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The in-process app would log every request it serves to stderr.
logging.getLogger("lms.request").setLevel(logging.WARNING)

import certificates as certificate_bench  # noqa: E402  (bench/certificates.py)
import common  # noqa: E402  (bench/common.py)
import iid as iid_bench  # noqa: E402  (bench/iid.py)
from common import LESSON_PATH, LOGIN, ORGANIZER, TRAINER, TRAINER2  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SMALL, LARGE = 10, 500
#: Innovations of the bench region (bench/iid.py) seeded with SMALL and LARGE participants.
IID_SMALL, IID_LARGE = 12, 300
IID_PAGE = f"/regions/{iid_bench.REGION}/iid/{iid_bench.YEAR}"
#: Shares of /healthz's requests/s (issue 17).
LIGHT_TARGET, LIST_TARGET, IID_TARGET = 0.40, 0.25, 0.20
#: The attendance workbook against a bare openpyxl write-only dump of the same cells.
WORKBOOK_TARGET = 1.5
WORKBOOK_RUNS = 7
MEETINGS = 10  # past meetings with a mark for everyone
CERTIFICATES = 1000
RELEASE_EVERY = 5


@dataclass
class Row:
    """One line of the scenario table."""

    scenario: str
    rate: float
    unit: str
    p50_ms: float
    p99_ms: float
    errors: int
    ratio: float | None
    target: str
    met: bool | None  # None: the baseline, no target
    detail: str = ""
    error_kinds: str = ""  # "35 HTTP 500, 2 TimeoutError"

    def cells(self) -> list[str]:
        ratio = "" if self.ratio is None else f"{self.ratio:.2f}"
        if self.met is None:
            verdict = ""
        else:
            verdict = "met" if self.met else "NOT met"
            if self.detail:
                verdict += f" ({self.detail})"
        return [
            self.scenario,
            f"{self.rate:.1f} {self.unit}",
            _ms(self.p50_ms),
            _ms(self.p99_ms),
            f"{self.errors} ({self.error_kinds})" if self.error_kinds else str(self.errors),
            ratio,
            self.target,
            verdict,
        ]


def _ms(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.0f}" if value >= 100 else f"{value:.1f}"


@dataclass
class EngineReport:
    engine: str
    version: str = ""
    lines: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    queries: list[tuple[str, str, str]] = field(default_factory=list)  # page, @10, @500
    skipped: str = ""

    def tables(self) -> list[str]:
        if self.skipped.startswith("FAILED"):
            return [f"## {self.engine}", "", self.skipped]
        if self.skipped:
            return [f"## {self.engine}", "", f"Skipped: {self.skipped}"]
        scenario_table = common.markdown_table(
            [
                "scenario",
                "throughput",
                "p50 ms",
                "p99 ms",
                "errors",
                "vs /healthz",
                "target",
                "result",
            ],
            [r.cells() for r in self.rows],
            right={1, 2, 3, 4, 5},
        )
        same_rows = [[page, a, b, "yes" if a == b else "NO"] for page, a, b in self.queries]
        query_table = common.markdown_table(
            ["page (SQL statements per request)", f"@{SMALL}", f"@{LARGE}", "same?"],
            same_rows,
            right={1, 2},
        )
        differing = sum(1 for *_p, same in same_rows if same != "yes")
        met = sum(1 for r in self.rows if r.met)
        targets = sum(1 for r in self.rows if r.met is not None)
        summary = (
            f"Targets met: {met} of {targets} scenarios; queries the same at {SMALL} and "
            f"{LARGE} participants: "
            + ("met" if not differing else f"NOT met ({differing} differ)")
        )
        return [
            *self.lines,
            "",
            scenario_table,
            "",
            query_table,
            "",
            summary,
        ]


# --- pages ------------------------------------------------------------------------------------

#: (page, who asks, path): {c} is the demo cohort's id, {a} its proposal assignment's.
PAGES = [
    ("dashboard (peserta1)", LOGIN[0], "/dashboard"),
    ("lesson page (peserta1)", LOGIN[0], LESSON_PATH),
    ("grading queue (widyaiswara)", TRAINER[0], "/cohorts/{c}/grading/queue"),
    ("grading overview (panitia)", ORGANIZER[0], "/cohorts/{c}/grading"),
    ("grade book (panitia)", ORGANIZER[0], "/cohorts/{c}/grading/gradebook"),
    ("grade book XLSX (panitia)", ORGANIZER[0], "/cohorts/{c}/grading/gradebook.xlsx"),
    ("attendance report (panitia)", ORGANIZER[0], "/cohorts/{c}/attendance"),
    ("attendance XLSX (panitia)", ORGANIZER[0], "/cohorts/{c}/attendance.xlsx"),
    ("certificate eligibility (panitia)", ORGANIZER[0], "/cohorts/{c}/certificates/eligibility"),
    ("submissions list (panitia)", ORGANIZER[0], "/cohorts/{c}/assignments/{a}/submissions"),
    (
        f"IID score page (koordinator; {IID_SMALL} / {IID_LARGE} innovations)",
        iid_bench.COORDINATOR[0],
        IID_PAGE,
    ),
]


def ids() -> tuple[int, int]:
    """(demo cohort id, its proposal assignment id)."""
    from lms import create_app
    from lms.catalog.models import AssignmentSpec
    from lms.cohorts.models import Cohort
    from lms.extensions import db
    from lms.submissions.models import CohortAssignment

    app = create_app()
    with app.app_context():
        cohort = db.session.scalar(db.select(Cohort).filter_by(code=common.COHORT))
        assignment = db.session.scalar(
            db.select(CohortAssignment.id)
            .join(AssignmentSpec, AssignmentSpec.id == CohortAssignment.spec_id)
            .where(CohortAssignment.cohort_id == cohort.id, AssignmentSpec.kind == "proposal")
        )
        cohort_id = cohort.id
        db.engine.dispose()
    return cohort_id, assignment


def count_queries() -> dict[str, str]:
    """SQL statements of one GET of each page (after one warm-up GET), in process; a page
    that does not answer 200 shows its status instead."""
    import sqlalchemy as sa

    from lms import create_app
    from lms.accounts.models import User
    from lms.extensions import db

    cohort_id, assignment_id = ids()
    app = create_app()
    # The exports themselves at both sizes: at 500 the attendance workbook would otherwise
    # answer with the job page (more than LMS_JOB_EXPORT_ROWS rows), another page's queries.
    app.config["LMS_JOB_EXPORT_ROWS"] = 10**9
    with app.app_context():
        engine = db.engine
        users = {
            email: db.session.scalar(db.select(User.id).filter_by(email=email))
            for _page, email, _path in PAGES
        }
        db.session.remove()
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    # No app context is held around the requests: each request gets its own, so nothing
    # (identity map, the loaded user) carries over from the warm-up to the counted request.
    client = app.test_client()
    counts: dict[str, str] = {}
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        for page, email, path in PAGES:
            url = path.format(c=cohort_id, a=assignment_id)
            with client.session_transaction() as session:
                session.clear()
                session["_user_id"], session["_fresh"] = str(users[email]), True
            client.get(url).get_data()
            statements.clear()
            response = client.get(url)
            response.get_data()  # a streamed export runs its queries while it is read
            status = response.status_code
            counts[page] = str(len(statements)) if status == 200 else f"HTTP {status}"
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
        engine.dispose()
    return counts


# --- one engine ---------------------------------------------------------------------------------


def seed(first: int, last: int, innovations: tuple[int, int]) -> float:
    """bench<first>..<last> in the cohort, with marks, a proposal and a marking each, and
    the bench region's innovations ``innovations`` (first, last; bench/iid.py); returns the
    seconds it took."""
    began = time.perf_counter()
    common.add_participants(first, last)
    common.mark_everyone(MEETINGS + 1)
    common.seed_grading(
        first, last, trainers=(TRAINER[0], TRAINER2[0]), release_every=RELEASE_EVERY
    )
    iid_bench.seed(*innovations)
    common.analyze()
    return time.perf_counter() - began


def describe() -> str:
    """What the demo cohort holds, counted in the database."""
    import sqlalchemy as sa

    from lms import create_app
    from lms.accounts.models import User
    from lms.attendance.models import AttendanceRecord, Meeting
    from lms.cohorts.models import Membership
    from lms.extensions import db
    from lms.grading.models import Allocation, Grade, Review
    from lms.submissions.models import Submission

    cohort_id, assignment_id = ids()
    app = create_app()
    with app.app_context():

        def count(query) -> int:
            return db.session.scalar(query) or 0

        people = count(
            sa.select(sa.func.count())
            .select_from(Membership)
            .filter_by(cohort_id=cohort_id, role="participant")
        )
        meetings = count(
            sa.select(sa.func.count()).select_from(Meeting).filter_by(cohort_id=cohort_id)
        )
        marks = count(
            sa.select(sa.func.count())
            .select_from(AttendanceRecord)
            .join(Meeting, Meeting.id == AttendanceRecord.meeting_id)
            .where(Meeting.cohort_id == cohort_id)
        )
        submitted = count(
            sa.select(sa.func.count())
            .select_from(Submission)
            .where(Submission.assignment_id == assignment_id, Submission.latest_number > 0)
        )
        queues = db.session.execute(
            sa.select(User.email, sa.func.count())
            .join(Allocation, Allocation.trainer_id == User.id)
            .where(Allocation.assignment_id == assignment_id)
            .group_by(User.email)
            .order_by(User.email)
        ).all()
        reviews = dict(
            db.session.execute(
                sa.select(Review.state, sa.func.count())
                .join(Submission, Submission.id == Review.submission_id)
                .where(Submission.assignment_id == assignment_id)
                .group_by(Review.state)
            ).all()
        )
        released = count(
            sa.select(sa.func.count())
            .select_from(Grade)
            .join(Submission, Submission.id == Grade.submission_id)
            .where(Submission.assignment_id == assignment_id, Grade.released_dt.is_not(None))
        )
        db.engine.dispose()
    queue_text = ", ".join(f"{email} {n}" for email, n in queues)
    review_text = ", ".join(f"{n} {state}" for state, n in sorted(reviews.items()))
    return (
        f"{people} participants in {common.COHORT} (20 demo + bench1..{LARGE}); {meetings} "
        f"meetings ({MEETINGS} past, 1 open for the check-in burst), {marks} attendance marks; "
        f"{submitted} proposals submitted; queues: {queue_text}; reviews: {review_text}; "
        f"{released} grades released; region {iid_bench.REGION}: {IID_LARGE} innovations x 20 "
        f"indicators reported for {iid_bench.YEAR}"
    )


def measure_load(port: int, cohort_id: int, args: argparse.Namespace) -> list[Row]:
    """The scenarios against gunicorn: the table's rows without the in-process ones."""
    participant = {"Cookie": common.login(port, LOGIN)}
    trainer = {"Cookie": common.login(port, TRAINER)}
    organizer = {"Cookie": common.login(port, ORGANIZER)}
    coordinator = {"Cookie": common.login(port, iid_bench.COORDINATOR)}
    grading = f"/cohorts/{cohort_id}/grading"
    pages = [
        ("dashboard (peserta1)", "/dashboard", participant, LIGHT_TARGET),
        ("lesson page (peserta1)", LESSON_PATH, participant, LIGHT_TARGET),
        ("grading queue (widyaiswara)", f"{grading}/queue", trainer, LIST_TARGET),
        ("grade book (panitia)", f"{grading}/gradebook", organizer, LIST_TARGET),
        (f"IID score page ({IID_LARGE} x 20)", IID_PAGE, coordinator, IID_TARGET),
    ]
    rows: list[Row] = []
    # /healthz runs in turns with each page (one round: /healthz, then the page, for
    # --seconds / --rounds each), and a page's ratio is the median of its rounds' ratios:
    # on a shared machine the speed drifts within a run, and a baseline measured once, at
    # the start, would carry that drift into every ratio.
    each = args.seconds / args.rounds
    base = common.Result("/healthz", 0.0)
    common.load(port, "/healthz", {}, args.threads, common.WARMUP_SECONDS)
    for name, path, headers, share in pages:
        # The score page's warm-up is long enough for each worker to analyse the region once.
        warmup = iid_bench.WARMUP_SECONDS if path == IID_PAGE else common.WARMUP_SECONDS
        common.load(port, path, headers, args.threads, warmup)
        result, ratios = common.Result(path, 0.0), []
        for _ in range(args.rounds):
            baseline = common.load(port, "/healthz", {}, args.threads, each)
            part = common.load(port, path, headers, args.threads, each)
            ratios.append(part.rps / baseline.rps)
            for total, one in ((base, baseline), (result, part)):
                total.add(one)
                total.seconds += one.seconds
        ratio = statistics.median(ratios)
        rows.append(
            _row(
                name,
                result,
                "req/s",
                ratio,
                f">= {share:.0%} of /healthz",
                ratio >= share and not result.errors,
                f"rounds {min(ratios):.2f}-{max(ratios):.2f}",
            )
        )
    rows.insert(0, _row("/healthz", base, "req/s", 1.0, "baseline", None))
    checkins = common.checkin_requests(LARGE)
    common.warm_burst(port, checkins)
    crowd = common.burst(port, checkins, common.BURST_CLIENTS)
    count = len(crowd.latencies) + crowd.errors
    rows.append(
        _row(
            f"check-in burst ({count}, {common.BURST_CLIENTS} clients)",
            crowd,
            "check-ins/s",
            crowd.rps / base.rps,
            "0 errors, p99 < 250 ms",
            count == LARGE and not crowd.errors and crowd.percentile_ms(99) < 250,
        )
    )
    return rows


def measure_workbook() -> tuple[Row, str]:
    """The attendance workbook of the demo cohort as its job makes it (``cohort_report`` and
    ``attendance_workbook``, in process), against a bare openpyxl write-only dump of the same
    cells: the values the export appends, recorded on a first run, written with no styles,
    widths or checks. The medians of ``WORKBOOK_RUNS`` alternating runs of each, CPU time;
    the ratio is the median of each pair's."""
    import io
    import statistics

    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from lms import create_app
    from lms.attendance import exports, queries
    from lms.cohorts.models import Cohort
    from lms.extensions import db

    app = create_app()
    with app.app_context(), app.test_request_context():
        cohort = db.session.scalar(db.select(Cohort).filter_by(code=common.COHORT))

        def ours() -> bytes:
            return exports.attendance_workbook(queries.cohort_report(cohort))

        sheets: list[tuple[str, list[list[object]]]] = []
        create_sheet, append = Workbook.create_sheet, WriteOnlyWorksheet.append

        def recording_create(book, title=None, index=None):
            sheet = create_sheet(book, title, index)
            sheets.append((sheet.title, []))
            return sheet

        def recording_append(sheet, row):
            sheets[-1][1].append([v.value if isinstance(v, Cell) else v for v in row])
            return append(sheet, row)

        Workbook.create_sheet, WriteOnlyWorksheet.append = recording_create, recording_append
        try:
            ours()
        finally:
            Workbook.create_sheet, WriteOnlyWorksheet.append = create_sheet, append

        def bare() -> bytes:
            book = Workbook(write_only=True)
            for title, rows in sheets:
                sheet = book.create_sheet(title)
                for row in rows:
                    sheet.append(row)
            buffer = io.BytesIO()
            book.save(buffer)
            return buffer.getvalue()

        times: dict[str, list[float]] = {"ours": [], "bare": []}
        for _ in range(WORKBOOK_RUNS):
            for name, make in (("ours", ours), ("bare", bare)):
                began = time.process_time()
                make()
                times[name].append(time.process_time() - began)
        db.engine.dispose()
    mine, peer = (statistics.median(times[k]) for k in ("ours", "bare"))
    cells = sum(len(row) for _title, rows in sheets for row in rows)
    # Each run against the peer's run next to it: this machine's speed drifts between runs.
    ratio = statistics.median(a / b for a, b in zip(times["ours"], times["bare"], strict=True))
    result = common.Result("workbook", mine * WORKBOOK_RUNS, [mine] * WORKBOOK_RUNS)
    row = _row(
        f"attendance workbook ({LARGE + 20} x {MEETINGS + 1}, in process)",
        result,
        "workbooks/s",
        None,
        f"<= {WORKBOOK_TARGET:g} x bare openpyxl",
        ratio <= WORKBOOK_TARGET,
        f"{ratio:.2f} x: {mine:.2f} s vs {peer:.2f} s",
    )
    return row, (
        f"attendance workbook: {len(sheets)} sheets, {cells} cells; the job's work (loading "
        f"included) against a bare openpyxl write-only dump of the same values, median CPU "
        f"seconds of {WORKBOOK_RUNS} alternating runs each, and the median of each pair's "
        "ratio (the HTTP GET of this workbook answers the job "
        "page: it has more than LMS_JOB_EXPORT_ROWS rows)"
    )


def _row(
    name: str,
    result: common.Result,
    unit: str,
    ratio: float | None,
    target: str,
    met: bool | None,
    detail: str = "",
) -> Row:
    return Row(
        name,
        result.rps,
        unit,
        result.percentile_ms(50),
        result.percentile_ms(99),
        result.errors,
        ratio,
        target,
        met,
        detail,
        ", ".join(f"{n} {kind}" for kind, n in result.error_kinds.most_common()),
    )


def measure_certificates() -> tuple[Row, str]:
    cohort_id, data = certificate_bench.seed(CERTIFICATES)
    try:
        count, seconds, size, peak = certificate_bench.time_batch(cohort_id)
        errors = 0 if count == CERTIFICATES else abs(CERTIFICATES - count)
    except Exception as exc:  # a broken renderer is a result too, not the end of the report
        print(f"certificates failed: {exc!r}", file=sys.stderr)
        count, seconds, size, peak = 0, float("nan"), 0, float("nan")
        errors, failure = 1, type(exc).__name__
    else:
        failure = ""
    row = Row(
        f"certificates ({CERTIFICATES}: PDF + ZIP jobs)",
        count / seconds if seconds else float("nan"),
        "certs/s",
        float("nan"),
        float("nan"),
        errors,
        None,
        "< 10 s",
        seconds < 10 and not errors,
        f"{seconds:.1f} s, peak {peak:.0f} MB",
        failure,
    )
    return row, (
        f"certificates: {data}; the merged PDF and ZIP jobs each in a process of its own "
        f"(peak RSS {peak:.0f} MB); both files {size / 1e6:.0f} MB"
    )


def run_engine(engine: str, database_url: str | None, args: argparse.Namespace) -> EngineReport:
    report = EngineReport(engine)
    say = _say(engine)
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        common.bench_environment(tmp, database_url)
        report.version = common.engine_version(os.environ["LMS_DATABASE_URL"])
        say(f"{report.version}: schema, course packs, demo data")
        schema = common.prepare_schema()
        say(f"seeding {SMALL} participants")
        seconds = seed(1, SMALL, (1, IID_SMALL))
        say("counting queries")
        small = count_queries()
        say(f"seeding up to {LARGE} participants")
        seconds += seed(SMALL + 1, LARGE, (IID_SMALL + 1, IID_LARGE))
        say("counting queries")
        large = count_queries()
        data = f"{describe()} (seeded in {seconds:.0f} s)"
        report.queries = [(page, small[page], large[page]) for page, _e, _p in PAGES]
        cohort_id, _assignment = ids()
        say(f"gunicorn: {args.seconds:g} s per scenario, {args.threads} client threads")
        load_before = settled_load()
        with common.gunicorn(tmp) as port:
            report.rows = measure_load(port, cohort_id, args)
        load_after = load_average()
        say("attendance workbook against bare openpyxl")
        workbook_row, workbook_data = measure_workbook()
        report.rows.append(workbook_row)
        say(f"{CERTIFICATES} certificates")
        certificate_row, certificate_data = measure_certificates()
        report.rows.append(certificate_row)
    report.lines = [
        f"## {engine}",
        "",
        f"- database: {report.version}; schema via {schema}",
        f"- data: {data}",
        f"- {certificate_data}",
        f"- {workbook_data}",
        f"- server: gunicorn {' '.join(common.GUNICORN_ARGS)} (gthread, gunicorn.conf.py); client: "
        f"{args.threads} threads on the same machine, {args.seconds:g} s per page in "
        f"{args.rounds} rounds, each after as long on /healthz, after "
        f"{common.WARMUP_SECONDS:g} s warm-up ({iid_bench.WARMUP_SECONDS:g} s for the IID score "
        "page, so that each worker analyses the region once); the check-in burst after "
        f"{common.BURST_WARMUP} check-ins deleted again; workbook and certificates: in "
        "process, after gunicorn has stopped",
        f"- load average (1 min) before and after the gunicorn scenarios: {load_before} and "
        f"{load_after}" + _load_note(load_before),
    ]
    if database_url is None:
        report.lines.append("- queries: SQLite's count includes the `BEGIN` of each request")
    return report


busy_note = " (above 1.5 before, even after waiting: something else was busy)"
#: Above this load average (1 min) a run's numbers are not final (issue 17): rerun.
FINAL_LOAD = 3.0


def _load_note(before: object) -> str:
    # Only the load before is judged: after the scenarios it is mostly their own client
    # threads and workers, on a quiet machine as on a busy one.
    if _load(before) > FINAL_LOAD:
        return f" (above {FINAL_LOAD:g} before: the machine was busy, not a final number; rerun)"
    return busy_note if _busy(before) else ""


def _load(value: object) -> float:
    try:
        return float(str(value))
    except ValueError:
        return 0.0


def _busy(load: object) -> bool:
    return _load(load) > SETTLED_LOAD


#: How long the report waits for the machine to calm down before the gunicorn scenarios.
SETTLE_SECONDS, SETTLED_LOAD = 90, 1.5


def settled_load() -> str:
    """The load average once it is below SETTLED_LOAD, or after SETTLE_SECONDS: the 1-minute
    average still carries the seeding and the other engine's run for a minute or so."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while _load(load_average()) > SETTLED_LOAD and time.monotonic() < deadline:
        time.sleep(5)
    return load_average()


def load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def _say(engine: str) -> Callable[[str], None]:
    began = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{engine} {time.perf_counter() - began:5.0f} s] {message}", file=sys.stderr)

    return say


# --- the report -------------------------------------------------------------------------------


def document(reports: list[EngineReport], args: argparse.Namespace, seconds: float) -> str:
    cpus, python = common.machine_lines()
    command = "bench/report.py " + " ".join(
        [f"--seconds {args.seconds:g}", f"--threads {args.threads}", f"--rounds {args.rounds}"]
        + (["--skip-postgres"] if args.skip_postgres else [])
    )
    head = [
        "# Benchmark results",
        "",
        f"Written by `.venv/bin/python {command} --write-results` (`make bench`): rerun it "
        "and compare. The script, its scenarios and its targets: bench/README.md.",
        "",
        f"- date: {common.now_text()} (the run took {seconds / 60:.1f} min)",
        f"- machine: {cpus}; {python}",
        f"- noise: a shared machine with {len(os.sched_getaffinity(0))} cores, and the client "
        "threads, gunicorn's workers and the database all run on them, so absolute numbers "
        "move from run to run by 10-20 % or more (see the load average under each engine); "
        "the ratio to /healthz, measured in the same run, is what to compare. Query counts "
        "are exact.",
        "- columns: throughput is requests (or check-ins, or certificates) per second; p50/p99 "
        "latency of single requests; errors: anything but a 200 (and, for check-ins, a page "
        "without 'Presensi tercatat'); vs /healthz: the median, over the rounds, of the page's "
        "throughput over /healthz's in the turn just before it (the range of the rounds' "
        "ratios is in the result column); /healthz's row sums all its turns.",
    ]
    body: list[str] = []
    for report in reports:
        body += ["", *report.tables()]
    return "\n".join(head + body) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per page (default 5)")
    parser.add_argument("--threads", type=int, default=8, help="client threads (default 8)")
    parser.add_argument(
        "--rounds", type=int, default=5, help="turns of /healthz and each page (default 5)"
    )
    parser.add_argument("--skip-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--write-results", action="store_true", help="also write the report to bench/RESULTS.md"
    )
    args = parser.parse_args(argv)

    began = time.perf_counter()
    reports = [attempt("SQLite", None, args)]
    if args.skip_postgres:
        reports.append(EngineReport("PostgreSQL", skipped="--skip-postgres"))
    elif reason := common.postgres_unreachable():
        print(f"PostgreSQL: skipped: {reason}", file=sys.stderr)
        reports.append(EngineReport("PostgreSQL", skipped=reason))
    else:
        with common.postgres_database() as url:
            reports.append(attempt("PostgreSQL", url, args))
    text = document(reports, args, time.perf_counter() - began)
    print(text)
    if args.write_results:
        RESULTS.write_text(text + kept_findings(), encoding="utf-8")
        print(f"written to {RESULTS}", file=sys.stderr)
    return 1 if any(r.skipped.startswith("FAILED") for r in reports) else 0


#: RESULTS.md's own section, written by hand (where the time went, what changed): kept, from
#: this heading to the end, when the tables above it are written again.
FINDINGS_HEADING = "## Profile findings"


def kept_findings() -> str:
    try:
        old = RESULTS.read_text(encoding="utf-8")
    except OSError:
        return ""
    at = old.find("\n" + FINDINGS_HEADING)
    return "" if at < 0 else old[at:]


def attempt(engine: str, database_url: str | None, args: argparse.Namespace) -> EngineReport:
    """``run_engine``; a failure (a seeding step or a page that breaks) is reported in its
    place, so that the other engine still runs."""
    try:
        return run_engine(engine, database_url, args)
    except (Exception, SystemExit) as exc:
        traceback.print_exc()
        first = (str(exc).strip() or type(exc).__name__).splitlines()[0]
        return EngineReport(engine, skipped=f"FAILED: {first} (traceback on stderr)")


if __name__ == "__main__":
    sys.exit(main())
