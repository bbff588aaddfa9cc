"""Reads of jobs: the running one of a kind and object, the last result, a person's list."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from lms.db import utcnow
from lms.extensions import db
from lms.jobs.models import ACTIVE_STATES, SITE, Job


def object_ref(obj: Any) -> tuple[str, int]:
    """(object_type, object_id) of a job's object: a model instance, or None for the site."""
    if obj is None:
        return SITE, 0
    return type(obj).__name__, int(obj.id)


def active_job(kind: str, obj: Any, scope: str = "") -> Job | None:
    """The queued or running job of ``kind`` about ``obj`` (at most one: a unique index)."""
    object_type, object_id = object_ref(obj)
    return db.session.scalar(
        sa.select(Job).where(
            Job.kind == kind,
            Job.object_type == object_type,
            Job.object_id == object_id,
            Job.scope == scope,
            Job.state.in_(ACTIVE_STATES),
        )
    )


def latest_result(kind: str, obj: Any, scope: str = "") -> Job | None:
    """The newest done job of ``kind`` about ``obj`` whose result has not expired."""
    object_type, object_id = object_ref(obj)
    return db.session.scalar(
        sa.select(Job)
        .where(
            Job.kind == kind,
            Job.object_type == object_type,
            Job.object_id == object_id,
            Job.scope == scope,
            Job.state == "done",
            Job.expires_dt > utcnow(),
        )
        .order_by(Job.finished_dt.desc(), Job.id.desc())
        .limit(1)
    )


def jobs_of(user: Any, limit: int = 30) -> list[Job]:
    """A person's own jobs, newest first."""
    return list(
        db.session.scalars(
            sa.select(Job)
            .where(Job.owner_id == user.id)
            .order_by(Job.created_dt.desc(), Job.id.desc())
            .limit(limit)
        )
    )


def recent(kind: str, limit: int = 20) -> list[Job]:
    """The newest jobs of one kind (e.g. the backups on the admin page)."""
    return list(
        db.session.scalars(
            sa.select(Job)
            .where(Job.kind == kind)
            .order_by(Job.created_dt.desc(), Job.id.desc())
            .limit(limit)
        )
    )


def objects_of(jobs: list[Job]) -> dict[tuple[str, int], Any]:
    """The objects the jobs are about, one query per model (for list pages)."""
    from lms.jobs import kinds

    wanted: dict[type, set[int]] = {}
    for job in jobs:
        kind = kinds.get(job.kind)
        if kind is not None and kind.model is not None:
            wanted.setdefault(kind.model, set()).add(job.object_id)
    found: dict[tuple[str, int], Any] = {}
    for model, ids in wanted.items():
        for obj in db.session.scalars(sa.select(model).where(model.id.in_(ids))):
            found[(model.__name__, obj.id)] = obj
    return found
