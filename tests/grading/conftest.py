"""Grading fixtures: a cohort with submitted proposals, trainers and an organizer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from lms.grading import operations as grading
from lms.grading.models import Allocation
from lms.grading.queries import submission as grading_queries
from lms.grading.scoring import MarkingInput
from lms.profile import RANCANG_BANGUN_KEYS
from lms.submissions import operations as subs
from lms.submissions.fields import PP38_CRITERIA
from tests.helpers import RUBRIC_TOML

ALL_CRITERIA = {key: True for key, _label in PP38_CRITERIA}
#: The six rancang bangun parts, 360 words together (300 still when a test rewrites one).
PARTS = {key: " ".join(["kata"] * 60) for key in RANCANG_BANGUN_KEYS}

#: RUBRIC_TOML (kebaruan 60, manfaat 40; levels 1–2; pass mark 60; bands Baik ≥ 70) plus a gate.
GATED_RUBRIC_TOML = RUBRIC_TOML.replace(
    "pass_mark = 60\n",
    'pass_mark = 60\n\n[[gates]]\nkey = "memperbarui"\ntitle = "Mengandung pembaruan"\n',
)


@dataclass
class GradingWorld:
    cohort: Any
    other_cohort: Any
    assignment: Any
    participants: list[Any]
    trainers: list[Any]
    organizer: Any
    outsider_trainer: Any
    submissions: dict[int, Any] = field(default_factory=dict)

    def submission_of(self, person: Any) -> Any:
        return self.submissions[person.id]


def submit_proposal(assignment: Any, person: Any, **fields: str) -> Any:
    """``person`` submits (again) a valid proposal; returns the submission."""
    submission = subs.submission_for(assignment, person)
    data = {"nama_inovasi": "Si Cepat", **PARTS}
    data.update(fields)
    subs.save_draft(submission, data)
    subs.submit(submission, self_check=ALL_CRITERIA, statement=True)
    return submission


def allocate(assignment: Any, participant: Any, *trainers: Any) -> None:
    from lms.extensions import db

    for slot, trainer in enumerate(trainers, 1):
        db.session.add(
            Allocation(
                assignment_id=assignment.id,
                participant_id=participant.id,
                trainer_id=trainer.id,
                slot=slot,
            )
        )
    db.session.flush()


def mark(
    submission: Any,
    trainer: Any,
    *,
    kebaruan: float | None = 2,
    manfaat: float | None = 2,
    gates: dict[str, bool] | None = None,
    done: bool = True,
    outcome: str = "grade",
    comment: str = "Sudah baik.",
) -> Any:
    """``trainer`` marks the submission's latest version (2/2 on both criteria: 100)."""
    version = grading_queries.latest_version(submission)
    existing = grading_queries.review_of(version, trainer)
    data = MarkingInput(
        points={"kebaruan": kebaruan, "manfaat": manfaat},
        comments={"kebaruan": "Unsur baru jelas.", "manfaat": ""},
        gates=gates if gates is not None else {"memperbarui": True},
        overall_comment=comment,
        outcome=outcome,
    )
    return grading.save_review(
        submission,
        version,
        trainer,
        data,
        done=done,
        lock_version=existing.lock_version if existing else 0,
    )


@pytest.fixture
def grading_world(app, db, make_user, make_cohort, make_course) -> GradingWorld:
    """Four participants (offices Dinas A, A, B, C) who all submitted, three trainers (offices
    Dinas A, B, C), an organizer, and a trainer of another cohort. Nothing is allocated."""
    participants = [
        make_user(full_name=f"Peserta {name}", office=f"Dinas {office}")
        for name, office in (("Ani", "A"), ("Budi", "A"), ("Citra", "B"), ("Dedi", "C"))
    ]
    trainers = [
        make_user(full_name=f"Widyaiswara {name}", office=f"Dinas {office}")
        for name, office in (("Satu", "A"), ("Dua", "B"), ("Tiga", "C"))
    ]
    organizer = make_user(full_name="Panitia Utama")
    outsider = make_user(full_name="Widyaiswara Lain")
    cohort = make_cohort(participants=participants, trainers=trainers, organizers=[organizer])
    other = make_cohort(trainers=[outsider])
    make_course(cohorts=[cohort, other], rubrics={"uji": GATED_RUBRIC_TOML})
    with app.test_request_context():
        (assignment,) = subs.ensure_cohort_assignments(cohort)
        subs.ensure_cohort_assignments(other)
        world = GradingWorld(cohort, other, assignment, participants, trainers, organizer, outsider)
        for person in participants:
            world.submissions[person.id] = submit_proposal(assignment, person)
        # Inside the context: leaving it rolls back what was not committed.
        db.session.commit()
    return world
