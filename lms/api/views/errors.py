"""Hooks of ``/api/v1``: the response language first, then every error as problem details."""

from __future__ import annotations

import logging
import time

from flask import Response
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, default_exceptions

from lms.api import v1
from lms.api.access import choose_locale
from lms.api.problems import ApiProblem, code_for_status, problem_response
from lms.extensions import limiter
from lms.i18n import gettext as _

log = logging.getLogger("lms.api")


@v1.record_once
def _exempt_from_csrf(state) -> None:
    """The JSON routes check CSRF themselves, for session requests only (lms.api.access); a
    host's own CSRFProtect is told so too."""
    protect = state.app.extensions.get("csrf")
    if protect is not None:
        protect.exempt(v1)


@v1.before_request
def _language() -> None:
    choose_locale()


@v1.after_request
def _vary(response: Response) -> Response:
    response.vary.update(("Accept-Language", "Authorization", "Cookie"))
    return response


@v1.errorhandler(ApiProblem)
def _api_problem(problem: ApiProblem) -> Response:
    return problem.response()


@v1.errorhandler(RateLimitExceeded)
def _too_many(_exc: RateLimitExceeded) -> Response:
    current = limiter.current_limit
    seconds = max(1, int(current.reset_at - time.time())) if current else 60
    return problem_response(
        429,
        "too_many_requests",
        _(
            "Terlalu banyak permintaan dalam waktu singkat. Tunggu %(seconds)d detik, lalu coba "
            "lagi.",
            seconds=seconds,
        ),
        headers={"Retry-After": str(seconds)},
    )


@v1.errorhandler(CSRFError)
def _csrf(_exc: CSRFError) -> Response:
    return problem_response(
        400,
        "csrf",
        _(
            "Permintaan dengan sesi masuk perlu header X-CSRFToken. Aplikasi lain memakai token "
            "akses pribadi (Authorization: Bearer)."
        ),
    )


def _detail(status: int) -> str:
    return {
        403: _("Anda tidak memiliki hak atas data ini."),
        404: _("Halaman atau data yang dicari tidak ada."),
        405: _("Alamat ini tidak menerima metode itu."),
        413: _("Kiriman melebihi batas ukuran yang diizinkan."),
        415: _("Kirim isi permintaan sebagai JSON (Content-Type: application/json)."),
    }.get(status) or _("Permintaan ini tidak dapat diproses.")


def _http(exc: HTTPException) -> Response:
    status = exc.code or 500
    if status >= 500:
        return _server_error(exc)
    headers = {}
    if status == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    return problem_response(status, code_for_status(status), _detail(status), headers=headers)


def _server_error(exc: BaseException) -> Response:
    from lms import observability

    original = getattr(exc, "original_exception", None)
    if observability.is_database_unavailable(original):
        return observability.database_unavailable_response(original)
    rid = observability.request_id()
    return problem_response(
        500,
        "server_error",
        _("Maaf, terjadi kesalahan di server. Silakan coba lagi."),
        extra={"request_id": rid},
    )


# By status code: the LMS's HTML error pages are registered by code on the outer blueprint,
# and Flask looks for a handler of the code in every blueprint before handlers of a class.
for _code in default_exceptions:
    v1.register_error_handler(_code, _server_error if _code >= 500 else _http)
