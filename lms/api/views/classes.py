"""A person's classes, a class's meetings, members and one meeting's attendance."""

from __future__ import annotations

from flask import g
from flask_login import current_user

from lms.api import queries, v1
from lms.api.access import api_cohort, api_login
from lms.api.openapi import answers, security, spec
from lms.api.schemas import (
    AttendanceRow,
    CohortList,
    CohortSummary,
    MeetingAttendance,
    MeetingList,
    MeetingOut,
    MemberList,
    MemberOut,
)
from lms.attendance import queries as attendance_queries
from lms.cohorts import queries as cohort_queries
from lms.cohorts.models import MEMBER_ROLES, STAFF_ROLES

SCOPE = "read:classes"
TAGS = ["classes"]


@v1.get("/me/cohorts")
@api_login(SCOPE)
@spec.validate(
    resp=answers({200: CohortList}),
    tags=TAGS,
    operation_id="listMyCohorts",
    security=security(SCOPE),
)
def my_cohorts():
    """The caller's classes, with their role in each (newest first). Rule: login."""
    return CohortList(
        cohorts=[
            CohortSummary(
                id=m.cohort.id,
                code=m.cohort.code,
                name=m.cohort.name,
                role=m.role,
                state=m.cohort.state,
                start_date=m.cohort.start_date,
                end_date=m.cohort.end_date,
                timezone=m.cohort.timezone,
                venue=m.cohort.venue,
            )
            for m in queries.memberships_of(current_user)
        ]
    )


@v1.get("/cohorts/<cohort_id>/meetings")
@api_cohort(*MEMBER_ROLES, scope=SCOPE)
@spec.validate(
    resp=answers({200: MeetingList}, 404),
    tags=TAGS,
    operation_id="listMeetings",
    security=security(SCOPE),
)
def meetings(cohort_id: int):
    """The class's meetings by start, with the caller's own attendance. Rule: the class's
    members."""
    participant = g.membership is not None and g.membership.role == "participant"
    return MeetingList(
        cohort_id=g.cohort.id,
        timezone=g.cohort.timezone,
        meetings=[
            MeetingOut(
                id=row.meeting.id,
                title=row.meeting.title,
                venue=row.meeting.venue,
                start_at=row.meeting.start_dt,
                end_at=row.meeting.end_dt,
                jp=row.meeting.jp,
                checkin_opens_at=row.meeting.opens_dt,
                checkin_closes_at=row.meeting.closes_dt,
                late_after=row.meeting.late_dt,
                closed_at=row.meeting.closed_dt,
                own_status=row.record.status if participant and row.record else None,
            )
            for row in queries.meetings_with_own_records(g.cohort, current_user)
        ],
    )


@v1.get("/cohorts/<cohort_id>/members")
@api_cohort(*STAFF_ROLES, scope=SCOPE)
@spec.validate(
    resp=answers({200: MemberList}, 404),
    tags=TAGS,
    operation_id="listMembers",
    security=security(SCOPE),
)
def members(cohort_id: int):
    """The class's members by role, then name. Rule: trainers and organizers (as the members
    page)."""
    return MemberList(
        cohort_id=g.cohort.id,
        members=[
            MemberOut(
                user_id=m.user.id,
                full_name=m.user.full_name,
                role=m.role,
                email=m.user.email,
                nip=m.user.nip,
                position=m.user.position,
                office=m.user.office,
            )
            for m in cohort_queries.members(g.cohort)
        ],
    )


@v1.get("/cohorts/<cohort_id>/meetings/<meeting_id>/attendance")
@api_cohort(*STAFF_ROLES, scope=SCOPE)
@spec.validate(
    resp=answers({200: MeetingAttendance}, 404),
    tags=TAGS,
    operation_id="getMeetingAttendance",
    security=security(SCOPE),
)
def meeting_attendance(cohort_id: int, meeting_id: int):
    """Every participant of the meeting with their status, note and row version. Rule:
    trainers and organizers (as the attendance pages)."""
    summary = attendance_queries.meeting_summary(
        attendance_queries.meeting_of(g.cohort, meeting_id)
    )
    return MeetingAttendance(
        cohort_id=g.cohort.id,
        meeting_id=meeting_id,
        counts=summary.counts,
        rows=[
            AttendanceRow(
                user_id=user.id,
                full_name=user.full_name,
                status=record.status if record else None,
                note=record.note if record else "",
                checked_in_at=record.checked_in_dt if record else None,
                source=record.source if record else None,
                version=record.version if record else None,
            )
            for user, record in summary.rows
        ],
    )
