"""iCalendar (ICS) feeds of meetings: one for a cohort, one personal feed for a person.

Times are written in UTC (``DTSTART:20230905T010000Z``): every calendar app converts them to
the phone's zone, and no VTIMEZONE block is needed. ``X-WR-TIMEZONE`` tells apps which zone
the class itself is in. Call the builders inside a request or app context (messages go
through flask_babel).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app, has_app_context
from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Event

from lms.db import utcnow

if TYPE_CHECKING:
    from lms.accounts.models import User
    from lms.attendance.models import Meeting
    from lms.cohorts.models import Cohort

__all__ = ["cohort_calendar", "person_calendar", "meeting_uid", "MEDIA_TYPE"]

MEDIA_TYPE = "text/calendar"
PRODID = "-//Kelas Inovasi//Jadwal Pertemuan//ID"
#: How often subscribed calendars should fetch the feed again (apps may ignore it).
REFRESH = timedelta(hours=1)
#: The reminder before each meeting.
ALARM_BEFORE = timedelta(minutes=30)


def meeting_uid(meeting: Meeting) -> str:
    """Stable across feeds and renewals, so re-importing updates instead of duplicating."""
    return f"meeting-{meeting.id}@kelas-inovasi"


def cohort_calendar(cohort: Cohort, meetings: Iterable[Meeting]) -> bytes:
    """The schedule of one cohort. ``meetings`` should have their trainers loaded."""
    calendar = _calendar(_("Jadwal %(code)s", code=cohort.code), cohort.timezone)
    stamp = utcnow()
    for meeting in meetings:
        calendar.add_component(_event(meeting, cohort, stamp))
    return calendar.to_ical()


def person_calendar(user: User, meetings: Iterable[Meeting]) -> bytes:
    """Every meeting of the cohorts ``user`` belongs to. ``meetings`` should have their
    cohort and trainers loaded. The calendar's zone is the one most of the meetings use."""
    meetings = list(meetings)
    zones: dict[str, int] = {}
    for meeting in meetings:
        zones[meeting.cohort.timezone] = zones.get(meeting.cohort.timezone, 0) + 1
    default = (
        current_app.config.get("LMS_DEFAULT_TIMEZONE", "Asia/Jakarta")
        if has_app_context()
        else "Asia/Jakarta"
    )
    zone = max(zones, key=lambda z: zones[z]) if zones else default
    calendar = _calendar(_("Kelas Inovasi · %(name)s", name=user.full_name), zone)
    stamp = utcnow()
    for meeting in meetings:
        calendar.add_component(_event(meeting, meeting.cohort, stamp))
    return calendar.to_ical()


def _calendar(name: str, timezone: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", timezone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    return calendar


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


def _event(meeting: Meeting, cohort: Cohort, stamp: datetime) -> Event:
    summary = f"{meeting.title} — {cohort.code}"
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", _utc(stamp))
    event.add("created", _utc(meeting.created_dt))
    event.add("dtstart", _utc(meeting.start_dt))
    event.add("dtend", _utc(meeting.end_dt))
    event.add("summary", summary)
    if meeting.venue:
        event.add("location", meeting.venue)
    event.add("description", _description(meeting, cohort))
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", -ALARM_BEFORE)
    event.add_component(alarm)
    return event


def _description(meeting: Meeting, cohort: Cohort) -> str:
    lines = [
        _("Kelas: %(name)s (%(code)s)", name=cohort.name, code=cohort.code),
        _("JP: %(jp)d", jp=meeting.jp),
    ]
    if meeting.trainers:
        names = ", ".join(sorted(t.full_name for t in meeting.trainers))
        lines.append(_("Widyaiswara: %(names)s", names=names))
    return "\n".join(lines)
