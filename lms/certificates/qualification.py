"""A class's qualification scheme: which label a certificate prints for a score (pure rules).

The score is what the class's certificate rules name: the mean of the released final scores
of the assignments that must be passed (:func:`lms.certificates.eligibility.judge`), on the
0–100 scale of rubric totals, rounded to one decimal like them.

A scheme is a list of labels with a minimum score each, highest first; a score gets the first
label whose minimum it reaches, and none below the lowest minimum. Minimums have at most one
decimal, as scores do, so a band runs from its minimum to 0.1 below the one above it
("Memuaskan 80–89,9"): no score falls between two bands and no score fits two.

Schemes are data (DESIGN.md: rules that change every year are data files with a loader and
a check command): ``schemes/default.toml`` ships with the package, the four-level wording
Indonesian training certificates commonly use, on tens (Sangat Memuaskan from 90, Memuaskan
from 80, Baik from 70, Cukup from 60; a default, not a regulation). ``LMS_QUALIFICATION_PATHS``
names more files or folders (a file named like a shipped one replaces it, ``default.toml``
included); the organizer starts a class's own scheme from any of them on the certificate
settings page, and ``flask lms certificates check-schemes [PATH]`` checks them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from flask_babel import format_decimal

from lms.datafiles import Problem, data_files, read_toml
from lms.i18n import gettext as _

log = logging.getLogger(__name__)

#: The shipped scheme files; ``default`` is the scheme of a class that has set none.
SCHEMES_DIR = Path(__file__).resolve().parent / "schemes"
DEFAULT = "default"
#: The languages every label, title and source is given in.
LANGUAGES = ("id", "en")
#: The longest label (Certificate.qualification is 80 characters).
LABEL_MAX = 80
MAX_BANDS = 8
TOP = 100.0


@dataclass(frozen=True)
class Band:
    label: str
    min: float


def bands(scheme: Iterable[Mapping[str, Any]] | None, locale: str = "id") -> list[Band]:
    """The scheme as bands, highest first; None or empty: the default scheme's (labels in
    ``locale``, Indonesian unless asked)."""
    rows = list(scheme or ())
    if not rows:
        return default_scheme().bands(locale)
    found = [Band(str(row["label"]), float(row["min"])) for row in rows]
    return sorted(found, key=lambda band: band.min, reverse=True)


def stored(scheme: Sequence[Band]) -> list[dict[str, Any]]:
    """The bands as the plan stores them (JSON)."""
    return [{"label": band.label, "min": band.min} for band in scheme]


def band_for(scheme: Sequence[Band], score: float | None) -> Band | None:
    """The first band (highest first) whose minimum ``score`` reaches; None below them all.
    The score is not rounded here (scores arrive rounded to one decimal): 89.95 is not 90;
    the tolerance only absorbs binary fractions."""
    if score is None:
        return None
    for band in sorted(scheme, key=lambda b: b.min, reverse=True):
        if score >= band.min - 1e-9:
            return band
    return None


def _number(value: float) -> str:
    return format_decimal(value, format="0.#")


def ranges(scheme: Sequence[Band]) -> list[tuple[str, str]]:
    """(label, score range in words) highest first: ("Memuaskan", "80–89,9")."""
    ordered = sorted(scheme, key=lambda b: b.min, reverse=True)
    out = []
    upper = TOP
    for n, band in enumerate(ordered):
        top = upper if n == 0 else round(upper - 0.1, 1)
        out.append((band.label, f"{_number(band.min)}–{_number(top)}"))
        upper = band.min
    return out


def describe(scheme: Sequence[Band]) -> str:
    """ "Sangat Memuaskan 90–100 · Memuaskan 80–89,9 · …" """
    return " · ".join(f"{label} {span}" for label, span in ranges(scheme))


def problems(rows: Sequence[tuple[str, float | None]]) -> dict[int, dict[str, str]]:
    """What is wrong with the rows an organizer typed (label, minimum), by row index and
    field ("label" or "min"); rows with neither are skipped. Empty: the rows are a scheme."""
    found: dict[int, dict[str, str]] = {}
    previous: tuple[int, float] | None = None
    seen: dict[str, int] = {}
    for i, (label, minimum) in enumerate(rows):
        label = " ".join((label or "").split())
        if not label and minimum is None:
            continue
        row: dict[str, str] = {}
        if not label:
            row["label"] = _("Isi nama kualifikasi untuk nilai minimal ini.")
        elif len(label) > LABEL_MAX:
            row["label"] = _("Nama kualifikasi paling panjang %(n)d karakter.", n=LABEL_MAX)
        elif label.lower() in seen:
            row["label"] = _("Nama kualifikasi ini sudah dipakai di baris lain.")
        if label:
            seen.setdefault(label.lower(), i)
        if minimum is None:
            row["min"] = _("Isi nilai minimal untuk %(label)s.", label=label)
        elif not 0 <= minimum <= TOP:
            row["min"] = _("Nilai minimal antara 0 dan 100.")
        elif abs(round(minimum, 1) - minimum) > 1e-9:
            row["min"] = _("Nilai minimal paling banyak satu angka desimal, misalnya 80 atau 85,5.")
        elif previous is not None and minimum >= previous[1]:
            row["min"] = _(
                "Nilai minimal harus lebih kecil daripada baris di atasnya (%(above)s): "
                "urutkan dari yang tertinggi, tanpa rentang yang tumpang tindih.",
                above=_number(previous[1]),
            )
        if minimum is not None and "min" not in row:
            previous = (i, minimum)
        if row:
            found[i] = row
    if not found and not any((label or "").strip() for label, _m in rows):
        found[0] = {"label": _("Isi sekurang-kurangnya satu kualifikasi.")}
    return found


def from_rows(rows: Sequence[tuple[str, float | None]]) -> list[Band]:
    """The scheme of rows that :func:`problems` accepted, highest first."""
    return [
        Band(" ".join(label.split()), round(float(minimum), 1))
        for label, minimum in rows
        if (label or "").strip() and minimum is not None
    ]


# --- scheme files -------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemeBand:
    #: The label by language ("id", "en").
    label: Mapping[str, str]
    min: float


@dataclass(frozen=True)
class Scheme:
    """A scheme file: its name (the file's stem), title and source by language, and bands
    highest first."""

    name: str
    title: Mapping[str, str]
    source: Mapping[str, str]
    rows: tuple[SchemeBand, ...]
    path: Path

    def bands(self, locale: str = "id") -> list[Band]:
        language = _language(locale)
        return [Band(row.label[language], row.min) for row in self.rows]

    def title_in(self, locale: str) -> str:
        return self.title[_language(locale)]

    def source_in(self, locale: str) -> str:
        return self.source[_language(locale)]

    @property
    def origin(self) -> str:
        return "shipped" if self.path.parent == SCHEMES_DIR else "LMS_QUALIFICATION_PATHS"


def _language(locale: str) -> str:
    return "en" if str(locale or "").startswith("en") else "id"


_TOP_KEYS = {"title", "source", "band"}
_HINTS = {
    "title": ': the scheme\'s name in id and en, e.g. title = { id = "…", en = "…" }',
    "source": ": say where the scheme comes from, in id and en (a regulation, or that it is "
    "a default and not a regulation)",
}
_BAND_KEYS = {"label", "min"}
_KEY_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*[.=]")


class _Lines:
    """Line numbers of the keys of a scheme file: top level, and per [[band]]."""

    def __init__(self, text: str) -> None:
        self.top: dict[str, int] = {}
        self.bands: list[tuple[int, dict[str, int]]] = []
        section: dict[str, int] | None = self.top
        for number, line in enumerate(text.splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith("[["):
                if stripped.replace(" ", "").startswith("[[band]]"):
                    self.bands.append((number, {}))
                    section = self.bands[-1][1]
                else:
                    section = None
                continue
            if stripped.startswith("["):
                section = None
                continue
            match = _KEY_LINE.match(line)
            if match and section is not None:
                section.setdefault(match.group(1), number)

    def of(self, key: str) -> int:
        return self.top.get(key, 1)

    def band(self, index: int, key: str | None = None) -> int:
        if index >= len(self.bands):
            return 1
        header, keys = self.bands[index]
        return keys.get(key, header) if key else header


def _texts(value: Any, what: str, line: int, problems: list[Problem], path: Path) -> dict[str, str]:
    """A {"id": …, "en": …} table of non-empty one-line texts; problems for what lacks."""
    found: dict[str, str] = {}
    if value is None:
        problems.append(Problem(path, line, f"{what} is missing{_HINTS.get(what, '')}"))
        return found
    if not isinstance(value, dict):
        problems.append(Problem(path, line, f'{what} must be a table {{ id = "…", en = "…" }}'))
        return found
    for language in LANGUAGES:
        text = value.get(language)
        if not isinstance(text, str) or not " ".join(text.split()):
            problems.append(Problem(path, line, f"{what}.{language} is missing or empty"))
            continue
        found[language] = " ".join(text.split())
    for extra in sorted(set(value) - set(LANGUAGES)):
        problems.append(
            Problem(path, line, f"{what}.{extra}: unknown language (use {', '.join(LANGUAGES)})")
        )
    return found


def load_scheme(path: Path | str) -> tuple[Scheme | None, list[Problem]]:
    """The scheme in ``path`` and the problems found; None when there are any (labels
    non-empty and unique in each language, at most 80 characters; minimums numbers from 0
    to 100 with at most one decimal, falling from band to band; a title and a source)."""
    path = Path(path)
    data, text, unreadable = read_toml(path, decimals=True)
    if data is None:
        return None, unreadable
    lines = _Lines(text)
    problems: list[Problem] = []
    for key in sorted(set(data) - _TOP_KEYS):
        problems.append(Problem(path, lines.of(key), f"{key}: unknown key"))
    title = _texts(data.get("title"), "title", lines.of("title"), problems, path)
    source = _texts(data.get("source"), "source", lines.of("source"), problems, path)
    raw_bands = data.get("band")
    if not isinstance(raw_bands, list) or not raw_bands:
        problems.append(Problem(path, 1, "no band: add [[band]] tables, each with label and min"))
        raw_bands = []
    elif len(raw_bands) > MAX_BANDS:
        problems.append(Problem(path, lines.band(MAX_BANDS), f"more than {MAX_BANDS} bands"))
    rows: list[SchemeBand] = []
    seen: dict[str, dict[str, int]] = {language: {} for language in LANGUAGES}
    previous: tuple[int, float] | None = None
    for index, raw in enumerate(raw_bands):
        n = index + 1
        if not isinstance(raw, dict):
            problems.append(Problem(path, lines.band(index), f"band {n}: must be a table"))
            continue
        for key in sorted(set(raw) - _BAND_KEYS):
            problems.append(Problem(path, lines.band(index, key), f"band {n}: {key}: unknown key"))
        label_line = lines.band(index, "label")
        label = _texts(raw.get("label"), f"band {n}: label", label_line, problems, path)
        for language, value in label.items():
            if len(value) > LABEL_MAX:
                problems.append(
                    Problem(
                        path,
                        label_line,
                        f"band {n}: label.{language} is longer than {LABEL_MAX} characters",
                    )
                )
            other = seen[language].get(value.lower())
            if other is not None:
                problems.append(
                    Problem(
                        path,
                        label_line,
                        f"band {n}: label.{language} {value!r} is band {other}'s label too",
                    )
                )
            else:
                seen[language][value.lower()] = n
        minimum = _minimum(raw, n, lines.band(index, "min"), problems, path)
        if minimum is not None:
            if previous is not None and minimum >= previous[1]:
                problems.append(
                    Problem(
                        path,
                        lines.band(index, "min"),
                        f"band {n}: min {_plain(minimum)} must be lower than band "
                        f"{previous[0]}'s ({_plain(previous[1])}): bands go from the highest "
                        "minimum down, without overlaps",
                    )
                )
            previous = (n, minimum)
        if minimum is not None and len(label) == len(LANGUAGES):
            rows.append(SchemeBand(label, minimum))
    if problems:
        return None, problems
    return Scheme(path.stem, title, source, tuple(rows), path), []


def _plain(value: float) -> str:
    return f"{value:g}"


def _minimum(
    raw: Mapping[str, Any], n: int, line: int, problems: list[Problem], path: Path
) -> float | None:
    value = raw.get("min")
    if value is None:
        problems.append(Problem(path, line, f"band {n}: min is missing"))
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        problems.append(Problem(path, line, f"band {n}: min must be a number"))
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:  # pragma: no cover - TOML numbers are always decimals
        problems.append(Problem(path, line, f"band {n}: min must be a number"))
        return None
    if not 0 <= number <= Decimal(TOP):
        problems.append(Problem(path, line, f"band {n}: min {number} is outside 0–100"))
        return None
    if number != number.quantize(Decimal("0.1")):
        problems.append(Problem(path, line, f"band {n}: min {number} has more than one decimal"))
        return None
    return float(number)


def scheme_files(app_config: Mapping[str, Any] | None = None) -> list[Path]:
    """The shipped files, then those named by LMS_QUALIFICATION_PATHS (later ones win a
    name)."""
    return data_files(SCHEMES_DIR, (app_config or {}).get("LMS_QUALIFICATION_PATHS"))


_cache: dict[tuple, tuple[dict[str, Scheme], list[Problem]]] = {}


def discover(
    app_config: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Scheme], list[Problem]]:
    """Every loadable scheme by name (shipped first, ``default`` first of all), and the
    problems of the files that were skipped. Read again when a file changes."""
    files = scheme_files(app_config)
    signature = []
    for file in files:
        try:
            stat = file.stat()
            signature.append((str(file), stat.st_mtime_ns, stat.st_size))
        except OSError:
            signature.append((str(file), 0, 0))
    key = tuple(signature)
    found = _cache.get(key)
    if found is not None:
        return found
    schemes: dict[str, Scheme] = {}
    problems: list[Problem] = []
    for file in files:
        scheme, trouble = load_scheme(file)
        if scheme is None:
            problems.extend(trouble)
            log.warning("qualification scheme %s skipped: %s", file, "; ".join(map(str, trouble)))
            continue
        schemes[scheme.name] = scheme
    ordered = dict(sorted(schemes.items(), key=lambda item: (item[0] != DEFAULT, item[0])))
    if len(_cache) > 8:
        _cache.clear()
    _cache[key] = (ordered, problems)
    return ordered, problems


def known_schemes() -> dict[str, Scheme]:
    """The schemes this app knows (its ``LMS_QUALIFICATION_PATHS``), by name."""
    return discover(current_app.config if has_app_context() else None)[0]


def default_scheme() -> Scheme:
    """The scheme named ``default`` (a region's own default.toml, else the shipped one)."""
    found = known_schemes().get(DEFAULT)
    if found is None:
        # The shipped file is checked by the test suite; a broken replacement is skipped.
        found, problems = load_scheme(SCHEMES_DIR / f"{DEFAULT}.toml")
        if found is None:
            raise RuntimeError(
                "the default qualification scheme cannot be loaded: "
                + "; ".join(map(str, problems))
            )
    return found
