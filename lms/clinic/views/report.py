"""The clinic report (coordinators and leaders): counts, medians, outcomes, the stage funnel
drawn on the server, and its XLSX; and the coordinator's list of unanswered follow-ups."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, g, render_template, request

from lms.clinic import bp, exports, queries
from lms.clinic.views._common import labels, locale, stages
from lms.regions.access import region_role

#: The funnel's drawing (SVG user units).
LABEL_WIDTH = 150
BAR_WIDTH = 420
BAR_HEIGHT = 26
GAP = 8


@dataclass
class FunnelBar:
    y: int
    x: float
    width: float
    label: str
    count: int


def funnel_bars(funnel: list[tuple[str, int]]) -> tuple[list[FunnelBar], int]:
    """Centred bars, as wide as the share of cases that reached each stage."""
    widest = max((n for _k, n in funnel), default=0) or 1
    bars = []
    for position, (key, count) in enumerate(funnel):
        width = max(BAR_WIDTH * count / widest, 2 if count else 0)
        bars.append(
            FunnelBar(
                y=position * (BAR_HEIGHT + GAP),
                x=LABEL_WIDTH + (BAR_WIDTH - width) / 2,
                width=round(width, 1),
                label=stages().get(key).title(locale()),
                count=count,
            )
        )
    return bars, len(funnel) * (BAR_HEIGHT + GAP)


def _year() -> int | None:
    raw = (request.args.get("year") or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 else None


@bp.get("/regions/<region_code>/clinic/report")
@region_role("coordinator", "leader")
def report(region_code: str):
    data = queries.report(g.region, stages(), _year())
    bars, height = funnel_bars(data.funnel)
    return render_template(
        "clinic/report.html",
        region=g.region,
        report=data,
        stage_set=stages(),
        bars=bars,
        chart={
            "label_width": LABEL_WIDTH,
            "bar_width": BAR_WIDTH,
            "bar_height": BAR_HEIGHT,
            "height": height,
        },
        **labels(),
    )


@bp.get("/regions/<region_code>/clinic/report.xlsx")
@region_role("coordinator", "leader")
def report_xlsx(region_code: str):
    data = queries.report(g.region, stages(), _year())
    body = exports.report_workbook(data, stages(), locale(), labels())
    response = Response(body, mimetype=exports.XLSX_MIMETYPE)
    response.headers.set(
        "Content-Disposition", "attachment", filename=exports.report_filename(data)
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/regions/<region_code>/clinic/follow-ups")
@region_role("coordinator")
def pending_follow_ups(region_code: str):
    return render_template(
        "clinic/follow_ups.html",
        region=g.region,
        rows=queries.pending_follow_ups(g.region),
        title_of=queries.follow_up_title,
        **labels(),
    )
