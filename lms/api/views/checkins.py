"""A participant's check-in sent by a device, online or synced later (the offline app)."""

from __future__ import annotations

from flask_login import current_user

from lms.api import v1
from lms.api.access import api_login
from lms.api.openapi import answers, security, spec
from lms.api.problems import domain_problem
from lms.api.schemas import CheckInIn, CheckInOut
from lms.attendance import operations as attendance
from lms.db import utcnow
from lms.unit_of_work import unit_of_work

SCOPE = "checkin"


@v1.post("/checkins")
@api_login(SCOPE)
@unit_of_work(render=domain_problem)
@spec.validate(
    json=CheckInIn,
    resp=answers({200: CheckInOut, 201: CheckInOut}, 409, 415),
    tags=["attendance"],
    operation_id="checkIn",
    security=security(SCOPE),
)
def checkin(json: CheckInIn):
    """Check in with the code on the organizer's screen, now or from a queue. Rule: login
    (the caller must be a participant of the meeting's class).

    A phone that was offline sends the time it scanned (`claimed_at`) and its own UUID for
    the check-in (`client_id`): the code must be the one shown at that time, `claimed_at`
    inside the meeting's check-in window and not ahead of the server's clock, and the sync
    within `LMS_CHECKIN_SYNC_HOURS` (12) hours; `claimed_at` decides present or late. 201
    when recorded; 200 when the person was checked in already, and for a replay of the same
    `client_id` (the same body again). Refusals (`code`): `code_invalid`, `outside_window`,
    `sync_too_late`, `claimed_in_future`, `client_id_invalid` (422), `not_participant`
    (403), `marked_by_organizer`, `client_id_reused` (409)."""
    result = attendance.check_in_queued(
        current_user,
        code=json.code,
        claimed_at=json.claimed_at,
        client_id=str(json.client_id),
        meeting_id=json.meeting_id,
        now=utcnow(),
    )
    record = result.record
    body = CheckInOut(
        status=record.status,
        meeting_id=record.meeting_id,
        meeting_title=record.meeting.title,
        recorded_at=record.checked_in_dt or record.updated_dt,
        synced_late=bool(record.synced_late),
        client_id=str(json.client_id),
        message=result.message,
    )
    return body, 201 if result.created else 200
