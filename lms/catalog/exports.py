"""Spreadsheet of a cohort's lesson progress (participants × courses)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from lms.i18n import gettext as _
from lms.spreadsheets import row_cells


def progress_workbook(
    cohort: Any,
    courses: list[Any],
    totals: dict[int, int],
    participants: list[Any],
    done: dict[tuple[int, int], int],
    *,
    locale: str = "id",
) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Progres"))
    bold = Font(bold=True)

    def header(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = bold
        return cell

    sheet.append([header(f"{cohort.name} ({cohort.code})")])
    titles = [c.localized("title", locale) for c in courses]
    done_label = _("materi selesai")
    sheet.append(
        [header(_("No.")), header(_("Nama")), header(_("NIP")), header(_("Unit kerja"))]
        + [header(f"{t} ({done_label})") for t in titles]
        + [header(f"{t} (%)") for t in titles]
    )
    for number, person in enumerate(participants, 1):
        counts = [done.get((person.id, c.id), 0) for c in courses]
        shares = [
            round(100 * n / totals[c.id]) if totals.get(c.id) else 0
            for n, c in zip(counts, courses, strict=True)
        ]
        sheet.append(
            row_cells(
                sheet,
                [number, person.full_name, person.nip or "", person.office]
                + [f"{n}/{totals.get(c.id, 0)}" for n, c in zip(counts, courses, strict=True)]
                + shares,
            )
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
