"""Reads of the home pages: what a person's dashboard lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from lms.accounts import queries as account_queries
from lms.certificates.models import Certificate
from lms.clinic import queries as clinic_queries
from lms.cohorts.models import Cohort, Membership
from lms.db import UTCDateTime, json_rows
from lms.extensions import db

#: The page whose lists the user loader selects with the account (select_with_account).
ENDPOINT = "lms.core.dashboard"


@dataclass(frozen=True, slots=True)
class ClassCard:
    """A class the person is a member of, as the dashboard shows it."""

    cohort_id: int
    name: str
    code: str
    state: str
    start_date: date
    end_date: date
    venue: str | None
    role: str


@dataclass(frozen=True, slots=True)
class CertificateCard:
    """A participant's valid certificate of a class they are still a member of."""

    id: int
    cohort_id: int
    number: str
    code: str
    jp: int
    qualification: str
    #: As the certificate was issued (its snapshot), else the class's name today.
    cohort_name: str
    issued_dt: datetime


@dataclass
class Dashboard:
    memberships: list[ClassCard]
    #: Classes an admin sees without being a member.
    other_cohorts: list[Cohort] = field(default_factory=list)
    certificates: list[CertificateCard] = field(default_factory=list)
    #: Clinic action items past their due date on the person's cases (lms.clinic).
    overdue_items: list[Any] = field(default_factory=list)


def _columns(user_id: Any) -> dict[str, Any]:
    """The dashboard's two lists as JSON on the bound account id: the person's classes, each
    with their valid certificate of it (at most one: uq_lms_certificate_one_issued), and the
    clinic's overdue items. 'issued' is written into the SQL: bound as a parameter, SQLite
    would plan the statement again on every run (the value decides whether that partial
    index applies)."""
    classes = (
        sa.select(
            Cohort.id,
            Cohort.name,
            Cohort.code,
            Cohort.state,
            Cohort.start_date,
            Cohort.end_date,
            Cohort.venue,
            Membership.role,
            Certificate.id.label("certificate_id"),
            Certificate.number,
            Certificate.code.label("certificate_code"),
            Certificate.jp,
            Certificate.qualification,
            Certificate.snapshot["cohort_name"].as_string().label("certificate_cohort_name"),
            Certificate.issued_dt,
        )
        .select_from(Membership)
        .join(Cohort, Cohort.id == Membership.cohort_id)
        .outerjoin(
            Certificate,
            (Certificate.cohort_id == Membership.cohort_id)
            & (Certificate.user_id == Membership.user_id)
            & (Membership.role == "participant")
            & (Certificate.state == sa.literal_column("'issued'")),
        )
        .where(Membership.user_id == user_id)
    )
    return {
        "dashboard_classes": json_rows(classes),
        "dashboard_overdue": clinic_queries.overdue_column(user_id),
    }


account_queries.select_with_account(ENDPOINT, _columns, clinic_queries.overdue_params)


def _utc(text: str) -> datetime:
    """A UTC datetime column's JSON text as the column itself would read it."""
    return UTCDateTime().process_result_value(datetime.fromisoformat(text), db.engine.dialect)


def _board(classes: list[list[Any]]) -> Dashboard:
    board = Dashboard(memberships=[])
    for cohort_id, name, code, state, start, end, venue, role, cert_id, *certificate in classes:
        board.memberships.append(
            ClassCard(
                cohort_id,
                name,
                code,
                state,
                date.fromisoformat(start),
                date.fromisoformat(end),
                venue,
                role,
            )
        )
        if cert_id is not None:
            number, cert_code, jp, qualification, cohort_name, issued = certificate
            board.certificates.append(
                CertificateCard(
                    cert_id,
                    cohort_id,
                    number,
                    cert_code,
                    jp,
                    qualification or "",
                    cohort_name or name,
                    _utc(issued),
                )
            )
    # JSON keeps the rows' order only in practice: newest first, by choice here.
    board.memberships.sort(key=lambda c: (c.start_date, c.cohort_id), reverse=True)
    board.certificates.sort(key=lambda c: (c.issued_dt, c.id), reverse=True)
    return board


def dashboard_for(user: Any) -> Dashboard:
    """The person's dashboard: its lists come with the account from the user loader on the
    dashboard itself (no statement of their own), else in one statement."""
    classes = account_queries.loaded_with(user, "dashboard_classes")
    overdue = account_queries.loaded_with(user, "dashboard_overdue")
    if classes is None or overdue is None:
        found = account_queries.select_page_columns(ENDPOINT, user.id)
        classes, overdue = found["dashboard_classes"], found["dashboard_overdue"]
    board = _board(classes)
    if user.is_admin:
        mine = {c.cohort_id for c in board.memberships}
        every = db.select(Cohort).order_by(Cohort.start_date.desc(), Cohort.id.desc())
        board.other_cohorts = [c for c in db.session.scalars(every) if c.id not in mine]
    board.overdue_items = clinic_queries.overdue_of(overdue)
    return board
