"""Every certificates form: the settings, issuing from the eligibility rows, revoking, lookup.

The settings have one select per cohort assignment; issuing a reason per participant who does
not meet the rules; the public code lookup is a GET form.

The settings and issue forms follow the cohort's data, so their classes are made per request:
:meth:`CertificateSettingsForm.for_cohort` and :meth:`IssueForm.for_candidates`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from flask_babel import format_date, format_decimal, get_locale
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    Field,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from lms.i18n import gettext as _
from lms.lazytext import lazy_gettext as _l

from . import eligibility, qualification
from .models import KINDS, LAYOUT_FIELDS, CertificatePlan
from .numbering import CODE_LENGTH, is_well_formed, normalize_code, pattern_problem
from .operations import IMAGE_ROLES
from .queries import AssignmentRow, EligibilityRow

#: What a required assignment needs: nothing, a submitted version, a released passing grade.
NEEDS = ("", "submitted", "pass")

_NUMBER_RE = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def kind_choices() -> list[SelectChoice]:
    return [
        SelectChoice("completion", _l("Sertifikat kelulusan: semua syarat harus terpenuhi")),
        SelectChoice("attendance", _l("Sertifikat kehadiran: hanya syarat kehadiran")),
    ]


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
        "qualification": str(_l("Kualifikasi (menurut skema kualifikasi di bawah)")),
    }


class Checkboxes(SelectMultipleField):
    """A list of checkboxes (rendered one by one in the template)."""

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
    agency = " ".join((getattr(cohort, "organized_by", "") or "").split())
    parts.append(held_clause(agency, dates, venue))
    return str(title), " ".join(p for p in parts if p) + "."


def held_clause(agency: str, dates: str, venue: str) -> str:
    """ "yang diselenggarakan oleh … pada … di …", with the parts that are known (the
    certificate's wording, in the current language)."""
    if agency:
        if dates and venue:
            return _(
                "yang diselenggarakan oleh %(agency)s pada %(dates)s di %(venue)s",
                agency=agency,
                dates=dates,
                venue=venue,
            )
        if dates:
            return _(
                "yang diselenggarakan oleh %(agency)s pada %(dates)s", agency=agency, dates=dates
            )
        if venue:
            return _(
                "yang diselenggarakan oleh %(agency)s di %(venue)s", agency=agency, venue=venue
            )
        return _("yang diselenggarakan oleh %(agency)s", agency=agency)
    if dates and venue:
        return _("yang diselenggarakan pada %(dates)s di %(venue)s", dates=dates, venue=venue)
    if dates:
        return _("yang diselenggarakan pada %(dates)s", dates=dates)
    if venue:
        return _("yang diselenggarakan di %(venue)s", venue=venue)
    return ""


# --- the settings -----------------------------------------------------------------------------

#: Empty rows the settings page offers after the scheme's own (up to MAX_BANDS in all).
SPARE_SCHEME_ROWS = 2


class QualificationRowForm(Form):
    """One label of the qualification scheme and the lowest score that gets it."""

    label = StringField(
        _l("Kualifikasi"),
        filters=[lambda v: " ".join((v or "").split())],
        render_kw={"autocomplete": "off"},
    )
    min = PercentField(
        _l("Nilai minimal"),
        validators=[Optional()],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )


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
    back_page = BooleanField(
        _l("Cetak halaman belakang: daftar mata pelatihan kelas ini dan JP-nya"),
        description=_l(
            "Satu halaman lagi per sertifikat, untuk dicetak bolak-balik. Daftarnya diambil "
            "dari mata pelatihan kelas saat sertifikat diterbitkan."
        ),
    )
    #: The scheme's rows; :meth:`for_cohort` sets how many are shown.
    qualifications = FieldList(FormField(QualificationRowForm), max_entries=qualification.MAX_BANDS)
    #: A scheme file to fill the rows from (the "scheme" button; nothing is saved then).
    scheme = SelectField(
        _l("Mulai dari skema"),
        description=_l(
            "Mengisi baris kualifikasi di atas dengan skema ini, tanpa menyimpan; ubah bila "
            "perlu, lalu simpan."
        ),
        choices=[],
        default=qualification.DEFAULT,
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
    #: The button pressed: "save" or "preview" (the buttons carry it; never rendered).
    action = StringField()

    #: (assignment row, its select), set by :meth:`for_cohort`.
    need_rows: list[tuple[AssignmentRow, SelectField]]
    #: Course ids the organizer may require.
    course_ids: set[int]

    @classmethod
    def for_cohort(
        cls,
        assignments: Sequence[AssignmentRow],
        courses: Sequence[tuple[int, str]],
        **kwargs: Any,
    ) -> CertificateSettingsForm:
        """The form for a cohort with these assignments (a select ``need_<id>`` each) and
        courses (id, label)."""
        labels = need_labels()
        fields: dict[str, Any] = {}
        shown = len((kwargs.get("data") or {}).get("qualifications") or [])
        fields["qualifications"] = FieldList(
            FormField(QualificationRowForm),
            min_entries=min(qualification.MAX_BANDS, shown + SPARE_SCHEME_ROWS),
            max_entries=qualification.MAX_BANDS,
        )
        for row in assignments:
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
                choices=[SelectChoice(need, labels[need]) for need in NEEDS],
                default="",
                description=description,
                validate_choice=False,
            )
        form_class = type("CohortCertificateSettingsForm", (cls,), fields)
        form: CertificateSettingsForm = form_class(**kwargs)
        form.need_rows = [(row, getattr(form, f"need_{row.id}")) for row in assignments]
        form.required_courses.choices = [SelectChoice(cid, label) for cid, label in courses]
        form.course_ids = {cid for cid, _label in courses}
        form.scheme.choices = [
            SelectChoice(name, known.title_in(str(get_locale() or "id")))
            for name, known in qualification.known_schemes().items()
        ]
        form._label_rows()
        return form

    def _label_rows(self) -> None:
        for n, entry in enumerate(self.qualifications.entries, 1):
            # Labels of their own: a screen reader says which row a field is in.
            entry.form.label.label.text = _("Kualifikasi %(n)d", n=n)
            entry.form.min.label.text = _("Nilai minimal kualifikasi %(n)d", n=n)

    @property
    def loading_scheme(self) -> bool:
        """The "fill from this scheme" button was pressed."""
        return self.is_submitted() and self.action.data == "scheme"

    def load_scheme(self, scheme: qualification.Scheme, locale: str) -> None:
        """Replace the rows as typed with ``scheme``'s bands (labels in ``locale``), and
        the spare empty rows after them."""
        bands = scheme.bands(locale)
        while self.qualifications.entries:
            self.qualifications.pop_entry()
        for band in bands:
            self.qualifications.append_entry({"label": band.label, "min": band.min})
        for _spare in range(min(SPARE_SCHEME_ROWS, qualification.MAX_BANDS - len(bands))):
            self.qualifications.append_entry({"label": "", "min": None})
        self._label_rows()

    @staticmethod
    def initial(cohort: Any, plan: CertificatePlan) -> dict[str, Any]:
        """The form's values for ``plan`` as stored (or its defaults)."""
        data: dict[str, Any] = {
            "kind": plan.kind,
            "min_attendance": plan.min_attendance,
            "excused_counts": cohort.excused_counts_as_attended,
            "required_courses": list(plan.required_courses or []),
            "number_pattern": plan.number_pattern,
            "title": plan.title,
            "body": plan.body,
            "sign_place": plan.sign_place,
            "sign_date": plan.sign_date.date() if plan.sign_date else None,
            "layout": [name for name in LAYOUT_FIELDS if plan.shows(name)],
            "back_page": bool(plan.back_page),
            "qualifications": [
                {"label": band.label, "min": band.min}
                for band in qualification.bands(plan.qualification_scheme)
            ],
            "lock": str(plan.lock_version or 0),
        }
        for requirement in plan.required_assignments or []:
            data[f"need_{int(requirement['assignment_id'])}"] = requirement.get("need", "pass")
        return data

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

    @property
    def scheme_rows(self) -> list[tuple[str, float | None]]:
        """(label, minimum) of every row as typed, empty rows included."""
        return [(entry.form.label.data or "", entry.form.min.data) for entry in self.qualifications]

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if not any(entry.form.min.errors for entry in self.qualifications):
            for index, fields in qualification.problems(self.scheme_rows).items():
                entry = self.qualifications.entries[index].form
                for name, message in fields.items():
                    entry[name].errors = [*entry[name].errors, message]
                ok = False
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

    # --- what the form says, ready for the operation --------------------------------------

    @property
    def previewing(self) -> bool:
        return self.is_submitted() and self.action.data == "preview"

    @property
    def seen_version(self) -> int | None:
        """The plan version the page was made from (0: the defaults; None: not a version)."""
        lock = (self.lock.data or "").strip()
        return int(lock) if lock.isdigit() else None

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

    def chosen_images(self) -> dict[str, Any]:
        """role -> the upload chosen for it."""
        uploads = {role: getattr(self, role).data for role in IMAGE_ROLES}
        return {role: u for role, u in uploads.items() if u and getattr(u, "filename", "")}

    def values(self) -> dict[str, Any]:
        """The plan's new values and the cohort's ``excused_counts_as_attended``; an image
        ticked for removal (and none chosen) becomes None."""
        values: dict[str, Any] = {
            "kind": self.kind.data,
            "min_attendance": float(self.min_attendance.data),
            "required_assignments": self.required_assignments,
            "required_courses": [int(cid) for cid in self.required_courses.data or []],
            "number_pattern": self.number_pattern.data,
            "title": self.title.data or "",
            "body": self.body.data or "",
            "sign_place": self.sign_place.data or "",
            "sign_date": sign_date_of(self.sign_date.data),
            "layout": self.layout_map,
            "back_page": bool(self.back_page.data),
            "qualification_scheme": qualification.stored(qualification.from_rows(self.scheme_rows)),
            "excused_counts_as_attended": bool(self.excused_counts.data),
        }
        chosen = self.chosen_images()
        for role in IMAGE_ROLES:
            if role not in chosen and getattr(self, f"remove_{role}").data:
                values[f"{role}_key"] = None
        return values

    def describe_defaults(self, cohort: Any, plan: CertificatePlan) -> None:
        """The default texts as placeholders and hints: empty fields print them."""
        kind = self.kind.data if self.kind.data in KINDS else plan.kind
        title, body = default_texts(cohort, kind)
        self.title.render_kw = {"placeholder": title}
        self.title.description = _("Kosongkan untuk memakai judul baku: %(text)s.", text=title)
        self.body.render_kw = {"rows": 4, "placeholder": body}
        self.body.description = _(
            "Dicetak di bawah nama peserta, dalam satu paragraf. Kosongkan untuk memakai teks "
            "baku: “%(text)s” (ditambah jumlah JP dan kualifikasi peserta bila dicetak).",
            text=body,
        )
        self.sign_date.description = _(
            "Kosongkan untuk memakai tanggal selesai kelas (%(date)s).",
            date=format_date(cohort.end_date, "d MMMM y"),
        )


# --- issuing, revoking ------------------------------------------------------------------------


def override_name(user_id: int) -> str:
    """The field of a participant's written reason (an override of the rules)."""
    return f"override-{user_id}"


class IssueForm(FlaskForm):
    """The eligibility page's issue form: chosen people (``user``, many) or everyone eligible
    (``scope=eligible``), and a written reason ``override-<user id>`` per participant who
    does not meet the rules."""

    #: The button pressed: "eligible" or "selected" (the buttons carry it; never rendered).
    scope = StringField(default="selected")
    user = Checkboxes(coerce=int, choices=[], validate_choice=False)

    #: The page's rows, set by :meth:`for_candidates`.
    rows: list[EligibilityRow]

    @classmethod
    def for_candidates(cls, rows: Sequence[EligibilityRow], **kwargs: Any) -> IssueForm:
        fields = {
            override_name(row.candidate.user.id): TextAreaField(
                _l("Alasan pengecualian"),
                filters=[_strip],
                render_kw={"rows": 2, "maxlength": 1000},
            )
            for row in rows
            if not row.eligible
        }
        form: IssueForm = type("CohortIssueForm", (cls,), fields)(**kwargs)
        form.rows = list(rows)
        return form

    @property
    def everyone_eligible(self) -> bool:
        return self.scope.data == "eligible"

    @property
    def chosen(self) -> set[int]:
        """Who is ticked (what the page shows ticked again)."""
        return set(self.user.data or [])

    @property
    def user_ids(self) -> list[int]:
        if self.everyone_eligible:
            return [row.candidate.user.id for row in self.rows if row.eligible]
        return list(self.user.data or [])

    @property
    def overrides(self) -> dict[int, str]:
        """user id -> the written reason, for those who have one."""
        found = {}
        for row in self.rows:
            name = override_name(row.candidate.user.id)
            if name in self._fields and self[name].data:
                found[row.candidate.user.id] = self[name].data
        return found

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if not ok:
            return False
        wanted = self.user_ids
        if not wanted:
            self.form_errors.append(_("Pilih peserta yang akan diberi sertifikat."))
            return False
        by_id = {row.candidate.user.id: row for row in self.rows}
        unknown = [uid for uid in wanted if uid not in by_id]
        if unknown:
            self.user.errors = [eligibility.not_participants(len(unknown))]
            return False
        problems = []
        reasons = self.overrides
        for uid in wanted:
            row = by_id[uid]
            if row.certified:  # skipped: nobody gets a second certificate
                continue
            problem = eligibility.why_refused(row.candidate, reasons.get(uid, ""))
            if problem:
                problems.append(problem)
                self[override_name(uid)].errors = [
                    _("Tuliskan alasan pengecualian: peserta ini belum memenuhi syarat.")
                ]
        if problems:
            self.form_errors.append(eligibility.refusal(problems))
            return False
        return True


class ReasonForm(FlaskForm):
    """Revoking (or reissuing) a certificate: the written reason."""

    reason = TextAreaField(
        _l("Alasan"),
        filters=[_strip],
        validators=[DataRequired(_l("Tuliskan alasan pencabutan."))],
    )


# --- public verification ----------------------------------------------------------------------


class VerifyForm(Form):
    """Submitted with GET (``?code=``): nothing changes, so no CSRF token."""

    code = StringField(
        _l("Kode verifikasi"),
        description=_l(
            "12 huruf dan angka yang tercetak di sertifikat. Huruf kecil, spasi dan tanda "
            "hubung boleh."
        ),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )

    def validate_code(self, field: StringField) -> None:
        text = normalize_code(field.data or "")
        if not text:
            raise ValidationError(_("Isi kode verifikasi yang tercetak di sertifikat."))
        if not is_well_formed(text):
            raise ValidationError(
                _(
                    "Kode verifikasi terdiri atas %(n)d huruf dan angka (tanpa 0, O, 1, I dan L); "
                    "periksa lagi kode yang diketik.",
                    n=CODE_LENGTH,
                )
            )
        field.data = text
