"""The yearly rules of the regional innovation index (IID): TOML files, their loader and checker.

One file per year (``rules/2023.toml`` ships with the package); ``LMS_IID_RULE_PATHS`` names
more files or folders, and a year found there replaces the shipped file of that year. No
database here: a ``RuleSet`` is plain frozen data.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from lms.datafiles import Problem, data_files, read_toml, unknown_keys

RULES_DIR = Path(__file__).resolve().parent / "rules"
SCOPES = ("region", "innovation")
_YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*)\s*\]\]?")
log = logging.getLogger(__name__)


class UnknownYear(LookupError):
    """No rule file for the year asked for."""


@dataclass(frozen=True)
class Source:
    id: str
    url: str
    kind: str


@dataclass(frozen=True)
class Level:
    level: int
    parameter: str
    score: Decimal
    uncertain: bool


@dataclass(frozen=True)
class Row:
    """One scored line: an indicator itself, or one of its sub-rows (2026 SPD a/b rows)."""

    code: str
    name: str
    weight: Decimal
    levels: tuple[Level, ...]
    uncertain: bool
    note: str

    def score_at(self, level: int | None) -> Decimal:
        if not level:
            return Decimal(0)
        return self.levels[level - 1].score

    @property
    def max_level(self) -> int:
        return len(self.levels)


@dataclass(frozen=True)
class EvidenceKind:
    key: str
    fields: tuple[str, ...]
    file_types: tuple[str, ...]
    link: bool
    uncertain: bool


@dataclass(frozen=True)
class EvidenceItem:
    kinds: tuple[str, ...]
    description: str
    file_types: tuple[str, ...]
    uncertain: bool


@dataclass(frozen=True)
class DeriveBand:
    min: int
    max: int | None  # None: open upwards
    level: int


@dataclass(frozen=True)
class DeriveRule:
    counts: str
    bands: tuple[DeriveBand, ...]
    items: tuple[str, ...]
    period_years: int | None
    uncertain: bool

    def count_range(self, level: int) -> tuple[int, int | None] | None:
        """The counts that give ``level`` (for "3 unsur -> 5 unsur" on a page)."""
        for band in self.bands:
            if band.level == level:
                return band.min, band.max
        return None


@dataclass(frozen=True)
class Indicator:
    code: str
    number: int
    aspect: str
    scope: str
    name: str
    weight: Decimal
    rows: tuple[Row, ...]
    evidence: tuple[EvidenceItem, ...]
    derive: DeriveRule | None
    role: str | None
    mandatory: bool
    mandatory_uncertain: bool
    variable: str
    description: str
    later_year_name: str
    source: str
    uncertain: bool
    note: str


@dataclass(frozen=True)
class Aspect:
    code: str
    name: str
    scope: str
    share_pct: Decimal | None
    variables: tuple[str, ...]
    uncertain: bool


@dataclass(frozen=True)
class Predicate:
    key: str
    name: str
    min: Decimal
    max: Decimal
    uncertain: bool


@dataclass(frozen=True)
class CountRule:
    """Indicator 36: MIN(n, cap) x points, at most max_score, 0 without the urusan coverage."""

    code: str
    number: int
    name: str
    points_per_innovation: Decimal
    cap_innovations: int
    max_score: Decimal
    coverage_min: int
    coverage_urusan: tuple[str, ...]
    rule: str
    uncertain: bool


@dataclass(frozen=True)
class InnovationRules:
    video_max_minutes: int | None
    max_years_since_implementation: int | None
    developed_further_exempt: bool
    rancang_bangun_min_words: int | None
    evidence_upload_max_mb: Decimal | None
    uncertain: frozenset[str]  # the names above that are flagged uncertain


@dataclass(frozen=True)
class Theme:
    key: str
    name: str
    uncertain: bool


@dataclass(frozen=True)
class RuleSet:
    year: int
    title: str
    legal_basis: tuple[str, ...]
    sources: tuple[Source, ...]
    max_level: int
    divisor_min: int
    index_decimals: int
    spd_max: Decimal
    sid_per_innovation_max: Decimal
    total_max: Decimal
    aspects: tuple[Aspect, ...]
    predicates: tuple[Predicate, ...]  # highest first
    evidence_kinds: tuple[EvidenceKind, ...]
    indicators: tuple[Indicator, ...]
    count_rule: CountRule
    innovation_rules: InnovationRules
    themes: tuple[Theme, ...]
    uncertain: tuple[str, ...]  # where every uncertain flag sits, e.g. "indicators[SID-20]"
    path: Path

    @property
    def origin(self) -> str:
        return "shipped" if self.path.parent == RULES_DIR else "LMS_IID_RULE_PATHS"

    @property
    def region_indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.scope == "region")

    @property
    def innovation_indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.scope == "innovation")

    def rows(self, scope: str) -> tuple[Row, ...]:
        return tuple(r for i in self.indicators if i.scope == scope for r in i.rows)

    def indicator(self, code: str) -> Indicator:
        """The indicator with this code, or the one owning the row with this code."""
        for ind in self.indicators:
            if ind.code == code or any(r.code == code for r in ind.rows):
                return ind
        raise KeyError(f"no indicator {code!r} in the {self.year} rules")

    def by_role(self, role: str) -> Indicator | None:
        return next((i for i in self.indicators if i.role == role), None)

    def evidence_kind(self, key: str) -> EvidenceKind:
        return next(k for k in self.evidence_kinds if k.key == key)


# -- the schema: (required keys, optional keys) per kind of table ---------------------------

_META = ("source", "uncertain", "note")
_SCHEMA: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    name: (frozenset(req.split()), frozenset(opt.split()))
    for name, req, opt in (
        (
            "file",
            "year title scoring aspects predicates indicators count_rule",
            "schema_version legal_basis legal_basis_sources note sources evidence_kinds "
            "innovation_rules themes",
        ),
        ("source", "id", "url kind"),
        (
            "scoring",
            "max_level divisor_min spd_max sid_per_innovation_max total_max index_decimals",
            "spd_formula sid_formula total_formula index_formula formula_source "
            "formula_uncertain divisor_source divisor_uncertain n_definition "
            "n_definition_uncertain score_rule score_rule_source score_rule_uncertain "
            "maxima_note maxima_uncertain index_decimals_note index_decimals_uncertain",
        ),
        ("aspect", "code name scope", "share_pct indicator_numbers variables " + " ".join(_META)),
        ("predicate", "key name min max", " ".join(_META)),
        ("evidence_kind", "key fields file_types", "link " + " ".join(_META)),
        (
            "indicator",
            "code number aspect name weight",
            "later_year_name variable variable_uncertain description role mandatory "
            "mandatory_uncertain levels rows evidence derive " + " ".join(_META),
        ),
        ("row", "code name weight levels", " ".join(_META)),
        ("level", "level parameter score", " ".join(_META)),
        ("evidence", "kinds description", "file_types " + " ".join(_META)),
        ("derive", "counts bands", "items period_years " + " ".join(_META)),
        ("band", "min level", "max"),
        (
            "count_rule",
            "code number name points_per_innovation cap_innovations max_score",
            "aspect variable rule later_year_rule coverage_min coverage_urusan "
            "values_from_year existence_source " + " ".join(_META),
        ),
        (
            "innovation_rules",
            "",
            "video_max_minutes video_max_minutes_source video_max_minutes_uncertain "
            "max_years_since_implementation developed_further_exempt max_years_source "
            "max_years_uncertain max_years_note rancang_bangun_min_words "
            "rancang_bangun_min_words_source rancang_bangun_min_words_uncertain "
            "rancang_bangun_min_words_note evidence_upload_max_mb "
            "evidence_upload_max_mb_source evidence_upload_max_mb_uncertain "
            "evidence_upload_max_mb_note",
        ),
        ("theme", "key name", " ".join(_META)),
    )
}


_NOUNS = {
    "source": "source",
    "aspect": "aspect",
    "predicate": "predicate",
    "evidence_kind": "evidence kind",
    "indicator": "indicator",
    "row": "row",
    "theme": "theme",
}


def _fmt(value: Decimal | int) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class _Checker:
    """Collects problems, each pointing at the line of the table (or key) it is about."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.problems: list[Problem] = []
        self.table_lines = self._table_lines()

    def _table_lines(self) -> dict[tuple, int]:
        """Line of each [table] / [[array]] element, keyed like ("indicators", 3, "levels", 0)."""
        found: dict[tuple, int] = {}
        counts: dict[tuple, int] = {}
        latest: dict[tuple[str, ...], int] = {}  # array name path -> index of its last element
        for number, line in enumerate(self.lines, 1):
            match = _HEADER.match(line)
            if not match:
                continue
            names = [n.strip() for n in match.group(2).split(".")]
            key: tuple = ()
            for depth, name in enumerate(names):
                key += (name,)
                if depth < len(names) - 1 and tuple(names[: depth + 1]) in latest:
                    key += (latest[tuple(names[: depth + 1])],)
            if match.group(1) == "[[":
                index = counts.get(key, 0)
                counts[key] = index + 1
                latest[tuple(names)] = index
                for deeper in [
                    k for k in latest if k[: len(names)] == tuple(names) and k != tuple(names)
                ]:
                    del latest[deeper]
                key += (index,)
            found[key] = number
        return found

    def line(self, where: tuple = (), key: str | None = None, pattern: str | None = None) -> int:
        """The line of table ``where``; of ``key`` (or a regex) inside it when found there."""
        start = self.table_lines.get(where, 1) if where else 1
        if key is None and pattern is None:
            return start
        regex = re.compile(pattern or rf"^\s*{re.escape(key or '')}\s*=")
        for number in range(start, len(self.lines) + 1):
            text = self.lines[number - 1]
            if number > start and _HEADER.match(text):
                break
            if regex.search(text):
                return number
        return start

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def keys(self, data: Any, schema: str, where: tuple, label: str) -> bool:
        """Unknown and missing keys of one table; False when it is not a table at all."""
        if not isinstance(data, dict):
            self.add(self.line(where), f"{label} must be a table")
            return False
        required, optional = _SCHEMA[schema]
        # Name the element itself when it says who it is: "indicator SID-20".
        if schema in _NOUNS and isinstance(data.get("code"), str) and data["code"]:
            label = f"{_NOUNS[schema]} {data['code']}"
        elif schema in _NOUNS and isinstance(data.get("key") or data.get("id"), str):
            label = f"{_NOUNS[schema]} {data.get('key') or data.get('id')!r}"
        for key in unknown_keys(data, required | optional):
            self.add(self.line(where, key), f"unknown key {key!r} in {label}")
        for key in sorted(required - data.keys()):
            self.add(self.line(where), f"missing required key {key!r} in {label}")
        return True

    def each(
        self, data: dict, key: str, schema: str, *, flags: bool = True
    ) -> Iterator[tuple[tuple, dict]]:
        """Where each [[key]] table is and the table, for those that are tables (their unknown
        and missing keys, and uncertain flags unless ``flags`` is False, already noted)."""
        label = f"[[{key}]]"
        for index, item in enumerate(_tables(self, data, key, (), "the file")):
            where = (key, index)
            if not self.keys(item, schema, where, label):
                continue
            if flags:
                self.flags(item, where, label)
            yield where, item

    def get(self, data: dict, key: str, kind: str, where: tuple, label: str, default=None):
        """``data[key]`` when it has the right type (reported otherwise); default if absent."""
        if key not in data:
            return default
        value = data[key]
        ok = {
            "int": isinstance(value, int) and not isinstance(value, bool),
            "num": isinstance(value, (int, Decimal)) and not isinstance(value, bool),
            "str": isinstance(value, str),
            "bool": isinstance(value, bool),
            "strs": isinstance(value, list) and all(isinstance(v, str) for v in value),
            "tables": isinstance(value, list) and all(isinstance(v, dict) for v in value),
        }[kind]
        if not ok:
            wanted = {
                "int": "a whole number",
                "num": "a number",
                "str": "text",
                "bool": "true or false",
                "strs": "a list of text",
                "tables": "a list of tables",
            }[kind]
            self.add(self.line(where, key), f"{label}: {key} must be {wanted}")
            return default
        if kind == "num":
            return Decimal(value)
        if kind == "strs":
            return tuple(value)
        return value

    def flags(self, data: dict, where: tuple, label: str) -> None:
        """Every ``uncertain`` / ``*_uncertain`` flag must be true or false."""
        for key, value in data.items():
            if (key == "uncertain" or key.endswith("_uncertain")) and not isinstance(value, bool):
                self.add(self.line(where, key), f"{label}: {key} must be true or false")


def _uncertain_paths(data: Any, label: str = "") -> list[str]:
    """Where every true uncertain flag sits, labelled by code / key / level, not by index."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if value is True and (key == "uncertain" or key.endswith("_uncertain")):
                found.append(label if key == "uncertain" else f"{label}.{key}".lstrip("."))
            elif isinstance(value, (dict, list)):
                found.extend(_uncertain_paths(value, f"{label}.{key}".lstrip(".")))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            name = index
            if isinstance(item, dict):
                name = (
                    item.get("code")
                    or item.get("key")
                    or item.get("level")
                    or item.get("id")
                    or index
                )
            found.extend(_uncertain_paths(item, f"{label}[{name}]"))
    return found


def load_rules(path: Path | str) -> tuple[RuleSet | None, list[Problem]]:
    """Read and check one rule file; the RuleSet is None when any problem was found."""
    path = Path(path)
    data, text, problems = read_toml(path, decimals=True)
    if data is None:
        return None, problems
    c = _Checker(path, text)
    rules = _build(c, data)
    return (rules if not c.problems else None), c.problems


def _build(c: _Checker, data: dict[str, Any]) -> RuleSet | None:
    if not c.keys(data, "file", (), "the file"):
        return None
    c.flags(data, (), "the file")
    year = c.get(data, "year", "int", (), "the file")
    named = _YEAR_IN_NAME.findall(c.path.stem)
    if year is not None and named and int(named[-1]) != year:
        c.add(c.line((), "year"), f"the file name says {named[-1]} but year = {year}")
    title = c.get(data, "title", "str", (), "the file", "")
    if "title" in data and not title.strip():
        c.add(c.line((), "title"), "title is empty")
    legal_basis = c.get(data, "legal_basis", "strs", (), "the file", ())

    sources = _sources(c, data)
    source_ids = {s.id for s in sources}
    _check_source_refs(c, data, (), source_ids)

    scoring = data.get("scoring", {})
    s_ok = "scoring" in data and c.keys(scoring, "scoring", ("scoring",), "[scoring]")
    if not s_ok:
        scoring = {}
    c.flags(scoring, ("scoring",), "[scoring]")
    where = ("scoring",)
    max_level = c.get(scoring, "max_level", "int", where, "[scoring]", 3)
    divisor_min = c.get(scoring, "divisor_min", "int", where, "[scoring]", 1)
    decimals = c.get(scoring, "index_decimals", "int", where, "[scoring]", 2)
    maxima = {
        k: c.get(scoring, k, "num", where, "[scoring]", Decimal(0))
        for k in ("spd_max", "sid_per_innovation_max", "total_max")
    }
    if "total_max" in scoring and maxima["total_max"] <= 0:
        c.add(c.line(where, "total_max"), "[scoring]: total_max must be above 0")
    if max_level < 1:
        c.add(c.line(where, "max_level"), "[scoring]: max_level must be at least 1")
    if divisor_min < 1:
        c.add(c.line(where, "divisor_min"), "[scoring]: divisor_min must be at least 1")
    if not 0 <= decimals <= 6:
        c.add(c.line(where, "index_decimals"), "[scoring]: index_decimals must be 0 to 6")
        decimals = 2

    aspects = _aspects(c, data)
    predicates = _predicates(c, data, decimals)
    kinds = _evidence_kinds(c, data)
    indicators = _indicators(
        c, data, max_level, {a.code: a for a in aspects}, {k.key for k in kinds}
    )
    count_rule = _count_rule(c, data)
    innovation_rules = _innovation_rules(c, data)
    themes = _themes(c, data)

    # The stated maxima must follow from the weights: a mistyped weight shows here.
    for scope, key, label in (
        ("region", "spd_max", "region indicators"),
        ("innovation", "sid_per_innovation_max", "per-innovation indicators"),
    ):
        total = sum(
            (r.weight * max_level for i in indicators if i.scope == scope for r in i.rows),
            Decimal(0),
        )
        if s_ok and key in scoring and total != maxima[key]:
            c.add(
                c.line(where, key),
                f"{label}: sum of weight x max level is {_fmt(total)}, but {key} is "
                f"{_fmt(maxima[key])}",
            )
    if s_ok and count_rule is not None and "total_max" in scoring:
        expected = maxima["spd_max"] + maxima["sid_per_innovation_max"] + count_rule.max_score
        if expected != maxima["total_max"]:
            c.add(
                c.line(where, "total_max"),
                f"total_max is {_fmt(maxima['total_max'])}, but spd_max + "
                f"sid_per_innovation_max + count_rule.max_score is {_fmt(expected)}",
            )
    if maxima["total_max"] > 0:
        shares = {
            "region": maxima["spd_max"],
            "innovation": maxima["sid_per_innovation_max"]
            + (count_rule.max_score if count_rule else 0),
        }
        for index, aspect in enumerate(aspects):
            if aspect.share_pct is None:
                continue
            step = Decimal(1).scaleb(aspect.share_pct.as_tuple().exponent)
            derived = (shares[aspect.scope] * 100 / maxima["total_max"]).quantize(step)
            if derived != aspect.share_pct:
                c.add(
                    c.line(("aspects", index), "share_pct"),
                    f"aspect {aspect.code}: share_pct is {_fmt(aspect.share_pct)}, but its "
                    f"maxima give {_fmt(derived)}% of total_max",
                )
    if c.problems or year is None or count_rule is None or innovation_rules is None:
        return None
    return RuleSet(
        year=year,
        title=title.strip(),
        legal_basis=legal_basis,
        sources=sources,
        max_level=max_level,
        divisor_min=divisor_min,
        index_decimals=decimals,
        spd_max=maxima["spd_max"],
        sid_per_innovation_max=maxima["sid_per_innovation_max"],
        total_max=maxima["total_max"],
        aspects=aspects,
        predicates=predicates,
        evidence_kinds=kinds,
        indicators=indicators,
        count_rule=count_rule,
        innovation_rules=innovation_rules,
        themes=themes,
        uncertain=tuple(_uncertain_paths(data)),
        path=c.path.resolve(),
    )


def _tables(c: _Checker, data: dict, key: str, where: tuple, label: str) -> list[dict]:
    tables = c.get(data, key, "tables", where, label, [])
    return tables or []


def _sources(c: _Checker, data: dict) -> tuple[Source, ...]:
    sources = []
    seen: set[str] = set()
    for where, item in c.each(data, "sources", "source", flags=False):
        sid = c.get(item, "id", "str", where, "[[sources]]", "")
        if sid in seen:
            c.add(c.line(where, "id"), f"duplicate source id {sid!r}")
        seen.add(sid)
        url = c.get(item, "url", "str", where, f"source {sid}", "")
        kind = c.get(item, "kind", "str", where, f"source {sid}", "")
        sources.append(Source(sid, url, kind))
    return tuple(sources)


def _check_source_refs(c: _Checker, data: Any, where: tuple, ids: set[str]) -> None:
    """``source = "S6"`` (and *_source, legal_basis_sources) must name a [[sources]] id."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "source" or key.endswith("_source") or key.endswith("_sources"):
                refs = value if isinstance(value, list) else [value]
                for ref in refs:
                    if isinstance(ref, str) and ref and ref not in ids:
                        c.add(c.line(where, key), f"{key} {ref!r} is not a [[sources]] id")
            elif isinstance(value, dict):
                _check_source_refs(c, value, (*where, key), ids)
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, dict):
                        _check_source_refs(c, item, (*where, key, index), ids)


def _aspects(c: _Checker, data: dict) -> tuple[Aspect, ...]:
    aspects = []
    for where, item in c.each(data, "aspects", "aspect"):
        code = c.get(item, "code", "str", where, "[[aspects]]", "")
        label = f"aspect {code}"
        scope = c.get(item, "scope", "str", where, label, "region")
        if scope not in SCOPES:
            c.add(c.line(where, "scope"), f"{label}: scope must be one of {', '.join(SCOPES)}")
            scope = "region"
        if any(a.code == code for a in aspects):
            c.add(c.line(where, "code"), f"duplicate aspect code {code!r}")
        aspects.append(
            Aspect(
                code=code,
                name=c.get(item, "name", "str", where, label, ""),
                scope=scope,
                share_pct=c.get(item, "share_pct", "num", where, label),
                variables=c.get(item, "variables", "strs", where, label, ()),
                uncertain=item.get("uncertain") is True,
            )
        )
    if not aspects:
        c.add(c.line((), "aspects"), "no [[aspects]]")
    return tuple(aspects)


def _predicates(c: _Checker, data: dict, decimals: int) -> tuple[Predicate, ...]:
    def show(value: Decimal) -> str:
        return format(value, f".{decimals}f")

    items = []
    for where, item in c.each(data, "predicates", "predicate"):
        key = c.get(item, "key", "str", where, "[[predicates]]", "")
        label = f"predicate {key!r}"
        low = c.get(item, "min", "num", where, label)
        high = c.get(item, "max", "num", where, label)
        if any(p.key == key for p, _ in items):
            c.add(c.line(where, "key"), f"duplicate predicate key {key!r}")
        if low is None or high is None:
            continue
        if not (0 <= low <= high <= 100):
            c.add(
                c.line(where),
                f"{label}: bounds {show(low)}-{show(high)} must lie within 0-100, min <= max",
            )
            continue
        if any(v != v.quantize(Decimal(1).scaleb(-decimals)) for v in (low, high)):
            c.add(
                c.line(where), f"{label}: bounds need at most {decimals} decimals (index_decimals)"
            )
            continue
        name = c.get(item, "name", "str", where, label, "")
        items.append((Predicate(key, name, low, high, item.get("uncertain") is True), where))
    if not items:
        if not c.problems:
            c.add(c.line((), "predicates"), "no [[predicates]]")
        return ()
    # Banding happens after rounding, so neighbours must be exactly one rounding step apart.
    step = Decimal(1).scaleb(-decimals)
    ordered = sorted(items, key=lambda pw: (pw[0].min, pw[0].max))
    if ordered[0][0].min > 0:
        c.add(c.line(ordered[0][1]), f"no predicate covers 0 to {show(ordered[0][0].min - step)}")
    if ordered[-1][0].max < 100:
        c.add(
            c.line(ordered[-1][1]), f"no predicate covers {show(ordered[-1][0].max + step)} to 100"
        )
    for (low, _), (high, where) in zip(ordered, ordered[1:], strict=False):
        gap = high.min - low.max
        if gap <= 0:
            c.add(
                c.line(where),
                f"predicates {low.key!r} ({show(low.min)}-{show(low.max)}) and {high.key!r} "
                f"({show(high.min)}-{show(high.max)}) overlap",
            )
        elif gap > step:
            c.add(
                c.line(where),
                f"predicates leave a gap between {show(low.max)} ({low.key!r}) and "
                f"{show(high.min)} ({high.key!r}), wider than the rounding step {show(step)}",
            )
    return tuple(p for p, _ in sorted(items, key=lambda pw: pw[0].min, reverse=True))


def _evidence_kinds(c: _Checker, data: dict) -> tuple[EvidenceKind, ...]:
    kinds = []
    for where, item in c.each(data, "evidence_kinds", "evidence_kind"):
        key = c.get(item, "key", "str", where, "[[evidence_kinds]]", "")
        label = f"evidence kind {key!r}"
        if any(k.key == key for k in kinds):
            c.add(c.line(where, "key"), f"duplicate evidence kind {key!r}")
        kinds.append(
            EvidenceKind(
                key=key,
                fields=c.get(item, "fields", "strs", where, label, ()),
                file_types=c.get(item, "file_types", "strs", where, label, ()),
                link=c.get(item, "link", "bool", where, label, False),
                uncertain=item.get("uncertain") is True,
            )
        )
    return tuple(kinds)


def _levels(
    c: _Checker, items: list, where: tuple, label: str, weight: Decimal | None, max_level: int
) -> tuple[Level, ...]:
    levels: list[Level] = []
    for index, item in enumerate(items):
        lwhere = (*where, "levels", index)
        if not c.keys(item, "level", lwhere, f"a level of {label}"):
            continue
        c.flags(item, lwhere, f"a level of {label}")
        number = c.get(item, "level", "int", lwhere, f"a level of {label}")
        llabel = f"{label} level {number}"
        score = item.get("score")
        if "score" in item and (not isinstance(score, (int, Decimal)) or isinstance(score, bool)):
            c.add(c.line(lwhere, "score"), f"{llabel}: score must be a number, got {score!r}")
            continue
        if number is None or "score" not in item:
            continue
        parameter = c.get(item, "parameter", "str", lwhere, llabel, "")
        levels.append(Level(number, parameter, Decimal(score), item.get("uncertain") is True))
    numbers = [lv.level for lv in levels]
    if len(numbers) != len(items):  # already reported
        return tuple(levels)
    if numbers != list(range(1, max_level + 1)):
        c.add(
            c.line((*where, "levels", 0)) if items else c.line(where, "levels"),
            f"{label}: levels must be 1..{max_level} in order, once each; got {numbers}",
        )
        return tuple(levels)
    scores = [lv.score for lv in levels]
    if any(s < 0 for s in scores) or any(b <= a for a, b in zip(scores, scores[1:], strict=False)):
        c.add(
            c.line((*where, "levels", 0)),
            f"{label}: level scores must rise from level to level, got {[_fmt(s) for s in scores]}",
        )
    elif weight is not None and scores and scores[-1] != weight * max_level:
        c.add(
            c.line((*where, "levels", len(levels) - 1), "score"),
            f"{label}: the top score {_fmt(scores[-1])} is not weight {_fmt(weight)} x level "
            f"{max_level} = {_fmt(weight * max_level)}",
        )
    return tuple(levels)


def _indicators(
    c: _Checker, data: dict, max_level: int, aspects: Mapping[str, Aspect], kinds: set[str]
) -> tuple[Indicator, ...]:
    indicators: list[Indicator] = []
    codes: dict[str, str] = {}
    numbers: dict[int, str] = {}
    roles: dict[str, str] = {}
    for where, item in c.each(data, "indicators", "indicator"):
        code = c.get(item, "code", "str", where, "[[indicators]]", "")
        label = f"indicator {code}"
        number = c.get(item, "number", "int", where, label)
        weight = c.get(item, "weight", "num", where, label)
        if weight is not None and weight <= 0:
            c.add(c.line(where, "weight"), f"{label}: weight must be above 0")
        if code in codes:
            c.add(c.line(where, "code"), f"duplicate indicator code {code!r}")
        codes[code] = code
        if number is not None:
            if number in numbers:
                c.add(
                    c.line(where, "number"), f"{label}: number {number} is also {numbers[number]}"
                )
            numbers[number] = code
        aspect_code = c.get(item, "aspect", "str", where, label, "")
        aspect = aspects.get(aspect_code)
        if aspect is None and "aspect" in item:
            c.add(c.line(where, "aspect"), f"{label}: aspect {aspect_code!r} is not in [[aspects]]")
        role = c.get(item, "role", "str", where, label)
        if role:
            if role in roles:
                c.add(c.line(where, "role"), f"{label}: role {role!r} is already on {roles[role]}")
            roles[role] = code

        rows: list[Row] = []
        has_rows, has_levels = "rows" in item, "levels" in item
        if has_rows == has_levels:
            c.add(c.line(where), f"{label}: give either levels or rows (sub-rows with levels)")
        elif has_levels:
            levels = _levels(
                c, _tables(c, item, "levels", where, label), where, label, weight, max_level
            )
            rows.append(
                Row(
                    code,
                    c.get(item, "name", "str", where, label, ""),
                    weight or Decimal(0),
                    levels,
                    item.get("uncertain") is True,
                    "",
                )
            )
        else:
            for rindex, ritem in enumerate(_tables(c, item, "rows", where, label)):
                rwhere = (*where, "rows", rindex)
                if not c.keys(ritem, "row", rwhere, f"a row of {label}"):
                    continue
                c.flags(ritem, rwhere, f"a row of {label}")
                rcode = c.get(ritem, "code", "str", rwhere, f"a row of {label}", "")
                rlabel = f"row {rcode}"
                if rcode in codes:
                    c.add(c.line(rwhere, "code"), f"duplicate indicator code {rcode!r}")
                codes[rcode] = rcode
                rweight = c.get(ritem, "weight", "num", rwhere, rlabel)
                if rweight is not None and rweight <= 0:
                    c.add(c.line(rwhere, "weight"), f"{rlabel}: weight must be above 0")
                levels = _levels(
                    c,
                    _tables(c, ritem, "levels", rwhere, rlabel),
                    rwhere,
                    rlabel,
                    rweight,
                    max_level,
                )
                rows.append(
                    Row(
                        rcode,
                        c.get(ritem, "name", "str", rwhere, rlabel, ""),
                        rweight or Decimal(0),
                        levels,
                        ritem.get("uncertain") is True,
                        c.get(ritem, "note", "str", rwhere, rlabel, ""),
                    )
                )
            total = sum((r.weight for r in rows), Decimal(0))
            if rows and weight is not None and total != weight:
                c.add(
                    c.line(where, "weight"),
                    f"{label}: weight {_fmt(weight)} is not the sum of its rows' weights "
                    f"{_fmt(total)}",
                )

        evidence = []
        for eindex, eitem in enumerate(_tables(c, item, "evidence", where, label)):
            ewhere = (*where, "evidence", eindex)
            if not c.keys(eitem, "evidence", ewhere, f"evidence of {label}"):
                continue
            c.flags(eitem, ewhere, f"evidence of {label}")
            ekinds = c.get(eitem, "kinds", "strs", ewhere, f"evidence of {label}", ())
            for kind in ekinds:
                if kind not in kinds:
                    c.add(
                        c.line(ewhere, "kinds"),
                        f"{label}: evidence kind {kind!r} is not in [[evidence_kinds]]",
                    )
            if "kinds" in eitem and not ekinds:
                c.add(c.line(ewhere, "kinds"), f"{label}: evidence needs at least one kind")
            evidence.append(
                EvidenceItem(
                    ekinds,
                    c.get(eitem, "description", "str", ewhere, f"evidence of {label}", ""),
                    c.get(eitem, "file_types", "strs", ewhere, f"evidence of {label}", ()),
                    eitem.get("uncertain") is True,
                )
            )

        derive = None
        if "derive" in item:
            derive = _derive(c, item["derive"], (*where, "derive"), label, max_level)
            if len(rows) > 1:
                c.add(
                    c.line((*where, "derive")),
                    f"{label}: derive needs one scored row, not sub-rows",
                )

        indicators.append(
            Indicator(
                code=code,
                number=number or 0,
                aspect=aspect_code,
                scope=aspect.scope if aspect else "region",
                name=c.get(item, "name", "str", where, label, ""),
                weight=weight or Decimal(0),
                rows=tuple(rows),
                evidence=tuple(evidence),
                derive=derive,
                role=role or None,
                mandatory=c.get(item, "mandatory", "bool", where, label, False),
                mandatory_uncertain=item.get("mandatory_uncertain") is True,
                variable=c.get(item, "variable", "str", where, label, ""),
                description=c.get(item, "description", "str", where, label, ""),
                later_year_name=c.get(item, "later_year_name", "str", where, label, ""),
                source=c.get(item, "source", "str", where, label, ""),
                uncertain=item.get("uncertain") is True,
                note=c.get(item, "note", "str", where, label, ""),
            )
        )
    if not indicators and not c.problems:
        c.add(c.line((), "indicators"), "no [[indicators]]")
    return tuple(indicators)


def _band(band: DeriveBand) -> str:
    return f"{band.min}+" if band.max is None else f"{band.min}-{band.max}"


def _derive(c: _Checker, item: Any, where: tuple, label: str, max_level: int) -> DeriveRule | None:
    dlabel = f"{label} derive"
    if not c.keys(item, "derive", where, dlabel):
        return None
    c.flags(item, where, dlabel)
    bands: list[DeriveBand] = []
    start = c.line(where, "bands")
    # Point at a band's own line when bands are written one inline table a line.
    band_lines = [n for n in range(start, len(c.lines) + 1) if "{" in c.lines[n - 1]]
    for index, band in enumerate(c.get(item, "bands", "tables", where, dlabel, [])):
        bline = band_lines[index] if index < len(band_lines) else start
        before = len(c.problems)
        required, optional = _SCHEMA["band"]
        for key in unknown_keys(band, required | optional):
            c.add(bline, f"unknown key {key!r} in a band of {dlabel}")
        for key in sorted(required - band.keys()):
            c.add(bline, f"missing required key {key!r} in a band of {dlabel}")
        values = {k: band.get(k) for k in ("min", "max", "level")}
        for key, value in values.items():
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                c.add(bline, f"{dlabel}: band {key} must be a whole number")
        if len(c.problems) > before:
            continue
        low, high, level = values["min"], values["max"], values["level"]
        if low < 1 or (high is not None and high < low):
            c.add(bline, f"{dlabel}: band {low}-{high} must have 1 <= min <= max")
            continue
        if not 1 <= level <= max_level:
            c.add(bline, f"{dlabel}: band level {level} must be 1..{max_level}")
            continue
        bands.append(DeriveBand(low, high, level))
    if not bands:
        if "bands" in item and not c.problems:
            c.add(c.line(where, "bands"), f"{dlabel}: no bands")
        return None
    # Counts are checked in order: each band starts right after the previous one ends.
    ordered = sorted(bands, key=lambda b: b.min)
    bline = c.line(where, "bands")
    for prev, band in zip(ordered, ordered[1:], strict=False):
        if prev.max is None or band.min <= prev.max:
            c.add(bline, f"{dlabel}: bands {_band(prev)} and {_band(band)} overlap")
        elif band.min > prev.max + 1:
            low, high = prev.max + 1, band.min - 1
            missing = f"{low}" if low == high else f"{low}-{high}"
            c.add(bline, f"{dlabel}: no band for count {missing}")
    return DeriveRule(
        counts=c.get(item, "counts", "str", where, dlabel, ""),
        bands=tuple(ordered),
        items=c.get(item, "items", "strs", where, dlabel, ()),
        period_years=c.get(item, "period_years", "int", where, dlabel),
        uncertain=item.get("uncertain") is True,
    )


def _count_rule(c: _Checker, data: dict) -> CountRule | None:
    item = data.get("count_rule")
    where = ("count_rule",)
    if item is None or not c.keys(item, "count_rule", where, "[count_rule]"):
        return None
    c.flags(item, where, "[count_rule]")
    label = "[count_rule]"
    points = c.get(item, "points_per_innovation", "num", where, label, Decimal(0))
    cap = c.get(item, "cap_innovations", "int", where, label, 0)
    max_score = c.get(item, "max_score", "num", where, label, Decimal(0))
    coverage_min = c.get(item, "coverage_min", "int", where, label, 0)
    urusan = c.get(item, "coverage_urusan", "strs", where, label, ())
    if coverage_min > len(urusan):
        c.add(
            c.line(where, "coverage_min"),
            f"{label}: coverage_min {coverage_min} is more than the {len(urusan)} coverage_urusan",
        )
    if points < 0 or cap < 0 or max_score < 0:
        c.add(c.line(where), f"{label}: points, cap and max_score must not be negative")
    return CountRule(
        code=c.get(item, "code", "str", where, label, ""),
        number=c.get(item, "number", "int", where, label, 0),
        name=c.get(item, "name", "str", where, label, ""),
        points_per_innovation=points,
        cap_innovations=cap,
        max_score=max_score,
        coverage_min=coverage_min,
        coverage_urusan=urusan,
        rule=c.get(item, "rule", "str", where, label, ""),
        uncertain=item.get("uncertain") is True,
    )


def _innovation_rules(c: _Checker, data: dict) -> InnovationRules | None:
    item = data.get("innovation_rules", {})
    where = ("innovation_rules",)
    if not c.keys(item, "innovation_rules", where, "[innovation_rules]"):
        return None
    c.flags(item, where, "[innovation_rules]")
    label = "[innovation_rules]"
    names = (
        "video_max_minutes",
        "max_years_since_implementation",
        "rancang_bangun_min_words",
        "evidence_upload_max_mb",
    )
    flags = {"max_years_uncertain": "max_years_since_implementation"}
    uncertain = {
        flags.get(k, k.removesuffix("_uncertain"))
        for k, v in item.items()
        if k.endswith("_uncertain") and v is True
    }
    if "max_years_since_implementation" in uncertain:
        uncertain.add("developed_further_exempt")
    return InnovationRules(
        video_max_minutes=c.get(item, names[0], "int", where, label),
        max_years_since_implementation=c.get(item, names[1], "int", where, label),
        developed_further_exempt=c.get(
            item, "developed_further_exempt", "bool", where, label, False
        ),
        rancang_bangun_min_words=c.get(item, names[2], "int", where, label),
        evidence_upload_max_mb=c.get(item, names[3], "num", where, label),
        uncertain=frozenset(uncertain),
    )


def _themes(c: _Checker, data: dict) -> tuple[Theme, ...]:
    themes = []
    for where, item in c.each(data, "themes", "theme"):
        key = c.get(item, "key", "str", where, "[[themes]]", "")
        if any(t.key == key for t in themes):
            c.add(c.line(where, "key"), f"duplicate theme key {key!r}")
        themes.append(
            Theme(
                key,
                c.get(item, "name", "str", where, f"theme {key}", ""),
                item.get("uncertain") is True,
            )
        )
    return tuple(themes)


# -- discovery and cache ----------------------------------------------------------------------

_cache: dict[Path, tuple[int, RuleSet | None, list[Problem]]] = {}
_warned: set[Problem] = set()


def load_cached(path: Path) -> tuple[RuleSet | None, list[Problem]]:
    """``load_rules`` once per file version in this process (keyed by path and mtime)."""
    path = path.resolve()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return load_rules(path)
    hit = _cache.get(path)
    if hit is None or hit[0] != mtime:
        rules, problems = load_rules(path)
        hit = _cache[path] = (mtime, rules, problems)
    return hit[1], hit[2]


def rule_files(app_config: Mapping[str, Any] | None = None) -> list[Path]:
    """The shipped files, then those named by LMS_IID_RULE_PATHS (later ones win a year)."""
    return data_files(RULES_DIR, (app_config or {}).get("LMS_IID_RULE_PATHS"))


def discover(
    app_config: Mapping[str, Any] | None = None,
) -> tuple[dict[int, RuleSet], list[Problem]]:
    """Every loadable year, and the problems of the files that were skipped."""
    found: dict[int, RuleSet] = {}
    problems: list[Problem] = []
    for path in rule_files(app_config):
        rules, file_problems = load_cached(path)
        if rules is None:
            problems.extend(file_problems)
            continue
        found[rules.year] = rules
    return dict(sorted(found.items())), problems


def available_rules(app_config: Mapping[str, Any] | None = None) -> dict[int, RuleSet]:
    """Year -> RuleSet; a broken file is skipped with a warning (``lms iid check`` says why)."""
    found, problems = discover(app_config)
    for problem in problems:
        if problem not in _warned:  # once per process, not on every page
            _warned.add(problem)
            log.warning("IID rules skipped: %s", problem)
    return found


def rules_for(year: int, app_config: Mapping[str, Any] | None = None) -> RuleSet:
    """The rules of ``year`` (app config: the current app's when there is one)."""
    if app_config is None:
        from flask import current_app, has_app_context

        app_config = current_app.config if has_app_context() else {}
    found = available_rules(app_config)
    if year not in found:
        known = ", ".join(str(y) for y in found) or "none"
        raise UnknownYear(f"no IID rules for {year}; known years: {known}")
    return found[year]


def iter_rows(rules: RuleSet, scope: str) -> Iterable[tuple[Indicator, Row]]:
    for ind in rules.indicators:
        if ind.scope == scope:
            for row in ind.rows:
                yield ind, row
