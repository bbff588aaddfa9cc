"""What an assignment asks of a submission: the fields of each kind (the profil inovasi of
DOMAIN.md, a video), required fields, minimum words, the attachments it takes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Field:
    key: str
    label: object  # a lazy string
    #: "line", "choice", "date", "markdown", "url", "elements"
    kind: str
    choices: tuple[tuple[str, object], ...] = ()
    hint: object = ""


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

PROPOSAL_FIELDS: tuple[Field, ...] = (
    Field("nama_inovasi", _l("Nama inovasi"), "line"),
    Field("bentuk", _l("Bentuk inovasi"), "choice", BENTUK),
    Field("jenis", _l("Jenis inovasi"), "choice", JENIS),
    Field("inisiator", _l("Inisiator"), "choice", INISIATOR),
    Field("urusan", _l("Urusan pemerintahan"), "line", hint=_l("Misalnya: kesehatan.")),
    Field("tahapan", _l("Tahapan"), "choice", TAHAPAN),
    Field("tanggal_uji_coba", _l("Tanggal uji coba"), "date"),
    Field("tanggal_penerapan", _l("Tanggal penerapan"), "date"),
    Field("permasalahan", _l("Permasalahan"), "markdown"),
    Field("dasar_hukum", _l("Dasar hukum"), "markdown"),
    Field("isu_strategis", _l("Isu strategis"), "markdown"),
    Field("rancang_bangun", _l("Rancang bangun"), "markdown"),
    Field("pokok_perubahan", _l("Pokok perubahan"), "markdown"),
    Field("metode_pembaharuan", _l("Metode pembaharuan"), "markdown"),
    Field("keunggulan", _l("Keunggulan dan kebaruan"), "markdown"),
    Field("cara_kerja", _l("Cara kerja"), "markdown"),
    Field("tujuan", _l("Tujuan"), "markdown"),
    Field("manfaat", _l("Manfaat"), "markdown"),
    Field("hasil", _l("Hasil yang diharapkan"), "markdown"),
    Field("anggaran", _l("Anggaran"), "markdown"),
    Field("tahapan_waktu", _l("Tahapan dan jadwal"), "markdown"),
)

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
    "proposal": PROPOSAL_FIELDS,
    "video": VIDEO_FIELDS,
    "text": TEXT_FIELDS,
    "file": (),
}
DEFAULT_MIN_WORDS = {"proposal": {"rancang_bangun": 300}}


def word_count(text: str | None) -> int:
    """Words as a reader counts them: Markdown marks and links' targets do not count."""
    text = re.sub(r"\]\([^)]*\)", "]", text or "")
    return len(re.findall(r"[^\W_]+(?:[-'’][^\W_]+)*", text))


def min_words(spec: Any) -> dict[str, int]:
    """Field key -> minimum number of words: the spec's ``min_words``, else the kind's default."""
    settings = spec.settings or {}
    return dict(settings.get("min_words") or DEFAULT_MIN_WORDS.get(spec.kind, {}))


def required_fields(spec: Any) -> set[str]:
    return set((spec.settings or {}).get("required_fields") or [])


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
