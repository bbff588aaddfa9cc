"""Issuing and managing a cohort's certificates; single and batch downloads.

- organizers issue (all eligible at once, or chosen people with written overrides), revoke and
  reissue, and download any certificate, a ZIP of all, or one merged PDF for printing;
- a participant downloads their own certificates (linked from the dashboard);
- revoked certificates stay listed with when and why, and are never sent as a valid PDF.
"""

from __future__ import annotations

import io
from datetime import datetime

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from lms.certificates import bp, pdf
from lms.certificates import operations as ops
from lms.certificates.models import Certificate, CertificatePlan
from lms.cohorts.access import cohort_role
from lms.db import utcnow
from lms.extensions import db

BASE = "/cohorts/<int:cohort_id>/certificates"


def _plan() -> CertificatePlan:
    """The cohort's plan, or an unsaved default (GET pages write nothing)."""
    plan = db.session.scalar(db.select(CertificatePlan).filter_by(cohort_id=g.cohort.id))
    return plan or CertificatePlan.default(g.cohort.id)


def _certificate(certificate_id: int) -> Certificate:
    """A certificate of the cohort in the URL; 404 for ids of another cohort."""
    certificate = db.session.scalar(
        db.select(Certificate)
        .options(joinedload(Certificate.user))
        .filter_by(id=certificate_id, cohort_id=g.cohort.id)
    )
    if certificate is None:
        abort(404)
    return certificate


def _is_organizer() -> bool:
    return bool(current_user.is_admin or (g.membership and g.membership.role == "organizer"))


def _stamp(when: datetime | None = None) -> str:
    return (when or utcnow()).strftime("%Y%m%d")


def _attachment(data: bytes, name: str, mimetype: str = "application/pdf"):
    response = send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post(BASE + "/issue")
@cohort_role("organizer")
def issue(cohort_id: int):
    cohort = g.cohort
    scope = request.form.get("scope", "selected")
    overrides: dict[int, str] = {}
    for key, value in request.form.items():
        if key.startswith("override-") and value.strip():
            try:
                overrides[int(key.removeprefix("override-"))] = value
            except ValueError:
                continue
    if scope == "eligible":
        from lms.certificates.eligibility import evaluate

        user_ids = [c.user.id for c in evaluate(cohort, _plan()).eligible]
    else:
        try:
            user_ids = [int(v) for v in request.form.getlist("user")]
        except ValueError:
            abort(400)
    if not user_ids:
        flash(_("Pilih peserta yang akan diberi sertifikat."), "error")
        return redirect(url_for(".eligibility", cohort_id=cohort_id))
    try:
        issued = ops.issue(cohort, user_ids, actor=current_user, overrides=overrides)
        db.session.commit()
    except ops.CertificateError as problem:
        db.session.rollback()
        flash(str(problem), "error")
        return redirect(url_for(".eligibility", cohort_id=cohort_id, show="ineligible"))
    if issued:
        flash(
            ngettext(
                "%(num)d sertifikat diterbitkan.", "%(num)d sertifikat diterbitkan.", len(issued)
            ),
            "success",
        )
    else:
        flash(_("Semua yang dipilih sudah memiliki sertifikat."), "info")
    return redirect(url_for(".certificates", cohort_id=cohort_id))


@bp.get(BASE)
@cohort_role("organizer")
def certificates(cohort_id: int):
    rows = db.session.scalars(
        db.select(Certificate)
        .options(joinedload(Certificate.user), joinedload(Certificate.replaced_by))
        .filter_by(cohort_id=g.cohort.id)
        .order_by(Certificate.seq)
    ).all()
    issued = sum(1 for c in rows if c.state == "issued")
    return render_template(
        "certificates/list.html",
        cohort=g.cohort,
        rows=rows,
        issued=issued,
        revoked=len(rows) - issued,
    )


def _reason() -> str:
    return request.form.get("reason", "")


@bp.post(BASE + "/<int:certificate_id>/revoke")
@cohort_role("organizer")
def revoke(cohort_id: int, certificate_id: int):
    certificate = _certificate(certificate_id)
    try:
        ops.revoke(certificate, _reason(), actor=current_user)
        db.session.commit()
    except ops.CertificateError as problem:
        db.session.rollback()
        flash(str(problem), "error")
    except StaleDataError:
        db.session.rollback()
        flash(_("Sertifikat ini baru saja diubah orang lain; muat ulang lalu ulangi."), "error")
    else:
        flash(_("Sertifikat %(number)s dicabut.", number=certificate.number), "success")
    return redirect(url_for(".certificates", cohort_id=cohort_id))


@bp.post(BASE + "/<int:certificate_id>/reissue")
@cohort_role("organizer")
def reissue(cohort_id: int, certificate_id: int):
    certificate = _certificate(certificate_id)
    try:
        new = ops.reissue(certificate, _reason(), actor=current_user)
        db.session.commit()
    except ops.CertificateError as problem:
        db.session.rollback()
        flash(str(problem), "error")
    except StaleDataError:
        db.session.rollback()
        flash(_("Sertifikat ini baru saja diubah orang lain; muat ulang lalu ulangi."), "error")
    else:
        flash(
            _(
                "Sertifikat %(old)s dicabut dan diganti dengan %(new)s.",
                old=certificate.number,
                new=new.number,
            ),
            "success",
        )
    return redirect(url_for(".certificates", cohort_id=cohort_id))


@bp.get(BASE + "/<int:certificate_id>.pdf")
@cohort_role("participant", "organizer")
def download(cohort_id: int, certificate_id: int):
    certificate = _certificate(certificate_id)
    if not _is_organizer() and certificate.user_id != current_user.id:
        abort(403)
    if certificate.revoked:
        # A revoked certificate is never handed out as a document; its record stays visible.
        abort(410)
    data = pdf.render([certificate], _plan())
    return _attachment(data, pdf.file_name(certificate))


def _issued_or_404() -> list[Certificate]:
    """The cohort's valid certificates in number order; 404 when there is none."""
    rows = db.session.scalars(
        db.select(Certificate)
        .filter_by(cohort_id=g.cohort.id, state="issued")
        .order_by(Certificate.seq)
    ).all()
    if not rows:
        abort(404)
    return rows


@bp.get(BASE + "/all.pdf")
@cohort_role("organizer")
def batch_pdf(cohort_id: int):
    data = pdf.render(_issued_or_404(), _plan())
    return _attachment(data, f"sertifikat-{g.cohort.code}-{_stamp()}.pdf")


@bp.get(BASE + "/all.zip")
@cohort_role("organizer")
def batch_zip(cohort_id: int):
    data = pdf.zip_of(_issued_or_404(), _plan())
    name = f"sertifikat-{g.cohort.code}-{_stamp()}.zip"
    return _attachment(data, name, "application/zip")
