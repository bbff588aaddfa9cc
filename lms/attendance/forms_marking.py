"""Forms of the organizer's marking pages and of excuse requests."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

from lms.imports import ImportSizeCheck, import_file_field

#: Excuse attachments: a doctor's note or a letter, photographed or scanned.
EXCUSE_FILE_KINDS = frozenset({"pdf", "jpeg", "png", "webp"})
EXCUSE_FILE_MAX_BYTES = 5 * 1024 * 1024
REASON_MAX = 1000


class MarksImportForm(ImportSizeCheck, FlaskForm):
    file = import_file_field(
        _l(
            "Kolom: NIP atau email, status (Hadir, Terlambat, Izin, Sakit, Alpa atau H, T, I, "
            "S, A), catatan (boleh kosong). Pemisah koma atau titik koma."
        )
    )


class ExcuseForm(FlaskForm):
    kind = RadioField(
        _l("Jenis permohonan"),
        choices=[SelectChoice("excused", _l("Izin")), SelectChoice("sick", _l("Sakit"))],
        validate_choice=False,
        validators=[
            InputRequired(_l("Pilih Izin atau Sakit.")),
            AnyOf(("excused", "sick"), message=_l("Pilih Izin atau Sakit.")),
        ],
    )
    reason = TextAreaField(
        _l("Alasan"),
        description=_l("Paling banyak 1000 karakter."),
        validators=[
            InputRequired(_l("Tulis alasan Anda.")),
            Length(max=REASON_MAX, message=_l("Alasan paling banyak 1000 karakter.")),
        ],
    )
    file = FileField(
        _l("Lampiran (boleh kosong)"),
        description=_l("Surat izin atau surat dokter: PDF, JPG, PNG atau WebP, paling besar 5 MB."),
    )

    def validate_reason(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_l("Tulis alasan Anda."))


class DecideForm(FlaskForm):
    decision = HiddenField(
        validators=[AnyOf(("approve", "reject"), message=_l("Pilih setujui atau tolak."))]
    )
    note = StringField(
        _l("Catatan untuk peserta"),
        validators=[
            Optional(),
            Length(max=500, message=_l("Catatan paling banyak 500 karakter.")),
        ],
    )
