"""Forms of an assignment's settings page: its dates and rules, and extensions.

Dates and times are typed in the cohort's time zone; the view converts them to UTC.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Field,
    HiddenField,
    SelectField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

BOTH_OR_NEITHER = _l("Isi tanggal dan jam, atau kosongkan keduanya.")


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _check_pairs(pairs: list[tuple[Field, Field]]) -> bool:
    """A date without its time (or the other way round) is an error on the empty one."""
    ok = True
    for day, at in pairs:
        if day.errors or at.errors:
            continue
        if (day.data is None) != (at.data is None):
            empty = at if at.data is None else day
            empty.errors = [*empty.errors, str(BOTH_OR_NEITHER)]
            ok = False
    return ok


class AssignmentDatesForm(FlaskForm):
    open_day = DateField(_l("Tanggal dibuka"), validators=[Optional()])
    open_time = TimeField(_l("Jam dibuka"), validators=[Optional()])
    due_day = DateField(_l("Tanggal batas waktu"), validators=[Optional()])
    due_time = TimeField(_l("Jam batas waktu"), validators=[Optional()])
    cutoff_day = DateField(
        _l("Tanggal batas akhir penerimaan"),
        description=_l("Setelah batas akhir tidak ada pengumpulan yang diterima."),
        validators=[Optional()],
    )
    cutoff_time = TimeField(_l("Jam batas akhir penerimaan"), validators=[Optional()])
    late_allowed = BooleanField(_l("Pengumpulan terlambat diterima (sampai batas akhir)"))
    resubmit_before_due = BooleanField(_l("Peserta boleh mengirim versi baru sebelum batas waktu"))
    #: The assignment's row version when the page was shown (someone else's save wins once).
    lock = HiddenField()

    def pairs(self) -> list[tuple[Field, Field]]:
        return [
            (self.open_day, self.open_time),
            (self.due_day, self.due_time),
            (self.cutoff_day, self.cutoff_time),
        ]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return _check_pairs(self.pairs()) and ok


class ExtensionForm(FlaskForm):
    participant = SelectField(
        _l("Peserta"), choices=[], coerce=lambda v: int(v) if v else None, validate_choice=False
    )
    ext_due_day = DateField(
        _l("Tanggal batas waktu baru"),
        validators=[InputRequired(_l("Isi tanggal batas waktu baru."))],
    )
    ext_due_time = TimeField(
        _l("Jam batas waktu baru"), validators=[InputRequired(_l("Isi jam batas waktu baru."))]
    )
    ext_cutoff_day = DateField(
        _l("Tanggal batas akhir penerimaan (opsional)"), validators=[Optional()]
    )
    ext_cutoff_time = TimeField(
        _l("Jam batas akhir penerimaan (opsional)"), validators=[Optional()]
    )
    reason = TextAreaField(
        _l("Alasan perpanjangan"),
        description=_l("Tercatat dalam jejak audit."),
        filters=[_strip],
        validators=[
            DataRequired(_l("Tulis alasan perpanjangan.")),
            Length(max=500, message=_l("Alasan paling banyak 500 karakter.")),
        ],
    )

    def validate_participant(self, field: Field) -> None:
        allowed = {value for value, _label in field.choices if value}
        if field.data not in allowed:
            raise ValidationError(_l("Pilih peserta kelas ini."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return _check_pairs([(self.ext_cutoff_day, self.ext_cutoff_time)]) and ok
