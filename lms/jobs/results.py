"""Result files of jobs, in the upload store's ``jobs/`` folder.

A run writes inside its own folder ``<store>/jobs/tmp/<job id>.<attempt>.<random>/``; once
complete, its result is renamed (atomically: same file system) to ``<store>/jobs/<random 32
hex>``, the key the job row keeps. No partial file is ever under a key, a run that lost its
claim deletes what it wrote, and a killed run's folder is removed by the clean-up
(``tasks.sweep``). Result files are temporary: they expire (``LMS_JOB_RESULT_HOURS``), and
backups leave ``jobs/`` out.
"""

from __future__ import annotations

import contextlib
import mimetypes
import os
import re
import secrets
import shutil
import time
import unicodedata
from pathlib import Path

from flask import abort, send_file

from lms import storage

FOLDER = "jobs"
_KEY_RE = re.compile(r"jobs/[0-9a-f]{32}")
_RUN_RE = re.compile(r"(?P<job>\d+)\.(?P<attempt>\d+)\.[0-9a-f]{16}")
_UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def folder() -> Path:
    return storage.store_dir() / FOLDER


def temp_folder() -> Path:
    path = folder() / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_folder(job_id: int, attempt: int) -> Path:
    """A new folder for one run of a job; everything the run writes stays inside it (a
    backup writes its own temp files beside its result), so one ``rmtree`` cleans up."""
    path = temp_folder() / f"{job_id}.{attempt}.{secrets.token_hex(8)}"
    path.mkdir()
    return path


def path_of(key: str) -> Path:
    """The file of a result key; only well-formed keys, so no key leaves the folder."""
    if not _KEY_RE.fullmatch(key or ""):
        raise ValueError("not a job result key")
    return storage.store_dir() / key


def publish(temp: Path) -> tuple[str, int]:
    """Move a complete temp file under a new key; returns (key, size)."""
    with temp.open("rb") as f:
        os.fsync(f.fileno())
    size = temp.stat().st_size
    key = f"{FOLDER}/{secrets.token_hex(16)}"
    os.utime(temp)  # its age now counts from the publication (see tasks._delete_files)
    os.replace(temp, path_of(key))
    return key, size


def delete(key: str | None) -> None:
    if not key:
        return
    with contextlib.suppress(ValueError):
        path_of(key).unlink(missing_ok=True)


def safe_name(name: str) -> str:
    """A harmless download name: no path or control characters, at most 150 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE_NAME_CHARS.sub("_", name).strip(" .")
    return name[:150] or "hasil"


def send(key: str, name: str):
    """The result as an attachment (never inline), with ``nosniff``; 404 when it is gone."""
    try:
        path = path_of(key)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = send_file(
        path,
        mimetype=mimetype,
        as_attachment=True,
        download_name=name,
        conditional=True,
        etag=True,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def run_folders() -> list[tuple[Path, int | None, int | None]]:
    """Every entry of the temp folder with the job id and attempt its name gives (or None)."""
    found: list[tuple[Path, int | None, int | None]] = []
    tmp = folder() / "tmp"
    if not tmp.is_dir():
        return found
    for path in tmp.iterdir():
        match = _RUN_RE.fullmatch(path.name)
        if match and path.is_dir():
            found.append((path, int(match["job"]), int(match["attempt"])))
        else:
            found.append((path, None, None))
    return found


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def stored_keys() -> list[tuple[str, Path]]:
    """Every published result file as (key, path)."""
    base = folder()
    if not base.is_dir():
        return []
    return [
        (f"{FOLDER}/{path.name}", path)
        for path in base.iterdir()
        if path.is_file() and _KEY_RE.fullmatch(f"{FOLDER}/{path.name}")
    ]


def age_seconds(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0
