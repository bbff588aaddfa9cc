"""Certificate writes: the cohort's plan, issuing with official numbers, revoking, reissuing.
Each function flushes; the caller commits."""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.accounts.civil_service import rank_label
from lms.cohorts.models import Cohort
from lms.db import utcnow
from lms.extensions import db

from .eligibility import Candidate, evaluate
from .models import LAYOUT_FIELDS, Certificate, CertificatePlan

#: No 0/O, 1/I/L: codes are read aloud and typed from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
PATTERN_FIELDS = ("seq", "cohort_code", "year", "month", "month_roman")
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


class CertificateError(ValueError):
    """A refusal with a message for the organizer."""


# --- the plan ---------------------------------------------------------------------------------


def plan_for(cohort: Cohort) -> CertificatePlan:
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
    "logo_key",
    "signature_key",
)


def update_plan(plan: CertificatePlan, values: dict[str, Any], *, actor: Any) -> None:
    """Set the plan's rules, numbering and layout; audited with what changed."""
    before = plan_snapshot(plan)
    for name, value in values.items():
        if name not in PLAN_FIELDS:
            raise ValueError(f"not a plan field: {name}")
        setattr(plan, name, value)
    db.session.flush()
    audit.record_change(
        "certificate.plan", plan, before, plan_snapshot(plan), actor=actor, cohort_id=plan.cohort_id
    )


def pattern_problem(pattern: str) -> str | None:
    """Why a numbering pattern cannot be used (None: it can)."""
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError:
        return _("Pola nomor tidak valid: periksa kurung kurawal { }.")
    names = [name for _text, name, _spec, _conv in parts if name is not None]
    unknown = [n for n in names if n not in PATTERN_FIELDS]
    if unknown:
        return _(
            "Bagian pola yang tidak dikenal: %(names)s. Yang dapat dipakai: %(known)s.",
            names=", ".join("{" + n + "}" for n in unknown),
            known=", ".join("{" + n + "}" for n in PATTERN_FIELDS),
        )
    if "seq" not in names:
        return _("Pola nomor harus memuat {seq} (nomor urut), misalnya {seq:03d}.")
    try:
        format_number(pattern, 1, "KODE", utcnow().date())
    except (ValueError, TypeError):
        return _("Pola nomor tidak valid: format {seq} hanya menerima angka, misalnya {seq:03d}.")
    return None


def format_number(pattern: str, seq: int, cohort_code: str, when: date) -> str:
    return pattern.format(
        seq=seq,
        cohort_code=cohort_code,
        year=when.year,
        month=f"{when.month:02d}",
        month_roman=_ROMAN[when.month - 1],
    )


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """What people type: lower case, spaces and dashes are fine."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


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


def snapshot_of(cohort: Cohort, plan: CertificatePlan, candidate: Candidate) -> dict[str, Any]:
    """What the certificate says, frozen when issued."""
    person = candidate.user
    sign_date = plan.sign_date.date().isoformat() if plan.sign_date else None
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
    overrides: dict[int, str] | None = None,
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
        if not candidate.eligible:
            reason = overrides.get(uid, "")
            if not reason:
                problems.append(
                    _(
                        "%(name)s: %(why)s",
                        name=candidate.user.full_name,
                        why="; ".join(f"{r.label}: {r.detail}" for r in candidate.failed),
                    )
                )
                continue
        chosen.append(candidate)
    unknown = wanted - {c.user.id for c in result.candidates}
    if unknown:
        problems.append(_("%(n)d orang yang dipilih bukan peserta kelas ini.", n=len(unknown)))
    if problems:
        raise CertificateError(
            _(
                "Tidak ada sertifikat yang diterbitkan. Belum memenuhi syarat (isi alasan "
                "pengecualian bila tetap diterbitkan): %(list)s",
                list=" · ".join(problems),
            )
        )
    seq = _next_seq(cohort.id)
    # {year} and {month} are the training's (its last day), whenever the certificate is issued.
    training_date = cohort.end_date or now.date()
    issued: list[Certificate] = []
    for candidate in chosen:
        uid = candidate.user.id
        override = "" if candidate.eligible else overrides[uid]
        certificate = Certificate(
            cohort_id=cohort.id,
            user_id=uid,
            kind=plan.kind,
            seq=seq,
            number=format_number(plan.number_pattern, seq, cohort.code, training_date),
            code=new_code(),
            qualification=candidate.qualification if plan.kind == "completion" else "",
            jp=candidate.jp,
            snapshot=snapshot_of(cohort, plan, candidate),
            override_reason=override,
            issued_dt=now,
            issued_by_id=getattr(actor, "id", None),
        )
        db.session.add(certificate)
        issued.append(certificate)
        seq += 1
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
