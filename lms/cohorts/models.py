from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, TimestampMixin, UTCDateTime, utcnow

if TYPE_CHECKING:
    from lms.accounts.models import User

ROLES = ("participant", "trainer", "organizer")
#: Every role of a class, and the roles that see every participant's work.
MEMBER_ROLES = ROLES
STAFF_ROLES = ("trainer", "organizer")
STATES = ("draft", "open", "finished")


class Cohort(TimestampMixin, Base):
    """A class run for a group ("Kelas")."""

    __tablename__ = "lms_cohort"
    __table_args__ = (
        sa.CheckConstraint("end_date >= start_date", name="dates_ordered"),
        sa.CheckConstraint("state IN ('draft', 'open', 'finished')", name="state_known"),
        sa.CheckConstraint("jp_total >= 0", name="jp_not_negative"),
        sa.CheckConstraint("locale IN ('id', 'en')", name="locale_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short public code such as "KIT-2023-I"; used in certificate numbers.
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    venue: Mapped[str] = mapped_column(sa.String(200), default="")
    start_date: Mapped[date]
    end_date: Mapped[date]
    #: IANA zone name; pages show the cohort's local time.
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Jakarta")
    #: Total training hours (jam pelajaran) of the class.
    jp_total: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(sa.String(10), default="draft")
    #: Language of printed lists and exports ("id" or "en").
    locale: Mapped[str] = mapped_column(sa.String(5), default="id", server_default="id")
    #: Whether Izin and Sakit count as attended in the attendance rate.
    excused_counts_as_attended: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )
    #: Optional columns of the daftar hadir PDF and the attendance XLSX (lms.attendance.columns):
    #: Jabatan, Pangkat/Gol. and L/P.
    list_position: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    list_rank: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    list_sex: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: The official who signs the attendance list and the certificates.
    signer_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    signer_title: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    signer_nip: Mapped[str] = mapped_column(sa.String(18), default="", server_default="")
    #: The signer's rank (pangkat/golongan) code, e.g. "IV/c" (lms.accounts.civil_service).
    signer_rank: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    #: The agency that runs the training, in full; certificates print "Diselenggarakan oleh …".
    organized_by: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    #: The region whose innovation work the class belongs to (lms.regions), if any.
    region_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_region.id", ondelete="SET NULL"), index=True
    )
    #: A new random value whenever the cohort's participants, submissions or grading change
    #: (lms.grading.kept): counts over the whole cohort are kept per process under it.
    grading_token: Mapped[str | None] = mapped_column(sa.String(16))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Cohort {self.code}>"


class Membership(Base):
    """A person's role in one cohort; every right except admin comes from here."""

    __tablename__ = "lms_membership"
    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "user_id"),
        sa.CheckConstraint("role IN ('participant', 'trainer', 'organizer')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_cohort.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user_account.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(12))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Optimistic lock: two organizers changing the same role never overwrite silently.
    version: Mapped[int] = mapped_column(default=1)

    cohort: Mapped[Cohort] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")

    __mapper_args__ = {"version_id_col": version}
