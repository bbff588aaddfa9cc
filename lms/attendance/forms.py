"""Every attendance form: meetings, check-in, marking grid, imports, excuses, calendar link."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    InputRequired,
    Length,
    NumberRange,
    Regexp,
    ValidationError,
)

from lms import storage
from lms.accounts.models import User
from lms.attendance.importing.marks import NOTE_MAX
from lms.attendance.models import STATUSES, AttendanceRecord
from lms.imports import ImportSizeCheck, import_file_field
from lms.lazytext import lazy_gettext as _l

#: Excuse attachments: a doctor's note or a letter, photographed or scanned.
EXCUSE_FILE_KINDS = frozenset({"pdf", "jpeg", "png", "webp"})
EXCUSE_FILE_MAX_BYTES = 5 * 1024 * 1024
REASON_MAX = 1000


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


# --- meetings and check-in ----------------------------------------------------------------


class MeetingForm(FlaskForm):
    title = StringField(
        _l("Judul pertemuan"),
        validators=[InputRequired(_l("Isi judul.")), Length(max=200)],
        filters=[_strip],
    )
    day = DateField(_l("Tanggal"), validators=[InputRequired(_l("Isi tanggal."))])
    start_time = TimeField(_l("Mulai"), validators=[InputRequired(_l("Isi jam mulai."))])
    end_time = TimeField(_l("Selesai"), validators=[InputRequired(_l("Isi jam selesai."))])
    venue = StringField(_l("Tempat"), validators=[Length(max=200)], filters=[_strip])
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
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


# --- the marking grid ---------------------------------------------------------------------


class _Chosen(StringField):
    """A radio group's value: empty when none is chosen in a posted grid."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = valuelist[0] if valuelist else ""


class _NeedsStatus:
    """A note is saved with a status: refused on a row without one."""

    def __init__(self, status_field: str) -> None:
        self.status_field = status_field

    def __call__(self, form: Any, field: Any) -> None:
        if field.data and not form[self.status_field].data:
            raise ValidationError(_l("Pilih status dulu; catatan disimpan bersama status."))


@dataclass
class GridEntry:
    """One participant's row of the grid, as posted (or as stored, on a page just loaded)."""

    user: User
    #: False for a person who was not on the page that was posted (added meanwhile).
    posted: bool
    status: str
    note: str
    #: The row as the organizer saw it: its version ("" for no row), status and note.
    version: str
    seen_status: str
    seen_note: str
    #: The row's first problem, shown next to it.
    error: str = ""

    @property
    def seen_version(self) -> int | None:
        return int(self.version) if self.version.isdigit() else None

    @property
    def changed(self) -> bool:
        return (
            self.posted
            and bool(self.status)
            and (self.status, self.note) != (self.seen_status, self.seen_note)
        )


class MarkingGridForm(FlaskForm):
    """One row per participant: ``status-<id>`` (one of the statuses, or none), ``note-<id>``
    and, as the row was shown, ``version-<id>`` (empty for no row), ``seen-status-<id>`` and
    ``seen-note-<id>``. Build it with :meth:`for_roster`."""

    people: list[User]
    #: "present": the "Tandai semua Hadir" button (the page again with every unmarked row
    #: chosen Hadir, nothing saved); empty for the save button.
    fill = StringField()

    @classmethod
    def for_roster(
        cls, people: Iterable[User], records: Mapping[int, AttendanceRecord], **kwargs: Any
    ) -> MarkingGridForm:
        """The grid of ``people`` showing their stored ``records`` (user id -> record)."""
        people = list(people)
        # Validators hold no state: one of each serves every row.
        known = AnyOf(
            ("", *STATUSES),
            message=_l("Status tidak dikenal. Pilih Hadir, Terlambat, Izin, Sakit atau Alpa."),
        )
        short = Length(
            max=NOTE_MAX, message=_l("Catatan paling banyak %(max)d karakter.", max=NOTE_MAX)
        )
        intact = Regexp(r"^\d*$", message=_l("Data baris ini rusak. Muat ulang halaman."))
        fields: dict[str, Any] = {}
        data: dict[str, str] = {}
        for person in people:
            uid = person.id
            fields[f"status-{uid}"] = _Chosen(validators=[known], filters=[_strip])
            fields[f"note-{uid}"] = StringField(
                validators=[_NeedsStatus(f"status-{uid}"), short], filters=[_strip]
            )
            fields[f"version-{uid}"] = StringField(validators=[intact], filters=[_strip])
            fields[f"seen-status-{uid}"] = StringField(filters=[_strip])
            fields[f"seen-note-{uid}"] = StringField(filters=[_strip])
            record = records.get(uid)
            status, note = (record.status, record.note) if record else ("", "")
            data.update(
                {
                    f"status-{uid}": status,
                    f"note-{uid}": note,
                    f"version-{uid}": str(record.version) if record else "",
                    f"seen-status-{uid}": status,
                    f"seen-note-{uid}": note,
                }
            )
        form = type("MarkingGridForm", (cls,), fields)(data=data, **kwargs)
        form.people = people
        return form

    def entries(self) -> list[GridEntry]:
        """Every participant's row, in the roster's order."""
        rows = []
        for person in self.people:
            uid = person.id
            version = self[f"version-{uid}"]
            error = next(
                (
                    str(e)
                    for name in (f"version-{uid}", f"status-{uid}", f"note-{uid}")
                    for e in self[name].errors
                ),
                "",
            )
            rows.append(
                GridEntry(
                    user=person,
                    posted=not self.is_submitted() or bool(version.raw_data),
                    status=self[f"status-{uid}"].data or "",
                    note=self[f"note-{uid}"].data or "",
                    version=version.data or "",
                    seen_status=self[f"seen-status-{uid}"].data or "",
                    seen_note=self[f"seen-note-{uid}"].data or "",
                    error=error,
                )
            )
        return rows

    def changes(self) -> list[GridEntry]:
        """The rows the organizer changed (what ``operations.save_marks`` takes)."""
        return [entry for entry in self.entries() if entry.changed]


# --- imports ------------------------------------------------------------------------------


class MarksImportForm(ImportSizeCheck, FlaskForm):
    file = import_file_field(
        _l(
            "Kolom: NIP atau email, status (Hadir, Terlambat, Izin, Sakit, Alpa atau H, T, I, "
            "S, A), catatan (boleh kosong). Pemisah koma atau titik koma."
        )
    )


class ScheduleImportForm(FlaskForm):
    # Too large a file is reported in the preview, with the rest of the file's problems.
    file = import_file_field(
        _l(
            "Kolom: judul, tanggal, mulai, selesai, tempat, JP, widyaiswara. Pemisah koma atau "
            "titik koma."
        )
    )


# --- excuse requests ----------------------------------------------------------------------


class ExcuseForm(FlaskForm):
    """A participant's request. A valid form has stored its attachment: ``file_key`` and
    ``file_name`` (the original name, data only), or None and "" without one."""

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

    file_key: str | None = None
    file_name: str = ""

    def validate_reason(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_l("Tulis alasan Anda."))

    def validate(self, extra_validators=None) -> bool:
        # The attachment is checked by its content while it is stored, so only once the rest
        # of the request is valid: a refused request leaves no file behind.
        if not super().validate(extra_validators):
            return False
        upload = self.file.data
        if not (upload and upload.filename):
            return True
        try:
            stored = storage.save_upload(
                upload.stream, max_bytes=EXCUSE_FILE_MAX_BYTES, allowed=set(EXCUSE_FILE_KINDS)
            )
        except storage.UploadError as exc:
            self.file.errors.append(str(exc))
            return False
        self.file_key = stored.key
        self.file_name = re.split(r"[/\\]", upload.filename)[-1][-255:]
        return True


class DecideForm(FlaskForm):
    decision = HiddenField(
        validators=[AnyOf(("approve", "reject"), message=_l("Pilih setujui atau tolak."))]
    )
    note = StringField(
        _l("Catatan untuk peserta"),
        validators=[Length(max=500, message=_l("Catatan paling banyak 500 karakter."))],
        filters=[_strip],
    )

    @property
    def approve(self) -> bool:
        return self.decision.data == "approve"

    def validate_note(self, field):
        if self.decision.data == "reject" and not field.data:
            raise ValidationError(_l("Tulis alasan penolakan agar peserta tahu."))


# --- the personal calendar link -----------------------------------------------------------


class CalendarLinkForm(FlaskForm):
    """The button pressed is ``action``: ``revoke`` turns the link off, anything else makes a
    new one."""

    action = StringField(default="renew")

    @property
    def revoke(self) -> bool:
        return self.action.data == "revoke"
