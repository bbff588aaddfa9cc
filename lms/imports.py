"""Checked import rows waiting between the preview page and the organizer's confirmation.

Every importer (members, attendance marks, meeting schedule) shows all rows first and writes
only when the organizer confirms. The rows wait as JSON in the upload store
(``<LMS_UPLOAD_DIR>/imports/<kind>-<token>.json``) rather than in the session: any worker
behind a load balancer can finish the import, and the cookie stays small.

A preview belongs to one cohort and one organizer: loading it for another gives 404, the
same answer as for a token that was never issued.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

from flask import abort, current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms.validators import ValidationError

from lms import storage

__all__ = [
    "PENDING_MAX_AGE",
    "ImportSizeCheck",
    "import_file_field",
    "discard_pending",
    "expired_message",
    "load_pending",
    "save_pending",
]

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
