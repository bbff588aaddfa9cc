"""Certificates: a cohort's rules and layout, and the certificates it issued."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from lms.accounts.models import User
    from lms.cohorts.models import Cohort

KINDS = ("completion", "attendance")
STATES = ("issued", "revoked")
DEFAULT_PATTERN = "{seq:03d}/{cohort_code}/{year}"
#: Which participant fields the PDF prints (all by default).
LAYOUT_FIELDS = ("nip", "rank", "position", "office", "jp", "qualification")


class CertificatePlan(Base):
    """A cohort's certificate rules, numbering and layout (one row per cohort)."""

    __tablename__ = "lms_certificate_plan"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('completion', 'attendance')", name="kind_known"),
        sa.CheckConstraint(
            "min_attendance >= 0 AND min_attendance <= 100", name="min_attendance_percent"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lms_cohort.id", ondelete="CASCADE"), unique=True
    )
    #: "completion": every rule; "attendance": the attendance rule only.
    kind: Mapped[str] = mapped_column(sa.String(12), default="completion")
    #: Minimum attendance rate in percent (Izin/Sakit count when the cohort says so).
    min_attendance: Mapped[float] = mapped_column(default=80.0)
    #: [{"assignment_id": int, "need": "pass" | "submitted"}]
    required_assignments: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    #: Course ids whose every lesson must be completed.
    required_courses: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    number_pattern: Mapped[str] = mapped_column(sa.String(120), default=DEFAULT_PATTERN)
    #: Texts printed on the certificate (Indonesian by default; empty: the default text).
    title: Mapped[str] = mapped_column(sa.String(120), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    #: Where and when the official signs ("Sinjai", the last day by default).
    sign_place: Mapped[str] = mapped_column(sa.String(120), default="")
    sign_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Which optional fields print: {"nip": true, ...}.
    layout: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: The qualification scheme: [{"label": "Sangat Memuaskan", "min": 90.0}, ...], highest
    #: first; a score gets the first label whose minimum it reaches. NULL: the default
    #: scheme (lms/certificates/schemes/default.toml, lms.certificates.qualification).
    qualification_scheme: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    #: Print a back page listing the class's courses and their JP.
    back_page: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Storage keys (lms.storage) of the organizer's images.
    logo_key: Mapped[str | None] = mapped_column(sa.String(100))
    signature_key: Mapped[str | None] = mapped_column(sa.String(100))
    lock_version: Mapped[int] = mapped_column(default=1)

    cohort: Mapped[Cohort] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}

    @classmethod
    def default(cls, cohort_id: int) -> CertificatePlan:
        """A plan with every default filled in (column defaults only apply on insert)."""
        return cls(
            cohort_id=cohort_id,
            kind="completion",
            min_attendance=80.0,
            required_assignments=[],
            required_courses=[],
            number_pattern=DEFAULT_PATTERN,
            title="",
            body="",
            sign_place="",
            layout={},
            qualification_scheme=None,
            back_page=False,
        )

    def shows(self, name: str) -> bool:
        return bool((self.layout or {}).get(name, True))


class Certificate(Base):
    """One issued certificate. Never deleted: revocation keeps the record, with when and why;
    a reissue revokes the old one and points to the new one."""

    __tablename__ = "lms_certificate"
    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "seq"),
        sa.CheckConstraint("kind IN ('completion', 'attendance')", name="kind_known"),
        sa.CheckConstraint("state IN ('issued', 'revoked')", name="state_known"),
        sa.CheckConstraint("state = 'issued' OR revoked_dt IS NOT NULL", name="revoked_has_time"),
        # One valid certificate per participant and cohort.
        sa.Index(
            "uq_lms_certificate_one_issued",
            "cohort_id",
            "user_id",
            unique=True,
            sqlite_where=sa.text("state = 'issued'"),
            postgresql_where=sa.text("state = 'issued'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_cohort.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    #: Position in the cohort's numbering: 1, 2, 3, … without gaps.
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(sa.String(120), unique=True)
    #: Random, unguessable, from an unambiguous alphabet; the public verification key.
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    state: Mapped[str] = mapped_column(sa.String(8), default="issued")
    qualification: Mapped[str] = mapped_column(sa.String(80), default="")
    jp: Mapped[int] = mapped_column(default=0)
    #: What the certificate says, frozen at issue: names, NIP, rank, cohort, dates, signer…
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: Rules the organizer overrode for this participant, with the written reason.
    override_reason: Mapped[str] = mapped_column(sa.Text, default="")
    issued_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lms_user_account.id"))
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lms_user_account.id"))
    revoke_reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: Set on a certificate revoked by a reissue.
    replaced_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lms_certificate.id"))
    #: The certificate's own PDF in the upload store (lms.storage), made when it was issued
    #: and again when it was revoked; NULL when none was made (no public address then).
    pdf_key: Mapped[str | None] = mapped_column(sa.String(100))
    #: What that PDF was drawn from (lms.certificates.pdf.fingerprint): a stored PDF whose
    #: fingerprint differs from today's is out of date and not served.
    pdf_fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
    lock_version: Mapped[int] = mapped_column(default=1)

    cohort: Mapped[Cohort] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    replaced_by: Mapped[Certificate | None] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def revoked(self) -> bool:
        return self.state == "revoked"
