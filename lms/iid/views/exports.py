"""The year's XLSX (the national input's layout) and the ZIP of every evidence file."""

from __future__ import annotations

import tempfile

from flask import g, send_file

from lms.iid import bp, exports, permissions
from lms.iid.views._common import BASE, YEAR, rules_of
from lms.regions.access import region_role


@bp.get(BASE + "/<int:year>.xlsx")
@region_role(*permissions.SCORE_ROLES)
def export_xlsx(region_code: str, year: int):
    rules_of(year)
    response = send_file(
        exports.xlsx_bytes(g.region, year),
        mimetype=exports.XLSX,
        as_attachment=True,
        download_name=exports.xlsx_name(g.region, year),
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get(YEAR + "/evidence.zip")
@region_role(*permissions.SCORE_ROLES)
def export_zip(region_code: str, year: int):
    """Written to a temporary file, then streamed from it (it is removed when closed)."""
    rules_of(year)
    out = tempfile.TemporaryFile()  # noqa: SIM115  (send_file closes it when sent)
    exports.write_evidence_zip(g.region, year, out)
    out.seek(0)
    response = send_file(
        out,
        mimetype="application/zip",
        as_attachment=True,
        download_name=exports.zip_name(g.region, year),
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
