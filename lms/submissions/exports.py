"""A submitted proposal as a Word document (DOCX) in the layout of the *profil inovasi*.

Offices pass proposals around as Word files: one heading per section and per part, and the
participant's Markdown as real Word paragraphs, bullet and numbered lists, tables and bold or
italic runs (never the raw ``**`` and ``#`` marks). The Markdown is parsed by the same
Python-Markdown set-up as :mod:`lms.markdown`; the element tree it builds is walked here and
written with python-docx. The document is in the class's language, like the receipt PDF.
"""

from __future__ import annotations

import html
import io
import re
from typing import Any
from xml.etree.ElementTree import Element

import markdown as _markdown
import nh3
from docx import Document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph
from flask_babel import force_locale
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE, HTML_PLACEHOLDER_RE

from lms.i18n import gettext as _
from lms.markdown import EXTENSIONS
from lms.submissions.models import CohortAssignment, Submission, SubmissionVersion
from lms.submissions.receipts import FieldRow, _slug, field_rows, human_size, self_check_labels
from lms.timefmt import local_datetime

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_BLOCKS = {"p", "ul", "ol", "pre", "blockquote", "table", "hr", "div", "dl"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
#: Inline tags -> the run property they switch on.
_FORMATS = {
    "strong": "bold",
    "b": "bold",
    "em": "italic",
    "i": "italic",
    "code": "code",
    "kbd": "code",
    "del": "strike",
    "s": "strike",
    "ins": "underline",
    "u": "underline",
    "sub": "subscript",
    "sup": "superscript",
}
#: Characters XML 1.0 cannot hold (python-docx refuses them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
GREY = RGBColor(0x59, 0x59, 0x59)
WORD_LANGUAGES = {"id": "id-ID", "en": "en-US"}


# --- Markdown to an element tree ------------------------------------------------------------


class _Keep(Treeprocessor):
    """Keeps the finished tree (after inline patterns) for the Word writer."""

    def run(self, root: Element) -> None:
        self.md.lms_tree = root  # type: ignore[attr-defined]


class _KeepExtension(Extension):
    def extendMarkdown(self, md: _markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.treeprocessors.register(_Keep(md), "lms_keep_tree", -100)


def markdown_tree(text: str) -> tuple[Element, list[str]]:
    """The participant's Markdown as Python-Markdown's element tree, and the raw HTML blocks
    it set aside (their text is kept, their tags are not)."""
    md = _markdown.Markdown(extensions=[*EXTENSIONS, _KeepExtension()])
    md.convert(text or "")
    root = getattr(md, "lms_tree", None)
    return (root if root is not None else Element("div")), list(md.htmlStash.rawHtmlBlocks)


def _plain(raw: str) -> str:
    return html.unescape(nh3.clean(str(raw), tags=set()))


class _Text:
    """Text of the tree as a reader sees it: raw HTML as its words, entities decoded, soft
    line breaks as spaces, nothing XML cannot hold."""

    def __init__(self, stash: list[str]) -> None:
        self.stash = stash

    def __call__(self, text: str | None, *, keep_lines: bool = False) -> str:
        if not text:
            return ""
        text = HTML_PLACEHOLDER_RE.sub(lambda m: _plain(self.stash[int(m.group(1))]), text)
        text = html.unescape(text.replace(AMP_SUBSTITUTE, "&"))
        if not keep_lines:
            text = re.sub(r"\s*\n\s*", " ", text)
        return _NOT_XML.sub("", text)


# --- the Word writer ------------------------------------------------------------------------


class _Writer:
    def __init__(self, doc: Any) -> None:
        self.doc = doc

    def text(self, markdown_text: str) -> None:
        root, stash = markdown_tree(markdown_text)
        self.clean = _Text(stash)
        for element in root:
            self.block(element, self.doc)

    # blocks

    def block(self, el: Element, container: Any, level: int = 0) -> None:
        tag = el.tag
        if tag == "p":
            self.inline(container.add_paragraph(), el)
        elif tag in _HEADINGS:
            # The participant's own headings sit below the part's heading (level 2).
            depth = min(int(tag[1]) + 2, 9)
            self.inline(container.add_paragraph(style=f"Heading {depth}"), el)
        elif tag in ("ul", "ol"):
            self.list(el, container, level)
        elif tag == "pre":
            paragraph = container.add_paragraph()
            self.run(paragraph, self.clean("".join(el.itertext()), keep_lines=True), {"code"})
        elif tag == "blockquote":
            for child in el:
                if child.tag == "p":
                    self.inline(container.add_paragraph(style="Quote"), child)
                else:
                    self.block(child, container, level)
        elif tag == "table":
            self.table(el, container)
        elif tag == "hr":
            return
        elif tag in ("div", "dl", "details", "figure"):
            if el.text and el.text.strip():
                self.run(container.add_paragraph(), self.clean(el.text), set())
            for child in el:
                self.block(child, container, level)
        else:
            paragraph = container.add_paragraph()
            self.inline(paragraph, el)

    def list(self, el: Element, container: Any, level: int) -> None:
        numbered = el.tag == "ol"
        depth = min(level + 1, 3)
        style = ("List Number" if numbered else "List Bullet") + (f" {depth}" if depth > 1 else "")
        num_id = self._restart(style, int(el.get("start") or 1)) if numbered else None
        for item in el:
            if item.tag != "li":
                continue
            paragraph = container.add_paragraph(style=style)
            if num_id is not None:
                num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
                num_pr.get_or_add_ilvl().val = 0
                num_pr.get_or_add_numId().val = num_id
            self._item(item, paragraph, container, level)

    def _item(self, item: Element, paragraph: Paragraph, container: Any, level: int) -> None:
        """A list item: its text in the item's paragraph, then nested lists below it."""
        self.run(paragraph, self.clean(item.text), set())
        first = True
        for child in item:
            if child.tag in ("ul", "ol"):
                self.list(child, container, level + 1)
            elif child.tag == "p":
                if not first:
                    paragraph.add_run().add_break(WD_BREAK.LINE)
                self.inline(paragraph, child)
                first = False
            elif child.tag in _BLOCKS:
                self.block(child, container, level + 1)
            else:
                self.inline_element(paragraph, child, set())
            if child.tail and child.tail.strip():
                self.run(paragraph, self.clean(child.tail), set())

    def _restart(self, style: str, start: int) -> int:
        """A numbering of its own for one numbered list, so that every list starts at its
        own first number instead of carrying on from the list before."""
        numbering = self.doc.part.numbering_part.element
        num_pr = self.doc.styles[style].element.pPr.numPr
        abstract = numbering.num_having_numId(num_pr.numId.val).abstractNumId.val
        num = numbering.add_num(abstract)
        num.add_lvlOverride(ilvl=0).add_startOverride(start)
        return num.numId

    def table(self, el: Element, container: Any) -> None:
        rows = list(el.iter("tr"))
        if not rows:
            return
        width = max(len([c for c in tr if c.tag in ("th", "td")]) for tr in rows)
        table = container.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        for r, tr in enumerate(rows):
            cells = [c for c in tr if c.tag in ("th", "td")]
            for c, cell in enumerate(cells):
                paragraph = table.cell(r, c).paragraphs[0]
                self.inline(paragraph, cell, {"bold"} if cell.tag == "th" else set())
        self.doc.add_paragraph()

    # inline

    def inline(self, paragraph: Paragraph, el: Element, fmt: set[str] | None = None) -> None:
        fmt = fmt or set()
        self.run(paragraph, self.clean(el.text), fmt)
        for child in el:
            self.inline_element(paragraph, child, fmt)
            self.run(paragraph, self.clean(child.tail), fmt)

    def inline_element(self, paragraph: Paragraph, child: Element, fmt: set[str]) -> None:
        tag = child.tag
        if tag == "br":
            paragraph.add_run().add_break(WD_BREAK.LINE)
        elif tag == "img":
            alt = child.get("alt") or _("gambar")
            self.run(paragraph, f"[{alt}]", fmt)
        elif tag == "a":
            self.inline(paragraph, child, fmt | {"underline"})
            href = child.get("href") or ""
            if href and href != "".join(child.itertext()).strip():
                self.run(paragraph, f" ({href})", fmt)
        else:
            wanted = _FORMATS.get(tag)
            self.inline(paragraph, child, fmt | {wanted} if wanted else fmt)

    def run(self, paragraph: Paragraph, text: str, fmt: set[str]) -> None:
        if not text:
            return
        if not paragraph.runs:
            text = text.lstrip()
            if not text:
                return
        run = paragraph.add_run(text)
        run.bold = "bold" in fmt or None
        run.italic = "italic" in fmt or None
        run.underline = "underline" in fmt or None
        if "strike" in fmt:
            run.font.strike = True
        if "subscript" in fmt:
            run.font.subscript = True
        if "superscript" in fmt:
            run.font.superscript = True
        if "code" in fmt:
            run.font.name = "Courier New"


# --- the document ---------------------------------------------------------------------------


def _note(doc: Any, text: str) -> None:
    run = doc.add_paragraph().add_run(text)
    run.italic = True
    run.font.color.rgb = GREY


def _sections(rows: list[FieldRow]) -> list[tuple[str, list[FieldRow]]]:
    """The rows under their section's heading, in order (rows of no section at the end)."""
    groups: list[tuple[str, list[FieldRow]]] = []
    rest = []
    for row in rows:
        if not row.section_title:
            rest.append(row)
        elif groups and groups[-1][0] == row.section_title:
            groups[-1][1].append(row)
        else:
            groups.append((row.section_title, [row]))
    if rest:
        groups.append((_("Isian lain"), rest))
    return groups


def _value(row: FieldRow) -> str:
    if row.withheld:
        return _("(disembunyikan: penilaian tanpa nama)")
    return row.text or _("(tidak diisi)")


def proposal_docx(
    assignment: CohortAssignment,
    submission: Submission,
    version: SubmissionVersion,
    *,
    blind_code: str | None = None,
) -> bytes:
    """One submitted version as a Word document. ``blind_code``: for a trainer marking
    without names, the participant's code stands where their name would (and the fields that
    name them are withheld)."""
    with force_locale(assignment.cohort.locale or "id"):
        return _document(assignment, submission, version, blind_code)


def _document(
    assignment: CohortAssignment,
    submission: Submission,
    version: SubmissionVersion,
    blind_code: str | None,
) -> bytes:
    cohort, spec, person = assignment.cohort, assignment.spec, submission.user
    lang = cohort.locale or "id"
    fields = version.fields or {}
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    # The language of the text, for Word's spelling and hyphenation (last in w:rPr).
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), WORD_LANGUAGES.get(lang, lang))
    normal.element.get_or_add_rPr().append(language)
    title = (fields.get("nama_inovasi") or "").strip() or spec.title
    props = doc.core_properties
    props.title = title
    props.subject = spec.title
    props.author = blind_code or person.full_name
    props.language = lang
    props.comments = version.content_hash

    doc.add_paragraph(title, style="Title")
    doc.add_paragraph(f"{spec.title} · {cohort.name} ({cohort.code})", style="Subtitle")
    submitted = local_datetime(version.submitted_dt, cohort.timezone, lang)
    line = _("Versi %(n)d, dikirim %(time)s", n=version.number, time=submitted)
    if version.late:
        line += f" ({_('terlambat')})"
    doc.add_paragraph(line)
    if blind_code:
        doc.add_paragraph(_("Kode peserta: %(code)s", code=blind_code))
    else:
        who = person.full_name
        if person.nip:
            who += f" · {_('NIP')} {person.nip_display}"
        if person.office:
            who += f" · {person.office}"
        doc.add_paragraph(_("Peserta: %(who)s", who=who))
    _note(doc, _("Kode hash (SHA-256)") + f": {version.content_hash}")

    writer = _Writer(doc)
    rows = field_rows(spec.kind, fields, hide_identity=bool(blind_code), locale=lang)
    for section, section_rows in _sections(rows):
        doc.add_heading(section, level=1)
        short = [r for r in section_rows if r.kind != "markdown"]
        if short:
            table = doc.add_table(rows=len(short), cols=2)
            table.style = "Table Grid"
            for n, row in enumerate(short):
                label = table.cell(n, 0).paragraphs[0].add_run(row.label)
                label.bold = True
                table.cell(n, 1).paragraphs[0].add_run(_NOT_XML.sub("", _value(row)))
        for row in section_rows:
            if row.kind != "markdown":
                continue
            doc.add_heading(row.label, level=2)
            if row.text and not row.withheld:
                writer.text(row.text)
            else:
                _note(doc, _value(row))

    doc.add_heading(_("Lampiran"), level=1)
    if version.files:
        for n, item in enumerate(version.files, 1):
            name = (
                f"{blind_code}-{n}.{item.get('kind') or 'bin'}" if blind_code else item.get("name")
            )
            size = human_size(item.get("size"), lang)
            doc.add_paragraph(f"{name} ({size})", style="List Bullet")
    else:
        _note(doc, _("Tidak ada berkas."))
    checks = self_check_labels(version)
    if checks:
        doc.add_heading(_("Pemeriksaan mandiri kriteria inovasi daerah (PP 38/2017)"), level=1)
        for label in checks:
            doc.add_paragraph(label, style="List Bullet")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def docx_filename(
    assignment: CohortAssignment,
    submission: Submission,
    number: int,
    *,
    blind_code: str | None = None,
) -> str:
    """proposal-kit-2023-i-proposal-198503...-v2.docx (the participant's code when blind)."""
    person = blind_code or submission.user.nip or f"u{submission.user_id}"
    parts = [
        "proposal",
        _slug(assignment.cohort.code),
        _slug(assignment.spec.key),
        _slug(person),
        f"v{number}",
    ]
    return "-".join(p for p in parts if p) + ".docx"
