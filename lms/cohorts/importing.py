"""Read the members of a class (cohort) from an uploaded CSV or XLSX file.

Pure parsing and validation: nothing is written to the database. Messages are produced with
flask_babel, so call :func:`parse_member_file` inside a request or app context.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from lms import tabular
from lms.accounts.civil_service import NIPError, normalize_rank, parse_nip
from lms.tabular import Problem, cell_text, shorten

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
_COLUMN_BY_HEADER = tabular.columns_by_header(_HEADER_ALIASES)

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


class ParsedImport(tabular.ParsedTable[MemberRow]):
    """The members found in a file."""


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
    try:
        with tabular.open_table(data) as rows:
            return _parse_table(rows, max_rows)
    except tabular.FileProblem as exc:
        return ParsedImport.refused(exc.message)


# --- validating ----------------------------------------------------------------------------


def _parse_table(rows: Iterator[tabular.Row], max_rows: int) -> ParsedImport:
    header = tabular.read_header(rows, _COLUMN_BY_HEADER, column_label)
    missing = [col for col in REQUIRED_COLUMNS if col not in header.positions]
    if missing:
        raise tabular.FileProblem(
            _(
                "Kolom wajib tidak ditemukan: %(columns)s. Baris pertama harus berisi judul "
                "kolom nama, email dan peran.",
                columns=", ".join(column_label(col) for col in missing),
            )
        )

    parsed = ParsedImport(rows=[], problems=header.problems)
    seen_email: dict[str, int] = {}
    seen_nip: dict[str, int] = {}
    for number, cells in tabular.data_rows(rows, header, max_rows):
        member = _parse_row(number, cells, seen_email, seen_nip)
        parsed.rows.append(member)
        parsed.problems.extend(member.problems)

    if not parsed.rows:
        parsed.problems.append(tabular.no_data_problem())
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

    name = cell_text(cells.get("name"))
    if not name:
        problem("name", _("Nama wajib diisi."))

    email = cell_text(cells.get("email")).lower()
    if not email:
        problem("email", _("Email wajib diisi."))
    else:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            problem("email", _("Email tidak sah: %(value)s", value=shorten(email)))
        if email in seen_email:
            problem("email", _("Email sama dengan baris %(row)d.", row=seen_email[email]))
        else:
            seen_email[email] = number

    nip: str | None = None
    nip_text = tabular.nip_cell(cells.get("nip"))
    if nip_text is None:
        problem("nip", tabular.nip_stored_as_number())
    elif nip_text:
        try:
            nip = parse_nip(nip_text).digits
        except NIPError as exc:
            problem("nip", str(exc))
        else:
            if nip in seen_nip:
                problem("nip", _("NIP sama dengan baris %(row)d.", row=seen_nip[nip]))
            else:
                seen_nip[nip] = number

    rank_text = cell_text(cells.get("rank"))
    rank = normalize_rank(rank_text) if rank_text else None
    if rank_text and rank is None:
        problem("rank", _("Pangkat/golongan tidak dikenal: %(value)s", value=shorten(rank_text)))

    raw_phone = cells.get("phone")
    phone = str(int(raw_phone)) if isinstance(raw_phone, int | float) else cell_text(raw_phone)

    role_text = cell_text(cells.get("role"))
    role = _ROLES.get(role_text.lower(), "")
    if not role_text:
        problem("role", _("Peran wajib diisi. Gunakan peserta, widyaiswara atau panitia."))
    elif not role:
        problem(
            "role",
            _(
                "Peran tidak dikenal: %(value)s. Gunakan peserta, widyaiswara atau panitia.",
                value=shorten(role_text),
            ),
        )

    return MemberRow(
        row=number,
        name=name,
        email=email,
        nip=nip,
        rank=rank,
        position=cell_text(cells.get("position")),
        office=cell_text(cells.get("office")),
        phone=phone,
        role=role,
        problems=problems,
    )
