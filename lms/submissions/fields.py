"""What an assignment asks of a submission: the fields of each kind, required fields, minimum
words, the attachments it takes.

A proposal's fields are the IID *profil inovasi* of :mod:`lms.profile` (one definition for the
class proposal and the registry innovation); this module adds only what is the submissions'
own: the PP 38 self-check, the video fields, counting words.
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, has_app_context

from lms.lazytext import lazy_gettext as _l
from lms.profile import (
    PROFILE_FIELDS,
    RANCANG_BANGUN,
    RANCANG_BANGUN_KEYS,
    RANCANG_BANGUN_MIN_WORDS,
    Field,
)

__all__ = ["Field"]

#: The five criteria of PP 38/2017 a participant confirms before submitting.
PP38_CRITERIA: tuple[tuple[str, object], ...] = (
    ("memperbarui", _l("Mengandung pembaruan seluruh atau sebagian unsur dari inovasi")),
    ("bermanfaat", _l("Memberi manfaat bagi daerah dan/atau masyarakat")),
    (
        "tidak_membebani",
        _l(
            "Tidak mengakibatkan pembebanan atau pembatasan pada masyarakat yang tidak sesuai "
            "dengan peraturan perundang-undangan"
        ),
    ),
    ("kewenangan_daerah", _l("Merupakan urusan pemerintahan yang menjadi kewenangan daerah")),
    ("dapat_direplikasi", _l("Dapat direplikasi")),
)

#: The five elements the innovation index looks for in a video.
VIDEO_ELEMENTS: tuple[tuple[str, object], ...] = (
    ("latar_belakang", _l("Latar belakang")),
    ("penjaringan_ide", _l("Penjaringan ide")),
    ("pemilihan_ide", _l("Pemilihan ide")),
    ("manfaat", _l("Manfaat")),
    ("dampak", _l("Dampak")),
)

VIDEO_FIELDS: tuple[Field, ...] = (
    Field("video_url", _l("Tautan video publik"), "url"),
    Field("unsur", _l("Unsur yang ditampilkan video"), "elements", VIDEO_ELEMENTS),
    Field("deskripsi", _l("Deskripsi singkat"), "markdown"),
)

TEXT_FIELDS: tuple[Field, ...] = (Field("teks", _l("Jawaban"), "markdown"),)

FIELDS_BY_KIND = {
    "proposal": PROFILE_FIELDS,
    "video": VIDEO_FIELDS,
    "text": TEXT_FIELDS,
    "file": (),
}
DEFAULT_MIN_WORDS = {"proposal": {RANCANG_BANGUN: RANCANG_BANGUN_MIN_WORDS}}
#: A ``min_words`` key that names a section: the fields counted together.
SECTIONS_BY_KIND = {"proposal": {RANCANG_BANGUN: RANCANG_BANGUN_KEYS}}


def word_count(text: str | None) -> int:
    """Words as a reader counts them: Markdown marks and links' targets do not count."""
    text = re.sub(r"\]\([^)]*\)", "]", text or "")
    return len(re.findall(r"[^\W_]+(?:[-'’][^\W_]+)*", text))


def min_words(spec: Any) -> dict[str, int]:
    """Field or section key -> minimum number of words: the kind's default (a proposal's
    rancang bangun section), then what the pack's ``min_words`` says."""
    settings = spec.settings or {}
    minimums = dict(DEFAULT_MIN_WORDS.get(spec.kind, {}))
    minimums.update(settings.get("min_words") or {})
    return minimums


def counted_keys(kind: str, key: str) -> tuple[str, ...]:
    """The fields a word minimum on ``key`` counts: a section's parts, else the field."""
    return SECTIONS_BY_KIND.get(kind, {}).get(key, (key,))


def words_in(kind: str, key: str, values: dict[str, Any]) -> int:
    """The words of a field, or of a section's parts together."""
    return sum(word_count(values.get(k) or "") for k in counted_keys(kind, key))


def shown_fields(spec: Any, themes: Any = None) -> tuple[Field, ...]:
    """The fields of ``spec.kind`` the work page shows: a theme only where the index rules of
    the class's year name themes."""
    return tuple(
        f
        for f in FIELDS_BY_KIND.get(spec.kind, ())
        if f.kind != "theme" or getattr(themes, "themes", None)
    )


def required_fields(spec: Any) -> set[str]:
    """The pack's ``required_fields`` and the fields required whatever the pack says (the six
    parts of a proposal's rancang bangun)."""
    own = {f.key for f in FIELDS_BY_KIND.get(spec.kind, ()) if f.required}
    return own | set((spec.settings or {}).get("required_fields") or [])


# --- attachments --------------------------------------------------------------------------

#: Attachments a participant may add to a proposal, text or file assignment.
ATTACHMENT_KINDS = frozenset({"pdf", "docx", "xlsx", "pptx", "jpeg", "png"})
#: Kinds the work page handles itself (videos have their own page).
WORK_KINDS = ("proposal", "text", "file")
#: Names a pack may use in ``allowed_types`` for the kinds of lms.storage.
_TYPE_ALIASES = {"jpg": "jpeg", "jpeg": "jpeg"}


def attachment_kinds(spec: Any) -> frozenset[str]:
    """The pack's ``allowed_types`` (within the attachment kinds), else all attachment kinds."""
    wanted = (spec.settings or {}).get("allowed_types") or []
    chosen = set()
    for name in wanted if isinstance(wanted, list) else []:
        name = str(name).strip().lower().lstrip(".")
        chosen.add(_TYPE_ALIASES.get(name, name))
    return frozenset(chosen & ATTACHMENT_KINDS) or ATTACHMENT_KINDS


def attachment_max_bytes() -> int:
    return int(current_app.config["LMS_ATTACHMENT_MAX_BYTES"])


#: A video submission: one MP4 (size from the config, length from the spec) and a small image.
VIDEO_KINDS = frozenset({"mp4"})
THUMBNAIL_KINDS = frozenset({"jpeg", "png", "webp"})
THUMBNAIL_MAX_BYTES = 5 * 1024 * 1024


def video_max_bytes() -> int:
    return int(current_app.config["LMS_VIDEO_MAX_BYTES"])


# --- the year's index rules ---------------------------------------------------------------


def index_themes(cohort: Any) -> Any:
    """The index rules (``lms.iid.rules.RuleSet``) of the class's year when they name themes:
    the proposal offers its *inovasi tematik* only then. None otherwise."""
    from lms.iid.rules import available_rules

    start = getattr(cohort, "start_date", None)
    if start is None:
        return None
    config = current_app.config if has_app_context() else {}
    rules = available_rules(config).get(start.year)
    return rules if rules is not None and rules.themes else None
