from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectMultipleField, StringField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError


class MeetingForm(FlaskForm):
    title = StringField(
        _l("Judul pertemuan"), validators=[InputRequired(_l("Isi judul.")), Length(max=200)]
    )
    day = DateField(_l("Tanggal"), validators=[InputRequired(_l("Isi tanggal."))])
    start_time = TimeField(_l("Mulai"), validators=[InputRequired(_l("Isi jam mulai."))])
    end_time = TimeField(_l("Selesai"), validators=[InputRequired(_l("Isi jam selesai."))])
    venue = StringField(_l("Tempat"), validators=[Length(max=200)])
    jp = IntegerField(
        _l("JP pertemuan"),
        default=0,
        validators=[
            InputRequired(_l("Isi JP (boleh 0).")),
            NumberRange(min=0, max=24, message=_l("JP antara 0 dan 24.")),
        ],
    )
    trainers = SelectMultipleField(_l("Widyaiswara"), coerce=int, choices=[])
    opens_before_minutes = IntegerField(
        _l("Presensi dibuka (menit sebelum mulai)"),
        default=30,
        validators=[InputRequired(), NumberRange(min=0, max=720, message=_l("0 sampai 720."))],
    )
    closes_after_minutes = IntegerField(
        _l("Presensi ditutup (menit setelah selesai)"),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=720, message=_l("0 sampai 720."))],
    )
    late_after_minutes = IntegerField(
        _l("Terlambat setelah (menit dari mulai)"),
        default=15,
        validators=[InputRequired(), NumberRange(min=0, max=720, message=_l("0 sampai 720."))],
    )

    def validate_end_time(self, field):
        if self.start_time.data and field.data and field.data <= self.start_time.data:
            raise ValidationError(_l("Jam selesai harus setelah jam mulai."))


class NewMeetingForm(MeetingForm):
    repeat_days = IntegerField(
        _l("Ulangi selama berapa hari berturut-turut"),
        description=_l("1 = satu pertemuan; 3 = pertemuan yang sama setiap hari selama 3 hari."),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=30, message=_l("1 sampai 30 hari."))],
    )


class CheckInForm(FlaskForm):
    code = StringField(
        _l("Kode presensi"),
        description=_l("6 karakter yang tampil di layar panitia."),
        validators=[InputRequired(_l("Isi kode presensi.")), Length(max=20)],
    )
