"""The stages of a clinic case and their exit criteria: data (``stages.toml``), a loader that
reports problems as ``file:line: message``, and the set in force (``LMS_CLINIC_STAGES_FILE``,
else the shipped file)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lms.datafiles import Problem, key_line, line_matching, read_toml, unknown_keys

SHIPPED_FILE = Path(__file__).resolve().parent / "stages.toml"
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


@dataclass(frozen=True)
class Criterion:
    key: str
    text: str
    text_en: str

    def label(self, locale: str = "id") -> str:
        return self.text_en if locale == "en" and self.text_en else self.text


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    name_en: str
    summary: str
    summary_en: str
    criteria: tuple[Criterion, ...]

    def title(self, locale: str = "id") -> str:
        return self.name_en if locale == "en" and self.name_en else self.name

    def description(self, locale: str = "id") -> str:
        return self.summary_en if locale == "en" and self.summary_en else self.summary

    @property
    def criterion_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.criteria)


@dataclass(frozen=True)
class StageSet:
    path: Path
    stages: tuple[Stage, ...]
    #: The stage whose start creates or links the registry innovation.
    deliver: str

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.stages)

    def labels(self, locale: str = "id") -> dict[str, str]:
        """Key -> title of each stage, in order (a filter's choices)."""
        return {s.key: s.title(locale) for s in self.stages}

    @property
    def first(self) -> Stage:
        return self.stages[0]

    def get(self, key: str | None) -> Stage | None:
        return next((s for s in self.stages if s.key == key), None)

    def index(self, key: str | None) -> int:
        """The stage's position (0 = first); -1 for a key the file does not have."""
        return self.keys.index(key) if key in self.keys else -1

    def after(self, key: str | None) -> Stage | None:
        """The next stage; the first for an unknown key; None after the last."""
        position = self.index(key)
        if position + 1 < len(self.stages):
            return self.stages[position + 1]
        return None

    def reached_deliver(self, key: str | None) -> bool:
        return self.index(key) >= self.index(self.deliver) >= 0


def load_stages(path: Path | str) -> tuple[StageSet | None, list[Problem]]:
    """The stage set in ``path``, or None and every problem found."""
    path = Path(path)
    data, text, problems = read_toml(path)
    if data is None:
        return None, problems
    lines = text.splitlines()

    def add(line: int, message: str) -> None:
        problems.append(Problem(path, line, message))

    for key in unknown_keys(data, ("deliver", "stages")):
        add(key_line(lines, key), f"unknown key {key!r}")
    raw_stages = data.get("stages")
    if not isinstance(raw_stages, list) or not raw_stages:
        add(1, "at least one [[stages]] table is needed")
        return None, problems
    stages: list[Stage] = []
    seen: set[str] = set()
    cursor = 1
    for number, raw in enumerate(raw_stages, 1):
        cursor = line_matching(lines, r"^\s*\[\[stages\]\]", cursor + 1 if number > 1 else 1)
        stage = _stage(raw, number, lines, cursor, add)
        if stage is None:
            continue
        if stage.key in seen:
            add(
                line_matching(lines, rf'key\s*=\s*"{stage.key}"', cursor),
                f"stage key {stage.key!r} twice",
            )
            continue
        seen.add(stage.key)
        stages.append(stage)
    deliver = data.get("deliver")
    if not isinstance(deliver, str) or deliver not in seen:
        add(
            key_line(lines, "deliver"),
            f"deliver must name one of the stage keys ({', '.join(sorted(seen)) or 'none'})",
        )
    if problems:
        return None, problems
    return StageSet(path=path, stages=tuple(stages), deliver=str(deliver)), []


def _text(raw: dict[str, Any], key: str, required: bool) -> str | None:
    value = raw.get(key, "")
    if not isinstance(value, str):
        return None
    value = value.strip()
    if required and not value:
        return None
    return value


def _stage(raw: Any, number: int, lines: list[str], line: int, add) -> Stage | None:
    if not isinstance(raw, dict):
        add(line, f"stage {number} must be a table")
        return None
    allowed = {"key", "name", "name_en", "summary", "summary_en", "criteria"}
    for key in unknown_keys(raw, allowed):
        add(key_line(lines, key, line), f"unknown key {key!r} in stage {number}")
    key = raw.get("key")
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        add(line, f"stage {number}: key must be lower-case letters, digits and _ (at most 30)")
        return None
    texts = {}
    for name, required in (
        ("name", True),
        ("name_en", False),
        ("summary", False),
        ("summary_en", False),
    ):
        value = _text(raw, name, required)
        if value is None:
            add(
                key_line(lines, name, line),
                f"stage {key}: {name} must be a non-empty text"
                if required
                else f"stage {key}: {name} must be a text",
            )
            return None
        texts[name] = value
    criteria: list[Criterion] = []
    raw_criteria = raw.get("criteria", [])
    if not isinstance(raw_criteria, list):
        add(line, f"stage {key}: criteria must be [[stages.criteria]] tables")
        return None
    seen: set[str] = set()
    where = line
    for index, item in enumerate(raw_criteria, 1):
        where = line_matching(lines, r"^\s*\[\[stages\.criteria\]\]", where + 1)
        ckey = item.get("key") if isinstance(item, dict) else None
        ctext = _text(item, "text", True) if isinstance(item, dict) else None
        if not isinstance(ckey, str) or not _KEY.fullmatch(ckey):
            add(
                where,
                f"stage {key}: criterion {index} needs a key of lower-case letters, digits and _",
            )
            continue
        if ctext is None:
            add(
                line_matching(lines, rf'key\s*=\s*"{ckey}"', line),
                f"stage {key}: criterion {ckey} needs a text",
            )
            continue
        if ckey in seen:
            add(
                line_matching(lines, rf'key\s*=\s*"{ckey}"', line),
                f"stage {key}: criterion {ckey} twice",
            )
            continue
        unknown = unknown_keys(item, ("key", "text", "text_en"))
        if unknown:
            add(
                where,
                f"stage {key}: unknown key(s) {', '.join(sorted(unknown))} in criterion {ckey}",
            )
        seen.add(ckey)
        criteria.append(Criterion(ckey, ctext, _text(item, "text_en", False) or ""))
    return Stage(key=key, criteria=tuple(criteria), **texts)


_cache: dict[str, StageSet] = {}


def stage_file(config: Any) -> Path:
    configured = (config.get("LMS_CLINIC_STAGES_FILE") or "").strip() if config else ""
    return Path(configured) if configured else SHIPPED_FILE


def current_stages(config: Any = None) -> StageSet:
    """The stage set in force (loaded once per process and file). A broken configured file
    stops the app with its problems rather than guessing."""
    if config is None:
        from flask import current_app

        config = current_app.config
    path = stage_file(config)
    found = _cache.get(str(path))
    if found is not None:
        return found
    stages, problems = load_stages(path)
    if stages is None:
        raise RuntimeError("clinic stages: " + "; ".join(str(p) for p in problems))
    _cache[str(path)] = stages
    return stages
