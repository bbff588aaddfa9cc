"""The clinic's pages, one file per page group; importing this package registers them on
``lms.clinic.bp``: a person's cases and a case's page (cases), the coordinator's triage and
region list (triage), stages, appointments and action items (work), the report, follow-ups."""

from lms.clinic.views import cases, follow_ups, report, triage, work  # noqa: F401
