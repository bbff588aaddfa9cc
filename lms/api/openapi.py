"""The OpenAPI 3.1 document of ``/api/v1``, generated from the routes by spectree.

Spectree reads each route's pydantic models (request body, query, responses) and validates
requests against them; the document is built from the running app's URL map, so it follows
the code. Spectree's own document and UI pages are not mounted (their pages load scripts from
a CDN); ``/api/v1/openapi.json`` serves :func:`document` instead, which makes the paths
relative to the API root (given in ``servers``), so that the same document is right wherever
the LMS is mounted, and marks error responses ``application/problem+json``.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import current_app, url_for
from pydantic import ValidationError
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData

from lms.api.problems import MEDIA_TYPE, ApiProblem, field_errors, invalid_body
from lms.api.schemas import Problem
from lms.i18n import gettext as _

TITLE = "Kelas Inovasi API"
VERSION = "1.0"
DESCRIPTION = (
    "JSON API of Kelas Inovasi. Authenticate with a personal access token made on the profile "
    "page (`Authorization: Bearer kin_...`); its scopes narrow what the owner may reach, and "
    "the owner's class memberships and region roles decide the rest, as on the pages. A "
    "browser session works too (writing requests then need the `X-CSRFToken` header). Errors "
    "are problem details (RFC 9457) in the language of `Accept-Language` (id or en), else the "
    "account's. Requests are rate limited per token and per address (429 with Retry-After)."
)

#: The path parameters' schemas (spectree only knows the converters).
PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "cohort_id": {"type": "integer", "minimum": 1, "maximum": 2147483647},
    "meeting_id": {"type": "integer", "minimum": 1, "maximum": 2147483647},
    "year": {"type": "integer", "minimum": 2000, "maximum": 2100},
    # As lms.regions.forms.RegionForm allows it.
    "region_code": {"type": "string", "pattern": "^[0-9A-Za-z][0-9A-Za-z.-]{0,19}$"},
    "code": {"type": "string", "pattern": "^[A-Za-z0-9]{1,40}$"},
}


def _before(req: Any, resp: Any, error: Any, _instance: Any, _adapter: Any = None) -> None:
    """A body or query the models refuse is a 422 problem, never spectree's own answer."""
    if req.method in ("POST", "PUT", "PATCH") and not req.is_json:
        raise ApiProblem(
            415,
            "unsupported_media_type",
            _("Kirim isi permintaan sebagai JSON (Content-Type: application/json)."),
        )
    if error is None:
        return
    if req.method in ("POST", "PUT", "PATCH") and req.get_json(silent=True) is None:
        raise invalid_body(
            [
                {
                    "field": "body",
                    "message": field_errors([{"type": "json_invalid"}])[0]["message"],
                    "type": "json_invalid",
                }
            ]
        )
    errors = error.errors() if isinstance(error, ValidationError) else []
    raise invalid_body(field_errors(errors))


def _after(_req: Any, _resp: Any, error: Any, _instance: Any, _adapter: Any = None) -> None:
    """An answer that breaks its own model is our bug: a logged 500 problem (with the request
    id), never spectree's list of validation errors."""
    if error is not None:
        raise RuntimeError(f"API response does not match its model: {error}")


spec = SpecTree(
    "flask",
    title=TITLE,
    version=VERSION,
    description=DESCRIPTION,
    openapi_version="3.1.0",
    mode="strict",
    annotations=True,
    validation_error_status=422,
    validation_error_model=Problem,
    before=_before,
    after=_after,
    naming_strategy=lambda model: model.__name__,
    security_schemes=[
        SecurityScheme(
            name="bearerToken",
            data=SecuritySchemeData(
                type="http",
                scheme="bearer",
                description="A personal access token from the profile page (kin_...).",
            ),
        ),
        SecurityScheme(
            name="session",
            data=SecuritySchemeData(
                type="apiKey",
                name="session",
                field_in="cookie",
                description="The browser session of a signed-in person.",
            ),
        ),
    ],
)


def security(scope: str | None) -> list[dict[str, list[str]]]:
    """A route's security requirement: a token with ``scope``, or the session."""
    return [{"bearerToken": [scope] if scope else []}, {"session": []}]


#: spectree's document, generated once per process, with paths relative to the API root.
_template: dict[str, Any] | None = None


def api_root() -> str:
    return url_for("lms.api.v1.openapi").rsplit("/", 1)[0]


def _relative(raw: dict[str, Any], root: str) -> dict[str, Any]:
    doc = copy.deepcopy(raw)
    paths = {}
    for path, item in doc.get("paths", {}).items():
        if not path.startswith(root + "/"):
            continue
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and parameter["name"] in PATH_PARAMETERS:
                    parameter["schema"] = dict(PATH_PARAMETERS[parameter["name"]])
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content", {})
                if int(status) >= 400 and "application/json" in content:
                    answer["content"] = {MEDIA_TYPE: content["application/json"]}
        paths[path[len(root) :]] = item
    doc["paths"] = dict(sorted(paths.items()))
    return doc


def document() -> dict[str, Any]:
    global _template
    root = api_root()
    if _template is None:
        _template = _relative(spec.spec, root)
    doc = copy.deepcopy(_template)
    doc["servers"] = [{"url": root}]
    session = doc["components"]["securitySchemes"]["session"]
    session["name"] = current_app.config.get("SESSION_COOKIE_NAME", "session")
    return doc


def answers(ok: dict[int, Any], *errors: int, public: bool = False) -> Response:
    """A route's documented answers: its successes, and problem details for 401 (a token that
    does not work), 403 (but on public routes), 429 and ``errors``; spectree adds 422."""
    codes: dict[str, Any] = {f"HTTP_{status}": model for status, model in ok.items()}
    for status in sorted({401, 429, *errors, *(() if public else (403,))}):
        codes[f"HTTP_{status}"] = Problem
    return Response(**codes)
