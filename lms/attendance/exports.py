"""Attendance exports: the XLSX workbook, the printed daftar hadir, the ICS feeds of meetings
(``new_calendar`` and ``calendar_event`` also write the clinic's appointment feeds).

The workbook and the PDF switch to ``cohort.locale`` themselves (``force_locale``), whatever
the language of the person who asked. The PDF lays the table out by hand (own word wrap,
``FPDF.text``): fpdf2's ``table()`` needs seconds for a 500-row list, this takes a fraction of
one.

ICS times are written in UTC (``DTSTART:20230905T010000Z``): every calendar app converts them
to the phone's zone, and no VTIMEZONE block is needed. ``X-WR-TIMEZONE`` tells apps which zone
the class itself is in. Call the builders inside a request or app context (messages go
through flask_babel).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

from babel.dates import format_date
from flask import current_app, has_app_context
from flask_babel import force_locale
from fpdf import FPDF
from icalendar import Alarm, Calendar, Event
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from lms.accounts.civil_service import format_nip
from lms.accounts.models import User
from lms.attendance import columns
from lms.attendance.models import Meeting
from lms.attendance.queries import CohortReport, MeetingSummary, status_words
from lms.cohorts.models import Cohort
from lms.db import utcnow
from lms.i18n import gettext as _
from lms.pdf import FONT, PagedPdf
from lms.spreadsheets import row_cells
from lms.timefmt import local, local_date, local_time, zone_abbr

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ICS_MIMETYPE = "text/calendar"
#: The personal feed's file name (it holds the meetings of every class of the person).
PERSON_ICS_FILENAME = "jadwal-kelas-inovasi.ics"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-") or "kelas"


def xlsx_filename(cohort: Cohort) -> str:
    return f"kehadiran-{_slug(cohort.code)}.xlsx"


def ics_filename(cohort: Cohort) -> str:
    return f"jadwal-{_slug(cohort.code)}.ics"


def pdf_filename(meeting: Meeting) -> str:
    day = local(meeting.start_dt, meeting.cohort.timezone).date().isoformat()
    return f"daftar-hadir-{_slug(meeting.cohort.code)}-{day}-{meeting.id}.pdf"


def _short_date(dt: datetime, cohort: Cohort) -> str:
    return format_date(local(dt, cohort.timezone).date(), "d MMM y", locale=cohort.locale)


def _time_range(meeting: Meeting, cohort: Cohort) -> str:
    tz, lang = cohort.timezone, cohort.locale
    start = local_time(meeting.start_dt, tz, lang)
    return f"{start}–{local_time(meeting.end_dt, tz, lang)} {zone_abbr(tz)}"


# --- XLSX ---------------------------------------------------------------------------------

#: Column widths (characters) of the optional columns.
XLSX_WIDTHS = {"position": 30, "rank": 28, "sex": 6}
#: Characters Excel refuses in a sheet name.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31


def sheet_title(text: str, taken: set[str]) -> str:
    """A valid, unique (case-insensitively, as Excel compares) sheet name; adds it to taken."""
    base = _SHEET_FORBIDDEN.sub(" ", text)
    base = " ".join(base.split()).strip("'") or "-"
    title, n = base[:SHEET_NAME_MAX].rstrip(" '"), 1
    while title.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        title = base[: SHEET_NAME_MAX - len(suffix)].rstrip(" '") + suffix
    taken.add(title.casefold())
    return title


def attendance_workbook(report: CohortReport) -> bytes:
    """A summary sheet (participants × meetings) and one sheet per meeting."""
    with force_locale(report.cohort.locale):
        return _workbook(report)


def _workbook(report: CohortReport) -> bytes:
    cohort = report.cohort
    words = status_words()
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    taken: set[str] = set()

    cells = row_cells
    # The class's optional columns (Jabatan, Pangkat/Gol., L/P) go between NIP and Unit kerja.
    extra = columns.chosen(cohort)
    extra_headings = [columns.heading(key) for key in extra]
    extra_widths = [XLSX_WIDTHS[key] for key in extra]
    extra_values = {row.user.id: columns.values(extra, row.user) for row in report.rows}

    def widths(sheet, *values: float) -> None:
        for index, value in enumerate(values, 1):
            sheet.column_dimensions[get_column_letter(index)].width = value

    summary = book.create_sheet(sheet_title(_("Ringkasan"), taken))
    widths(summary, 5, 36, 24, *extra_widths, 30, *([14] * len(report.meetings)))
    summary.append(cells(summary, [f"{cohort.name} ({cohort.code})"], font=bold))
    summary.append(
        cells(
            summary,
            [_("No."), _("Nama"), _("NIP"), *extra_headings, _("Unit kerja")]
            + [
                f"{n}. {m.title} ({_short_date(m.start_dt, cohort)})"
                for n, m in enumerate(report.meetings, 1)
            ]
            + [_("Jumlah hadir"), _("Kehadiran (%)"), _("JP diikuti")],
            font=bold,
        )
    )
    for number, row in enumerate(report.rows, 1):
        person, tally = row.user, row.tally
        rate = WriteOnlyCell(summary, value=tally.rate)
        rate.number_format = "0%"
        summary.append(
            cells(
                summary,
                [
                    number,
                    person.full_name,
                    person.nip_display,
                    *extra_values[person.id],
                    person.office,
                ]
                + [words.get(report.status(person.id, m.id) or "", "") for m in report.meetings]
                + [tally.attended, rate, tally.jp],
            )
        )

    for number, meeting in enumerate(report.meetings, 1):
        sheet = book.create_sheet(sheet_title(f"{number}. {meeting.title}", taken))
        widths(sheet, 5, 36, 24, *extra_widths, 30, 12, 14, 30)
        sheet.append(cells(sheet, [meeting.title], font=bold))
        place = f" · {meeting.venue}" if meeting.venue else ""
        when = f"{local_date(meeting.start_dt, cohort.timezone, cohort.locale)} "
        sheet.append(cells(sheet, [f"{when}{_time_range(meeting, cohort)}{place}"]))
        sheet.append(
            cells(
                sheet,
                [
                    _("No."),
                    _("Nama"),
                    _("NIP"),
                    *extra_headings,
                    _("Unit kerja"),
                    _("Status"),
                    _("Waktu presensi"),
                    _("Catatan"),
                ],
                font=bold,
            )
        )
        for index, row in enumerate(report.rows, 1):
            person = row.user
            mark = report.marks.get((person.id, meeting.id))
            sheet.append(
                cells(
                    sheet,
                    [
                        index,
                        person.full_name,
                        person.nip_display,
                        *extra_values[person.id],
                        person.office,
                        words[mark.status] if mark else "",
                        local_time(mark.checked_in_dt, cohort.timezone, cohort.locale)
                        if mark
                        else "",
                        mark.note if mark else "",
                    ],
                )
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- the printed attendance list (daftar hadir) -------------------------------------------

BODY_SIZE = 9
LINE = 4.2  # mm between two lines of a table cell
PAD = 1.2  # mm inside a cell
#: A signature needs room: rows are at least this tall (mm).
MIN_ROW = 11.0
FOOTER_ROOM = 16.0  # mm kept free at the bottom of each page for the page number
MARGIN = 15.0  # mm on every side
A4_SHORT, A4_LONG = 210.0, 297.0
#: Each column's least width (mm) and its share of the room left over. Without optional
#: columns, portrait A4 (180 mm between the margins) gives No. 10, Nama 52, NIP 42 (a spaced
#: NIP at 9 pt), Unit kerja 44, Tanda tangan 32.
PDF_WIDTHS = {
    "number": (10.0, 0),
    "name": (40.0, 12),
    "nip": (42.0, 0),
    "position": (32.0, 8),
    "rank": (30.0, 6),
    "sex": (10.0, 0),
    "office": (34.0, 10),
    "signature": (30.0, 2),
}
#: Columns whose text is centred (the signature column alternates left and right halves).
_CENTRED = {"number", "sex"}


def list_layout(extra: tuple[str, ...]) -> tuple[str, dict[str, float]]:
    """The orientation ("P" or "L") and the column widths (mm, in print order) of a daftar
    hadir with these optional columns: portrait while every column fits at its least width
    (L/P alone does), landscape otherwise (Jabatan or Pangkat/Gol. on)."""
    keys = ("number", "name", "nip", *extra, "office", "signature")
    least = sum(PDF_WIDTHS[key][0] for key in keys)
    orientation = "P" if least <= A4_SHORT - 2 * MARGIN else "L"
    page_width = A4_SHORT if orientation == "P" else A4_LONG
    room = page_width - 2 * MARGIN - least
    shares = sum(PDF_WIDTHS[key][1] for key in keys)
    return orientation, {
        key: PDF_WIDTHS[key][0] + room * PDF_WIDTHS[key][1] / shares for key in keys
    }


_ListPdf = PagedPdf


class _Measure:
    """Text widths straight from the font's glyph widths (fpdf2's own call is 10× slower)."""

    def __init__(self, pdf: FPDF, size: float) -> None:
        self.widths = pdf.current_font.cw
        self.scale = size * 0.001 / pdf.k

    def __call__(self, text: str) -> float:
        widths = self.widths
        return sum(widths[ord(c)] for c in text) * self.scale

    def wrap(self, text: str, width: float) -> list[str]:
        """Lines no wider than ``width``; words longer than a line are cut."""
        lines: list[str] = []
        current = ""
        for word in text.split():
            candidate = f"{current} {word}" if current else word
            if self(candidate) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            while self(word) > width:
                cut = len(word) - 1
                while cut > 1 and self(word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        if current:
            lines.append(current)
        return lines or [""]


def attendance_list_pdf(summary: MeetingSummary) -> bytes:
    """The daftar hadir of one meeting, to print and sign: A4 (landscape when the class's
    optional columns need the room), DejaVu fonts."""
    with force_locale(summary.meeting.cohort.locale):
        return _attendance_list(summary)


def _attendance_list(summary: MeetingSummary) -> bytes:
    meeting = summary.meeting
    cohort = meeting.cohort
    tz, lang = cohort.timezone, cohort.locale
    extra = columns.chosen(cohort)
    orientation, widths = list_layout(extra)
    pdf = _ListPdf(
        footer_left=f"{cohort.code} · {meeting.title}",
        footer_right=_("Halaman %(page)s dari %(total)s"),
    )
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(False)
    list_word = _("Daftar hadir")
    pdf.set_title(f"{list_word} {meeting.title}")
    pdf.set_creator("Kelas Inovasi")
    pdf.set_lang(lang)
    pdf.add_page(orientation=orientation)
    width = pdf.w - pdf.l_margin - pdf.r_margin

    # Heading
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(width, 7, _("DAFTAR HADIR"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(
        width, 5.5, f"{cohort.name} ({cohort.code})", align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(3)
    pdf.set_font(FONT, "", 10)
    label_width = 32
    facts = [
        (_("Pertemuan"), meeting.title),
        (_("Hari, tanggal"), local_date(meeting.start_dt, tz, lang)),
        (_("Waktu"), _time_range(meeting, cohort)),
        (_("Tempat"), meeting.venue or cohort.venue),
    ]
    for label, value in facts:
        y = pdf.get_y()
        pdf.multi_cell(label_width, 5, label, align="L")
        below_label = pdf.get_y()
        pdf.set_xy(pdf.l_margin + label_width, y)
        pdf.cell(3, 5, ":")
        pdf.multi_cell(width - label_width - 3, 5, value, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), below_label))
    pdf.ln(3)

    headings = [
        _("No."),
        _("Nama"),
        _("NIP"),
        *(columns.heading(key) for key in extra),
        _("Unit kerja"),
        _("Tanda tangan"),
    ]
    centred = {n for n, key in enumerate(widths) if key in _CENTRED}
    _table(pdf, headings, list(widths.values()), _list_rows(summary, extra), centred=centred)
    _signature_block(pdf, cohort, meeting)
    return bytes(pdf.output())


def _list_rows(summary: MeetingSummary, extra: tuple[str, ...]) -> Iterator[list[str]]:
    for number, (person, _record) in enumerate(summary.rows, 1):
        yield [
            str(number),
            person.full_name,
            person.nip_display,
            *columns.values(extra, person),
            person.office,
            f"{number}.",
        ]


def _table(
    pdf: FPDF,
    headings: list[str],
    widths: list[float],
    rows: Iterator[list[str]],
    *,
    centred: set[int],
) -> None:
    """The table with its heading repeated on every page; the last column is for signing."""
    bottom = pdf.h - FOOTER_ROOM
    sign = len(widths) - 1
    pdf.set_font(FONT, "B", BODY_SIZE)
    bold = _Measure(pdf, BODY_SIZE)
    heading_lines = [bold.wrap(h, w - 2 * PAD) for h, w in zip(headings, widths, strict=True)]
    pdf.set_font(FONT, "", BODY_SIZE)
    measure = _Measure(pdf, BODY_SIZE)

    def draw(lines: list[list[str]], height: float, *, heading: bool, sign_right: bool = False):
        x, y = pdf.l_margin, pdf.get_y()
        for col, (cell_lines, col_width) in enumerate(zip(lines, widths, strict=True)):
            pdf.rect(x, y, col_width, height, style="DF" if heading else "D")
            for n, line in enumerate(cell_lines):
                text_x = x + PAD
                if col in centred or heading:  # numbers, L/P and headings centred
                    text_x = x + (col_width - (bold if heading else measure)(line)) / 2
                elif col == sign and sign_right:  # even rows sign on the right half
                    text_x = x + col_width / 2
                pdf.text(text_x, y + PAD + LINE * (n + 1) - 1.0, line)
            x += col_width
        pdf.set_xy(pdf.l_margin, y + height)

    heading_height = max(len(lines) for lines in heading_lines) * LINE + 2 * PAD

    def heading() -> None:
        pdf.set_font(FONT, "B", BODY_SIZE)
        pdf.set_fill_color(230, 236, 234)
        draw(heading_lines, heading_height, heading=True)
        pdf.set_font(FONT, "", BODY_SIZE)

    pdf.set_line_width(0.2)
    heading()
    for number, row in enumerate(rows, 1):
        lines = [measure.wrap(text, w - 2 * PAD) for text, w in zip(row, widths, strict=True)]
        height = max(MIN_ROW, max(len(cell) for cell in lines) * LINE + 2 * PAD)
        if pdf.get_y() + height > bottom:
            pdf.add_page(same=True)  # keeps the first page's orientation
            heading()
        draw(lines, height, heading=False, sign_right=number % 2 == 0)


def _signature_block(pdf: FPDF, cohort: Cohort, meeting: Meeting) -> None:
    """Place and date, the official's title, room to sign, name and NIP; blanks to fill by hand
    where the cohort has no signer yet."""
    block_width = 80.0
    x = pdf.w - pdf.r_margin - block_width
    pdf.set_font(FONT, "", 10)
    blank = "." * 30
    title = cohort.signer_title or blank
    name = cohort.signer_name or f"({blank})"
    measure = _Measure(pdf, 10)
    text_width = block_width - 2 * pdf.c_margin
    lines = len(measure.wrap(title, text_width)) + len(measure.wrap(name, text_width)) + 2
    needed = 8 + 5 * lines + 20
    if pdf.get_y() + needed > pdf.h - FOOTER_ROOM:
        pdf.add_page(same=True)
    pdf.ln(8)
    day = format_date(
        local(meeting.start_dt, cohort.timezone).date(), "d MMMM y", locale=cohort.locale
    )

    def line(text: str, *, style: str = "") -> None:
        pdf.set_font(FONT, style, 10)
        pdf.set_x(x)
        pdf.multi_cell(block_width, 5, text, align="L", new_x="LMARGIN", new_y="NEXT")

    line(f"{'.' * 24}, {day}")
    line(title)
    pdf.ln(20)
    line(name, style="B" if cohort.signer_name else "")
    nip_word = _("NIP")
    line(f"{nip_word} {format_nip(cohort.signer_nip) if cohort.signer_nip else blank}")


# --- iCalendar feeds ------------------------------------------------------------------

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
    calendar = new_calendar(_("Jadwal %(code)s", code=cohort.code), cohort.timezone)
    stamp = utcnow()
    for meeting in meetings:
        calendar.add_component(_event(meeting, cohort, stamp))
    return calendar.to_ical()


def person_calendar(user: User, meetings: Iterable[Meeting], others: Iterable[Event] = ()) -> bytes:
    """Every meeting of the cohorts ``user`` belongs to, then ``others`` (the clinic's
    appointments). ``meetings`` should have their cohort and trainers loaded. The calendar's
    zone is the one most of the meetings use."""
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
    calendar = new_calendar(_("Kelas Inovasi · %(name)s", name=user.full_name), zone)
    stamp = utcnow()
    for meeting in meetings:
        calendar.add_component(_event(meeting, meeting.cohort, stamp))
    for event in others:
        calendar.add_component(event)
    return calendar.to_ical()


def new_calendar(name: str, timezone: str) -> Calendar:
    """An empty feed named ``name`` (also the clinic's appointment feeds)."""
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
    return calendar_event(
        uid=meeting_uid(meeting),
        start=meeting.start_dt,
        end=meeting.end_dt,
        summary=f"{meeting.title} — {cohort.code}",
        location=meeting.venue,
        description=_description(meeting, cohort),
        created=meeting.created_dt,
        stamp=stamp,
    )


def calendar_event(
    *,
    uid: str,
    start: datetime,
    end: datetime,
    summary: str,
    location: str = "",
    description: str = "",
    created: datetime | None = None,
    stamp: datetime,
    url: str = "",
    cancelled: bool = False,
) -> Event:
    """One event with its reminder (a class meeting, a clinic appointment)."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", _utc(stamp))
    if created is not None:
        event.add("created", _utc(created))
    event.add("dtstart", _utc(start))
    event.add("dtend", _utc(end))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    if url:
        event.add("url", url)
    event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")

    if not cancelled:
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
