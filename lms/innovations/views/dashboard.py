"""The leader's view of a region: innovations per office and stage, the year's numbers, a bar
picture drawn on the server (an inline SVG: no script, no library) and the same numbers as XLSX."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, render_template, request, send_file

from lms.db import utcnow
from lms.innovations import bp, display, exports, queries
from lms.innovations.models import STAGES
from lms.regions.access import region_role
from lms.timefmt import local

ROLES = ("leader", "coordinator")
#: The picture's geometry in SVG user units (it scales to the page's width).
LABEL_WIDTH, BAR_WIDTH, ROW_HEIGHT, BAR_HEIGHT = 150, 300, 28, 18


@dataclass
class Segment:
    stage: str
    x: float
    width: float
    count: int


@dataclass
class Bar:
    label: str
    y: float
    total: int
    segments: list[Segment]


def bars(board: queries.Dashboard) -> list[Bar]:
    """One stacked bar per office, as long as its number of innovations."""
    widest = board.widest or 1
    result = []
    for index, row in enumerate(board.rows):
        x = float(LABEL_WIDTH)
        segments = []
        for stage in STAGES:
            count = row.by_stage[stage]
            width = BAR_WIDTH * count / widest
            if count:
                segments.append(Segment(stage, round(x, 1), round(width, 1), count))
            x += width
        label = row.office.acronym or row.office.name
        result.append(Bar(label[:22], index * ROW_HEIGHT, row.total, segments))
    return result


def _year() -> int:
    raw = (request.args.get("year") or "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) == 4:
        return int(raw)
    return local(utcnow(), g.region.timezone).year


@bp.get("/regions/<region_code>/dashboard")
@region_role(*ROLES)
def dashboard(region_code: str):
    board = queries.dashboard(g.region, _year())
    return render_template(
        "innovations/dashboard.html",
        region=g.region,
        board=board,
        bars=bars(board),
        stages=STAGES,
        stage_labels=display.stage_labels(),
        state_labels=display.state_labels(),
        chart={
            "label_width": LABEL_WIDTH,
            "bar_width": BAR_WIDTH,
            "row_height": ROW_HEIGHT,
            "bar_height": BAR_HEIGHT,
            "height": max(1, len(board.rows)) * ROW_HEIGHT,
        },
    )


@bp.get("/regions/<region_code>/dashboard.xlsx")
@region_role(*ROLES)
def dashboard_export(region_code: str):
    board = queries.dashboard(g.region, _year())
    response = send_file(
        exports.dashboard_xlsx(g.region, board),
        mimetype=exports.XLSX,
        as_attachment=True,
        download_name=f"dasbor-inovasi-{g.region.code}-{board.year}.xlsx",
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
