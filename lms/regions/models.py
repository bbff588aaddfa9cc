"""Regions (kabupaten, kota, provinsi), their offices, and people's roles in a region."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, TimestampMixin, UTCDateTime, utcnow

if TYPE_CHECKING:
    from lms.accounts.models import User

REGION_KINDS = ("kabupaten", "kota", "provinsi")
OFFICE_KINDS = (
    "sekretariat",
    "dinas",
    "badan",
    "kantor",
    "inspektorat",
    "kecamatan",
    "kelurahan",
    "puskesmas",
    "rsud",
    "sekolah",
    "uptd",
    "lainnya",
)
#: coordinator: the agency's staff (manage, verify); office_operator: acts for one office;
#: mentor: the clinic's pendamping; leader: reads dashboards.
REGION_ROLES = ("coordinator", "office_operator", "mentor", "leader")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Region(TimestampMixin, Base):
    """A regional government whose innovations the agency reports ("Daerah")."""

    __tablename__ = "lms_region"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", REGION_KINDS), name="kind_known"),
        sa.CheckConstraint("code <> ''", name="code_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short public code used in URLs, e.g. the BPS/Kemendagri code "7313".
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(10))
    #: The province's name (a province region names itself).
    province: Mapped[str] = mapped_column(sa.String(200), default="")
    #: The province region hosting this one, when one instance serves a whole province.
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_region.id", ondelete="SET NULL"), index=True
    )
    #: IANA zone name; the region's pages show its local time.
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Jakarta")
    #: The agency that runs the region's innovation work, in full, e.g. "Badan Perencanaan
    #: Pembangunan, Penelitian dan Pengembangan Daerah Kabupaten ...".
    agency_name: Mapped[str] = mapped_column(sa.String(300), default="")

    parent: Mapped[Region | None] = relationship(remote_side="Region.id")
    offices: Mapped[list[Office]] = relationship(
        back_populates="region", order_by="Office.name", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Region {self.code}>"


class Office(Base):
    """A regional office (perangkat daerah, OPD) or a unit under one ("Perangkat daerah")."""

    __tablename__ = "lms_office"
    __table_args__ = (
        sa.UniqueConstraint("region_id", "name"),
        sa.CheckConstraint(_in("kind", OFFICE_KINDS), name="kind_known"),
        sa.CheckConstraint("name <> ''", name="name_not_empty"),
        # An acronym names one office of the region (imports and matching look it up).
        sa.Index(
            "uq_lms_office_region_id_acronym",
            "region_id",
            "acronym",
            unique=True,
            sqlite_where=sa.text("acronym <> ''"),
            postgresql_where=sa.text("acronym <> ''"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_region.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    #: "Dinkes", "Disdukcapil": how people write the office in spreadsheets.
    acronym: Mapped[str] = mapped_column(sa.String(40), default="")
    kind: Mapped[str] = mapped_column(sa.String(20), default="dinas")
    #: Kecamatan, puskesmas, sekolah and UPTD sit under an office.
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_office.id", ondelete="SET NULL"), index=True
    )
    #: Offices merged or dissolved stay (their innovations keep them) but are not offered.
    active: Mapped[bool] = mapped_column(default=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship(back_populates="offices")
    parent: Mapped[Office | None] = relationship(remote_side="Office.id")

    @property
    def label(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def __repr__(self) -> str:
        return f"<Office {self.id} {self.acronym or self.name}>"


class RegionMembership(Base):
    """A person's role in a region; every registry, index and clinic right comes from here."""

    __tablename__ = "lms_region_membership"
    __table_args__ = (
        sa.UniqueConstraint("region_id", "user_id", "role"),
        sa.CheckConstraint(_in("role", REGION_ROLES), name="role_known"),
        # An operator acts for exactly one office; nobody else is tied to one.
        sa.CheckConstraint(
            "(role = 'office_operator') = (office_id IS NOT NULL)", name="operator_has_office"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_region.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user_account.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    office_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_office.id", ondelete="CASCADE"), index=True
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()
    user: Mapped[User] = relationship()
    office: Mapped[Office | None] = relationship()
