"""Clinic exports: a case's calendar feed (ICS, through the attendance feed builder) and the
clinic report as XLSX. Call them inside a request or app context (messages go through
flask_babel)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from icalendar import Event
from openpyxl import Workbook
from openpyxl.styles import Font

from lms.attendance import exports as attendance_exports
from lms.clinic.forms import category_labels
from lms.clinic.models import Appointment, Consultation
from lms.clinic.queries import Report
from lms.clinic.stages import StageSet
from lms.db import utcnow
from lms.i18n import gettext as _
from lms.spreadsheets import row_cells
from lms.timefmt import local

XLSX_MIMETYPE = attendance_exports.XLSX_MIMETYPE


def appointment_uid(appointment: Appointment) -> str:
    return f"clinic-appointment-{appointment.id}@kelas-inovasi"


def case_calendar(consultation: Consultation, appointments: Iterable[Appointment]) -> bytes:
    """The case's appointments; cancelled ones stay in the feed as cancelled, so calendars
    that imported them drop them."""
    calendar = attendance_exports.new_calendar(
        _("Konsultasi #%(id)s · %(title)s", id=consultation.id, title=consultation.title),
        consultation.region.timezone,
    )
    for event in appointment_events(appointments):
        calendar.add_component(event)
    return calendar.to_ical()


def appointment_events(appointments: Iterable[Appointment]) -> list[Event]:
    """The appointments as calendar events (the case's feed, and the personal feed of the
    requester and the mentors). Each appointment's case should be loaded."""
    stamp = utcnow()
    events = []
    for item in appointments:
        where = item.place if item.mode == "in_person" else item.link
        events.append(
            attendance_exports.calendar_event(
                uid=appointment_uid(item),
                start=item.start_dt,
                end=item.end_dt,
                summary=_("%(title)s — Klinik Inovasi", title=item.title),
                location=where,
                url=item.link if item.mode == "online" else "",
                description=_("Konsultasi: %(title)s", title=item.consultation.title),
                created=item.created_dt,
                stamp=stamp,
                cancelled=item.state == "cancelled",
            )
        )
    return events


def report_filename(report: Report) -> str:
    year = f"-{report.year}" if report.year else ""
    return f"laporan-klinik-inovasi-{report.region.code}{year}.xlsx"


def report_workbook(report: Report, stages: StageSet, locale: str, labels: dict) -> bytes:
    """A summary sheet (counts, medians, outcomes, funnel) and one row per case. Private
    notes and messages are not part of it."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    tz = report.region.timezone

    summary = book.create_sheet(_("Ringkasan"))
    summary.column_dimensions["A"].width = 48
    summary.column_dimensions["B"].width = 14

    def line(*values, font=None):
        summary.append(row_cells(summary, values, font=font))

    line(_("Laporan Klinik Inovasi · %(region)s", region=report.region.name), font=bold)
    if report.year:
        line(_("Konsultasi dibuka tahun %(year)s", year=report.year))
    line()
    line(_("Jumlah konsultasi"), report.total, font=bold)
    hours = report.median_first_response_hours
    days = report.median_days_to_deliver
    line(
        _("Median waktu sampai tanggapan pertama (jam)"),
        round(hours, 1) if hours is not None else "",
    )
    line(_("Median waktu sampai tahap Deliver (hari)"), round(days, 1) if days is not None else "")
    line()
    line(_("Hasil"), font=bold)
    for key, label in (
        ("linked", _("Terhubung dengan inovasi daerah")),
        ("trial", _("Inovasi sampai uji coba")),
        ("implementation", _("Inovasi sampai penerapan")),
        ("reported", _("Inovasi terverifikasi untuk indeks")),
    ):
        line(label, report.outcomes[key])
    for title, values in (
        (
            _("Menurut status"),
            [(str(labels["state_labels"][k]), n) for k, n in report.by_state.items()],
        ),
        (
            _("Menurut tahap"),
            [(stages.get(k).title(locale), n) for k, n in report.by_stage.items()],
        ),
        (
            _("Menurut jenis bantuan"),
            [(str(category_labels()[k]), n) for k, n in report.by_category.items()],
        ),
        (_("Menurut perangkat daerah"), [(o.label, n) for o, n in report.by_office]),
        (
            _("Corong tahap (konsultasi yang pernah sampai tahap ini)"),
            [(stages.get(k).title(locale), n) for k, n in report.funnel],
        ),
    ):
        line()
        line(title, font=bold)
        for label, n in values:
            line(label, n)

    cases = book.create_sheet(_("Konsultasi"))
    for column, width in zip(
        "ABCDEFGHIJK", (8, 40, 30, 22, 12, 16, 16, 16, 18, 18, 36), strict=True
    ):
        cases.column_dimensions[column].width = width
    cases.append(
        row_cells(
            cases,
            [
                _("No."),
                _("Judul"),
                _("Perangkat daerah"),
                _("Jenis bantuan"),
                _("Kepentingan"),
                _("Tahap"),
                _("Status"),
                _("Dibuka"),
                _("Tanggapan pertama (jam)"),
                _("Sampai Deliver (hari)"),
                _("Inovasi daerah"),
            ],
            font=bold,
        )
    )
    for c in report.rows:
        stage = stages.get(c.stage)
        response = (
            round((c.first_response_dt - c.created_dt).total_seconds() / 3600, 1)
            if c.first_response_dt
            else ""
        )
        deliver = (
            round((c.delivered_dt - c.created_dt).total_seconds() / 86400, 1)
            if c.delivered_dt
            else ""
        )
        cases.append(
            row_cells(
                cases,
                [
                    c.id,
                    c.title,
                    c.office.label,
                    str(category_labels()[c.category]),
                    str(labels["urgency_labels"][c.urgency]),
                    stage.title(locale) if stage else c.stage,
                    str(labels["state_labels"][c.state]),
                    local(c.created_dt, tz).date().isoformat(),
                    response,
                    deliver,
                    c.innovation.name if c.innovation else "",
                ],
            )
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
