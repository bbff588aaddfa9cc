"""What changed between two texts, or two dicts of fields, as markup safe to show as is.

Texts are compared word by word (white space kept, so paragraphs stay where they were). Every
piece of the people's text is escaped here; removed words are wrapped in ``<del>``, added
words in ``<ins>``. Used for submission and innovation versions; any module with plain
dicts of fields can use :func:`diff_fields`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from markupsafe import Markup, escape

__all__ = ["FieldChange", "TextChange", "diff_fields", "diff_text"]

_WORDS = re.compile(r"\S+|\s+")


@dataclass(frozen=True)
class TextChange:
    #: The new text with removed words in <del> and added words in <ins>, escaped.
    markup: Markup
    removed: int
    added: int

    @property
    def changed(self) -> bool:
        return bool(self.removed or self.added)


@dataclass(frozen=True)
class FieldChange:
    key: str
    label: str
    old: str
    new: str
    change: TextChange

    @property
    def changed(self) -> bool:
        return self.old != self.new


def _tag(tag: str, tokens: list[str]) -> Markup:
    text = "".join(tokens)
    core = text.strip()
    if not core:  # white space alone is shown, not marked
        return escape(text) if tag == "ins" else Markup("")
    if tag == "del":
        return Markup("<del>") + escape(text) + Markup("</del>")
    # Added words are marked, the white space around them is the new text's own.
    start = text.index(core)
    before, after = text[:start], text[start + len(core) :]
    return escape(before) + Markup("<ins>") + escape(core) + Markup("</ins>") + escape(after)


def _words(tokens: list[str]) -> int:
    return sum(1 for t in tokens if not t.isspace())


def _grouped(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """The matcher's steps, with white space alone between two changes folded into them, so
    "satu hari" -> "dua jam" reads as one change rather than two."""
    steps = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    merged: list[list] = []
    for index, step in enumerate(steps):
        op, i1, i2, j1, j2 = step
        between = 0 < index < len(steps) - 1 and op == "equal"
        if between and all(t.isspace() for t in a[i1:i2]) and merged:
            merged[-1][0] = "replace"
            merged[-1][2], merged[-1][4] = i2, j2
            continue
        if merged and op != "equal" and merged[-1][0] != "equal":
            merged[-1][0] = "replace"
            merged[-1][2], merged[-1][4] = i2, j2
            continue
        merged.append([op, i1, i2, j1, j2])
    return [tuple(m) for m in merged]  # type: ignore[misc]


def diff_text(old: str | None, new: str | None) -> TextChange:
    """How ``old`` became ``new``, word by word."""
    a = _WORDS.findall((old or "").replace("\r\n", "\n"))
    b = _WORDS.findall((new or "").replace("\r\n", "\n"))
    parts: list[Markup] = []
    removed = added = 0
    for op, i1, i2, j1, j2 in _grouped(a, b):
        if op == "equal":
            parts.append(escape("".join(b[j1:j2])))
            continue
        if i2 > i1:
            parts.append(_tag("del", a[i1:i2]))
            removed += _words(a[i1:i2])
        if j2 > j1:
            parts.append(_tag("ins", b[j1:j2]))
            added += _words(b[j1:j2])
    return TextChange(Markup("").join(parts), removed, added)


def _plain(_key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "\n".join(map(str, value))
    return str(value)


def diff_fields(
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
    fields: Iterable[tuple[str, object]],
    *,
    text_of: Callable[[str, Any], str] = _plain,
) -> list[FieldChange]:
    """One :class:`FieldChange` per ``(key, label)`` of ``fields``, in that order; ``text_of``
    turns a stored value into what people read (a choice's label, a date spelled out)."""
    old, new = old or {}, new or {}
    changes = []
    for key, label in fields:
        before, after = text_of(key, old.get(key)), text_of(key, new.get(key))
        same = before == after
        change = TextChange(escape(after), 0, 0) if same else diff_text(before, after)
        changes.append(FieldChange(key, str(label), before, after, change))
    return changes
