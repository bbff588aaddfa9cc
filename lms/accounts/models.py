from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from lms.accounts.civil_service import RANK_CODES, format_nip, rank_label
from lms.db import Base, TimestampMixin

if TYPE_CHECKING:
    from lms.cohorts.models import Membership

LOCALES = ("id", "en")

_rank_list = ", ".join(f"'{code}'" for code in RANK_CODES)


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "lms_user_account"
    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint("nip IS NULL OR length(nip) = 18", name="nip_length"),
        sa.CheckConstraint(f"rank IS NULL OR rank IN ({_rank_list})", name="rank_known"),
        sa.CheckConstraint("locale IN ('id', 'en')", name="locale_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-case; the login identifier together with the NIP.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    #: 18 digits without spaces; NULL for participants who are not civil servants.
    nip: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: Full name with academic titles, as printed on certificates.
    full_name: Mapped[str] = mapped_column(sa.String(200))
    #: Golongan code such as "III/a".
    rank: Mapped[str | None] = mapped_column(sa.String(5))
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    office: Mapped[str] = mapped_column(sa.String(200), default="")
    #: The regional office the free-text ``office`` stands for, once matched (lms.regions).
    office_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_office.id", ondelete="SET NULL"), index=True
    )
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    locale: Mapped[str] = mapped_column(sa.String(5), default="id")
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: Deactivated accounts keep their records but cannot log in.
    active: Mapped[bool] = mapped_column(default=True)
    #: Secret part of the personal calendar feed URL; NULL until first asked for.
    calendar_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def nip_display(self) -> str:
        return format_nip(self.nip)

    @property
    def rank_display(self) -> str:
        return rank_label(self.rank)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
