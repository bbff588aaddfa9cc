"""Public verification of certificates (no login) and their Open Badges 2.0 documents.

Pages: ``/verify`` (type a code), ``/verify/<code>`` (valid or revoked, what the certificate says).

Open Badges 2.0 with hosted verification, every document served by this app at a stable URL:

- Assertion ``/verify/<code>.json``: ``id`` is that URL; the recipient is the participant's email
  hashed with SHA-256 and a per-certificate salt (the plain email is never published). A revoked
  certificate answers **410 Gone** with a minimal Assertion (``"revoked": true`` and the
  ``revocationReason``): the 1.x convention, and what the 2.0 spec says issuers strip revoked
  hosted Assertions down to.
- BadgeClass ``/badges/<cohort_id>/<kind>.json`` and its SVG image
  ``/badges/<cohort_id>/<kind>.svg``, one per cohort and certificate kind, in the cohort's
  language.
- Issuer ``/badges/issuer.json``: this LMS instance, named by ``LMS_ISSUER_NAME`` (default
  "Kelas Inovasi"), ``url`` the LMS home page, ``email`` from ``LMS_ISSUER_EMAIL`` when set.

Lookups of unknown codes (page or JSON) are rate limited per client address
(``LMS_VERIFY_MISSES``, default 20 per 10 minutes): only misses count, and once the limit is
reached every lookup from that address answers 429 until the window passes, so guessing cannot
continue through the valid answers.

These pages show what the printed certificate shows about the participant (name, not NIP), and
never the email or a user id.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import Response, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_limiter import RateLimitExceeded
from markupsafe import escape

from lms.certificates import bp, queries
from lms.certificates.forms import VerifyForm
from lms.certificates.models import Certificate
from lms.certificates.numbering import normalize_code
from lms.certificates.views._common import kind_label
from lms.cohorts.models import Cohort
from lms.extensions import limiter
from lms.i18n import gettext as _
from lms.security import public
from lms.urls import public_url

OB_CONTEXT = "https://w3id.org/openbadges/v2"
JSON_LD = "application/ld+json"
DEFAULT_ISSUER_NAME = "Kelas Inovasi"
DEFAULT_MISS_LIMIT = "20 per 10 minutes"
KIND_CONVERTER = "any(completion, attendance)"


def _period(start: str | None, end: str | None, locale: str) -> str:
    """ "5 September 2023 – 7 September 2023" from the snapshot's ISO dates."""
    days = [date.fromisoformat(d) for d in (start, end) if d]
    texts = list(dict.fromkeys(format_date(d, "long", locale=locale) for d in days))
    return " – ".join(texts)


# --- the lookup form --------------------------------------------------------------------------


@bp.get("/verify")
@public
def verify_form():
    form = VerifyForm(request.args)
    if "code" in request.args:
        form.validate()
        if not form.code.errors:
            return redirect(url_for("lms.certificates.verify", code=form.code.data))
        return render_template("certificates/verify_form.html", form=form), 400
    return render_template("certificates/verify_form.html", form=form)


# --- misses are rate limited --------------------------------------------------------------------


def _miss_limit() -> str:
    return current_app.config.get("LMS_VERIFY_MISSES", DEFAULT_MISS_LIMIT)


def _missed(_response: Response) -> bool:
    return bool(g.get("lms_verify_missed"))


def _retry_after() -> str:
    current = limiter.current_limit
    seconds = int(current.reset_at - time.time()) if current else 60
    return str(max(1, seconds))


def _blocked_answer(as_json: bool) -> Response:
    message = _(
        "Terlalu banyak kode yang tidak ditemukan dari alamat Anda. Tunggu beberapa menit, "
        "lalu coba lagi."
    )
    if as_json:
        response = _json({"error": "too_many_requests", "message": message}, 429)
    else:
        form = VerifyForm()
        response = current_app.make_response(
            (render_template("certificates/verify_form.html", form=form, blocked=message), 429)
        )
    response.headers["Retry-After"] = _retry_after()
    return response


def _answers_when_blocked(as_json: bool) -> Callable[[Callable], Callable]:
    """Our own 429 page/document instead of the generic one (outside the limiter's wrapper)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            try:
                return view(*args, **kwargs)
            except RateLimitExceeded:
                return _blocked_answer(as_json)

        return wrapper

    return decorator


#: One budget for the page and the JSON: a miss on either counts.
_limit_misses = limiter.shared_limit(_miss_limit, scope="certificate-verify", deduct_when=_missed)


# --- the page ---------------------------------------------------------------------------------


@bp.get("/verify/<code>")
@_answers_when_blocked(as_json=False)
@_limit_misses
@public
def verify(code: str):
    canonical = normalize_code(code)
    if canonical != code and canonical:
        return redirect(url_for("lms.certificates.verify", code=canonical))
    certificate = queries.by_code(code)
    if certificate is None:
        g.lms_verify_missed = True
        form = VerifyForm(data={"code": code})
        form.code.errors = [_("Tidak ada sertifikat dengan kode %(code)s.", code=code)]
        return render_template("certificates/verify_form.html", form=form, not_found=True), 404
    snapshot = certificate.snapshot or {}
    response = current_app.make_response(
        render_template(
            "certificates/verify.html",
            certificate=certificate,
            snapshot=snapshot,
            kind=kind_label(certificate.kind),
            period=_period(
                snapshot.get("start_date"), snapshot.get("end_date"), str(get_locale() or "id")
            ),
            tz=certificate.cohort.timezone,
            issuer_name=_issuer_name(),
        )
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


# --- Open Badges 2.0 --------------------------------------------------------------------------


def _json(data: dict[str, Any], status: int = 200) -> Response:
    response = Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        status=status,
        mimetype=JSON_LD,
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _issuer_name() -> str:
    return current_app.config.get("LMS_ISSUER_NAME") or DEFAULT_ISSUER_NAME


def recipient_salt(certificate: Certificate) -> str:
    """Unique per certificate and stable forever (it is published beside the hash, so it
    needs no secret; a salt derived from SECRET_KEY would change the document on rotation)."""
    return hashlib.sha256(f"openbadges-recipient-salt:{certificate.code}".encode()).hexdigest()[:32]


def recipient_identity(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest()


def assertion_document(certificate: Certificate) -> dict[str, Any]:
    own_id = public_url("lms.certificates.assertion", code=certificate.code)
    if certificate.revoked:
        return {
            "@context": OB_CONTEXT,
            "type": "Assertion",
            "id": own_id,
            "revoked": True,
            "revocationReason": certificate.revoke_reason,
        }
    salt = recipient_salt(certificate)
    return {
        "@context": OB_CONTEXT,
        "type": "Assertion",
        "id": own_id,
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": salt,
            "identity": recipient_identity(certificate.user.email.strip().lower(), salt),
        },
        "badge": public_url(
            "lms.certificates.badge_class",
            cohort_id=certificate.cohort_id,
            kind=certificate.kind,
        ),
        "verification": {"type": "hosted"},
        "issuedOn": certificate.issued_dt.isoformat(timespec="seconds"),
    }


@bp.get("/verify/<code>.json")
@_answers_when_blocked(as_json=True)
@_limit_misses
@public
def assertion(code: str):
    canonical = normalize_code(code)
    if canonical != code and canonical:
        return redirect(url_for("lms.certificates.assertion", code=canonical))
    certificate = queries.by_code(code)
    if certificate is None:
        g.lms_verify_missed = True
        return _json(
            {
                "error": "not_found",
                "message": _("Tidak ada sertifikat dengan kode %(code)s.", code=code),
            },
            404,
        )
    document = assertion_document(certificate)
    response = _json(document, 410 if certificate.revoked else 200)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _cohort_with_kind(cohort_id: int, kind: str) -> Cohort:
    """The cohort, when it has issued (or revoked) at least one certificate of ``kind``."""
    return queries.cohort_with_kind(cohort_id, kind) or abort(404)


def _criteria_narrative(cohort: Cohort, kind: str) -> str:
    plan = queries.existing_plan(cohort)
    minimum = plan.min_attendance if plan is not None else 80.0
    percent = format_decimal(minimum, locale=cohort.locale)
    if kind == "attendance":
        return _("Hadir pada sekurang-kurangnya %(percent)s%% pertemuan kelas.", percent=percent)
    return _(
        "Hadir pada sekurang-kurangnya %(percent)s%% pertemuan kelas dan menyelesaikan tugas "
        "serta materi yang diwajibkan panitia.",
        percent=percent,
    )


def badge_class_document(cohort: Cohort, kind: str) -> dict[str, Any]:
    """In the cohort's language (the language of its certificates), whoever asks."""
    with force_locale(cohort.locale):
        period = _period(
            cohort.start_date.isoformat() if cohort.start_date else None,
            cohort.end_date.isoformat() if cohort.end_date else None,
            cohort.locale,
        )
        name = _("%(kind)s: %(cohort)s", kind=kind_label(kind), cohort=cohort.name)
        description = _(
            "%(kind)s %(cohort)s (%(code)s), %(period)s, diterbitkan oleh %(issuer)s.",
            kind=kind_label(kind),
            cohort=cohort.name,
            code=cohort.code,
            period=period,
            issuer=_issuer_name(),
        )
        narrative = _criteria_narrative(cohort, kind)
    return {
        "@context": OB_CONTEXT,
        "type": "BadgeClass",
        "id": public_url("lms.certificates.badge_class", cohort_id=cohort.id, kind=kind),
        "name": name,
        "description": description,
        "image": public_url("lms.certificates.badge_image", cohort_id=cohort.id, kind=kind),
        "criteria": {"narrative": narrative},
        "issuer": public_url("lms.certificates.issuer"),
    }


@bp.get(f"/badges/<int:cohort_id>/<{KIND_CONVERTER}:kind>.json")
@public
def badge_class(cohort_id: int, kind: str):
    cohort = _cohort_with_kind(cohort_id, kind)
    return _json(badge_class_document(cohort, kind))


_BADGE_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" \
viewBox="0 0 256 256" role="img" aria-label="{label}" xml:lang="{lang}">
<title>{label}</title>
<circle cx="128" cy="128" r="124" fill="#0b5d4b"/>
<circle cx="128" cy="128" r="108" fill="none" stroke="#ffd166" stroke-width="6"/>
<path d="M88 118l28 28 52-60" fill="none" stroke="#ffd166" stroke-width="14" \
stroke-linecap="round" stroke-linejoin="round"/>
<text x="128" y="62" text-anchor="middle" font-family="sans-serif" font-size="20" \
font-weight="700" fill="#fff">{issuer}</text>
<text x="128" y="182" text-anchor="middle" font-family="sans-serif" font-size="{size}" \
font-weight="700" fill="#fff">{code}</text>
<text x="128" y="208" text-anchor="middle" font-family="sans-serif" font-size="14" \
fill="#fff">{kind}</text>
</svg>
"""


@bp.get(f"/badges/<int:cohort_id>/<{KIND_CONVERTER}:kind>.svg")
@public
def badge_image(cohort_id: int, kind: str):
    cohort = _cohort_with_kind(cohort_id, kind)
    with force_locale(cohort.locale):
        label = kind_label(kind)
    svg = _BADGE_SVG.format(
        label=escape(f"{label}: {cohort.name}"),
        lang=escape(cohort.locale),
        issuer=escape(_issuer_name()[:22]),
        code=escape(cohort.code),
        size=22 if len(cohort.code) <= 14 else max(10, 22 * 14 // len(cohort.code)),
        kind=escape(label),
    )
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/badges/issuer.json")
@public
def issuer():
    document: dict[str, Any] = {
        "@context": OB_CONTEXT,
        "type": "Issuer",
        "id": public_url("lms.certificates.issuer"),
        "name": _issuer_name(),
        "url": public_url("lms.core.index"),
    }
    email = current_app.config.get("LMS_ISSUER_EMAIL")
    if email:
        document["email"] = email
    return _json(document)
