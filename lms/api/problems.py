"""Errors of the JSON API as problem details (RFC 9457), in the caller's language.

Every refusal is ``{"type", "title", "status", "detail", "code"}`` with
``Content-Type: application/problem+json``; ``code`` is a stable word for programs (the
offline check-in app reads it), ``detail`` the sentence a person reads. A bad body adds
``errors``: ``[{"field": "marks.0.status", "message": ..., "type": ...}]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Response, current_app
from flask_babel import get_locale

from lms.errors import Conflict, DomainError
from lms.i18n import gettext as _

MEDIA_TYPE = "application/problem+json"
#: Problems that say no more than their status use RFC 9457's "about:blank" type.
PLAIN = frozenset(
    {"not_found", "method_not_allowed", "unsupported_media_type", "too_many_requests"}
)


def problem_type(code: str) -> str:
    """A stable, non-resolvable URI per problem (RFC 9457 suggests tag URIs for those)."""
    if code in PLAIN:
        return "about:blank"
    return f"tag:kelas-inovasi,2025:problem:{code}"


def _titles() -> dict[str, str]:
    return {
        "unauthenticated": _("Perlu token atau sesi masuk"),
        "invalid_token": _("Token tidak berlaku"),
        "insufficient_scope": _("Izin token tidak cukup"),
        "forbidden": _("Akses ditolak"),
        "not_found": _("Tidak ditemukan"),
        "method_not_allowed": _("Metode tidak didukung"),
        "unsupported_media_type": _("Isi permintaan bukan JSON"),
        "invalid_body": _("Isian tidak sah"),
        "csrf": _("Token CSRF tidak sah"),
        "conflict": _("Data sudah berubah"),
        "too_many_requests": _("Terlalu banyak permintaan"),
        "server_error": _("Terjadi kesalahan"),
    }


def _status_codes() -> dict[int, str]:
    return {
        400: "refused",
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "refused",
        415: "unsupported_media_type",
        422: "invalid_body",
        429: "too_many_requests",
    }


def title_of(code: str, status: int) -> str:
    title = _titles().get(code)
    if title:
        return title
    if status >= 500:
        return _("Terjadi kesalahan")
    return _("Permintaan ditolak")


class ApiProblem(Exception):
    """Raised anywhere in an API request; answered as problem details (nothing is written:
    the unit of work rolls back what it does not recognise)."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        title: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors
        self.headers = dict(headers or {})
        self.title = title

    def response(self) -> Response:
        return problem_response(
            self.status,
            self.code,
            self.detail,
            errors=self.errors,
            headers=self.headers,
            title=self.title,
        )


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    errors: Iterable[Mapping[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    title: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": title or title_of(code, status),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = [dict(e) for e in errors]
    if extra:
        body.update(extra)
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE
    )
    response.headers["Content-Language"] = str(get_locale() or "id")
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def code_for_status(status: int) -> str:
    return _status_codes().get(status, "server_error" if status >= 500 else "refused")


#: lms.attendance.operations.CheckInRefused's reasons -> the API's code and status.
CHECKIN_REFUSALS = {
    "code": ("code_invalid", 422),
    "window": ("outside_window", 422),
    "too_late": ("sync_too_late", 422),
    "ahead": ("claimed_in_future", 422),
    "client_id": ("client_id_invalid", 422),
    "participant": ("not_participant", 403),
    "marked": ("marked_by_organizer", 409),
    "client_id_reused": ("client_id_reused", 409),
}


def domain_problem(problem: DomainError, **_view_args: Any) -> Response:
    """The unit of work's answer to a refused write (``render=`` of every API POST)."""
    status = problem.status
    reason = getattr(problem, "reason", None)
    if reason in CHECKIN_REFUSALS:
        code, status = CHECKIN_REFUSALS[reason]
    elif reason:
        code = str(reason)
    else:
        code = "conflict" if isinstance(problem, Conflict) else code_for_status(status)
    errors = None
    if problem.errors:
        errors = [
            {"field": field, "message": message, "type": "refused"}
            for field, messages in problem.errors.items()
            for message in messages
        ]
    return problem_response(status, code, problem.message, errors=errors)


# --- bodies the schemas refused -----------------------------------------------------------


def _messages() -> dict[str, str]:
    """Pydantic's error types -> what a person reads (pydantic's own text is English only)."""
    return {
        "missing": _("Wajib diisi."),
        "extra_forbidden": _("Kolom ini tidak dikenal."),
        "string_type": _("Harus berupa teks."),
        "string_too_short": _("Terlalu pendek."),
        "string_too_long": _("Terlalu panjang."),
        "string_pattern_mismatch": _("Bentuknya tidak sesuai."),
        "int_type": _("Harus bilangan bulat."),
        "int_parsing": _("Harus bilangan bulat."),
        "int_from_float": _("Harus bilangan bulat."),
        "greater_than_equal": _("Terlalu kecil."),
        "less_than_equal": _("Terlalu besar."),
        "bool_type": _("Harus true atau false."),
        "bool_parsing": _("Harus true atau false."),
        "literal_error": _("Pilih salah satu nilai yang tersedia."),
        "enum": _("Pilih salah satu nilai yang tersedia."),
        "datetime_type": _("Harus tanggal dan jam ISO 8601, misalnya 2025-09-05T09:00:00+08:00."),
        "datetime_parsing": _(
            "Harus tanggal dan jam ISO 8601, misalnya 2025-09-05T09:00:00+08:00."
        ),
        "datetime_from_date_parsing": _(
            "Harus tanggal dan jam ISO 8601, misalnya 2025-09-05T09:00:00+08:00."
        ),
        "timezone_aware": _("Sertakan zona waktu, misalnya +08:00 atau Z."),
        "uuid_type": _("Harus UUID, misalnya 0b6f1c7e-3a52-4f0e-9d8e-2f1b7f0c9a11."),
        "uuid_parsing": _("Harus UUID, misalnya 0b6f1c7e-3a52-4f0e-9d8e-2f1b7f0c9a11."),
        "list_type": _("Harus berupa daftar."),
        "too_short": _("Daftar ini terlalu pendek."),
        "too_long": _("Daftar ini terlalu panjang."),
        "model_type": _("Harus berupa objek JSON."),
        "dict_type": _("Harus berupa objek JSON."),
        "model_attributes_type": _("Harus berupa objek JSON."),
        "json_invalid": _("Bukan JSON yang sah."),
        "value_error": _("Nilai tidak sah."),
    }


#: Parts of pydantic's error locations that name a union's member, not a field.
_UNION_TAGS = frozenset({"int", "str", "float", "bool", "none", "uuid", "datetime", "list"})


def _is_field(part: Any) -> bool:
    if isinstance(part, int):
        return True  # an index in a list
    text = str(part)
    return text.isidentifier() and text not in _UNION_TAGS


def field_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Pydantic's errors as ``{"field", "message", "type"}``, translated."""
    messages = _messages()
    found = []
    for error in errors:
        kind = str(error.get("type", "value_error"))
        location = [str(part) for part in error.get("loc", ()) if _is_field(part)]
        message = messages.get(kind, "")
        if kind == "value_error":
            # Our own validators raise ValueError with a message already translated.
            context = error.get("ctx") or {}
            message = str(context.get("error") or "") or messages["value_error"]
        found.append(
            {
                "field": ".".join(location) or "body",
                "message": message or messages["value_error"],
                "type": kind,
            }
        )
    return found


def invalid_body(errors: list[dict[str, str]]) -> ApiProblem:
    fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
    return ApiProblem(
        422,
        "invalid_body",
        _("Isian permintaan tidak sah; periksa: %(fields)s.", fields=fields),
        errors=errors,
    )
