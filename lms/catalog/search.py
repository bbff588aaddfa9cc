"""Search in lesson titles and text: full text on PostgreSQL, LIKE on SQLite, one function."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from lms.catalog.models import Course, Lesson
from lms.extensions import db


@dataclass
class Hit:
    course_slug: str
    course_title: str
    lesson_slug: str
    lesson_title: str
    snippet: str


def _terms(query: str) -> list[str]:
    return [t for t in re.findall(r"\w+", query.lower()) if len(t) > 1][:8]


def _snippet(text: str, terms: list[str], width: int = 160) -> str:
    lower = text.lower()
    positions = [lower.find(t) for t in terms if lower.find(t) >= 0]
    start = max(min(positions) - width // 3, 0) if positions else 0
    piece = text[start : start + width].strip()
    return ("… " if start else "") + piece + (" …" if start + width < len(text) else "")


def search_lessons(course_ids: list[int], query: str, limit: int = 30) -> list[Hit]:
    """Lessons of these courses whose title or text holds every word of ``query``."""
    terms = _terms(query)
    if not terms or not course_ids:
        return []
    stmt = (
        sa.select(Lesson.slug, Lesson.title, Lesson.body_text, Course.slug, Course.title)
        .join(Course, Course.id == Lesson.course_id)
        .where(Lesson.course_id.in_(course_ids), Lesson.archived.is_(False))
    )
    if db.session.get_bind().dialect.name == "postgresql":
        document = sa.func.to_tsvector("simple", Lesson.title + " " + Lesson.body_text)
        tsquery = sa.func.plainto_tsquery("simple", " ".join(terms))
        stmt = stmt.where(document.op("@@")(tsquery)).order_by(
            sa.func.ts_rank(document, tsquery).desc(), Lesson.position
        )
    else:
        for term in terms:
            pattern = f"%{term}%"
            stmt = stmt.where(
                sa.or_(
                    sa.func.lower(Lesson.title).like(pattern),
                    sa.func.lower(Lesson.body_text).like(pattern),
                )
            )
        stmt = stmt.order_by(Course.slug, Lesson.position)
    rows = db.session.execute(stmt.limit(limit)).all()
    return [
        Hit(course_slug, course_title, slug, title, _snippet(text, terms))
        for slug, title, text, course_slug, course_title in rows
    ]
