"""Every form of the index: claim, verify, a document, the year's report, the stored index, a
what-if grid built from the page's rows, and a class document."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from lms.iid.rules import Row, RuleSet
from lms.lazytext import lazy_gettext as _l


def optional_level(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


def _lock(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def level_choices(row: Row, *, blank: object, zero: object | None = None) -> list[SelectChoice]:
    choices = [SelectChoice("", blank)]
    if zero is not None:
        choices.append(SelectChoice("0", zero))
    for level in row.levels:
        text = f"{level.level}"
        if level.parameter:
            text += f" — {level.parameter}"
        choices.append(SelectChoice(str(level.level), text))
    return choices


class LockForm(FlaskForm):
    lock_version = HiddenField()

    @property
    def seen_lock(self) -> int | None:
        return _lock(self.lock_version.data)


class ClaimForm(LockForm):
    level = SelectField(_l("Tingkat yang diklaim"), coerce=optional_level, validate_choice=True)

    @classmethod
    def for_row(cls, row: Row, **kwargs: Any) -> ClaimForm:
        form = cls(**kwargs)
        form.level.choices = level_choices(row, blank=_l("— belum diisi —"))
        return form


class VerifyForm(LockForm):
    level = SelectField(_l("Tingkat terverifikasi"), coerce=optional_level)
    note = TextAreaField(
        _l("Catatan verifikasi"),
        description=_l("Wajib bila tingkat terverifikasi berbeda dari klaim."),
        validators=[Length(max=2000)],
    )

    @classmethod
    def for_row(cls, row: Row, **kwargs: Any) -> VerifyForm:
        form = cls(**kwargs)
        form.level.choices = level_choices(
            row, blank=_l("— belum diverifikasi —"), zero=_l("0 — tidak ada bukti yang sah")
        )
        return form


def kind_label(key: str) -> object:
    return {
        "decree": _l("Surat keputusan / surat (nomor, tanggal, tentang)"),
        "pdf": _l("Dokumen PDF"),
        "image": _l("Gambar (JPG, PNG)"),
        "video": _l("Video (MP4 atau tautan)"),
    }.get(key, key)


class DocumentForm(FlaskForm):
    kind = SelectField(_l("Jenis bukti"))
    file = FileField(_l("Berkas"))
    url = StringField(
        _l("Tautan"),
        description=_l("Untuk video: tautan publik YouTube atau Google Drive."),
        validators=[Optional(), Length(max=500)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    number = StringField(_l("Nomor surat"), validators=[Length(max=120)])
    doc_date = DateField(_l("Tanggal surat"), validators=[Optional()])
    about = StringField(_l("Tentang"), validators=[Length(max=500)])

    @classmethod
    def for_kinds(cls, kinds: Iterable[str], **kwargs: Any) -> DocumentForm:
        form = cls(**kwargs)
        form.kind.choices = [SelectChoice(k, kind_label(k)) for k in kinds]
        return form


class DocumentEditForm(FlaskForm):
    number = StringField(_l("Nomor surat"), validators=[Length(max=120)])
    doc_date = DateField(_l("Tanggal surat"), validators=[Optional()])
    about = StringField(_l("Tentang"), validators=[Length(max=500)])


class EntryForm(LockForm):
    developed_further = BooleanField(
        _l("Dikembangkan lebih lanjut"),
        description=_l(
            "Centang bila inovasi yang diterapkan lebih dari dua tahun lalu sudah dikembangkan "
            "lebih lanjut; tanpa itu inovasi ditolak."
        ),
    )


class StoredIndexForm(LockForm):
    value = DecimalField(
        _l("Nilai IID terverifikasi"),
        places=2,
        validators=[
            Optional(),
            NumberRange(min=0, max=100, message=_l("Nilai indeks harus antara 0 dan 100.")),
        ],
        description=_l("Kosongkan untuk menghapus nilai yang tersimpan."),
    )
    note = StringField(
        _l("Sumber nilai"),
        description=_l("Misalnya nomor Keputusan Menteri Dalam Negeri yang menetapkan hasilnya."),
        validators=[Length(max=300)],
    )


# --- what-if ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WhatIfRow:
    key: str
    innovation_id: int | None
    code: str
    level: int
    max_level: int


def what_if_key(innovation_id: int | None, code: str) -> str:
    return f"l_{innovation_id or 0}_{code.replace('-', '_')}"


class WhatIfBase(FlaskForm):
    which = SelectField(
        _l("Hitung dengan"),
        choices=lambda: [
            SelectChoice("verified", _l("tingkat terverifikasi")),
            SelectChoice("claimed", _l("tingkat yang diklaim")),
        ],
        default="verified",
    )


def what_if_form(rows: Iterable[WhatIfRow], **kwargs: Any) -> Any:
    """A select per row (its current level preselected), built from the page's gap rows."""
    rows = list(rows)

    class WhatIfForm(WhatIfBase):
        pass

    for row in rows:
        setattr(
            WhatIfForm,
            row.key,
            SelectField(
                _l("Tingkat"),
                choices=[SelectChoice(str(n), str(n)) for n in range(row.max_level + 1)],
                coerce=int,
                default=row.level,
            ),
        )
    form = WhatIfForm(**kwargs)
    form.rows = rows
    return form


def what_if_changes(form: Any) -> dict[tuple[int | None, str], int]:
    return {(row.innovation_id, row.code): form[row.key].data for row in form.rows}


def parse_what_if_json(
    payload: Any, rules: RuleSet, innovation_ids: set[int]
) -> tuple[str, dict[tuple[int | None, str], int | None]]:
    """{"which": ..., "changes": [{"innovation_id", "code", "level"}]} -> (which, changes);
    ValueError for anything else."""
    if not isinstance(payload, Mapping):
        raise ValueError("a JSON object is expected")
    which = payload.get("which", "verified")
    if which not in ("verified", "claimed"):
        raise ValueError("which is 'verified' or 'claimed'")
    changes = payload.get("changes", [])
    if not isinstance(changes, list) or len(changes) > 10_000:
        raise ValueError("changes is a list")
    scopes = {row.code: scope for scope in ("region", "innovation") for row in rules.rows(scope)}
    found: dict[tuple[int | None, str], int | None] = {}
    for item in changes:
        if not isinstance(item, Mapping):
            raise ValueError("each change is an object")
        innovation_id, code, level = item.get("innovation_id"), item.get("code"), item.get("level")
        if innovation_id is not None and (
            isinstance(innovation_id, bool)
            or not isinstance(innovation_id, int)
            or innovation_id not in innovation_ids
        ):
            raise ValueError("unknown innovation")
        if scopes.get(code) != ("region" if innovation_id is None else "innovation"):
            raise ValueError("unknown indicator")
        if level is not None and (
            isinstance(level, bool)
            or not isinstance(level, int)
            or not 0 <= level <= rules.max_level
        ):
            raise ValueError("bad level")
        found[(innovation_id, code)] = level
    return which, found


# --- a class document ---------------------------------------------------------------------


class ClassDocumentForm(FlaskForm):
    kind = SelectField(
        _l("Jenis dokumen"),
        choices=lambda: [
            SelectChoice("decree", _l("Surat keputusan kegiatan / surat tugas")),
            SelectChoice("invitation", _l("Undangan")),
        ],
        default="decree",
    )
    file = FileField(_l("Berkas PDF"))
    number = StringField(_l("Nomor surat"), validators=[Length(max=120)])
    doc_date = DateField(_l("Tanggal surat"), validators=[Optional()])
    about = StringField(_l("Tentang"), validators=[Length(max=500)])

    def validate_file(self, field: Any) -> None:
        if not getattr(field.data, "filename", ""):
            raise ValidationError(_l("Pilih berkas PDF yang akan diunggah."))
