"""Shared helpers for XLSX exports (openpyxl write-only mode)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.styles import Font


def _as_given(value: Any) -> bool:
    """Whether openpyxl, given the plain value, writes the cell ``row_cells`` would make:
    anything but None, cells, and text it would read as a formula ("=...") or an error code.
    Plain values skip making a cell each (write-only sheets reuse one cell for them): a
    500-row attendance workbook was half cell-making."""
    if value is None or isinstance(value, Cell):
        return False
    if isinstance(value, str):
        return not ((len(value) > 1 and value.startswith("=")) or value in ERROR_CODES)
    return True


def row_cells(sheet: Any, values: Iterable[Any], *, font: Font | None = None) -> list[Any]:
    """Cells for one row. Text stays text: a name starting with "=" never becomes a formula."""
    row = []
    for value in values:
        if font is None and _as_given(value):
            row.append(value)
            continue
        # WriteOnlyCell() is a function that makes a Cell.
        cell = value if isinstance(value, Cell) else WriteOnlyCell(sheet, value=value)
        if isinstance(cell.value, str):
            cell.data_type = "s"
        if font is not None:
            cell.font = font
        row.append(cell)
    return row
