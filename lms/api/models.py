"""Personal access tokens: what a person made on their profile page for an app."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from lms.accounts.models import User


#: Every secret starts with this, so that scanners and people recognise a leaked one.
SECRET_PREFIX = "kin_"


def secret_hash(secret: str) -> str:
    """What is stored of a secret. A fast hash is enough: the secret is 256 random bits, so
    there is nothing to guess, and every request looks its token up by this value."""
    return hashlib.sha256(secret.encode()).hexdigest()


class PersonalAccessToken(Base):
    """A token a person made on their profile page for an app: ``Authorization: Bearer``.

    Only the SHA-256 of the secret is stored; the secret is shown once, when it is made.
    Never deleted: revoking keeps the row with its time."""

    __tablename__ = "lms_api_token"
    __table_args__ = (
        sa.CheckConstraint("expires_dt > created_dt", name="expires_after_creation"),
        sa.CheckConstraint("length(token_hash) = 64", name="hash_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user_account.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    #: Hex SHA-256 of the whole secret ("kin_..."): the lookup key of every request.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The secret's first characters, so that its owner recognises it in the list.
    hint: Mapped[str] = mapped_column(sa.String(16))
    #: Scopes the token was given (lms.api.permissions.SCOPES), in that order.
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<PersonalAccessToken {self.id} {self.hint}>"
