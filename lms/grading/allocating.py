"""The balanced-allocation rule (pure: no database): which trainers (widyaiswara) mark each
participant's work when an organizer lets the system choose. :func:`lms.grading.operations.
auto_allocate` reads the cohort, asks :func:`balance` and writes what it decided.

At most two markers per participant (slots 1 and 2). A marker who has started a review of the
participant's work is never taken off: reviews are never lost.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Markers per participant: one, or two for double marking.
MAX_MARKERS = 2


def normal_office(office: str | None) -> str:
    """An office name compared loosely: spaces collapsed, case folded ("dinas  a" = "Dinas A")."""
    return " ".join((office or "").split()).casefold()


def same_office(a: str | None, b: str | None) -> bool:
    """Whether two offices are the same one; an empty office never matches anything."""
    first = normal_office(a)
    return bool(first) and first == normal_office(b)


@dataclass
class Decision:
    """What becomes of one participant, in the order participants are served."""

    person: Any
    #: Their markers before and after (trainer ids, slot order); equal when left as they were.
    before: list[int]
    after: list[int]
    #: "allocated" (given new markers), "already" (had enough), "unmatched" (too few
    #: suitable trainers: left as they were).
    kind: str

    @property
    def added(self) -> int:
        return len([t for t in self.after if t not in self.before])

    @property
    def removes(self) -> bool:
        return bool(set(self.before) - set(self.after))


def balance(
    trainers: Sequence[Any],
    participants: Sequence[Any],
    current: Mapping[int, list[int]],
    *,
    markers: int,
    avoid_same_office: bool,
    started: Collection[tuple[int, int]] | None = None,
) -> tuple[list[Decision], dict[int, int]]:
    """Give every participant ``markers`` markers, balancing the load across ``trainers`` (by
    name: the order ties are broken in): the least-loaded trainer first (markers kept count),
    ties by that order; participants with the fewest suitable trainers are served first.

    ``current``: participant id -> their markers now. ``started``: None keeps every existing
    marker and only fills the missing slots; otherwise start again, keeping only the markers
    in (participant id, trainer id) ``started``. ``avoid_same_office``: never a trainer of the
    participant's own office (:func:`same_office`). Returns the decisions and trainer id ->
    allocations afterwards (of ``trainers``)."""
    keep: dict[int, list[int]] = {}
    for person in participants:
        ids = list(current.get(person.id, []))
        keep[person.id] = ids if started is None else [t for t in ids if (person.id, t) in started]
    load = dict.fromkeys((t.id for t in trainers), 0)
    for ids in keep.values():
        for trainer_id in ids:
            if trainer_id in load:
                load[trainer_id] += 1
    rank = {t.id: n for n, t in enumerate(trainers)}

    def suitable(person: Any) -> list[Any]:
        return [
            t
            for t in trainers
            if t.id not in keep[person.id]
            and not (avoid_same_office and same_office(t.office, person.office))
        ]

    choices = {person.id: suitable(person) for person in participants}
    decisions = []
    for person in sorted(participants, key=lambda p: len(choices[p.id])):
        kept = keep[person.id]
        before = list(current.get(person.id, []))
        need = markers - len(kept)
        if need <= 0:
            decisions.append(Decision(person, before, kept, "already"))
            continue
        candidates = choices[person.id]
        if len(candidates) < need:
            # Left as they were: what they had still counts.
            for trainer_id in before:
                if trainer_id in load and trainer_id not in kept:
                    load[trainer_id] += 1
            decisions.append(Decision(person, before, before, "unmatched"))
            continue
        picked: list[int] = []
        for _n in range(need):
            best = min(
                (t for t in candidates if t.id not in picked),
                key=lambda t: (load[t.id], rank[t.id]),
            )
            picked.append(best.id)
            load[best.id] += 1
        after = kept + picked
        decisions.append(
            Decision(person, before, after, "already" if after == before else "allocated")
        )
    return decisions, load
