"""Checked import rows waiting between the preview page and the organizer's confirmation.

Every importer (members, attendance marks, meeting schedule) shows all rows first and writes
only when the organizer confirms. The rows wait as JSON in the upload store
(``<LMS_UPLOAD_DIR>/imports/<kind>-<token>.json``) rather than in the session: any worker
behind a load balancer can finish the import, and the cookie stays small.

A preview belongs to one cohort and one organizer: loading it for another gives 404, the
same answer as for a token that was never issued.

A view's two steps: after parsing and checking, :func:`preview` (:func:`hold_rows`) keeps the
rows when all are right (the preview page, ``templates/core/_import_preview.html``, posts its
token back); the confirming POST takes them back with :func:`confirmed_rows`, checks them
again against what may have changed, imports them and discards the preview after the commit.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

from flask import abort, current_app, flash
from flask_babel import format_decimal
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms.validators import ValidationError

from lms import storage
from lms.forms import ConfirmForm
from lms.i18n import gettext as _
from lms.lazytext import lazy_gettext as _l
from lms.tabular import ParsedTable

__all__ = [
    "PENDING_MAX_AGE",
    "ImportSizeCheck",
    "confirmed_rows",
    "discard_pending",
    "expired_message",
    "hold_rows",
    "import_file_field",
    "load_pending",
    "preview",
    "save_pending",
]

RowT = TypeVar("RowT")

#: Previews older than this may be deleted when a new one of the same kind is written.
PENDING_MAX_AGE = 24 * 3600
#: Longer than any token we issue (``secrets.token_hex(16)`` is 32 characters).
_TOKEN_MAX = 64


def save_pending(
    kind: str,
    cohort_id: int,
    user_id: int,
    payload: dict[str, Any],
    *,
    forget_older_than: float | None = PENDING_MAX_AGE,
) -> str:
    """Store ``payload`` (JSON-serialisable) for the confirmation step; returns its token.

    Previews of this kind older than ``forget_older_than`` seconds (a day) are deleted first,
    so abandoned previews do not pile up.
    """
    if forget_older_than is not None:
        _forget_old(kind, forget_older_than)
    token = secrets.token_hex(16)
    # The owner is written last so that a payload key can never override it.
    data = {**payload, "kind": kind, "cohort_id": cohort_id, "user_id": user_id}
    _path(kind, token).write_text(json.dumps(data), encoding="utf-8")
    return token


def load_pending(kind: str, token: str, cohort_id: int, user_id: int) -> dict[str, Any] | None:
    """The payload saved under ``token``, or None when it is gone (confirmed or expired).

    Aborts with 404 for a malformed token and for a preview of another cohort or person.
    """
    path = _path(kind, token)
    if not path.is_file():
        return None
    payload = json.loads(path.read_text(encoding="utf-8"))
    owner = (payload.get("kind"), payload.get("cohort_id"), payload.get("user_id"))
    if owner != (kind, cohort_id, user_id):
        abort(404)
    return payload


def expired_message() -> str:
    """What the organizer reads when :func:`load_pending` finds nothing."""
    return _("Pratinjau impor ini sudah tidak berlaku. Unggah berkasnya lagi.")


def discard_pending(kind: str, token: str) -> None:
    """Delete a preview once it is imported (nothing happens when it is already gone)."""
    _path(kind, token).unlink(missing_ok=True)


def hold_rows(kind: str, owner_id: int, parsed: ParsedTable, **payload: Any) -> str | None:
    """The preview's token when every checked row is right: the rows (without their empty
    problem lists) and ``payload`` wait for the signed-in organizer's confirmation. None while
    anything is to fix: nothing waits."""
    if not parsed.ok:
        return None
    rows = [
        {f.name: getattr(row, f.name) for f in fields(row) if f.name != "problems"}
        for row in parsed.rows
    ]
    return save_pending(kind, owner_id, current_user.id, {**payload, "rows": rows})


def preview(
    kind: str,
    owner_id: int,
    parsed: ParsedTable,
    form: Any,
    column_label: Callable[[str | None], str],
    **payload: Any,
) -> dict[str, Any]:
    """What ``templates/core/_import_preview.html`` needs from the view, with the rows held
    (:func:`hold_rows`) when every one is right: ``form`` is the upload form (offered again
    below the problems), ``column_label`` names a column as the file does."""
    return {
        "parsed": parsed,
        "token": hold_rows(kind, owner_id, parsed, **payload),
        "filename": form.file.data.filename,
        "form": form,
        "column_label": column_label,
    }


def confirmed_rows(kind: str, token: str, owner_id: int, row_type: type[RowT]) -> list[RowT] | None:
    """The rows of the preview the organizer confirms, rebuilt as ``row_type`` with no
    problems (for the view to check them again), or None when the preview is gone (the
    organizer is told so). A confirmation without the page's CSRF token is 400."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    payload = load_pending(kind, token, owner_id, current_user.id)
    if payload is None:
        flash(expired_message(), "error")
        return None
    return [row_type(problems=[], **row) for row in payload["rows"]]


def _folder() -> Path:
    path = storage.store_dir() / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _path(kind: str, token: str) -> Path:
    if not (kind.isascii() and kind.isalpha()):
        raise ValueError(f"bad import kind: {kind!r}")
    # The token comes from the URL: only plain letters and digits can never leave the folder.
    if not (token.isascii() and token.isalnum()) or len(token) > _TOKEN_MAX:
        abort(404)
    return _folder() / f"{kind}-{token}.json"


def _forget_old(kind: str, max_age: float) -> None:
    cutoff = time.time() - max_age
    for path in _folder().glob(f"{kind}-*.json"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            # Another worker deleted it first.
            pass


def import_file_field(description: Any) -> FileField:
    """The upload field of an import form (CSV or XLSX)."""
    return FileField(
        _l("Berkas CSV atau XLSX"),
        description=description,
        validators=[FileRequired(_l("Pilih berkas untuk diimpor."))],
    )


class ImportSizeCheck:
    """Mixed into an import form: a file above LMS_IMPORT_MAX_BYTES is refused next to it."""

    def validate_file(self, field: Any) -> None:
        limit = current_app.config["LMS_IMPORT_MAX_BYTES"]
        stream = field.data.stream
        stream.seek(0, 2)
        size = stream.tell()
        stream.seek(0)
        if size > limit:
            raise ValidationError(
                _l(
                    "Berkas terlalu besar (%(size)s MB); batasnya %(limit)s MB.",
                    size=format_decimal(round(size / 1048576, 1)),
                    limit=format_decimal(round(limit / 1048576, 1)),
                )
            )
