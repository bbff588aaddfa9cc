"""The registry of regional innovations: the IID profile, its innovators, files, versions,
revision notes, yearly confirmations and replication links."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, TimestampMixin, UTCDateTime, utcnow

if TYPE_CHECKING:
    from lms.accounts.models import User
    from lms.regions.models import Office, Region

#: The workflow's states, in order (permissions.TRANSITIONS says which step leads where).
STATES = ("draft", "submitted", "revisions_requested", "verified", "archived")
#: PP 38/2017 stages, in the order an innovation goes through them.
STAGES = ("inisiatif", "uji_coba", "penerapan")
FILE_ROLES = ("budget", "sop", "photo", "video", "other")
CONFIRMATION_STATUSES = ("running", "stopped", "replicated")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Innovation(TimestampMixin, Base):
    """A regional innovation, its IID *profil inovasi* and where it is in the workflow."""

    __tablename__ = "lms_innovation"
    __table_args__ = (
        sa.CheckConstraint(_in("state", STATES), name="state_known"),
        sa.CheckConstraint(_in("stage", STAGES), name="stage_known"),
        sa.CheckConstraint(
            "published_dt IS NULL OR state = 'verified'", name="published_only_verified"
        ),
        sa.CheckConstraint(
            "replicated_from_id IS NULL OR replicated_from_id <> id", name="not_own_source"
        ),
        sa.Index("ix_lms_innovation_region_office", "region_id", "office_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_region.id", ondelete="CASCADE"))
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_office.id"), index=True)
    #: The profile's keys (lms.profile.PROFILE_KEYS) -> what was typed.
    profile: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: Markdown fields (profile and catalogue texts) rendered when saved: key -> safe HTML.
    html: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    #: Copied out of ``profile`` on every save, for lists, filters and search.
    name: Mapped[str] = mapped_column(sa.String(300), default="")
    stage: Mapped[str] = mapped_column(sa.String(12), default="inisiatif")
    initiated_date: Mapped[date | None]
    trial_date: Mapped[date | None]
    implementation_date: Mapped[date | None]
    state: Mapped[str] = mapped_column(sa.String(20), default="draft")
    #: Number of the newest submitted version (0: never submitted).
    latest_number: Mapped[int] = mapped_column(default=0)
    #: Why the coordinator stopped it (state "archived").
    archive_reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: A public video link (YouTube, Drive...); a stored video is a file with role "video".
    video_url: Mapped[str] = mapped_column(sa.String(500), default="")
    #: The class proposal version it was registered from ("Daftarkan sebagai inovasi daerah").
    source_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_submission_version.id", ondelete="SET NULL"), unique=True
    )
    # --- the public catalogue (lms/innovations/views/catalogue.py) ---
    #: Public address ``/inovasi/<slug>``; given when first published and kept afterwards.
    slug: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    published_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    #: Replication: what drove it, what hindered it, what a copier needs.
    drivers: Mapped[str] = mapped_column(sa.Text, default="")
    obstacles: Mapped[str] = mapped_column(sa.Text, default="")
    prerequisites: Mapped[str] = mapped_column(sa.Text, default="")
    #: The office to contact about copying it (NULL: the innovation's own office).
    contact_office_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_office.id", ondelete="SET NULL")
    )
    # --- replication: copied from another innovation here, or from a national catalogue ---
    replicated_from_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_innovation.id", ondelete="SET NULL"), index=True
    )
    replicated_from_url: Mapped[str] = mapped_column(sa.String(500), default="")
    replicated_from_label: Mapped[str] = mapped_column(sa.String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    #: Optimistic lock: two people editing the same profile never overwrite silently.
    lock_version: Mapped[int] = mapped_column(default=1)

    region: Mapped[Region] = relationship()
    office: Mapped[Office] = relationship(foreign_keys=[office_id])
    contact_office: Mapped[Office | None] = relationship(foreign_keys=[contact_office_id])
    replicated_from: Mapped[Innovation | None] = relationship(remote_side="Innovation.id")
    innovators: Mapped[list[Innovator]] = relationship(
        back_populates="innovation", order_by="Innovator.id", cascade="all, delete-orphan"
    )
    files: Mapped[list[InnovationFile]] = relationship(
        back_populates="innovation", order_by="InnovationFile.id"
    )
    versions: Mapped[list[InnovationVersion]] = relationship(
        back_populates="innovation", order_by="InnovationVersion.number"
    )
    notes: Mapped[list[RevisionNote]] = relationship(
        back_populates="innovation", order_by="RevisionNote.id"
    )
    confirmations: Mapped[list[Confirmation]] = relationship(
        back_populates="innovation", order_by="Confirmation.year"
    )

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def published(self) -> bool:
        return self.published_dt is not None and self.state == "verified"

    def __repr__(self) -> str:
        return f"<Innovation {self.id} {self.state}>"


class Innovator(Base):
    """A person behind an innovation: an account, or a named outsider (community, partner)."""

    __tablename__ = "lms_innovation_innovator"
    __table_args__ = (
        sa.UniqueConstraint("innovation_id", "user_id"),
        sa.CheckConstraint("user_id IS NOT NULL OR name <> ''", name="named"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    innovation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_innovation.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lms_user_account.id"), index=True)
    #: An outsider's name (an account's name comes from the account).
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    #: "Ketua tim", "Anggota": free text.
    role: Mapped[str] = mapped_column(sa.String(100), default="")
    #: The coordinator chose to show this name in the public catalogue.
    show_in_catalogue: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    innovation: Mapped[Innovation] = relationship(back_populates="innovators")
    user: Mapped[User | None] = relationship()

    @property
    def display_name(self) -> str:
        return self.user.full_name if self.user is not None else self.name


class InnovationFile(Base):
    """A file of an innovation (budget document, SOP, photo, video, other) in lms.storage."""

    __tablename__ = "lms_innovation_file"
    __table_args__ = (sa.CheckConstraint(_in("role", FILE_ROLES), name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    innovation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_innovation.id", ondelete="CASCADE"), index=True
    )
    #: Content-addressed key in lms.storage (a proposal's file is the same key, not a copy).
    key: Mapped[str] = mapped_column(sa.String(100))
    #: The uploader's file name: data only.
    name: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(10))
    role: Mapped[str] = mapped_column(sa.String(10), default="other")
    #: Taken off the working copy; versions that listed it still show it.
    removed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    innovation: Mapped[Innovation] = relationship(back_populates="files")

    def as_listed(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "size": self.size,
            "kind": self.kind,
            "role": self.role,
        }


class InnovationVersion(Base):
    """What was submitted for verification, exactly; never changed after it is written."""

    __tablename__ = "lms_innovation_version"
    __table_args__ = (sa.UniqueConstraint("innovation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    innovation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_innovation.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    profile: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    #: [{"key", "name", "size", "kind", "role"}] of the files at the time of submission.
    files: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_office.id"))
    video_url: Mapped[str] = mapped_column(sa.String(500), default="")
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    submitted_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    innovation: Mapped[Innovation] = relationship(back_populates="versions")
    submitted_by: Mapped[User | None] = relationship()


class RevisionNote(Base):
    """The coordinator's note on one field (or on the whole) when asking for revisions, and
    the operator's answer."""

    __tablename__ = "lms_innovation_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    innovation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_innovation.id", ondelete="CASCADE"), index=True
    )
    #: The version the note is about.
    version_number: Mapped[int]
    #: A profile key, or "" for the innovation as a whole.
    field_key: Mapped[str] = mapped_column(sa.String(40), default="")
    note: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    answered_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    innovation: Mapped[Innovation] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


class Confirmation(Base):
    """The office's yearly answer to "masih berjalan?" (still running, stopped, replicated)."""

    __tablename__ = "lms_innovation_confirmation"
    __table_args__ = (
        sa.UniqueConstraint("innovation_id", "year"),
        sa.CheckConstraint(_in("status", CONFIRMATION_STATUSES), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    innovation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_innovation.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(12))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    confirmed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_user_account.id", ondelete="SET NULL")
    )
    confirmed_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    innovation: Mapped[Innovation] = relationship(back_populates="confirmations")


@event.listens_for(InnovationVersion, "before_update")
def _versions_are_immutable(_mapper, _connection, target: InnovationVersion) -> None:
    raise ValueError(f"innovation version {target.id} is immutable")
