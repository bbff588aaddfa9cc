"""Reads of the account pages: the admin's list of people."""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.cohorts.models import Membership
from lms.extensions import db


def search_users(query: str, limit: int = 500) -> list[User]:
    """People whose name, email or NIP holds ``query``, with their classes (two queries)."""
    stmt = db.select(User).options(selectinload(User.memberships).selectinload(Membership.cohort))
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(
            db.or_(
                db.func.lower(User.full_name).like(like),
                User.email.like(like),
                User.nip.like(f"%{query.replace(' ', '')}%"),
            )
        )
    return list(db.session.scalars(stmt.order_by(User.full_name).limit(limit)))
