"""Grading writes: plans, markings (reviews), settling a version's grade, reconciliation and
release, who marks whom (by hand or balanced), and a cohort's own rubric copies. Each function
flushes and writes its audit rows; the caller commits once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lms import audit
from lms.accounts.models import User
from lms.catalog.models import Rubric, RubricCriterion
from lms.cohorts.models import Membership
from lms.db import utcnow
from lms.errors import Conflict, DomainError, check_fresh
from lms.extensions import db
from lms.grading import allocating, permissions, rubric_content, scoring
from lms.grading.models import Allocation, Grade, GradingPlan, Review, ReviewScore
from lms.grading.queries import allocation as allocation_queries
from lms.grading.queries import cohort as cohort_queries
from lms.grading.queries.submission import (
    grade_of,
    latest_version,
    markings_of,
    pack_rubric,
    reconciliation_of,
    review_of,
    rubric_for,
    submission_of,
    work_of,
)
from lms.grading.scoring import MarkingInput
from lms.i18n import gettext as _
from lms.lazytext import lazy_gettext as _l
from lms.submissions.models import CohortAssignment, Submission, SubmissionVersion

#: Longest comment kept (a page of text); longer input is refused with a message.
MAX_COMMENT = 5000


class GradingError(DomainError):
    """A grading rule refused the action; nothing was saved."""


class ReviewConflict(Conflict):
    """The marking or the grade changed since the form was loaded (another tab or person saved
    first)."""


class MarkingInvalid(GradingError):
    """A marking with problems next to its fields (``errors``: field name -> messages);
    nothing was saved."""

    @classmethod
    def default_message(cls) -> str:
        return str(_l("Periksa isian yang ditandai."))


class AllocationError(DomainError):
    """An allocation rule refused the change; nothing was changed (``errors``: by field of the
    allocation form, when several rows were refused at once)."""


class RubricEditError(DomainError):
    """A rubric copy may not be made, changed or given up now; nothing was changed."""


class RubricConflict(Conflict):
    """The rubric changed since the form was loaded (another tab or person saved first)."""


class RubricInvalid(RubricEditError):
    """Every problem of a rubric edit by field name (``errors``); nothing was changed."""

    @classmethod
    def default_message(cls) -> str:
        return str(_l("Periksa isian yang ditandai. Belum ada yang disimpan."))


# --- plans --------------------------------------------------------------------------------------


def plan_for(assignment: CohortAssignment) -> GradingPlan:
    """The assignment's grading plan, created with the defaults when it has none yet."""
    plan = cohort_queries.plan_of(assignment)
    if plan is None:
        plan = GradingPlan(assignment_id=assignment.id)
        db.session.add(plan)
        db.session.flush()
    return plan


def update_plan(
    assignment: CohortAssignment,
    *,
    blind: bool,
    tolerance: float,
    lead_trainer_id: int | None,
    actor: Any,
    lock_version: int | None = None,
) -> GradingPlan:
    """Blind marking, the double-marking tolerance and the lead trainer. ``lock_version``: the
    plan's row version when the form was loaded (0: there was none); another one now raises
    Conflict."""
    existing = cohort_queries.plan_of(assignment)
    check_fresh(lock_version, existing.lock_version if existing else 0)
    plan = existing or plan_for(assignment)
    before = {
        "blind": assignment.blind_marking,
        "tolerance": plan.tolerance,
        "lead_trainer_id": plan.lead_trainer_id,
    }
    assignment.blind_marking = blind
    plan.tolerance = tolerance
    plan.lead_trainer_id = lead_trainer_id
    db.session.flush()
    after = {"blind": blind, "tolerance": tolerance, "lead_trainer_id": lead_trainer_id}
    if before != after:
        audit.record(
            "grading.plan",
            plan,
            actor=actor,
            before=before,
            after=after,
            cohort_id=assignment.cohort_id,
        )
    return plan


# --- marking ------------------------------------------------------------------------------------


def _too_long() -> str:
    return _("Komentar terlalu panjang (paling banyak %(n)d karakter).", n=MAX_COMMENT)


def validate_input(
    rubric: Rubric,
    data: MarkingInput,
    *,
    done: bool,
    decided: scoring.Decided | None = None,
) -> dict[str, list[str]]:
    """Problems by form field name (``level-<key>``, ``comment-<key>``, ``overall_comment``);
    ``decided``: what the work decided, allowed whatever the levels say."""
    errors: dict[str, list[str]] = {}
    fixed = decided.points if decided is not None else {}
    for criterion in rubric.criteria:
        chosen = data.points.get(criterion.key)
        allowed = scoring.allowed_points(criterion)
        if criterion.key in fixed:
            allowed = [fixed[criterion.key], *allowed]
        if chosen is not None and chosen not in allowed:
            errors.setdefault(f"level-{criterion.key}", []).append(
                _("Pilih salah satu tingkat yang ada.")
            )
        elif chosen is None and done and data.outcome == "grade":
            errors.setdefault(f"level-{criterion.key}", []).append(
                _("Pilih tingkat untuk kriteria ini sebelum menandai selesai.")
            )
        if len(data.comments.get(criterion.key, "")) > MAX_COMMENT:
            errors.setdefault(f"comment-{criterion.key}", []).append(_too_long())
    if len(data.overall_comment) > MAX_COMMENT:
        errors.setdefault("overall_comment", []).append(_too_long())
    if data.outcome not in ("grade", "revisions"):
        errors.setdefault("outcome", []).append(_("Pilih hasil penilaian."))
    elif data.outcome == "revisions" and done and not data.overall_comment.strip():
        errors.setdefault("overall_comment", []).append(
            _("Tuliskan apa yang perlu diperbaiki peserta.")
        )
    return errors


def _snapshot(review: Review) -> dict[str, Any]:
    return {
        "state": review.state,
        "outcome": review.outcome,
        "total": review.total,
        "band": review.band,
        "passed": review.passed,
        "points": {s.criterion.key: s.points for s in review.scores},
        "comments": {s.criterion.key: s.comment for s in review.scores if s.comment},
        "gates": dict(review.gates or {}),
        "overall_comment": review.overall_comment,
    }


def _write(review: Review, rubric: Rubric, data: MarkingInput, *, done: bool) -> None:
    by_criterion = {s.criterion_id: s for s in review.scores}
    for criterion in rubric.criteria:
        score = by_criterion.get(criterion.id)
        if score is None:
            score = ReviewScore(criterion=criterion)
            review.scores.append(score)
        score.points = data.points.get(criterion.key)
        score.comment = data.comments.get(criterion.key, "").strip()
    review.gates = {g["key"]: bool(data.gates.get(g["key"])) for g in rubric.gates or []}
    review.overall_comment = data.overall_comment.strip()
    review.outcome = data.outcome
    result = scoring.compute(rubric, data.points, review.gates)
    review.total, review.band, review.passed = result.total, result.band, result.passed
    now = utcnow()
    review.updated_dt = now
    if done and review.state != "done":
        review.state, review.done_dt = "done", now


def save_review(
    submission: Submission,
    version: SubmissionVersion,
    trainer: Any,
    data: MarkingInput,
    *,
    done: bool,
    lock_version: int,
    actor: Any = None,
) -> Review:
    """Create or update ``trainer``'s marking of ``version``. ``lock_version`` is what the form
    was loaded with (0: no marking yet); a different current value raises ReviewConflict."""
    actor = actor or trainer
    assignment = submission.assignment
    if version.number != submission.latest_number:
        raise GradingError(_("Peserta sudah mengumpulkan versi yang lebih baru; buka ulang."))
    if permissions.is_final(grade_of(version)):
        raise GradingError(_("Nilai versi ini sudah final; penilaian tidak dapat diubah."))
    review = review_of(version, trainer)
    if (review.lock_version if review else 0) != lock_version:
        raise ReviewConflict()
    rubric = review.rubric if review else rubric_for(assignment)
    if rubric is None:
        raise GradingError(_("Tugas ini belum memiliki rubrik."))
    # What the work decides (an over-long video, an empty part) wins over what was sent.
    decided = scoring.decide(rubric, work_of(assignment, version))
    data = decided.apply(data)
    errors = validate_input(
        rubric,
        data,
        done=done or (review is not None and review.state == "done"),
        decided=decided,
    )
    if errors:
        raise MarkingInvalid(errors=errors)
    before = None
    if review is None:
        review = Review(
            submission_id=submission.id,
            version_id=version.id,
            trainer_id=trainer.id,
            rubric_id=rubric.id,
            kind="marking",
        )
        db.session.add(review)
        rubric.frozen = True
        # A marking of an older version left in progress is not continued.
        for old in db.session.scalars(
            db.select(Review).where(
                Review.submission_id == submission.id,
                Review.trainer_id == trainer.id,
                Review.kind == "marking",
                Review.state == "in_progress",
                Review.version_id != version.id,
            )
        ):
            old.state = "superseded"
    else:
        before = _snapshot(review)
    _write(review, rubric, data, done=done)
    db.session.flush()
    audit.record(
        "review.done" if done else "review.save",
        review,
        actor=actor,
        before=before,
        after=_snapshot(review),
        cohort_id=assignment.cohort_id,
    )
    if review.state == "done":
        settle(submission, version)
    return review


# --- settling, reconciliation, release -----------------------------------------------------------


def _grade_snapshot(grade: Grade) -> dict[str, Any]:
    return {
        "status": grade.status,
        "outcome": grade.outcome,
        "total": grade.total,
        "band": grade.band,
        "passed": grade.passed,
        "flag_reason": grade.flag_reason,
        "released": grade.released,
    }


def settle(submission: Submission, version: SubmissionVersion) -> Grade | None:
    """Once every allocated marker is done with ``version``: agree (one marker, or two within
    tolerance: the mean) or flag for reconciliation. A final grade is left alone."""
    grade = grade_of(version)
    if permissions.is_final(grade):
        return grade
    allocated = allocation_queries.allocations_of(submission.assignment_id, submission.user_id)
    markers = [a.trainer_id for a in allocated]
    done = {r.trainer_id: r for r in markings_of(version, done=True)}
    if not markers or any(m not in done for m in markers):
        return grade
    reviews = [done[m] for m in markers]
    plan = plan_for(submission.assignment)
    before = _grade_snapshot(grade) if grade else None
    if grade is None:
        grade = Grade(submission_id=submission.id, version_id=version.id, status="agreed")
        db.session.add(grade)
    reasons = (
        scoring.flag_reasons(reviews[0], reviews[1], plan.tolerance) if len(reviews) == 2 else []
    )
    if reasons:
        grade.status, grade.outcome = "flagged", None
        grade.total = grade.band = grade.passed = None
        grade.flag_reason = ";".join(reasons)
    else:
        first = reviews[0]
        grade.status, grade.outcome, grade.flag_reason = "agreed", first.outcome, ""
        totals = [r.total for r in reviews if r.total is not None]
        grade.total = scoring.mean_total(totals) if len(totals) == len(reviews) else None
        grade.band = scoring.band_for(first.rubric.bands or [], grade.total)
        grade.passed = first.passed
    grade.settled_dt = utcnow()
    db.session.flush()
    audit.record(
        "grade.settle",
        grade,
        before=before,
        after=_grade_snapshot(grade),
        cohort_id=submission.assignment.cohort_id,
    )
    return grade


def reconcile(
    grade: Grade,
    reconciler: Any,
    data: MarkingInput,
    note: str,
    *,
    lock_version: int,
    grade_lock_version: int,
) -> Grade:
    """Set the agreed marking of a flagged (or reconciled, unreleased) grade, with a note."""
    if reason := permissions.why_not_reconcile(grade):
        raise GradingError(reason)
    if grade.lock_version != grade_lock_version:
        raise ReviewConflict()
    version, submission = grade.version, grade.submission
    review = reconciliation_of(version)
    if (review.lock_version if review else 0) != lock_version:
        raise ReviewConflict()
    markings = markings_of(version)
    rubric = review.rubric if review else (markings[0].rubric if markings else None)
    if rubric is None:
        raise GradingError(_("Belum ada penilaian untuk direkonsiliasi."))
    decided = scoring.decide(rubric, work_of(submission.assignment, version))
    data = decided.apply(data)
    errors = validate_input(rubric, data, done=True, decided=decided)
    if not note.strip():
        errors.setdefault("note", []).append(_("Tuliskan catatan rekonsiliasi."))
    elif len(note) > MAX_COMMENT:
        errors.setdefault("note", []).append(_too_long())
    if errors:
        raise MarkingInvalid(errors=errors)
    before_review = None
    if review is None:
        review = Review(
            submission_id=submission.id,
            version_id=version.id,
            trainer_id=reconciler.id,
            rubric_id=rubric.id,
            kind="reconciliation",
        )
        db.session.add(review)
    else:
        before_review = _snapshot(review)
        review.trainer_id = reconciler.id
    _write(review, rubric, data, done=True)
    db.session.flush()
    cohort_id = submission.assignment.cohort_id
    audit.record(
        "review.reconcile",
        review,
        actor=reconciler,
        before=before_review,
        after=_snapshot(review),
        cohort_id=cohort_id,
    )
    before = _grade_snapshot(grade)
    grade.status, grade.outcome = "reconciled", review.outcome
    grade.total, grade.band, grade.passed = review.total, review.band, review.passed
    grade.note = note.strip()
    grade.reconciliation_id = review.id
    db.session.flush()
    audit.record(
        "grade.reconcile",
        grade,
        actor=reconciler,
        before=before,
        after={**_grade_snapshot(grade), "note": grade.note},
        cohort_id=cohort_id,
    )
    return grade


def release(grades: Iterable[Grade], actor: Any) -> tuple[int, int]:
    """Show grades to their participants: (released, skipped: flagged, released or outdated)."""
    released = skipped = 0
    now = utcnow()
    for grade in grades:
        if not permissions.releasable(grade):
            skipped += 1
            continue
        grade.released_dt, grade.released_by_id = now, actor.id
        submission = grade.submission
        submission.state = "graded" if grade.outcome == "grade" else "revisions_requested"
        db.session.flush()
        audit.record(
            "grade.release",
            grade,
            actor=actor,
            after={**_grade_snapshot(grade), "submission_state": submission.state},
            cohort_id=submission.assignment.cohort_id,
        )
        released += 1
    return released, skipped


def release_all(assignment: CohortAssignment, actor: Any) -> tuple[int, int]:
    """Release every agreed or reconciled grade of the assignment's latest versions."""
    grades = db.session.scalars(
        db.select(Grade)
        .join(Submission, Submission.id == Grade.submission_id)
        .join(SubmissionVersion, SubmissionVersion.id == Grade.version_id)
        .where(
            Submission.assignment_id == assignment.id,
            Grade.released_dt.is_(None),
            Grade.status != "flagged",
            SubmissionVersion.number == Submission.latest_number,
        )
    ).all()
    return release(grades, actor)


# --- who marks whom -----------------------------------------------------------------------------


def _replace(
    assignment: CohortAssignment,
    participant_id: int,
    current: list[Allocation],
    trainer_ids: list[int],
    *,
    actor: Any,
    how: str,
) -> None:
    """Make the participant's markers exactly ``trainer_ids`` (slot order) and audit it."""
    before = [a.trainer_id for a in current]
    wanted = {trainer_id: slot for slot, trainer_id in enumerate(trainer_ids, 1)}
    stale = [a for a in current if wanted.get(a.trainer_id) != a.slot]
    for allocation in stale:
        db.session.delete(allocation)
    if stale:
        # Deletes first: a flush inserts before it deletes, and (participant, slot) is unique.
        db.session.flush()
    kept = {a.trainer_id for a in current if a not in stale}
    actor_id = getattr(actor, "id", None)
    for trainer_id, slot in wanted.items():
        if trainer_id not in kept:
            db.session.add(
                Allocation(
                    assignment_id=assignment.id,
                    participant_id=participant_id,
                    trainer_id=trainer_id,
                    slot=slot,
                    created_by_id=actor_id,
                )
            )
    db.session.flush()
    audit.record(
        "allocation.set",
        assignment,
        actor=actor,
        before={"participant_id": participant_id, "trainer_ids": before},
        after={"participant_id": participant_id, "trainer_ids": list(trainer_ids), "how": how},
        cohort_id=assignment.cohort_id,
    )


def _settle_after_removal(assignment: CohortAssignment, participant_id: int) -> None:
    """After markers were taken off, the ones left may all be done: settle the grade."""
    submission = submission_of(assignment.id, participant_id)
    latest = latest_version(submission) if submission else None
    if submission is not None and latest is not None:
        settle(submission, latest)


def set_markers(
    assignment: CohortAssignment, participant: User, trainers: list[User], actor: Any
) -> bool:
    """Give ``participant`` exactly these markers on ``assignment`` (0, 1 or 2 distinct trainers
    of the cohort, in slot order). Returns whether anything changed.

    Raises AllocationError (nothing changed) for bad input, or when a marker taken off has
    already started reviewing the participant's work.
    """
    trainer_ids = [t.id for t in trainers]
    if len(trainer_ids) > allocating.MAX_MARKERS:
        raise AllocationError(_("Paling banyak dua penilai untuk satu peserta."))
    if len(set(trainer_ids)) != len(trainer_ids):
        raise AllocationError(_("Penilai 1 dan penilai 2 harus widyaiswara yang berbeda."))
    roles = dict(
        db.session.execute(
            db.select(Membership.user_id, Membership.role).where(
                Membership.cohort_id == assignment.cohort_id,
                Membership.user_id.in_([participant.id, *trainer_ids]),
            )
        ).all()
    )
    if roles.get(participant.id) != "participant":
        raise AllocationError(_("Yang dipilih bukan peserta kelas ini."))
    current = allocation_queries.allocations_of(assignment.id, participant.id)
    before = [a.trainer_id for a in current]
    # A marker kept from before may stay even if their role changed since; new ones must be
    # trainers of the cohort.
    if any(roles.get(t) != "trainer" for t in trainer_ids if t not in before):
        raise AllocationError(_("Penilai yang dipilih bukan widyaiswara kelas ini."))
    if before == trainer_ids:
        return False
    removed = [a for a in current if a.trainer_id not in trainer_ids]
    if removed:
        started = allocation_queries.started_pairs(assignment.id, [participant.id])
        blocked = [a for a in removed if (participant.id, a.trainer_id) in started]
        if blocked:
            raise AllocationError(
                _(
                    "%(name)s sudah mulai menilai pekerjaan peserta ini, jadi tidak dapat "
                    "dilepas sebagai penilai.",
                    name=blocked[0].trainer.full_name,
                )
            )
    _replace(assignment, participant.id, current, trainer_ids, actor=actor, how="manual")
    if removed:
        _settle_after_removal(assignment, participant.id)
    return True


@dataclass
class MarkerChoice:
    """One row of the allocation form: the markers chosen, and those the page showed."""

    participant: User
    #: Trainer ids in slot order (marker 1, then marker 2).
    chosen: list[int]
    #: The markers when the page was loaded.
    seen: list[int]
    #: The form field a refusal of this row is shown next to, and the one telling that
    #: someone changed the row meanwhile.
    field: str
    seen_field: str


def allocate_by_hand(
    assignment: CohortAssignment, choices: Iterable[MarkerChoice], actor: Any
) -> int:
    """Apply every row that changed, all or nothing: raises AllocationError with every row's
    problem (a row changed meanwhile by someone else, a marker who started reviewing taken
    off, ...) by form field. Returns the number of participants whose markers changed."""
    known = {u.id: u for u in cohort_queries.trainers(assignment.cohort_id)}
    errors: dict[str, list[str]] = {}
    changed = 0
    for choice in choices:
        if choice.chosen == choice.seen:
            continue
        current = allocation_queries.allocations_of(assignment.id, choice.participant.id)
        if [a.trainer_id for a in current] != choice.seen:
            names = ", ".join(a.trainer.full_name for a in current) or _("belum ada penilai")
            errors[choice.seen_field] = [
                _(
                    "Diubah orang lain sejak halaman ini dibuka; sekarang: %(names)s. Periksa "
                    "pilihan Anda lalu simpan lagi.",
                    names=names,
                )
            ]
            continue
        people = {**known, **{a.trainer_id: a.trainer for a in current}}
        if any(t not in people for t in choice.chosen):
            errors[choice.field] = [_("Penilai yang dipilih bukan widyaiswara kelas ini.")]
            continue
        try:
            if set_markers(
                assignment, choice.participant, [people[t] for t in choice.chosen], actor
            ):
                changed += 1
        except AllocationError as refused:
            errors[choice.field] = [refused.message]
    if errors:
        raise AllocationError(
            _("Tidak ada yang disimpan: periksa baris yang ditandai."), errors=errors
        )
    return changed


@dataclass
class AutoSummary:
    """What automatic allocation did."""

    #: Participants given one or more new markers, in the order they were handled.
    allocated: list[User] = field(default_factory=list)
    #: Participants left as they were: too few suitable trainers (by name).
    unmatched: list[User] = field(default_factory=list)
    #: Participants who already had enough markers (left alone).
    already: int = 0
    #: New allocations written.
    added: int = 0
    #: Trainer id -> allocations on the assignment afterwards (the cohort's trainers).
    loads: dict[int, int] = field(default_factory=dict)


def auto_allocate(
    assignment: CohortAssignment,
    *,
    markers: int,
    avoid_same_office: bool,
    only_unallocated: bool = True,
    actor: Any,
) -> AutoSummary:
    """Give every participant ``markers`` markers, balanced across the cohort's trainers
    (:func:`lms.grading.allocating.balance`). ``only_unallocated``: keep every existing marker
    and only fill the missing slots; otherwise start again, keeping only markers who have
    started reviewing. A participant without enough suitable trainers is left as they were and
    reported."""
    if markers not in (1, allocating.MAX_MARKERS):
        raise AllocationError(_("Pilih satu atau dua penilai per peserta."))
    trainers = cohort_queries.trainers(assignment.cohort_id)
    if not trainers:
        raise AllocationError(_("Kelas ini belum punya widyaiswara."))
    if len(trainers) < markers:
        raise AllocationError(
            _("Dua penilai per peserta memerlukan sedikitnya dua widyaiswara di kelas ini.")
        )
    participants = cohort_queries.participants(assignment.cohort_id)
    current = allocation_queries.allocations_by_participant(assignment.id)
    decisions, loads = allocating.balance(
        trainers,
        participants,
        {pid: [a.trainer_id for a in rows] for pid, rows in current.items()},
        markers=markers,
        avoid_same_office=avoid_same_office,
        started=None if only_unallocated else allocation_queries.started_pairs(assignment.id),
    )
    summary = AutoSummary(loads=loads)
    for decision in decisions:
        person = decision.person
        if decision.after != decision.before:
            rows = current.get(person.id, [])
            _replace(assignment, person.id, rows, decision.after, actor=actor, how="auto")
            if decision.removes:
                _settle_after_removal(assignment, person.id)
        if decision.kind == "unmatched":
            summary.unmatched.append(person)
        elif decision.kind == "already":
            summary.already += 1
        else:
            summary.allocated.append(person)
            summary.added += decision.added
    summary.unmatched.sort(key=lambda p: (p.full_name, p.id))
    return summary


# --- a cohort's own rubric copies -----------------------------------------------------------------


def copy_rubric(plan: GradingPlan, actor: Any) -> Rubric:
    """Copy the pack rubric the assignment uses into its cohort; the plan then uses the copy."""
    assignment = plan.assignment
    source = pack_rubric(assignment)
    if reason := permissions.why_not_copy_rubric(plan, source):
        raise RubricEditError(reason)
    assert source is not None
    copy = Rubric(
        course_id=source.course_id,
        key=source.key,
        version=source.version,
        title=source.title,
        description_html=source.description_html,
        pass_mark=source.pass_mark,
        bands=[dict(b) for b in source.bands or []],
        gates=[dict(g) for g in source.gates or []],
        content_hash=source.content_hash,
        frozen=False,
        current=False,
        cohort_id=assignment.cohort_id,
        source_id=source.id,
        criteria=[
            RubricCriterion(
                key=c.key,
                position=c.position,
                title=c.title,
                weight=c.weight,
                levels=[dict(level) for level in c.levels],
                zero_level=c.zero_level,
                parts=list(c.parts or []),
            )
            for c in source.criteria
        ],
    )
    db.session.add(copy)
    plan.rubric = copy
    db.session.flush()
    copy.content_hash = rubric_content.content_hash(copy)
    db.session.flush()
    audit.record(
        "rubric.copy",
        copy,
        actor=actor,
        before={"plan_id": plan.id, "rubric_id": source.id},
        after={
            "plan_id": plan.id,
            "assignment_id": assignment.id,
            "source_id": source.id,
            "rubric_id": copy.id,
            **rubric_content.content_of(copy),
        },
        cohort_id=assignment.cohort_id,
    )
    return copy


def reset_to_pack(plan: GradingPlan | None, actor: Any) -> None:
    """The plan uses the pack's current rubric again; the copy row stays (audit history)."""
    pack = pack_rubric(plan.assignment) if plan is not None else None
    if reason := permissions.why_not_reset_rubric(plan, pack):
        raise RubricEditError(reason)
    assert plan is not None and pack is not None
    old = plan.rubric_id
    plan.rubric = None
    db.session.flush()
    audit.record(
        "rubric.reset",
        plan,
        actor=actor,
        before={"rubric_id": old},
        after={"rubric_id": None, "pack_rubric_id": pack.id},
        cohort_id=plan.assignment.cohort_id,
    )


def update_rubric(
    rubric: Rubric,
    data: Mapping[str, Any],
    actor: Any,
    *,
    expected_hash: str | None = None,
) -> bool:
    """Change a cohort copy from form values (see :func:`lms.grading.rubric_content.
    read_content`). Returns whether anything changed. ``expected_hash`` is the copy's
    ``content_hash`` when the form was loaded.

    Raises RubricEditError (frozen, not a copy, grading started), RubricConflict (changed
    meanwhile) or RubricInvalid (every problem by field name); nothing is written then."""
    if rubric.id is not None:
        # Read it again under a row lock (PostgreSQL; SQLite writers are serialised anyway):
        # a concurrent edit or first review is then seen, not overwritten.
        db.session.flush()
        db.session.refresh(rubric, with_for_update=True)
    if reason := permissions.why_not_edit_rubric(rubric):
        raise RubricEditError(reason)
    if expected_hash is not None and expected_hash != rubric.content_hash:
        raise RubricConflict()
    content, errors = rubric_content.read_content(rubric, data)
    if errors:
        raise RubricInvalid(errors=errors)

    before = rubric_content.content_of(rubric)
    after = {
        **before,
        "title": content["title"],
        "pass_mark": content["pass_mark"],
        "bands": content["bands"],
        "criteria": [
            {
                "key": c.key,
                **content["criteria"][c.key],
                "zero_level": bool(c.zero_level),
                "parts": list(c.parts or []),
            }
            for c in rubric.criteria
        ],
    }
    if after == before:
        return False
    rubric.title = content["title"]
    rubric.pass_mark = content["pass_mark"]
    rubric.bands = content["bands"]
    for criterion in rubric.criteria:
        new = content["criteria"][criterion.key]
        criterion.title = new["title"]
        criterion.weight = new["weight"]
        criterion.levels = new["levels"]
    rubric.content_hash = rubric_content.content_hash(rubric)
    db.session.flush()
    audit.record(
        "rubric.update",
        rubric,
        actor=actor,
        before=before,
        after=after,
        cohort_id=rubric.cohort_id,
    )
    return True
