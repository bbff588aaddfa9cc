"""Reading and checking course packs (folders of Markdown and TOML); no database here."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from lms.catalog.models import KINDS
from lms.datafiles import Problem, extra_paths, key_line, line_of, read_toml, unknown_keys
from lms.profile import PROFILE_KEYS

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")
WORD_RE = re.compile(r"[^\W_]+")
IMAGE_RE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
ENTRY_POINT_GROUP = "lms.courses"

#: The parts of a proposal (the IID profil inovasi) a rubric criterion may name in `parts`.
PROPOSAL_PARTS = PROFILE_KEYS

#: What a [[gates]] table's ``check`` may say: the app decides the gate from the work when it
#: can measure it. "max_duration": an uploaded video is at most the assignment's
#: ``max_duration_seconds`` (a link, which cannot be measured, is confirmed by the grader).
GATE_CHECKS = ("max_duration",)

#: What a [[criteria]] table may hold; any other key is a typo the check names.
CRITERION_KEYS = ("key", "title", "weight", "levels", "zero_level", "parts")

#: Words that make a band label read like a pass or like a fail (lower case, matched as whole
#: words or word sequences, Indonesian and English). A band that starts below the pass mark holds
#: failing scores, so it must not read like a pass ("Cukup" from 55 under a pass mark of 60); a
#: band that starts at or above the pass mark must not read like a fail. Fail words win when a
#: label has both ("Kurang baik", "Tidak lulus", "Not good").
PASS_WORDS = (
    "cukup",
    "baik",
    "lulus",
    "memuaskan",
    "istimewa",
    "kompeten",
    "pass",
    "passed",
    "good",
    "satisfactory",
    "sufficient",
    "excellent",
    "fair",
    "competent",
)
FAIL_WORDS = (
    "kurang",
    "tidak",
    "belum",
    "gagal",
    "perlu perbaikan",
    "fail",
    "failed",
    "insufficient",
    "unsatisfactory",
    "not",
    "poor",
)


@dataclass
class LessonData:
    slug: str
    title: str
    body: str
    content_hash: str


@dataclass
class CriterionData:
    key: str
    title: str
    weight: float
    levels: list[dict[str, Any]]
    #: The grader may also give 0 points: the part this criterion judges is missing.
    zero_level: bool = False
    #: The proposal parts (field keys of PROPOSAL_PARTS) this criterion judges.
    parts: list[str] = field(default_factory=list)


@dataclass
class RubricData:
    key: str
    title: str
    description: str
    pass_mark: float | None
    bands: list[dict[str, Any]]
    gates: list[dict[str, Any]]
    criteria: list[CriterionData]
    content_hash: str


@dataclass
class AssignmentData:
    key: str
    title: str
    kind: str
    instructions: str
    rubric_key: str | None
    settings: dict[str, Any]
    content_hash: str


@dataclass
class Pack:
    path: Path
    slug: str
    title: str
    title_en: str = ""
    description: str = ""
    description_en: str = ""
    version: str = ""
    jp: int = 0
    objectives: list[str] = field(default_factory=list)
    objectives_en: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    lessons: list[LessonData] = field(default_factory=list)
    assignments: list[AssignmentData] = field(default_factory=list)
    rubrics: list[RubricData] = field(default_factory=list)
    content_hash: str = ""


def _hash(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _read_toml(path: Path, problems: list[Problem]) -> tuple[dict[str, Any] | None, str]:
    """A pack file's data and text; a missing one is for the caller to name."""
    data, text, found = read_toml(path, missing_ok=True)
    problems.extend(found)
    return data, text


def band_reads_like(label: str) -> str | None:
    """'pass' or 'fail' when a band label reads like one (FAIL_WORDS win), else None."""
    words = " " + " ".join(WORD_RE.findall(label.lower())) + " "
    if any(f" {w} " in words for w in FAIL_WORDS):
        return "fail"
    if any(f" {w} " in words for w in PASS_WORDS):
        return "pass"
    return None


def _number(value: float) -> str:
    return f"{value:g}"


def band_contradiction(label: str, low: float, pass_mark: float | None) -> str | None:
    """How a band contradicts the pass mark: 'pass' when it starts below it (so holds failing
    scores) but reads like a pass, 'fail' when it starts at or above it but reads like a fail;
    None when it does not (or there is no pass mark). Pack checks and the rubric copy's edit
    form both ask this."""
    if pass_mark is None:
        return None
    reading = band_reads_like(label)
    if reading == "pass" and low < pass_mark:
        return "pass"
    if reading == "fail" and low >= pass_mark:
        return "fail"
    return None


def _band_problems(
    rubric_file: Path, rtext: str, bands: list[dict[str, Any]], pass_mark: float
) -> list[Problem]:
    """Bands whose names contradict the pass mark (:func:`band_contradiction`)."""
    problems = []
    for band in bands:
        label, low = band["label"], band["min"]
        reading = band_contradiction(label, low, pass_mark)
        if reading == "pass":
            advice = f"start it at {_number(pass_mark)} or rename it"
            where = "below"
        elif reading == "fail":
            advice = "start it below the pass mark or rename it"
            where = "at or above"
        else:
            continue
        problems.append(
            Problem(
                rubric_file,
                line_of(rtext, "label", f'"{label}"'),
                f"band {label!r} starts at {_number(low)}, {where} the pass mark "
                f"{_number(pass_mark)}, but reads like a {reading}; {advice}",
            )
        )
    return problems


def _str_list(data: dict[str, Any], key: str) -> list[str] | None:
    value = data.get(key, [])
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def load_pack(path: Path) -> tuple[Pack | None, list[Problem]]:
    """Read and check one pack; the pack is None when any problem was found."""
    path = Path(path)
    problems: list[Problem] = []
    course_file = path / "course.toml"
    data, text = _read_toml(course_file, problems)
    if data is None:
        if not problems:
            problems.append(Problem(course_file, 1, "course.toml is missing"))
        return None, problems

    slug = data.get("slug", path.name)
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        problems.append(
            Problem(course_file, line_of(text, "slug"), f"invalid slug {slug!r}: use a-z, 0-9, -")
        )
    elif slug != path.name and "slug" in data:
        problems.append(
            Problem(
                course_file,
                line_of(text, "slug"),
                f"slug {slug!r} differs from the folder name {path.name!r}",
            )
        )
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(Problem(course_file, line_of(text, "title"), "title is required"))
    jp = data.get("jp", 0)
    if not isinstance(jp, int) or isinstance(jp, bool) or jp < 0:
        problems.append(Problem(course_file, line_of(text, "jp"), "jp must be a whole number"))
    for key in ("title_en", "description", "description_en", "version"):
        if key in data and not isinstance(data[key], str):
            problems.append(Problem(course_file, line_of(text, key), f"{key} must be text"))
    lists = {}
    for key in ("lessons", "objectives", "objectives_en", "sources", "assignments", "rubrics"):
        lists[key] = _str_list(data, key)
        if lists[key] is None:
            problems.append(
                Problem(course_file, line_of(text, key), f"{key} must be a list of text")
            )
            lists[key] = []
    if not lists["lessons"]:
        problems.append(Problem(course_file, line_of(text, "lessons"), "no lessons listed"))

    lessons = _load_lessons(path, course_file, text, lists["lessons"], problems)
    rubrics = _load_rubrics(path, course_file, text, lists["rubrics"], problems)
    assignments = _load_assignments(
        path, course_file, text, lists["assignments"], {r.key for r in rubrics}, problems
    )
    if problems:
        return None, problems

    files = sorted(p for p in path.rglob("*") if p.is_file())
    pack_hash = _hash(*(str(p.relative_to(path)).encode() + p.read_bytes() for p in files))
    return (
        Pack(
            path=path.resolve(),
            slug=slug,
            title=title.strip(),
            title_en=data.get("title_en", ""),
            description=data.get("description", ""),
            description_en=data.get("description_en", ""),
            version=str(data.get("version", "")),
            jp=jp,
            objectives=lists["objectives"],
            objectives_en=lists["objectives_en"],
            sources=lists["sources"],
            lessons=lessons,
            assignments=assignments,
            rubrics=rubrics,
            content_hash=pack_hash,
        ),
        [],
    )


def _load_lessons(
    path: Path, course_file: Path, text: str, slugs: list[str], problems: list[Problem]
) -> list[LessonData]:
    lessons = []
    seen: set[str] = set()
    for slug in slugs:
        line = line_of(text, f'"{slug}"')
        if not SLUG_RE.match(slug):
            problems.append(Problem(course_file, line, f"invalid lesson slug {slug!r}"))
            continue
        if slug in seen:
            problems.append(Problem(course_file, line, f"lesson {slug!r} is listed twice"))
            continue
        seen.add(slug)
        lesson_file = path / "lessons" / f"{slug}.md"
        if not lesson_file.is_file():
            problems.append(
                Problem(
                    course_file, line, f"lesson {slug!r} is listed but lessons/{slug}.md is missing"
                )
            )
            continue
        raw = lesson_file.read_bytes()
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(lesson_file, 1, "not UTF-8 text"))
            continue
        first, _, rest = body.lstrip("\ufeff").partition("\n")
        if not first.startswith("# ") or not first[2:].strip():
            problems.append(
                Problem(lesson_file, 1, "the first line must be the title: '# Judul materi'")
            )
            continue
        for number, row in enumerate(body.splitlines(), 1):
            for target in IMAGE_RE.findall(row):
                if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("/"):
                    continue
                image = (lesson_file.parent / target.split("#")[0]).resolve()
                if not image.is_file() or path.resolve() not in image.parents:
                    problems.append(Problem(lesson_file, number, f"broken image link {target!r}"))
        lessons.append(LessonData(slug, first[2:].strip(), rest.lstrip("\n"), _hash(raw)))
    return lessons


def _load_rubrics(
    path: Path, course_file: Path, text: str, keys: list[str], problems: list[Problem]
) -> list[RubricData]:
    rubrics = []
    for key in keys:
        rubric_file = path / "rubrics" / f"{key}.toml"
        data, rtext = _read_toml(rubric_file, problems)
        if data is None:
            if rtext == "" and not rubric_file.is_file():
                problems.append(
                    Problem(
                        course_file,
                        line_of(text, f'"{key}"'),
                        f"rubric {key!r} is listed but rubrics/{key}.toml is missing",
                    )
                )
            continue
        before = len(problems)
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            problems.append(Problem(rubric_file, line_of(rtext, "title"), "title is required"))
        pass_mark = data.get("pass_mark")
        if pass_mark is not None and (
            not isinstance(pass_mark, int | float) or not 0 <= pass_mark <= 100
        ):
            problems.append(
                Problem(rubric_file, line_of(rtext, "pass_mark"), "pass_mark must be 0 to 100")
            )
        bands = data.get("bands", [])
        for band in bands:
            if not isinstance(band.get("label"), str) or not isinstance(
                band.get("min"), int | float
            ):
                problems.append(
                    Problem(rubric_file, line_of(rtext, "[[bands]]"), "a band needs label and min")
                )
        mins = [b.get("min") for b in bands if isinstance(b.get("min"), int | float)]
        if mins != sorted(mins, reverse=True):
            problems.append(
                Problem(rubric_file, line_of(rtext, "[[bands]]"), "bands must go from highest min")
            )
        elif (
            isinstance(pass_mark, int | float)
            and len(mins) == len(bands)
            and all(isinstance(b.get("label"), str) for b in bands)
        ):
            problems += _band_problems(rubric_file, rtext, bands, pass_mark)
        gates = []
        for g in data.get("gates", []):
            gate = {"key": g.get("key", ""), "title": g.get("title", "")}
            check = g.get("check")
            if check is not None and check not in GATE_CHECKS:
                problems.append(
                    Problem(
                        rubric_file,
                        line_of(rtext, "check", f'"{check}"'),
                        f"gate {gate['key']!r}: check must be one of {', '.join(GATE_CHECKS)}, "
                        f"not {check!r}",
                    )
                )
            elif check is not None:
                gate["check"] = check
            gates.append(gate)
        criteria = []
        raw_criteria = data.get("criteria", [])
        if not raw_criteria:
            problems.append(Problem(rubric_file, 1, "a rubric needs at least one [[criteria]]"))
        seen: set[str] = set()
        for criterion in raw_criteria:
            ckey = criterion.get("key", "")
            cline = line_of(rtext, "key", f'"{ckey}"') if ckey else 1
            if not isinstance(ckey, str) or not KEY_RE.match(ckey) or ckey in seen:
                problems.append(Problem(rubric_file, cline, f"invalid or repeated key {ckey!r}"))
                continue
            seen.add(ckey)
            for unknown in unknown_keys(criterion, CRITERION_KEYS):
                problems.append(
                    Problem(
                        rubric_file,
                        key_line(rtext, unknown, cline),
                        f"criterion {ckey!r}: unknown key {unknown!r}; a criterion holds "
                        + ", ".join(CRITERION_KEYS),
                    )
                )
            zero_level = criterion.get("zero_level", False)
            if not isinstance(zero_level, bool):
                problems.append(
                    Problem(
                        rubric_file,
                        key_line(rtext, "zero_level", cline),
                        f"criterion {ckey!r}: zero_level must be true or false",
                    )
                )
                zero_level = False
            parts = criterion.get("parts", [])
            if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
                problems.append(
                    Problem(
                        rubric_file,
                        key_line(rtext, "parts", cline),
                        f"criterion {ckey!r}: parts must be a list of proposal field keys",
                    )
                )
                parts = []
            named: set[str] = set()
            for part in parts:
                if part not in PROPOSAL_PARTS:
                    problems.append(
                        Problem(
                            rubric_file,
                            key_line(rtext, "parts", cline),
                            f"criterion {ckey!r}: unknown part {part!r}; parts are proposal "
                            "fields such as 'metode_pembaharuan' (see courses/README.md)",
                        )
                    )
                elif part in named:
                    problems.append(
                        Problem(
                            rubric_file,
                            key_line(rtext, "parts", cline),
                            f"criterion {ckey!r}: part {part!r} is named twice",
                        )
                    )
                named.add(part)
            weight = criterion.get("weight")
            if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
                problems.append(
                    Problem(rubric_file, cline, f"criterion {ckey!r}: weight must be above 0")
                )
            levels = criterion.get("levels", [])
            points = [level.get("points") for level in levels]
            if len(levels) < 2 or not all(isinstance(p, int | float) for p in points):
                problems.append(
                    Problem(
                        rubric_file,
                        cline,
                        f"criterion {ckey!r}: needs two or more levels with points",
                    )
                )
                continue
            if any(b <= a for a, b in zip(points, points[1:], strict=False)):
                problems.append(
                    Problem(
                        rubric_file,
                        cline,
                        f"criterion {ckey!r}: level points must be ascending, got {points}",
                    )
                )
                continue
            if zero_level and points[0] <= 0:
                problems.append(
                    Problem(
                        rubric_file,
                        key_line(rtext, "zero_level", cline),
                        f"criterion {ckey!r}: zero_level already gives 0 points, so its levels "
                        f"must start above 0, got {points}",
                    )
                )
                continue
            criteria.append(
                CriterionData(
                    key=ckey,
                    title=str(criterion.get("title", ckey)),
                    weight=float(weight) if isinstance(weight, int | float) else 0.0,
                    levels=[
                        {
                            "points": level["points"],
                            "title": str(level.get("title", "")),
                            "descriptor": str(level.get("descriptor", "")),
                        }
                        for level in levels
                    ],
                    zero_level=zero_level,
                    parts=list(parts),
                )
            )
        if len(problems) == before:
            rubrics.append(
                RubricData(
                    key=key,
                    title=title.strip(),
                    description=str(data.get("description", "")),
                    pass_mark=float(pass_mark) if pass_mark is not None else None,
                    bands=[{"label": b["label"], "min": b["min"]} for b in bands],
                    gates=gates,
                    criteria=criteria,
                    content_hash=_hash(rubric_file.read_bytes()),
                )
            )
    return rubrics


def _load_assignments(
    path: Path,
    course_file: Path,
    text: str,
    keys: list[str],
    rubric_keys: set[str],
    problems: list[Problem],
) -> list[AssignmentData]:
    assignments = []
    for key in keys:
        spec_file = path / "assignments" / f"{key}.toml"
        data, stext = _read_toml(spec_file, problems)
        if data is None:
            if stext == "" and not spec_file.is_file():
                problems.append(
                    Problem(
                        course_file,
                        line_of(text, f'"{key}"'),
                        f"assignment {key!r} is listed but assignments/{key}.toml is missing",
                    )
                )
            continue
        before = len(problems)
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            problems.append(Problem(spec_file, line_of(stext, "title"), "title is required"))
        kind = data.get("kind")
        if kind not in KINDS:
            problems.append(
                Problem(
                    spec_file,
                    line_of(stext, "kind"),
                    f"kind must be one of {', '.join(KINDS)}, not {kind!r}",
                )
            )
        rubric_key = data.get("rubric")
        if rubric_key is not None and rubric_key not in rubric_keys:
            problems.append(
                Problem(
                    spec_file,
                    line_of(stext, "rubric"),
                    f"names rubric {rubric_key!r}, which this pack does not define",
                )
            )
        min_words = data.get("min_words", {})
        if not isinstance(min_words, dict) or not all(
            isinstance(v, int) and v >= 0 for v in min_words.values()
        ):
            problems.append(
                Problem(spec_file, line_of(stext, "min_words"), "min_words: whole numbers only")
            )
        settings = {
            "required_fields": data.get("required_fields", []),
            "min_words": min_words if isinstance(min_words, dict) else {},
        }
        if kind == "video":
            settings["max_duration_seconds"] = int(data.get("max_duration_seconds", 300))
        if "allowed_types" in data:
            settings["allowed_types"] = data["allowed_types"]
        if len(problems) == before:
            assignments.append(
                AssignmentData(
                    key=key,
                    title=title.strip(),
                    kind=kind,
                    instructions=str(data.get("instructions", "")),
                    rubric_key=rubric_key,
                    settings=settings,
                    content_hash=_hash(spec_file.read_bytes()),
                )
            )
    return assignments


def pack_dirs_under(path: Path) -> list[Path]:
    """A pack itself, or the packs one level below a folder."""
    path = Path(path)
    if (path / "course.toml").is_file():
        return [path]
    if not path.is_dir():
        return []
    return sorted(p for p in path.iterdir() if p.is_dir() and (p / "course.toml").is_file())


def _entry_point_paths() -> list[Path]:
    paths = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        target = ep.load()
        if callable(target):
            target = target()
        if hasattr(target, "__file__") and target.__file__:
            target = Path(target.__file__).parent
        paths.append(Path(target))
    return paths


def discover(builtin: Path, extra: str = "") -> list[Path]:
    """Pack folders from the built-in courses/, LMS_COURSE_PATHS and installed packages.

    When two sources hold the same slug, the first one wins (built-in, then paths, then
    packages) and the later one is ignored.
    """
    sources = [builtin, *extra_paths(extra)]
    sources += _entry_point_paths()
    found: dict[str, Path] = {}
    for source in sources:
        for pack in pack_dirs_under(source):
            found.setdefault(pack.name, pack)
    return list(found.values())
