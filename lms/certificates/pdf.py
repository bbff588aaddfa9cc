"""Certificate PDFs: a landscape A4 page each, one merged PDF for printing, a ZIP of PDFs.

What a page prints comes from the certificate's ``snapshot`` (frozen at issue: names, NIP,
rank, cohort, dates, signer, and the plan's title and body texts as they were then), in the
snapshot's language; which optional fields print, and the logo and signature images, come
from the cohort's :class:`~lms.certificates.models.CertificatePlan` as it is now.

Decisions:

- A revoked certificate is still drawn (an organizer may print the record) but stamped
  "DICABUT / REVOKED" across the page, in both languages, whatever the cohort's language;
  its QR code leads to the verification page, which says so too.
- The QR code is made by zxing-cpp (C++, ~0.05 ms a code, the mask the standard's penalty
  rules prefer; segno, pure Python, took 4-9 ms a code, most of a batch's time), error
  correction M raised to Q or H when that fits in the same size (as segno's ``boost_error``),
  and drawn as vector rectangles, one per dark run of a row, all in one filled path: no
  image per page, sharp in print, and fast.
- Fonts: the bundled DejaVu Sans (regular and bold), so names and titles with any Latin
  letter print; embedded once per document as one subset. Each process keeps a copy cut down
  to Latin, punctuation and common symbols (:data:`LATIN`, made once, in a temp folder), whose
  subset takes a third of the time to make; a document with any other character is drawn
  with the whole fonts. The widths are the same in both, so is the layout.
- The organizer's images are read, scaled and parsed by fpdf2 once per process (a logo with
  transparency takes tens of milliseconds to decode), then placed into every document.
- JP print as a number and in words, "6 (enam) jam pelajaran" / "6 (six) lesson hours"
  (num2words, Indonesian and English).
- The signer block reads, top to bottom: title (jabatan), the signature, name, rank
  (pangkat/golongan), NIP.
- With the plan's back page on, each certificate is two pages (for duplex printing): the
  front, then the class's courses with their JP as frozen at issue. A certificate issued
  before courses were frozen has no list, so no back page.
- Printed addresses come from ``LMS_PUBLIC_URL`` (:func:`lms.urls.public_url`), never from
  the host the request came in on.
- Batches of any size in flat memory: certificates are drawn :data:`CHUNK` at a time into
  one fpdf2 document each (fonts subset once per chunk). The merged PDF copies each chunk's
  pages into one file as they come (:class:`~lms.certificates.pdfstream.PdfStream`), the ZIP
  is written entry by entry: a certificate's stored PDF (below) is copied from the store, the
  others are cut from their chunk's document with pypdf (~1.5 ms a page, instead of a
  document and a font subset each, ~45 ms).
- Each certificate's own PDF is made when it is issued (and again when it is revoked) and
  kept in the upload store (``Certificate.pdf_key``), with a :func:`fingerprint` of what it
  was drawn from: the snapshot, the plan's layout and images, the verification address, the
  texts of the catalog and this module's :data:`VERSION`. A download whose fingerprint still
  matches is the stored file; after a change (a new logo, another ``LMS_PUBLIC_URL``) the
  certificate is drawn afresh for each download until it is stored again
  (``flask lms certificates store-pdfs``).
"""

from __future__ import annotations

import atexit
import hashlib
import io
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from babel.dates import format_date
from flask import current_app, has_request_context
from flask_babel import force_locale
from fpdf import FPDF
from num2words import num2words

from lms import storage
from lms.accounts.civil_service import format_nip
from lms.i18n import gettext as _
from lms.i18n import ngettext
from lms.pdf import FONT, FONT_DIR
from lms.urls import public_url

from .models import LAYOUT_FIELDS, Certificate, CertificatePlan
from .pdfstream import PdfCutter, PdfStream

__all__ = [
    "Batch",
    "Drawn",
    "batch",
    "draw_singles",
    "file_name",
    "fingerprint",
    "render",
    "split",
    "stored_path",
    "verify_url",
    "write_merged",
    "write_zip",
    "zip_of",
]

log = logging.getLogger(__name__)

UrlForCode = Callable[[str], str]
#: ``progress(done)``: called after each chunk with the number of certificates done so far.
Progress = Callable[[int], None]

#: Bump when the drawing changes: every stored PDF is then drawn again at its next download.
VERSION = 2
#: Certificates drawn into one fpdf2 document of a batch (memory: ~60 KB a certificate).
CHUNK = 200

PAGE_W, PAGE_H = 297.0, 210.0  # landscape A4, mm
CENTER = PAGE_W / 2
#: The text block between the frames, and the zone of the QR code and the signature.
TEXT_WIDTH = 235.0
MIDDLE_BOTTOM = 141.0
QR_X, QR_Y, QR_SIZE = 24.0, 150.0, 32.0
SIGN_X, SIGN_WIDTH = 222.0, 100.0  # the signature block's centre and width
#: The signature block's last baseline (the inner frame is at 199 mm).
SIGN_BOTTOM = 195.0
#: Boxes the organizer's images are fitted into (mm), and the resolution kept of them.
LOGO_BOX = (70.0, 22.0)
SIGNATURE_BOX = (55.0, 20.0)
IMAGE_DPI = 300

NAVY = (23, 52, 94)
INK = (30, 30, 30)
GREY = (95, 95, 95)
RED = (200, 20, 30)
REVOKED_STAMP = "DICABUT / REVOKED"  # both languages on purpose: it must never be missed
PT = 25.4 / 72  # mm per point
_DARK_RUN = re.compile(rb"[\x01-\xff]+")


def addresses_known() -> bool:
    """Whether verification addresses can be printed here: ``LMS_PUBLIC_URL`` is set, or
    a request gives the host (development)."""
    return bool((current_app.config.get("LMS_PUBLIC_URL") or "").strip()) or (has_request_context())


def verify_url(code: str) -> str:
    """The public verification page of ``code`` (the QR code leads there)."""
    return public_url("lms.certificates.verify", code=code)


def grouped(code: str) -> str:
    """ "ABCDEFGHJKMN" -> "ABCD-EFGH-JKMN": easier to read aloud and to type from paper."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


# --- words and dates ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Words:
    """The page's texts in one language (looked up once per batch and language)."""

    title_completion: str
    title_attendance: str
    number: str
    awarded_to: str
    completed: str
    attended: str
    held_on_at: str
    held_on: str
    held_at: str
    by_on_at: str
    by_on: str
    by_at: str
    by: str
    organized_by_line: str
    #: "sebanyak %(hours)s jam pelajaran" for one hour and for several.
    hours_one: str
    hours_many: str
    qualification: str
    hours_line_one: str
    hours_line_many: str
    qualification_line: str
    courses_title: str
    course_number: str
    course_title: str
    course_jp: str
    courses_total: str
    back_of: str
    nip: str
    rank: str
    position: str
    office: str
    scan: str


def _words(locale: str) -> _Words:
    with force_locale(locale):
        return _Words(
            title_completion=_("SERTIFIKAT"),
            title_attendance=_("SERTIFIKAT KEHADIRAN"),
            number=_("Nomor: %(number)s"),
            awarded_to=_("Diberikan kepada"),
            completed=_("telah mengikuti %(training)s"),
            attended=_("telah menghadiri %(training)s"),
            held_on_at=_("yang diselenggarakan pada %(dates)s di %(venue)s"),
            held_on=_("yang diselenggarakan pada %(dates)s"),
            held_at=_("yang diselenggarakan di %(venue)s"),
            by_on_at=_("yang diselenggarakan oleh %(agency)s pada %(dates)s di %(venue)s"),
            by_on=_("yang diselenggarakan oleh %(agency)s pada %(dates)s"),
            by_at=_("yang diselenggarakan oleh %(agency)s di %(venue)s"),
            by=_("yang diselenggarakan oleh %(agency)s"),
            organized_by_line=_("Diselenggarakan oleh %(agency)s."),
            # ngettext formats at once: the placeholder is handed back for each page's words.
            hours_one=ngettext(
                "sebanyak %(hours)s jam pelajaran",
                "sebanyak %(hours)s jam pelajaran",
                1,
                hours="%(hours)s",
            ),
            hours_many=ngettext(
                "sebanyak %(hours)s jam pelajaran",
                "sebanyak %(hours)s jam pelajaran",
                2,
                hours="%(hours)s",
            ),
            qualification=_("dengan kualifikasi %(qualification)s"),
            hours_line_one=ngettext(
                "Lama pelatihan: %(hours)s jam pelajaran",
                "Lama pelatihan: %(hours)s jam pelajaran",
                1,
                hours="%(hours)s",
            ),
            hours_line_many=ngettext(
                "Lama pelatihan: %(hours)s jam pelajaran",
                "Lama pelatihan: %(hours)s jam pelajaran",
                2,
                hours="%(hours)s",
            ),
            qualification_line=_("Kualifikasi: %(qualification)s"),
            courses_title=_("Daftar mata pelatihan"),
            course_number=_("No."),
            course_title=_("Mata pelatihan"),
            course_jp=_("JP"),
            courses_total=_("Jumlah"),
            back_of=_("Lampiran sertifikat nomor %(number)s atas nama %(name)s"),
            nip=_("NIP"),
            rank=_("Pangkat/golongan"),
            position=_("Jabatan"),
            office=_("Unit kerja"),
            scan=_("Pindai kode QR atau buka alamat di bawah untuk memeriksa keaslian sertifikat."),
        )


@lru_cache(maxsize=256)
def hours_in_words(jp: int, locale: str) -> str:
    """ "6 (enam)" in Indonesian, "6 (six)" in English: JP as a certificate writes them."""
    lang = "en" if str(locale).startswith("en") else "id"
    return f"{jp} ({num2words(int(jp), lang=lang)})"


@lru_cache(maxsize=512)
def _date_text(iso: str | None, locale: str) -> str:
    if not iso:
        return ""
    try:
        return format_date(date.fromisoformat(iso), "d MMMM y", locale=locale)
    except ValueError:
        return iso


@lru_cache(maxsize=512)
def _dates_text(start: str | None, end: str | None, locale: str) -> str:
    """ "7 September 2023", "5–7 September 2023", "30 Agustus – 2 September 2023"."""
    if not start or not end or start == end:
        return _date_text(start or end, locale)
    try:
        a, b = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        return f"{start} – {end}"
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}–{format_date(b, 'd MMMM y', locale=locale)}"
    if a.year == b.year:
        return f"{format_date(a, 'd MMMM', locale=locale)} – {_date_text(end, locale)}"
    return f"{_date_text(start, locale)} – {_date_text(end, locale)}"


def _clean(text: Any) -> str:
    """One line of printable text: no control characters, single spaces."""
    return " ".join("".join(c if c >= " " else " " for c in str(text or "")).split())


# --- fonts, images and QR codes: prepared once per process ----------------------------------

#: What the cut-down certificate fonts hold: Latin letters with every accent (precomposed and
#: combining), spacing modifiers, punctuation, currency and letter-like signs, Roman numerals,
#: arrows and the few mathematical and other signs a title or a text may use.
LATIN = frozenset(
    [
        *range(0x20, 0x7F),
        *range(0xA0, 0x250),
        *range(0x2B0, 0x370),
        *range(0x1E00, 0x1F00),
        *range(0x2000, 0x2070),
        *range(0x20A0, 0x20C1),
        *range(0x2100, 0x2190),
        *range(0x2190, 0x219A),
        0x2022, 0x2212, 0x2215, 0x2219, 0x221A, 0x221E, 0x2248, 0x2260, 0x2264, 0x2265,
        0x25A0, 0x25CB, 0x25CF, 0x2605, 0x2713, 0x2714,
    ]
)  # fmt: skip


@dataclass(frozen=True)
class _Fonts:
    regular: Path
    bold: Path
    #: The code points the fonts draw (None: all of DejaVu's).
    covers: frozenset[int] | None

    def draw(self, chars: set[int]) -> bool:
        return self.covers is None or chars <= self.covers


_FULL_FONTS = _Fonts(FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf", None)
_fonts_lock = threading.Lock()
_latin: _Fonts | None = None


def _cut_down(source: Path, target: Path) -> frozenset[int]:
    """Save the glyphs of :data:`LATIN` that ``source`` has as ``target``; their code
    points."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options(
        notdef_outline=True,
        recommended_glyphs=True,
        glyph_names=True,  # fpdf2 subsets again by glyph name
        name_IDs=["*"],
        layout_features=[],
    )
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "FFTM", "hdmx", "MATH"]
    font = TTFont(source)
    covered = frozenset(LATIN & set(font.getBestCmap()))
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=sorted(covered))
    cutter.subset(font)
    temp = target.with_suffix(".part")
    font.save(temp)
    os.replace(temp, target)
    return covered


_FONTS_PREFIX = "lms-certificate-fonts-"


def _remove_folder(folder: Path, owner: int) -> None:
    if os.getpid() == owner:  # not a forked child's: the parent still uses it
        shutil.rmtree(folder, ignore_errors=True)


def _forget_dead_folders(parent: Path) -> None:
    """Remove the font folders of processes that were killed (no exit handler ran)."""
    for folder in parent.glob(f"{_FONTS_PREFIX}*-*"):
        pid = folder.name[len(_FONTS_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            if folder.stat().st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # alive (another user's signal refused), or gone meanwhile
            continue


def _latin_fonts() -> _Fonts:
    """The cut-down fonts of this process (made at the first certificate: ~0.5 s)."""
    global _latin
    found = _latin
    if found is not None and found.regular.is_file() and found.bold.is_file():
        return found
    with _fonts_lock:
        found = _latin
        if found is None or not (found.regular.is_file() and found.bold.is_file()):
            folder = Path(tempfile.mkdtemp(prefix=f"{_FONTS_PREFIX}{os.getpid()}-"))
            atexit.register(_remove_folder, folder, os.getpid())
            _forget_dead_folders(folder.parent)
            regular, bold = folder / "DejaVuSans-Latin.ttf", folder / "DejaVuSans-Bold-Latin.ttf"
            covers = _cut_down(_FULL_FONTS.regular, regular) & _cut_down(_FULL_FONTS.bold, bold)
            found = _latin = _Fonts(regular, bold, covers)
    return found


def _fonts_for(chars: set[int]) -> _Fonts:
    latin = _latin_fonts()
    return latin if latin.draw(chars) else _FULL_FONTS


@dataclass(frozen=True, eq=False)
class _Image:
    data: bytes
    #: Pixel size, for fitting the image into its box.
    width: int
    height: int
    #: fpdf2's parsed image (its name and info: the decoded, compressed pixels), made once
    #: and copied into each document.
    name: str = ""
    info: dict[str, Any] = field(default_factory=dict)
    icc: bytes | None = None


def _parsed(data: bytes) -> tuple[str, Any, bytes | None]:
    """fpdf2's reading of an image: its name, its info and its ICC profile."""
    from fpdf.image_parsing import preload_image

    cache = FPDF().image_cache
    name, _img, info = preload_image(cache, io.BytesIO(data))
    iccp = info.get("iccp_i")
    icc = next((p for p, n in cache.icc_profiles.items() if n == iccp), None)
    return name, info, icc


def _load_image(key: str | None, box: tuple[float, float]) -> _Image | None:
    """A stored PNG or JPEG, upright, and no larger than ``box`` (mm) needs at IMAGE_DPI;
    None (and a warning in the log) when the key is empty, the file is missing or is not
    a PNG or JPEG. Keys name their content, so what is read is kept for the process."""
    if not key:
        return None
    found = _images.get((key, box))
    if found is not None:
        return found
    image = _read_image(key, box)
    if image is not None:
        if len(_images) >= 32:
            _images.clear()
        _images[(key, box)] = image
    return image


_images: dict[tuple[str, tuple[float, float]], _Image] = {}


def _read_image(key: str, box: tuple[float, float]) -> _Image | None:
    from PIL import Image, ImageOps

    try:
        path = storage.path_of(key)
        if storage.detect_kind(path) not in ("png", "jpeg"):
            log.warning("certificate image %s is not a PNG or JPEG: left out", key)
            return None
        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened)
            changed = image is not opened
            # Pixels of the image fitted into the box, printed at IMAGE_DPI.
            fit = min(box[0] / image.width, box[1] / image.height) * IMAGE_DPI / 25.4
            if fit < 1:
                image.thumbnail(
                    (max(1, round(image.width * fit)), max(1, round(image.height * fit)))
                )
                changed = True
            if changed:
                out = io.BytesIO()
                if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
                    image = image.convert("RGB")
                image.save(out, format="PNG")
                data = out.getvalue()
            width, height = image.size
        return _Image(data, width, height, *_parsed(data))
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        log.warning("certificate image %s cannot be used (%s): left out", key, error)
        return None


_INVERT = bytes([1] + [0] * 255)  # zxing's image: 0 is dark; our rows: 1 is dark


@dataclass(frozen=True)
class _Qr:
    #: Rows of modules, 1 dark and 0 light, without the quiet zone.
    matrix: tuple[bytes, ...]
    error: str


def _qr_of(url: str, error: str) -> _Qr:
    import zxingcpp

    code = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level=error)
    image = memoryview(code.to_image(scale=1, add_quiet_zones=False))
    height, width = image.shape
    pixels = image.tobytes().translate(_INVERT)
    return _Qr(tuple(pixels[r * width : (r + 1) * width] for r in range(height)), error)


@lru_cache(maxsize=2048)
def qr_code(url: str) -> _Qr:
    """The QR code of ``url``: error correction M, or Q or H when they fit in as many
    modules."""
    medium = _qr_of(url, "M")
    for error in ("H", "Q"):
        stronger = _qr_of(url, error)
        if len(stronger.matrix) == len(medium.matrix):
            return stronger
    return medium


# --- the document ---------------------------------------------------------------------------

#: Text widths in thousandths of the font size by (text, style): the same words come back on
#: every page of every document (both sets of fonts have the same widths).
_UNITS: dict[tuple[str, str], int] = {}


class CertificatePdf(FPDF):
    """Landscape A4 pages with the certificate fonts, and the few drawing helpers a
    certificate needs."""

    def __init__(self, fonts: _Fonts | None = None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        fonts = fonts or _FULL_FONTS
        self.add_font(FONT, "", fonts.regular)
        self.add_font(FONT, "B", fonts.bold)
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)
        self.set_creator("Kelas Inovasi")
        self._widths = {style: self.fonts[f"{FONT.lower()}{style}"].cw for style in ("", "B")}

    # measuring and wrapping (glyph widths straight from the font: fast, exact)

    def units(self, text: str, style: str) -> int:
        """The width of ``text`` in thousandths of the font size."""
        key = (text, style)
        found = _UNITS.get(key)
        if found is None:
            if len(_UNITS) > 20_000:
                _UNITS.clear()
            widths = self._widths[style]
            found = _UNITS[key] = sum(widths[ord(c)] for c in text)
        return found

    def width(self, text: str, style: str, size: float) -> float:
        return self.units(text, style) * size * 0.001 * PT

    def wrap(self, text: str, style: str, size: float, width: float) -> list[str]:
        """Lines no wider than ``width`` mm, broken between words (a word longer than a line
        is cut)."""
        limit = width / (size * 0.001 * PT)  # in font units
        space = self.units(" ", style)
        lines: list[str] = []
        current: list[str] = []
        used = 0
        for word in text.split():
            w = self.units(word, style)
            if current and used + space + w <= limit:
                current.append(word)
                used += space + w
                continue
            if current:
                lines.append(" ".join(current))
            while w > limit and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and self.units(word[:cut], style) > limit:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                w = self.units(word, style)
            current, used = [word], w
        if current or not lines:
            lines.append(" ".join(current))
        return lines

    def put(
        self,
        text: str,
        y: float,
        *,
        style: str = "",
        size: float = 12,
        x: float = CENTER,
        align: str = "C",
        color: tuple[int, int, int] = INK,
    ) -> None:
        """One line of text with its baseline at ``y``; ``x`` is its centre (align "C"), its
        left edge ("L") or its right edge ("R")."""
        if not text:
            return
        self.set_font(FONT, style, size)
        self.set_text_color(*color)
        if align == "C":
            x -= self.width(text, style, size) / 2
        elif align == "R":
            x -= self.width(text, style, size)
        self.text(x, y, text)

    # drawing

    def frame(self) -> None:
        self.set_draw_color(*NAVY)
        self.set_line_width(1.2)
        self.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
        self.set_line_width(0.3)
        self.rect(11, 11, PAGE_W - 22, PAGE_H - 22)

    def qr(self, matrix: Sequence[Sequence[int]], x: float, y: float, size: float) -> None:
        """The QR modules as one filled path of rectangles, one per dark run of a row (no
        quiet zone is drawn: the page around it is white)."""
        module = size / len(matrix) * self.k  # in points, as the content stream wants
        left, top = x * self.k, (self.h - y) * self.k
        ops = ["q 0 g"]
        for r, row in enumerate(matrix):
            upper = top - r * module
            for run in _DARK_RUN.finditer(bytes(row)):
                start, end = run.span()
                ops.append(
                    f"{left + start * module:.3f} {upper:.3f} "
                    f"{(end - start) * module:.3f} {-module:.3f} re"
                )
        ops.append("f Q")
        self._out("\n".join(ops))

    def picture(self, image: _Image, box: tuple[float, float], cx: float, top: float) -> float:
        """``image`` fitted into ``box`` (w, h mm), centred on ``cx``; its height in mm.

        The image is stored once per document, from what fpdf2 parsed of it once per
        process."""
        scale = min(box[0] / image.width, box[1] / image.height)
        w, h = image.width * scale, image.height * scale
        images = self.image_cache.images
        if image.name not in images:
            info = type(image.info)(image.info, i=len(images) + 1, usages=0)
            if image.icc is not None:
                profiles = self.image_cache.icc_profiles
                info["iccp_i"] = profiles.setdefault(image.icc, len(profiles))  # type: ignore[arg-type]
            images[image.name] = info
        self.image(image.name, x=cx - w / 2, y=top, w=w, h=h)
        return h

    def stamp_revoked(self) -> None:
        with self.local_context(fill_opacity=0.35), self.rotation(22, CENTER, PAGE_H / 2):
            self.put(REVOKED_STAMP, PAGE_H / 2 + 8, style="B", size=64, color=RED)


# --- one page -------------------------------------------------------------------------------


@dataclass
class _Line:
    text: str
    style: str
    size: float
    #: Space before the line (mm) and the line's own height.
    before: float
    height: float
    #: A facts row: label text; ``text`` is then the value.
    label: str | None = None


@dataclass
class _Page:
    """What one certificate says, as texts ready to lay out."""

    title: str
    number: str
    awarded_to: str
    name: str
    facts: list[tuple[str, str]]
    body: str
    extra: str
    place_date: str
    signer_title: str
    signer_name: str
    signer_rank: str
    signer_nip: str
    scan: str
    code: str
    url: str
    revoked: bool
    #: The back page, when it is printed: its heading line and (number, title, JP) rows.
    back: _Back | None = None


@dataclass
class _Back:
    title: str
    of: str
    headers: tuple[str, str, str]
    rows: list[tuple[str, str, str]]
    total: tuple[str, str]


def _hours(words: _Words, jp: int, locale: str, *, line: bool = False) -> str:
    one, many = (
        (words.hours_line_one, words.hours_line_many)
        if line
        else (words.hours_one, words.hours_many)
    )
    return (one if jp == 1 else many) % {"hours": hours_in_words(jp, locale)}


def _held(words: _Words, agency: str, dates: str, venue: str) -> str:
    if agency:
        if dates and venue:
            return words.by_on_at % {"agency": agency, "dates": dates, "venue": venue}
        if dates:
            return words.by_on % {"agency": agency, "dates": dates}
        if venue:
            return words.by_at % {"agency": agency, "venue": venue}
        return words.by % {"agency": agency}
    if dates and venue:
        return words.held_on_at % {"dates": dates, "venue": venue}
    if dates:
        return words.held_on % {"dates": dates}
    if venue:
        return words.held_at % {"venue": venue}
    return ""


def _back_of(certificate: Certificate, words: _Words, name: str) -> _Back | None:
    """The back page's table from the snapshot's courses (None without a list)."""
    courses = [c for c in (certificate.snapshot or {}).get("courses") or [] if c.get("title")]
    if not courses:
        return None
    rows = [
        (f"{n}.", _clean(course.get("title")), str(int(course.get("jp") or 0)))
        for n, course in enumerate(courses, 1)
    ]
    total = sum(int(course.get("jp") or 0) for course in courses)
    return _Back(
        title=words.courses_title,
        of=words.back_of % {"number": certificate.number, "name": name},
        headers=(words.course_number, words.course_title, words.course_jp),
        rows=rows,
        total=(words.courses_total, str(total)),
    )


def _page_of(
    certificate: Certificate, plan: CertificatePlan, words: _Words, locale: str, url: str
) -> _Page:
    s = certificate.snapshot or {}
    facts: list[tuple[str, str]] = []
    for key, label, value in (
        ("nip", words.nip, format_nip(_clean(s.get("nip")))),
        ("rank", words.rank, _clean(s.get("rank"))),
        ("position", words.position, _clean(s.get("position"))),
        ("office", words.office, _clean(s.get("office"))),
    ):
        if value and plan.shows(key):
            facts.append((label, value))
    jp = certificate.jp if plan.shows("jp") and certificate.jp else 0
    qualification = _clean(certificate.qualification) if plan.shows("qualification") else ""

    # The frozen texts; an older snapshot without them takes the plan's.
    title = _clean(s.get("title", plan.title))
    body = _clean(s.get("body", plan.body))
    attendance = certificate.kind == "attendance"
    if not title:
        title = words.title_attendance if attendance else words.title_completion
    extra = ""
    agency = _clean(s.get("organized_by"))
    if not body:
        training = _clean(s.get("cohort_name"))
        dates = _dates_text(s.get("start_date"), s.get("end_date"), locale)
        venue = _clean(s.get("venue"))
        parts = [(words.attended if attendance else words.completed) % {"training": training}]
        parts.append(_held(words, agency, dates, venue))
        if jp:
            parts.append(_hours(words, jp, locale))
        if qualification:
            parts.append(words.qualification % {"qualification": qualification})
        body = " ".join(p for p in parts if p) + "."
    else:
        # The organizer's own text stands; who organised it and the facts follow it.
        if agency:
            body = f"{body} {words.organized_by_line % {'agency': agency}}"
        extra = " · ".join(
            [_hours(words, jp, locale, line=True)] * bool(jp)
            + [words.qualification_line % {"qualification": qualification}] * bool(qualification)
        )
    place = _clean(s.get("sign_place"))
    when = _date_text(s.get("sign_date"), locale)
    nip = format_nip(_clean(s.get("signer_nip")))
    return _Page(
        title=title,
        number=words.number % {"number": certificate.number},
        awarded_to=words.awarded_to,
        name=_clean(s.get("name")),
        facts=facts,
        body=body,
        extra=extra,
        place_date=", ".join(p for p in (place, when) if p),
        signer_title=_clean(s.get("signer_title")),
        signer_name=_clean(s.get("signer_name")),
        signer_rank=_clean(s.get("signer_rank")),
        signer_nip=f"{words.nip} {nip}" if nip else "",
        scan=words.scan,
        code=grouped(certificate.code),
        url=url,
        revoked=certificate.state == "revoked",
        back=_back_of(certificate, words, _clean(s.get("name"))) if plan.back_page else None,
    )


LABEL_WIDTH = 42.0
FACTS_WIDTH = 190.0


def _middle(pdf: CertificatePdf, page: _Page, scale: float) -> list[_Line]:
    """The lines between the title and the signature zone at font scale ``scale``."""
    lines = [_Line(page.awarded_to, "", 12 * scale, 0, 6 * scale)]
    # The name: as large as fits on one line, else on two or more lines.
    size, name_lines = 26 * scale, [page.name]
    while size > 17 * scale and pdf.width(page.name, "B", size) > TEXT_WIDTH:
        size -= 1
    if pdf.width(page.name, "B", size) > TEXT_WIDTH:
        name_lines = pdf.wrap(page.name, "B", size, TEXT_WIDTH)
        while len(name_lines) > 2 and size > 12 * scale:
            size -= 1
            name_lines = pdf.wrap(page.name, "B", size, TEXT_WIDTH)
    for n, text in enumerate(name_lines):
        lines.append(_Line(text, "B", size, (3 * scale) if n == 0 else 0, size * PT * 1.25))
    size = 10.5 * scale
    for n, (label, value) in enumerate(page.facts):
        value_width = FACTS_WIDTH - LABEL_WIDTH - 4
        for i, text in enumerate(pdf.wrap(value, "", size, value_width)):
            lines.append(
                _Line(
                    text,
                    "",
                    size,
                    (4 * scale if n == 0 else 0.6 * scale) if i == 0 else 0,
                    size * PT * 1.3,
                    label=label if i == 0 else "",
                )
            )
    size = 12 * scale
    for n, text in enumerate(pdf.wrap(page.body, "", size, TEXT_WIDTH)):
        lines.append(_Line(text, "", size, 5 * scale if n == 0 else 0, size * PT * 1.4))
    if page.extra:
        for n, text in enumerate(pdf.wrap(page.extra, "B", 11 * scale, TEXT_WIDTH)):
            lines.append(_Line(text, "B", 11 * scale, 2.5 * scale if n == 0 else 0, 5.5 * scale))
    return lines


def _draw(
    pdf: CertificatePdf, page: _Page, qr: Any, logo: _Image | None, sign: _Image | None
) -> None:
    pdf.add_page(orientation="L")
    pdf.frame()
    y = 16.0
    if logo is not None:
        y += pdf.picture(logo, LOGO_BOX, CENTER, y) + 3
    title_size = 30.0
    while title_size > 16 and pdf.width(page.title, "B", title_size) > TEXT_WIDTH:
        title_size -= 1
    title_lines = pdf.wrap(page.title, "B", title_size, TEXT_WIDTH)
    for text in title_lines:
        y += title_size * PT * 1.1
        pdf.put(text, y, style="B", size=title_size, color=NAVY)
    y += 6.5
    pdf.put(page.number, y, size=11)
    y += 3

    # The middle block, smaller as long as it does not fit above the signature zone.
    scale = 1.0
    lines = _middle(pdf, page, scale)
    while scale > 0.55 and y + sum(ln.before + ln.height for ln in lines) > MIDDLE_BOTTOM:
        scale -= 0.05
        lines = _middle(pdf, page, scale)
    # Centred in the room left, and the facts block centred on its widest row.
    y += max(0.0, (MIDDLE_BOTTOM - y - sum(ln.before + ln.height for ln in lines)) * 0.4)
    widest = max(
        (pdf.width(ln.text, "", ln.size) for ln in lines if ln.label is not None), default=0.0
    )
    facts_x = CENTER - (LABEL_WIDTH + 4 + widest) / 2
    for line in lines:
        y += line.before + line.height
        baseline = y - line.height * 0.25
        if line.label is None:
            pdf.put(line.text, baseline, style=line.style, size=line.size)
            continue
        if line.label:
            pdf.put(line.label, baseline, size=line.size, x=facts_x, align="L", color=GREY)
            pdf.put(":", baseline, size=line.size, x=facts_x + LABEL_WIDTH, align="L")
        pdf.put(line.text, baseline, size=line.size, x=facts_x + LABEL_WIDTH + 4, align="L")

    # Verification: QR code, caption, grouped code, address.
    pdf.qr(qr.matrix, QR_X, QR_Y, QR_SIZE)
    x = QR_X + QR_SIZE + 5
    y = QR_Y + 3
    for text in pdf.wrap(page.scan, "", 7.5, 68)[:4]:
        pdf.put(text, y, size=7.5, x=x, align="L", color=GREY)
        y += 3.4
    y += 3
    pdf.put(page.code, y + 1, style="B", size=12, x=x, align="L", color=NAVY)
    y += 6
    url_size = 7.0
    while url_size > 6 and pdf.width(page.url, "", url_size) > 75:
        url_size -= 0.5
    for text in pdf.wrap(page.url, "", url_size, 75)[:3]:
        pdf.put(text, y, size=url_size, x=x, align="L", color=GREY)
        y += url_size * PT * 1.3

    # The signature block: title, signature, name, rank, NIP.
    y = 149.0
    pdf.put(page.place_date, y, size=10.5, x=SIGN_X)
    for text in pdf.wrap(page.signer_title, "", 10.5, SIGN_WIDTH)[:3]:
        y += 4.8
        pdf.put(text, y, size=10.5, x=SIGN_X)
    top = y + 1.5
    if sign is not None:
        pdf.picture(sign, SIGNATURE_BOX, SIGN_X, top)
    below = [text for text in (page.signer_rank, page.signer_nip) if text]
    # The last line stays inside the inner frame, even under a three-line title.
    y = min(max(top + SIGNATURE_BOX[1] + 4, 184.0), SIGN_BOTTOM - 5 * len(below))
    name_size = 11.0
    while name_size > 7 and pdf.width(page.signer_name, "B", name_size) > SIGN_WIDTH:
        name_size -= 0.5
    pdf.put(page.signer_name, y, style="B", size=name_size, x=SIGN_X)
    if page.signer_name:
        half = pdf.width(page.signer_name, "B", name_size) / 2
        pdf.set_draw_color(*INK)
        pdf.set_line_width(0.25)
        pdf.line(SIGN_X - half, y + 1, SIGN_X + half, y + 1)
    for text in below:
        y += 5
        size = 10.0
        while size > 7 and pdf.width(text, "", size) > SIGN_WIDTH:
            size -= 0.5
        pdf.put(text, y, size=size, x=SIGN_X)

    if page.revoked:
        pdf.stamp_revoked()
    if page.back is not None:
        _draw_back(pdf, page.back, page.revoked)


#: The back page's table: its width and the number and JP columns (mm).
TABLE_W, NUMBER_W, JP_W = 210.0, 14.0, 22.0
BACK_BOTTOM = 190.0


def _back_rows(
    pdf: CertificatePdf, back: _Back, scale: float
) -> tuple[float, list[tuple[list[str], str, str]]]:
    size = 11 * scale
    width = TABLE_W - NUMBER_W - JP_W - 6
    rows = [(pdf.wrap(title, "", size, width), n, jp) for n, title, jp in back.rows]
    line = size * PT * 1.35
    height = sum(len(lines) * line + 2.4 * scale for lines, _n, _jp in rows)
    return height + 3 * line, rows


def _draw_back(pdf: CertificatePdf, back: _Back, revoked: bool) -> None:
    """The class's courses and their JP, as frozen at issue, with their total."""
    pdf.add_page(orientation="L")
    pdf.frame()
    y = 32.0
    pdf.put(back.title, y, style="B", size=20, color=NAVY)
    for text in pdf.wrap(back.of, "", 10, TEXT_WIDTH)[:2]:
        y += 6
        pdf.put(text, y, size=10, color=GREY)
    y += 10
    scale = 1.0
    height, rows = _back_rows(pdf, back, scale)
    while scale > 0.5 and y + height > BACK_BOTTOM:
        scale -= 0.05
        height, rows = _back_rows(pdf, back, scale)
    size = 11 * scale
    line = size * PT * 1.35
    left = CENTER - TABLE_W / 2
    title_x, jp_x = left + NUMBER_W, left + TABLE_W

    def rule(at: float, width: float) -> None:
        pdf.set_draw_color(*NAVY)
        pdf.set_line_width(width)
        pdf.line(left, at, left + TABLE_W, at)

    number, title, jp = back.headers
    y += line
    pdf.put(number, y, style="B", size=size, x=left, align="L", color=NAVY)
    pdf.put(title, y, style="B", size=size, x=title_x, align="L", color=NAVY)
    pdf.put(jp, y, style="B", size=size, x=jp_x, align="R", color=NAVY)
    y += 2.2 * scale
    rule(y, 0.4)
    for lines, n, hours in rows:
        y += 1.2 * scale
        for i, text in enumerate(lines):
            y += line
            if i == 0:
                pdf.put(n, y, size=size, x=left, align="L")
                pdf.put(hours, y, size=size, x=jp_x, align="R")
            pdf.put(text, y, size=size, x=title_x, align="L")
        y += 1.2 * scale
    y += 1.0
    rule(y, 0.4)
    y += line + 0.8
    label, total = back.total
    pdf.put(label, y, style="B", size=size, x=title_x, align="L")
    pdf.put(total, y, style="B", size=size, x=jp_x, align="R")
    if revoked:
        pdf.stamp_revoked()


# --- documents --------------------------------------------------------------------------------


def pages_of(certificate: Certificate, plan: CertificatePlan) -> int:
    """How many pages ``certificate`` takes in a document: 2 with a back page."""
    has_courses = any(c.get("title") for c in (certificate.snapshot or {}).get("courses") or [])
    return 2 if plan.back_page and has_courses else 1


def _chars(page: _Page) -> set[int]:
    """Every character the page draws (which fonts can draw it)."""
    texts = [
        page.title,
        page.number,
        page.awarded_to,
        page.name,
        page.body,
        page.extra,
        page.place_date,
        page.signer_title,
        page.signer_name,
        page.signer_rank,
        page.signer_nip,
        page.scan,
        page.code,
        page.url,
        ":",
        REVOKED_STAMP,
    ]
    for label, value in page.facts:
        texts += [label, value]
    if page.back is not None:
        texts += [page.back.title, page.back.of, *page.back.headers, *page.back.total]
        for row in page.back.rows:
            texts += list(row)
    return set(map(ord, "".join(texts)))


def _single_title(certificate: Certificate) -> str:
    return f"{certificate.number} {_clean((certificate.snapshot or {}).get('name'))}"


def _chunks(items: Iterable[Certificate], size: int) -> Iterator[list[Certificate]]:
    group: list[Certificate] = []
    for item in items:
        group.append(item)
        if len(group) >= size:
            yield group
            group = []
    if group:
        yield group


@lru_cache(maxsize=16)
def _texts_digest(locale: str) -> str:
    """A digest of the catalog's certificate texts in ``locale`` (a fixed translation makes
    stored PDFs stale)."""
    words = _words(locale)
    return hashlib.sha256(repr(words).encode()).hexdigest()[:16]


def fingerprint(certificate: Certificate, plan: CertificatePlan, url: str) -> str:
    """What ``certificate``'s own PDF is drawn from, as a digest: its snapshot and state, the
    plan's layout and images, the verification address ``url``, the catalog's texts in its
    language and :data:`VERSION`. A stored PDF with another fingerprint is out of date."""
    snapshot = certificate.snapshot or {}
    material = {
        "version": VERSION,
        "url": url,
        "state": certificate.state,
        "kind": certificate.kind,
        "number": certificate.number,
        "code": certificate.code,
        "jp": certificate.jp,
        "qualification": certificate.qualification,
        "snapshot": snapshot,
        "layout": {name: plan.shows(name) for name in LAYOUT_FIELDS},
        "back_page": bool(plan.back_page),
        "logo": plan.logo_key or "",
        "signature": plan.signature_key or "",
        "texts": _texts_digest(snapshot.get("locale") or "id"),
    }
    text = json.dumps(material, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def stored_path(
    certificate: Certificate, plan: CertificatePlan, *, url_for_code: UrlForCode = verify_url
) -> Path | None:
    """The file of ``certificate``'s stored PDF when it is still what would be drawn now;
    None when there is none, it is out of date, or its file is gone."""
    if not certificate.pdf_key or not certificate.pdf_fingerprint:
        return None
    if certificate.pdf_fingerprint != fingerprint(
        certificate, plan, url_for_code(certificate.code)
    ):
        return None
    try:
        path = storage.path_of(certificate.pdf_key)
    except ValueError:
        return None
    return path if path.is_file() else None


class _Drawing:
    """What the documents of one batch share: the plan, its images, the texts of each
    language and the verification addresses."""

    def __init__(self, plan: CertificatePlan, url_for_code: UrlForCode) -> None:
        self.plan = plan
        self.url_for_code = url_for_code
        self.logo = _load_image(plan.logo_key, LOGO_BOX)
        self.sign = _load_image(plan.signature_key, SIGNATURE_BOX)
        self._words: dict[str, _Words] = {}

    def page(self, certificate: Certificate) -> _Page:
        if certificate.cohort_id != self.plan.cohort_id:
            raise ValueError(
                f"certificate {certificate.number} is not of the plan's cohort "
                f"{self.plan.cohort_id}"
            )
        locale = (certificate.snapshot or {}).get("locale") or "id"
        words = self._words.get(locale)
        if words is None:
            words = self._words[locale] = _words(locale)
        return _page_of(certificate, self.plan, words, locale, self.url_for_code(certificate.code))

    def document(self, certificates: Sequence[Certificate], title: str | None = None) -> bytes:
        """One fpdf2 document of ``certificates``, in order."""
        if not certificates:
            raise ValueError("no certificates to render")
        pages = [self.page(certificate) for certificate in certificates]
        chars: set[int] = set()
        for page in pages:
            chars |= _chars(page)
        pdf = CertificatePdf(_fonts_for(chars))
        first = certificates[0]
        snapshot = first.snapshot or {}
        pdf.set_lang(snapshot.get("locale") or "id")
        if title is None:
            if len(certificates) == 1:
                title = _single_title(first)
            else:
                title = _clean(snapshot.get("cohort_name")) or first.number
        pdf.set_title(title)
        for page in pages:
            _draw(pdf, page, qr_code(page.url), self.logo, self.sign)
        return bytes(pdf.output())

    def singles(self, certificates: Sequence[Certificate]) -> Iterator[bytes]:
        """One PDF per certificate, in order: one document drawn for all of them and cut."""
        if not certificates:
            return
        if len(certificates) == 1:
            yield self.document(certificates)
            return
        merged = self.document(certificates)
        yield from split(
            merged,
            [_single_title(c) for c in certificates],
            [pages_of(c, self.plan) for c in certificates],
        )

    def stored(self, certificate: Certificate) -> Path | None:
        return stored_path(certificate, self.plan, url_for_code=self.url_for_code)

    def fingerprint(self, certificate: Certificate) -> str:
        return fingerprint(certificate, self.plan, self.url_for_code(certificate.code))


def render(
    certificates: Sequence[Certificate],
    plan: CertificatePlan,
    *,
    url_for_code: UrlForCode = verify_url,
) -> bytes:
    """One PDF with a landscape A4 page per certificate (two with a back page: see
    :func:`pages_of`), in the order given (one certificate: its own PDF; many: the merged PDF
    for printing), drawn as one document. ``url_for_code`` gives the verification address a
    QR code leads to (default: this app's verification page at ``LMS_PUBLIC_URL``). For
    batches of any size, :func:`write_merged`."""
    return _Drawing(plan, url_for_code).document(list(certificates))


def write_merged(
    certificates: Iterable[Certificate],
    plan: CertificatePlan,
    out: IO[bytes],
    *,
    url_for_code: UrlForCode = verify_url,
    chunk: int = CHUNK,
    progress: Progress | None = None,
) -> int:
    """The merged PDF for printing, written to ``out`` as it is drawn, ``chunk`` certificates
    at a time: memory stays that of one chunk whatever the number of certificates (an
    iterator of them is read as it goes). Returns how many certificates it has."""
    drawing = _Drawing(plan, url_for_code)
    stream: PdfStream | None = None
    waiting: bytes | None = None  # a batch of one chunk is written as it was drawn
    done = 0
    for group in _chunks(certificates, max(1, chunk)):
        if waiting is not None:
            if stream is None:
                snapshot = group[0].snapshot or {}
                stream = PdfStream(
                    out,
                    title=_clean(snapshot.get("cohort_name")) or group[0].number,
                    creator="Kelas Inovasi",
                    lang=snapshot.get("locale") or "id",
                )
            stream.append(waiting)
        waiting = drawing.document(group)
        done += len(group)
        if progress is not None:
            progress(done)
    if waiting is None:
        raise ValueError("no certificates to render")
    if stream is None:
        out.write(waiting)
    else:
        stream.append(waiting)
        stream.close()
    return done


def split(
    merged: bytes, titles: Sequence[str] | None = None, pages: Sequence[int] | None = None
) -> Iterator[bytes]:
    """One PDF per certificate of ``merged``, ``pages[n]`` pages each (default: one page
    each); each keeps the fonts and images it uses (cut by
    :class:`~lms.certificates.pdfstream.PdfCutter` from one reading of ``merged``)."""
    cutter = PdfCutter(merged)
    total = cutter.pages
    counts = list(pages) if pages is not None else [1] * total
    lang = str(cutter.reader.trailer["/Root"].get("/Lang") or "")
    first = 0
    for n, count in enumerate(counts):
        if first + count > total:
            raise ValueError("the merged PDF has fewer pages than its certificates need")
        yield cutter.cut(
            range(first, first + count),
            title=titles[n] if titles is not None else "",
            creator="Kelas Inovasi",
            lang=lang,
        )
        first += count


@dataclass(frozen=True)
class Drawn:
    """A certificate's own PDF, and the :func:`fingerprint` of what it was drawn from."""

    certificate: Certificate
    data: bytes
    fingerprint: str


def draw_singles(
    certificates: Iterable[Certificate],
    plan: CertificatePlan,
    *,
    url_for_code: UrlForCode = verify_url,
    chunk: int = CHUNK,
) -> Iterator[Drawn]:
    """Each certificate's own PDF, in order (drawn ``chunk`` at a time, each chunk as one
    document cut into single PDFs): what is stored at issue."""
    drawing = _Drawing(plan, url_for_code)
    for group in _chunks(certificates, max(1, chunk)):
        for certificate, data in zip(group, drawing.singles(group), strict=True):
            yield Drawn(certificate, data, drawing.fingerprint(certificate))


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")


def file_name(certificate: Certificate) -> str:
    """ "001-KIT-2023-I-2023_dr-andi-nurjannah-m-si.pdf": safe ASCII, no path characters."""
    number = _ascii(certificate.number)[:60].strip("-") or f"sertifikat-{certificate.id}"
    name = _ascii((certificate.snapshot or {}).get("name") or "").lower()[:60].strip("-")
    return f"{number}_{name}.pdf" if name else f"{number}.pdf"


class _Names:
    """Unique file names inside one ZIP, as certificates come."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def of(self, certificate: Certificate) -> str:
        name = file_name(certificate)
        stem, n = name[:-4], 2
        while name.lower() in self.seen:
            name, n = f"{stem}-{n}.pdf", n + 1
        self.seen.add(name.lower())
        return name


def _unique_names(certificates: Iterable[Certificate]) -> list[str]:
    names = _Names()
    return [names.of(certificate) for certificate in certificates]


def write_zip(
    certificates: Iterable[Certificate],
    plan: CertificatePlan,
    out: IO[bytes],
    *,
    url_for_code: UrlForCode = verify_url,
    merged: bytes | None = None,
    chunk: int = CHUNK,
    progress: Progress | None = None,
) -> int:
    """A ZIP of one PDF per certificate written to ``out`` (a file or a buffer) entry by
    entry: a certificate's stored PDF when it is current (copied from the store), else drawn
    with the others of its chunk and cut from their document. ``merged``: the output of
    :func:`render` for the same certificates, cut instead of drawing anything. Returns how
    many PDFs it holds."""
    names = _Names()
    drawing = _Drawing(plan, url_for_code)
    count = 0
    # The PDFs are compressed already: storing them is as small, and much faster.
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        if merged is not None:
            listed = list(certificates)
            titles = [_single_title(c) for c in listed]
            pages = [pages_of(c, plan) for c in listed]
            for certificate, data in zip(listed, split(merged, titles, pages), strict=False):
                archive.writestr(names.of(certificate), data)
                count += 1
            if count != len(listed):
                raise ValueError("the merged PDF does not have the pages of every certificate")
            return count
        for group in _chunks(certificates, max(1, chunk)):
            paths = [drawing.stored(certificate) for certificate in group]
            # Drawn only when the first certificate without a current stored PDF comes.
            drawn = drawing.singles([c for c, path in zip(group, paths, strict=True) if not path])
            for certificate, path in zip(group, paths, strict=True):
                if path is not None:
                    archive.write(path, names.of(certificate))
                else:
                    archive.writestr(names.of(certificate), next(drawn))
                count += 1
            if progress is not None:
                progress(count)
    if not count:
        raise ValueError("no certificates to render")
    return count


def zip_of(
    certificates: Sequence[Certificate],
    plan: CertificatePlan,
    *,
    url_for_code: UrlForCode = verify_url,
) -> bytes:
    """The ZIP of individual PDFs as bytes (see :func:`write_zip`)."""
    out = io.BytesIO()
    write_zip(certificates, plan, out, url_for_code=url_for_code)
    return out.getvalue()


@dataclass(frozen=True)
class Batch:
    #: All pages in one PDF, for printing.
    merged: bytes
    #: One PDF per certificate.
    zip: bytes


def batch(
    certificates: Sequence[Certificate],
    plan: CertificatePlan,
    *,
    url_for_code: UrlForCode = verify_url,
) -> Batch:
    """Both batch files, each page drawn once (one document: for batches that fit in
    memory; the jobs use :func:`write_merged` and :func:`write_zip`)."""
    merged = render(certificates, plan, url_for_code=url_for_code)
    out = io.BytesIO()
    write_zip(certificates, plan, out, url_for_code=url_for_code, merged=merged)
    return Batch(merged=merged, zip=out.getvalue())
