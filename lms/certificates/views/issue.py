"""Eligibility and issuing, the cohort's certificates, revoking, reissuing, downloads.

Organizers see and do everything here; a participant downloads their own certificates
(linked from the dashboard): the PDF stored when it was issued, or drawn afresh when that is
missing or out of date.

The batches (one PDF for printing, a ZIP of single PDFs) download at once for classes of at
most ``LMS_JOB_CERTIFICATES`` valid certificates (100); above that the same URLs start a
job (``lms.certificates.jobs``) or show the one under way, and the list offers its file.

Revoked certificates stay listed with when and why, and are never sent as a valid PDF.
"""

from __future__ import annotations

import io

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import format_percent
from flask_login import current_user

from lms import storage
from lms.certificates import bp, operations, pdf, permissions, qualification, queries
from lms.certificates import jobs as certificate_jobs
from lms.certificates.forms import IssueForm, ReasonForm, need_labels, override_name
from lms.certificates.models import CertificatePlan
from lms.certificates.queries import EligibilityRow
from lms.certificates.views._common import BASE, kind_labels
from lms.cohorts.access import cohort_role
from lms.cohorts.models import Cohort
from lms.errors import DomainError
from lms.forms import show_problem
from lms.i18n import gettext as _
from lms.i18n import ngettext
from lms.jobs import pages as job_pages
from lms.jobs import permissions as job_permissions
from lms.jobs import queries as job_queries
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


def _batch_offers(cohort: Cohort, issued: int) -> dict[str, dict[str, object]] | None:
    """For a class whose batches are jobs: per kind ("pdf", "zip") the job under way and the
    newest file made after the last certificate was issued or revoked; None when the
    batches download at once."""
    if not certificate_jobs.is_large(issued):
        return None
    changed = queries.last_change(cohort)
    offers = {}
    for name, kind in (("pdf", certificate_jobs.BATCH_PDF), ("zip", certificate_jobs.BATCH_ZIP)):
        running = job_queries.active_job(kind, cohort)
        latest = job_queries.latest_result(kind, cohort)
        if latest is not None and (
            (changed is not None and latest.finished_dt < changed)
            or not job_permissions.can_view(current_user, latest)
        ):
            latest = None
        offers[name] = {"running": running, "latest": latest}
    return offers


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
        offers=_batch_offers(g.cohort, issued),
        direct_max=certificate_jobs.direct_max(),
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
    plan = queries.plan_or_default(g.cohort)
    if pdf.stored_path(certificate, plan) is not None:
        return storage.send_stored(certificate.pdf_key, pdf.file_name(certificate))
    # Not stored, or out of date (drawn afresh; `flask lms certificates store-pdfs`).
    return _attachment(pdf.render([certificate], plan), pdf.file_name(certificate))


def _batch(kind: str, extension: str, mimetype: str):
    """A batch's GET: the file at once for a small class, else the job (lms.jobs.pages)."""
    cohort: Cohort = g.cohort
    count = queries.issued_count(cohort)
    if not count:
        abort(404)
    if certificate_jobs.is_large(count):  # prepared in the background (lms.jobs)
        return job_pages.offer(kind, cohort)
    plan = queries.plan_or_default(cohort)
    out = io.BytesIO()
    writer = pdf.write_merged if extension == "pdf" else pdf.write_zip
    writer(queries.iter_issued(cohort), plan, out)
    return _attachment(out.getvalue(), certificate_jobs.file_name(cohort, extension), mimetype)


def _start_batch(kind: str):
    if not queries.issued_count(g.cohort):
        abort(404)
    return job_pages.start(kind, g.cohort)


@bp.get(f"{BASE}/all.pdf")
@cohort_role("organizer")
def batch_pdf(cohort_id: int):
    return _batch(certificate_jobs.BATCH_PDF, "pdf", "application/pdf")


@bp.post(f"{BASE}/all.pdf")
@cohort_role("organizer")
@unit_of_work(back=_list_url)
def batch_pdf_job(cohort_id: int):
    return _start_batch(certificate_jobs.BATCH_PDF)


@bp.get(f"{BASE}/all.zip")
@cohort_role("organizer")
def batch_zip(cohort_id: int):
    return _batch(certificate_jobs.BATCH_ZIP, "zip", "application/zip")


@bp.post(f"{BASE}/all.zip")
@cohort_role("organizer")
@unit_of_work(back=_list_url)
def batch_zip_job(cohort_id: int):
    return _start_batch(certificate_jobs.BATCH_ZIP)
