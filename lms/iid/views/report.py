"""The year's report: which innovations are reported (n), reporting one or taking it out,
"dikembangkan lebih lanjut", copying last year forward, and the pre-export checks."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from lms.forms import ConfirmForm
from lms.i18n import gettext as _
from lms.iid import bp, checks, operations, permissions, queries
from lms.iid.forms import EntryForm
from lms.iid.models import Entry
from lms.iid.views._common import (
    ITEM,
    YEAR,
    helpers,
    innovation_url,
    load_innovation,
    require,
    rules_of,
)
from lms.innovations.models import Innovation
from lms.regions.access import region_role
from lms.unit_of_work import unit_of_work


def _list_url(region_code: str, year: int, **_: object) -> str:
    return url_for("lms.iid.report", region_code=region_code, year=year)


def _back_to_innovation(region_code: str, year: int, innovation_id: int, **_: object) -> str:
    return url_for(
        "lms.iid.innovation", region_code=region_code, year=year, innovation_id=innovation_id
    )


def _editable(year: int, innovation_id: int) -> Innovation:
    """The URL's year and innovation, which the visitor may edit (403 otherwise)."""
    rules_of(year)
    innovation = load_innovation(innovation_id)
    require(permissions.can_edit(g.access, innovation))
    return innovation


def _entry_change(year: int, innovation_id: int) -> tuple[Innovation, Entry, EntryForm]:
    """The innovation, its entry of the year (404 when it is not reported) and the posted
    EntryForm (400 without the page's CSRF token)."""
    innovation = _editable(year, innovation_id)
    form = EntryForm()
    if not form.validate_on_submit():
        abort(400)
    entry = queries.entry_of(innovation, year) or abort(404)
    return innovation, entry, form


@bp.get(YEAR + "/innovations")
@region_role(*permissions.READER_ROLES)
def report(region_code: str, year: int):
    rules = rules_of(year)
    rows = queries.report_rows(g.region, year, g.access)
    return render_template(
        "iid/report.html",
        region=g.region,
        year=year,
        rows=rows,
        reported=sum(1 for r in rows if r.entry is not None),
        can_copy=permissions.can_copy_forward(g.access),
        copy_source=queries.copy_source(year),
        can_edit=lambda innovation: permissions.can_edit(g.access, innovation),
        why_not_enter=permissions.why_not_enter,
        sees_score=g.access.has(*permissions.SCORE_ROLES),
        confirm_form=ConfirmForm(formdata=None),
        innovation_url=innovation_url,
        **helpers(rules),
    )


@bp.post(ITEM + "/enter")
@region_role(*permissions.WRITER_ROLES)
@unit_of_work(back=_back_to_innovation)
def enter(region_code: str, year: int, innovation_id: int):
    innovation = _editable(year, innovation_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.enter(g.region, year, innovation, actor=current_user)
    flash(
        _("%(name)s sudah dilaporkan untuk tahun %(year)d.", name=innovation.name, year=year),
        "success",
    )
    return redirect(innovation_url(year, innovation.id))


@bp.post(ITEM + "/leave")
@region_role(*permissions.WRITER_ROLES)
@unit_of_work(back=_back_to_innovation)
def leave(region_code: str, year: int, innovation_id: int):
    innovation, entry, form = _entry_change(year, innovation_id)
    operations.leave(entry, actor=current_user, seen_lock=form.seen_lock)
    flash(
        _(
            "%(name)s tidak lagi dilaporkan untuk tahun %(year)d; bukti dukungnya tetap tersimpan.",
            name=innovation.name,
            year=year,
        ),
        "success",
    )
    return redirect(_list_url(region_code, year))


@bp.post(ITEM + "/developed")
@region_role(*permissions.WRITER_ROLES)
@unit_of_work(back=_back_to_innovation)
def developed(region_code: str, year: int, innovation_id: int):
    innovation, entry, form = _entry_change(year, innovation_id)
    operations.set_developed_further(
        entry, bool(form.developed_further.data), actor=current_user, seen_lock=form.seen_lock
    )
    flash(_("Keterangan pengembangan sudah disimpan."), "success")
    return redirect(innovation_url(year, innovation.id))


@bp.post(YEAR + "/copy-forward")
@region_role(*permissions.WRITER_ROLES)
@unit_of_work(back=_list_url)
def copy_forward(region_code: str, year: int):
    """ "Salin dari tahun lalu": last year stays as it is; this year gets a copy."""
    rules = rules_of(year)
    require(permissions.can_copy_forward(g.access))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    copied = operations.copy_forward(
        g.region, year, rules, g.access, actor=current_user, source_year=queries.copy_source(year)
    )
    if copied.entries or copied.evidence:
        flash(
            _(
                "Disalin dari tahun %(previous)d: %(entries)d inovasi, %(evidence)d indikator "
                "dengan %(documents)d dokumen. Data tahun %(previous)d tidak berubah.",
                previous=copied.source_year,
                entries=copied.entries,
                evidence=copied.evidence,
                documents=copied.documents,
            ),
            "success",
        )
    else:
        flash(
            _("Tidak ada yang perlu disalin dari tahun %(previous)d.", previous=copied.source_year),
            "info",
        )
    return redirect(_list_url(region_code, year))


@bp.get(YEAR + "/checks")
@region_role(*permissions.READER_ROLES)
def checks_page(region_code: str, year: int):
    """What the national application would refuse, per innovation and indicator."""
    rules = rules_of(year)
    access = g.access
    sees_all = access.has(*permissions.SCORE_ROLES)
    data = queries.year_data(
        g.region,
        year,
        rules,
        office_ids=None if sees_all else access.office_ids,
        include_region=sees_all,
    )
    found = checks.problems(data, queries.hosts())
    return render_template(
        "iid/checks.html",
        region=g.region,
        year=year,
        data=data,
        problems=found,
        refused=[p for p in found if p.refused],
        notes=[p for p in found if not p.refused],
        innovation_url=innovation_url,
        **helpers(rules),
    )
