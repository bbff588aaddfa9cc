from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from lms.accounts.civil_service import (
    PNS_RANK_CODES,
    PPPK_GRADES,
    RANK_CODES,
    STATUSES,
    format_nip,
    guess_status,
    rank_label,
    status_label,
)
from lms.db import Base, TimestampMixin

if TYPE_CHECKING:
    from lms.cohorts.models import Membership

LOCALES = ("id", "en")


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _status_when_not_given(context) -> str:
    # Code that creates accounts without a status (hosts, scripts) gets the legacy guess.
    row = context.get_current_parameters()
    return guess_status(row.get("nip"), row.get("rank"))


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "lms_user_account"
    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint("nip IS NULL OR length(nip) = 18", name="nip_length"),
        # ASCII digits only: ltrim() with a character set exists in SQLite and PostgreSQL.
        sa.CheckConstraint("nip IS NULL OR ltrim(nip, '0123456789') = ''", name="nip_digits"),
        sa.CheckConstraint(
            f"employment_status IN ({_sql_list(STATUSES)})", name="employment_status_known"
        ),
        sa.CheckConstraint(
            "employment_status <> 'non_asn' OR nip IS NULL", name="non_asn_without_number"
        ),
        sa.CheckConstraint(f"rank IS NULL OR rank IN ({_sql_list(RANK_CODES)})", name="rank_known"),
        sa.CheckConstraint(
            "rank IS NULL"
            f" OR (employment_status = 'pns' AND rank IN ({_sql_list(PNS_RANK_CODES)}))"
            f" OR (employment_status = 'pppk' AND rank IN ({_sql_list(PPPK_GRADES)}))",
            name="rank_fits_status",
        ),
        sa.CheckConstraint("sex IS NULL OR sex IN ('L', 'P')", name="sex_known"),
        sa.CheckConstraint("locale IN ('id', 'en')", name="locale_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-case; the login identifier together with the NIP.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    #: "pns", "pppk" or "non_asn"; decides what ``nip`` and ``rank`` may hold.
    employment_status: Mapped[str] = mapped_column(sa.String(8), default=_status_when_not_given)
    #: The person's 18-digit number in ASCII digits, without spaces: a PNS's NIP or a PPPK's
    #: NI PPPK (one unique column, so one number is one account whatever the status);
    #: NULL for non-ASN people.
    nip: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: Full name with academic titles, as printed on certificates.
    full_name: Mapped[str] = mapped_column(sa.String(200))
    #: A PNS's golongan code such as "III/a", or a PPPK's golongan "I"–"XVII".
    rank: Mapped[str | None] = mapped_column(sa.String(5))
    #: "L" or "P" as the person stated it; NULL: read from the NIP (civil_service.sex_of).
    sex: Mapped[str | None] = mapped_column(sa.String(1))
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

    @property
    def status_display(self) -> str:
        return status_label(self.employment_status)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
