"""Reading an uploaded table (CSV or XLSX) the way Indonesian offices write them.

Shared by the importers (class members, attendance marks, meeting schedule). It knows files,
rows and headers; what a row means is the importer's business. Row numbers are the numbers the
organizer sees in Excel, so that "Baris 7" in a message is row 7 of their spreadsheet.

A typical importer::

    try:
        with open_table(data) as rows:
            header = read_header(rows, COLUMN_BY_HEADER, column_label)
            ...  # check the required columns, then
            for number, cells in data_rows(rows, header, max_rows):
                ...
    except FileProblem as exc:
        ...  # refuse the whole file with exc.message

Messages come from flask_babel: call inside a request or app context.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, Self, TypeVar

from lms.i18n import gettext as _

__all__ = [
    "FileProblem",
    "Header",
    "ParsedTable",
    "Problem",
    "Row",
    "UnreadableFile",
    "cell_text",
    "columns_by_header",
    "csv_rows",
    "data_rows",
    "header_key",
    "nip_cell",
    "nip_stored_as_number",
    "no_data_problem",
    "open_table",
    "read_header",
    "shorten",
    "unreadable_message",
    "xlsx_rows",
]

#: A row as read: its number in the spreadsheet and its cell values.
Row = tuple[int, list[Any]]

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_EXCEL_SEP_LINE = re.compile(r"^sep=(.)$", re.IGNORECASE)


@dataclass
class Problem:
    """Something the organizer must fix; ``row`` None is about the whole file."""

    row: int | None
    column: str | None
    message: str


class _HasProblems(Protocol):
    problems: list[Problem]


RowT = TypeVar("RowT", bound=_HasProblems)


@dataclass
class ParsedTable(Generic[RowT]):
    """What an importer found: the rows it understood and every problem, file-level first.

    Each importer subclasses it with its own row type (``ParsedImport``, ``ParsedMarks``...).
    """

    rows: list[RowT] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing to fix and something to import."""
        return bool(self.rows) and not self.problems

    @classmethod
    def refused(cls, message: str) -> Self:
        """The answer for a file refused as a whole."""
        return cls(rows=[], problems=[Problem(row=None, column=None, message=message)])

    def collect(self) -> None:
        """File-level problems first, then each row's, in row order.

        Call after adding problems to rows (checks against the database come later).
        """
        self.problems = [p for p in self.problems if p.row is None] + [
            p for r in self.rows for p in r.problems
        ]


class UnreadableFile(Exception):
    """The content could not be read as a table."""


class FileProblem(Exception):
    """The whole file is refused; ``message`` tells the organizer why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Header:
    #: Canonical column name -> index of its cell in each row.
    positions: dict[str, int]
    #: Columns given more than once (the first one is used).
    problems: list[Problem]


# --- reading ---------------------------------------------------------------------------------


@contextmanager
def open_table(data: bytes) -> Iterator[Iterator[Row]]:
    """The numbered rows of an upload, CSV or XLSX (first sheet).

    The type is decided by the content, not by the file name (browsers and users rename files
    freely). Raises :class:`FileProblem` for an empty file, an old .xls file, or content that
    is not a readable table (also when that shows only while iterating).
    """
    if not data.removeprefix(codecs.BOM_UTF8).strip():
        raise FileProblem(_("Berkas kosong."))
    if data.startswith(XLS_MAGIC):
        raise FileProblem(
            _(
                "Berkas Excel lama (.xls) tidak didukung. Buka berkas di Excel lalu simpan "
                "sebagai XLSX atau CSV."
            )
        )
    rows = xlsx_rows(data) if data.startswith(XLSX_MAGIC) else csv_rows(data)
    try:
        # closing() releases the workbook even when the caller stops early.
        with closing(rows):
            yield rows
    except UnreadableFile as exc:
        raise FileProblem(unreadable_message()) from exc


def unreadable_message() -> str:
    return _(
        "Berkas bukan CSV atau XLSX yang dapat dibaca. Simpan ulang sebagai XLSX atau CSV (UTF-8)."
    )


def xlsx_rows(data: bytes) -> Generator[Row, None, None]:
    """Rows of the first sheet, numbered as Excel numbers them; raises :class:`UnreadableFile`."""
    import openpyxl

    # A corrupt or non-spreadsheet zip can fail anywhere inside openpyxl (zipfile, XML,
    # KeyError for missing parts), also lazily while iterating rows in read-only mode.
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise UnreadableFile from exc
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
                raise UnreadableFile from exc
            number += 1
            yield number, list(values)
    finally:
        workbook.close()


def csv_rows(data: bytes) -> Generator[Row, None, None]:
    """Rows of a UTF-8 CSV (BOM or not, ``,`` or ``;``); raises :class:`UnreadableFile`."""
    if b"\x00" in data:
        raise UnreadableFile
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile from exc

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
            raise UnreadableFile from exc
        # A quoted cell spanning several lines is still one spreadsheet row.
        number += 1
        yield number, values


def _guess_delimiter(header_line: str) -> str:
    # Indonesian Excel saves "CSV" with semicolons (the comma is the decimal separator).
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


# --- cells and headers -----------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell as text: empty for a blank cell, "12" (not "12.0") for a whole number."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def header_key(value: Any) -> str:
    """A header cell normalised for lookup."""
    # "Nama Lengkap*" and "No  HP" are how templates tend to spell headers.
    return " ".join(cell_text(value).lower().rstrip("*").split())


def shorten(value: str, limit: int = 60) -> str:
    """A value quoted in a message, cut so that one long cell cannot flood the page."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def nip_cell(value: Any) -> str | None:
    """A NIP cell as text; None when Excel stored it as a number (see
    :func:`nip_stored_as_number`)."""
    # Excel keeps only 15 significant digits of a number, so an 18-digit NIP typed into
    # a number cell has already lost its last digits and cannot be recovered.
    if isinstance(value, float):
        return None
    return str(value) if isinstance(value, int) else cell_text(value)


def nip_stored_as_number() -> str:
    return _(
        "NIP tersimpan sebagai angka sehingga angka terakhirnya hilang. Format kolom "
        "NIP sebagai Teks lalu ketik ulang NIP."
    )


def columns_by_header(aliases: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """``{column: (header spellings, ...)}`` turned into ``{header spelling: column}``."""
    return {alias: column for column, spellings in aliases.items() for alias in spellings}


def read_header(
    rows: Iterator[Row],
    column_by_header: Mapping[str, str],
    column_label: Callable[[str | None], str],
) -> Header:
    """Read up to the first non-empty row and find the known columns in it.

    Unknown headers are ignored (templates often add a "No" column). Raises
    :class:`FileProblem` when every row is empty.
    """
    header: list[Any] | None = None
    for _number, values in rows:
        if any(cell_text(v) for v in values):
            header = values
            break
    if header is None:
        raise FileProblem(_("Berkas kosong."))

    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for index, cell in enumerate(header):
        column = column_by_header.get(header_key(cell))
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
    return Header(positions=positions, problems=problems)


def data_rows(
    rows: Iterator[Row], header: Header, max_rows: int
) -> Generator[tuple[int, dict[str, Any]], None, None]:
    """The rows after the header as ``(number, {column: value})``, skipping empty ones.

    Raises :class:`FileProblem` on reaching row ``max_rows + 1``, before yielding it.
    """
    count = 0
    for number, values in rows:
        cells = {
            col: values[index] if index < len(values) else None
            for col, index in header.positions.items()
        }
        # Only the recognised columns count: templates often pre-number a "No" column.
        if not any(cell_text(v) for v in cells.values()):
            continue
        if count >= max_rows:
            raise FileProblem(
                _(
                    "Berkas berisi lebih dari %(max)d baris data. Bagi menjadi beberapa berkas.",
                    max=max_rows,
                )
            )
        count += 1
        yield number, cells


def no_data_problem() -> Problem:
    """The problem for a file with a header and no data rows."""
    return Problem(
        row=None,
        column=None,
        message=_("Berkas hanya berisi judul kolom; tidak ada baris data."),
    )
