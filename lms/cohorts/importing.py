"""Read the members of a class (cohort) from an uploaded CSV or XLSX file.

Pure parsing and validation: nothing is written to the database. Messages are produced with
flask_babel, so call :func:`parse_member_file` inside a request or app context.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from lms.accounts.civil_service import NIPError, normalize_rank, parse_nip

__all__ = ["COLUMNS", "MemberRow", "ParsedImport", "Problem", "parse_member_file"]

#: Canonical column names, in the order used in messages.
COLUMNS: tuple[str, ...] = ("name", "email", "nip", "rank", "position", "office", "phone", "role")
REQUIRED_COLUMNS: tuple[str, ...] = ("name", "email", "role")

_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "nama", "nama lengkap"),
    "email": ("email", "e-mail", "surel"),
    "nip": ("nip",),
    "rank": ("rank", "pangkat", "golongan", "pangkat/golongan"),
    "position": ("position", "jabatan"),
    "office": ("office", "unit kerja", "perangkat daerah", "instansi", "opd"),
    "phone": ("phone", "telepon", "telp", "hp", "no hp"),
    "role": ("role", "peran"),
}
_COLUMN_BY_HEADER = {alias: col for col, aliases in _HEADER_ALIASES.items() for alias in aliases}

_ROLES = {
    "participant": "participant",
    "peserta": "participant",
    "trainer": "trainer",
    "widyaiswara": "trainer",
    "pengajar": "trainer",
    "fasilitator": "trainer",
    "organizer": "organizer",
    "panitia": "organizer",
}

_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_EXCEL_SEP_LINE = re.compile(r"^sep=(.)$", re.IGNORECASE)


@dataclass
class Problem:
    row: int | None
    column: str | None
    message: str


@dataclass
class MemberRow:
    row: int
    name: str
    email: str
    nip: str | None
    rank: str | None
    position: str
    office: str
    phone: str
    role: str
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ParsedImport:
    rows: list[MemberRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems


class _UnreadableFile(Exception):
    """The content could not be read as a table."""


def column_label(column: str | None) -> str:
    """The column's name as the organizer's spreadsheet calls it, in the current language."""
    labels = {
        "name": _("nama"),
        "email": _("email"),
        "nip": _("NIP"),
        "rank": _("pangkat"),
        "position": _("jabatan"),
        "office": _("unit kerja"),
        "phone": _("telepon"),
        "role": _("peran"),
    }
    return labels.get(column or "", column or "")


def parse_member_file(filename: str, data: bytes, *, max_rows: int = 2000) -> ParsedImport:
    """Parse an uploaded member list.

    The type is decided by the content, not by ``filename`` (browsers and users rename files
    freely); the name is accepted so callers can pass the upload as-is.
    """
    if not data.removeprefix(codecs.BOM_UTF8).strip():
        return _file_problem(_("Berkas kosong."))
    if data.startswith(_XLS_MAGIC):
        return _file_problem(
            _(
                "Berkas Excel lama (.xls) tidak didukung. Buka berkas di Excel lalu simpan "
                "sebagai XLSX atau CSV."
            )
        )
    rows = _xlsx_rows(data) if data.startswith(_XLSX_MAGIC) else _csv_rows(data)
    try:
        # closing() releases the workbook even when parsing stops early.
        with closing(rows):
            return _parse_table(rows, max_rows)
    except _UnreadableFile:
        return _file_problem(
            _(
                "Berkas bukan CSV atau XLSX yang dapat dibaca. Simpan ulang sebagai XLSX "
                "atau CSV (UTF-8)."
            )
        )


def _file_problem(message: str) -> ParsedImport:
    return ParsedImport(rows=[], problems=[Problem(row=None, column=None, message=message)])


# --- reading -------------------------------------------------------------------------------


def _xlsx_rows(data: bytes) -> Generator[tuple[int, list[Any]], None, None]:
    import openpyxl

    # A corrupt or non-spreadsheet zip can fail anywhere inside openpyxl (zipfile, XML,
    # KeyError for missing parts), also lazily while iterating rows in read-only mode.
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise _UnreadableFile from exc
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        # min_row=1 makes openpyxl yield the empty leading rows too, so the position in the
        # iteration is the row number the user sees in Excel.
        rows = sheet.iter_rows(min_row=1, values_only=True)
        number = 0
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as exc:
                raise _UnreadableFile from exc
            number += 1
            yield number, list(values)
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> Generator[tuple[int, list[Any]], None, None]:
    if b"\x00" in data:
        raise _UnreadableFile
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _UnreadableFile from exc

    first_line, _sep, rest = text.lstrip("\r\n").partition("\n")
    # Excel writes and honours a "sep=;" first line; it does not show it as a row.
    explicit = _EXCEL_SEP_LINE.match(first_line.strip())
    if explicit:
        delimiter = explicit.group(1)
        text = rest
    else:
        delimiter = _guess_delimiter(first_line)

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _UnreadableFile from exc
        # A quoted cell spanning several lines is still one spreadsheet row.
        number += 1
        yield number, values


def _guess_delimiter(header_line: str) -> str:
    commas = semicolons = 0
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char == ",":
            commas += 1
        elif not quoted and char == ";":
            semicolons += 1
    return ";" if semicolons > commas else ","


# --- validating ----------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header_key(value: Any) -> str:
    # "Nama Lengkap*" and "No  HP" are how templates tend to spell headers.
    return " ".join(_text(value).lower().rstrip("*").split())


def _shorten(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _parse_table(rows: Iterator[tuple[int, list[Any]]], max_rows: int) -> ParsedImport:
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

    missing = [col for col in REQUIRED_COLUMNS if col not in positions]
    if missing:
        return _file_problem(
            _(
                "Kolom wajib tidak ditemukan: %(columns)s. Baris pertama harus berisi judul "
                "kolom nama, email dan peran.",
                columns=", ".join(column_label(col) for col in missing),
            )
        )

    parsed = ParsedImport(rows=[], problems=problems)
    seen_email: dict[str, int] = {}
    seen_nip: dict[str, int] = {}
    for number, values in rows:
        cells = {
            col: values[index] if index < len(values) else None for col, index in positions.items()
        }
        # Only the recognised columns count: templates often pre-number a "No" column.
        if not any(_text(v) for v in cells.values()):
            continue
        if len(parsed.rows) >= max_rows:
            return _file_problem(
                _(
                    "Berkas berisi lebih dari %(max)d baris data. Bagi menjadi beberapa berkas.",
                    max=max_rows,
                )
            )
        member = _parse_row(number, cells, seen_email, seen_nip)
        parsed.rows.append(member)
        parsed.problems.extend(member.problems)

    if not parsed.rows:
        parsed.problems.append(
            Problem(
                row=None,
                column=None,
                message=_("Berkas hanya berisi judul kolom; tidak ada baris data."),
            )
        )
    return parsed


def _parse_row(
    number: int,
    cells: dict[str, Any],
    seen_email: dict[str, int],
    seen_nip: dict[str, int],
) -> MemberRow:
    problems: list[Problem] = []

    def problem(column: str, message: str) -> None:
        problems.append(Problem(row=number, column=column, message=message))

    name = _text(cells.get("name"))
    if not name:
        problem("name", _("Nama wajib diisi."))

    email = _text(cells.get("email")).lower()
    if not email:
        problem("email", _("Email wajib diisi."))
    else:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            problem("email", _("Email tidak sah: %(value)s", value=_shorten(email)))
        if email in seen_email:
            problem("email", _("Email sama dengan baris %(row)d.", row=seen_email[email]))
        else:
            seen_email[email] = number

    nip: str | None = None
    raw_nip = cells.get("nip")
    if isinstance(raw_nip, float):
        # Excel keeps only 15 significant digits of a number, so an 18-digit NIP typed into
        # a number cell has already lost its last digits and cannot be recovered.
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
            try:
                nip = parse_nip(nip_text).digits
            except NIPError as exc:
                problem("nip", str(exc))
            else:
                if nip in seen_nip:
                    problem("nip", _("NIP sama dengan baris %(row)d.", row=seen_nip[nip]))
                else:
                    seen_nip[nip] = number

    rank_text = _text(cells.get("rank"))
    rank = normalize_rank(rank_text) if rank_text else None
    if rank_text and rank is None:
        problem("rank", _("Pangkat/golongan tidak dikenal: %(value)s", value=_shorten(rank_text)))

    raw_phone = cells.get("phone")
    phone = str(int(raw_phone)) if isinstance(raw_phone, int | float) else _text(raw_phone)

    role_text = _text(cells.get("role"))
    role = _ROLES.get(role_text.lower(), "")
    if not role_text:
        problem("role", _("Peran wajib diisi. Gunakan peserta, widyaiswara atau panitia."))
    elif not role:
        problem(
            "role",
            _(
                "Peran tidak dikenal: %(value)s. Gunakan peserta, widyaiswara atau panitia.",
                value=_shorten(role_text),
            ),
        )

    return MemberRow(
        row=number,
        name=name,
        email=email,
        nip=nip,
        rank=rank,
        position=_text(cells.get("position")),
        office=_text(cells.get("office")),
        phone=phone,
        role=role,
        problems=problems,
    )
