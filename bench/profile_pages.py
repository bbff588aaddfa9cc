"""Where a page's time goes: each bench page profiled in process with pyinstrument.

    .venv/bin/python bench/profile_pages.py [--requests 200] [--keep DIR] [--postgres]
                                      [--pages dashboard,lesson,...] [--tree]

The data of bench/report.py (the demo, 500 bench participants with marks, proposals and
markings) and of bench/iid.py (region 7400 with 300 innovations x 20 indicators), in a temp
dir (or ``--keep DIR``: made once, reused by the next run with the same DIR). Then, for each
page, with the Flask test client and a signed-in session: ``--requests`` GETs timed without a
profiler (requests/s in process, and the ratio to /healthz measured the same way), then the
same GETs under pyinstrument, summarised as the share of time per library (self time by the
package that holds the code) and the functions with the most self time; ``--tree`` also
prints pyinstrument's call tree. In process there is no HTTP, no gunicorn and no client, so
the ratios are lower bounds of the work per request, not the bench's numbers. Not a test.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

logging.getLogger("lms.request").setLevel(logging.WARNING)

import common  # noqa: E402  (bench/common.py)
from common import LESSON_PATH, LOGIN, ORGANIZER, TRAINER  # noqa: E402

#: (name, who, path): {c} the demo cohort's id, {r} the IID region's code.
PAGES = [
    ("healthz", None, "/healthz"),
    ("dashboard", LOGIN[0], "/dashboard"),
    ("lesson", LOGIN[0], LESSON_PATH),
    ("queue", TRAINER[0], "/cohorts/{c}/grading/queue"),
    ("gradebook", ORGANIZER[0], "/cohorts/{c}/grading/gradebook"),
    ("iid", "koordinator.bench@example.org", "/regions/{r}/iid/2023"),
    ("xlsx", ORGANIZER[0], "/cohorts/{c}/attendance.xlsx"),
    # Each bench participant checks in once (the practice meeting's marks are taken away
    # before each round): the real path, not the "already recorded" one.
    ("checkin", None, "checkin"),
]


def _clear_checkins(app) -> None:
    from lms.attendance.models import AttendanceRecord, Meeting
    from lms.demo import PRACTICE_TITLE
    from lms.extensions import db

    with app.app_context():
        meeting = db.session.scalar(db.select(Meeting).filter_by(title=PRACTICE_TITLE))
        db.session.execute(db.delete(AttendanceRecord).filter_by(meeting_id=meeting.id))
        db.session.commit()


def _checkins(client, requests: list[tuple[str, dict[str, str]]]) -> None:
    """One check-in of each request's participant."""
    for path, headers in requests:
        response = client.get(path, headers=headers)
        assert b"Presensi tercatat" in response.get_data(), response.status_code


def prepare(tmp: Path, database_url: str | None) -> None:
    import report  # bench/report.py

    marker = tmp / "seeded"
    common.bench_environment(tmp, database_url)
    if database_url is None and marker.exists():
        os.environ["LMS_SECRET_KEY"] = marker.read_text().strip()
        return
    began = time.perf_counter()
    common.prepare_schema()
    report.seed(1, report.LARGE, (1, report.IID_LARGE))  # the bench region too
    marker.write_text(os.environ["LMS_SECRET_KEY"])
    print(f"seeded in {time.perf_counter() - began:.0f} s", file=sys.stderr)


def postgres_cpu() -> dict[int, float]:
    """CPU seconds used so far by each of this machine's PostgreSQL processes."""
    tick, used = os.sysconf("SC_CLK_TCK"), {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone meanwhile
            continue
        name, _sep, rest = text.partition(") ")
        if name.endswith("(postgres"):
            fields = rest.split()
            used[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / tick
    return used


def postgres_since(before: dict[int, float]) -> float:
    """PostgreSQL's CPU seconds since ``before`` (:func:`postgres_cpu`): the server's share of
    a page, which the app's own CPU time leaves out (0 without PostgreSQL)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in postgres_cpu().items())


def package_of(path: str) -> str:
    """The library a file belongs to: ``sqlalchemy``, ``jinja2``, ``lms.core``, templates..."""
    if not path:
        return "?"
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/templates/" in path or path.endswith(".html"):
        return "templates (compiled Jinja)"
    if "/lms/" in path:
        parts = path.split("/lms/", 1)[1].split("/")
        return "lms." + (parts[0].removesuffix(".py") if len(parts) > 1 else parts[0][:-3])
    if "/lib/python3" in path:
        return "stdlib:" + path.rsplit("/", 1)[-1].removesuffix(".py")
    return path.rsplit("/", 1)[-1]


#: Functions whose inclusive time is shown (the outermost call of each counts once).
MARKERS = {
    "render_template": "render_template (templates, url_for, filters)",
    "bell_count": "the bell's COUNT (bell_count)",
    "_load_user": "Flask-Login user load (_load_user)",
    "template_context": "context processor (template_context)",
    "get_locale": "Babel locale selection (get_locale)",
    "generate_csrf": "CSRF token (generate_csrf)",
    "cohort_and_membership": "cohort_role (cohort_and_membership)",
    "set_security_headers": "security headers",
    "_log_request": "observability log line",
    "open_session": "session cookie: open",
    "save_session": "session cookie: save",
    "execute": "SQLAlchemy execute (statements, rows)",
    "do_execute": "  of which the DB-API cursor.execute",
    "dispatch_request": "the view (dispatch_request)",
    "full_dispatch_request": "Flask request (full_dispatch_request)",
}


def summarise(session, top: int = 14) -> list[str]:
    """Self time per package and per function of a pyinstrument session, and the inclusive
    time of the per-page suspects (MARKERS)."""
    by_package: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    root = session.root_frame()
    total = root.time if root else 0.0

    def walk(frame, active: frozenset[str]) -> None:
        if frame.identifier == "[self]" and frame.parent is not None:
            parent = frame.parent
            package = package_of(parent.file_path or "")
            by_package[package] += frame.time
            by_function[f"{parent.function} ({package}:{parent.line_no})"] += frame.time
            return
        name = frame.function
        if name in MARKERS and name not in active:
            inclusive[name] += frame.time
            active = active | {name}
        for child in frame.children:
            walk(child, active)

    if root is not None:
        walk(root, frozenset())
    lines = ["  inclusive time of the usual suspects:"]
    for name, label in MARKERS.items():
        if inclusive[name]:
            lines.append(f"    {inclusive[name] / total:6.1%}  {label}")
    lines.append("  self time by package:")
    for name, seconds in by_package.most_common(top):
        lines.append(f"    {seconds / total:6.1%}  {name}")
    lines.append("  self time by function:")
    for name, seconds in by_function.most_common(top):
        lines.append(f"    {seconds / total:6.1%}  {name}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="per page (default 200)")
    parser.add_argument("--keep", help="a folder for the database, reused when seeded")
    parser.add_argument("--postgres", action="store_true", help="a fresh PostgreSQL database")
    parser.add_argument("--pages", help="comma-separated names (default: all)")
    parser.add_argument("--tree", action="store_true", help="also print the call trees")
    parser.add_argument(
        "--http", type=float, metavar="SECONDS", help="instead: gunicorn, SECONDS per page"
    )
    parser.add_argument("--threads", type=int, default=8, help="--http client threads")
    args = parser.parse_args(argv)
    from pyinstrument import Profiler

    wanted = set(args.pages.split(",")) if args.pages else None
    with (
        tempfile.TemporaryDirectory(prefix="lms-profile-") as tmp_dir,
        common.postgres_database() if args.postgres else _none() as url,
    ):
        tmp = Path(args.keep or tmp_dir)
        tmp.mkdir(parents=True, exist_ok=True)
        prepare(tmp, url)
        if args.http:
            return http(tmp, args, wanted)
        os.environ.setdefault("LMS_IID_CACHE_SECONDS", "300")
        import report

        from lms import create_app
        from lms.accounts.models import User
        from lms.extensions import db
        from lms.iid.models import Evidence  # noqa: F401  (the region's tables)

        cohort_id, _a = report.ids()
        app = create_app()
        with app.app_context():
            users = {
                email: db.session.scalar(db.select(User.id).filter_by(email=email))
                for _n, email, _p in PAGES
                if email
            }
            db.session.remove()
        client = app.test_client()
        base = None
        print(f"load average: {os.getloadavg()[0]:.1f}; {args.requests} requests per page")
        for name, email, path in PAGES:
            if wanted and name not in wanted and name != "healthz":
                continue
            if name == "checkin":
                checkin_page(app, base, min(args.requests, 240), args.tree)
                continue
            url_path = path.format(c=cohort_id, r="7400")
            with client.session_transaction() as session:
                session.clear()
                if email:
                    session["_user_id"], session["_fresh"] = str(users[email]), True
            count = max(3, args.requests // 20) if name == "xlsx" else args.requests
            for _ in range(5 if name != "xlsx" else 1):
                response = client.get(url_path)
                response.get_data()
                assert response.status_code == 200, (name, response.status_code)
            began, cpu, server = time.perf_counter(), time.process_time(), postgres_cpu()
            for _ in range(count):
                client.get(url_path).get_data()
            wall = (time.perf_counter() - began) / count
            rate = count / (time.process_time() - cpu)  # CPU time: steadier on a busy machine
            server = postgres_since(server) / count
            base = base or rate
            profiler = Profiler(interval=0.0002)
            profiler.start()
            for _ in range(count):
                client.get(url_path).get_data()
            profiler.stop()
            print(
                f"\n== {name} {url_path}: {1000 / rate:.2f} ms CPU per request ({rate:.0f} "
                f"req/s of one core, {rate / base:.2f} of /healthz; wall {1000 * wall:.2f} ms; "
                f"PostgreSQL's processes {1000 * server:.2f} ms)"
            )
            print("\n".join(summarise(profiler.last_session)))
            if args.tree:
                every = os.environ.get("PROFILE_ALL") == "1"  # no frames hidden
                print(profiler.output_text(unicode=True, color=False, show_all=every))
        with app.app_context():
            db.engine.dispose()
    return 0


def checkin_page(app, base: float, count: int, tree: bool) -> None:
    from pyinstrument import Profiler

    client = app.test_client(use_cookies=False)
    requests = common.checkin_requests(count)  # signed session cookies, made beforehand
    _clear_checkins(app)
    _checkins(client, requests[:5])  # warm-up
    _clear_checkins(app)
    cpu, server = time.process_time(), postgres_cpu()
    _checkins(client, requests)
    rate = count / (time.process_time() - cpu)
    server = postgres_since(server) / count
    _clear_checkins(app)
    profiler = Profiler(interval=0.0002)
    profiler.start()
    _checkins(client, requests)
    profiler.stop()
    _clear_checkins(app)
    print(
        f"\n== checkin (each a new participant): {1000 / rate:.2f} ms CPU per check-in "
        f"({rate:.0f} of one core, {rate / base:.2f} of /healthz; PostgreSQL's processes "
        f"{1000 * server:.2f} ms)"
    )
    print("\n".join(summarise(profiler.last_session)))
    if tree:
        print(profiler.output_text(unicode=True, color=False))


def http(tmp: Path, args: argparse.Namespace, wanted: set[str] | None) -> int:
    """The pages against gunicorn (bench/report.py's way, shorter), and a check-in burst
    after the practice meeting's marks are taken away again."""
    import iid
    import report

    from lms import create_app
    from lms.attendance.models import AttendanceRecord, Meeting
    from lms.demo import PRACTICE_TITLE
    from lms.extensions import db

    cohort_id, _a = report.ids()
    app = create_app()
    with app.app_context():
        meeting = db.session.scalar(db.select(Meeting).filter_by(title=PRACTICE_TITLE))
        db.session.execute(db.delete(AttendanceRecord).filter_by(meeting_id=meeting.id))
        db.session.commit()
        db.engine.dispose()
    who = {
        LOGIN[0]: LOGIN,
        TRAINER[0]: TRAINER,
        ORGANIZER[0]: ORGANIZER,
        iid.COORDINATOR[0]: iid.COORDINATOR,
    }
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    with common.gunicorn(tmp) as port:
        cookies = {email: {"Cookie": common.login(port, account)} for email, account in who.items()}
        base = None
        for name, email, path in PAGES:
            if name in ("xlsx", "checkin") or (wanted and name not in wanted and name != "healthz"):
                continue
            url_path = path.format(c=cohort_id, r=iid.REGION)
            headers = cookies[email] if email else {}
            common.load(port, url_path, headers, args.threads, 1.0)
            result = common.load(port, url_path, headers, args.threads, args.http)
            base = base or result.rps
            print(
                f"{name:<10} {result.rps:8.1f} req/s  p50 {result.percentile_ms(50):6.1f}  "
                f"p99 {result.percentile_ms(99):6.1f}  errors {result.errors}  "
                f"{result.rps / base:.2f}"
            )
        if not wanted or "checkin" in wanted:
            checkins = common.checkin_requests(500)
            common.warm_burst(port, checkins)
            crowd = common.burst(port, checkins, common.BURST_CLIENTS)
            print(
                f"checkin    {crowd.rps:8.1f} /s     p50 {crowd.percentile_ms(50):6.1f}  "
                f"p99 {crowd.percentile_ms(99):6.1f}  errors {crowd.errors} "
                f"{dict(crowd.error_kinds)}"
            )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


class _none:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    sys.exit(main())
