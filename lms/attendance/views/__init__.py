"""The attendance routes, one file per page group; importing this registers them on the bp.

meetings (the schedule and its import), checkin, marking (the grid, closing, the marks
import), excuses, reports, calendar (the ICS feeds)."""

from lms.attendance.views import calendar, checkin, excuses, marking, meetings, reports  # noqa: F401
