"""Allocation writes: which trainers (widyaiswara) mark a participant's work on an assignment,
chosen by hand or balanced automatically across the cohort's trainers.

At most two markers per participant (slots 1 and 2). A marker who has started a review of the
participant's work is never taken off: reviews are never lost. Each function flushes and writes
an ``allocation.set`` audit row per participant changed; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from lms import audit
from lms.accounts.models import User
from lms.cohorts.models import Membership
from lms.extensions import db
from lms.grading import operations
from lms.grading.models import Allocation, Review
from lms.submissions.models import CohortAssignment, Submission

#: Markers per participant: one, or two for double marking.
MAX_MARKERS = 2


class AllocationError(ValueError):
    """A refusal with a message for the organizer; nothing was changed."""


# --- offices ------------------------------------------------------------------------------------


def normal_office(office: str | None) -> str:
    """An office name compared loosely: spaces collapsed, case folded ("dinas  a" = "Dinas A")."""
    return " ".join((office or "").split()).casefold()


def same_office(a: str | None, b: str | None) -> bool:
    """Whether two offices are the same one; an empty office never matches anything."""
    first = normal_office(a)
    return bool(first) and first == normal_office(b)


# --- reading helpers (a fixed number of queries each) -----------------------------------------


def _members(cohort_id: int, role: str) -> list[User]:
    return list(
        db.session.scalars(
            db.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.cohort_id == cohort_id, Membership.role == role)
            .order_by(User.full_name, User.id)
        )
    )


def cohort_trainers(cohort_id: int) -> list[User]:
    """The cohort's trainers by name (the order ties are broken in)."""
    return _members(cohort_id, "trainer")


def cohort_participants(cohort_id: int) -> list[User]:
    return _members(cohort_id, "participant")


def started_pairs(
    assignment_id: int, participant_ids: Iterable[int] | None = None
) -> set[tuple[int, int]]:
    """(participant id, trainer id) for every trainer holding a review (any kind, any state)
    of the participant's work on the assignment."""
    query = (
        db.select(Submission.user_id, Review.trainer_id)
        .join(Review, Review.submission_id == Submission.id)
        .where(Submission.assignment_id == assignment_id)
        .distinct()
    )
    if participant_ids is not None:
        query = query.where(Submission.user_id.in_(list(participant_ids)))
    return {(pid, tid) for pid, tid in db.session.execute(query)}


def _allocations(assignment_id: int) -> dict[int, list[Allocation]]:
    """Participant id -> their allocations on the assignment, in slot order."""
    found: dict[int, list[Allocation]] = {}
    for allocation in db.session.scalars(
        db.select(Allocation).filter_by(assignment_id=assignment_id).order_by(Allocation.slot)
    ):
        found.setdefault(allocation.participant_id, []).append(allocation)
    return found


# --- writing ------------------------------------------------------------------------------------


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


def set_markers(
    assignment: CohortAssignment, participant: User, trainers: list[User], actor: Any
) -> bool:
    """Give ``participant`` exactly these markers on ``assignment`` (0, 1 or 2 distinct trainers
    of the cohort, in slot order). Returns whether anything changed.

    Raises AllocationError (nothing changed) for bad input, or when a marker taken off has
    already started reviewing the participant's work.
    """
    trainer_ids = [t.id for t in trainers]
    if len(trainer_ids) > MAX_MARKERS:
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
    current = operations.allocations_of(assignment.id, participant.id)
    before = [a.trainer_id for a in current]
    # A marker kept from before may stay even if their role changed since; new ones must be
    # trainers of the cohort.
    if any(roles.get(t) != "trainer" for t in trainer_ids if t not in before):
        raise AllocationError(_("Penilai yang dipilih bukan widyaiswara kelas ini."))
    if before == trainer_ids:
        return False
    removed = [a for a in current if a.trainer_id not in trainer_ids]
    if removed:
        started = started_pairs(assignment.id, [participant.id])
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
        _settle(assignment, participant.id)
    return True


def _settle(assignment: CohortAssignment, participant_id: int) -> None:
    """After markers were taken off, the ones left may all be done: settle the grade."""
    submission = db.session.scalar(
        db.select(Submission).filter_by(assignment_id=assignment.id, user_id=participant_id)
    )
    latest = operations.latest_version(submission) if submission else None
    if submission is not None and latest is not None:
        operations.settle(submission, latest)


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
    """Give every participant ``markers`` markers, balancing the load across the cohort's
    trainers: the least-loaded trainer first (existing allocations on this assignment count),
    ties by name then id; participants with the fewest suitable trainers are served first.

    ``avoid_same_office``: never a trainer of the participant's own office (compared with
    :func:`same_office`). ``only_unallocated``: keep every existing marker and only fill the
    missing slots; otherwise start again, keeping only markers who have started reviewing.
    A participant without enough suitable trainers is left as they were and reported.
    """
    if markers not in (1, MAX_MARKERS):
        raise AllocationError(_("Pilih satu atau dua penilai per peserta."))
    trainers = cohort_trainers(assignment.cohort_id)
    if not trainers:
        raise AllocationError(_("Kelas ini belum punya widyaiswara."))
    if len(trainers) < markers:
        raise AllocationError(
            _("Dua penilai per peserta memerlukan sedikitnya dua widyaiswara di kelas ini.")
        )
    participants = cohort_participants(assignment.cohort_id)
    current = _allocations(assignment.id)
    started = set() if only_unallocated else started_pairs(assignment.id)

    keep: dict[int, list[int]] = {}
    for person in participants:
        ids = [a.trainer_id for a in current.get(person.id, [])]
        keep[person.id] = ids if only_unallocated else [t for t in ids if (person.id, t) in started]
    load = dict.fromkeys((t.id for t in trainers), 0)
    for ids in keep.values():
        for trainer_id in ids:
            if trainer_id in load:
                load[trainer_id] += 1
    rank = {t.id: n for n, t in enumerate(trainers)}

    def suitable(person: User) -> list[User]:
        return [
            t
            for t in trainers
            if t.id not in keep[person.id]
            and not (avoid_same_office and same_office(t.office, person.office))
        ]

    choices = {person.id: suitable(person) for person in participants}
    summary = AutoSummary()
    for person in sorted(participants, key=lambda p: len(choices[p.id])):
        kept = keep[person.id]
        before = [a.trainer_id for a in current.get(person.id, [])]
        need = markers - len(kept)
        if need <= 0:
            if kept != before:
                _replace(
                    assignment, person.id, current.get(person.id, []), kept, actor=actor, how="auto"
                )
                if set(before) - set(kept):
                    _settle(assignment, person.id)
            summary.already += 1
            continue
        candidates = choices[person.id]
        if len(candidates) < need:
            summary.unmatched.append(person)
            # Left as they were: what they had still counts.
            for trainer_id in before:
                if trainer_id in load and trainer_id not in kept:
                    load[trainer_id] += 1
            continue
        picked: list[int] = []
        for _n in range(need):
            best = min(
                (t for t in candidates if t.id not in picked),
                key=lambda t: (load[t.id], rank[t.id]),
            )
            picked.append(best.id)
            load[best.id] += 1
        if kept + picked == before:
            summary.already += 1
            continue
        _replace(
            assignment,
            person.id,
            current.get(person.id, []),
            kept + picked,
            actor=actor,
            how="auto",
        )
        if set(before) - set(kept + picked):
            _settle(assignment, person.id)
        summary.allocated.append(person)
        summary.added += len([t for t in kept + picked if t not in before])
    summary.unmatched.sort(key=lambda p: (p.full_name, p.id))
    summary.loads = load
    return summary
