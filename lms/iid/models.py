"""The index's yearly records: which innovations a region reports in a year, the evidence of
each indicator (claimed and verified level, documents), a class's own documents (the decree or
invitation the bimtek evidence needs) and an official index stored for a year not scored here.

The rules themselves (indicators, weights, levels) are data files (lms/iid/rules/*.toml); rows
here name an indicator by the code of its scored row ("SID-35", "SPD-02a").
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, TimestampMixin, UTCDateTime, utcnow

if TYPE_CHECKING:
    from lms.accounts.models import User
    from lms.cohorts.models import Cohort
    from lms.innovations.models import Innovation
    from lms.regions.models import Region

#: What a class document is: the activity decree (SK) or the invitation.
CLASS_DOCUMENT_KINDS = ("decree", "invitation")


class Entry(TimestampMixin, Base):
    """An innovation reported in one year's index ("dilaporkan"); n counts these."""

    __tablename__ = "lms_iid_entry"
    __table_args__ = (
        sa.UniqueConstraint("innovation_id", "year"),
        sa.Index("ix_lms_iid_entry_region_year", "region_id", "year", "updated_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_region.id", ondelete="CASCADE"))
    innovation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_innovation.id", ondelete="CASCADE")
    )
    year: Mapped[int]
    #: "Dikembangkan lebih lanjut": exempt from the rule on years since implementation.
    developed_further: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    lock_version: Mapped[int] = mapped_column(default=1)

    innovation: Mapped[Innovation] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}


class Evidence(TimestampMixin, Base):
    """One indicator of one year: of an innovation, or of the region (innovation_id NULL).

    The innovator's claim and the coordinator's verified level are separate numbers; a verified
    level that differs from the claim carries the coordinator's note (checked here too).
    """

    __tablename__ = "lms_iid_evidence"
    __table_args__ = (
        sa.CheckConstraint(
            "claimed_level IS NULL OR claimed_level >= 0", name="claimed_not_negative"
        ),
        sa.CheckConstraint(
            "verified_level IS NULL OR verified_level >= 0", name="verified_not_negative"
        ),
        sa.CheckConstraint(
            "verified_level IS NULL OR verified_level = claimed_level OR verified_note <> ''",
            name="differing_verification_has_note",
        ),
        sa.Index(
            "uq_lms_iid_evidence_innovation",
            "innovation_id",
            "year",
            "indicator_code",
            unique=True,
            sqlite_where=sa.text("innovation_id IS NOT NULL"),
            postgresql_where=sa.text("innovation_id IS NOT NULL"),
        ),
        sa.Index(
            "uq_lms_iid_evidence_region",
            "region_id",
            "year",
            "indicator_code",
            unique=True,
            sqlite_where=sa.text("innovation_id IS NULL"),
            postgresql_where=sa.text("innovation_id IS NULL"),
        ),
        # The score page's fingerprint reads max(updated_dt) of a region's year from here.
        sa.Index("ix_lms_iid_evidence_region_year", "region_id", "year", "updated_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_region.id", ondelete="CASCADE"))
    #: NULL: a region-level (SPD) indicator.
    innovation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_innovation.id", ondelete="CASCADE")
    )
    year: Mapped[int]
    #: The scored row's code in that year's rules, e.g. "SID-35" or "SPD-02a".
    indicator_code: Mapped[str] = mapped_column(sa.String(20))
    claimed_level: Mapped[int | None]
    claimed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    claimed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_level: Mapped[int | None]
    #: Why the coordinator's level differs from the claim (required then).
    verified_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    verified_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    verified_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The previous year's row this one was copied from ("salin dari tahun lalu").
    copied_from_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_iid_evidence.id", ondelete="SET NULL")
    )
    lock_version: Mapped[int] = mapped_column(default=1)

    documents: Mapped[list[EvidenceDocument]] = relationship(
        back_populates="evidence", order_by="EvidenceDocument.id"
    )
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])

    __mapper_args__ = {"version_id_col": lock_version}


class EvidenceDocument(Base):
    """A file (in lms.storage) or a link given as evidence, with the letter's number, date and
    subject ("tentang") where its kind asks for them. Taken off, never deleted."""

    __tablename__ = "lms_iid_document"
    __table_args__ = (
        sa.CheckConstraint("key IS NOT NULL OR url <> ''", name="file_or_link"),
        sa.CheckConstraint("duration IS NULL OR duration >= 0", name="duration_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_iid_evidence.id", ondelete="CASCADE"), index=True
    )
    #: The rules' evidence kind ("decree", "pdf", "image", "video").
    kind: Mapped[str] = mapped_column(sa.String(20))
    #: Content-addressed key in lms.storage (a copied year's row shares the key).
    key: Mapped[str | None] = mapped_column(sa.String(100))
    #: The uploader's file name: data only.
    name: Mapped[str] = mapped_column(sa.String(255), default="", server_default="")
    size: Mapped[int] = mapped_column(default=0, server_default="0")
    #: lms.storage's kind of the file ("pdf", "mp4"...).
    file_kind: Mapped[str] = mapped_column(sa.String(10), default="", server_default="")
    #: A public link instead of (or besides) the file, for kinds that allow one.
    url: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    number: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    doc_date: Mapped[date | None]
    about: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    #: Seconds, measured when an MP4 is uploaded.
    duration: Mapped[float | None]
    removed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    evidence: Mapped[Evidence] = relationship(back_populates="documents")

    @property
    def label(self) -> str:
        return self.name or self.url


class ClassDocument(Base):
    """A class's decree (SK) or invitation, uploaded by its organizers: bimtek evidence of the
    innovations whose innovators attended."""

    __tablename__ = "lms_iid_class_document"
    __table_args__ = (sa.CheckConstraint("kind IN ('decree', 'invitation')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_cohort.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(12), default="decree")
    key: Mapped[str] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    number: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    doc_date: Mapped[date | None]
    about: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    removed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship()


class StoredIndex(Base):
    """A region's official verified index of a year that was not scored in the app (shown as
    "last year" beside the next year's score)."""

    __tablename__ = "lms_iid_stored_index"
    __table_args__ = (
        sa.UniqueConstraint("region_id", "year"),
        sa.CheckConstraint("value >= 0 AND value <= 100", name="value_is_index"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_region.id", ondelete="CASCADE"))
    year: Mapped[int]
    value: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2))
    #: Where the number comes from, e.g. the Kepmendagri that set the results.
    note: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    set_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    set_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    lock_version: Mapped[int] = mapped_column(default=1)

    region: Mapped[Region] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}
