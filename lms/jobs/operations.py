"""Writes of jobs from the web side: starting one (the worker side is ``lms.jobs.tasks``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from lms import audit
from lms.db import utcnow
from lms.extensions import db
from lms.jobs import kinds, queries
from lms.jobs.models import Job
from lms.jobs.tasks import MSG_QUEUED


def start(
    kind_name: str,
    obj: Any,
    *,
    owner: Any,
    params: dict[str, Any] | None = None,
    scope: str = "",
    enqueue: bool = True,
) -> tuple[Job, bool]:
    """Queue a job of ``kind_name`` about ``obj`` (a model instance; None for the site);
    ``(job, True)``, or ``(the queued or running one, False)`` when there is one already of
    the same kind, object and ``scope`` (e.g. a year: jobs of other scopes run side by side).

    Audited; flushes, never commits. The message goes on the queue after the commit
    (``unit_of_work.on_commit``), so no worker ever sees a job whose row is not committed;
    ``enqueue=False`` leaves that to the caller (commands commit, then ``queue.enqueue``).
    Two requests at once: the second's insert meets the partial unique index, its savepoint
    is rolled back and it answers with the first one's job.
    """
    kind = kinds.get(kind_name)
    if kind is None:
        raise ValueError(f"unknown job kind {kind_name!r}")
    object_type, object_id = queries.object_ref(obj)
    if object_type != kind.object_type:
        raise TypeError(f"job kind {kind_name} is about {kind.object_type}, not {object_type}")
    scope = str(scope)[:40]
    existing = queries.active_job(kind_name, obj, scope)
    if existing is not None:
        return existing, False
    job = Job(
        kind=kind_name,
        owner_id=getattr(owner, "id", None),
        object_type=object_type,
        object_id=object_id,
        scope=scope,
        params=dict(params or {}),
        state="queued",
        progress=0,
        message=MSG_QUEUED,
        attempts=0,
        created_dt=utcnow(),
        heartbeat_dt=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(job)
            db.session.flush()
    except sa.exc.IntegrityError:
        # A concurrent request queued the same kind and object first.
        existing = queries.active_job(kind_name, obj, scope)
        if existing is None:
            raise
        return existing, False
    audit.record(
        "job.start",
        job,
        actor=owner,
        after={"kind": kind_name, "object_type": object_type, "object_id": object_id}
        | ({"scope": scope} if scope else {})
        | ({"params": job.params} if job.params else {}),
        cohort_id=object_id if object_type == "Cohort" else None,
    )
    if enqueue:
        from lms.jobs import queue
        from lms.unit_of_work import on_commit

        job_id = job.id
        on_commit(lambda: queue.enqueue(job_id))
    return job, True
