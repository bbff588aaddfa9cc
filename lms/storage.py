"""The upload store: content-addressed files outside any static folder.

An upload is streamed in chunks to a temporary file inside the store (so the final rename is
atomic), stopped as soon as it passes its byte limit, hashed with SHA-256 on the way, checked
by its *content* (never by its name or the browser's content type), and renamed to
``<store>/<kind>/<sha256[:2]>/<sha256>``. The same content uploaded twice is one file. The
original file name is data for the database only and never part of a path.

The store is ``LMS_UPLOAD_DIR`` (default ``<instance>/uploads``). Downloads go through
:func:`send_stored`, after the route has checked who may see the file.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import abort, current_app, send_file
from flask_babel import format_decimal

from lms.i18n import gettext as _

__all__ = [
    "KINDS",
    "StoredFile",
    "UploadError",
    "detect_kind",
    "download_name_for",
    "kind_of",
    "open_stored",
    "path_of",
    "save_upload",
    "send_stored",
    "store_dir",
]

CHUNK_SIZE = 64 * 1024

#: Known kinds: (MIME type, file name extensions, label shown to people).
KINDS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "pdf": ("application/pdf", (".pdf",), "PDF"),
    "png": ("image/png", (".png",), "PNG"),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg"), "JPG"),
    "webp": ("image/webp", (".webp",), "WebP"),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
        "DOCX",
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (".xlsx",),
        "XLSX",
    ),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (".pptx",),
        "PPTX",
    ),
    "mp4": ("video/mp4", (".mp4",), "MP4"),
}

#: The part of an Office Open XML package that tells which application made it.
_OOXML_MAIN_PART = {
    "word/document.xml": "docx",
    "xl/workbook.xml": "xlsx",
    "ppt/presentation.xml": "pptx",
}
#: ISO base media brands that are still images, not video (HEIC, AVIF photos from phones).
_IMAGE_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}

_KEY_RE = re.compile(r"(?P<kind>[a-z0-9]{2,8})/(?P<prefix>[0-9a-f]{2})/(?P<digest>[0-9a-f]{64})")


class UploadError(ValueError):
    """An upload was refused; the message is for the person who uploaded."""


@dataclass(frozen=True)
class StoredFile:
    #: ``<kind>/<sha256[:2]>/<sha256>``; what the database keeps.
    key: str
    size: int
    kind: str

    @property
    def mimetype(self) -> str:
        return KINDS[self.kind][0]


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def store_dir() -> Path:
    base = current_app.config.get("LMS_UPLOAD_DIR") or str(
        Path(current_app.instance_path) / "uploads"
    )
    return Path(base)


def _megabytes(n: int) -> str:
    return format_decimal(round(n / 1048576, 1))


def allowed_labels(allowed: set[str] | frozenset[str]) -> str:
    """The labels of ``allowed`` in the order of :data:`KINDS`, e.g. "PDF, JPG, PNG, WebP"."""
    return ", ".join(label for kind, (_m, _e, label) in KINDS.items() if kind in allowed)


# --- type by content --------------------------------------------------------------------------


def _kind_of_head(head: bytes) -> str | None:
    """The kind from the first bytes, for everything except zip-based formats."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] not in _IMAGE_BRANDS:
        return "mp4"
    return None


def detect_kind(path: str | os.PathLike[str]) -> str | None:
    """The kind of the file at ``path`` judged by its content, or None when unknown."""
    with open(path, "rb") as f:
        head = f.read(64)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        for part, kind in _OOXML_MAIN_PART.items():
            if part in names:
                return kind
        return None
    return _kind_of_head(head)


def kind_of_bytes(head: bytes) -> str | None:
    """The kind of non-zip content from its first bytes (zip-based formats give None)."""
    return _kind_of_head(head)


# --- saving -------------------------------------------------------------------------------


#: A temporary file this old belongs to an upload whose process was killed.
ABANDONED_SECONDS = 6 * 3600


def _forget_abandoned(tmp_dir: Path) -> None:
    """Delete half-written uploads left by killed processes (no row ever points at them)."""
    limit = time.time() - ABANDONED_SECONDS
    for path in tmp_dir.glob("upload-*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:  # another worker got there first
            pass


def save_upload(stream: _Readable, *, max_bytes: int, allowed: set[str]) -> StoredFile:
    """Store the content of ``stream`` (a file object or werkzeug ``FileStorage``).

    Raises :class:`UploadError` when the content is empty, larger than ``max_bytes`` or not
    one of the ``allowed`` kinds. Nothing is left behind when refused.
    """
    unknown = set(allowed) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kinds: {sorted(unknown)}")
    root = store_dir()
    tmp_dir = root / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    _forget_abandoned(tmp_dir)
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
    tmp_path = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = stream.read(CHUNK_SIZE)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise UploadError(
                        _(
                            "Berkas terlalu besar; batasnya %(limit)s MB.",
                            limit=_megabytes(max_bytes),
                        )
                    )
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise UploadError(_("Berkas kosong."))
        kind = detect_kind(tmp_path)
        if kind is None or kind not in allowed:
            raise UploadError(
                _(
                    "Jenis berkas ini tidak diterima. Yang diterima: %(kinds)s.",
                    kinds=allowed_labels(allowed),
                )
            )
        sha = digest.hexdigest()
        key = f"{kind}/{sha[:2]}/{sha}"
        final = root / key
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.is_file():
            # The same content is stored already: keep that one.
            tmp_path.unlink()
        else:
            os.replace(tmp_path, final)
        return StoredFile(key=key, size=size, kind=kind)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


# --- reading ------------------------------------------------------------------------------


def kind_of(key: str) -> str:
    """The kind part of a valid key; ValueError for anything that is not a store key."""
    match = _KEY_RE.fullmatch(key or "")
    if (
        match is None
        or match["kind"] not in KINDS
        or not match["digest"].startswith(match["prefix"])
    ):
        raise ValueError("not an upload store key")
    return match["kind"]


def path_of(key: str) -> Path:
    """The file of ``key``. Only well-formed keys are accepted, so no key leaves the store."""
    kind_of(key)
    return store_dir() / key


def open_stored(key: str) -> BinaryIO:
    return path_of(key).open("rb")


_UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def download_name_for(original: str, kind: str) -> str:
    """A harmless download name: the original's last part, no control or path characters,
    ending with an extension that matches the content (a PDF named "x.html" becomes
    "x.html.pdf")."""
    name = unicodedata.normalize("NFC", original or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE_NAME_CHARS.sub("_", name).strip(" .")[:150]
    extensions = KINDS[kind][1]
    if not name:
        name = "berkas"
    if not name.lower().endswith(extensions):
        name += extensions[0]
    return name


def send_stored(
    key: str,
    download_name: str,
    mimetype: str | None = None,
    *,
    inline: bool = False,
    public: bool = False,
):
    """The stored file with ``nosniff`` and range requests (a player seeks and streams), as
    an attachment unless ``inline`` (only a video, for the page's player). 404 for a key that
    is not the store's or a file that is gone. ``public``: a response shared caches may keep,
    though never without asking again (unpublishing must take effect at once)."""
    try:
        kind = kind_of(key)
    except ValueError:
        abort(404)
    path = store_dir() / key
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=mimetype or KINDS[kind][0],
        as_attachment=not inline,
        download_name=download_name_for(download_name, kind),
        conditional=True,
        etag=True,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-cache" if public else "private, no-cache"
    return response
