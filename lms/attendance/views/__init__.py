"""The attendance routes, one file per page group; importing this registers them on the bp.

meetings (the schedule and its import), checkin, marking (the grid, closing, the marks
import), excuses, reports, calendar (the ICS feeds), offline (the service worker, the check-in
app's manifest and the session probe of the offline pages)."""

from lms.attendance.views import (  # noqa: F401
    calendar,
    checkin,
    excuses,
    marking,
    meetings,
    offline,
    reports,
)
