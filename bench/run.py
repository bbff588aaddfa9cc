"""Requests/s of the logged-in dashboard against /healthz, on a fresh database, in one run.

    .venv/bin/python bench/run.py [--seconds 5] [--participants 500] [--threads 8]

Not a test: it prints a table and the ratio to /healthz measured in the same run (see
bench/README.md). Only loopback traffic; the server and the database live in a temp dir.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from common import (  # bench/common.py; bench/upload.py imports some of these from here
    BURST_CLIENTS,
    EXPORT_PATH,
    GUNICORN_ARGS,
    HOST,
    LESSON_PATH,
    ORGANIZER,
    ROOT,
    WARMUP_SECONDS,
    WORKERS,
    bench_environment,
    burst,
    checkin_requests,
    flask,
    free_port,
    gunicorn,
    load,
    login,
    machine_lines,
    now_text,
    prepare_database,
    report,
    start_gunicorn,
    stop_gunicorn,
    timed,
    wait_ready,
    warm_burst,
)

__all__ = [
    "HOST",
    "ROOT",
    "WORKERS",
    "flask",
    "free_port",
    "login",
    "main",
    "start_gunicorn",
    "stop_gunicorn",
    "wait_ready",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per scenario (default 5)")
    parser.add_argument("--participants", type=int, default=500, help="extra, default 500")
    parser.add_argument("--threads", type=int, default=8, help="client threads (default 8)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        bench_environment(tmp)
        data = prepare_database(args.participants)
        with gunicorn(tmp) as port:
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
            organizer = {"Cookie": login(port, ORGANIZER)}
            results.append(timed(port, EXPORT_PATH, organizer, "attendance XLSX 10 mtgs"))
            checkins = checkin_requests(args.participants)
            warm_burst(port, checkins)
            crowd = burst(port, checkins, BURST_CLIENTS)
            crowd.scenario = f"check-in burst ({len(crowd.latencies) + crowd.errors})"
            results.append(crowd)

    cpus, python = machine_lines()
    header = [
        f"Kelas Inovasi benchmark, {now_text()}",
        f"machine: {cpus}; {python}",
        f"server: gunicorn {' '.join(GUNICORN_ARGS)} (gthread, gunicorn.conf.py), SQLite; "
        "client: "
        f"{args.threads} threads on the same machine, {args.seconds:g} s per scenario after "
        f"{WARMUP_SECONDS:g} s warm-up",
        f"data: {data}",
    ]
    print(report(results, header))
    return 0


if __name__ == "__main__":
    sys.exit(main())
