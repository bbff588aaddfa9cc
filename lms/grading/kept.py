"""Counts over a whole cohort's grading (the grade book's cells per status, a trainer's queue
per bucket), and its assignments with their specs and plans (:func:`kept_instances`), kept
per process between requests, keyed by the cohort's ``grading_token``.

A transaction that writes a participant's membership, a submission or version, a review, a
grade, an allocation, a cohort assignment or its grading plan, the class's courses, or the
name, NIP or office of one of its people gives the cohort a new random token as it commits
(an assignment spec: every cohort; see :func:`_note_changes`, :func:`_new_tokens`), so a
count is computed again after any change to what it counts and kept while nothing changes:
an organizer paging through the grade book, or back and forth between filters, counts once.
The token comes with the cohort row every class page loads already, so looking it up costs
no statement; inside the writing transaction itself, its cohorts are counted afresh.

A count computed just as another transaction commits may be kept under the token before it:
readers only see that token until the commit, and every reader after it sees the new one. Writes
to these tables must go through the session's unit of work (``session.add``/``delete``, not a
bulk ``UPDATE``), or call :func:`changed`. ``LMS_GRADING_COUNTS_KEPT`` sets how many counts an
app keeps (0: none, every page counts afresh)."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, attributes, make_transient_to_detached
from sqlalchemy.orm.base import NO_VALUE

from lms.accounts.models import User
from lms.catalog.models import AssignmentSpec, CohortCourse
from lms.cohorts.models import Cohort, Membership
from lms.grading.models import Allocation, Grade, GradingPlan, Review
from lms.submissions.models import CohortAssignment, Submission, SubmissionVersion

T = TypeVar("T")

_KEY = "lms.grading.kept"
#: session.info: cohort ids whose grading this transaction changed; whether it changed all.
_PENDING = "lms.grading.kept.pending"
_EVERY = "lms.grading.kept.every"

# What a flushed object names its cohort by: the cohort itself, a cohort assignment, or a
# submission (read back from the database; a deleted submission names its assignment itself).
_BY_COHORT = (Membership, CohortAssignment, CohortCourse)
_BY_ASSIGNMENT = (Submission, Allocation, GradingPlan)
_BY_SUBMISSION = (SubmissionVersion, Review, Grade)
#: Shared by every class that takes the course: a change renews every token (rare: an import).
_BY_EVERY = (AssignmentSpec,)
#: A person's name, NIP and office: the queue and the grade book keep their pages' order and
#: people by them (a change renews the tokens of the person's classes).
_PERSON_SHOWN = ("full_name", "nip", "office")
_WATCHED = _BY_COHORT + _BY_ASSIGNMENT + _BY_SUBMISSION + _BY_EVERY + (User,)


class _Kept:
    def __init__(self) -> None:
        self.values: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()


def kept(key: Hashable, cohort: Cohort, compute: Callable[[], T]) -> T:
    """The value of ``compute()`` for ``key`` over ``cohort`` as it stands now: computed once
    per process and grading token. The value is shared between requests: never change it."""
    size = current_app.config.get("LMS_GRADING_COUNTS_KEPT", 0)
    info = getattr(sa.orm.object_session(cohort), "info", {})
    if size <= 0 or info.get(_EVERY) or cohort.id in info.get(_PENDING, ()):
        return compute()  # this transaction changed the cohort: its token is not new yet
    store = current_app.extensions.get(_KEY)
    if store is None:
        store = current_app.extensions.setdefault(_KEY, _Kept())
    full = (cohort.id, cohort.grading_token, key)
    with store.lock:
        if full in store.values:
            store.values.move_to_end(full)
            return store.values[full]
    value = compute()
    with store.lock:
        store.values[full] = value
        while len(store.values) > size:
            store.values.popitem(last=False)
    return value


def kept_instances(
    key: Hashable, cohort: Cohort, compute: Callable[[], list[tuple[Any, ...]]]
) -> list[tuple[Any, ...]]:
    """Rows of ORM instances (tuples, None allowed) of ``compute()`` for ``key`` over
    ``cohort``, kept as :func:`kept` keeps a count: as detached copies of their loaded
    columns (and of the many-to-one instances loaded with them), merged into this request's
    session without a statement (``Session.merge(load=False)``). Each request gets instances
    of its own session: they load what was not loaded, and expire, as any other; their JSON
    values are the kept copies' own, so never change one in place."""
    session = sa.orm.object_session(cohort)
    if session is None:  # a detached cohort: nothing to merge into
        return compute()
    copies = kept(key, cohort, lambda: [tuple(map(_detached, row)) for row in compute()])
    return [
        tuple(None if o is None else session.merge(o, load=False) for o in row) for row in copies
    ]


def _detached(obj: Any) -> Any:
    """A detached copy of ``obj`` holding what it has loaded (columns; many-to-one instances
    copied the same way), in no session: what ``obj``'s session does later (expire on
    commit, changes) does not reach it."""
    if obj is None:
        return None
    state = sa.inspect(obj)
    copy = state.mapper.class_manager.new_instance()
    for prop in state.mapper.column_attrs:
        if prop.key in state.dict:
            attributes.set_committed_value(copy, prop.key, state.dict[prop.key])
    for rel in state.mapper.relationships:
        if not rel.uselist and rel.key in state.dict:
            attributes.set_committed_value(copy, rel.key, _detached(state.dict[rel.key]))
    make_transient_to_detached(copy)
    return copy


def changed(session: Session, cohort_ids: Iterable[int] | None) -> None:
    """The cohorts (None: every cohort) get a new grading token when the session's
    transaction commits."""
    pending = session.info.setdefault(_PENDING, set())
    if cohort_ids is None:
        session.info[_EVERY] = True
    pending.update(cohort_ids or ())


def _loaded(obj: Any, name: str) -> Any:
    """A column's value as the flush left it, without loading anything (NO_VALUE: unknown)."""
    return sa.inspect(obj).dict.get(name, NO_VALUE)


@sa.event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context: Any) -> None:
    cohorts: set[Any] = set()
    assignments: set[Any] = set()
    submissions: set[Any] = set()
    people: set[Any] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, _WATCHED):
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        if isinstance(obj, User):
            if obj in session.deleted:
                cohorts.add(NO_VALUE)  # its memberships may be gone already (rare)
            elif obj not in session.new and _shown_changed(obj):
                people.add(sa.inspect(obj).identity[0])
        elif isinstance(obj, _BY_EVERY):
            cohorts.add(NO_VALUE)
        elif isinstance(obj, _BY_COHORT):
            cohorts.add(_loaded(obj, "cohort_id"))
        elif isinstance(obj, _BY_ASSIGNMENT):
            assignments.add(_loaded(obj, "assignment_id"))
        else:
            submissions.add(_loaded(obj, "submission_id"))
    if not (cohorts or assignments or submissions or people):
        return
    if NO_VALUE in cohorts | assignments | submissions:
        changed(session, None)  # a spec, or a value the flush did not leave loaded: every cohort
        return
    if assignments or submissions:
        submitted = sa.select(Submission.assignment_id).where(Submission.id.in_(submissions))
        found = sa.select(CohortAssignment.cohort_id).where(
            CohortAssignment.id.in_(assignments) | CohortAssignment.id.in_(submitted)
        )
        cohorts.update(session.connection().scalars(found))
    if people:
        classes = sa.select(Membership.cohort_id).where(Membership.user_id.in_(people))
        cohorts.update(session.connection().scalars(classes))
    changed(session, cohorts)


def _shown_changed(user: User) -> bool:
    state = sa.inspect(user)
    return any(state.attrs[name].history.has_changes() for name in _PERSON_SHOWN)


@sa.event.listens_for(Session, "before_commit")
def _new_tokens(session: Session) -> None:
    # At the end of the transaction (or of a savepoint, inside it): the cohort rows are
    # locked from here to the commit only, after the other writes, so that two transactions
    # writing the same class's submissions do not each wait for the other's locks. Only a
    # session with such rows pending is flushed here (a host app's own sessions are not).
    if any(isinstance(o, _WATCHED) for o in (*session.new, *session.dirty, *session.deleted)):
        session.flush()
    pending = session.info.pop(_PENDING, set())
    every = session.info.pop(_EVERY, False)
    if not (pending or every):
        return
    token = secrets.token_hex(8)
    table = Cohort.__table__
    update = sa.update(table).values(grading_token=token)
    if not every:
        update = update.where(table.c.id.in_(sorted(pending)))
    session.connection().execute(update)
    for obj in list(session.identity_map.values()):
        # the identity, not obj.id: an expired cohort would be read again for it
        if isinstance(obj, Cohort) and (every or sa.inspect(obj).identity[0] in pending):
            attributes.set_committed_value(obj, "grading_token", token)


@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_changes(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_PENDING, None)
        session.info.pop(_EVERY, None)
