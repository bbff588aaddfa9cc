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
    """(memberships, certificates, all cohorts): built once per process with a bound
    :user_id, so that a request only executes them (building and keying a statement costs
    about as much as running one of these)."""
    newest_first = (Cohort.start_date.desc(), Cohort.id.desc())
    memberships = (
        db.select(Membership)
        .join(Membership.cohort)
        .options(contains_eager(Membership.cohort))
        .where(Membership.user_id == sa.bindparam("user_id"))
        .order_by(*newest_first)
    )
    # Valid certificates of the cohorts the user is still a participant of.
    certificates = (
        db.select(Certificate)
        .join(
            Membership,
            (Membership.cohort_id == Certificate.cohort_id)
            & (Membership.user_id == Certificate.user_id)
            & (Membership.role == "participant"),
        )
        .where(Certificate.user_id == sa.bindparam("user_id"), Certificate.state == "issued")
        .order_by(Certificate.issued_dt.desc())
    )
    return memberships, certificates, db.select(Cohort).order_by(*newest_first)


@dataclass
class Dashboard:
    memberships: list[Membership]
    #: Classes an admin sees without being a member.
    other_cohorts: list[Cohort] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    #: Clinic action items past their due date on the person's cases (lms.clinic).
    overdue_items: list[Any] = field(default_factory=list)


def dashboard_for(user: Any) -> Dashboard:
    by_membership, by_certificate, every_cohort = _dashboard_statements()
    me = {"user_id": user.id}
    board = Dashboard(memberships=list(db.session.scalars(by_membership, me)))
    if user.is_admin:
        mine = {m.cohort_id for m in board.memberships}
        board.other_cohorts = [c for c in db.session.scalars(every_cohort) if c.id not in mine]
    # Certificates go to participants only: nobody else needs the query. Their cohorts are
    # already loaded with the memberships (``c.cohort`` in the page costs no query).
    if any(m.role == "participant" for m in board.memberships):
        board.certificates = list(db.session.scalars(by_certificate, me))
    board.overdue_items = clinic_queries.overdue_for(user)
    return board
