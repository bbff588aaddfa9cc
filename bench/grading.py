"""Requests/s of the grading pages against /healthz, on a fresh database, in one run.

    .venv/bin/python bench/grading.py [--seconds 5] [--participants 500] [--threads 8]

The same set-up as bench/run.py (helpers in bench/common.py): a temp dir with a fresh SQLite
database, demo data and ``--participants`` extra participants in KIT-2023-I. Then each extra
participant submits the demo proposal, is allocated to widyaiswara@example.org and gets a
review from them (two in three done, one in three in progress), all through the operations.
Scenarios: the trainer's queue, the organizer's grading overview and grade book, and the grade
book's XLSX and CSV exports (one request at a time). Not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common as base  # noqa: E402  (bench/common.py)

TRAINER = base.TRAINER
ORGANIZER = base.ORGANIZER


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per scenario (default 5)")
    parser.add_argument("--participants", type=int, default=500, help="extra, default 500")
    parser.add_argument("--threads", type=int, default=8, help="client threads (default 8)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        base.bench_environment(tmp)
        data = base.prepare_database(args.participants)
        cohort_id, graded = base.seed_grading(1, args.participants, trainers=(TRAINER[0],))
        with base.gunicorn(tmp) as port:
            trainer = {"Cookie": base.login(port, TRAINER)}
            organizer = {"Cookie": base.login(port, ORGANIZER)}
            grading_url = f"/cohorts/{cohort_id}/grading"
            scenarios = [
                ("/healthz", "/healthz", {}),
                ("trainer queue", f"{grading_url}/queue", trainer),
                ("grading overview (org.)", grading_url, organizer),
                ("grade book (organizer)", f"{grading_url}/gradebook", organizer),
            ]
            results = []
            for name, path, headers in scenarios:
                base.load(port, path, headers, args.threads, base.WARMUP_SECONDS)
                result = base.load(port, path, headers, args.threads, args.seconds)
                result.scenario = name
                results.append(result)
            results.append(
                base.timed(port, f"{grading_url}/gradebook.xlsx", organizer, "grade book XLSX")
            )
            results.append(
                base.timed(port, f"{grading_url}/gradebook.csv", organizer, "grade book CSV")
            )

    cpus, python = base.machine_lines()
    header = [
        f"Kelas Inovasi grading benchmark, {base.now_text()}",
        f"machine: {cpus}; {python}",
        f"server: gunicorn {' '.join(base.GUNICORN_ARGS)} (gthread, gunicorn.conf.py), "
        "SQLite; client: "
        f"{args.threads} threads on the same machine, {args.seconds:g} s per scenario after "
        f"{base.WARMUP_SECONDS:g} s warm-up; exports: 3 requests one at a time",
        f"data: {data}",
        f"grading: {graded}",
    ]
    print(base.report(results, header))
    return 0


if __name__ == "__main__":
    sys.exit(main())
