"""Parsing a meeting's marks file (CSV/XLSX: NIP or email, status, note) without the database.

:func:`lms.attendance.queries.resolve_people` then matches each row to a participant. Messages
go through flask_babel, so call inside a request or app context.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from lms import storage, tabular
from lms.i18n import gettext as _
from lms.tabular import Problem, cell_text, shorten

__all__ = [
    "MarkRow",
    "ParsedMarks",
    "Problem",
    "column_label",
    "parse_marks_file",
    "parse_status",
]

MAX_ROWS = 2000
NOTE_MAX = 500

#: Every spelling an organizer may type, lower-case, to the stored status.
_STATUS_WORDS: dict[str, str] = {
    "hadir": "present",
    "h": "present",
    "present": "present",
    "p": "present",
    "terlambat": "late",
    "telat": "late",
    "t": "late",
    "late": "late",
    "l": "late",
    "izin": "excused",
    "ijin": "excused",
    "i": "excused",
    "excused": "excused",
    "e": "excused",
    "sakit": "sick",
    "s": "sick",
    "sick": "sick",
    "alpa": "absent",
    "alpha": "absent",
    "alfa": "absent",
    "a": "absent",
    "absent": "absent",
}

_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "nip": ("nip",),
    "email": ("email", "e-mail", "surel"),
    "status": ("status", "kehadiran", "status kehadiran", "presensi"),
    "note": ("note", "catatan", "keterangan", "ket", "ket."),
}
_COLUMN_BY_HEADER = tabular.columns_by_header(_HEADER_ALIASES)


def column_label(column: str | None) -> str:
    labels = {
        "nip": _("NIP"),
        "email": _("email"),
        "status": _("status"),
        "note": _("catatan"),
    }
    return labels.get(column or "", column or "")


def parse_status(value: Any) -> str | None:
    """The stored status for what an organizer typed ("Hadir", "h", "Present", " SAKIT "...);
    None when unknown."""
    text = " ".join(cell_text(value).lower().split())
    return _STATUS_WORDS.get(text)


@dataclass
class MarkRow:
    row: int
    nip: str
    email: str
    status: str
    note: str
    #: Filled by :func:`lms.attendance.queries.resolve_people`.
    user_id: int | None = None
    name: str = ""
    problems: list[Problem] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        """What waits between preview and confirmation."""
        data = asdict(self)
        data.pop("problems")
        return data


class ParsedMarks(tabular.ParsedTable[MarkRow]):
    """The marks found in a file."""


def parse_marks_file(data: bytes, *, max_rows: int = MAX_ROWS) -> ParsedMarks:
    """Read a marks file; the type is decided by the content, not by the file name."""
    try:
        with tabular.open_table(data) as rows:
            if storage.kind_of_bytes(data[:64]) is not None:
                # A PDF, a photo or a video renamed to .csv.
                raise tabular.FileProblem(tabular.unreadable_message())
            parsed = _parse_table(rows, max_rows)
    except tabular.FileProblem as exc:
        return ParsedMarks.refused(exc.message)
    parsed.collect()
    return parsed


def _parse_table(rows: Iterator[tabular.Row], max_rows: int) -> ParsedMarks:
    header = tabular.read_header(rows, _COLUMN_BY_HEADER, column_label)
    missing = []
    if "nip" not in header.positions and "email" not in header.positions:
        missing.append(_("NIP atau email"))
    if "status" not in header.positions:
        missing.append(column_label("status"))
    if missing:
        raise tabular.FileProblem(
            _(
                "Kolom wajib tidak ditemukan: %(columns)s. Baris pertama harus berisi judul "
                "kolom: NIP atau email, status, dan (boleh) catatan.",
                columns=", ".join(missing),
            )
        )

    parsed = ParsedMarks(rows=[], problems=header.problems)
    for number, cells in tabular.data_rows(rows, header, max_rows):
        parsed.rows.append(_parse_row(number, cells))

    if not parsed.rows:
        parsed.problems.append(tabular.no_data_problem())
    return parsed


def _parse_row(number: int, cells: dict[str, Any]) -> MarkRow:
    problems: list[Problem] = []

    def problem(column: str, message: str) -> None:
        problems.append(Problem(row=number, column=column, message=message))

    nip = ""
    nip_text = tabular.nip_cell(cells.get("nip"))
    if nip_text is None:
        problem("nip", tabular.nip_stored_as_number())
    elif nip_text:
        digits = re.sub(r"[\s.\-]", "", nip_text)
        if len(digits) == 18 and digits.isdigit():
            nip = digits
        else:
            problem(
                "nip",
                _("NIP harus 18 angka: %(value)s", value=shorten(nip_text)),
            )

    email = cell_text(cells.get("email")).lower()
    if not nip and not email and not problems:
        problem(
            "nip" if "nip" in cells else "email",
            _("Isi NIP atau email untuk mengenali peserta."),
        )

    status_text = cell_text(cells.get("status"))
    status = parse_status(status_text) or ""
    if not status_text:
        problem(
            "status",
            _("Status wajib diisi: Hadir, Terlambat, Izin, Sakit atau Alpa."),
        )
    elif not status:
        problem(
            "status",
            _(
                "Status tidak dikenal: %(value)s. Gunakan Hadir, Terlambat, Izin, Sakit atau "
                "Alpa (atau H, T, I, S, A).",
                value=shorten(status_text),
            ),
        )

    note = cell_text(cells.get("note"))
    if len(note) > NOTE_MAX:
        problem("note", _("Catatan paling banyak %(max)d karakter.", max=NOTE_MAX))

    return MarkRow(row=number, nip=nip, email=email, status=status, note=note, problems=problems)
