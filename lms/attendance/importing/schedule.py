"""Parsing a cohort's meeting schedule from an uploaded CSV or XLSX file.

Pure parsing and validation: nothing is written to the database. The caller passes what the
checks need from the database (the cohort's zone, its trainers' emails, the meetings already
scheduled). Messages go through flask_babel, so call inside a request or app context.

Columns (first non-empty row, Indonesian or English headers): judul/title, tanggal/date,
mulai/start, selesai/end, and optionally tempat/venue, jp, widyaiswara/trainers (emails
separated by spaces or ``|``). Times are local times of the cohort's zone.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from babel.numbers import format_decimal
from flask_babel import get_locale

from lms import tabular
from lms.i18n import gettext as _
from lms.tabular import Problem, cell_text, shorten
from lms.timefmt import to_utc

__all__ = [
    "COLUMNS",
    "ParsedSchedule",
    "Problem",
    "ScheduleRow",
    "column_label",
    "parse_schedule_file",
    "parse_schedule_upload",
    "row_from_json",
    "row_to_json",
    "too_large",
]

COLUMNS: tuple[str, ...] = ("title", "date", "start", "end", "venue", "jp", "trainers")
REQUIRED_COLUMNS: tuple[str, ...] = ("title", "date", "start", "end")
MAX_ROWS = 500
MAX_JP = 24
MAX_TEXT = 200

_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "judul", "judul pertemuan", "nama pertemuan", "pertemuan", "kegiatan"),
    "date": ("date", "tanggal", "tgl", "hari/tanggal"),
    "start": ("start", "mulai", "jam mulai", "waktu mulai", "start time"),
    "end": ("end", "selesai", "jam selesai", "waktu selesai", "end time"),
    "venue": ("venue", "tempat", "lokasi", "ruang", "location"),
    "jp": ("jp", "jam pelajaran"),
    "trainers": (
        "trainers",
        "trainer",
        "trainer emails",
        "widyaiswara",
        "email widyaiswara",
        "pengajar",
    ),
}
_COLUMN_BY_HEADER = tabular.columns_by_header(_HEADER_ALIASES)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY_DATE = re.compile(r"^(\d{1,2})([/-])(\d{1,2})\2(\d{4})$")
#: Spreadsheets exported to CSV sometimes add a midnight time to date cells.
_MIDNIGHT = re.compile(r"\s+00[:.]00(?:[:.]00)?$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$")
_EMAIL_SPLIT = re.compile(r"[\s|,;]+")


@dataclass
class ScheduleRow:
    row: int
    title: str
    venue: str
    jp: int
    trainer_emails: list[str]
    #: UTC; None when the date or a time could not be read.
    start_dt: datetime | None
    end_dt: datetime | None
    problems: list[Problem] = field(default_factory=list)


class ParsedSchedule(tabular.ParsedTable[ScheduleRow]):
    """The meetings found in a file."""


def column_label(column: str | None) -> str:
    """The column's name as the organizer's spreadsheet calls it, in the current language."""
    labels = {
        "title": _("judul"),
        "date": _("tanggal"),
        "start": _("mulai"),
        "end": _("selesai"),
        "venue": _("tempat"),
        "jp": _("JP"),
        "trainers": _("widyaiswara"),
    }
    return labels.get(column or "", column or "")


def too_large(size: int, limit: int) -> ParsedSchedule:
    """The answer for an upload over ``limit`` bytes (checked before reading it)."""
    locale = str(get_locale() or "id")
    return ParsedSchedule.refused(
        _(
            "Berkas terlalu besar (%(size)s MB); batasnya %(limit)s MB.",
            size=format_decimal(round(size / 1048576, 1), locale=locale),
            limit=format_decimal(round(limit / 1048576, 1), locale=locale),
        )
    )


def parse_schedule_file(
    data: bytes,
    *,
    timezone: str,
    trainer_emails: Collection[str] = (),
    scheduled: Collection[tuple[str, datetime]] = (),
    default_venue: str = "",
    max_rows: int = MAX_ROWS,
) -> ParsedSchedule:
    """Parse an uploaded schedule. The type is decided by the content, not the file name.

    ``trainer_emails``: lower-case emails of the cohort's trainers; ``scheduled``:
    ``(title.casefold(), start_dt)`` of meetings the cohort already has, so that importing
    the same file twice is caught; ``default_venue`` fills an empty venue cell.
    """
    context = _Context(
        timezone=timezone,
        trainer_emails={e.lower() for e in trainer_emails},
        scheduled=set(scheduled),
        default_venue=default_venue,
    )
    try:
        with tabular.open_table(data) as rows:
            return _parse_table(rows, context, max_rows)
    except tabular.FileProblem as exc:
        return ParsedSchedule.refused(exc.message)


def parse_schedule_upload(stream: Any, *, limit: int, **context: Any) -> ParsedSchedule:
    """Parse an uploaded file stream; one over ``limit`` bytes is refused before being read.
    ``context``: the keyword arguments of :func:`parse_schedule_file`."""
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size > limit:
        return too_large(size, limit)
    return parse_schedule_file(stream.read(limit + 1), **context)


def check_rows(
    rows: list[ScheduleRow],
    *,
    trainer_emails: Collection[str],
    scheduled: Collection[tuple[str, datetime]],
) -> list[Problem]:
    """Checks against the database repeated at confirmation (things may have changed since
    the preview): every trainer still a trainer, no meeting already scheduled."""
    context = _Context(
        timezone="UTC",
        trainer_emails={e.lower() for e in trainer_emails},
        scheduled=set(scheduled),
        default_venue="",
    )
    problems = []
    for row in rows:
        found: list[Problem] = []
        _check_trainers(row.row, row.trainer_emails, context, found)
        if row.start_dt is not None and (row.title.casefold(), row.start_dt) in context.scheduled:
            found.append(Problem(row.row, "title", _already_scheduled()))
        problems.extend(found)
    return problems


def row_to_json(row: ScheduleRow) -> dict[str, Any]:
    return {
        "row": row.row,
        "title": row.title,
        "venue": row.venue,
        "jp": row.jp,
        "trainer_emails": row.trainer_emails,
        "start_dt": row.start_dt.isoformat() if row.start_dt else None,
        "end_dt": row.end_dt.isoformat() if row.end_dt else None,
    }


def row_from_json(data: dict[str, Any]) -> ScheduleRow:
    return ScheduleRow(
        row=int(data["row"]),
        title=str(data["title"]),
        venue=str(data["venue"]),
        jp=int(data["jp"]),
        trainer_emails=[str(e) for e in data["trainer_emails"]],
        start_dt=datetime.fromisoformat(data["start_dt"]) if data["start_dt"] else None,
        end_dt=datetime.fromisoformat(data["end_dt"]) if data["end_dt"] else None,
    )


# --- validating --------------------------------------------------------------------------


@dataclass
class _Context:
    timezone: str
    trainer_emails: set[str]
    scheduled: set[tuple[str, datetime]]
    default_venue: str
    #: (title.casefold(), start_dt) -> the first row with it, to catch repeated rows.
    seen: dict[tuple[str, datetime], int] = field(default_factory=dict)


def _parse_table(rows: Iterator[tabular.Row], context: _Context, max_rows: int) -> ParsedSchedule:
    header = tabular.read_header(rows, _COLUMN_BY_HEADER, column_label)
    missing = [col for col in REQUIRED_COLUMNS if col not in header.positions]
    if missing:
        raise tabular.FileProblem(
            _(
                "Kolom wajib tidak ditemukan: %(columns)s. Baris pertama harus berisi judul "
                "kolom judul, tanggal, mulai dan selesai.",
                columns=", ".join(column_label(col) for col in missing),
            )
        )

    parsed = ParsedSchedule(rows=[], problems=header.problems)
    for number, cells in tabular.data_rows(rows, header, max_rows):
        row = _parse_row(number, cells, context)
        parsed.rows.append(row)
        parsed.problems.extend(row.problems)

    if not parsed.rows:
        parsed.problems.append(tabular.no_data_problem())
    return parsed


def _parse_row(number: int, cells: dict[str, Any], context: _Context) -> ScheduleRow:
    problems: list[Problem] = []

    def problem(column: str, message: str) -> None:
        problems.append(Problem(row=number, column=column, message=message))

    title = cell_text(cells.get("title"))
    if not title:
        problem("title", _("Judul wajib diisi."))
    elif len(title) > MAX_TEXT:
        problem("title", _("Judul paling panjang %(n)d karakter.", n=MAX_TEXT))

    day = _parse_date(cells.get("date"), problem)
    start = _parse_time(cells.get("start"), "start", problem)
    end = _parse_time(cells.get("end"), "end", problem)

    start_dt = end_dt = None
    if day is not None and start is not None and end is not None:
        start_dt = to_utc(day, start, context.timezone)
        end_dt = to_utc(day, end, context.timezone)
        if end_dt <= start_dt:
            problem("end", _("Jam selesai harus setelah jam mulai."))

    venue = cell_text(cells.get("venue")) or context.default_venue
    if len(venue) > MAX_TEXT:
        problem("venue", _("Tempat paling panjang %(n)d karakter.", n=MAX_TEXT))

    jp = _parse_jp(cells.get("jp"), problem)

    emails: list[str] = []
    for email in _EMAIL_SPLIT.split(cell_text(cells.get("trainers")).lower()):
        if email and email not in emails:
            emails.append(email)
    _check_trainers(number, emails, context, problems)

    if title and start_dt is not None:
        key = (title.casefold(), start_dt)
        if key in context.scheduled:
            problem("title", _already_scheduled())
        elif key in context.seen:
            problem(
                "title",
                _(
                    "Pertemuan ini sama dengan baris %(row)d (judul dan waktu mulai sama).",
                    row=context.seen[key],
                ),
            )
        else:
            context.seen[key] = number

    return ScheduleRow(
        row=number,
        title=title,
        venue=venue,
        jp=jp,
        trainer_emails=emails,
        start_dt=start_dt,
        end_dt=end_dt,
        problems=problems,
    )


def _already_scheduled() -> str:
    return _("Pertemuan ini sudah ada di jadwal (judul dan waktu mulai sama).")


def _check_trainers(
    number: int, emails: list[str], context: _Context, problems: list[Problem]
) -> None:
    for email in emails:
        if email not in context.trainer_emails:
            problems.append(
                Problem(
                    row=number,
                    column="trainers",
                    message=_(
                        "%(email)s bukan widyaiswara kelas ini. Tambahkan dulu sebagai anggota "
                        "dengan peran widyaiswara.",
                        email=shorten(email),
                    ),
                )
            )


def _parse_date(value: Any, problem) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _MIDNIGHT.sub("", cell_text(value))
    if not text:
        problem("date", _("Tanggal wajib diisi."))
        return None
    iso, dmy = _ISO_DATE.match(text), _DMY_DATE.match(text)
    try:
        if iso:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        if dmy:
            return date(int(dmy.group(4)), int(dmy.group(3)), int(dmy.group(1)))
    except ValueError:
        pass
    problem(
        "date",
        _(
            "Tanggal tidak dapat dibaca: %(value)s. Tulis seperti 2023-09-05 atau 05/09/2023.",
            value=shorten(text),
        ),
    )
    return None


def _parse_time(value: Any, column: str, problem) -> time | None:
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    if isinstance(value, float) and 0 <= value < 1:
        # A time cell without a time format: a fraction of a day.
        minutes = round(value * 24 * 60)
        if minutes < 24 * 60:
            return time(minutes // 60, minutes % 60)
    text = cell_text(value)
    if not text:
        if column == "start":
            problem(column, _("Jam mulai wajib diisi."))
        else:
            problem(column, _("Jam selesai wajib diisi."))
        return None
    match = _TIME.match(text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour < 24 and minute < 60:
            return time(hour, minute)
    problem(
        column,
        _(
            "Jam tidak dapat dibaca: %(value)s. Tulis seperti 09:00 atau 09.00.",
            value=shorten(text),
        ),
    )
    return None


def _parse_jp(value: Any, problem) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and re.fullmatch(r"[0-9]{1,3}", value.strip()):
        number = int(value.strip())
    if number is None or not 0 <= number <= MAX_JP:
        problem(
            "jp",
            _(
                "JP harus bilangan bulat 0 sampai %(max)d, bukan %(value)s.",
                max=MAX_JP,
                value=shorten(cell_text(value)),
            ),
        )
        return 0
    return number
