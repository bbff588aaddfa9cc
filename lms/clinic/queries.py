"""Every read of the clinic that is more than a get: where a person may open a case, their
cases, the coordinator's list, one case's page, mentors' loads, overdue items, follow-ups and
the report. List reads run a fixed number of queries."""

from __future__ import annotations

import functools
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from lms.accounts.models import User
from lms.catalog.models import AssignmentSpec
from lms.clinic.access import CaseAccess
from lms.clinic.models import (
    CATEGORIES,
    OPEN_STATES,
    STATES,
    ActionItem,
    Appointment,
    AppointmentAttendance,
    CaseFile,
    CaseMentor,
    Consultation,
    CriterionTick,
    FollowUp,
    Message,
    ReadMark,
    StageMove,
)
from lms.clinic.stages import StageSet
from lms.cohorts.models import Cohort, Membership
from lms.db import json_empty_list, json_rows, utcnow
from lms.extensions import db
from lms.innovations.models import Innovation, Innovator
from lms.paging import Page, page_for, requested
from lms.regions.models import Office, Region, RegionMembership
from lms.submissions.models import CohortAssignment, Submission
from lms.timefmt import local, to_utc

PER_PAGE = 50


def today_in(tz: str) -> date:
    return local(utcnow(), tz).date()


# --- who may open a case where ---------------------------------------------------------------


def home_regions(user: Any) -> list[Region]:
    """The regions whose civil servant the person is: linked to one of its offices, a member
    of one of its classes, or holding a role in it (one query). Admins: every region."""
    if not getattr(user, "is_authenticated", False):
        return []
    stmt = db.select(Region).order_by(Region.name)
    if not user.is_admin:
        by_office = db.select(Office.region_id).where(Office.id == user.office_id)
        by_class = (
            db.select(Cohort.region_id)
            .join(Membership, Membership.cohort_id == Cohort.id)
            .where(Membership.user_id == user.id, Cohort.region_id.is_not(None))
        )
        by_role = db.select(RegionMembership.region_id).where(RegionMembership.user_id == user.id)
        stmt = stmt.where(Region.id.in_(by_office.union(by_class, by_role)))
    return list(db.session.scalars(stmt))


def offices_of(region: Region) -> list[Office]:
    return list(
        db.session.scalars(
            db.select(Office).filter_by(region_id=region.id, active=True).order_by(Office.name)
        )
    )


def office_in(region: Region, office_id: int | None) -> Office | None:
    office = db.session.get(Office, office_id) if office_id else None
    return office if office is not None and office.region_id == region.id else None


def own_innovations(user: Any, region: Region) -> list[Innovation]:
    """The region's innovations the person is an innovator of."""
    return list(
        db.session.scalars(
            db.select(Innovation)
            .join(Innovator, Innovator.innovation_id == Innovation.id)
            .where(Innovator.user_id == user.id, Innovation.region_id == region.id)
            .order_by(Innovation.name)
        )
    )


def own_proposals(user: Any) -> list[tuple[Submission, Cohort]]:
    """The person's class proposals that have been submitted at least once."""
    rows = db.session.execute(
        db.select(Submission, Cohort)
        .join(CohortAssignment, CohortAssignment.id == Submission.assignment_id)
        .join(AssignmentSpec, AssignmentSpec.id == CohortAssignment.spec_id)
        .join(Cohort, Cohort.id == CohortAssignment.cohort_id)
        .where(
            Submission.user_id == user.id,
            AssignmentSpec.kind == "proposal",
            Submission.latest_number > 0,
        )
        .order_by(Cohort.start_date.desc(), Submission.id)
    ).all()
    return [(s, c) for s, c in rows]


def proposal_title(submission: Submission) -> str:
    version = max(submission.versions, key=lambda v: v.number, default=None)
    fields = (version.fields if version else submission.draft) or {}
    return str(fields.get("nama_inovasi") or "").strip()


# --- my cases ----------------------------------------------------------------------------------


@dataclass
class MyCase:
    consultation: Consultation
    #: "requester" or "mentor"
    role: str
    unread: int = 0


def unread_counts(user: Any, cases: list[tuple[int, bool]]) -> dict[int, int]:
    """Unread messages per case for ``user``; ``cases``: (case id, sees notes). One query."""
    if not cases:
        return {}
    staff_ids = [cid for cid, notes in cases if notes]
    plain_ids = [cid for cid, notes in cases if not notes]
    seen = (
        db.select(ReadMark.last_message_id)
        .where(ReadMark.consultation_id == Message.consultation_id, ReadMark.user_id == user.id)
        .scalar_subquery()
    )
    # Messages (and notes, for the staff): a step of the history is not a new message.
    visible = sa.or_(
        sa.and_(Message.consultation_id.in_(staff_ids or [0]), Message.kind != "event"),
        sa.and_(Message.consultation_id.in_(plain_ids or [0]), Message.kind == "message"),
    )
    rows = db.session.execute(
        db.select(Message.consultation_id, db.func.count(Message.id))
        .where(
            visible,
            Message.id > db.func.coalesce(seen, 0),
            sa.or_(Message.author_id.is_(None), Message.author_id != user.id),
        )
        .group_by(Message.consultation_id)
    ).all()
    return dict(rows)


def my_cases(user: Any) -> list[MyCase]:
    """The person's own cases and those they mentor (with the mentor role in the case's
    region), newest activity first, with unread counts: three queries."""
    own = list(
        db.session.scalars(
            db.select(Consultation)
            .where(Consultation.requester_id == user.id)
            .options(joinedload(Consultation.office), joinedload(Consultation.region))
        )
    )
    mentored = list(
        db.session.scalars(
            db.select(Consultation)
            .join(CaseMentor, CaseMentor.consultation_id == Consultation.id)
            .join(
                RegionMembership,
                (RegionMembership.user_id == CaseMentor.user_id)
                & (RegionMembership.region_id == Consultation.region_id)
                & (RegionMembership.role == "mentor"),
            )
            .where(CaseMentor.user_id == user.id, Consultation.requester_id != user.id)
            .options(joinedload(Consultation.office), joinedload(Consultation.region))
        )
    )
    cases = [MyCase(c, "requester") for c in own] + [MyCase(c, "mentor") for c in mentored]
    counts = unread_counts(user, [(c.consultation.id, c.role == "mentor") for c in cases])
    for case in cases:
        case.unread = counts.get(case.consultation.id, 0)
    cases.sort(key=lambda c: (c.consultation.is_open, c.consultation.updated_dt), reverse=True)
    return cases


# --- the coordinator's list ------------------------------------------------------------------


@dataclass
class Filters:
    state: str = ""
    stage: str = ""
    category: str = ""
    office_id: int | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: Any, stages: StageSet) -> Filters:
        def pick(name: str, allowed: tuple[str, ...]) -> str:
            value = args.get(name) or ""
            return value if value in allowed else ""

        raw = (args.get("office") or "").strip()
        return cls(
            state=pick("state", STATES),
            stage=pick("stage", stages.keys),
            category=pick("category", CATEGORIES),
            office_id=int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None,
            page=requested(args.get("page")),
        )

    def args(self) -> dict[str, Any]:
        values = {
            "state": self.state,
            "stage": self.stage,
            "category": self.category,
            "office": self.office_id,
        }
        return {k: v for k, v in values.items() if v}


@dataclass
class RegionList:
    rows: list[Consultation]
    page: Page
    by_state: dict[str, int]
    offices: list[Office]


def region_cases(region: Region, filters: Filters) -> RegionList:
    """One page of the region's cases, new ones first (four queries)."""
    stmt = db.select(Consultation).where(Consultation.region_id == region.id)
    if filters.state:
        stmt = stmt.where(Consultation.state == filters.state)
    if filters.stage:
        stmt = stmt.where(Consultation.stage == filters.stage)
    if filters.category:
        stmt = stmt.where(Consultation.category == filters.category)
    if filters.office_id:
        stmt = stmt.where(Consultation.office_id == filters.office_id)
    page = page_for(stmt, filters.page, PER_PAGE, Consultation.id)
    waiting_first = sa.case((Consultation.state == "new", 0), else_=1)
    rows = list(
        db.session.scalars(
            page.window(
                stmt.join(Consultation.office)
                .join(Consultation.requester)
                .options(
                    contains_eager(Consultation.office),
                    contains_eager(Consultation.requester),
                    selectinload(Consultation.mentors).joinedload(CaseMentor.user),
                )
                .order_by(waiting_first, Consultation.updated_dt.desc(), Consultation.id.desc())
            )
        )
    )
    by_state = dict(
        db.session.execute(
            db.select(Consultation.state, db.func.count())
            .where(Consultation.region_id == region.id)
            .group_by(Consultation.state)
        ).all()
    )
    offices = list(
        db.session.scalars(db.select(Office).filter_by(region_id=region.id).order_by(Office.name))
    )
    return RegionList(rows, page, {s: by_state.get(s, 0) for s in STATES}, offices)


@dataclass
class MentorLoad:
    user: User
    #: Open (new or active) cases the mentor is assigned to.
    open_cases: int


def mentor_loads(region: Region) -> list[MentorLoad]:
    """The region's mentors with their open load, lightest first (one query)."""
    load = (
        db.select(db.func.count(CaseMentor.id))
        .join(Consultation, Consultation.id == CaseMentor.consultation_id)
        .where(
            CaseMentor.user_id == User.id,
            Consultation.region_id == region.id,
            Consultation.state.in_(OPEN_STATES),
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        db.select(User, load)
        .join(RegionMembership, RegionMembership.user_id == User.id)
        .where(RegionMembership.region_id == region.id, RegionMembership.role == "mentor")
        .order_by(load, User.full_name)
    ).all()
    return [MentorLoad(user, n or 0) for user, n in rows]


def mentors_by_id(region: Region, ids: list[int]) -> list[User]:
    """The people among ``ids`` who hold the mentor role in the region."""
    if not ids:
        return []
    return list(
        db.session.scalars(
            db.select(User)
            .join(RegionMembership, RegionMembership.user_id == User.id)
            .where(
                RegionMembership.region_id == region.id,
                RegionMembership.role == "mentor",
                User.id.in_(ids),
            )
            .order_by(User.full_name)
        )
    )


def merge_targets(consultation: Consultation) -> list[Consultation]:
    """The region's other open cases a duplicate may be merged into."""
    return list(
        db.session.scalars(
            db.select(Consultation)
            .where(
                Consultation.region_id == consultation.region_id,
                Consultation.id != consultation.id,
                Consultation.state.in_(OPEN_STATES),
            )
            .options(joinedload(Consultation.requester))
            .order_by(Consultation.id.desc())
        )
    )


def coordinators_of(region_id: int) -> list[User]:
    return list(
        db.session.scalars(
            db.select(User)
            .join(RegionMembership, RegionMembership.user_id == User.id)
            .where(RegionMembership.region_id == region_id, RegionMembership.role == "coordinator")
        )
    )


def mentors_of(consultation: Consultation) -> list[User]:
    return [m.user for m in consultation.mentors]


# --- one case ------------------------------------------------------------------------------------


@dataclass
class CasePage:
    consultation: Consultation
    messages: list[Message]
    opening_files: list[CaseFile]
    appointments: list[Appointment]
    actions: list[ActionItem]
    ticks: dict[str, set[str]]
    moves: list[StageMove]
    last_read: int
    follow_ups: list[FollowUp] = field(default_factory=list)

    @property
    def newest_id(self) -> int:
        return max((m.id for m in self.messages), default=0)


def case_page(consultation: Consultation, access: CaseAccess, user: Any) -> CasePage:
    """What a case's page shows to this visitor; private notes (and their files) only to the
    case's mentors and coordinators. A fixed number of queries."""
    # The mentors with their people, onto the case already loaded by the route rule.
    db.session.execute(
        db.select(Consultation)
        .where(Consultation.id == consultation.id)
        .options(selectinload(Consultation.mentors).joinedload(CaseMentor.user))
    ).all()
    stmt = (
        db.select(Message)
        .where(Message.consultation_id == consultation.id)
        .options(joinedload(Message.author), selectinload(Message.files))
        .order_by(Message.id)
    )
    if not access.staff:
        stmt = stmt.where(Message.kind != "note")
    messages = list(db.session.scalars(stmt))
    opening = list(
        db.session.scalars(
            db.select(CaseFile)
            .where(CaseFile.consultation_id == consultation.id, CaseFile.message_id.is_(None))
            .order_by(CaseFile.id)
        )
    )
    appointments = list(
        db.session.scalars(
            db.select(Appointment)
            .where(Appointment.consultation_id == consultation.id)
            .order_by(Appointment.start_dt)
        )
    )
    actions = list(
        db.session.scalars(
            db.select(ActionItem)
            .where(ActionItem.consultation_id == consultation.id)
            .options(joinedload(ActionItem.owner))
            .order_by(ActionItem.state != "open", ActionItem.due_date, ActionItem.id)
        )
    )
    ticks: dict[str, set[str]] = {}
    for stage, criterion in db.session.execute(
        db.select(CriterionTick.stage, CriterionTick.criterion).where(
            CriterionTick.consultation_id == consultation.id
        )
    ):
        ticks.setdefault(stage, set()).add(criterion)
    moves = moves_of(consultation)
    last_read = (
        db.session.scalar(
            db.select(ReadMark.last_message_id).where(
                ReadMark.consultation_id == consultation.id, ReadMark.user_id == user.id
            )
        )
        or 0
    )
    follow_ups = list(
        db.session.scalars(
            db.select(FollowUp)
            .where(FollowUp.consultation_id == consultation.id)
            .order_by(FollowUp.months)
        )
    )
    return CasePage(
        consultation, messages, opening, appointments, actions, ticks, moves, last_read, follow_ups
    )


def moves_of(consultation: Consultation) -> list[StageMove]:
    return list(
        db.session.scalars(
            db.select(StageMove)
            .where(StageMove.consultation_id == consultation.id)
            .order_by(StageMove.id)
        )
    )


def ticked(consultation: Consultation, stage: str) -> set[str]:
    return set(
        db.session.scalars(
            db.select(CriterionTick.criterion).where(
                CriterionTick.consultation_id == consultation.id, CriterionTick.stage == stage
            )
        )
    )


def file_of(consultation: Consultation, file_id: int, access: CaseAccess) -> CaseFile:
    """A file of this case the visitor may download; a private note's file is 404 for the
    requester."""
    item = db.session.get(CaseFile, file_id)
    if item is None or item.consultation_id != consultation.id:
        abort(404)
    if item.message_id is not None and item.message.kind == "note" and not access.staff:
        abort(404)
    return item


def appointment_of(consultation: Consultation, appointment_id: int) -> Appointment:
    item = db.session.get(Appointment, appointment_id)
    if item is None or item.consultation_id != consultation.id:
        abort(404)
    return item


def action_of(consultation: Consultation, action_id: int) -> ActionItem:
    item = db.session.get(ActionItem, action_id)
    if item is None or item.consultation_id != consultation.id:
        abort(404)
    return item


def roster(consultation: Consultation) -> list[User]:
    """Who is expected at the case's appointments: the requester, then the mentors."""
    people = [consultation.requester, *mentors_of(consultation)]
    seen: set[int] = set()
    return [p for p in people if not (p.id in seen or seen.add(p.id))]


def attendance_of(appointment: Appointment) -> dict[int, AppointmentAttendance]:
    return {
        r.user_id: r
        for r in db.session.scalars(
            db.select(AppointmentAttendance).where(
                AppointmentAttendance.appointment_id == appointment.id
            )
        )
    }


def calendar_appointments(consultation: Consultation) -> list[Appointment]:
    return list(
        db.session.scalars(
            db.select(Appointment)
            .where(Appointment.consultation_id == consultation.id)
            .order_by(Appointment.start_dt)
        )
    )


def person_appointments(user: Any) -> list[Appointment]:
    """The appointments of the cases ``user`` asked for or is a mentor of (not merged ones),
    cancelled ones too so that calendars that imported them drop them; with their case."""
    mentored = db.select(CaseMentor.consultation_id).where(CaseMentor.user_id == user.id)
    return list(
        db.session.scalars(
            db.select(Appointment)
            .join(Appointment.consultation)
            .where(
                sa.or_(Consultation.requester_id == user.id, Consultation.id.in_(mentored)),
                Consultation.state != "merged",
            )
            .options(contains_eager(Appointment.consultation))
            .order_by(Appointment.start_dt)
        )
    )


def innovation_choices(consultation: Consultation) -> list[Innovation]:
    """Registry innovations a case may be linked to at Deliver: those of its office and those
    its requester is an innovator of, in its region, not linked to another case."""
    taken = db.select(Consultation.innovation_id).where(
        Consultation.innovation_id.is_not(None), Consultation.id != consultation.id
    )
    mine = db.select(Innovator.innovation_id).where(Innovator.user_id == consultation.requester_id)
    return list(
        db.session.scalars(
            db.select(Innovation)
            .where(
                Innovation.region_id == consultation.region_id,
                Innovation.state != "archived",
                sa.or_(Innovation.office_id == consultation.office_id, Innovation.id.in_(mine)),
                Innovation.id.not_in(taken),
            )
            .order_by(Innovation.name)
        )
    )


# --- dashboards ------------------------------------------------------------------------------

#: The latest zone in Indonesia: no due date later than its "today" can be overdue anywhere.
_EASTMOST = "Asia/Jayapura"


@dataclass(frozen=True, slots=True)
class OverdueItem:
    """An open action item past its due date, as the dashboard lists it (plain values)."""

    id: int
    consultation_id: int
    title: str
    due_date: date
    owner_name: str
    case_title: str


@functools.cache
def _overdue_statement() -> Any:
    """The dashboard's open action items past their due date (in the easternmost zone; see
    :func:`overdue_of`) on the person's own cases, the cases they mentor, or owned by them,
    with bound :user_id and :overdue_before; plain columns, built once per process."""
    user_id = sa.bindparam("user_id")
    mentor_of = db.select(CaseMentor.consultation_id).where(CaseMentor.user_id == user_id)
    return (
        sa.select(
            ActionItem.id,
            ActionItem.consultation_id,
            ActionItem.title,
            ActionItem.due_date,
            User.full_name,
            Consultation.title,
            Region.timezone,
        )
        .select_from(ActionItem)
        .join(Consultation, Consultation.id == ActionItem.consultation_id)
        .join(Region, Region.id == Consultation.region_id)
        .join(User, User.id == ActionItem.owner_id)
        .where(
            ActionItem.state == "open",
            ActionItem.due_date < sa.bindparam("overdue_before"),
            Consultation.state.in_(OPEN_STATES),
            sa.or_(
                ActionItem.owner_id == user_id,
                Consultation.requester_id == user_id,
                Consultation.id.in_(mentor_of),
            ),
        )
        .order_by(ActionItem.due_date, ActionItem.id)
    )


def has_cases(user_id: Any) -> Any:
    """Whether ``user_id`` (a column or a bound parameter) requested or mentors a case or
    owns an action item: the people :func:`overdue_column` can find anything for."""
    return sa.or_(
        sa.exists().where(Consultation.requester_id == user_id),
        sa.exists().where(CaseMentor.user_id == user_id),
        sa.exists().where(ActionItem.owner_id == user_id),
    )


def overdue_column(user_id: Any) -> Any:
    """The dashboard's overdue action items as one JSON value (lms.db.json_rows) on
    ``user_id`` (its statement's bound :user_id), for a page that selects them with the
    account; bound values: :func:`overdue_params`; read with :func:`overdue_of`. Looked for
    only when the person has a case: the items' index is by state and due date, so for
    anyone else the search would read every open overdue item of the install."""
    return sa.case((has_cases(user_id), json_rows(_overdue_statement())), else_=json_empty_list())


def overdue_params() -> dict[str, Any]:
    return {"overdue_before": today_in(_EASTMOST)}


def overdue_of(rows: list[list[Any]]) -> list[OverdueItem]:
    """The items of :func:`overdue_column`'s JSON lists (due dates as text) that are past
    due in their own region's zone."""
    items = []
    for item_id, case_id, title, due, owner, case_title, tz in rows:
        due_date = date.fromisoformat(due)
        if due_date < today_in(tz):
            items.append(OverdueItem(item_id, case_id, title, due_date, owner, case_title))
    return items


# --- follow-ups ------------------------------------------------------------------------------


def pending_follow_ups(region: Region) -> list[FollowUp]:
    """Follow-ups that are due and not answered yet, oldest first (one query)."""
    return list(
        db.session.scalars(
            db.select(FollowUp)
            .where(
                FollowUp.region_id == region.id,
                FollowUp.answered_dt.is_(None),
                FollowUp.due_date <= today_in(region.timezone),
            )
            .options(
                joinedload(FollowUp.user),
                joinedload(FollowUp.consultation),
                joinedload(FollowUp.innovation),
            )
            .order_by(FollowUp.due_date, FollowUp.id)
        )
    )


def my_follow_ups(user: Any) -> list[FollowUp]:
    """The person's follow-ups that are due and not answered."""
    return [
        f
        for f in db.session.scalars(
            db.select(FollowUp)
            .where(FollowUp.user_id == user.id, FollowUp.answered_dt.is_(None))
            .options(joinedload(FollowUp.region), joinedload(FollowUp.consultation))
            .order_by(FollowUp.due_date)
        )
        if f.due_date <= today_in(f.region.timezone)
    ]


def follow_up_title(follow_up: FollowUp) -> str:
    if follow_up.innovation is not None and follow_up.innovation.name:
        return follow_up.innovation.name
    if follow_up.consultation is not None:
        return follow_up.consultation.title
    if follow_up.submission is not None:
        return proposal_title(follow_up.submission)
    return ""


def is_coordinator(user: Any, region_id: int) -> bool:
    if getattr(user, "is_admin", False):
        return True
    return (
        db.session.scalar(
            db.select(RegionMembership.id).where(
                RegionMembership.region_id == region_id,
                RegionMembership.user_id == user.id,
                RegionMembership.role == "coordinator",
            )
        )
        is not None
    )


# --- the report ------------------------------------------------------------------------------


@dataclass
class Report:
    region: Region
    year: int | None
    total: int
    by_office: list[tuple[Office, int]]
    by_category: dict[str, int]
    by_stage: dict[str, int]
    by_state: dict[str, int]
    #: Hours from opening to the first response, and days to Deliver (medians).
    median_first_response_hours: float | None
    median_days_to_deliver: float | None
    #: Cases whose stage reached each stage (the funnel), in the file's order.
    funnel: list[tuple[str, int]]
    outcomes: dict[str, int]
    years: list[int]
    rows: list[Consultation] = field(default_factory=list)


def _year_range(year: int, tz: str) -> tuple[datetime, datetime]:
    return to_utc(date(year, 1, 1), time(0), tz), to_utc(date(year + 1, 1, 1), time(0), tz)


def report(region: Region, stages: StageSet, year: int | None = None) -> Report:
    """The clinic's numbers for the region (opened in ``year``, or all): four queries."""
    stmt = db.select(Consultation).where(Consultation.region_id == region.id)
    if year:
        start, end = _year_range(year, region.timezone)
        stmt = stmt.where(Consultation.created_dt >= start, Consultation.created_dt < end)
    rows = list(
        db.session.scalars(
            stmt.options(
                joinedload(Consultation.office),
                joinedload(Consultation.requester),
                joinedload(Consultation.innovation),
            ).order_by(Consultation.id)
        )
    )
    years = sorted(
        {
            local(c, region.timezone).year
            for c in db.session.scalars(
                db.select(Consultation.created_dt).where(Consultation.region_id == region.id)
            )
        },
        reverse=True,
    )
    offices: Counter[int] = Counter(c.office_id for c in rows)
    office_objects = {c.office_id: c.office for c in rows}
    response_hours = [
        (c.first_response_dt - c.created_dt).total_seconds() / 3600
        for c in rows
        if c.first_response_dt is not None
    ]
    deliver_days = [
        (c.delivered_dt - c.created_dt).total_seconds() / 86400
        for c in rows
        if c.delivered_dt is not None
    ]
    counted = [c for c in rows if c.state != "merged"]
    funnel = []
    for position, stage in enumerate(stages.stages):
        reached = sum(
            1
            for c in counted
            if c.state != "new" and (stages.index(c.stage) >= position or c.state == "done")
        )
        funnel.append((stage.key, reached))
    innovations = [c.innovation for c in rows if c.innovation is not None]
    outcomes = {
        "linked": len(innovations),
        "trial": sum(1 for i in innovations if i.stage in ("uji_coba", "penerapan")),
        "implementation": sum(1 for i in innovations if i.stage == "penerapan"),
        "reported": sum(1 for i in innovations if i.state == "verified"),
    }
    return Report(
        region=region,
        year=year,
        total=len(rows),
        by_office=sorted(
            ((office_objects[k], n) for k, n in offices.items()), key=lambda p: (-p[1], p[0].name)
        ),
        by_category={k: sum(1 for c in rows if c.category == k) for k in CATEGORIES},
        by_stage={s.key: sum(1 for c in rows if c.stage == s.key) for s in stages.stages},
        by_state={s: sum(1 for c in rows if c.state == s) for s in STATES},
        median_first_response_hours=statistics.median(response_hours) if response_hours else None,
        median_days_to_deliver=statistics.median(deliver_days) if deliver_days else None,
        funnel=funnel,
        outcomes=outcomes,
        years=years,
        rows=rows,
    )


# --- the schedule's reads (``flask lms clinic follow-ups``) --------------------------------------


def delivered_without_follow_ups() -> list[Consultation]:
    has = db.select(FollowUp.id).where(FollowUp.consultation_id == Consultation.id)
    return list(
        db.session.scalars(
            db.select(Consultation)
            .where(Consultation.delivered_dt.is_not(None), ~has.exists())
            .options(joinedload(Consultation.region))
        )
    )


def graded_without_follow_ups() -> list[tuple[Submission, int, date, int | None]]:
    """Graded proposals (a released grade) of classes of a region that have ended, without
    follow-ups yet, and not the subject of a clinic case that reached Deliver (that case has
    its own): (submission, region id, the class's last day, its registry innovation)."""
    from lms.grading.models import Grade

    graded = db.select(Grade.id).where(
        Grade.submission_id == Submission.id,
        Grade.released_dt.is_not(None),
        Grade.outcome == "grade",
    )
    asked = db.select(FollowUp.id).where(FollowUp.submission_id == Submission.id)
    in_case = db.select(Consultation.id).where(
        Consultation.submission_id == Submission.id, Consultation.delivered_dt.is_not(None)
    )
    rows = db.session.execute(
        db.select(Submission, Cohort.region_id, Cohort.end_date, Region.timezone)
        .join(CohortAssignment, CohortAssignment.id == Submission.assignment_id)
        .join(AssignmentSpec, AssignmentSpec.id == CohortAssignment.spec_id)
        .join(Cohort, Cohort.id == CohortAssignment.cohort_id)
        .join(Region, Region.id == Cohort.region_id)
        .where(
            AssignmentSpec.kind == "proposal", graded.exists(), ~asked.exists(), ~in_case.exists()
        )
    ).all()
    from lms.innovations.queries import innovation_from

    return [
        (submission, region_id, end, getattr(innovation_from(submission), "id", None))
        for submission, region_id, end, tz in rows
        if end < today_in(tz)
    ]


def follow_ups_to_notify() -> list[FollowUp]:
    rows = db.session.scalars(
        db.select(FollowUp)
        .where(FollowUp.notified_dt.is_(None), FollowUp.answered_dt.is_(None))
        .options(
            joinedload(FollowUp.region),
            joinedload(FollowUp.user),
            joinedload(FollowUp.consultation),
            joinedload(FollowUp.innovation),
        )
        .order_by(FollowUp.id)
    )
    return [f for f in rows if f.due_date <= today_in(f.region.timezone)]


def actions_to_remind() -> list[ActionItem]:
    rows = db.session.scalars(
        db.select(ActionItem)
        .join(Consultation, Consultation.id == ActionItem.consultation_id)
        .join(Region, Region.id == Consultation.region_id)
        .where(
            ActionItem.state == "open",
            ActionItem.reminded_dt.is_(None),
            Consultation.state.in_(OPEN_STATES),
        )
        .options(
            contains_eager(ActionItem.consultation).contains_eager(Consultation.region),
            joinedload(ActionItem.owner),
        )
        .order_by(ActionItem.id)
    )
    return [i for i in rows if i.due_date < today_in(i.consultation.region.timezone)]
