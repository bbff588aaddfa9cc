"""Every form of the clinic: opening a case (built from the person's offices, innovations
and proposals), the thread, triage (mentors with their load, merge, close), stage ticks (built
from the stage's criteria) and moving on, appointments and their record, action items (built
from the case's people) and the follow-up answer. Files are stored only once the rest of the
form is valid, so a refused form leaves none behind."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from lms import storage
from lms.clinic.models import ACTION_STATES, CATEGORIES, URGENCIES
from lms.clinic.operations import DELIVER_CHOICES, TEXT_MAX, TITLE_MAX, Upload
from lms.lazytext import lazy_gettext as _l

#: Files a case takes: documents and pictures (videos go as links).
FILE_KINDS = frozenset({"pdf", "jpeg", "png", "webp", "docx", "xlsx", "pptx"})
MAX_FILES = 5
_NOT_OFFERED = _l("Pilih salah satu pilihan yang tersedia.")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def category_labels() -> dict[str, Any]:
    return {
        "new_idea": _l("Ide inovasi baru"),
        "proposal_writing": _l("Penulisan proposal"),
        "trial": _l("Uji coba"),
        "evidence": _l("Bukti dukung indeks inovasi"),
        "video": _l("Video inovasi"),
        "other": _l("Lainnya"),
    }


def urgency_labels() -> dict[str, Any]:
    return {"low": _l("Tidak mendesak"), "normal": _l("Biasa"), "high": _l("Mendesak")}


def _select(label: Any, **kwargs: Any) -> SelectField:
    return SelectField(
        label, invalid_choice_message=_NOT_OFFERED, invalid_value_message=_NOT_OFFERED, **kwargs
    )


def _id_or_none(value: Any) -> int | None:
    if value in ("", None):
        return None
    return int(value)


def _lock() -> HiddenField:
    return HiddenField(filters=[_strip])


def lock_of(field: HiddenField) -> int | None:
    raw = field.data or ""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _FilesMixin:
    """``files``: up to five documents or pictures, stored when the form is valid."""

    uploads: list[Upload]

    def store_files(self) -> bool:
        self.uploads = []
        chosen = [f for f in (self.files.data or []) if f and f.filename]
        if len(chosen) > MAX_FILES:
            self.files.errors.append(
                str(_l("Paling banyak %(n)d berkas sekali kirim.", n=MAX_FILES))
            )
            return False
        limit = current_app.config.get("LMS_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
        for upload in chosen:
            try:
                stored = storage.save_upload(
                    upload.stream, max_bytes=limit, allowed=set(FILE_KINDS)
                )
            except storage.UploadError as exc:
                self.files.errors.append(f"{upload.filename[-80:]}: {exc}")
                return False
            self.uploads.append(Upload(stored, re.split(r"[/\\]", upload.filename)[-1][-255:]))
        return True


def _files_field() -> MultipleFileField:
    return MultipleFileField(
        _l("Lampiran (boleh kosong)"),
        description=_l(
            "Paling banyak 5 berkas: PDF, JPG, PNG, WebP, DOCX, XLSX atau PPTX. Video cukup "
            "tautannya di pesan."
        ),
    )


# --- opening a case ------------------------------------------------------------------------------


class OpenForm(_FilesMixin, FlaskForm):
    title = StringField(
        _l("Judul singkat masalahnya"),
        description=_l("Misalnya: Antrean panjang pembuatan KTP di kecamatan."),
        validators=[
            InputRequired(_l("Tulis judul singkat masalahnya.")),
            Length(max=TITLE_MAX, message=_l("Judul paling banyak 200 karakter.")),
        ],
        filters=[_strip],
    )
    problem = TextAreaField(
        _l("Masalah di kantor Anda"),
        description=_l(
            "Apa yang terjadi, siapa yang terdampak, sejak kapan, dan apa yang sudah dicoba. "
            "Boleh memakai Markdown."
        ),
        validators=[
            InputRequired(_l("Ceritakan masalah di kantor Anda.")),
            Length(max=TEXT_MAX, message=_l("Paling banyak 20.000 karakter.")),
        ],
    )
    office = _select(
        _l("Perangkat daerah Anda"),
        coerce=_id_or_none,
        validators=[InputRequired(_l("Pilih perangkat daerah Anda."))],
    )
    category = RadioField(
        _l("Bantuan yang dibutuhkan"),
        choices=lambda: list(category_labels().items()),
        validate_choice=False,
        validators=[InputRequired(_l("Pilih jenis bantuan."))],
    )
    urgency = _select(
        _l("Tingkat kepentingan"), choices=lambda: list(urgency_labels().items()), default="normal"
    )
    innovation = _select(_l("Inovasi daerah yang dibahas (boleh kosong)"), default="")
    submission = _select(_l("Proposal kelas Anda yang dibahas (boleh kosong)"), default="")
    files = _files_field()

    def validate_category(self, field: Any) -> None:
        if field.data not in CATEGORIES:
            raise ValidationError(_l("Pilih jenis bantuan."))

    def validate_urgency(self, field: Any) -> None:
        if field.data not in URGENCIES:
            raise ValidationError(_NOT_OFFERED)

    @classmethod
    def for_person(
        cls,
        offices: Iterable[Any],
        innovations: Iterable[Any],
        proposals: Iterable[tuple[Any, Any, str]],
        *,
        office_id: int | None = None,
        **kwargs: Any,
    ) -> OpenForm:
        """``proposals``: (submission, cohort, title)."""
        form = cls(**({"office": office_id} if office_id else {}), **kwargs)
        form.office.choices = [SelectChoice(o.id, o.label) for o in offices]
        if not office_id and not form.is_submitted():
            form.office.choices.insert(0, SelectChoice("", _l("— Pilih —")))
        form.innovation.choices = [SelectChoice("", _l("— Tidak ada —"))] + [
            SelectChoice(str(i.id), i.name or _l("(tanpa nama)")) for i in innovations
        ]
        form.submission.choices = [SelectChoice("", _l("— Tidak ada —"))] + [
            SelectChoice(str(s.id), f"{title or _l('(tanpa judul)')} · {cohort.code}")
            for s, cohort, title in proposals
        ]
        return form

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        return self.store_files()


# --- the thread ---------------------------------------------------------------------------------


class MessageForm(_FilesMixin, FlaskForm):
    body = TextAreaField(
        _l("Pesan"),
        description=_l("Boleh memakai Markdown."),
        validators=[Length(max=TEXT_MAX, message=_l("Paling banyak 20.000 karakter."))],
    )
    private = BooleanField(
        _l("Catatan pendamping (tidak terlihat oleh pemohon)"),
    )
    files = _files_field()

    def validate_body(self, field: Any) -> None:
        chosen = [f for f in (self.files.data or []) if f and f.filename]
        if not (field.data or "").strip() and not chosen:
            raise ValidationError(_l("Tulis pesannya atau lampirkan berkas."))

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        return self.store_files()


# --- triage --------------------------------------------------------------------------------------


class MentorsForm(FlaskForm):
    mentors = _Checkboxes(_l("Pendamping"), coerce=int, choices=[])
    lock = _lock()

    @classmethod
    def for_loads(
        cls, loads: Iterable[Any], chosen: Iterable[int] = (), **kwargs: Any
    ) -> MentorsForm:
        """One checkbox per mentor of the region, with their open load."""
        form = cls(**kwargs)
        form.mentors.choices = [
            SelectChoice(
                load.user.id,
                # str(): a lazy string is Markup to WTForms and Jinja (its __html__), so
                # the mentor's name inside it would go out unescaped.
                str(
                    _l(
                        "%(name)s (%(n)d konsultasi berjalan)",
                        name=load.user.full_name,
                        n=load.open_cases,
                    )
                ),
            )
            for load in loads
        ]
        if not form.is_submitted():
            form.mentors.data = list(chosen)
        return form

    def validate_mentors(self, field: Any) -> None:
        if not field.data:
            raise ValidationError(_l("Pilih paling sedikit satu pendamping."))


class MergeForm(FlaskForm):
    target = _select(_l("Gabungkan ke konsultasi"), coerce=int)
    lock = _lock()

    @classmethod
    def for_targets(cls, targets: Iterable[Any], **kwargs: Any) -> MergeForm:
        form = cls(**kwargs)
        form.target.choices = [
            SelectChoice(c.id, f"#{c.id} {c.title} · {c.requester.full_name}") for c in targets
        ]
        return form


class CloseForm(FlaskForm):
    reason = TextAreaField(
        _l("Alasan ditutup"),
        description=_l("Terlihat oleh pemohon."),
        validators=[
            InputRequired(_l("Tulis alasan konsultasi ini ditutup.")),
            Length(max=2000, message=_l("Paling banyak 2.000 karakter.")),
        ],
    )
    lock = _lock()


# --- stages --------------------------------------------------------------------------------------


class TicksForm(FlaskForm):
    criteria = _Checkboxes(_l("Kriteria keluar tahap ini"), choices=[])

    @classmethod
    def for_stage(cls, stage: Any, ticked: Iterable[str], locale: str, **kwargs: Any) -> TicksForm:
        form = cls(**kwargs)
        form.criteria.choices = [SelectChoice(c.key, c.label(locale)) for c in stage.criteria]
        if not form.is_submitted():
            form.criteria.data = [k for k in stage.criterion_keys if k in set(ticked)]
        return form


def _registry_choice(default: str) -> RadioField:
    return RadioField(
        _l("Inovasi daerah di registri"),
        choices=lambda: [
            SelectChoice(
                "create",
                _l(
                    "Buat inovasi baru dari konsultasi ini (isian diambil dari konsultasi dan "
                    "proposalnya)"
                ),
            ),
            SelectChoice("link", _l("Hubungkan dengan inovasi yang sudah tercatat")),
            SelectChoice("later", _l("Nanti saja")),
        ],
        default=default,
        validate_choice=False,
    )


class _RegistryChoice:
    """The registry at Deliver: create the innovation, link one, or (when moving) later."""

    @classmethod
    def for_choices(cls, innovations: Iterable[Any], **kwargs: Any) -> Any:
        form = cls(**kwargs)
        form.link_to.choices = [SelectChoice("", _l("— Pilih —"))] + [
            SelectChoice(str(i.id), i.name or _l("(tanpa nama)")) for i in innovations
        ]
        return form

    def validate_link_to(self, field: Any) -> None:
        if self.innovation.data == "link" and not field.data:
            raise ValidationError(_l("Pilih inovasi yang akan dihubungkan."))


class MoveForm(_RegistryChoice, FlaskForm):
    override_reason = TextAreaField(
        _l("Alasan melanjutkan walau kriteria belum lengkap (koordinator)"),
        validators=[Length(max=2000, message=_l("Paling banyak 2.000 karakter."))],
    )
    innovation = _registry_choice("later")
    link_to = _select(_l("Inovasi yang sudah tercatat"), default="")
    lock = _lock()

    def validate_innovation(self, field: Any) -> None:
        if (field.data or "later") not in DELIVER_CHOICES:
            raise ValidationError(_NOT_OFFERED)


class InnovationForm(_RegistryChoice, FlaskForm):
    """Create or link the registry innovation after Deliver, when it was left for later."""

    innovation = _registry_choice("create")
    link_to = _select(_l("Inovasi yang sudah tercatat"), default="")

    def validate_innovation(self, field: Any) -> None:
        if field.data not in ("create", "link"):
            raise ValidationError(_l("Pilih buat baru atau hubungkan."))


# --- appointments --------------------------------------------------------------------------------


class AppointmentForm(FlaskForm):
    title = StringField(
        _l("Judul sesi"),
        default=_l("Sesi pendampingan"),
        validators=[InputRequired(_l("Isi judul sesi.")), Length(max=200)],
        filters=[_strip],
    )
    day = DateField(_l("Tanggal"), validators=[InputRequired(_l("Isi tanggal."))])
    start_time = TimeField(_l("Mulai"), validators=[InputRequired(_l("Isi jam mulai."))])
    end_time = TimeField(_l("Selesai"), validators=[InputRequired(_l("Isi jam selesai."))])
    mode = RadioField(
        _l("Cara bertemu"),
        choices=lambda: [
            SelectChoice("in_person", _l("Tatap muka")),
            SelectChoice("online", _l("Daring")),
        ],
        default="in_person",
        validate_choice=False,
        validators=[InputRequired(_l("Pilih tatap muka atau daring."))],
    )
    place = StringField(_l("Tempat (tatap muka)"), validators=[Length(max=200)], filters=[_strip])
    link = StringField(
        _l("Tautan (daring)"),
        description=_l("Alamat https:// rapat daringnya."),
        validators=[Length(max=500)],
        filters=[_strip],
    )

    def validate_end_time(self, field: Any) -> None:
        if self.start_time.data and field.data and field.data <= self.start_time.data:
            raise ValidationError(_l("Jam selesai harus setelah jam mulai."))

    def validate_mode(self, field: Any) -> None:
        if field.data not in ("in_person", "online"):
            raise ValidationError(_l("Pilih tatap muka atau daring."))


class RecordForm(FlaskForm):
    discussed = TextAreaField(
        _l("Yang dibahas"),
        description=_l("Boleh memakai Markdown. Terlihat oleh pemohon."),
        validators=[
            InputRequired(_l("Tulis apa yang dibahas.")),
            Length(max=TEXT_MAX, message=_l("Paling banyak 20.000 karakter.")),
        ],
    )
    decisions = TextAreaField(
        _l("Keputusan"),
        validators=[Length(max=TEXT_MAX, message=_l("Paling banyak 20.000 karakter."))],
    )
    lock = _lock()


class LockForm(FlaskForm):
    """A button with the version of the row as the page showed it."""

    lock = _lock()


# --- action items --------------------------------------------------------------------------------


class ActionForm(FlaskForm):
    title = StringField(
        _l("Yang harus dikerjakan"),
        validators=[InputRequired(_l("Tulis apa yang harus dikerjakan.")), Length(max=300)],
        filters=[_strip],
    )
    owner = _select(_l("Penanggung jawab"), coerce=int)
    due_date = DateField(_l("Tenggat"), validators=[InputRequired(_l("Isi tenggatnya."))])

    @classmethod
    def for_people(cls, people: Iterable[Any], **kwargs: Any) -> ActionForm:
        form = cls(**kwargs)
        form.owner.choices = [SelectChoice(p.id, p.full_name) for p in people]
        return form


class ActionStateForm(FlaskForm):
    state = HiddenField(filters=[_strip])
    lock = _lock()

    def validate_state(self, field: Any) -> None:
        if field.data not in ACTION_STATES:
            raise ValidationError(_NOT_OFFERED)


# --- follow-ups ---------------------------------------------------------------------------------


def _yes_no() -> list[SelectChoice]:
    return [SelectChoice("yes", _l("Ya")), SelectChoice("no", _l("Belum / tidak"))]


class FollowUpForm(FlaskForm):
    trial_started = RadioField(
        _l("Apakah uji coba inovasi sudah dimulai?"),
        choices=_yes_no,
        validate_choice=False,
        validators=[InputRequired(_l("Jawab apakah uji coba sudah dimulai."))],
    )
    trial_date = DateField(_l("Tanggal mulai uji coba"), validators=[Optional()])
    has_decree = RadioField(
        _l("Apakah sudah ada surat keputusan (SK uji coba atau peraturan kepala daerah)?"),
        choices=_yes_no,
        validate_choice=False,
        validators=[InputRequired(_l("Jawab apakah sudah ada surat keputusan."))],
    )
    decree = StringField(
        _l("Nomor surat keputusan"),
        description=_l("Misalnya: Keputusan Bupati Nomor 12 Tahun 2024."),
        validators=[Length(max=300)],
        filters=[_strip],
    )
    still_running = RadioField(
        _l("Apakah inovasinya masih berjalan?"),
        choices=_yes_no,
        validate_choice=False,
        validators=[Optional()],
    )
    note = TextAreaField(
        _l("Keterangan (boleh kosong)"),
        description=_l("Kendala, hasil, atau rencana berikutnya."),
        validators=[Length(max=5000)],
    )

    def _check(self, field: Any) -> None:
        if field.data not in ("yes", "no"):
            raise ValidationError(_NOT_OFFERED)

    validate_trial_started = _check
    validate_has_decree = _check

    def validate(self, extra_validators: Any = None) -> bool:
        # What a "yes" asks for next; checked here because an empty optional field stops
        # its own validators.
        valid = super().validate(extra_validators)
        if self.trial_started.data == "yes":
            if not self.trial_date.data and not self.trial_date.errors:
                self.trial_date.errors.append(str(_l("Isi tanggal mulai uji coba.")))
                valid = False
            if self.still_running.data not in ("yes", "no"):
                self.still_running.errors.append(str(_l("Pilih apakah inovasi masih berjalan.")))
                valid = False
        if self.has_decree.data == "yes" and not self.decree.data:
            self.decree.errors.append(str(_l("Tulis nomor surat keputusannya.")))
            valid = False
        return valid
