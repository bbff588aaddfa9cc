"""The IID *profil inovasi*: one field set for a class proposal and a regional innovation.

A proposal written in a class becomes a registry innovation without retyping, so both use
these keys. The "Rancang bangun dan pokok perubahan" is one section of six parts, each
required on submit, with a word minimum on the section as a whole (DOMAIN.md, "Profil
inovasi" fields; regional forms split the rancang bangun into these parts).
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from lms.lazytext import lazy_gettext as _l

URUSAN_FILE = Path(__file__).resolve().parent / "data" / "urusan.toml"


@dataclass(frozen=True)
class Field:
    key: str
    label: object  # a lazy string
    #: "line", "choice", "date", "markdown", "url", "elements", "urusan", "theme"
    kind: str
    choices: tuple[tuple[str, object], ...] = ()
    hint: object = ""
    #: The section the field is shown in (``SECTIONS``).
    section: str = ""
    #: Required on submit whatever the course pack says (the rancang bangun parts).
    required: bool = False


SECTIONS: tuple[tuple[str, object], ...] = (
    ("identitas", _l("Identitas inovasi")),
    ("rancang_bangun", _l("Rancang bangun dan pokok perubahan")),
    ("hasil", _l("Tujuan, manfaat dan hasil")),
    ("sumber_daya", _l("Anggaran dan jadwal")),
)

BENTUK = (
    ("tata_kelola", _l("Inovasi tata kelola pemerintahan daerah")),
    ("pelayanan_publik", _l("Inovasi pelayanan publik")),
    ("lainnya", _l("Inovasi daerah lainnya sesuai urusan pemerintahan")),
)
JENIS = (("digital", _l("Digital")), ("non_digital", _l("Non-digital")))
INISIATOR = (
    ("kepala_daerah", _l("Kepala daerah")),
    ("anggota_dprd", _l("Anggota DPRD")),
    ("asn", _l("ASN")),
    ("perangkat_daerah", _l("Perangkat daerah")),
    ("masyarakat", _l("Anggota masyarakat")),
)
TAHAPAN = (
    ("inisiatif", _l("Inisiatif")),
    ("uji_coba", _l("Uji coba")),
    ("penerapan", _l("Penerapan")),
)

#: The six required parts of the rancang bangun, in the order regional forms list them.
RANCANG_BANGUN_PARTS: tuple[Field, ...] = (
    Field(
        "latar_belakang",
        _l("Latar belakang dan permasalahan"),
        "markdown",
        hint=_l("Masalah nyata di unit kerja Anda, dengan data dan sumbernya."),
        section="rancang_bangun",
        required=True,
    ),
    Field(
        "dasar_hukum",
        _l("Dasar hukum"),
        "markdown",
        hint=_l("Peraturan yang menjadi dasar inovasi, dengan nomor dan tahunnya."),
        section="rancang_bangun",
        required=True,
    ),
    Field(
        "isu_strategis",
        _l("Isu strategis"),
        "markdown",
        hint=_l("Isu daerah atau nasional yang dijawab inovasi ini."),
        section="rancang_bangun",
        required=True,
    ),
    Field(
        "metode_pembaharuan",
        _l("Metode pembaharuan"),
        "markdown",
        hint=_l("Apa yang berubah dibanding cara lama (pokok perubahan)."),
        section="rancang_bangun",
        required=True,
    ),
    Field(
        "keunggulan",
        _l("Keunggulan dan kebaruan"),
        "markdown",
        section="rancang_bangun",
        required=True,
    ),
    Field(
        "cara_kerja",
        _l("Cara kerja"),
        "markdown",
        hint=_l("Langkah-langkah layanan atau alur SOP dari awal sampai akhir."),
        section="rancang_bangun",
        required=True,
    ),
)
RANCANG_BANGUN_KEYS = tuple(f.key for f in RANCANG_BANGUN_PARTS)
#: The section's key where a course pack sets a word minimum on the six parts together.
RANCANG_BANGUN = "rancang_bangun"
RANCANG_BANGUN_MIN_WORDS = 300

PROFILE_FIELDS: tuple[Field, ...] = (
    Field("nama_inovasi", _l("Nama inovasi"), "line", section="identitas"),
    Field("perangkat_daerah", _l("Perangkat daerah pengusul"), "line", section="identitas"),
    Field(
        "inovator",
        _l("Nama inovator / tim"),
        "line",
        hint=_l("Satu nama atau beberapa nama dipisah koma."),
        section="identitas",
    ),
    Field(
        "kontak",
        _l("Kontak inovator"),
        "line",
        hint=_l("Telepon atau email dinas."),
        section="identitas",
    ),
    Field("bentuk", _l("Bentuk inovasi"), "choice", BENTUK, section="identitas"),
    Field("jenis", _l("Jenis inovasi"), "choice", JENIS, section="identitas"),
    Field("inisiator", _l("Inisiator"), "choice", INISIATOR, section="identitas"),
    Field("urusan", _l("Urusan pemerintahan"), "urusan", section="identitas"),
    Field(
        "tematik",
        _l("Inovasi tematik"),
        "theme",
        hint=_l("Tema inovasi daerah menurut ketentuan indeks tahun ini, bila ada."),
        section="identitas",
    ),
    Field("tahapan", _l("Tahapan"), "choice", TAHAPAN, section="identitas"),
    Field("tanggal_uji_coba", _l("Tanggal uji coba"), "date", section="identitas"),
    Field("tanggal_penerapan", _l("Tanggal penerapan"), "date", section="identitas"),
    *RANCANG_BANGUN_PARTS,
    Field("tujuan", _l("Tujuan"), "markdown", section="hasil"),
    Field("manfaat", _l("Manfaat"), "markdown", section="hasil"),
    Field("hasil", _l("Hasil yang diharapkan"), "markdown", section="hasil"),
    Field("anggaran", _l("Anggaran"), "markdown", section="sumber_daya"),
    Field("tahapan_waktu", _l("Tahapan dan jadwal"), "markdown", section="sumber_daya"),
)
PROFILE_KEYS = tuple(f.key for f in PROFILE_FIELDS)
FIELDS_BY_KEY = {f.key: f for f in PROFILE_FIELDS}

#: Fields of proposals written before the profile had its six parts: versions keep what
#: they said, so receipts still need their labels.
LEGACY_LABELS: dict[str, object] = {
    "permasalahan": _l("Permasalahan"),
    "rancang_bangun": _l("Rancang bangun"),
    "pokok_perubahan": _l("Pokok perubahan"),
}


def results_label(tahapan: str | None) -> object:
    """ "Hasil yang dicapai" once the innovation is applied, "yang diharapkan" before."""
    return _l("Hasil yang dicapai") if tahapan == "penerapan" else _l("Hasil yang diharapkan")


def label_of(key: str, fields: dict | None = None) -> object:
    """The label of a profile field for a stored set of ``fields`` (hasil follows the stage)."""
    if key == "hasil":
        return results_label((fields or {}).get("tahapan"))
    field = FIELDS_BY_KEY.get(key)
    return field.label if field is not None else LEGACY_LABELS.get(key, key)


# --- urusan (data: lms/data/urusan.toml) ------------------------------------------------------


@dataclass(frozen=True)
class Urusan:
    key: str
    label: str
    label_en: str
    group: str
    #: A mandatory basic-service affair (UU 23/2014 Pasal 12 ayat (1)).
    basic: bool


@dataclass(frozen=True)
class UrusanGroup:
    key: str
    label: str
    label_en: str
    items: tuple[Urusan, ...]

    def title(self, locale: str = "id") -> str:
        return self.label_en if locale == "en" and self.label_en else self.label


@functools.cache
def urusan_groups() -> tuple[UrusanGroup, ...]:
    data = tomllib.loads(URUSAN_FILE.read_text(encoding="utf-8"))
    groups = []
    for g in data["groups"]:
        basic = bool(g.get("basic", False))
        items = tuple(Urusan(k, label, en, g["key"], basic) for k, label, en in g["items"])
        groups.append(UrusanGroup(g["key"], g["label"], g.get("label_en", ""), items))
    return tuple(groups)


@functools.cache
def urusan_by_key() -> dict[str, Urusan]:
    return {u.key: u for group in urusan_groups() for u in group.items}


def urusan_label(key: str | None, locale: str = "id") -> str:
    """The affair's name; a key no longer in the list (or free text of old proposals) as is."""
    found = urusan_by_key().get(key or "")
    if found is None:
        return key or ""
    return found.label_en if locale == "en" and found.label_en else found.label


def basic_affairs() -> frozenset[str]:
    return frozenset(u.key for u in urusan_by_key().values() if u.basic)


#: Where the fields of a proposal written before the six parts go: the old problem is the
#: new background; the old free rancang bangun describes how the innovation works; the old
#: pokok perubahan is what changes, i.e. the method of renewal.
LEGACY_MOVES: dict[str, str] = {
    "permasalahan": "latar_belakang",
    "rancang_bangun": "cara_kerja",
    "pokok_perubahan": "metode_pembaharuan",
}


def from_legacy(fields: dict) -> dict:
    """A proposal's fields in the current profile keys; nothing is lost (a moved text is
    appended to what the new part already holds, under its old heading)."""
    moved = {k: v for k, v in (fields or {}).items() if k not in LEGACY_MOVES}
    for old, new in LEGACY_MOVES.items():
        text = ((fields or {}).get(old) or "").strip()
        if not text:
            continue
        current = (moved.get(new) or "").strip()
        moved[new] = f"{current}\n\n**{LEGACY_HEADINGS[old]}**\n\n{text}" if current else text
    return moved


#: Fixed (not translated) headings: they become part of the participant's own text.
LEGACY_HEADINGS = {
    "permasalahan": "Permasalahan",
    "rancang_bangun": "Rancang bangun",
    "pokok_perubahan": "Pokok perubahan",
}


# --- proposals written before the six parts: shown as they were --------------------------

#: The old single fields as a form showed them (labels: ``LEGACY_LABELS``), in the section
#: their text belongs to now.
LEGACY_FIELDS: tuple[Field, ...] = tuple(
    Field(key, LEGACY_LABELS[key], "markdown", section="rancang_bangun") for key in LEGACY_MOVES
)
#: The order of the proposal form before the six parts (a version keeps its own order).
LEGACY_ORDER: tuple[str, ...] = (
    "nama_inovasi",
    "bentuk",
    "jenis",
    "inisiator",
    "urusan",
    "tahapan",
    "tanggal_uji_coba",
    "tanggal_penerapan",
    "permasalahan",
    "dasar_hukum",
    "isu_strategis",
    "rancang_bangun",
    "pokok_perubahan",
    "metode_pembaharuan",
    "keunggulan",
    "cara_kerja",
    "tujuan",
    "manfaat",
    "hasil",
    "anggaran",
    "tahapan_waktu",
)
_LEGACY_BY_KEY = {f.key: f for f in LEGACY_FIELDS}
#: What tells who wrote a proposal: hidden from a blind marker.
IDENTITY_KEYS = ("perangkat_daerah", "inovator", "kontak")


def is_legacy(fields: dict | None) -> bool:
    """The fields were written with the old keys (permasalahan, rancang_bangun as one text,
    pokok_perubahan): a version from before the six parts."""
    return any(key in (fields or {}) for key in LEGACY_MOVES)


def fields_for(values: dict | None) -> list[Field]:
    """The fields a stored proposal is shown with: an old one's own keys in the old form's
    order, else every profile field in the profile's order."""
    if not is_legacy(values):
        return list(PROFILE_FIELDS)
    return [FIELDS_BY_KEY.get(k) or _LEGACY_BY_KEY[k] for k in LEGACY_ORDER if k in values]


def section_title(key: str) -> object:
    return dict(SECTIONS).get(key, "")


def theme_label(key: str | None, rulesets: object = None) -> str:
    """A theme's name from the index rules (any year that names it), else the key as words."""
    if not key:
        return ""
    if rulesets is None:
        from flask import current_app, has_app_context

        from lms.iid.rules import available_rules

        rulesets = available_rules(current_app.config if has_app_context() else {}).values()
    for rules in rulesets:  # type: ignore[attr-defined]
        for theme in rules.themes:
            if theme.key == key:
                return theme.name
    return key.replace("_", " ").capitalize()
