"""In-app notifications (the bell) and the outbox of messages sent after commit."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from lms.accounts.models import User

#: pending: to send (at ``next_attempt_dt``); sending: claimed by one sender; sent.
OUTBOX_STATES = ("pending", "sending", "sent")
#: Channels of the outbox; each has one sender (lms.notifications.mail.SENDERS).
CHANNELS = ("email",)


class Notification(Base):
    """Something a person should know; worded when shown, in the reader's language."""

    __tablename__ = "lms_notification"
    __table_args__ = (
        sa.Index("ix_lms_notification_unread", "user_id", "read_dt"),
        sa.Index("ix_lms_notification_subject", "user_id", "subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user_account.id", ondelete="CASCADE"))
    #: A registered kind (lms.notifications.kinds), e.g. "clinic.message".
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: The values its wording needs (names and titles as they were).
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: Where it leads: {"endpoint": ..., "values": {...}}, built into a URL when shown.
    target: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: What it is about ("consultation:12"): opening that page marks it read.
    subject: Mapped[str] = mapped_column(sa.String(60), default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class OutboxMessage(Base):
    """A message to send, written in the same transaction as the change it tells of and sent
    after the commit; retried with backoff until sent, never dropped."""

    __tablename__ = "lms_outbox_message"
    __table_args__ = (
        sa.CheckConstraint(
            f"state IN ({', '.join(repr(s) for s in OUTBOX_STATES)})", name="state_known"
        ),
        sa.CheckConstraint(
            f"channel IN ({', '.join(repr(c) for c in CHANNELS)})", name="channel_known"
        ),
        sa.Index("ix_lms_outbox_message_due", "state", "next_attempt_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(10), default="email")
    recipient_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL"), index=True
    )
    #: The address on the channel (an e-mail address).
    address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    #: Plain text, already in the recipient's language.
    body: Mapped[str] = mapped_column(sa.Text)
    notification_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_notification.id", ondelete="SET NULL")
    )
    state: Mapped[str] = mapped_column(sa.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When a sender claimed it (a claim older than a few minutes is taken over).
    claimed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
