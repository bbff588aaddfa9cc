"""Audit trail: who changed what, before and after, in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, UTCDateTime, utcnow
from lms.extensions import db


class AuditEvent(Base):
    __tablename__ = "lms_audit_event"
    __table_args__ = (sa.Index("ix_lms_audit_event_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: NULL when the change came from the command line or the system.
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL"), index=True
    )
    #: Dotted verb such as "membership.add".
    action: Mapped[str] = mapped_column(sa.String(60))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    cohort_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_cohort.id", ondelete="SET NULL"), index=True
    )
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def record(
    action: str,
    obj: Any,
    *,
    actor: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    cohort_id: int | None = None,
) -> AuditEvent:
    """Add an audit row to the current transaction; the caller commits."""
    db.session.flush()
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        cohort_id=cohort_id,
        before=before,
        after=after,
    )
    db.session.add(event)
    db.session.flush()
    return event


def record_change(
    action: str,
    obj: Any,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    actor: Any = None,
    cohort_id: int | None = None,
) -> AuditEvent | None:
    """Audit only the keys whose value changed between two snapshots; nothing when none did."""
    changed = [key for key in after if after[key] != before.get(key)]
    if not changed:
        return None
    return record(
        action,
        obj,
        actor=actor,
        before={key: before.get(key) for key in changed},
        after={key: after[key] for key in changed},
        cohort_id=cohort_id,
    )
