"""Requests/s of the grading pages against /healthz, on a fresh database, in one run.

    .venv/bin/python bench/grading.py [--seconds 5] [--participants 500] [--threads 8]

The same set-up as bench/run.py (whose helpers it uses): a temp dir with a fresh SQLite
database, demo data and ``--participants`` extra participants in KIT-2023-I. Then each extra
participant submits the demo proposal, is allocated to widyaiswara@example.org and gets a
review from them (two in three done, one in three in progress), all through the operations.
Scenarios: the trainer's queue, the organizer's grading overview and grade book, and the grade
book's XLSX and CSV exports (one request at a time). Not a test.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import run as base  # noqa: E402  (bench/run.py)

TRAINER = ("widyaiswara@example.org", "kelasinovasi")
ORGANIZER = ("panitia@example.org", "kelasinovasi")


def seed_grading() -> tuple[int, str]:
    """Submissions, allocations and reviews for the bench participants; (cohort id, summary)."""
    import tomllib

    from lms import create_app
    from lms.accounts.models import User
    from lms.cohorts.models import Cohort
    from lms.extensions import db
    from lms.grading import operations as grading
    from lms.grading.models import Allocation
    from lms.submissions import operations as subs
    from lms.submissions.fields import PP38_CRITERIA

    app = create_app()
    fields = tomllib.loads(
        (base.ROOT / "lms" / "demo_data" / "proposal.toml").read_text(encoding="utf-8")
    )
    self_check = {key: True for key, _label in PP38_CRITERIA}
    began = time.perf_counter()
    with app.app_context(), app.test_request_context():
        cohort = db.session.scalar(db.select(Cohort).filter_by(code=base.COHORT))
        trainer = db.session.scalar(db.select(User).filter_by(email=TRAINER[0]))
        organizer = db.session.scalar(db.select(User).filter_by(email=ORGANIZER[0]))
        proposal = next(
            a for a in subs.ensure_cohort_assignments(cohort) if a.spec.kind == "proposal"
        )
        rubric = grading.rubric_for(proposal)
        if rubric is None:
            raise SystemExit("the demo proposal has no rubric")
        gates = {gate["key"]: True for gate in rubric.gates or []}
        points = {c.key: max(float(level["points"]) for level in c.levels) for c in rubric.criteria}
        people = db.session.scalars(
            db.select(User).where(User.email.like("bench%@example.org")).order_by(User.id)
        ).all()
        done = in_progress = 0
        for i, person in enumerate(people):
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
            data = grading.MarkingInput(
                points=points, gates=gates, overall_comment="Sudah baik; perjelas anggaran."
            )
            grading.save_review(work, version, trainer, data, done=finished, lock_version=0)
            done, in_progress = done + finished, in_progress + (not finished)
            if i % 100 == 99:
                db.session.commit()
        db.session.commit()
        cohort_id = cohort.id
        db.engine.dispose()
    seconds = time.perf_counter() - began
    return cohort_id, (
        f"{len(people)} bench participants submitted the proposal, allocated to {TRAINER[0]}: "
        f"{done} reviews done, {in_progress} in progress (seeded in {seconds:.0f} s)"
    )


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
        data = base.prepare_database(args.participants)
        cohort_id, graded = seed_grading()
        port, log_path = base.free_port(), tmp / "gunicorn.log"
        with log_path.open("wb") as log:
            proc = base.start_gunicorn(port, log)
            try:
                base.wait_ready(proc, port, log_path)
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
            finally:
                base.stop_gunicorn(proc)

    now = datetime.datetime.now(datetime.UTC).astimezone()
    python = f"{platform.python_implementation()} {platform.python_version()}"
    header = [
        f"Kelas Inovasi grading benchmark, {now:%Y-%m-%d %H:%M %Z}",
        f"machine: nproc {len(os.sched_getaffinity(0))}, {python}, {platform.platform()}",
        f"server: gunicorn -w {base.WORKERS} (sync), SQLite; client: {args.threads} threads on "
        f"the same machine, {args.seconds:g} s per scenario after {base.WARMUP_SECONDS:g} s "
        "warm-up; exports: 3 requests one at a time",
        f"data: {data}",
        f"grading: {graded}",
    ]
    print(base.report(results, header))
    return 0


if __name__ == "__main__":
    sys.exit(main())
