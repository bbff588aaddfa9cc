"""Small valid MP4 files of a chosen duration, built in pure Python for tests and benchmarks.

The file is an ``ftyp`` box, a ``moov`` box (``mvhd`` with the timescale and duration, then a
video track and optionally a sound track, each ``trak`` with ``tkhd`` and ``mdia`` holding
``mdhd``, ``hdlr`` and an empty sample table) and an ``mdat`` box that pads the file to the
size asked for. It holds no real frames, but its structure is what players and mutagen read
first, so ``mutagen.mp4.MP4(path).info.length`` gives back the chosen seconds.

    make_mp4(60)                       # bytes, a 60-second video
    make_mp4(90, audio=True)           # with a sound track as well
    make_mp4(30, video=False)          # sound only (an .m4a in disguise)
    write_mp4(path, 240, size=50 * 1024 * 1024)   # streamed to disk, padded to 50 MB
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

TIMESCALE = 1000
#: The identity matrix of ``mvhd`` and ``tkhd`` (16.16 and 2.30 fixed point).
_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
_LANGUAGE_UND = 0x55C4  # "und", packed as three 5-bit letters


def box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def full_box(kind: bytes, version: int, flags: int, payload: bytes) -> bytes:
    return box(kind, struct.pack(">I", (version << 24) | flags) + payload)


def _mvhd(duration: int, next_track: int) -> bytes:
    return full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIII", 0, 0, TIMESCALE, duration)
        + struct.pack(">IH", 0x10000, 0x100)  # rate 1.0, volume 1.0
        + bytes(10)
        + _MATRIX
        + bytes(24)
        + struct.pack(">I", next_track),
    )


def _tkhd(track_id: int, duration: int, *, width: int, height: int, sound: bool) -> bytes:
    return full_box(
        b"tkhd",
        0,
        0x3,  # enabled, in movie
        struct.pack(">IIIII", 0, 0, track_id, 0, duration)
        + bytes(8)
        + struct.pack(">hhHH", 0, 0, 0x100 if sound else 0, 0)
        + _MATRIX
        + struct.pack(">II", width << 16, height << 16),
    )


def _mdhd(duration: int) -> bytes:
    return full_box(
        b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, TIMESCALE, duration, _LANGUAGE_UND, 0)
    )


def _hdlr(handler: bytes, name: bytes) -> bytes:
    return full_box(b"hdlr", 0, 0, struct.pack(">I", 0) + handler + bytes(12) + name + b"\0")


def _minf(sound: bool) -> bytes:
    header = (
        full_box(b"smhd", 0, 0, struct.pack(">hH", 0, 0))
        if sound
        else full_box(b"vmhd", 0, 1, struct.pack(">HHHH", 0, 0, 0, 0))
    )
    dinf = box(
        b"dinf", full_box(b"dref", 0, 0, struct.pack(">I", 1) + full_box(b"url ", 0, 1, b""))
    )
    empty = struct.pack(">I", 0)
    stbl = box(
        b"stbl",
        full_box(b"stsd", 0, 0, empty)
        + full_box(b"stts", 0, 0, empty)
        + full_box(b"stsc", 0, 0, empty)
        + full_box(b"stsz", 0, 0, struct.pack(">II", 0, 0))
        + full_box(b"stco", 0, 0, empty),
    )
    return box(b"minf", header + dinf + stbl)


def _trak(track_id: int, duration: int, *, sound: bool) -> bytes:
    handler, name = (b"soun", b"SoundHandler") if sound else (b"vide", b"VideoHandler")
    width, height = (0, 0) if sound else (1280, 720)
    return box(
        b"trak",
        _tkhd(track_id, duration, width=width, height=height, sound=sound)
        + box(b"mdia", _mdhd(duration) + _hdlr(handler, name) + _minf(sound)),
    )


def header(seconds: float, *, video: bool = True, audio: bool = False) -> bytes:
    """``ftyp`` and ``moov`` of a file lasting ``seconds`` (everything before ``mdat``)."""
    duration = round(seconds * TIMESCALE)
    tracks = b""
    track_id = 1
    if video:
        tracks += _trak(track_id, duration, sound=False)
        track_id += 1
    if audio:
        tracks += _trak(track_id, duration, sound=True)
        track_id += 1
    ftyp = box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isomiso2avc1mp41")
    return ftyp + box(b"moov", _mvhd(duration, track_id) + tracks)


def _mdat_header(total: int, head: int) -> bytes:
    """The ``mdat`` box header that makes the file ``total`` bytes long (at least 8 of mdat)."""
    size = max(total - head, 8)
    return struct.pack(">I", size) + b"mdat"


def make_mp4(seconds: float, *, size: int = 0, video: bool = True, audio: bool = False) -> bytes:
    """The bytes of an MP4 lasting ``seconds``, padded with ``mdat`` to ``size`` bytes."""
    head = header(seconds, video=video, audio=audio)
    mdat = _mdat_header(size, len(head))
    padding = struct.unpack(">I", mdat[:4])[0] - 8
    return head + mdat + bytes(padding)


def write_mp4(
    path: str | os.PathLike[str],
    seconds: float,
    *,
    size: int = 0,
    video: bool = True,
    audio: bool = False,
    chunk: int = 1024 * 1024,
) -> Path:
    """Like :func:`make_mp4`, written to ``path`` in chunks (large sizes stay out of memory).
    The padding is not all zeros, so the file does not compress to nothing on the way."""
    head = header(seconds, video=video, audio=audio)
    mdat = _mdat_header(size, len(head))
    left = struct.unpack(">I", mdat[:4])[0] - 8
    block = (bytes(range(256)) * (chunk // 256 + 1))[:chunk]
    path = Path(path)
    with path.open("wb") as out:
        out.write(head + mdat)
        while left > 0:
            part = block[: min(left, len(block))]
            out.write(part)
            left -= len(part)
    return path
