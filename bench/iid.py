"""Requests/s of the IID score page of a region with 300 innovations x 20 indicators, against
/healthz, in one run; and the SQL statements of that page at 12 and at 300 innovations.

    .venv/bin/python bench/iid.py [--seconds 5] [--threads 8] [--innovations 300]

The same set-up as bench/run.py (helpers in bench/common.py): a temp dir with a fresh SQLite
database and the demo data. Then a bench region (code 7400) with ten offices and a coordinator
is seeded: 12 innovations reported for 2023 with a claimed and a verified level for each of
their 20 indicators (a third verified one level lower, with a note) and the region's own rows;
the statements of one score page are counted in process, with the analysis cache off (every
row read) and on; the region grows to ``--innovations`` and they are counted again. Then
gunicorn serves: /healthz (the baseline), the score page as a coordinator sees it (cached
analysis: the normal case), the coordinator's dashboard as a light page to compare with, the
same page with ``LMS_IID_CACHE_SECONDS=0`` in a second
gunicorn (every request reads and scores all rows), and the year's XLSX three times, one
request at a time. Target: the cached score page at least 20 % of /healthz. Not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common as base  # noqa: E402  (bench/common.py)

REGION = "7400"
YEAR = 2023
COORDINATOR = ("koordinator.bench@example.org", base.PASSWORD)
TARGET = 0.20
#: Warm-up of the score page: a worker's first request analyses 6,000 rows.
WARMUP_SECONDS = 3.0
URUSAN = ("pendidikan", "kesehatan", "pekerjaan_umum_penataan_ruang", "sosial", "pariwisata")


def seed(first: int, last: int) -> float:
    """Innovations first..last of the bench region (made with it on the first call), each
    reported for 2023 with levels on every indicator; returns the seconds it took."""
    from lms import create_app
    from lms.accounts import operations as accounts
    from lms.accounts.models import User
    from lms.extensions import db
    from lms.iid.models import Entry, Evidence
    from lms.iid.rules import rules_for
    from lms.innovations.models import Innovation
    from lms.regions.models import Office, Region, RegionMembership

    began = time.perf_counter()
    app = create_app()
    with app.app_context():
        rules = rules_for(YEAR)
        region = db.session.scalar(db.select(Region).filter_by(code=REGION))
        if region is None:
            region = Region(code=REGION, name="Kabupaten Bench", kind="kabupaten")
            db.session.add(region)
            for n in range(10):
                db.session.add(Office(region=region, name=f"Dinas Bench {n}", acronym=f"DB{n}"))
            user = accounts.create_user(
                email=COORDINATOR[0], full_name="Koordinator Bench", password=COORDINATOR[1]
            )
            db.session.add(RegionMembership(region=region, user=user, role="coordinator"))
            db.session.flush()
            for i, row in enumerate(rules.rows("region")):
                level = 1 + i % 3
                db.session.add(
                    Evidence(
                        region_id=region.id,
                        year=YEAR,
                        indicator_code=row.code,
                        claimed_level=level,
                        verified_level=level,
                        verified_note="",
                    )
                )
        offices = list(db.session.scalars(db.select(Office).filter_by(region_id=region.id)))
        actor = db.session.scalar(db.select(User).filter_by(email=COORDINATOR[0]))
        rows = rules.rows("innovation")
        for i in range(first, last + 1):
            innovation = Innovation(
                region_id=region.id,
                office_id=offices[i % len(offices)].id,
                name=f"Inovasi Bench {i:03d}",
                profile={"nama_inovasi": f"Inovasi Bench {i:03d}", "urusan": URUSAN[i % 5]},
                stage="penerapan",
                state="verified",
                created_by_id=actor.id,
            )
            db.session.add(innovation)
            db.session.flush()
            db.session.add(Entry(region_id=region.id, innovation_id=innovation.id, year=YEAR))
            for j, row in enumerate(rows):
                claimed = 1 + (i + j) % 3
                lower = (i + j) % 3 == 0 and claimed > 1
                db.session.add(
                    Evidence(
                        region_id=region.id,
                        innovation_id=innovation.id,
                        year=YEAR,
                        indicator_code=row.code,
                        claimed_level=claimed,
                        verified_level=claimed - 1 if lower else claimed,
                        verified_note="Bukti kurang." if lower else "",
                    )
                )
            if i % 50 == 0:
                db.session.commit()
        db.session.commit()
        db.engine.dispose()
    return time.perf_counter() - began


def count_statements() -> dict[str, int]:
    """SQL statements of one score page (after a warm-up GET), cache off and cache on."""
    import sqlalchemy as sa

    from lms import create_app
    from lms.accounts.models import User
    from lms.extensions import db
    from lms.iid import queries

    app = create_app()
    with app.app_context():
        engine = db.engine
        user_id = db.session.scalar(db.select(User.id).filter_by(email=COORDINATOR[0]))
        db.session.remove()
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = str(user_id), True
    counts = {}
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        for name, seconds in (("cache off", 0), ("cache on", 300)):
            app.config["LMS_IID_CACHE_SECONDS"] = seconds
            queries.clear_cache()
            client.get(f"/regions/{REGION}/iid/{YEAR}").get_data()
            statements.clear()
            response = client.get(f"/regions/{REGION}/iid/{YEAR}")
            response.get_data()
            assert response.status_code == 200, response.status_code
            counts[name] = len(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
        engine.dispose()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per scenario (default 5)")
    parser.add_argument("--threads", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--innovations", type=int, default=300, help="default 300")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="lms-bench-iid-") as tmp_dir:
        tmp = Path(tmp_dir)
        base.bench_environment(tmp)
        schema = base.prepare_schema()
        seeded = seed(1, 12)
        at_12 = count_statements()
        seeded += seed(13, args.innovations)
        at_n = count_statements()
        page = f"/regions/{REGION}/iid/{YEAR}"
        results = []
        with base.gunicorn(tmp) as port:
            coordinator = {"Cookie": base.login(port, COORDINATOR)}
            for name, path, headers in (
                ("/healthz", "/healthz", {}),
                (f"score page ({args.innovations} x 20)", page, coordinator),
                # A light page for comparison (bench/report.py's target for it: 30 %).
                ("dashboard (reference)", "/dashboard", coordinator),
            ):
                # Long enough for each worker to analyse the region once (its cache fills).
                warmup = base.WARMUP_SECONDS if path == "/healthz" else WARMUP_SECONDS
                base.load(port, path, headers, args.threads, warmup)
                result = base.load(port, path, headers, args.threads, args.seconds)
                result.scenario = name
                results.append(result)
            xlsx = f"/regions/{REGION}/iid/{YEAR}.xlsx"
            results.append(base.timed(port, xlsx, coordinator, "year XLSX"))
        os.environ["LMS_IID_CACHE_SECONDS"] = "0"
        try:
            with base.gunicorn(tmp) as port:
                coordinator = {"Cookie": base.login(port, COORDINATOR)}
                healthz = base.load(port, "/healthz", {}, args.threads, args.seconds)
                base.load(port, page, coordinator, args.threads, WARMUP_SECONDS)
                cold = base.load(port, page, coordinator, args.threads, args.seconds)
                cold.scenario = "score page, cache off"
        finally:
            del os.environ["LMS_IID_CACHE_SECONDS"]

    ratio = results[1].rps / results[0].rps if results[0].rps else float("nan")
    cold_ratio = cold.rps / healthz.rps if healthz.rps else float("nan")
    cpus, python = base.machine_lines()
    header = [
        f"Kelas Inovasi IID benchmark, {base.now_text()}",
        f"machine: {cpus}; {python}",
        f"server: gunicorn {' '.join(base.GUNICORN_ARGS)} (gthread, gunicorn.conf.py), SQLite "
        f"(schema via {schema}); client: {args.threads} threads, {args.seconds:g} s per page",
        f"data: region {REGION}, {args.innovations} innovations x 20 indicators reported for "
        f"{YEAR} + 20 region rows (seeded in {seeded:.0f} s)",
        f"SQL statements of the score page: cache off {at_12['cache off']} at 12 and "
        f"{at_n['cache off']} at {args.innovations} innovations; cache on {at_12['cache on']} "
        f"and {at_n['cache on']} (" + ("same" if at_12 == at_n else "NOT the same") + ")",
    ]
    print(base.report(results, header))
    print(
        f"\nscore page / healthz = {ratio:.2f} (target >= {TARGET:.2f}: "
        f"{'met' if ratio >= TARGET else 'NOT met'}); with the cache off: "
        f"{cold.rps:.1f} req/s, {cold_ratio:.2f} of /healthz ({healthz.rps:.0f} req/s) in "
        "that server's run"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
