"""The registry's spreadsheets (openpyxl write-only): the list of innovations with the filters
of the page, and the leader's numbers. Text stays text (lms.spreadsheets.row_cells), so a name
starting with "=" never becomes a formula."""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Font

from lms.i18n import gettext as _
from lms.innovations import display
from lms.innovations.models import STAGES, Innovation
from lms.innovations.queries import Dashboard
from lms.regions.models import Region
from lms.spreadsheets import row_cells
from lms.timefmt import local

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOLD = Font(bold=True)


def _finish(workbook: Workbook) -> io.BytesIO:
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


def registry_xlsx(region: Region, rows: Iterable[Innovation]) -> io.BytesIO:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Inovasi"))
    sheet.append(row_cells(sheet, [_("Inovasi daerah %(region)s", region=region.name)], font=BOLD))
    header = [
        _("No."),
        _("Nama inovasi"),
        _("Perangkat daerah"),
        _("Tahapan"),
        _("Status"),
        _("Bentuk inovasi"),
        _("Jenis inovasi"),
        _("Urusan pemerintahan"),
        _("Tanggal inisiatif"),
        _("Tanggal uji coba"),
        _("Tanggal penerapan"),
        _("Inovator"),
        _("Dicatat"),
        _("Di katalog"),
    ]
    sheet.append(row_cells(sheet, header, font=BOLD))
    states = display.state_labels()
    for number, innovation in enumerate(rows, 1):
        values = innovation.profile or {}
        sheet.append(
            row_cells(
                sheet,
                [
                    number,
                    innovation.name,
                    innovation.office.label,
                    display.stage_label(innovation.stage),
                    states.get(innovation.state, innovation.state),
                    display.profile_text("bentuk", values.get("bentuk")),
                    display.profile_text("jenis", values.get("jenis")),
                    display.profile_text("urusan", values.get("urusan")),
                    innovation.initiated_date,
                    innovation.trial_date,
                    innovation.implementation_date,
                    ", ".join(i.display_name for i in innovation.innovators),
                    local(innovation.created_dt, region.timezone).date(),
                    _("Ya") if innovation.published else _("Tidak"),
                ],
            )
        )
    return _finish(workbook)


def dashboard_xlsx(region: Region, board: Dashboard) -> io.BytesIO:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Ringkasan"))
    sheet.append(row_cells(sheet, [_("Dasbor inovasi %(region)s", region=region.name)], font=BOLD))
    for label, value in (
        (_("Inovasi berjalan"), board.total),
        (_("Baru tahun %(year)d", year=board.year), board.new_this_year),
        (_("Terverifikasi"), board.verified),
        (_("Dihentikan"), board.stopped),
        (_("Tampil di katalog"), board.published),
        (_("Inovator"), board.innovators),
        (_("Inovator yang ikut kelas"), board.trained),
    ):
        sheet.append(row_cells(sheet, [label, value]))
    stages = display.stage_labels()
    offices = workbook.create_sheet(_("Per perangkat daerah"))
    header = [_("Perangkat daerah"), *(stages[s] for s in STAGES), _("Jumlah")]
    offices.append(row_cells(offices, header, font=BOLD))
    for row in board.rows:
        offices.append(
            row_cells(offices, [row.office.label, *(row.by_stage[s] for s in STAGES), row.total])
        )
    offices.append(
        row_cells(
            offices,
            [_("Jumlah"), *(board.totals[s] for s in STAGES), board.total],
            font=BOLD,
        )
    )
    return _finish(workbook)
