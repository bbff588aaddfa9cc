"""Field-by-field differences between two submitted versions.

Texts are compared line by line, then word by word inside the lines that changed. The result is
markup built here with ``markupsafe.escape`` around every piece of the participant's text, so the
template can show it as is: removed words in ``<del>``, added words in ``<ins>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from lms import profile
from lms.submissions.fields import Field
from lms.submissions.receipts import display_text, fields_of, label_for
from lms.textdiff import diff_text


@dataclass
class FieldDiff:
    key: str
    label: str
    changed: bool
    #: The new text with removed parts in <del> and added parts in <ins> (escaped).
    markup: Markup
    #: Words (or lines of a list) taken out and put in, for a short summary.
    removed: int = 0
    added: int = 0


@dataclass
class FileChange:
    name: str
    size: int


@dataclass
class VersionDiff:
    fields: list[FieldDiff]
    files_added: list[FileChange] = field(default_factory=list)
    files_removed: list[FileChange] = field(default_factory=list)
    files_kept: list[FileChange] = field(default_factory=list)
    #: One version was written with the proposal's old fields and the other with the six
    #: parts: the old one was compared as moved to the six parts (``profile.from_legacy``).
    converted: bool = False

    @property
    def changed(self) -> list[FieldDiff]:
        return [f for f in self.fields if f.changed]

    @property
    def unchanged(self) -> list[FieldDiff]:
        return [f for f in self.fields if not f.changed]


def _field_diff(kind: str, f: Field, old: Any, new: Any, values: dict[str, Any]) -> FieldDiff:
    old_text, new_text = display_text(f, old), display_text(f, new)
    label = label_for(kind, f, values)
    if old_text == new_text:
        return FieldDiff(f.key, label, False, escape(new_text))
    change = diff_text(old_text, new_text)
    return FieldDiff(f.key, label, True, change.markup, change.removed, change.added)


def diff_versions(kind: str, old: Any, new: Any, *, hide_identity: bool = False) -> VersionDiff:
    """Compare two SubmissionVersions (anything with ``fields`` and ``files``). Proposals of
    the old and the new field set are compared in the new one (the old text moved to the six
    parts, as a draft is moved). ``hide_identity``: a blind marker's diff leaves out the fields
    that name the participant."""
    old_fields, new_fields = dict(old.fields or {}), dict(new.fields or {})
    converted = kind == "proposal" and profile.is_legacy(old_fields) != profile.is_legacy(
        new_fields
    )
    if converted:
        old_fields, new_fields = profile.from_legacy(old_fields), profile.from_legacy(new_fields)
    every = dict(old_fields)
    every.update(new_fields)
    fields = [
        _field_diff(kind, f, old_fields.get(f.key), new_fields.get(f.key), new_fields)
        for f in fields_of(kind, every)
        if not (f.kind == "theme" and not old_fields.get(f.key) and not new_fields.get(f.key))
        and not (hide_identity and f.key in profile.IDENTITY_KEYS)
    ]
    old_files = {f.get("key"): f for f in old.files or []}
    new_files = {f.get("key"): f for f in new.files or []}

    def change(item: dict[str, Any]) -> FileChange:
        return FileChange(str(item.get("name") or ""), int(item.get("size") or 0))

    return VersionDiff(
        fields,
        files_added=[change(f) for k, f in new_files.items() if k not in old_files],
        files_removed=[change(f) for k, f in old_files.items() if k not in new_files],
        files_kept=[change(f) for k, f in new_files.items() if k in old_files],
        converted=converted,
    )
