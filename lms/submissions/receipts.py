"""The receipt of a submitted version: its fields as people read them, and the PDF.

The receipt page and the PDF show the same thing: who submitted what, when, as which version,
with the content hash that proves it. The PDF is written in the cohort's language
(``force_locale``), like the attendance list, with the bundled DejaVu fonts embedded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import has_request_context
from flask_babel import force_locale, get_locale
from fpdf import FPDF
from markupsafe import Markup

from lms import profile
from lms.i18n import gettext as _
from lms.markdown import render
from lms.pdf import FONT, PagedPdf
from lms.submissions.fields import FIELDS_BY_KIND, PP38_CRITERIA, Field
from lms.submissions.models import CohortAssignment, Submission, SubmissionVersion
from lms.timefmt import local_datetime

#: The bundled DejaVu fonts (the attendance list uses them too).


def _locale(locale: str | None) -> str:
    if locale:
        return locale
    return str(get_locale() or "id") if has_request_context() else "id"


# --- fields as people read them -----------------------------------------------------------


def fields_of(kind: str, values: dict[str, Any]) -> list[Field]:
    """The kind's fields in form order, then any key the version holds that the kind no longer
    lists (shown under its key, so nothing submitted is hidden). A proposal written before the
    six parts shows its own keys with their old labels, in the old order."""
    proposal = kind == "proposal"
    known = profile.fields_for(values) if proposal else list(FIELDS_BY_KIND.get(kind, ()))
    keys = {f.key for f in known}
    extra = [Field(k, k, "line") for k in values if k not in keys]
    return known + extra


def label_for(kind: str, f: Field, values: dict[str, Any]) -> str:
    """A field's label for a stored set of values (a proposal's results label follows its
    stage; an old key its old label)."""
    if kind == "proposal":
        return str(profile.label_of(f.key, values))
    return str(f.label)


def display_text(f: Field, value: Any, locale: str | None = None) -> str:
    """The value as plain text: choice labels instead of codes, dates spelled out, one video
    element per line; "" when empty."""
    if value is None or value == "" or value == []:
        return ""
    if f.kind == "choice":
        labels = {code: str(label) for code, label in f.choices}
        return labels.get(value, str(value))
    if f.kind == "urusan":
        return profile.urusan_label(str(value), _locale(locale))
    if f.kind == "theme":
        return profile.theme_label(str(value))
    if f.kind == "elements":
        labels = {code: str(label) for code, label in f.choices}
        items = value if isinstance(value, list) else [value]
        return "\n".join(labels.get(v, str(v)) for v in items)
    if f.kind == "date":
        try:
            return format_date(date.fromisoformat(str(value)), "d MMMM y", locale=_locale(locale))
        except ValueError:
            return str(value)
    if isinstance(value, list | dict):
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class FieldRow:
    key: str
    label: str
    kind: str
    #: Plain text (see :func:`display_text`); "" when the field was left empty.
    text: str
    #: Markdown fields: the text rendered through lms.markdown (sanitised) for the page.
    html: Markup | None = None
    #: Video elements: one label per item.
    items: list[str] = field(default_factory=list)
    #: URL fields holding an https address: the address, to link to.
    link: str | None = None
    #: The proposal section the field stands in ("" for kinds without sections).
    section: str = ""
    #: The section's heading, on every row of the section (pages print it when it changes).
    section_title: str = ""
    #: Hidden from a blind marker (who wrote it): the text is withheld.
    withheld: bool = False


def field_rows(
    kind: str,
    values: dict[str, Any],
    *,
    with_html: bool = False,
    hide_identity: bool = False,
    locale: str | None = None,
) -> list[FieldRow]:
    """The version's fields as people read them, in the form's order and sections.
    ``hide_identity``: for a blind marker, the proposing office, innovator and contact are
    withheld (they name the participant)."""
    rows = []
    for f in fields_of(kind, values):
        value = values.get(f.key)
        if f.kind == "theme" and not value:
            continue  # offered only in years whose index rules name themes
        text = display_text(f, value, locale)
        row = FieldRow(
            f.key,
            label_for(kind, f, values),
            f.kind,
            text,
            section=f.section,
            section_title=str(profile.section_title(f.section)) if f.section else "",
        )
        if hide_identity and f.key in profile.IDENTITY_KEYS:
            row.text, row.withheld = "", True
            rows.append(row)
            continue
        if with_html and f.kind == "markdown" and text:
            # A version never changes, so rendering on display shows exactly what was hashed.
            row.html = Markup(render(text))
        if f.kind == "elements" and text:
            row.items = text.split("\n")
        if f.kind == "url" and text.startswith("https://"):
            row.link = text
        rows.append(row)
    return rows


def human_size(size: int | None, locale: str | None = None) -> str:
    """1234567 -> "1,2 MB" (Indonesian) / "1.2 MB" (English)."""
    size = int(size or 0)
    lang = _locale(locale)
    if size < 1024:
        return f"{size} B"
    for unit, factor in (("KB", 1024), ("MB", 1024**2), ("GB", 1024**3)):
        if size < factor * 1024 or unit == "GB":
            return f"{format_decimal(size / factor, '#,##0.#', locale=lang)} {unit}"
    return f"{size} B"  # pragma: no cover


def self_check_labels(version: SubmissionVersion) -> list[str]:
    """The PP 38 criteria the participant confirmed, in the regulation's order."""
    confirmed = version.self_check or {}
    return [str(label) for key, label in PP38_CRITERIA if confirmed.get(key)]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", text or "").strip("-").lower()


def pdf_filename(assignment: CohortAssignment, submission: Submission, number: int) -> str:
    """tanda-terima-kit-2023-i-proposal-198503...-v2.pdf"""
    person = submission.user.nip or f"u{submission.user_id}"
    parts = [
        "tanda-terima",
        _slug(assignment.cohort.code),
        _slug(assignment.spec.key),
        _slug(person),
        f"v{number}",
    ]
    return "-".join(p for p in parts if p) + ".pdf"


# --- the PDF ------------------------------------------------------------------------------
#
# Text is wrapped and placed by hand (glyph widths straight from the font, ``FPDF.text``):
# fpdf2's ``multi_cell`` needs seconds for a proposal of a few thousand words, this takes a
# small fraction of one.

BODY = 10  # pt
LINE = 5.0  # mm per line of body text
LABEL_WIDTH = 42.0  # mm for the labels of the facts block
MARGIN = 15.0  # mm
BOTTOM_ROOM = 18.0  # mm kept free at the bottom of each page for the footer


_ReceiptPdf = PagedPdf


class _Writer:
    """Wrapped text placed line by line, with page breaks, on a ``_ReceiptPdf``."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        self.width = pdf.w - pdf.l_margin - pdf.r_margin
        self.bottom = pdf.h - BOTTOM_ROOM

    def font(self, size: float = BODY, style: str = "") -> None:
        self.pdf.set_font(FONT, style, size)
        self._widths = self.pdf.current_font.cw
        self._scale = size * 0.001 / self.pdf.k
        self._baseline = size * 0.3528 * 0.8  # pt to mm, and most of the way down the line

    def measure(self, text: str) -> float:
        widths = self._widths
        return sum(widths[ord(c)] for c in text) * self._scale

    def _cut(self, word: str, width: float) -> list[str]:
        """A word longer than a line, in pieces that fit."""
        pieces, current, used = [], "", 0.0
        widths, scale = self._widths, self._scale
        for char in word:
            w = widths[ord(char)] * scale
            if current and used + w > width:
                pieces.append(current)
                current, used = "", 0.0
            current += char
            used += w
        if current:
            pieces.append(current)
        return pieces

    def wrap(self, text: str, width: float) -> list[str]:
        """Lines no wider than ``width``; line breaks kept, blank lines too."""
        lines: list[str] = []
        space = self.measure(" ")
        for paragraph in text.split("\n"):
            current, used = "", 0.0
            for word in paragraph.split():
                w = self.measure(word)
                if current and used + space + w <= width:
                    current, used = f"{current} {word}", used + space + w
                    continue
                if not current and w <= width:
                    current, used = word, w
                    continue
                if current:
                    lines.append(current)
                current, used = "", 0.0
                if w > width:
                    *full, word = self._cut(word, width)
                    lines.extend(full)
                    w = self.measure(word)
                current, used = word, w
            lines.append(current)
        return lines or [""]

    def room(self, height: float) -> None:
        """A new page unless ``height`` mm still fit on this one."""
        if self.pdf.get_y() + height > self.bottom:
            self.pdf.add_page()
            self.pdf.set_y(self.pdf.t_margin)

    def lines(self, lines: list[str], *, x: float | None = None, line: float = LINE) -> None:
        pdf = self.pdf
        x = pdf.l_margin if x is None else x
        for text in lines:
            self.room(line)
            y = pdf.get_y()
            if text:
                pdf.text(x, y + self._baseline + (line - self._baseline) / 2 - 0.4, text)
            pdf.set_y(y + line)

    def paragraph(
        self, text: str, *, size: float = BODY, style: str = "", line: float = LINE
    ) -> None:
        self.font(size, style)
        self.lines(self.wrap(_clean(text), self.width), line=line)

    def heading(self, text: str) -> None:
        self.room(20)
        self.pdf.ln(1)
        self.paragraph(text, size=11, style="B", line=6)
        y = self.pdf.get_y()
        self.pdf.set_draw_color(180)
        self.pdf.line(self.pdf.l_margin, y, self.pdf.l_margin + self.width, y)
        self.pdf.set_draw_color(0)
        self.pdf.ln(2)

    def fact(self, label: str, value: str, *, size: float = BODY) -> None:
        """``label : value`` in two columns, kept on one page."""
        pdf = self.pdf
        self.font(BODY)
        label_lines = self.wrap(label, LABEL_WIDTH - 2)
        label_baseline = self._baseline
        value_x = pdf.l_margin + LABEL_WIDTH + 3
        self.font(size)
        value_lines = self.wrap(_clean(value), self.width - LABEL_WIDTH - 3)
        self.room(LINE * max(len(label_lines), len(value_lines)))
        top = pdf.get_y()
        self.font(BODY)
        for n, text in enumerate(label_lines):
            pdf.text(pdf.l_margin, top + LINE * n + label_baseline + 0.6, text)
        pdf.text(pdf.l_margin + LABEL_WIDTH, top + label_baseline + 0.6, ":")
        below_label = top + LINE * len(label_lines)
        self.font(size)
        pdf.set_y(top)
        self.lines(value_lines, x=value_x)
        pdf.set_y(max(pdf.get_y(), below_label))


def receipt_pdf(
    assignment: CohortAssignment, submission: Submission, version: SubmissionVersion
) -> bytes:
    """The receipt of one submitted version: A4 portrait, DejaVu fonts, cohort language."""
    with force_locale(assignment.cohort.locale or "id"):
        return _receipt(assignment, submission, version)


def _clean(text: str) -> str:
    """Text laid out predictably: no tabs, no control characters, \\n line breaks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    return "".join(c for c in text if c == "\n" or c >= " ")


def _receipt(
    assignment: CohortAssignment, submission: Submission, version: SubmissionVersion
) -> bytes:
    cohort, spec, person = assignment.cohort, assignment.spec, submission.user
    lang = cohort.locale or "id"
    title = _("TANDA TERIMA PENGUMPULAN")
    pdf = _ReceiptPdf(
        footer_left=f"{cohort.code} · {spec.title} · {_('Versi')} {version.number}",
        footer_right=_("Halaman %(page)s dari %(total)s"),
    )
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(False)
    pdf.set_title(f"{title} {spec.title}")
    pdf.set_author(person.full_name)
    pdf.set_creator("Kelas Inovasi")
    pdf.set_lang(lang)
    pdf.add_page()
    out = _Writer(pdf)

    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(out.width, 7, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(
        out.width, 5.5, f"{cohort.name} ({cohort.code})", align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(4)

    submitted = local_datetime(version.submitted_dt, cohort.timezone, lang)
    if version.late:
        submitted = f"{submitted} ({_('terlambat')})"
    facts = [
        (_("Kelas"), f"{cohort.name} ({cohort.code})"),
        (_("Tugas"), spec.title),
        (_("Nama peserta"), person.full_name),
        (_("NIP"), person.nip_display or "–"),
        (_("Unit kerja"), person.office or "–"),
        (_("Versi"), str(version.number)),
        (_("Waktu pengumpulan"), submitted),
    ]
    for label, value in facts:
        out.fact(label, value)
    # The hash in a smaller size, so that all 64 characters stay on one line.
    out.fact(_("Kode hash (SHA-256)"), version.content_hash, size=8)
    pdf.ln(3)

    out.heading(_("Isi pengumpulan"))
    empty = _("(tidak diisi)")
    section = ""
    for row in field_rows(spec.kind, version.fields or {}, locale=lang):
        if row.section_title and row.section_title != section:
            section = row.section_title
            out.room(3 * LINE)  # a heading never ends a page alone
            pdf.ln(1)
            out.paragraph(section.upper(), size=10.5, style="B", line=6)
        out.room(2 * LINE)  # a label never ends a page alone
        out.paragraph(row.label, style="B")
        if row.text:
            out.paragraph(row.text)
        else:
            pdf.set_text_color(90)
            out.paragraph(empty)
            pdf.set_text_color(0)
        pdf.ln(2)

    out.heading(_("Berkas"))
    if version.files:
        for number, item in enumerate(version.files, 1):
            size = human_size(item.get("size"), lang)
            out.paragraph(f"{number}. {item.get('name') or ''} ({size})")
    else:
        out.paragraph(_("Tidak ada berkas."))
    pdf.ln(2)

    checks = self_check_labels(version)
    if checks:
        out.heading(_("Pemeriksaan mandiri kriteria inovasi daerah (PP 38/2017)"))
        for label in checks:
            out.paragraph(f"✓ {label}")
        pdf.ln(2)
    if version.statement_accepted:
        out.heading(_("Pernyataan"))
        out.paragraph("✓ " + _("Peserta menyatakan bahwa karya ini adalah karya sendiri."))
    return bytes(pdf.output())
