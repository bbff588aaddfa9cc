"""Data files that are checked, not trusted: course packs, the index rules, the clinic's stages,
the certificates' qualification schemes.

Each loader reads a TOML file, checks it and answers either the loaded data or every problem
found, each a :class:`Problem` printed as ``file:line: message`` so that the author can jump to
it. What they share lives here: the problem, finding the line a key or value is written on,
reading the TOML (a parse error becomes a problem at its line), naming unknown keys, and the
shape of every ``check`` command (:func:`check_files`, :func:`report_problems`).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import click


@dataclass(frozen=True)
class Problem:
    """What is wrong in a data file, and on which line (from 1)."""

    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def _lines(text: str | Sequence[str]) -> Sequence[str]:
    return text.splitlines() if isinstance(text, str) else text


def line_of(text: str | Sequence[str], *needles: str, start: int = 1) -> int:
    """The first line, from ``start`` on, holding every needle; ``start`` when none does."""
    lines = _lines(text)
    for number in range(max(start, 1), len(lines) + 1):
        if all(n in lines[number - 1] for n in needles):
            return number
    return start


def line_matching(text: str | Sequence[str], pattern: str, start: int = 1) -> int:
    """The first line, from ``start`` on, where the regex ``pattern`` is found; ``start`` when
    none is."""
    regex = re.compile(pattern)
    lines = _lines(text)
    for number in range(max(start, 1), len(lines) + 1):
        if regex.search(lines[number - 1]):
            return number
    return start


def key_line(text: str | Sequence[str], key: str, start: int = 1) -> int:
    """The line, from ``start`` on, where ``key = …`` is written; ``start`` when it is not."""
    return line_matching(text, rf"^\s*{re.escape(key)}\s*=", start)


def toml_error_line(error: tomllib.TOMLDecodeError) -> int:
    """The line a TOML parse error names (1 when it names none)."""
    match = re.search(r"line (\d+)", str(error))
    return int(match.group(1)) if match else 1


def read_toml(
    path: Path, *, decimals: bool = False, missing_ok: bool = False
) -> tuple[dict[str, Any] | None, str, list[Problem]]:
    """The file's data, its text (for line numbers) and what kept it from being read:
    unreadable, not UTF-8, not TOML (at the line of the error). ``decimals`` reads floats as
    :class:`~decimal.Decimal`. With ``missing_ok`` a missing file is the caller's to name (no
    data, no problem), so a pack can say which of its listed files is missing."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, "", [Problem(path, 1, "not UTF-8 text")]
    except OSError as exc:
        if missing_ok and isinstance(exc, FileNotFoundError):
            return None, "", []
        return None, "", [Problem(path, 1, f"cannot read: {exc.strerror or exc}")]
    try:
        data = tomllib.loads(text, parse_float=Decimal if decimals else float)
    except tomllib.TOMLDecodeError as exc:
        return None, text, [Problem(path, toml_error_line(exc), f"invalid TOML: {exc}")]
    return data, text, []


def unknown_keys(table: Mapping[str, Any], allowed: Collection[str]) -> list[str]:
    """The keys of ``table`` that are not ``allowed``, in the file's order: the typos a check
    names (each module says where and how)."""
    return [key for key in table if key not in allowed]


# --- where the files are ---------------------------------------------------------------------


def extra_paths(value: str | None) -> list[Path]:
    """The paths of a setting such as ``LMS_IID_RULE_PATHS`` (separated by ``os.pathsep``)."""
    return [Path(p.strip()) for p in (value or "").split(os.pathsep) if p.strip()]


def files_under(path: Path) -> list[Path]:
    """A data file itself, or every *.toml directly in a folder, in name order."""
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.glob("*.toml") if p.is_file())
    return []


def data_files(shipped: Path, extra: str | None) -> list[Path]:
    """The shipped files, then those under the setting's paths (later ones win a year)."""
    files = files_under(shipped)
    for path in extra_paths(extra):
        files.extend(files_under(path))
    return files


# --- the check commands ---------------------------------------------------------------------


def report_problems(problems: Iterable[Problem]) -> int:
    """Print each problem as ``file:line: message``; the exit code: 1 when there was any."""
    found = 0
    for problem in problems:
        click.echo(str(problem))
        found += 1
    return 1 if found else 0


def nothing_found(what: str, path: str | None) -> click.ClickException:
    """The error of a check command that found nothing to check."""
    return click.ClickException(f"no {what} found at {path or 'the known places'}")


def check_files(
    files: Sequence[Path],
    load: Callable[[Path], tuple[Any, list[Problem]]],
    summary: Callable[[Any], str],
    *,
    what: str,
    path: str | None,
) -> None:
    """The body of a ``check`` command: each file's problems, or ``file: OK (summary)``;
    exit 1 when any file failed (an error when there is no file at all)."""
    if not files:
        raise nothing_found(what, path)
    failed = False
    for file in files:
        loaded, problems = load(file)
        if report_problems(problems) or loaded is None:
            failed = True
            continue
        click.echo(f"{file}: OK ({summary(loaded)})")
    if failed:
        raise SystemExit(1)
