"""Reads of the home pages: what a person's dashboard lists."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from lms.certificates.models import Certificate
from lms.clinic import queries as clinic_queries
from lms.cohorts.models import Cohort, Membership
from lms.extensions import db


@functools.cache
def _dashboard_statements() -> tuple:
    """(memberships with their certificate, all cohorts): built once per process with a
    bound :user_id, so that a request only executes them (building and keying a statement
    costs about as much as running one of these)."""
    newest_first = (Cohort.start_date.desc(), Cohort.id.desc())
    # A participant's valid certificate of each class (at most one: uq_lms_certificate_one_issued)
    # comes with the membership instead of in a query of its own. 'issued' is written into the
    # SQL: bound as a parameter, SQLite would plan the statement again on every run, because
    # the value decides whether that partial index applies.
    memberships = (
        db.select(Membership, Certificate)
        .join(Membership.cohort)
        .options(contains_eager(Membership.cohort))
        .outerjoin(
            Certificate,
            (Certificate.cohort_id == Membership.cohort_id)
            & (Certificate.user_id == Membership.user_id)
            & (Membership.role == "participant")
            & (Certificate.state == sa.literal_column("'issued'")),
        )
        .where(Membership.user_id == sa.bindparam("user_id"))
        .order_by(*newest_first)
    )
    return memberships, db.select(Cohort).order_by(*newest_first)


@dataclass
class Dashboard:
    memberships: list[Membership]
    #: Classes an admin sees without being a member.
    other_cohorts: list[Cohort] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    #: Clinic action items past their due date on the person's cases (lms.clinic).
    overdue_items: list[Any] = field(default_factory=list)


def dashboard_for(user: Any) -> Dashboard:
    by_membership, every_cohort = _dashboard_statements()
    rows = db.session.execute(by_membership, {"user_id": user.id}).all()
    board = Dashboard(memberships=[membership for membership, _c in rows])
    if user.is_admin:
        mine = {m.cohort_id for m in board.memberships}
        board.other_cohorts = [c for c in db.session.scalars(every_cohort) if c.id not in mine]
    # Their cohorts are loaded with the memberships (``c.cohort`` in the page costs no query).
    board.certificates = sorted(
        (c for _m, c in rows if c is not None),
        key=lambda c: (c.issued_dt, c.id),
        reverse=True,
    )
    board.overdue_items = clinic_queries.overdue_for(user)
    return board
