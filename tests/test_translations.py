"""The message catalogs: English complete, catalogs in step with the code, .mo in step with .po.

Source strings are Indonesian (the default locale ``id``); the ``id`` catalog keeps its msgstr
empty so gettext falls back to the msgid. No app and no database needed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from babel.support import Translations

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "lms" / "translations"
POT = TRANSLATIONS / "messages.pot"
LOCALES = ("en", "id")
HINT = "run `make messages` and translate the new strings in lms/translations/en"

# Same options as the `messages` target in the Makefile.
EXTRACT_ARGS = ("extract", "-F", "babel.cfg", "-k", "lazy_gettext", "-k", "_l")

# Python named placeholders: %(name)s, %(n)d, %(size).1f ...
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def _po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def _forms(value) -> tuple[str, ...]:
    """Singular and plural forms of a msgid or msgstr as a tuple."""
    if isinstance(value, list | tuple):
        return tuple(value)
    return (value,)


def _placeholders(value) -> set[str]:
    return {m.group(0) for form in _forms(value) for m in PLACEHOLDER.finditer(form or "")}


def _compiled(message) -> tuple[str, ...]:
    ids = _forms(message.id)
    return tuple(s or ids[min(i, len(ids) - 1)] for i, s in enumerate(_forms(message.string)))


def _msgids(catalog: Catalog) -> set:
    return {m.id for m in catalog if m.id}


def _short(msgid) -> str:
    text = " | ".join(_forms(msgid))
    return text if len(text) <= 90 else text[:87] + "..."


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set:
    """The msgids in the code and templates now, extracted as `make messages` does."""
    out = tmp_path_factory.mktemp("i18n") / "messages.pot"
    result = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", *EXTRACT_ARGS, "-o", str(out), "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"pybabel extract failed:\n{result.stderr}"
    with out.open("rb") as f:
        return _msgids(read_po(f))


def test_english_catalog_is_complete():
    catalog = _read_po(_po_path("en"))
    problems = []
    for message in catalog:
        if not message.id:
            continue
        label = _short(message.id)
        strings = _forms(message.string)
        if not all(s.strip() for s in strings):
            problems.append(f"untranslated: {label}")
        if message.fuzzy:
            problems.append(f"fuzzy: {label}")
        if strings and all(strings) and _placeholders(message.id) != _placeholders(strings):
            problems.append(
                f"placeholders differ: {label}: msgid {sorted(_placeholders(message.id))}, "
                f"msgstr {sorted(_placeholders(strings))}"
            )
    assert len(catalog) > 1, "the English catalog is empty"
    assert not problems, "lms/translations/en/LC_MESSAGES/messages.po:\n" + "\n".join(problems)


def test_catalog_headers_are_not_fuzzy():
    for locale in LOCALES:
        assert not _read_po(_po_path(locale)).fuzzy, f"{locale} catalog header is marked fuzzy"


@pytest.mark.parametrize("name", ["messages.pot", *LOCALES])
def test_catalogs_match_the_code(extracted: set, name: str):
    path = POT if name == "messages.pot" else _po_path(name)
    in_catalog = _msgids(_read_po(path))
    missing = sorted(extracted - in_catalog, key=str)
    stale = sorted(in_catalog - extracted, key=str)
    lines = [f"{path.relative_to(ROOT)} is out of date with the code; {HINT}."]
    if missing:
        lines.append(f"Missing msgids ({len(missing)}):")
        lines += [f"  {_short(m)}" for m in missing]
    if stale:
        lines.append(f"Msgids no longer in the code ({len(stale)}):")
        lines += [f"  {_short(m)}" for m in stale]
    assert not missing and not stale, "\n".join(lines)


@pytest.mark.parametrize("locale", LOCALES)
def test_mo_is_compiled_from_po(locale: str):
    po_path = _po_path(locale)
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path.relative_to(ROOT)} missing: run `make messages`"
    # What `pybabel compile` writes: translated messages, and plural messages whose empty
    # forms fall back to the msgid (read_mo gives plural msgids as lists).
    po = {
        _forms(m.id) if isinstance(m.id, list | tuple) else m.id: _compiled(m)
        for m in _read_po(po_path)
        if m.id and not m.fuzzy and m.string
    }
    with mo_path.open("rb") as f:
        mo = {
            _forms(m.id) if isinstance(m.id, list | tuple) else m.id: _forms(m.string)
            for m in read_mo(f)
            if m.id
        }
    assert mo == po, (
        f"{mo_path.relative_to(ROOT)} does not match its .po: run "
        "`.venv/bin/pybabel compile -d lms/translations` (or `make messages`) and commit the .mo"
    )


def test_flask_babel_layout_loads_english():
    """Flask-Babel reads <dir>/<locale>/LC_MESSAGES/messages.mo; English is really used."""
    english = Translations.load(str(TRANSLATIONS), ["en"], "messages")
    assert english.gettext("Masuk") == "Log in"
    assert english.gettext("Peserta") == "Participant"
    indonesian = Translations.load(str(TRANSLATIONS), ["id"], "messages")
    assert indonesian.gettext("Masuk") == "Masuk"
