"""Certificate writes: plan and settings, issuing with gapless numbers, revoking, reissuing,
and each certificate's own PDF kept in the upload store.

Each function flushes; the unit of work commits."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import audit, storage
from lms.accounts.civil_service import rank_label
from lms.cohorts import operations as cohort_ops
from lms.cohorts.models import Cohort
from lms.db import utcnow
from lms.errors import Conflict, DomainError
from lms.extensions import db
from lms.i18n import gettext as _

from . import eligibility, pdf, qualification
from .eligibility import Candidate
from .models import LAYOUT_FIELDS, Certificate, CertificatePlan
from .numbering import format_number, new_code
from .queries import course_list, evaluate, plan_or_default

#: The organizer's images (stored through lms.storage).
IMAGE_ROLES = ("logo", "signature")
IMAGE_MAX_BYTES = 2 * 1024 * 1024
IMAGE_KINDS = frozenset({"png", "jpeg"})
#: A bigger picture is refused: it would only make every PDF heavy.
IMAGE_MAX_PIXELS = 25_000_000
#: The version of a plan nobody edited yet: made with the defaults by ``plan_for`` (issuing
#: does that too).
UNTOUCHED = 1
#: A certificate's own PDF is far below this (~50 KB); the store's limit for it.
PDF_MAX_BYTES = 20 * 1024 * 1024

log = logging.getLogger(__name__)


class CertificateError(DomainError):
    """A certificate rule refused the action; nothing of it is written."""


# --- the plan ---------------------------------------------------------------------------------


def plan_for(cohort: Cohort) -> CertificatePlan:
    """The cohort's plan, created with the defaults when it has none."""
    plan = db.session.scalar(db.select(CertificatePlan).filter_by(cohort_id=cohort.id))
    if plan is None:
        # Two organizers may create it at the same moment: the loser reads the winner's row.
        try:
            with db.session.begin_nested():
                plan = CertificatePlan.default(cohort.id)
                db.session.add(plan)
        except IntegrityError:
            plan = db.session.scalar(db.select(CertificatePlan).filter_by(cohort_id=cohort.id))
    return plan


def plan_snapshot(plan: CertificatePlan) -> dict[str, Any]:
    """The plan as the audit trail records it."""
    return {
        "kind": plan.kind,
        "min_attendance": plan.min_attendance,
        "required_assignments": list(plan.required_assignments or []),
        "required_courses": list(plan.required_courses or []),
        "number_pattern": plan.number_pattern,
        "title": plan.title,
        "body": plan.body,
        "sign_place": plan.sign_place,
        "sign_date": plan.sign_date.date().isoformat() if plan.sign_date else None,
        "layout": {name: plan.shows(name) for name in LAYOUT_FIELDS},
        "qualification_scheme": qualification.stored(
            qualification.bands(plan.qualification_scheme)
        ),
        "back_page": bool(plan.back_page),
        "logo_key": plan.logo_key,
        "signature_key": plan.signature_key,
    }


#: What ``update_plan`` may change.
PLAN_FIELDS = (
    "kind",
    "min_attendance",
    "required_assignments",
    "required_courses",
    "number_pattern",
    "title",
    "body",
    "sign_place",
    "sign_date",
    "layout",
    "qualification_scheme",
    "back_page",
    "logo_key",
    "signature_key",
)


def update_plan(plan: CertificatePlan, values: Mapping[str, Any], *, actor: Any) -> None:
    """Set the plan's rules, numbering and layout; audited with what changed."""
    before = plan_snapshot(plan)
    for name, value in values.items():
        if name not in PLAN_FIELDS:
            raise ValueError(f"not a plan field: {name}")
        if name == "qualification_scheme" and value is not None:
            value = _checked_scheme(value)
        setattr(plan, name, value)
    db.session.flush()
    audit.record_change(
        "certificate.plan", plan, before, plan_snapshot(plan), actor=actor, cohort_id=plan.cohort_id
    )


def _checked_scheme(rows: Any) -> list[dict[str, Any]]:
    """A scheme as stored, highest first; CertificateError when its labels or minimums do
    not make one (the settings form says so next to each row first)."""
    typed = [(str(row.get("label") or ""), row.get("min")) for row in rows]
    typed = [(label, None if m is None else float(m)) for label, m in typed]
    found = qualification.problems(typed)
    if found:
        messages = [message for row in found.values() for message in row.values()]
        raise CertificateError(" ".join(messages), field="qualifications")
    return qualification.stored(qualification.from_rows(typed))


def _store_image(upload: Any) -> str:
    """Store an uploaded logo or signature; its storage key. Refused (UploadError) when it is
    too large, not a PNG or JPEG, or a picture that cannot be read (nothing is kept then)."""
    data = upload.stream.read(IMAGE_MAX_BYTES + 1)
    if len(data) <= IMAGE_MAX_BYTES and storage.kind_of_bytes(data[:64]) in IMAGE_KINDS:
        from PIL import Image

        try:
            with Image.open(io.BytesIO(data)) as picture:
                width, height = picture.size
                picture.verify()
        except Exception as exc:  # any decoding problem: Pillow raises many kinds
            raise storage.UploadError(
                _("Gambar ini rusak atau tidak dapat dibaca. Simpan ulang sebagai PNG atau JPG.")
            ) from exc
        if width * height > IMAGE_MAX_PIXELS:
            raise storage.UploadError(
                _("Gambar ini terlalu besar (%(w)d × %(h)d piksel).", w=width, h=height)
            )
    stored = storage.save_upload(
        io.BytesIO(data), max_bytes=IMAGE_MAX_BYTES, allowed=set(IMAGE_KINDS)
    )
    return stored.key


def _is_current(seen: int | None, plan: CertificatePlan | None) -> bool:
    """Whether the page was made from the plan as it is now (0: from the defaults, which an
    untouched plan still holds)."""
    if plan is None:
        return seen == 0
    return seen == plan.lock_version or (seen == 0 and plan.lock_version == UNTOUCHED)


def save_settings(
    cohort: Cohort,
    plan: CertificatePlan | None,
    values: Mapping[str, Any],
    *,
    images: Mapping[str, Any],
    seen: int | None,
    actor: Any,
) -> CertificatePlan:
    """The settings page's save: the plan's rules, numbering, texts and images (``images``:
    role -> the upload chosen), and the cohort's own ``excused_counts_as_attended`` (through
    the cohorts module, audited there as a cohort change).

    ``plan`` is the plan the page was made from (None: none was saved) and ``seen`` its
    version then (0: the defaults). Raises Conflict when someone saved in between, and
    CertificateError with the message next to each refused image.
    """
    if not _is_current(seen, plan):
        raise Conflict()
    plan_values = {k: v for k, v in values.items() if k != "excused_counts_as_attended"}
    refused: dict[str, list[str]] = {}
    for role, upload in images.items():
        try:
            plan_values[f"{role}_key"] = _store_image(upload)
        except storage.UploadError as exc:
            refused[role] = [str(exc)]
    if refused:
        raise CertificateError(_("Periksa isian yang ditandai."), errors=refused)
    if plan is None:
        plan = plan_for(cohort)
        # Another organizer may have saved the first plan in the meantime.
        if plan.lock_version != UNTOUCHED:
            raise Conflict()
    update_plan(plan, plan_values, actor=actor)
    excused = values.get("excused_counts_as_attended")
    if excused is not None and cohort.excused_counts_as_attended != bool(excused):
        cohort_ops.update_cohort(cohort, {"excused_counts_as_attended": bool(excused)}, actor=actor)
    return plan


# --- issuing -----------------------------------------------------------------------------------


def _lock_plan(plan: CertificatePlan) -> None:
    """Serialize numbering per cohort: PostgreSQL locks the plan row; SQLite's write
    transactions (BEGIN IMMEDIATE) are serial already."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            db.select(CertificatePlan.id).where(CertificatePlan.id == plan.id).with_for_update()
        )


def _next_seq(cohort_id: int) -> int:
    highest = db.session.scalar(
        db.select(db.func.max(Certificate.seq)).where(Certificate.cohort_id == cohort_id)
    )
    return (highest or 0) + 1


def snapshot_of(
    cohort: Cohort,
    plan: CertificatePlan,
    candidate: Candidate,
    courses: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """What the certificate says, frozen when issued (``courses``: the back page's list,
    :func:`lms.certificates.queries.course_list`)."""
    person = candidate.user
    sign_date = plan.sign_date.date().isoformat() if plan.sign_date else None
    completion = plan.kind == "completion"
    return {
        "name": person.full_name,
        "nip": person.nip or "",
        "rank": rank_label(person.rank),
        "position": person.position,
        "office": person.office,
        "cohort_code": cohort.code,
        "cohort_name": cohort.name,
        "start_date": cohort.start_date.isoformat() if cohort.start_date else None,
        "end_date": cohort.end_date.isoformat() if cohort.end_date else None,
        "venue": cohort.venue or "",
        "locale": cohort.locale,
        "held": candidate.held,
        "attended": candidate.attended,
        "signer_name": cohort.signer_name,
        "signer_title": cohort.signer_title,
        "signer_nip": cohort.signer_nip,
        "signer_rank": rank_label(cohort.signer_rank),
        "organized_by": cohort.organized_by or "",
        "courses": list(courses if courses is not None else course_list(cohort)),
        "qualification_score": getattr(candidate, "qualification_score", None)
        if completion
        else None,
        "qualification_basis": getattr(candidate, "qualification_basis", "") if completion else "",
        "qualification_scheme": qualification.stored(qualification.bands(plan.qualification_scheme))
        if completion
        else [],
        "sign_place": plan.sign_place,
        "sign_date": sign_date or (cohort.end_date.isoformat() if cohort.end_date else None),
        "title": plan.title,
        "body": plan.body,
    }


def _audit_of(certificate: Certificate) -> dict[str, Any]:
    return {
        "number": certificate.number,
        "user_id": certificate.user_id,
        "kind": certificate.kind,
        "state": certificate.state,
        "jp": certificate.jp,
        "qualification": certificate.qualification,
    }


def issue(
    cohort: Cohort,
    user_ids: Iterable[int],
    *,
    actor: Any,
    overrides: Mapping[int, str] | None = None,
    now: datetime | None = None,
) -> list[Certificate]:
    """Certificates for ``user_ids`` who are eligible (or overridden with a written reason) and
    hold no valid certificate yet; numbered in name order, without gaps. Raises
    CertificateError naming who cannot get one; then nothing is issued."""
    now = now or utcnow()
    overrides = {k: v.strip() for k, v in (overrides or {}).items()}
    plan = plan_for(cohort)
    _lock_plan(plan)
    wanted = set(user_ids)
    # Read after the lock: what a concurrent issue committed is seen.
    result = evaluate(cohort, plan, now=now)
    holding = set(
        db.session.scalars(
            db.select(Certificate.user_id).filter_by(cohort_id=cohort.id, state="issued")
        )
    )
    chosen: list[Candidate] = []
    problems: list[str] = []
    for candidate in result.candidates:
        uid = candidate.user.id
        if uid not in wanted or uid in holding:
            continue
        problem = eligibility.why_refused(candidate, overrides.get(uid, ""))
        if problem:
            problems.append(problem)
            continue
        chosen.append(candidate)
    unknown = wanted - {c.user.id for c in result.candidates}
    if unknown:
        problems.append(eligibility.not_participants(len(unknown)))
    if problems:
        raise CertificateError(eligibility.refusal(problems))
    seq = _next_seq(cohort.id)
    # {year} and {month} are the training's (its last day), whenever the certificate is issued.
    training_date = cohort.end_date or now.date()
    courses = course_list(cohort)
    issued: list[Certificate] = []
    for candidate in chosen:
        uid = candidate.user.id
        override = "" if candidate.eligible else overrides[uid]
        certificate = Certificate(
            cohort_id=cohort.id,
            user_id=uid,
            kind=plan.kind,
            state="issued",
            seq=seq,
            number=format_number(plan.number_pattern, seq, cohort.code, training_date),
            code=new_code(),
            qualification=candidate.qualification if plan.kind == "completion" else "",
            jp=candidate.jp,
            snapshot=snapshot_of(cohort, plan, candidate, courses),
            override_reason=override,
            issued_dt=now,
            issued_by_id=getattr(actor, "id", None),
        )
        db.session.add(certificate)
        issued.append(certificate)
        seq += 1
    # Each one's own PDF, made now: what a participant downloads is then a stored file.
    store_pdfs(issued, plan)
    db.session.flush()
    for certificate in issued:
        after = _audit_of(certificate)
        if certificate.override_reason:
            failed = result.of(certificate.user_id).failed
            after["override_reason"] = certificate.override_reason
            after["rules_overridden"] = [f"{r.label}: {r.detail}" for r in failed]
        audit.record(
            "certificate.issue",
            certificate,
            actor=actor,
            after=after,
            cohort_id=cohort.id,
        )
    return issued


def revoke(
    certificate: Certificate, reason: str, *, actor: Any, now: datetime | None = None
) -> None:
    reason = reason.strip()
    if not reason:
        raise CertificateError(_("Tuliskan alasan pencabutan."))
    if certificate.revoked:
        raise CertificateError(_("Sertifikat ini sudah dicabut."))
    before = _audit_of(certificate)
    certificate.state = "revoked"
    certificate.revoked_dt = now or utcnow()
    certificate.revoked_by_id = getattr(actor, "id", None)
    certificate.revoke_reason = reason
    # The stored PDF is drawn again, stamped; the one that looked valid goes.
    previous = certificate.pdf_key
    store_pdfs([certificate], plan_or_default(certificate.cohort))
    if previous and previous != certificate.pdf_key:
        _forget_file(previous)
    db.session.flush()
    audit.record(
        "certificate.revoke",
        certificate,
        actor=actor,
        before=before,
        after={**_audit_of(certificate), "reason": reason},
        cohort_id=certificate.cohort_id,
    )


def reissue(
    certificate: Certificate, reason: str, *, actor: Any, now: datetime | None = None
) -> Certificate:
    """Revoke ``certificate`` and issue the participant a new one with a new number (the
    participant's current data; rules are not checked again, the old certificate stood)."""
    now = now or utcnow()
    revoke(certificate, reason, actor=actor, now=now)
    cohort = certificate.cohort
    plan = plan_for(cohort)
    candidate = evaluate(cohort, plan, now=now).of(certificate.user_id)
    if candidate is None:
        raise CertificateError(_("Orang ini bukan lagi peserta kelas ini."))
    (new,) = issue(
        cohort,
        [certificate.user_id],
        actor=actor,
        overrides={certificate.user_id: _("Terbit ulang: %(reason)s", reason=reason.strip())},
        now=now,
    )
    certificate.replaced_by_id = new.id
    db.session.flush()
    return new


# --- the certificates' own PDFs ----------------------------------------------------------


def store_pdfs(certificates: Sequence[Certificate], plan: CertificatePlan) -> int:
    """Draw each certificate's own PDF (as :mod:`lms.certificates.pdf` draws it now: stamped
    when revoked) and keep it in the upload store, with the fingerprint of what it was
    drawn from; how many were stored. Without an address to print (``LMS_PUBLIC_URL``
    unset, outside a request) none is drawn: downloads draw them then."""
    if not certificates:
        return 0
    if not pdf.addresses_known():
        log.info("LMS_PUBLIC_URL is not set: %d certificate PDFs not stored", len(certificates))
        return 0
    count = 0
    for drawn in pdf.draw_singles(certificates, plan):
        stored = storage.save_upload(
            io.BytesIO(drawn.data), max_bytes=PDF_MAX_BYTES, allowed={"pdf"}
        )
        drawn.certificate.pdf_key = stored.key
        drawn.certificate.pdf_fingerprint = drawn.fingerprint
        count += 1
    return count


#: ``Session.info`` key: stored PDFs to delete once the transaction has committed.
_FORGET = "lms.certificates.forget_files"


def _forget_file(key: str) -> None:
    """Delete a stored PDF no certificate names any more once the transaction commits (a
    rolled-back revocation keeps it; a download whose file is gone draws it afresh)."""
    db.session.info.setdefault(_FORGET, []).append(key)


@sa.event.listens_for(Session, "after_commit")
def _delete_forgotten(session: Session) -> None:
    for key in session.info.pop(_FORGET, []):
        try:
            storage.path_of(key).unlink(missing_ok=True)
        except (OSError, ValueError, RuntimeError):
            log.warning("stored certificate PDF %s could not be deleted", key, exc_info=True)


@sa.event.listens_for(Session, "after_soft_rollback")
def _keep_forgotten(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_FORGET, None)


def refresh_pdfs(cohort: Cohort, *, chunk: int = pdf.CHUNK) -> int:
    """Store again the PDFs of the cohort's certificates (valid and revoked) whose stored PDF
    is missing or out of date (after a new logo or layout, or another ``LMS_PUBLIC_URL``);
    how many. Flushes after each chunk."""
    plan = plan_or_default(cohort)
    stale = [
        certificate
        for certificate in db.session.scalars(
            db.select(Certificate).filter_by(cohort_id=cohort.id).order_by(Certificate.seq)
        )
        if pdf.stored_path(certificate, plan) is None
    ]
    count = 0
    for start in range(0, len(stale), chunk):
        group = stale[start : start + chunk]
        previous = {c.id: c.pdf_key for c in group}
        count += store_pdfs(group, plan)
        db.session.flush()
        for certificate in group:
            old = previous[certificate.id]
            if old and old != certificate.pdf_key:
                _forget_file(old)
    return count
