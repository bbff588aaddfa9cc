"""Public verification of a certificate by its code (what the verification page shows)."""

from __future__ import annotations

from datetime import date

from flask import current_app, g

from lms.api import v1
from lms.api.access import api_public
from lms.api.openapi import answers, spec
from lms.api.problems import ApiProblem
from lms.api.schemas import CertificateOut
from lms.certificates import queries as certificate_queries
from lms.certificates.models import KINDS
from lms.certificates.numbering import normalize_code
from lms.extensions import limiter
from lms.i18n import gettext as _

#: One budget with the verification page and its JSON (lms.certificates.views.verify): only
#: unknown codes count, per address; past it every lookup answers 429 until the window passes.
DEFAULT_MISSES = "20 per 10 minutes"


def _miss_limit() -> str:
    return current_app.config.get("LMS_VERIFY_MISSES") or DEFAULT_MISSES


def _missed(_response) -> bool:
    return bool(g.get("lms_verify_missed"))


def _kind_label(kind: str) -> str:
    return {"completion": _("Sertifikat kelulusan"), "attendance": _("Sertifikat kehadiran")}.get(
        kind, kind
    )


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@v1.get("/certificates/<code>")
@api_public
@limiter.shared_limit(_miss_limit, scope="certificate-verify", deduct_when=_missed)
@spec.validate(
    resp=answers({200: CertificateOut}, 404, public=True),
    tags=["certificates"],
    operation_id="verifyCertificate",
    security={},
)
def certificate(code: str):
    """A certificate's verification: valid or revoked, and what it says. Rule: public (no
    token needed). Unknown codes are rate limited per address together with the page."""
    found = certificate_queries.by_code(normalize_code(code))
    if found is None:
        g.lms_verify_missed = True
        raise ApiProblem(
            404,
            "certificate_not_found",
            _("Tidak ada sertifikat dengan kode %(code)s.", code=code[:40]),
        )
    snapshot = found.snapshot or {}
    return CertificateOut(
        code=found.code,
        number=found.number,
        valid=not found.revoked,
        state="revoked" if found.revoked else "issued",
        kind=found.kind if found.kind in KINDS else "completion",
        kind_label=_kind_label(found.kind),
        participant_name=str(snapshot.get("name") or ""),
        cohort_code=str(snapshot.get("cohort_code") or found.cohort.code),
        cohort_name=str(snapshot.get("cohort_name") or found.cohort.name),
        start_date=_day(snapshot.get("start_date")),
        end_date=_day(snapshot.get("end_date")),
        venue=str(snapshot.get("venue") or ""),
        organized_by=str(snapshot.get("organized_by") or ""),
        jp=found.jp,
        qualification=found.qualification or "",
        issued_at=found.issued_dt,
        revoked_at=found.revoked_dt,
        revoke_reason=found.revoke_reason or "",
        replaced_by_number=found.replaced_by.number if found.replaced_by else None,
    )
