"""A ``Job``: one run of long work (an export, a backup, a batch) off the request.

States: ``queued`` (committed, a message is on the queue) → ``running`` (a worker claimed it:
``attempts`` went up by one and ``heartbeat_dt`` is touched while it works) → ``done`` (the
result file is in the upload store until ``expires_dt``) or ``failed``; a done job whose
result was deleted after ``expires_dt`` is ``expired``. A running job whose heartbeat stopped
(its worker was killed) goes back to ``queued`` and is run again (``lms.jobs.tasks``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, UTCDateTime, utcnow

STATES = ("queued", "running", "done", "failed", "expired")
#: States in which a job still has work ahead: one such job per kind and object.
ACTIVE_STATES = ("queued", "running")
#: The object of a job about the whole site (a backup).
SITE = "site"

_active = "state IN ('queued', 'running')"


class Job(Base):
    __tablename__ = "lms_job"
    __table_args__ = (
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed', 'expired')", name="state_known"
        ),
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name="progress_percent"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.CheckConstraint("state <> 'done' OR result_key IS NOT NULL", name="done_has_result"),
        # One queued or running job per kind, object and scope: a second click finds the first.
        sa.Index(
            "uq_lms_job_one_active",
            "kind",
            "object_type",
            "object_id",
            "scope",
            unique=True,
            sqlite_where=sa.text(_active),
            postgresql_where=sa.text(_active),
        ),
        sa.Index("ix_lms_job_owner_created", "owner_id", "created_dt"),
        sa.Index("ix_lms_job_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The registered kind (``lms.jobs.kinds``), e.g. "grading.gradebook_xlsx".
    kind: Mapped[str] = mapped_column(sa.String(60))
    #: Who started it; NULL when started from the command line.
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    #: What it is about: a model's class name ("Cohort") and id, or "site" and 0.
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int] = mapped_column(default=0)
    #: Tells apart jobs of one kind and object that may run side by side (e.g. the year of an
    #: index's evidence bundle); "" for most kinds.
    scope: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    #: The kind's options (JSON), e.g. a CSV separator.
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    state: Mapped[str] = mapped_column(sa.String(10), default="queued")
    #: 0–100, and a short message (a msgid, translated where it is shown).
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(sa.String(200))
    #: ``jobs/<token>`` inside the upload store (``lms.jobs.results``); set when done.
    result_key: Mapped[str | None] = mapped_column(sa.String(80))
    #: The download name and size in bytes of the result.
    result_name: Mapped[str | None] = mapped_column(sa.String(200))
    result_size: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: Why it failed, for the person who started it (a msgid or a plain sentence).
    error: Mapped[str | None] = mapped_column(sa.Text)
    #: How many times a worker claimed it (a killed worker's run counts).
    attempts: Mapped[int] = mapped_column(default=0)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the result is deleted (done jobs).
    expires_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Last sign of life: set when queued, touched by the worker while it runs.
    heartbeat_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "expired")

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.object_type}:{self.object_id} {self.state}>"
