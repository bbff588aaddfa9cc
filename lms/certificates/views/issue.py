"""Eligibility and issuing, the cohort's certificates, revoking, reissuing, downloads.

Organizers see and do everything here; a participant downloads their own certificates
(linked from the dashboard).

Revoked certificates stay listed with when and why, and are never sent as a valid PDF.
"""

from __future__ import annotations

import io
from datetime import datetime

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import format_percent, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from lms.certificates import bp, operations, pdf, permissions, qualification, queries
from lms.certificates.forms import IssueForm, ReasonForm, need_labels, override_name
from lms.certificates.models import CertificatePlan
from lms.certificates.queries import EligibilityRow
from lms.certificates.views._common import BASE, kind_labels
from lms.cohorts.access import cohort_role
from lms.cohorts.models import Cohort
from lms.db import utcnow
from lms.errors import DomainError
from lms.forms import show_problem
from lms.unit_of_work import unit_of_work

#: ``?show=`` of the eligibility page -> which rows it lists.
SHOWS = {
    "all": lambda row: True,
    "eligible": lambda row: row.eligible,
    "ineligible": lambda row: not row.eligible,
    "certified": lambda row: row.certified,
}


def _other_rules(plan: CertificatePlan, rows: list[EligibilityRow]) -> list[tuple[str, str | None]]:
    """The rules besides attendance, in order, from the first participant (everyone has the
    same rules): (label, need) for assignments, (label, None) for courses."""
    needs = {
        f"assignment:{int(r['assignment_id'])}": r.get("need", "pass")
        for r in plan.required_assignments or []
    }
    first = rows[0].candidate.rules if rows else []
    return [(rule.label, needs.get(rule.key)) for rule in first if rule.key != "attendance"]


def _eligibility_page(
    problem: DomainError | None = None,
    cohort_id: int | None = None,
    form: IssueForm | None = None,
):
    """The page; after a refused issue, the form as sent (choices and reasons kept)."""
    cohort: Cohort = g.cohort
    plan = queries.plan_or_default(cohort)
    rows = form.rows if form is not None else queries.eligibility_rows(cohort, plan)
    if form is None:
        form = IssueForm.for_candidates(rows)  # binds what was sent, on a POST only
    show_problem(problem, form)
    show = request.args.get("show", "all")
    if show not in SHOWS:
        show = "all"
    return render_template(
        "certificates/eligibility.html",
        cohort=cohort,
        plan=plan,
        saved=plan.id is not None,
        form=form,
        override_name=override_name,
        rows=[row for row in rows if SHOWS[show](row)],
        counts={name: sum(1 for row in rows if test(row)) for name, test in SHOWS.items()},
        show=show,
        issuable=sum(1 for row in rows if row.eligible and not row.certified),
        other_rules=_other_rules(plan, rows),
        minimum=format_percent(plan.min_attendance / 100, format="#,##0.#%"),
        kind_labels=kind_labels(),
        need_labels=need_labels(),
        graded_titles=[label for label, need in _other_rules(plan, rows) if need == "pass"],
        scheme_text=qualification.describe(qualification.bands(plan.qualification_scheme)),
    )


@bp.get(f"{BASE}/eligibility")
@cohort_role("organizer")
def eligibility(cohort_id: int):
    return _eligibility_page(cohort_id=cohort_id)


@bp.post(f"{BASE}/issue")
@cohort_role("organizer")
@unit_of_work(render=_eligibility_page)
def issue(cohort_id: int):
    plan = queries.plan_or_default(g.cohort)
    form = IssueForm.for_candidates(queries.eligibility_rows(g.cohort, plan))
    if not form.validate_on_submit():
        return _eligibility_page(cohort_id=cohort_id, form=form)
    issued = operations.issue(g.cohort, form.user_ids, actor=current_user, overrides=form.overrides)
    if issued:
        flash(
            ngettext(
                "%(num)d sertifikat diterbitkan.", "%(num)d sertifikat diterbitkan.", len(issued)
            ),
            "success",
        )
    else:
        flash(_("Semua yang dipilih sudah memiliki sertifikat."), "info")
    return redirect(_list_url(cohort_id))


# --- the certificates -------------------------------------------------------------------------


def _list_url(cohort_id: int, **_: object) -> str:
    return url_for("lms.certificates.certificates", cohort_id=cohort_id)


@bp.get(BASE)
@cohort_role("organizer")
def certificates(cohort_id: int):
    rows = queries.certificates_of(g.cohort)
    issued = sum(1 for c in rows if c.state == "issued")
    return render_template(
        "certificates/list.html",
        cohort=g.cohort,
        rows=rows,
        issued=issued,
        revoked=len(rows) - issued,
    )


def _reason_refused(form: ReasonForm):
    for message in form.reason.errors or [DomainError.default_message()]:
        flash(message, "error")
    return redirect(_list_url(g.cohort.id))


@bp.post(f"{BASE}/<int:certificate_id>/revoke")
@cohort_role("organizer")
@unit_of_work(back=_list_url)
def revoke(cohort_id: int, certificate_id: int):
    certificate = queries.certificate_in(g.cohort, certificate_id) or abort(404)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _reason_refused(form)
    operations.revoke(certificate, form.reason.data, actor=current_user)
    flash(_("Sertifikat %(number)s dicabut.", number=certificate.number), "success")
    return redirect(_list_url(cohort_id))


@bp.post(f"{BASE}/<int:certificate_id>/reissue")
@cohort_role("organizer")
@unit_of_work(back=_list_url)
def reissue(cohort_id: int, certificate_id: int):
    certificate = queries.certificate_in(g.cohort, certificate_id) or abort(404)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _reason_refused(form)
    new = operations.reissue(certificate, form.reason.data, actor=current_user)
    flash(
        _(
            "Sertifikat %(old)s dicabut dan diganti dengan %(new)s.",
            old=certificate.number,
            new=new.number,
        ),
        "success",
    )
    return redirect(_list_url(cohort_id))


# --- downloads --------------------------------------------------------------------------------


def _stamp(when: datetime | None = None) -> str:
    return (when or utcnow()).strftime("%Y%m%d")


def _attachment(data: bytes, name: str, mimetype: str = "application/pdf"):
    response = send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get(f"{BASE}/<int:certificate_id>.pdf")
@cohort_role("participant", "organizer")
def download(cohort_id: int, certificate_id: int):
    certificate = queries.certificate_in(g.cohort, certificate_id) or abort(404)
    if not permissions.can_download(current_user, g.membership, certificate):
        abort(403)
    if certificate.revoked:
        # A revoked certificate is never handed out as a document; its record stays visible.
        abort(410)
    data = pdf.render([certificate], queries.plan_or_default(g.cohort))
    return _attachment(data, pdf.file_name(certificate))


def _issued_or_404():
    """The cohort's valid certificates in number order; 404 when there is none."""
    return queries.issued_in(g.cohort) or abort(404)


@bp.get(f"{BASE}/all.pdf")
@cohort_role("organizer")
def batch_pdf(cohort_id: int):
    data = pdf.render(_issued_or_404(), queries.plan_or_default(g.cohort))
    return _attachment(data, f"sertifikat-{g.cohort.code}-{_stamp()}.pdf")


@bp.get(f"{BASE}/all.zip")
@cohort_role("organizer")
def batch_zip(cohort_id: int):
    data = pdf.zip_of(_issued_or_404(), queries.plan_or_default(g.cohort))
    return _attachment(data, f"sertifikat-{g.cohort.code}-{_stamp()}.zip", "application/zip")
