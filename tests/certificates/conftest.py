"""Certificate fixtures: a finished cohort with five past meetings and marked attendance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from lms.attendance.operations import set_mark

#: Attendance per participant at the five meetings (3 JP each).
PATTERNS = {
    "Ani": ["present"] * 5,  # 100%
    "Budi": ["present", "present", "present", "present", "absent"],  # 80%: at the edge
    "Citra": ["present", "present", "present", "absent", "absent"],  # 60%
    "Dedi": ["present", "present", "present", "sick", "excused"],  # 60%, 100% with excused
    "Eka": ["late", "late", "present", "present", "absent"],  # 80%, late counts
}


@dataclass
class CertificateWorld:
    cohort: Any
    organizer: Any
    people: dict[str, Any]
    meetings: list[Any]
    outsider: Any


@pytest.fixture
def certificate_world(app, db, make_user, make_cohort, make_meeting) -> CertificateWorld:
    people = {
        name: make_user(
            full_name=f"{name} Peserta, S.Sos.",
            nip=f"1980010120060410{i:02d}",
            rank="III/b",
            position="Analis Kebijakan",
            office=f"Dinas {name}",
        )
        for i, name in enumerate(PATTERNS, 1)
    }
    organizer = make_user(full_name="Panitia Sertifikat")
    outsider = make_user(full_name="Orang Luar")
    cohort = make_cohort(
        participants=list(people.values()),
        organizers=[organizer],
        state="finished",
        signer_name="Dr. Ir. Kepala Badan, M.Si.",
        signer_title="Kepala Bappelitbangda",
        signer_nip="197001011995031001",
    )
    meetings = [make_meeting(cohort, starts_in=timedelta(days=-10 + i), jp=3) for i in range(5)]
    with app.test_request_context():
        for name, statuses in PATTERNS.items():
            for meeting, status in zip(meetings, statuses, strict=True):
                set_mark(meeting, people[name], status, actor=organizer)
        db.session.commit()
    return CertificateWorld(cohort, organizer, people, meetings, outsider)


@pytest.fixture
def run_jobs(app):
    """Run every queued job in this thread (the suite's queue is ``memory://``)."""
    from lms.jobs import queue

    def run() -> int:
        with app.app_context():
            return queue.run_pending(app)

    run()  # messages left by an earlier test
    return run


@pytest.fixture
def job_threshold(app, monkeypatch):
    """``job_threshold(n)``: classes with more than n valid certificates make their batches
    as jobs in this test."""

    def set_threshold(n: int) -> None:
        monkeypatch.setitem(app.config, "LMS_JOB_CERTIFICATES", n)

    return set_threshold


#: The participants the ``issued`` fixture gives certificates to, in name order.
NAMES = ("Ani", "Budi", "Eka")


@pytest.fixture
def issued(app, db, certificate_world):
    """Certificates of Ani, Budi and Eka, issued in a request (its host prints), in name
    order. (Modules that need others define their own ``issued``.)"""
    from lms.certificates import operations

    w = certificate_world
    with app.test_request_context():
        certificates = operations.issue(
            w.cohort, [w.people[n].id for n in NAMES], actor=w.organizer
        )
        db.session.commit()
    return certificates
