"""What an uploaded MP4 holds: its duration (read with mutagen) and whether it has a video track.

:func:`probe` is called on a file already stored by :mod:`lms.storage` (so its content is
known to start like an ISO base media file). It refuses, with a message for the participant,
what cannot be read as MP4, what has no video track and what has no readable duration.

The duration is the longest of: mutagen's ``info.length`` (the first sound track, or the
movie header when there is no sound), the movie header, the fragment header of a fragmented
file, and every video track's own header. A file whose sound track is short but whose pictures
run on therefore cannot slip under the limit.
"""

from __future__ import annotations

import math
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from mutagen.mp4 import MP4

from lms.i18n import gettext as _

__all__ = [
    "DEFAULT_MAX_SECONDS",
    "VideoError",
    "VideoInfo",
    "duration_problem",
    "format_duration",
    "max_seconds_of",
    "probe",
]

#: Five minutes: the innovation-index rule (DOMAIN.md), when a spec gives no maximum.
DEFAULT_MAX_SECONDS = 300
#: A movie box larger than this is not read (a 5-minute phone video's is well under 5 MB).
MOOV_MAX_BYTES = 64 * 1024 * 1024
#: Top-level boxes looked at before giving up on finding ``moov``.
MAX_TOP_LEVEL_BOXES = 1000


class VideoError(ValueError):
    """The file is not a playable MP4 video; the message is for the participant."""


@dataclass(frozen=True)
class VideoInfo:
    #: Seconds.
    duration: float
    #: Handler types of the tracks, e.g. ("vide", "soun").
    tracks: tuple[str, ...]


def _unreadable() -> VideoError:
    return VideoError(
        _(
            "Berkas ini tidak dapat dibaca sebagai video MP4. Simpan atau ekspor ulang sebagai "
            "MP4 (H.264/AAC), lalu unggah lagi."
        )
    )


# --- a small reader for the boxes mutagen does not expose ---------------------------------


def _children(
    data: bytes, start: int = 0, end: int | None = None
) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) of the boxes in ``data[start:end]``."""
    end = len(data) if end is None else end
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        head = 8
        if size == 1:
            if pos + 16 > end:
                raise _unreadable()
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
            head = 16
        elif size == 0:
            size = end - pos
        if size < head or pos + size > end:
            raise _unreadable()
        yield kind, pos + head, pos + size
        pos += size


def _first(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    for found, payload, box_end in _children(data, start, end):
        if found == kind:
            return payload, box_end
    return None


def _read_moov(path: str | os.PathLike[str]) -> bytes:
    size_total = os.path.getsize(path)
    with open(path, "rb") as f:
        pos = 0
        for _i in range(MAX_TOP_LEVEL_BOXES):
            if pos + 8 > size_total:
                break
            f.seek(pos)
            header = f.read(16)
            size, kind = struct.unpack(">I4s", header[:8])
            head = 8
            if size == 1:
                size, head = struct.unpack(">Q", header[8:16])[0], 16
            elif size == 0:
                size = size_total - pos
            if size < head:
                break
            if kind == b"moov":
                if size > MOOV_MAX_BYTES or pos + size > size_total:
                    raise _unreadable()
                f.seek(pos)
                return f.read(size)
            pos += size
    raise _unreadable()


def _duration_of(payload: bytes, *, timescale_at: tuple[int, int], fmt: tuple[str, str]) -> float:
    """Seconds from a full box holding (timescale, duration) at a version-dependent offset."""
    version = payload[0]
    if version not in (0, 1):
        return 0.0
    offset = timescale_at[version]
    timescale, duration = struct.unpack_from(fmt[version], payload, offset)
    return duration / timescale if timescale else 0.0


def _tracks_and_durations(path: str | os.PathLike[str]) -> tuple[tuple[str, ...], list[float]]:
    moov = _read_moov(path)
    _kind, start, end = next(_children(moov))
    handlers: list[str] = []
    durations: list[float] = []
    try:
        for child, payload, child_end in _children(moov, start, end):
            if child == b"mvhd":
                durations.append(
                    _duration_of(moov[payload:child_end], timescale_at=(12, 20), fmt=(">II", ">IQ"))
                )
            elif child == b"mvex":
                mehd = _first(moov, payload, child_end, b"mehd")
                timescale = _movie_timescale(moov, start, end)
                if mehd and timescale:
                    body = moov[mehd[0] : mehd[1]]
                    fragment = struct.unpack_from(">Q" if body[0] == 1 else ">I", body, 4)[0]
                    durations.append(fragment / timescale)
            elif child == b"trak":
                mdia = _first(moov, payload, child_end, b"mdia")
                if mdia is None:
                    continue
                hdlr = _first(moov, *mdia, b"hdlr")
                handler = moov[hdlr[0] + 8 : hdlr[0] + 12] if hdlr else b""
                handlers.append(handler.decode("latin-1"))
                mdhd = _first(moov, *mdia, b"mdhd")
                if handler == b"vide" and mdhd:
                    durations.append(
                        _duration_of(
                            moov[mdhd[0] : mdhd[1]], timescale_at=(12, 20), fmt=(">II", ">IQ")
                        )
                    )
    except (struct.error, IndexError):
        raise _unreadable() from None
    return tuple(handlers), durations


def _movie_timescale(moov: bytes, start: int, end: int) -> int:
    mvhd = _first(moov, start, end, b"mvhd")
    if mvhd is None:
        return 0
    body = moov[mvhd[0] : mvhd[1]]
    return struct.unpack_from(">I", body, 20 if body[0] == 1 else 12)[0]


# --- what views call ----------------------------------------------------------------------


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    """Duration and tracks of the MP4 at ``path``; :class:`VideoError` when it is not a video
    whose duration can be read."""
    try:
        length = float(MP4(path).info.length or 0.0)
    except Exception:  # noqa: BLE001  mutagen meets untrusted bytes: any failure means "unreadable"
        raise _unreadable() from None
    handlers, durations = _tracks_and_durations(path)
    if "vide" not in handlers:
        raise VideoError(
            _(
                "Berkas MP4 ini tidak berisi gambar video (mungkin hanya suara). Unggah berkas "
                "video MP4."
            )
        )
    duration = max([length, *durations])
    if not math.isfinite(duration) or duration <= 0:
        raise VideoError(
            _(
                "Durasi video tidak dapat dibaca. Simpan ulang video sebagai MP4 biasa (misalnya "
                "dengan aplikasi penyunting video di ponsel), lalu unggah lagi."
            )
        )
    return VideoInfo(duration=duration, tracks=handlers)


def whole_seconds(seconds: float) -> int:
    """Seconds as people count them: 299.6 is 5 minutes, 300.4 is still 5 minutes."""
    return int(math.floor(seconds + 0.5))


def format_duration(seconds: float) -> str:
    """ "6 menit 40 detik", "5 menit", "45 detik" (in the current language)."""
    total = whole_seconds(seconds)
    minutes, rest = divmod(total, 60)
    if minutes and rest:
        return _("%(m)d menit %(s)d detik", m=minutes, s=rest)
    if minutes:
        return _("%(m)d menit", m=minutes)
    return _("%(s)d detik", s=rest)


def max_seconds_of(settings: dict | None) -> int:
    """The spec's ``max_duration_seconds``, or five minutes."""
    value = (settings or {}).get("max_duration_seconds")
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return DEFAULT_MAX_SECONDS
    return seconds if seconds > 0 else DEFAULT_MAX_SECONDS


def duration_problem(seconds: float, max_seconds: int) -> str | None:
    """None when the video is short enough, else the message with the measured duration."""
    if whole_seconds(seconds) <= max_seconds:
        return None
    return _(
        "Durasi video %(duration)s; paling lama %(limit)s.",
        duration=format_duration(seconds),
        limit=format_duration(max_seconds),
    )
