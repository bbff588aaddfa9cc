"""Course packs loaded into the database: courses, lessons, assignment specs, rubrics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, UTCDateTime, utcnow

KINDS = ("proposal", "video", "text", "file")


class Course(Base):
    __tablename__ = "lms_course"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    description_html: Mapped[str] = mapped_column(sa.Text, default="")
    description_en_html: Mapped[str] = mapped_column(sa.Text, default="")
    #: The pack's own version string (course.toml), shown to organizers.
    version: Mapped[str] = mapped_column(sa.String(40), default="")
    jp: Mapped[int] = mapped_column(default=0)
    objectives: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    objectives_en: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    sources: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: Folder the pack was loaded from; pack images are served from there.
    source_path: Mapped[str] = mapped_column(sa.String(1000), default="")
    #: Hash of course.toml and every file of the pack: unchanged packs are skipped.
    content_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    #: Set when the pack disappeared; archived courses keep their lessons and progress.
    archived: Mapped[bool] = mapped_column(default=False)
    synced_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="course", order_by="Lesson.position"
    )

    def localized(self, field: str, locale: str) -> Any:
        if locale == "en":
            value = getattr(self, f"{field}_en", None)
            if value:
                return value
        return getattr(self, field)

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class Lesson(Base):
    __tablename__ = "lms_lesson"
    __table_args__ = (sa.UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_course.id"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(300))
    #: Rendered once at sync through lms.markdown.
    body_html: Mapped[str] = mapped_column(sa.Text)
    #: Plain text of the lesson, for search.
    body_text: Mapped[str] = mapped_column(sa.Text, default="")
    word_count: Mapped[int] = mapped_column(default=0)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    archived: Mapped[bool] = mapped_column(default=False)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship(back_populates="lessons")


class LessonProgress(Base):
    """A participant finished a lesson. Kept when the lesson is archived."""

    __tablename__ = "lms_lesson_progress"
    __table_args__ = (sa.UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_user_account.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_lesson.id"), index=True)
    #: "button" when marked by hand, "end" when the reader reached the lesson's end.
    how: Mapped[str] = mapped_column(sa.String(10), default="button")
    completed_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CohortCourse(Base):
    """A course a cohort follows, in the organizer's order."""

    __tablename__ = "lms_cohort_course"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_cohort.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_course.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    course: Mapped[Course] = relationship()


class Rubric(Base):
    """One version of a pack rubric, or a cohort's adjusted copy of one (``cohort_id`` set).
    Frozen once used for marking; a pack change then makes a new version and the old one stays
    for the reviews that used it."""

    __tablename__ = "lms_rubric"
    __table_args__ = (
        # Pack versions are unique; cohort copies share their source's key and version.
        sa.Index(
            "uq_lms_rubric_pack_version",
            "course_id",
            "key",
            "version",
            unique=True,
            sqlite_where=sa.text("cohort_id IS NULL"),
            postgresql_where=sa.text("cohort_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_course.id"), index=True)
    key: Mapped[str] = mapped_column(sa.String(80))
    version: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(sa.String(200))
    description_html: Mapped[str] = mapped_column(sa.Text, default="")
    pass_mark: Mapped[float | None]
    #: [{"label": "Sangat Baik", "min": 85}, ...] highest first.
    bands: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    #: Pass/fail conditions checked before scoring: [{"key", "title"}], and "check" on one the
    #: work decides when it can be measured ("max_duration": an uploaded video's length).
    gates: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    #: Set by grading when the first review uses this version.
    frozen: Mapped[bool] = mapped_column(default=False)
    #: The newest version of a key is current; older ones serve existing reviews only.
    #: Cohort copies are never current: pack sync and course pages ignore them.
    current: Mapped[bool] = mapped_column(default=True)
    #: Set on a cohort's copy (made by an organizer before grading starts).
    cohort_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lms_cohort.id", ondelete="CASCADE"), index=True
    )
    #: The pack rubric a cohort copy was made from.
    source_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lms_rubric.id"))

    criteria: Mapped[list[RubricCriterion]] = relationship(
        back_populates="rubric", order_by="RubricCriterion.position", cascade="all, delete-orphan"
    )


class RubricCriterion(Base):
    __tablename__ = "lms_rubric_criterion"
    __table_args__ = (
        sa.UniqueConstraint("rubric_id", "key"),
        sa.CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_rubric.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(80))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    weight: Mapped[float]
    #: [{"points": 1, "title": "Kurang", "descriptor": "..."}, ...] ascending points.
    levels: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    #: The grader may also give 0 points, below the levels (the pack's ``zero_level``).
    zero_level: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: The proposal fields it judges (profile keys); all of them empty in the version being
    #: marked: 0 points, decided by the page (lms.grading.scoring.decide).
    parts: Mapped[list[str]] = mapped_column(sa.JSON, default=list, server_default="[]")

    rubric: Mapped[Rubric] = relationship(back_populates="criteria")


class AssignmentSpec(Base):
    __tablename__ = "lms_assignment_spec"
    __table_args__ = (
        sa.UniqueConstraint("course_id", "key"),
        sa.CheckConstraint("kind IN ('proposal', 'video', 'text', 'file')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("lms_course.id"), index=True)
    key: Mapped[str] = mapped_column(sa.String(80))
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(10))
    instructions_html: Mapped[str] = mapped_column(sa.Text, default="")
    #: The rubric key in the same pack; the current version is used for new reviews.
    rubric_key: Mapped[str | None] = mapped_column(sa.String(80))
    #: required_fields, min_words, max_duration_seconds, allowed_types: as in the pack.
    settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    archived: Mapped[bool] = mapped_column(default=False)

    course: Mapped[Course] = relationship()
