"""Grading exports: the grade book in the cohort's language (XLSX with openpyxl write-only, and
CSV), and a trainer's queue as CSV.

Columns: No., Nama, NIP, Instansi, then per assignment Status, Nilai, Predikat, Lulus. The XLSX
puts each assignment's title above its four columns; the CSV has a single header row whose
assignment columns read "<title>: Status" and so on, so that it imports anywhere.

- Text stays text: the XLSX writes every string as a string cell (a name starting with "="
  never becomes a formula); the CSV prefixes text starting with = + - @ (or a tab or carriage
  return) with an apostrophe, as spreadsheet programs would otherwise run it as a formula.
- The NIP is written spaced ("19800101 200604 1 001", as on every list), so no spreadsheet turns
  it into a number and rounds it.
- Totals: a number cell shown with one decimal in the XLSX; in the CSV a decimal point
  ("78.5") whichever separator, so that a program reads it the same way everywhere.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from lms.cohorts.models import Cohort
from lms.db import utcnow
from lms.grading.queries.gradebook import Cell, GradeBook
from lms.grading.queries.queue import QueueRow, bucket_labels
from lms.grading.status import outcome_labels, status_labels
from lms.i18n import gettext as _
from lms.spreadsheets import row_cells
from lms.timefmt import local

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"
#: Columns per assignment: Status, Nilai, Predikat, Lulus.
PER_ASSIGNMENT = 4
SEPARATORS = {"comma": ",", "semicolon": ";"}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-") or "kelas"


def filename(cohort: Cohort, extension: str, today: date | None = None) -> str:
    """``nilai-<cohort code>-<local date>.<extension>``: ASCII only, safe anywhere."""
    day = today or local(utcnow(), cohort.timezone).date()
    return f"nilai-{_slug(cohort.code)}-{day.isoformat()}.{extension}"


def safe_text(value: str) -> str:
    """Text a spreadsheet program will not run as a formula when it opens the CSV."""
    return "'" + value if value.startswith(_FORMULA_START) else value


class _Words:
    """The words of the export, looked up once in the cohort's language."""

    def __init__(self) -> None:
        self.status = status_labels()
        self.outcome = outcome_labels()
        self.yes, self.no = _("Ya"), _("Tidak")
        self.fixed = [_("No."), _("Nama"), _("NIP"), _("Instansi")]
        self.per_assignment = [_("Status"), _("Nilai"), _("Predikat"), _("Lulus")]

    def status_of(self, cell: Cell) -> str:
        text = self.status[cell.status]
        if cell.outcome == "revisions" and cell.has_result:
            text = f"{text} ({self.outcome['revisions']})"
        return text

    def passed(self, cell: Cell) -> str:
        if not cell.has_result or cell.passed is None:
            return ""
        return self.yes if cell.passed else self.no

    def values(self, cell: Cell) -> tuple[str, float | None, str, str]:
        """Status, total, band, pass of one cell (total, band and pass only once settled)."""
        if not cell.has_result:
            return self.status_of(cell), None, "", ""
        return self.status_of(cell), cell.total, cell.band or "", self.passed(cell)


# --- XLSX ---------------------------------------------------------------------------------


def gradebook_xlsx(book: GradeBook) -> bytes:
    """One sheet: a title row, the assignments' titles, the column headings, a row per
    participant."""
    with force_locale(book.cohort.locale):
        return _xlsx(book)


def _xlsx(book: GradeBook) -> bytes:
    cohort = book.cohort
    words = _Words()
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    sheet = workbook.create_sheet(_("Nilai"))
    widths = [5, 36, 24, 30] + [20, 8, 14, 8] * len(book.columns)
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C4"

    sheet.append(row_cells(sheet, [f"{cohort.name} ({cohort.code})"], font=bold))
    titles: list[Any] = ["", "", "", ""]
    for column in book.columns:
        titles += [column.title] + [""] * (PER_ASSIGNMENT - 1)
    sheet.append(row_cells(sheet, titles, font=bold))
    sheet.append(
        row_cells(sheet, words.fixed + words.per_assignment * len(book.columns), font=bold)
    )
    for number, row in enumerate(book.rows, 1):
        person = row.user
        values: list[Any] = [number, person.full_name, person.nip_display, person.office]
        for column in book.columns:
            status, total, band, passed = words.values(row.cells[column.id])
            score = WriteOnlyCell(sheet, value=total)
            score.number_format = "0.0"
            values += [status, score, band, passed]
        sheet.append(row_cells(sheet, values))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- CSV ----------------------------------------------------------------------------------


class _Line:
    """A file-like object csv.writer writes one line into."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text


def gradebook_csv(book: GradeBook, sep: str = ",") -> Iterator[str]:
    """The grade book as CSV lines (the first starts with a UTF-8 byte order mark, so Excel
    reads the names right). ``sep``: "," or ";". The words are looked up before the first line
    is yielded, so the lines can be streamed after the request's context is gone."""
    if sep not in SEPARATORS.values():
        raise ValueError(f"unknown CSV separator {sep!r}")
    with force_locale(book.cohort.locale):
        words = _Words()
        header = list(words.fixed)
        for column in book.columns:
            header += [f"{column.title}: {heading}" for heading in words.per_assignment]
    return _csv_lines(book, words, header, sep)


def _csv_lines(book: GradeBook, words: _Words, header: list[str], sep: str) -> Iterator[str]:
    line = _Line()
    writer = csv.writer(line, delimiter=sep, lineterminator="\r\n")

    def render(values: list[Any]) -> str:
        line.text = ""
        writer.writerow([safe_text(v) if isinstance(v, str) else v for v in values])
        return line.text

    yield "\ufeff" + render(header)
    for number, row in enumerate(book.rows, 1):
        person = row.user
        values: list[Any] = [number, person.full_name, person.nip_display, person.office]
        for column in book.columns:
            status, total, band, passed = words.values(row.cells[column.id])
            values += [status, "" if total is None else f"{total:.1f}", band, passed]
        yield render(values)


# --- a trainer's queue --------------------------------------------------------------------


def queue_filename(cohort: Cohort, trainer: Any) -> str:
    """``antrean-penilaian-<cohort code>-<trainer's name>.csv`` (ASCII only)."""
    parts = ["antrean-penilaian", _slug_part(cohort.code), _slug_part(trainer.full_name)]
    return "-".join(p for p in parts if p)[:120] + ".csv"


def _slug_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-")


def queue_csv(
    rows: Iterable[QueueRow],
    shown: Callable[[QueueRow], tuple[str, str, bool]],
    sep: str = ",",
) -> bytes:
    """The queue's rows as CSV (UTF-8 with a byte order mark, so Excel reads names right), in
    the reader's language; ``shown``: a row's participant as the reader may see them (name or
    code, office). Totals keep a decimal point whichever separator, like the grade book's."""
    labels = bucket_labels()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n")
    writer.writerow(
        [_("Peserta"), _("Unit kerja"), _("Tugas"), _("Versi"), _("Status"), _("Nilai saya")]
    )
    for row in rows:
        name, office, _hidden = shown(row)
        writer.writerow(
            [
                safe_text(name),
                safe_text(office),
                safe_text(row.assignment.spec.title),
                row.latest.number if row.latest else "",
                labels[row.bucket],
                "" if row.total is None else f"{row.total:.1f}",
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
