"""Shared helpers for XLSX exports (openpyxl write-only mode)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font


def row_cells(sheet: Any, values: Iterable[Any], *, font: Font | None = None) -> list[Any]:
    """Cells for one row. Text stays text: a name starting with "=" never becomes a formula."""
    row = []
    for value in values:
        # WriteOnlyCell() is a function that makes a Cell.
        cell = value if isinstance(value, Cell) else WriteOnlyCell(sheet, value=value)
        if isinstance(cell.value, str):
            cell.data_type = "s"
        if font is not None:
            cell.font = font
        row.append(cell)
    return row
