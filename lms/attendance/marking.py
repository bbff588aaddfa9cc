"""Helpers of the organizer's marking: status words and the marks file (CSV/XLSX).

:func:`parse_marks_file` reads and checks a file without the database;
:func:`resolve_people` then matches each row to a participant of the cohort in a fixed number
of queries. Nothing here writes. Messages come from flask_babel, so call these inside a
request or app context.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import asdict, dataclass, field
from typing import Any

from flask_babel import gettext as _

from lms import storage
from lms.accounts.models import User

# The member import already reads CSV (`,`/`;`, BOM, "sep=" line) and XLSX the way Indonesian
# offices write them; the marks file is read the same way.
from lms.cohorts.importing import (
    Problem,
    _csv_rows,
    _UnreadableFile,
    _xlsx_rows,
)
from lms.cohorts.models import Membership
from lms.extensions import db

__all__ = [
    "MarkRow",
    "ParsedMarks",
    "Problem",
    "column_label",
    "parse_marks_file",
    "parse_status",
    "resolve_people",
    "status_label",
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
_COLUMN_BY_HEADER = {alias: col for col, aliases in _HEADER_ALIASES.items() for alias in aliases}

_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"


def status_label(status: str) -> str:
    return {
        "present": _("Hadir"),
        "late": _("Terlambat"),
        "excused": _("Izin"),
        "sick": _("Sakit"),
        "absent": _("Alpa"),
    }.get(status, status)


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
    text = " ".join(_text(value).lower().split())
    return _STATUS_WORDS.get(text)


@dataclass
class MarkRow:
    row: int
    nip: str
    email: str
    status: str
    note: str
    #: Filled by :func:`resolve_people`.
    user_id: int | None = None
    name: str = ""
    problems: list[Problem] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        """What waits between preview and confirmation."""
        data = asdict(self)
        data.pop("problems")
        return data


@dataclass
class ParsedMarks:
    rows: list[MarkRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems

    def collect(self) -> None:
        """File-level problems first, then each row's, in row order."""
        self.problems = [p for p in self.problems if p.row is None] + [
            p for r in self.rows for p in r.problems
        ]


def _file_problem(message: str) -> ParsedMarks:
    return ParsedMarks(rows=[], problems=[Problem(row=None, column=None, message=message)])


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header_key(value: Any) -> str:
    return " ".join(_text(value).lower().rstrip("*").split())


def _shorten(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _not_a_table() -> ParsedMarks:
    return _file_problem(
        _(
            "Berkas bukan CSV atau XLSX yang dapat dibaca. Simpan ulang sebagai XLSX "
            "atau CSV (UTF-8)."
        )
    )


def parse_marks_file(data: bytes, *, max_rows: int = MAX_ROWS) -> ParsedMarks:
    """Read a marks file; the type is decided by the content, not by the file name."""
    if not data.removeprefix(codecs.BOM_UTF8).strip():
        return _file_problem(_("Berkas kosong."))
    if data.startswith(_XLS_MAGIC):
        return _file_problem(
            _(
                "Berkas Excel lama (.xls) tidak didukung. Buka berkas di Excel lalu simpan "
                "sebagai XLSX atau CSV."
            )
        )
    if storage.kind_of_bytes(data[:64]) is not None:
        # A PDF, a photo or a video renamed to .csv.
        return _not_a_table()
    rows = _xlsx_rows(data) if data.startswith(_XLSX_MAGIC) else _csv_rows(data)
    try:
        with closing(rows):
            parsed = _parse_table(rows, max_rows)
    except _UnreadableFile:
        return _not_a_table()
    parsed.collect()
    return parsed


def _parse_table(rows: Iterator[tuple[int, list[Any]]], max_rows: int) -> ParsedMarks:
    header: list[Any] | None = None
    for _number, values in rows:
        if any(_text(v) for v in values):
            header = values
            break
    if header is None:
        return _file_problem(_("Berkas kosong."))

    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for index, cell in enumerate(header):
        column = _COLUMN_BY_HEADER.get(_header_key(cell))
        if column is None:
            continue
        if column in positions:
            problems.append(
                Problem(
                    row=None,
                    column=column,
                    message=_(
                        "Kolom %(column)s muncul lebih dari sekali.", column=column_label(column)
                    ),
                )
            )
            continue
        positions[column] = index

    missing = []
    if "nip" not in positions and "email" not in positions:
        missing.append(_("NIP atau email"))
    if "status" not in positions:
        missing.append(column_label("status"))
    if missing:
        return _file_problem(
            _(
                "Kolom wajib tidak ditemukan: %(columns)s. Baris pertama harus berisi judul "
                "kolom: NIP atau email, status, dan (boleh) catatan.",
                columns=", ".join(missing),
            )
        )

    parsed = ParsedMarks(rows=[], problems=problems)
    for number, values in rows:
        cells = {
            col: values[index] if index < len(values) else None for col, index in positions.items()
        }
        if not any(_text(v) for v in cells.values()):
            continue
        if len(parsed.rows) >= max_rows:
            return _file_problem(
                _(
                    "Berkas berisi lebih dari %(max)d baris data. Bagi menjadi beberapa berkas.",
                    max=max_rows,
                )
            )
        parsed.rows.append(_parse_row(number, cells))

    if not parsed.rows:
        parsed.problems.append(
            Problem(
                row=None,
                column=None,
                message=_("Berkas hanya berisi judul kolom; tidak ada baris data."),
            )
        )
    return parsed


def _parse_row(number: int, cells: dict[str, Any]) -> MarkRow:
    problems: list[Problem] = []

    def problem(column: str, message: str) -> None:
        problems.append(Problem(row=number, column=column, message=message))

    nip = ""
    raw_nip = cells.get("nip")
    if isinstance(raw_nip, float):
        problem(
            "nip",
            _(
                "NIP tersimpan sebagai angka sehingga angka terakhirnya hilang. Format kolom "
                "NIP sebagai Teks lalu ketik ulang NIP."
            ),
        )
    else:
        nip_text = str(raw_nip) if isinstance(raw_nip, int) else _text(raw_nip)
        if nip_text:
            digits = re.sub(r"[\s.\-]", "", nip_text)
            if len(digits) == 18 and digits.isdigit():
                nip = digits
            else:
                problem(
                    "nip",
                    _("NIP harus 18 angka: %(value)s", value=_shorten(nip_text)),
                )

    email = _text(cells.get("email")).lower()
    if not nip and not email and not problems:
        problem(
            "nip" if "nip" in cells else "email",
            _("Isi NIP atau email untuk mengenali peserta."),
        )

    status_text = _text(cells.get("status"))
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
                value=_shorten(status_text),
            ),
        )

    note = _text(cells.get("note"))
    if len(note) > NOTE_MAX:
        problem("note", _("Catatan paling banyak %(max)d karakter.", max=NOTE_MAX))

    return MarkRow(row=number, nip=nip, email=email, status=status, note=note, problems=problems)


def resolve_people(parsed: ParsedMarks, cohort_id: int) -> None:
    """Match rows to participants of the cohort (three queries, whatever the size);
    add a problem for unknown people, people of other roles or classes and duplicates."""
    rows = [r for r in parsed.rows if r.nip or r.email]
    nips = {r.nip for r in rows if r.nip}
    emails = {r.email for r in rows if r.email}
    by_nip: dict[str, User] = {}
    by_email: dict[str, User] = {}
    if nips:
        by_nip = {u.nip: u for u in db.session.scalars(db.select(User).where(User.nip.in_(nips)))}
    if emails:
        by_email = {
            u.email: u for u in db.session.scalars(db.select(User).where(User.email.in_(emails)))
        }
    ids = {u.id for u in (*by_nip.values(), *by_email.values())}
    roles: dict[int, str] = {}
    if ids:
        roles = dict(
            db.session.execute(
                db.select(Membership.user_id, Membership.role).where(
                    Membership.cohort_id == cohort_id, Membership.user_id.in_(ids)
                )
            ).all()
        )

    seen: dict[int, int] = {}
    for row in rows:
        if any(p.column in ("nip", "email") for p in row.problems):
            continue

        def problem(column: str, message: str, row: MarkRow = row) -> None:
            row.problems.append(Problem(row=row.row, column=column, message=message))

        user_nip = by_nip.get(row.nip) if row.nip else None
        user_email = by_email.get(row.email) if row.email else None
        if row.nip and user_nip is None:
            problem("nip", _("Tidak ada peserta dengan NIP %(nip)s.", nip=row.nip))
            continue
        if row.email and user_email is None and user_nip is None:
            problem(
                "email", _("Tidak ada peserta dengan email %(email)s.", email=_shorten(row.email))
            )
            continue
        if user_nip is not None and user_email is not None and user_nip.id != user_email.id:
            problem(
                "email",
                _(
                    "NIP dan email menunjuk dua orang berbeda (%(a)s dan %(b)s).",
                    a=user_nip.full_name,
                    b=user_email.full_name,
                ),
            )
            continue
        user = user_nip or user_email
        column = "nip" if user_nip is not None else "email"
        role = roles.get(user.id)
        if role is None:
            problem(column, _("%(name)s bukan peserta kelas ini.", name=user.full_name))
            continue
        if role != "participant":
            problem(
                column,
                _(
                    "%(name)s bukan peserta di kelas ini (perannya panitia atau widyaiswara).",
                    name=user.full_name,
                ),
            )
            continue
        row.user_id, row.name = user.id, user.full_name
        if user.id in seen:
            problem(
                column,
                _(
                    "%(name)s sudah ada di baris %(row)d; satu orang satu baris.",
                    name=user.full_name,
                    row=seen[user.id],
                ),
            )
            continue
        seen[user.id] = row.row
    parsed.collect()
