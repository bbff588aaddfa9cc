"""Hostile input through every form, in real Chromium: no script runs, no page answers 5xx.

A walker logs in as each role (visitor, participant, clinic requester, office operator, region
coordinator, clinic mentor, region leader, organizer, trainer, admin), goes through the LMS
breadth-first from the dashboard and the role's own pages (following links, a few pages per
URL shape, a page budget per role) and submits every form it meets once: every visible text
field and text area gets a value of the corpus below (script tags, event handlers,
``javascript:`` links in Markdown and HTML, 10,000 characters, right-to-left overrides,
zero-width spaces, emoji, …),
every file field a small valid file under a hostile name (``<img src=x onerror=alert(1)>.pdf``;
member, schedule and mark imports get spreadsheets full of the same). A form refused with
errors is sent again with the refused fields replaced (a shorter hostile value, then a plain
one), so that as much hostile text as the app accepts is stored. Finally every role walks
again without submitting, to see the stored values where they are shown: lists, member
lists, gradebook, receipts, certificates and their public verification pages, the region's
registry, index, clinic cases and notifications, the public innovation catalogue, exports.

The browser runs with the Content-Security-Policy bypassed, so that the app's escaping is
what is tested (the CSP would stop an injected script anyway). The test fails on:

- a script that ran: ``window.__xss`` set (an init script traps the assignment) or a dialog;
- injected active markup in any page: an ``on*`` attribute, a ``javascript:`` URL, a script
  that is not one of the app's files (found even when it did not run);
- a response with status 5xx (pages, form posts, downloads) or an exception in the server;
- an uncaught JavaScript error in a page.

The server is this module's own (its data is vandalised), not the session's ``live_server``.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import struct
import threading
import time
import zlib
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import pytest

try:
    from playwright.sync_api import Error as PlaywrightError
except ImportError:  # the conftest fixture explains; under CI=true it fails instead
    if os.environ.get("CI", "").strip().lower() == "true":
        raise
    pytest.skip("e2e tests need the playwright package", allow_module_level=True)

if TYPE_CHECKING:
    from flask import Flask
    from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.e2e

PASSWORD = "kelasinovasi"
#: Who walks, in this order: the participant writes and sends their work; the clinic requester
#: opens a case and writes in theirs; the Dinkes operator files and submits innovations, which
#: the coordinator sends back, verifies and publishes (and triages the clinic's cases, gives
#: region roles); the mentor writes in the cases; the leader reads; the organizer allocates the
#: class's work to the trainers, who mark it; the admin comes last, and everybody reads
#: everything in the final walk.
ROLES = (
    ("participant", "peserta2@example.org"),
    ("requester", "peserta1@example.org"),
    ("operator", "opd.dinkes@example.org"),
    ("coordinator", "bappeda@example.org"),
    ("mentor", "pendamping@example.org"),
    ("leader", "pimpinan@example.org"),
    ("organizer", "panitia@example.org"),
    ("trainer", "widyaiswara2@example.org"),
    ("admin", "admin@example.org"),
)
#: Pages per role and walk; pages per URL shape (``/cohorts/#/meetings/#`` etc.).
SUBMIT_BUDGET = 60
READ_BUDGET = 35
PER_SHAPE = 2
#: A safety net for the whole test (a walk sends about 250).
MAX_SUBMISSIONS = 500
#: The demo region (Kabupaten Lamaru).
REGION = "7399"

XSS = "window.__xss=1"
CORPUS = [
    f"<script>{XSS}</script>",
    f'"><img src=x onerror="{XSS}">',
    f'[klik di sini](javascript:{XSS}) dan <a href="javascript:{XSS}">tautan</a>',
    f"'><svg onload={XSS}>",
    "Andi 🚀 Rahmat, S.Sos. 👩🏽‍💻",
    f"javascript:{XSS}",
    "\u202eKepala Dinas\u202c nama\u200b\u200btersembunyi\u200d\ufeff",
    ("Sangat panjang <b>tebal</b> 🚀 " * 400)[:10_000],
    f"</textarea></title><script>{XSS}</script><!--",
    "{{ 7*7 }} {% if 1 %}x{% endif %} ${7*7} %(name)s %s {0} ' OR '1'='1'; --",
    f'<iframe srcdoc="<script>parent.__xss=1</script>"></iframe><details open ontoggle={XSS}>',
    f'**tebal** <img src="x" onerror="{XSS}"> ![gambar](javascript:{XSS})',
    f"Baris satu\r\nBaris dua\nSet-Cookie: x=1\r\n<style>@import 'javascript:{XSS}'</style>",
]
#: For fields that refused the first value (too long, not a URL, …).
SHORT_CORPUS = [
    f"<script>{XSS}</script>",
    f'"><img src=x onerror={XSS}>',
    f"<svg onload={XSS}>",
    "Andi 🚀 Rahmat",
    "\u202eRTL\u202c\u200b",
    f"[klik](javascript:{XSS})",
]
HOSTILE_FILE_NAMES = [
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "laporan\u202efdp.exe",
    "Andi 🚀 Rahmat\u200b",
    "..\\..\\" + "x" * 300,
]
PLAIN = "Uji biasa"

#: Forms the walk never sends: they would end it or lock someone out.
NEVER_SUBMIT = re.compile(
    r"/logout$|/account/password$|/admin/users/\d+/admin$|/members/\d+/(remove|role)$"
)
#: Forms without text or file fields that are still worth sending: confirming an import
#: (stores the hostile rows), allocating work to trainers (so that they can mark it),
#: releasing grades (shows the comments to participants), copying the rubric to the class
#: (so that it can be edited).
#: In the region: confirming an office import, submitting an innovation (so that the
#: coordinator can send it back), accepting a clinic case with its mentors (so that they
#: write in it).
BUTTON_FORMS = re.compile(
    r"/import/[0-9a-f]+$|/release$|/decide$|/allocation/auto$|/rubric/copy$"
    r"|/innovations/\d+/submit$|/clinic/\d+/mentors$"
)
#: Pages that are forms, visited first while submitting.
FORM_PAGE = re.compile(
    r"/(edit|new|add|import|settings|rubric|excuse|marks|allocation|eligibility|reconcile|video)$"
    r"|/(revisions|catalogue|archive|confirm|triage|stage|match)$"
    r"|/assignments/\d+$|/grading/submissions/\d+$|/clinic/\d+$|/follow-ups/\d+$"
)
#: Links that are files rather than pages: fetched (for their status), not rendered.
DOWNLOAD = re.compile(r"\.(pdf|xlsx|csv|ics|zip|json|svg|png|jpe?g|webp|mp4)$|/files/\d+(/play)?$")
NOT_FOLLOWED = re.compile(r"^/static/|/logout$|/media/")

TEXT_TYPES = {"text", "search", "url", "email", "tel", "textarea", ""}

# --- the browser side ------------------------------------------------------------------------

#: Before any page script: assigning ``window.__xss`` reports where.
TRAP_JS = """
(() => {
  let hit;
  Object.defineProperty(window, '__xss', {
    configurable: false,
    get() { return hit; },
    set(value) { hit = value; try { window.__walkerXss(String(location.href)); } catch (e) {} },
  });
})();
"""

#: Active markup that the app never writes itself.
SCAN_JS = """
() => {
  const found = [];
  const bad = /^\\s*(javascript|vbscript|data:text\\/html)/i;
  const urlAttrs = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster'];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) found.push(`<${el.localName} ${name}=${attr.value.slice(0, 60)}>`);
      if (name === 'srcdoc') found.push(`<${el.localName} srcdoc>`);
      if (urlAttrs.includes(name) && bad.test(attr.value)) {
        found.push(`<${el.localName} ${name}=${attr.value.slice(0, 60)}>`);
      }
    }
  }
  for (const s of document.querySelectorAll('script')) {
    // A data island (the strings of checkin-app.js, mark-grid.js) runs nothing; it must stay
    // one JSON value (text that broke out of it would end it early and fail to parse).
    if (!s.src && (s.type || '').toLowerCase() === 'application/json') {
      try { JSON.parse(s.textContent); } catch (e) {
        found.push('broken JSON <script>: ' + s.textContent.slice(0, 60));
      }
      continue;
    }
    if (!s.src) found.push('inline <script>: ' + s.textContent.slice(0, 60));
    else if (new URL(s.src).origin !== location.origin) found.push('foreign <script> ' + s.src);
  }
  const foreign = 'iframe, frame, object, embed, base, meta[http-equiv]';
  for (const el of document.querySelectorAll(foreign)) {
    found.push('<' + el.localName + '>');
  }
  return found;
}
"""

#: Whether the page shows hostile text as text (it was stored, and escaped).
SHOWN_JS = f"() => (document.body ? document.body.innerText : '').includes('{XSS}')"

#: The forms of the page, each element tagged so that Python can address it.
FORMS_JS = """
() => {
  const shown = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  return Array.from(document.forms).map((form, i) => {
    form.setAttribute('data-walk-form', String(i));
    const fields = Array.from(form.elements).map((el, j) => {
      el.setAttribute('data-walk-field', `${i}-${j}`);
      return {
        ref: `${i}-${j}`,
        tag: el.localName,
        type: el.localName === 'textarea' ? 'textarea'
          : (el.getAttribute('type') || (el.localName === 'input' ? 'text' : '')).toLowerCase(),
        name: el.getAttribute('name') || '',
        shown: shown(el),
        value: el.value === undefined ? '' : String(el.value),
        accept: el.getAttribute('accept') || '',
        multiple: el.hasAttribute('multiple'),
        checked: !!el.checked,
        disabled: !!el.disabled,
        formaction: el.getAttribute('formaction') || '',
        invalid: el.getAttribute('aria-invalid') === 'true',
        options: el.localName === 'select' ? Array.from(el.options).map((o) => o.value) : [],
      };
    });
    return {
      index: i,
      action: new URL(form.getAttribute('action') || location.href, location.href).href,
      method: (form.getAttribute('method') || 'get').toLowerCase(),
      progress: form.hasAttribute('data-upload-progress'),
      scripted: ['checkin-form', 'mark-grid'].includes(form.id),
      fields,
    };
  });
}
"""

#: Set values as a script would (no maxlength, no typing delay) and choose the rest.
FILL_JS = """
([formIndex, values, times]) => {
  const form = document.querySelector(`[data-walk-form="${formIndex}"]`);
  const radios = new Set();
  let t = 0;
  for (const el of form.elements) {
    const name = el.getAttribute('name') || '';
    const type = (el.getAttribute('type') || '').toLowerCase();
    if (el.disabled) continue;
    if (name in values) {
      el.value = values[name];
    } else if (type === 'checkbox') {
      if (!/remove|hapus|is_admin|delete/i.test(name)) el.checked = true;
    } else if (type === 'radio') {
      const group = `input[type=radio][name="${CSS.escape(name)}"]:checked`;
      if (!radios.has(name) && !form.querySelector(group)) {
        el.checked = true;
      }
      radios.add(name);
    } else if (el.localName === 'select' && !el.multiple && !el.value) {
      const option = Array.from(el.options).find((o) => o.value);
      if (option) el.value = option.value;
    } else if (type === 'date' && !el.value) {
      el.value = '2023-09-06';
    } else if (type === 'time' && !el.value) {
      el.value = times[Math.min(t++, times.length - 1)];
    } else if (type === 'datetime-local' && !el.value) {
      el.value = '2023-09-06T09:00';
    } else if (type === 'number' && !el.value) {
      el.value = '2';
    } else if (type === 'password') {
      el.value = 'Kata-Sandi-Uji-2024';
    } else {
      continue;
    }
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }
}
"""

SUBMIT_JS = """
([formIndex, buttonRef]) => {
  const form = document.querySelector(`[data-walk-form="${formIndex}"]`);
  form.noValidate = true;
  const button = buttonRef ? form.querySelector(`[data-walk-field="${buttonRef}"]`) : null;
  form.requestSubmit(button);
}
"""

#: upload-progress.js posts with XMLHttpRequest and writes the answer into the page; the
#: walk posts such forms as a browser without the script does (a plain copy of the form).
#: The check-in form (checkin-app.js) and the marking grid (mark-grid.js) never leave the
#: page: their scripts keep what was typed on the phone and send it to the JSON API; the walk
#: lets them, looks at the page, then posts a plain copy too (the ids are in FORMS_JS).
PLAIN_FORM_JS = """
(formIndex) => {
  const form = document.querySelector(`[data-walk-form="${formIndex}"]`);
  form.replaceWith(form.cloneNode(true));
}
"""


# --- files with hostile names ---------------------------------------------------------------


def tiny_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Surat keterangan uji")
    return bytes(pdf.output())


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00\x00\xff\x00" * 2)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def import_file(action: str, attempt: int, serial: Iterator[int]) -> bytes:
    """A spreadsheet for the import form at ``action``: first with a broken row (the preview
    lists problems), then a clean one (the preview can be confirmed)."""
    broken = attempt == 0
    if "/members/import" in action:
        rows = [["nama", "email", "nip", "jabatan", "unit kerja", "telepon", "peran"]]
        for value in (CORPUS[0], CORPUS[1], CORPUS[4], CORPUS[6]):
            n = next(serial)
            rows.append(
                [value, f"impor{n}@example.org", "", SHORT_CORPUS[1], value[:150], "", "peserta"]
            )
        if broken:
            rows.append([CORPUS[3], CORPUS[1], CORPUS[0], "", "", CORPUS[3], CORPUS[0]])
        return _csv(rows)
    if "/meetings/import" in action:
        rows = [["judul", "tanggal", "mulai", "selesai", "tempat", "jp", "widyaiswara"]]
        for n, value in enumerate((CORPUS[0], CORPUS[1], CORPUS[4])):
            rows.append([value, f"2023-09-{6 + n:02d}", "13:00", "15:00", SHORT_CORPUS[2], "2", ""])
        if broken:
            rows.append([CORPUS[3], CORPUS[1], CORPUS[0], CORPUS[3], "", CORPUS[6], CORPUS[1]])
        return _csv(rows)
    if "/marks/import" in action:
        rows = [["email", "status", "keterangan"]]
        for n, value in enumerate((CORPUS[0], CORPUS[1], CORPUS[6])):
            rows.append([f"peserta{n + 2}@example.org", "hadir", value])
        if broken:
            rows.append([CORPUS[1], CORPUS[0], CORPUS[3]])
        return _csv(rows)
    if "/offices/import" in action:
        rows = [["nama", "singkatan", "jenis", "induk"]]
        for value in (CORPUS[0], CORPUS[1], CORPUS[4]):
            n = next(serial)
            rows.append([f"{value[:150]} {n}", f"U{n}", "uptd", "Dinkes"])
        if broken:
            rows.append([CORPUS[3], CORPUS[1], CORPUS[0], CORPUS[3]])
        return _csv(rows)
    return _csv([["kolom"], [CORPUS[0]]])


@dataclass
class Files:
    serial: Iterator[int]
    names: Iterator[str] = field(default_factory=lambda: itertools.cycle(HOSTILE_FILE_NAMES))
    pdf: bytes = field(default_factory=tiny_pdf)
    png: bytes = field(default_factory=tiny_png)

    def mp4(self) -> bytes:
        from tests.submissions.mp4 import make_mp4

        return make_mp4(45, audio=True)

    def for_input(self, action: str, accept: str, attempt: int) -> dict[str, Any]:
        accept = accept.lower()
        if action.rstrip("/").endswith("/import"):
            data, ext, mime = import_file(action, attempt, self.serial), "csv", "text/csv"
        elif "video" in accept or "mp4" in accept:
            data, ext, mime = self.mp4(), "mp4", "video/mp4"
        elif "image" in accept or "png" in accept:
            data, ext, mime = self.png, "png", "image/png"
        else:
            data, ext, mime = self.pdf, "pdf", "application/pdf"
        return {"name": f"{next(self.names)}.{ext}", "mimeType": mime, "buffer": data}


# --- what went wrong ---------------------------------------------------------------------------


@dataclass
class Findings:
    scripts: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, message: str) -> None:
        with self.lock:
            bucket = getattr(self, kind)
            if message not in bucket:
                bucket.append(message)

    def clear(self) -> None:
        for kind in ("scripts", "dialogs", "injected", "server_errors", "page_errors"):
            getattr(self, kind).clear()

    def report(self) -> str:
        parts = []
        for kind in ("scripts", "dialogs", "injected", "server_errors", "page_errors"):
            items = getattr(self, kind)
            if items:
                parts.append(f"{kind} ({len(items)}):\n  " + "\n  ".join(items[:40]))
        return "\n".join(parts)


@dataclass
class Stats:
    pages: int = 0
    submissions: int = 0
    downloads: int = 0
    #: Pages that showed hostile text as text.
    shown: int = 0
    forms: set[str] = field(default_factory=set)


# --- the walker --------------------------------------------------------------------------------


class Frontier:
    """Breadth-first, new kinds of page first: a second page of a known shape
    (``/cohorts/#/meetings/#``) waits until no page of a new shape is left. While the walk
    submits, pages that look like forms (``…/edit``, ``…/new``, …) go before all others."""

    def __init__(self, starts: list[str], *, forms_first: bool) -> None:
        self.forms_first = forms_first
        self.forms: deque[str] = deque()
        self.forms_second: deque[str] = deque()
        self.first: deque[str] = deque(starts)
        self.second: deque[str] = deque()
        self.queued = set(starts)
        self.shapes = Counter(self.shape_key(path) for path in starts)

    @staticmethod
    def shape_key(path: str) -> str:
        parts = urlsplit(path)
        keys = sorted({item.split("=")[0] for item in parts.query.split("&") if item})
        return shape_of(parts.path) + "?" + ",".join(keys)

    def add(self, paths: list[str]) -> None:
        for path in paths:
            shape = self.shape_key(path)
            if path in self.queued or self.shapes[shape] >= PER_SHAPE:
                continue
            if self.forms_first and FORM_PAGE.search(urlsplit(path).path):
                (self.forms_second if self.shapes[shape] else self.forms).append(path)
            else:
                (self.second if self.shapes[shape] else self.first).append(path)
            self.shapes[shape] += 1
            self.queued.add(path)

    def pop(self) -> str | None:
        for queue in (self.forms, self.forms_second, self.first, self.second):
            if queue:
                return queue.popleft()
        return None


def shape_of(path: str) -> str:
    """``/cohorts/3/meetings/12`` → ``/cohorts/#/meetings/#``; lessons are one shape."""
    shape = re.sub(r"/[0-9a-f]{16,}(?=/|$)", "/T", path)
    shape = re.sub(r"/\d+(?=/|\.|$)", "/#", shape)
    # An index indicator is one shape whatever its code (SID-35, SPD-05b, …).
    shape = re.sub(r"/(indicators|region)/[A-Z]{3}-\w+(?=/|$)", r"/\1/*", shape)
    shape = re.sub(r"^/courses/[^/]+", "/courses/*", shape)
    return re.sub(r"^/courses/\*/(?!assignments/|media/)[^/]+", "/courses/*/*", shape)


def form_signature(form: dict[str, Any]) -> str:
    path = urlsplit(form["action"]).path
    names = sorted(
        {
            re.sub(r"\d+", "#", f["name"])
            for f in form["fields"]
            if f["name"] and f["type"] != "hidden"
        }
    )
    return f"{form['method'].upper()} {shape_of(path)} {','.join(names)}"


class Walker:
    def __init__(
        self,
        browser: Browser,
        base_url: str,
        role: str,
        findings: Findings,
        files: Files,
        values: Iterator[str],
        serial: Iterator[int],
        stats: Stats,
    ) -> None:
        self.base_url = base_url
        self.origin = urlsplit(base_url).netloc
        self.role = role
        self.findings = findings
        self.files = files
        self.values = values
        self.serial = serial
        self.stats = stats
        self.submitted: Counter[str] = Counter()
        self.downloads: dict[str, str] = {}
        self.context: BrowserContext = browser.new_context(base_url=base_url, bypass_csp=True)
        self.context.set_default_timeout(20_000)
        self.context.add_init_script(TRAP_JS)
        self.context.expose_binding("__walkerXss", self._on_xss)
        self.context.on("response", self._on_response)
        self.page: Page = self.context.new_page()
        self.page.on("dialog", self._on_dialog)
        self.page.on("pageerror", lambda e: findings.add("page_errors", f"{role}: {e}"))

    # events

    def _on_xss(self, _source: Any, where: str) -> None:
        self.findings.add("scripts", f"{self.role}: window.__xss set on {where}")

    def _on_dialog(self, dialog: Any) -> None:
        self.findings.add(
            "dialogs", f"{self.role}: {dialog.type} {dialog.message!r} on {self.page.url}"
        )
        dialog.dismiss()

    def _on_response(self, response: Any) -> None:
        if response.status >= 500:
            method = response.request.method
            self.findings.add(
                "server_errors", f"{self.role}: {response.status} {method} {response.url}"
            )

    # pages

    def local_path(self, url: str) -> str | None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc != self.origin:
            return None
        return urlunsplit(("", "", parts.path, parts.query, ""))

    def check(self) -> None:
        where = self.page.url
        try:
            if self.page.evaluate("() => window.__xss") is not None:
                self.findings.add("scripts", f"{self.role}: window.__xss defined on {where}")
            if self.page.evaluate(SHOWN_JS):
                self.stats.shown += 1
            for item in self.page.evaluate(SCAN_JS):
                self.findings.add("injected", f"{self.role}: {item} on {where}")
        except PlaywrightError as exc:  # the page navigated away meanwhile
            if "navigat" not in str(exc) and "destroyed" not in str(exc):
                raise

    def visit(self, path: str) -> bool:
        try:
            response = self.page.goto(path, wait_until="load")
        except PlaywrightError as exc:
            if "Download is starting" in str(exc):
                return False
            raise
        self.stats.pages += 1
        self.check()
        content_type = response.headers.get("content-type", "") if response else ""
        return content_type.startswith("text/html")

    def links(self) -> list[str]:
        hrefs = self.page.eval_on_selector_all("a[href]", "els => els.map((a) => a.href)")
        found = []
        for href in hrefs:
            path = self.local_path(href)
            if path is None or NOT_FOLLOWED.search(urlsplit(path).path):
                continue
            if "lang=" in path:
                continue
            if DOWNLOAD.search(urlsplit(path).path):
                self.downloads.setdefault(shape_of(urlsplit(path).path), path)
                continue
            found.append(path)
        return found

    def walk(self, starts: list[str], budget: int, submit: bool) -> None:
        frontier = Frontier(starts, forms_first=submit)
        visits = 0
        while visits < budget and (path := frontier.pop()) is not None:
            if not self.visit(path):
                continue
            visits += 1
            if submit:
                self.submit_forms(path, frontier)
            frontier.add(self.links())

    def fetch_downloads(self) -> None:
        for path in sorted(self.downloads.values()):
            response = self.context.request.get(path, max_redirects=0, timeout=60_000)
            self.stats.downloads += 1
            if response.status >= 500:
                self.findings.add("server_errors", f"{self.role}: {response.status} GET {path}")

    # forms

    def forms(self) -> list[dict[str, Any]]:
        return self.page.evaluate(FORMS_JS)

    def qualifies(self, form: dict[str, Any]) -> bool:
        action = urlsplit(form["action"])
        if action.netloc != self.origin or NEVER_SUBMIT.search(action.path):
            return False
        if action.path == "/login" and self.role != "visitor":
            return False
        signature = form_signature(form)
        limit = 2 if action.path.endswith("/import") else 1
        if self.submitted[signature] >= limit:
            return False
        fillable = any(
            f["shown"] and not f["disabled"] and (f["type"] in TEXT_TYPES or f["type"] == "file")
            for f in form["fields"]
            if f["tag"] in ("input", "textarea")
        )
        return fillable or bool(BUTTON_FORMS.search(action.path))

    def next_form(self) -> dict[str, Any] | None:
        for form in self.forms():
            if self.qualifies(form):
                return form
        return None

    def submit_forms(self, path: str, frontier: Frontier) -> None:
        fresh = True
        while self.stats.submissions < MAX_SUBMISSIONS:
            form = self.next_form()
            if form is None:
                if fresh or not self.visit(path):
                    return
                fresh = True
                continue
            self.send(form)
            fresh = False
            frontier.add(self.links())

    def text_fields(self, form: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            f
            for f in form["fields"]
            if f["tag"] in ("input", "textarea")
            and f["type"] in TEXT_TYPES
            and f["shown"]
            and not f["disabled"]
            and f["name"]
        ]

    def fallback(self, f: dict[str, Any], attempt: int, original: str) -> str:
        if f["type"] == "email":
            return f"uji.{next(self.serial)}@example.org"
        if f["type"] == "url":
            return "https://youtu.be/dQw4w9WgXcQ"
        if f["type"] == "tel":
            return "0811-2233-4455"
        if attempt == 1:
            return SHORT_CORPUS[next(self.serial) % len(SHORT_CORPUS)]
        return original or PLAIN

    def send(self, form: dict[str, Any]) -> None:
        signature = form_signature(form)
        attempt_no = self.submitted[signature]
        self.submitted[signature] += 1
        self.stats.forms.add(signature)
        originals = {f["name"]: f["value"] for f in self.text_fields(form)}
        values = {f["name"]: next(self.values) for f in self.text_fields(form)}
        for attempt in range(3):
            self.fill_and_submit(form, values, with_files=attempt < 2, file_attempt=attempt_no)
            again = [
                f for f in self.forms() if form_signature(f) == signature and self.text_fields(f)
            ]
            refused = [f for f in self.text_fields(again[0]) if f["invalid"]] if again else []
            if not refused:
                return
            form = again[0]
            values = {
                f["name"]: self.fallback(f, attempt + 1, originals.get(f["name"], ""))
                for f in refused
            }

    def fill_and_submit(
        self, form: dict[str, Any], values: dict[str, str], *, with_files: bool, file_attempt: int
    ) -> None:
        index = form["index"]
        times = ["09:00", "11:00", "13:00", "15:00"]
        if form["scripted"]:
            self.page.evaluate(FILL_JS, [index, values, times])
            self.page.evaluate(SUBMIT_JS, [index, None])
            self.page.wait_for_timeout(2_000)  # stored, sent, shown in the page's list
            self.check()
        if form["progress"] or form["scripted"]:
            self.page.evaluate(PLAIN_FORM_JS, index)
            form = self.forms()[index]
        self.page.evaluate(FILL_JS, [index, values, times])
        if with_files:
            for f in form["fields"]:
                if f["type"] == "file" and f["shown"] and not f["disabled"]:
                    count = 2 if f["multiple"] else 1
                    payload = [
                        self.files.for_input(form["action"], f["accept"], file_attempt)
                        for _ in range(count)
                    ]
                    self.page.set_input_files(f'[data-walk-field="{f["ref"]}"]', payload)
        buttons = [
            f
            for f in form["fields"]
            if f["type"] == "submit" and f["shown"] and not f["disabled"] and not f["formaction"]
        ]
        button = buttons[-1]["ref"] if buttons else None
        self.stats.submissions += 1
        try:
            with self.page.expect_navigation(wait_until="load", timeout=30_000):
                self.page.evaluate(SUBMIT_JS, [index, button])
        except PlaywrightError as exc:
            if "Timeout" in str(exc):
                raise AssertionError(
                    f"{self.role}: the form to {form['action']} on {self.page.url} never left "
                    "the page: if a script answers it, add its id to the scripted forms of "
                    "FORMS_JS"
                ) from exc
            if "Download is starting" not in str(exc):
                raise
        self.check()

    def close(self) -> None:
        self.context.close()


def login(walker: Walker, email: str, next_url: str = "") -> None:
    page = walker.page
    page.goto("/login" + next_url)
    page.fill("input[name=identifier]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.click("form:has(input[name=identifier]) button[type=submit]")
    walker.check()
    assert urlsplit(page.url).path == "/dashboard", f"login as {email} ended at {page.url}"


# --- the server ------------------------------------------------------------------------------


@dataclass
class HostileServer:
    url: str
    app: Flask
    cohort_ids: dict[str, int]
    errors: list[BaseException]


@pytest.fixture(scope="module")
def hostile_server(
    e2e_requirements: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HostileServer]:
    """Like ``live_server`` (demo data, course packs, CSRF on, production error pages), but
    this module's own: the walk leaves its data full of hostile text."""
    from flask import got_request_exception
    from werkzeug.serving import make_server

    from lms import COURSES_DIR, create_app
    from lms.catalog.operations import sync_all
    from lms.catalog.packs import discover
    from lms.cohorts.models import Cohort
    from lms.config import Config
    from lms.demo import load_demo
    from lms.extensions import db

    base = tmp_path_factory.mktemp("hostile-server")
    config = Config()
    config.SECRET_KEY = "hostile-e2e-secret-key-not-for-production"
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{base / 'hostile.sqlite3'}"
    config.LMS_UPLOAD_DIR = str(base / "uploads")
    config.LMS_HTTPS = False
    config.SESSION_COOKIE_SECURE = False
    config.REMEMBER_COOKIE_SECURE = False
    config.RATELIMIT_STORAGE_URI = "memory://"
    config.RATELIMIT_ENABLED = False  # hundreds of posts in a minute are the point here
    from lms.extensions import limiter

    # The limiter is one object shared by every app of the process: give the suite's app its
    # limits back afterwards.
    was_enabled = limiter.enabled
    app = create_app(config)
    errors: list[BaseException] = []

    def record(sender: Any, exception: BaseException, **_: Any) -> None:
        errors.append(exception)

    got_request_exception.connect(record, app, weak=False)
    with app.app_context():
        db.create_all()
        sync_all(discover(COURSES_DIR))
        db.session.commit()
        load_demo()
        cohort_ids = {c.code: c.id for c in db.session.scalars(db.select(Cohort))}

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="hostile-server", daemon=True)
    thread.start()
    try:
        yield HostileServer(f"http://127.0.0.1:{server.server_port}", app, cohort_ids, errors)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        got_request_exception.disconnect(record, app)
        limiter.enabled = was_enabled
        with app.app_context():
            db.engine.dispose()


def region_starts(server: HostileServer) -> dict[str, list[str]]:
    """Where each region role starts writing: their region's pages (the registry, the index,
    the clinic) and the forms the walk would reach late, hostile search terms included."""
    from lms.accounts.models import User
    from lms.clinic.models import Consultation
    from lms.extensions import db
    from lms.innovations.models import Innovation

    with server.app.app_context():
        innovations = {i.name: i.id for i in db.session.scalars(db.select(Innovation))}
        cases = list(
            db.session.execute(
                db.select(Consultation.id, Consultation.state, User.email).join(
                    User, User.id == Consultation.requester_id
                )
            )
        )
    own = [c for c, _state, email in cases if email == "peserta1@example.org"]
    waiting = [c for c, state, _email in cases if state == "new"]
    active = [c for c, state, _email in cases if state == "active"]
    region = f"/regions/{REGION}"
    draft = innovations["SIAP ANTAR (Siaga Antar Obat Rutin) bagi lansia dengan penyakit kronis"]
    revising = innovations["Rapor Gizi Balita Digital"]
    submitted = innovations["Apotek Desa Terpadu"]
    verified = innovations["Posbindu Keliling Lansia"]
    return {
        "participant": ["/clinic", "/clinic/new"],
        "requester": ["/clinic/new", *(f"/clinic/{c}" for c in own), "/clinic", "/notifications"],
        "operator": [
            f"{region}/innovations/{revising}/edit",
            f"{region}/innovations/{draft}/edit",
            f"{region}/innovations/new",
            f"{region}/innovations/{draft}",
            f"{region}/innovations?q={CORPUS[1]}&state={CORPUS[0]}",
            f"{region}/iid/2023/innovations",
            "/clinic/new",
        ],
        "coordinator": [
            f"{region}/innovations/{submitted}/revisions",
            f"{region}/innovations/{draft}",
            f"{region}/innovations/{verified}/catalogue",
            f"{region}/innovations/{verified}/confirm",
            *(f"/clinic/{c}/triage" for c in waiting),
            f"{region}/people/add",
            f"{region}/offices/new",
            f"{region}/offices/import",
            f"{region}/clinic?state={CORPUS[3]}",
            f"{region}/iid/2023",
            f"{region}/iid/2023/innovations/{verified}",
            f"{region}/iid/2023/region",
        ],
        "mentor": [*(f"/clinic/{c}" for c in active[:3]), "/clinic"],
        "leader": [
            f"{region}/dashboard?year={CORPUS[0]}",
            f"{region}/iid/2023",
            f"{region}/clinic/report",
            f"{region}/innovations/{submitted}",
        ],
    }


def assignment_starts(server: HostileServer, cohort_id: int) -> list[str]:
    """The class's assignment pages and the video form: a participant meets more of them
    than two a URL shape lets the walk follow."""
    from lms.extensions import db
    from lms.submissions.models import CohortAssignment

    with server.app.app_context():
        assignments = db.session.scalars(
            db.select(CohortAssignment).filter_by(cohort_id=cohort_id).order_by(CohortAssignment.id)
        ).all()
        pages = [f"/cohorts/{cohort_id}/assignments/{a.id}" for a in assignments]
        pages += [
            f"/cohorts/{cohort_id}/assignments/{a.id}/video"
            for a in assignments
            if a.spec.kind == "video"
        ]
    return pages


def region_reads() -> list[str]:
    """Where the region's people read what was stored."""
    region = f"/regions/{REGION}"
    return [
        f"{region}/innovations",
        f"{region}/clinic",
        f"{region}/clinic/report",
        f"{region}/dashboard",
        f"{region}/iid/2023",
        f"{region}/iid/2023/innovations",
        f"{region}/people",
        f"{region}/offices",
        "/clinic",
        "/notifications",
    ]


def stored_pages(server: HostileServer) -> tuple[list[str], list[str]]:
    """Pages that show stored values and may not be linked from where the walk went: every
    certificate's public verification page and the public catalogue (for the visitor), every
    submitted version (for the admin)."""
    from lms.certificates.models import Certificate
    from lms.extensions import db
    from lms.innovations.models import Innovation
    from lms.submissions.models import Submission

    with server.app.app_context():
        public = [f"/verify/{c.code}" for c in db.session.scalars(db.select(Certificate))]
        public += ["/inovasi", f"/inovasi?q={CORPUS[0]}"]
        public += [
            f"/inovasi/{slug}"
            for slug in db.session.scalars(
                db.select(Innovation.slug).where(Innovation.published_dt.is_not(None))
            )
        ]
        versions = [
            f"/cohorts/{s.assignment.cohort_id}/assignments/{s.assignment_id}"
            f"/versions/{s.latest_number}"
            for s in db.session.scalars(db.select(Submission).where(Submission.latest_number > 0))
        ]
    return public, versions


# --- the test ----------------------------------------------------------------------------------


def detectors_work(walker: Walker, findings: Findings) -> None:
    """The control: markup injected into a page by hand is found, its handler runs and is
    reported, and so is a dialog. Then the findings start empty."""
    walker.visit("/login")
    walker.page.evaluate(
        "() => document.body.insertAdjacentHTML('beforeend', "
        f'\'<img src="/tidak-ada.png" onerror="{XSS}">\')'
    )
    walker.page.evaluate("() => setTimeout(() => alert('uji'), 0)")
    deadline = time.monotonic() + 10
    while not (findings.scripts and findings.dialogs) and time.monotonic() < deadline:
        walker.page.wait_for_timeout(50)
    walker.check()
    assert findings.scripts, "the window.__xss trap did not report the injected handler"
    assert findings.dialogs, "the dialog was not reported"
    assert any("onerror" in item for item in findings.injected), findings.injected
    findings.clear()


def test_hostile_input_through_every_form_runs_no_script_and_breaks_no_page(
    hostile_server: HostileServer, e2e_browser: Browser
) -> None:
    started = time.monotonic()
    findings = Findings()
    serial = itertools.count(1)
    values = itertools.cycle(CORPUS)
    files = Files(serial=serial)
    stats = Stats()
    kit = hostile_server.cohort_ids["KIT-2023-I"]

    def walker(role: str) -> Walker:
        return Walker(e2e_browser, hostile_server.url, role, findings, files, values, serial, stats)

    # A visitor: the login form, the verification form, links made of hostile text.
    visitor = walker("visitor")
    detectors_work(visitor, findings)
    reflected = [
        "/login",
        "/verify",
        f"/verify/{CORPUS[1]}",
        f"/verify?code={CORPUS[0]}",
        f"/checkin/{CORPUS[3]}",
        f"/checkin/1-{SHORT_CORPUS[4]}",  # six characters, not ASCII: once a 500
        f"/login?next=javascript:{XSS}",
        f"/login?next=//example.org/{CORPUS[1]}&lang={CORPUS[0]}",
    ]
    visitor.walk(reflected, budget=len(reflected) + 5, submit=True)

    # Each role writes, in order, through every form it reaches.
    walkers = {"visitor": visitor}
    regional = region_starts(hostile_server)
    for role, email in ROLES:
        walkers[role] = current = walker(role)
        login(current, email, next_url=f"?next=javascript:{XSS}" if role == "participant" else "")
        if role in regional and role not in ("participant", "requester"):
            starts = [*regional[role], "/dashboard", "/account/profile"]
        else:
            starts = [*regional.get(role, []), "/dashboard", f"/cohorts/{kit}"]
            if role == "participant":
                starts += assignment_starts(hostile_server, kit)
            starts += ["/account/profile", "/checkin", f"/cohorts/{kit}/search?q={CORPUS[1]}"]
            starts += [
                f"/cohorts/{kit}/grading/queue?status={CORPUS[0]}&trainer={CORPUS[3]}",
                f"/admin/users?q={CORPUS[0]}",
            ]
        current.walk(starts, budget=SUBMIT_BUDGET, submit=True)

    # Everyone reads what was stored.
    public, versions = stored_pages(hostile_server)
    for role, current in walkers.items():
        if role == "visitor":
            current.walk(public, budget=len(public) + 5, submit=False)
        else:
            starts = ["/dashboard", f"/cohorts/{kit}", f"/cohorts/{kit}/members"]
            if role in regional or role == "admin":
                starts += region_reads()
            if role == "admin":
                starts += versions
            current.walk(starts, budget=READ_BUDGET + len(starts), submit=False)
        current.fetch_downloads()
        current.close()

    problems = findings.report()
    problems += "".join(f"\nserver exception: {e!r}" for e in hostile_server.errors)
    summary = (
        f"{stats.pages} pages, {stats.submissions} submissions of {len(stats.forms)} forms, "
        f"{stats.downloads} downloads in {time.monotonic() - started:.0f} s; "
        f"{stats.shown} pages showed hostile text as text"
    )
    print(summary, "forms submitted:", *sorted(stats.forms), sep="\n  ")
    assert not problems.strip(), f"{summary}\n{problems}"
    # The walk reached the forms that matter (it is not vacuous).
    assert stats.submissions >= 40 and len(stats.forms) >= 30, summary
    assert stats.shown >= 50, summary
    expected = {
        "/account/profile",
        "/cohorts/#/members/add",
        "/cohorts/#/assignments/#",
        "/cohorts/#/meetings/new",
        "/cohorts/#/members/import",
        "/admin/users/new",
        "/cohorts/new",
        "/cohorts/#/certificates/issue",
        "/cohorts/#/certificates/settings",
        "/cohorts/#/meetings/#/excuse",
        "/cohorts/#/assignments/#/video",
        "/cohorts/#/grading/submissions/#",
        "/cohorts/#/grading/assignments/#/rubric",
        # The region's people.
        "/clinic/new",
        "/clinic/#/messages",
        "/regions/#/innovations/new",
        "/regions/#/innovations/#/edit",
        "/regions/#/innovations/#/revisions",
        "/regions/#/innovations/#/catalogue",
        "/regions/#/people/add",
        "/regions/#/offices/new",
        "/regions/#/offices/import",
        "/regions/#/iid/#/innovations/#/indicators/*/documents",
        "/clinic/#/appointments/new",
    }
    reached = {sig.split(" ")[1] for sig in stats.forms}
    assert expected <= reached, f"forms never submitted: {sorted(expected - reached)}"
