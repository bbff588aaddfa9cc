"""Read a region's offices from an uploaded CSV or XLSX file.

Pure parsing: what a row says and what is wrong with it on its own. Checks against the
offices already stored (acronyms, parents, loops) are in :func:`lms.regions.queries.plan_import`.
Messages come from flask_babel: call inside a request or app context.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lms import tabular
from lms.i18n import gettext as _
from lms.regions.matching import text_key
from lms.regions.models import OFFICE_KINDS
from lms.tabular import Problem, cell_text, shorten

__all__ = ["OfficeRow", "ParsedOffices", "column_label", "guess_kind", "parse_office_file"]

REQUIRED_COLUMNS: tuple[str, ...] = ("name",)
_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "nama", "nama perangkat daerah", "perangkat daerah", "nama opd", "opd"),
    "acronym": ("acronym", "singkatan", "akronim", "nama singkat"),
    "kind": ("kind", "type", "jenis", "tipe"),
    "parent": ("parent", "induk", "perangkat daerah induk", "di bawah"),
}
_COLUMN_BY_HEADER = tabular.columns_by_header(_HEADER_ALIASES)

#: What spreadsheets write in the "jenis" column, lower case -> kind code.
_KINDS = {kind: kind for kind in OFFICE_KINDS} | {
    "rumah sakit": "rsud",
    "rumah sakit umum daerah": "rsud",
    "upt": "uptd",
    "upt daerah": "uptd",
    "unit pelaksana teknis daerah": "uptd",
    "lain-lain": "lainnya",
    "lain": "lainnya",
    "sekretariat daerah": "sekretariat",
    "sekretariat dprd": "sekretariat",
    "sd": "sekolah",
    "smp": "sekolah",
    "sma": "sekolah",
    "smk": "sekolah",
}
#: The first word of a name that tells the kind ("Puskesmas Tondong" is a puskesmas).
_KIND_BY_FIRST_WORD = {
    "dinas": "dinas",
    "badan": "badan",
    "kantor": "kantor",
    "sekretariat": "sekretariat",
    "inspektorat": "inspektorat",
    "kecamatan": "kecamatan",
    "kelurahan": "kelurahan",
    "puskesmas": "puskesmas",
    "rsud": "rsud",
    "sd": "sekolah",
    "smp": "sekolah",
    "sma": "sekolah",
    "smk": "sekolah",
    "sekolah": "sekolah",
    "uptd": "uptd",
    "upt": "uptd",
}


def guess_kind(name: str) -> str:
    words = text_key(name).split()
    return _KIND_BY_FIRST_WORD.get(words[0], "lainnya") if words else "lainnya"


@dataclass
class OfficeRow:
    row: int
    name: str
    #: Empty cells leave an existing office's value as it is.
    acronym: str
    kind: str
    parent: str
    problems: list[Problem] = field(default_factory=list)


class ParsedOffices(tabular.ParsedTable[OfficeRow]):
    """The offices found in a file."""


def column_label(column: str | None) -> str:
    labels = {
        "name": _("nama"),
        "acronym": _("singkatan"),
        "kind": _("jenis"),
        "parent": _("induk"),
    }
    return labels.get(column or "", column or "")


def parse_office_file(data: bytes, *, max_rows: int = 2000) -> ParsedOffices:
    try:
        with tabular.open_table(data) as rows:
            return _parse_table(rows, max_rows)
    except tabular.FileProblem as exc:
        return ParsedOffices.refused(exc.message)


def _parse_table(rows: Iterator[tabular.Row], max_rows: int) -> ParsedOffices:
    header = tabular.read_header(rows, _COLUMN_BY_HEADER, column_label)
    if "name" not in header.positions:
        raise tabular.FileProblem(
            _(
                "Kolom wajib tidak ditemukan: nama. Baris pertama harus berisi judul kolom "
                "nama (boleh juga singkatan, jenis, induk)."
            )
        )
    parsed = ParsedOffices(rows=[], problems=header.problems)
    seen: dict[str, int] = {}
    for number, cells in tabular.data_rows(rows, header, max_rows):
        office = _parse_row(number, cells, seen)
        parsed.rows.append(office)
        parsed.problems.extend(office.problems)
    if not parsed.rows:
        parsed.problems.append(tabular.no_data_problem())
    return parsed


def _parse_row(number: int, cells: dict[str, Any], seen: dict[str, int]) -> OfficeRow:
    problems: list[Problem] = []

    def problem(column: str, message: str) -> None:
        problems.append(Problem(row=number, column=column, message=message))

    name = " ".join(cell_text(cells.get("name")).split())
    if not name:
        problem("name", _("Nama wajib diisi."))
    elif len(name) > 200:
        problem("name", _("Nama paling banyak 200 karakter."))
    elif (key := text_key(name)) in seen:
        problem("name", _("Nama sama dengan baris %(row)d.", row=seen[key]))
    else:
        seen[key] = number

    acronym = " ".join(cell_text(cells.get("acronym")).split())
    if len(acronym) > 40:
        problem("acronym", _("Singkatan paling banyak 40 karakter."))

    kind_text = cell_text(cells.get("kind"))
    kind = _KINDS.get(" ".join(kind_text.lower().split()), "") if kind_text else ""
    if kind_text and not kind:
        problem(
            "kind",
            _(
                "Jenis tidak dikenal: %(value)s. Gunakan salah satu: %(kinds)s.",
                value=shorten(kind_text),
                kinds=", ".join(OFFICE_KINDS),
            ),
        )

    parent = " ".join(cell_text(cells.get("parent")).split())
    if parent and name and text_key(parent) == text_key(name):
        problem("parent", _("Perangkat daerah tidak dapat menjadi induknya sendiri."))

    return OfficeRow(
        row=number, name=name, acronym=acronym, kind=kind, parent=parent, problems=problems
    )
