"""An organizer's attendance marks for one meeting, row by row."""

from __future__ import annotations

from flask import g
from flask_login import current_user

from lms.api import operations, v1
from lms.api.access import api_cohort
from lms.api.openapi import answers, security, spec
from lms.api.problems import domain_problem
from lms.api.schemas import MarkResult, MarksIn, MarksOut
from lms.attendance import queries as attendance_queries
from lms.unit_of_work import unit_of_work

SCOPE = "attendance:write"


@v1.post("/cohorts/<cohort_id>/meetings/<meeting_id>/marks")
@api_cohort("organizer", scope=SCOPE)
@unit_of_work(render=domain_problem)
@spec.validate(
    json=MarksIn,
    resp=answers({200: MarksOut}, 404, 409, 415),
    tags=["attendance"],
    operation_id="saveMarks",
    security=security(SCOPE),
)
def save_marks(cohort_id: int, meeting_id: int, json: MarksIn):
    """Set participants' statuses (Hadir, Terlambat, Izin, Sakit, Alpa). Rule: the class's
    organizers.

    Each row on its own: send the `version` you saw as `expected_version` (null for no row).
    A row someone changed since then comes back as `conflict` with the stored status, note
    and version, and nothing of it is written; the other rows are saved. A person who is not
    a participant is `refused`."""
    meeting = attendance_queries.meeting_of(g.cohort, meeting_id)
    outcomes = operations.save_marks_by_row(
        meeting,
        [
            operations.MarkChange(m.user_id, m.status, m.note, m.expected_version)
            for m in json.marks
        ],
        actor=current_user,
    )
    results = [
        MarkResult(
            user_id=o.user_id,
            result=o.result,
            status=o.record.status if o.record else None,
            note=o.record.note if o.record else None,
            version=o.record.version if o.record else None,
            detail=o.detail,
        )
        for o in outcomes
    ]
    count = {kind: sum(o.result == kind for o in outcomes) for kind in ("saved", "unchanged")}
    return MarksOut(
        meeting_id=meeting.id,
        saved=count["saved"],
        unchanged=count["unchanged"],
        conflicts=sum(o.result == "conflict" for o in outcomes),
        refused=sum(o.result == "refused" for o in outcomes),
        results=results,
    )
