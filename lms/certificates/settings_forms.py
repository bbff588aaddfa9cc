"""The form of a cohort's certificate settings: the kind, the rules (attendance, required
assignments and courses), the numbering pattern, the printed texts and fields, and the
organizer's logo and signature images.

The required-assignment rows follow the cohort's assignments, so the form class is made per
request by :func:`settings_form` (one select ``need_<assignment id>`` per assignment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from flask_babel import format_date, format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    Field,
    FloatField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from .models import KINDS, LAYOUT_FIELDS
from .operations import PATTERN_FIELDS, pattern_problem

#: What a required assignment needs: nothing, a submitted version, a released passing grade.
NEEDS = ("", "submitted", "pass")
#: The organizer's images (stored through lms.storage).
IMAGE_MAX_BYTES = 2 * 1024 * 1024
IMAGE_KINDS = frozenset({"png", "jpeg"})

_NUMBER_RE = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


def kind_choices() -> list[SelectChoice]:
    return [
        SelectChoice("completion", _l("Sertifikat kelulusan: semua syarat harus terpenuhi")),
        SelectChoice("attendance", _l("Sertifikat kehadiran: hanya syarat kehadiran")),
    ]


def kind_labels() -> dict[str, str]:
    return {
        "completion": str(_l("Sertifikat kelulusan")),
        "attendance": str(_l("Sertifikat kehadiran")),
    }


def need_labels() -> dict[str, str]:
    return {
        "": str(_l("Tidak disyaratkan")),
        "submitted": str(_l("Sudah dikumpulkan")),
        "pass": str(_l("Lulus (nilai dirilis, minimal nilai lulus rubrik)")),
    }


def layout_labels() -> dict[str, str]:
    return {
        "nip": str(_l("NIP")),
        "rank": str(_l("Pangkat/golongan")),
        "position": str(_l("Jabatan")),
        "office": str(_l("Unit kerja")),
        "jp": str(_l("Jumlah JP")),
        "qualification": str(_l("Kualifikasi (predikat nilai tugas)")),
    }


class Checkboxes(SelectMultipleField):
    """A list of checkboxes (rendered one by one in the template, inside a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(_l("Pilih dari daftar."))) from exc


class PercentField(FloatField):
    """A percentage: "87,5" and "87.5" alike, shown without a needless ",0"."""

    widget = TextInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_decimal(self.data, format="#0.##")

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = str(valuelist[0]).strip()
        if not text:
            self.data = None
            return
        if not _NUMBER_RE.match(text):
            self.data = None
            raise ValueError(str(_l("Isi dengan angka, misalnya 80 atau 87,5.")))
        self.data = float(text.replace(",", "."))


class LocalDateField(DateField):
    """A date (``<input type=date>``) with the error in the page's language."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(_l("Isi tanggal yang benar, misalnya 2023-09-07."))) from exc


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class CertificateSettingsForm(FlaskForm):
    kind = RadioField(
        _l("Jenis sertifikat yang diterbitkan kelas ini"),
        choices=kind_choices,
        default="completion",
        validate_choice=False,
    )
    min_attendance = PercentField(
        _l("Kehadiran minimal (persen)"),
        description=_l("Dari pertemuan yang sudah lewat atau ditutup, misalnya 80 atau 87,5."),
        validators=[
            InputRequired(_l("Isi kehadiran minimal (boleh 0).")),
            NumberRange(min=0, max=100, message=_l("Kehadiran minimal antara 0 dan 100 persen.")),
        ],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    excused_counts = BooleanField(
        _l("Izin dan Sakit dihitung hadir"),
        description=_l(
            "Pengaturan kelas: berlaku juga untuk rekap kehadiran dan daftar hadir kelas ini."
        ),
    )
    required_courses = Checkboxes(
        _l("Mata pelatihan yang harus diselesaikan (semua materinya)"),
        choices=[],
        coerce=int,
        validate_choice=False,
    )
    number_pattern = StringField(
        _l("Pola nomor sertifikat"),
        description=_l(
            "Bagian yang dapat dipakai: {seq} nomor urut ({seq:03d} menjadi 001), "
            "{cohort_code} kode kelas, serta {year} tahun, {month} bulan (01–12) dan "
            "{month_roman} bulan Romawi (I–XII) dari tanggal terbit."
        ),
        validators=[
            InputRequired(_l("Isi pola nomor, misalnya {seq:03d}/{cohort_code}/{year}.")),
            Length(max=120, message=_l("Pola nomor paling panjang 120 karakter.")),
        ],
        filters=[_strip],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    title = StringField(
        _l("Judul sertifikat"),
        validators=[Length(max=120, message=_l("Judul paling panjang 120 karakter."))],
        filters=[_strip],
    )
    body = TextAreaField(
        _l("Teks sertifikat"),
        validators=[Length(max=2000, message=_l("Teks paling panjang 2.000 karakter."))],
        filters=[_strip],
        render_kw={"rows": 4},
    )
    sign_place = StringField(
        _l("Tempat penandatanganan"),
        description=_l("Nama kota atau kabupaten, misalnya Sinjai."),
        validators=[Length(max=120, message=_l("Tempat paling panjang 120 karakter."))],
        filters=[_strip],
    )
    sign_date = LocalDateField(_l("Tanggal penandatanganan"), validators=[Optional()])
    layout = Checkboxes(
        _l("Data peserta yang dicetak"),
        choices=lambda: [SelectChoice(k, v) for k, v in layout_labels().items()],
        validate_choice=False,
    )
    logo = FileField(
        _l("Logo instansi"),
        description=_l("PNG atau JPG, paling besar 2 MB; dicetak di atas judul."),
        render_kw={"accept": "image/png,image/jpeg"},
    )
    remove_logo = BooleanField(_l("Hapus logo yang sudah diunggah"))
    signature = FileField(
        _l("Gambar tanda tangan (dan cap)"),
        description=_l(
            "PNG atau JPG, paling besar 2 MB; sebaiknya PNG berlatar transparan. "
            "Kosongkan bila sertifikat ditandatangani basah."
        ),
        render_kw={"accept": "image/png,image/jpeg"},
    )
    remove_signature = BooleanField(_l("Hapus gambar tanda tangan yang sudah diunggah"))
    #: The plan's row version when the page was shown ("0": no plan saved yet).
    lock = HiddenField()

    #: (assignment row, its select), set by :func:`settings_form`.
    need_rows: list[tuple[AssignmentRow, SelectField]]
    #: Course ids the organizer may require.
    course_ids: set[int]

    def validate_kind(self, field: Field) -> None:
        if field.data not in KINDS:
            raise ValidationError(_l("Pilih jenis sertifikat."))

    def validate_number_pattern(self, field: Field) -> None:
        if field.data:
            problem = pattern_problem(field.data)
            if problem:
                raise ValidationError(problem)

    def validate_required_courses(self, field: Field) -> None:
        if any(course_id not in self.course_ids for course_id in field.data or []):
            raise ValidationError(_l("Pilih hanya mata pelatihan yang diikuti kelas ini."))

    def validate_layout(self, field: Field) -> None:
        if any(name not in LAYOUT_FIELDS for name in field.data or []):
            raise ValidationError(_l("Pilih dari daftar data peserta."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        for row, select in self.need_rows:
            if select.data not in NEEDS:
                select.errors.append(str(_l("Pilih salah satu syarat dari daftar.")))
                ok = False
            elif select.data == "pass" and not row.has_rubric:
                select.errors.append(
                    str(
                        _l(
                            "Tugas ini tidak memiliki rubrik, jadi tidak dapat disyaratkan lulus. "
                            "Pilih “Sudah dikumpulkan”."
                        )
                    )
                )
                ok = False
        return ok

    # --- what the form says, ready for the plan -------------------------------------------

    @property
    def required_assignments(self) -> list[dict[str, Any]]:
        return [
            {"assignment_id": row.id, "need": select.data}
            for row, select in self.need_rows
            if select.data
        ]

    @property
    def layout_map(self) -> dict[str, bool]:
        chosen = set(self.layout.data or [])
        return {name: name in chosen for name in LAYOUT_FIELDS}

    @property
    def pattern_fields(self) -> str:
        return ", ".join("{" + name + "}" for name in PATTERN_FIELDS)


@dataclass(frozen=True)
class AssignmentRow:
    """A cohort assignment as the settings page lists it."""

    id: int
    title: str
    course_title: str
    has_rubric: bool


def settings_form(
    assignments: list[AssignmentRow],
    courses: list[tuple[int, str]],
    **kwargs: Any,
) -> CertificateSettingsForm:
    """The settings form for a cohort with these assignments and courses (id, label)."""
    labels = need_labels()
    fields: dict[str, Any] = {}
    for row in assignments:
        choices = [SelectChoice(need, labels[need]) for need in NEEDS]
        description = (
            _l("Dari mata pelatihan %(course)s.", course=row.course_title)
            if row.has_rubric
            else _l(
                "Dari mata pelatihan %(course)s. Tanpa rubrik: hanya dapat disyaratkan "
                "sudah dikumpulkan.",
                course=row.course_title,
            )
        )
        fields[f"need_{row.id}"] = SelectField(
            row.title,
            choices=choices,
            default="",
            description=description,
            validate_choice=False,
        )
    form_class = type("CohortCertificateSettingsForm", (CertificateSettingsForm,), fields)
    form: CertificateSettingsForm = form_class(**kwargs)
    form.need_rows = [(row, getattr(form, f"need_{row.id}")) for row in assignments]
    form.required_courses.choices = [SelectChoice(cid, label) for cid, label in courses]
    form.course_ids = {cid for cid, _label in courses}
    return form


def sign_date_of(value: date | None) -> datetime | None:
    """The stored sign date of a date typed in the form (noon UTC: the same calendar day in
    every Indonesian time zone and in UTC)."""
    if value is None:
        return None
    return datetime.combine(value, time(12, 0), tzinfo=UTC)


def _dates(start: date, end: date) -> str:
    """ "7 September 2023", "5–7 September 2023", "30 Agustus – 2 September 2023" (as the
    certificate prints them)."""
    if start == end:
        return format_date(end, "d MMMM y")
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{format_date(end, 'd MMMM y')}"
    if start.year == end.year:
        return f"{format_date(start, 'd MMMM')} – {format_date(end, 'd MMMM y')}"
    return f"{format_date(start, 'd MMMM y')} – {format_date(end, 'd MMMM y')}"


def default_texts(cohort: Any, kind: str) -> tuple[str, str]:
    """The title and text the certificate prints when the organizer leaves them empty (the
    wording of :mod:`lms.certificates.pdf`, without the participant's JP and qualification),
    shown as the fields' placeholders and hints."""
    attendance = kind == "attendance"
    title = _l("SERTIFIKAT KEHADIRAN") if attendance else _l("SERTIFIKAT")
    training = " ".join((cohort.name or "").split())
    parts = [
        str(_l("telah menghadiri %(training)s", training=training))
        if attendance
        else str(_l("telah mengikuti %(training)s", training=training))
    ]
    dates = _dates(cohort.start_date, cohort.end_date) if cohort.start_date else ""
    venue = " ".join((cohort.venue or "").split())
    if dates and venue:
        parts.append(
            str(_l("yang diselenggarakan pada %(dates)s di %(venue)s", dates=dates, venue=venue))
        )
    elif dates:
        parts.append(str(_l("yang diselenggarakan pada %(dates)s", dates=dates)))
    elif venue:
        parts.append(str(_l("yang diselenggarakan di %(venue)s", venue=venue)))
    return str(title), " ".join(parts) + "."
