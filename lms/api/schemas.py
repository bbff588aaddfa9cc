"""The API's request and response bodies (pydantic): what is validated and what the OpenAPI
document says. Field names are the API's contract; keep them stable within /api/v1."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from lms.i18n import gettext as _

Status = Literal["present", "late", "excused", "sick", "absent"]
Role = Literal["participant", "trainer", "organizer"]
Number = int | float


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- problems -----------------------------------------------------------------------------


class FieldProblem(_Out):
    field: str = Field(description="Where in the request: `marks.0.status`, `body`, ...")
    message: str
    type: str = Field(description="The validator's word for it, e.g. `missing`.")


class Problem(BaseModel):
    """Problem details (RFC 9457), in the caller's language."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="`about:blank`, or a tag URI naming the problem.")
    title: str
    status: int = Field(ge=100, le=599)
    detail: str = Field(description="What a person reads.")
    code: str = Field(description="A stable word for programs, e.g. `sync_too_late`.")
    errors: list[FieldProblem] | None = None


# --- classes ------------------------------------------------------------------------------


class CohortSummary(_Out):
    id: int
    code: str
    name: str
    role: Role = Field(description="The caller's role in the class.")
    state: Literal["draft", "open", "finished"]
    start_date: date
    end_date: date
    timezone: str = Field(description="IANA zone of the class, e.g. Asia/Makassar.")
    venue: str


class CohortList(_Out):
    cohorts: list[CohortSummary]


class MeetingOut(_Out):
    id: int
    title: str
    venue: str
    start_at: datetime
    end_at: datetime
    jp: int = Field(description="Training hours (jam pelajaran).")
    checkin_opens_at: datetime
    checkin_closes_at: datetime
    late_after: datetime = Field(description="A check-in after this is `late`.")
    closed_at: datetime | None = Field(description="When the organizer closed the meeting.")
    own_status: Status | None = Field(description="The caller's attendance (participants).")


class MeetingList(_Out):
    cohort_id: int
    timezone: str
    meetings: list[MeetingOut]


class MemberOut(_Out):
    user_id: int
    full_name: str
    role: Role
    email: str
    nip: str | None
    position: str
    office: str


class MemberList(_Out):
    cohort_id: int
    members: list[MemberOut]


class AttendanceRow(_Out):
    user_id: int
    full_name: str
    status: Status | None = Field(description="None: not marked yet.")
    note: str
    checked_in_at: datetime | None
    source: str | None = Field(description="checkin, organizer, import, excuse or close.")
    version: int | None = Field(
        description="The row's version: send it back as `expected_version` to change it."
    )


class MeetingAttendance(_Out):
    cohort_id: int
    meeting_id: int
    counts: dict[str, int] = Field(description="Participants per status, and `unmarked`.")
    rows: list[AttendanceRow]


class MarkIn(_In):
    user_id: int = Field(ge=1, le=2147483647)
    status: Status
    note: str = Field(default="", max_length=500)
    expected_version: int | None = Field(
        default=None,
        ge=1,
        le=2147483647,
        description="The version you saw; null when the participant had no row yet.",
    )


class MarksIn(_In):
    marks: list[MarkIn] = Field(min_length=1, max_length=1000)

    @field_validator("marks")
    @classmethod
    def _one_row_per_person(cls, marks: list[MarkIn]) -> list[MarkIn]:
        seen: set[int] = set()
        for mark in marks:
            if mark.user_id in seen:
                raise ValueError(
                    _("Satu peserta satu baris (%(id)d muncul dua kali).", id=mark.user_id)
                )
            seen.add(mark.user_id)
        return marks


class MarkResult(_Out):
    user_id: int
    result: Literal["saved", "unchanged", "conflict", "refused"] = Field(
        description="`conflict`: someone changed the row since `expected_version`; nothing of "
        "the row was written and `status`, `note`, `version` are the stored ones."
    )
    status: Status | None
    note: str | None
    version: int | None
    detail: str | None = Field(description="Why a row was refused or is in conflict.")


class MarksOut(_Out):
    meeting_id: int
    saved: int
    unchanged: int
    conflicts: int
    refused: int
    results: list[MarkResult]


# --- check-in -----------------------------------------------------------------------------


class CheckInIn(_In):
    code: str = Field(min_length=1, max_length=20, description="The code on the screen.")
    meeting_id: int | None = Field(
        default=None, ge=1, le=2147483647, description="Known from the QR code; else found."
    )
    claimed_at: AwareDatetime = Field(description="The device's time of the scan (ISO 8601).")
    client_id: UUID = Field(
        description="The device's id of this check-in: a replay of it answers the same."
    )


class CheckInOut(_Out):
    status: Status = Field(
        description="`present` or `late` as recorded by a check-in; a replay shows the row as "
        "it is now (an organizer may have corrected it since)."
    )
    meeting_id: int
    meeting_title: str
    recorded_at: datetime = Field(description="The time the check-in counts at.")
    synced_late: bool = Field(
        description="The check-in reached the server a while after `claimed_at` (queued)."
    )
    client_id: str
    message: str = Field(description="What was recorded, for the participant to read.")


# --- regions ------------------------------------------------------------------------------


def _no_default(schema: dict) -> None:
    schema.pop("default", None)


def _left_out(**constraints: object):
    """A query argument that may be left out (never null, so no null in its schema)."""
    return Field(default=None, json_schema_extra=_no_default, **constraints)


class InnovationQuery(_In):
    stage: Literal["inisiatif", "uji_coba", "penerapan"] | SkipJsonSchema[None] = _left_out()
    state: (
        Literal["draft", "submitted", "revisions_requested", "verified", "archived"]
        | SkipJsonSchema[None]
    ) = _left_out()
    office_id: int | SkipJsonSchema[None] = _left_out(ge=1, le=2147483647)
    year: int | SkipJsonSchema[None] = _left_out(ge=2000, le=2100)
    q: str | SkipJsonSchema[None] = _left_out(max_length=100)
    page: int = Field(default=1, ge=1, le=100000)


class InnovationOut(_Out):
    id: int
    name: str
    office_id: int
    office_name: str
    stage: str
    state: str
    latest_version: int
    published: bool
    updated_at: datetime


class InnovationList(_Out):
    region_code: str
    page: int
    pages: int
    total: int
    innovations: list[InnovationOut]


class IndexQuery(_In):
    which: Literal["verified", "claimed"] = "verified"


class IndicatorScoreOut(_Out):
    code: str
    weight: Number
    level: int
    score: Number


class InnovationScoreOut(_Out):
    id: int
    name: str
    score: Number
    indicators: list[IndicatorScoreOut]


class RegionScoreOut(_Out):
    """The keys of `flask lms iid score --json`."""

    spd: Number
    sid: Number
    total: Number
    max_total: Number
    index: Number
    predicate: str
    n: int
    divisor: int
    region_indicators: list[IndicatorScoreOut]
    innovations: list[InnovationScoreOut]


# --- certificates -------------------------------------------------------------------------


class CertificateOut(_Out):
    """What the public verification page shows (no email, no NIP, no ids)."""

    code: str
    number: str
    valid: bool
    state: Literal["issued", "revoked"]
    kind: Literal["completion", "attendance"]
    kind_label: str
    participant_name: str
    cohort_code: str
    cohort_name: str
    start_date: date | None
    end_date: date | None
    venue: str
    organized_by: str
    jp: int
    qualification: str
    issued_at: datetime
    revoked_at: datetime | None
    revoke_reason: str
    replaced_by_number: str | None
