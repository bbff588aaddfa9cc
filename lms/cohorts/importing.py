"""Read the members of a class (cohort) from an uploaded CSV or XLSX file.

Pure parsing and validation: nothing is written to the database. Messages are produced with
flask_babel, so call :func:`parse_member_file` inside a request or app context.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email

from lms import tabular
from lms.accounts import civil_service as cs
from lms.i18n import gettext as _
from lms.tabular import Problem, cell_text, shorten

__all__ = ["COLUMNS", "MemberRow", "ParsedImport", "Problem", "parse_member_file"]

#: Canonical column names, in the order used in messages.
COLUMNS: tuple[str, ...] = (
    "name",
    "email",
    "status",
    "nip",
    "rank",
    "sex",
    "position",
    "office",
    "phone",
    "role",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("name", "email", "role")

_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "nama", "nama lengkap"),
    "email": ("email", "e-mail", "surel"),
    "status": ("status", "status kepegawaian", "status pegawai", "status asn", "employment status"),
    "nip": ("nip", "ni pppk", "nip/ni pppk", "nip / ni pppk"),
    "rank": (
        "rank",
        "pangkat",
        "golongan",
        "pangkat/golongan",
        "pangkat/gol",
        "pangkat/gol.",
        "pangkat / golongan",
    ),
    "sex": ("sex", "jenis kelamin", "l/p", "jk", "kelamin"),
    "position": ("position", "jabatan"),
    "office": ("office", "unit kerja", "perangkat daerah", "instansi", "opd"),
    "phone": ("phone", "telepon", "telp", "hp", "no hp"),
    "role": ("role", "peran"),
}
_COLUMN_BY_HEADER = tabular.columns_by_header(_HEADER_ALIASES)

#: Status values in the words of Indonesian personnel lists. CPNS hold a NIP (candidates for
#: PNS); P3K is the common abbreviation of PPPK; honorer staff are non-ASN by law (UU 20/2023
#: calls them "pegawai non-ASN"). "ASN" alone is refused: it covers both PNS and PPPK.
_STATUSES = {
    "pns": "pns",
    "cpns": "pns",
    "pppk": "pppk",
    "p3k": "pppk",
    "pppk paruh waktu": "pppk",
    "non-asn": "non_asn",
    "non asn": "non_asn",
    "nonasn": "non_asn",
    "bukan asn": "non_asn",
    "honorer": "non_asn",
}

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
    #: "pns", "pppk" or "non_asn"
    status: str = "non_asn"
    #: Where the status came from: "column", or inferred from the "number", the "rank", or
    #: "none" of them (a non-ASN).
    status_source: str = "column"
    sex: str | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def nip_display(self) -> str:
        return cs.format_nip(self.nip)

    @property
    def rank_display(self) -> str:
        return cs.rank_label(self.rank)

    @property
    def status_display(self) -> str:
        """ "PPPK (dari nomor)": the status, and how it was inferred when it was."""
        label = cs.status_label(self.status)
        sources = {
            "number": _("dari nomor"),
            "rank": _("dari pangkat"),
            "none": _("tanpa nomor"),
        }
        source = sources.get(self.status_source)
        return f"{label} ({source})" if source else label


class ParsedImport(tabular.ParsedTable[MemberRow]):
    """The members found in a file."""


def column_label(column: str | None) -> str:
    """The column's name as the organizer's spreadsheet calls it, in the current language."""
    labels = {
        "name": _("nama"),
        "email": _("email"),
        "status": _("status"),
        "nip": _("NIP"),
        "rank": _("pangkat"),
        "sex": _("jenis kelamin"),
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

    status_text = cell_text(cells.get("status"))
    status = _STATUSES.get(" ".join(status_text.lower().split())) if status_text else None
    if status_text and status is None:
        problem(
            "status",
            _(
                "Status tidak dikenal: %(value)s. Gunakan PNS, PPPK atau Non-ASN.",
                value=shorten(status_text),
            ),
        )

    nip: str | None = None
    asn_number: cs.NIP | cs.PPPKNumber | None = None
    nip_text = tabular.nip_cell(cells.get("nip"))
    if nip_text is None:
        problem("nip", tabular.nip_stored_as_number())
    elif nip_text and (status is not None or not status_text):
        try:
            asn_number = cs.parse_number(nip_text, status)
        except cs.NIPError as exc:
            problem("nip", str(exc))
        if asn_number is not None:
            nip = asn_number.digits
            if nip in seen_nip:
                problem("nip", _("NIP sama dengan baris %(row)d.", row=seen_nip[nip]))
            else:
                seen_nip[nip] = number

    rank_text = cell_text(cells.get("rank"))
    rank = cs.normalize_rank(rank_text) if rank_text else None
    if rank_text and rank is None:
        problem("rank", _("Pangkat/golongan tidak dikenal: %(value)s", value=shorten(rank_text)))

    source = "column"
    if status is None and not status_text:
        # No status given: read it from the number, else the rank; nothing means non-ASN.
        # (An unreadable number is already a problem; the rank alone then decides.)
        if asn_number is not None:
            status, source = asn_number.status, "number"
        elif rank is not None:
            status, source = cs.rank_status(rank) or "pns", "rank"
        elif nip_text:
            status, source = "pns", "number"
        else:
            status, source = "non_asn", "none"
    if status is not None and (message := cs.rank_problem(status, rank)):
        problem("rank", message)

    sex_text = cell_text(cells.get("sex"))
    sex = cs.normalize_sex(sex_text) if sex_text else None
    if sex_text and sex is None:
        problem(
            "sex",
            _(
                "Jenis kelamin tidak dikenal: %(value)s. Gunakan L atau P.",
                value=shorten(sex_text),
            ),
        )
    elif message := cs.sex_problem(status, nip, sex):
        problem("sex", message)

    raw_phone = cells.get("phone")
    phone = str(int(raw_phone)) if isinstance(raw_phone, int | float) else cell_text(raw_phone)
    try:
        phone = cs.normalize_phone(phone)
    except cs.PhoneError as exc:
        problem("phone", str(exc))

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
        status=status or "non_asn",
        status_source=source,
        sex=sex,
        problems=problems,
    )
