"""Every form of the registry: the profile form built from lms.profile (with the answers to
revision notes), the workflow's forms, files, innovators, the catalogue page, the yearly
confirmation, and registering a class proposal."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, DateInput, ListWidget

from lms import profile
from lms.innovations.display import confirmation_labels, file_role_labels, parse_date
from lms.innovations.models import FILE_ROLES, STAGES
from lms.lazytext import lazy_gettext as _l

LINE_MAX = 300
TEXT_MAX = 20000


#: WTForms has no Indonesian messages: a value that is not one of the choices says this.
_NOT_OFFERED = _l("Pilih salah satu pilihan yang tersedia.")


def _select(label: object, **kwargs: Any) -> SelectField:
    return SelectField(
        label, invalid_choice_message=_NOT_OFFERED, invalid_value_message=_NOT_OFFERED, **kwargs
    )


def _blank() -> SelectChoice:
    return SelectChoice("", _l("— Pilih —"))


def _keep(choices: list[SelectChoice], current: Any) -> list[SelectChoice]:
    """A stored value no longer in the list (an old proposal's free text) stays choosable, so
    saving the form never loses it."""
    if current and all(c.value != current for c in choices):
        choices.append(SelectChoice(str(current), str(current)))
    return choices


def _urusan_choices(current: Any, locale: str) -> list[SelectChoice]:
    choices = [_blank()]
    for group in profile.urusan_groups():
        title = group.title(locale)
        for item in group.items:
            label = item.label_en if locale == "en" and item.label_en else item.label
            choices.append(SelectChoice(item.key, label, optgroup=title))
    return _keep(choices, current)


def _check_date(form: Any, field: Field) -> None:
    if field.data and parse_date(field.data) is None:
        raise ValidationError(_l("Tulis tanggal lengkap, misalnya 2024-03-01."))


def _profile_field(f: profile.Field) -> Field:
    if f.kind in ("choice", "urusan"):
        return _select(f.label, description=f.hint, default="")
    if f.kind == "date":
        return StringField(
            f.label, description=f.hint, widget=DateInput(), validators=[_check_date]
        )
    if f.kind == "markdown":
        return TextAreaField(f.label, description=f.hint, validators=[Length(max=TEXT_MAX)])
    return StringField(f.label, description=f.hint, validators=[Length(max=LINE_MAX)])


def _https(form: Any, field: Field) -> None:
    if field.data and not str(field.data).startswith("https://"):
        raise ValidationError(_l("Tautan harus berupa alamat https:// yang lengkap."))


class _InnovationFormBase(FlaskForm):
    #: The lock version the page was shown with.
    lock_version = HiddenField()
    office = _select(_l("Perangkat daerah"), coerce=int)
    initiated_date = StringField(
        _l("Tanggal inisiatif"), widget=DateInput(), validators=[_check_date]
    )
    video_url = StringField(
        _l("Tautan video publik"),
        description=_l("YouTube, Google Drive atau Vimeo; boleh kosong."),
        validators=[Optional(), Length(max=500)],
    )
    replicated_from = _select(_l("Direplikasi dari inovasi di aplikasi ini"), coerce=int, default=0)
    replicated_from_url = StringField(
        _l("atau tautan halaman katalog nasional"),
        description=_l("Misalnya halaman JIPPNas atau Tuxedovation."),
        validators=[Optional(), Length(max=500), _https],
    )
    replicated_from_label = StringField(
        _l("Nama katalog atau inovasi asal"), validators=[Optional(), Length(max=300)]
    )

    note_ids: tuple[int, ...] = ()

    def validate_video_url(self, field: Field) -> None:
        from lms.submissions.permissions import video_url_problem

        if field.data and (problem := video_url_problem(field.data.strip())):
            raise ValidationError(problem)

    def profile_values(self) -> dict[str, Any]:
        return {f.key: self[f.key].data or "" for f in profile.PROFILE_FIELDS}

    def answers(self) -> dict[int, str]:
        return {note_id: self[f"answer_{note_id}"].data or "" for note_id in self.note_ids}

    def seen_lock(self) -> int | None:
        raw = (self.lock_version.data or "").strip()
        return int(raw) if raw.isdigit() else None


def innovation_form(
    *,
    offices: list[Any],
    sources: list[Any],
    notes: list[Any] = (),  # type: ignore[assignment]
    values: dict[str, Any] | None = None,
    locale: str = "id",
    **kwargs: Any,
) -> _InnovationFormBase:
    """The profile form with one answer box per open revision note; on GET filled from
    ``values`` (the stored profile), on POST from what was sent."""
    attrs: dict[str, Any] = {f.key: _profile_field(f) for f in profile.PROFILE_FIELDS}
    for note in notes:
        attrs[f"answer_{note.id}"] = TextAreaField(
            _l("Jawaban Anda"), validators=[Length(max=TEXT_MAX)]
        )
    attrs["note_ids"] = tuple(n.id for n in notes)
    cls = type("InnovationForm", (_InnovationFormBase,), attrs)
    data = {k: v for k, v in (values or {}).items() if isinstance(v, str)}
    form = cls(data=data, **kwargs)
    current = values or {}
    for f in profile.PROFILE_FIELDS:
        if f.kind == "choice":
            choices = [_blank(), *(SelectChoice(v, label) for v, label in f.choices)]
            form[f.key].choices = _keep(choices, current.get(f.key))
        elif f.kind == "urusan":
            form[f.key].choices = _urusan_choices(current.get(f.key), locale)
    form.hasil.label.text = str(profile.label_of("hasil", current))
    form.office.choices = [SelectChoice(o.id, o.label) for o in offices]
    form.replicated_from.choices = [
        SelectChoice(0, _l("— Bukan replikasi —")),
        *(SelectChoice(i.id, f"{i.name} · {i.office.label} · {i.region.name}") for i in sources),
    ]
    return form


class SubmitForm(FlaskForm):
    lock_version = HiddenField()


class VerifyForm(FlaskForm):
    note = TextAreaField(_l("Catatan verifikasi (boleh kosong)"), validators=[Length(max=2000)])


def revisions_form(*, values: dict[str, Any], **kwargs: Any) -> FlaskForm:
    """A note box per profile field, and one for the innovation as a whole."""
    attrs: dict[str, Any] = {
        "general": TextAreaField(_l("Catatan umum"), validators=[Length(max=TEXT_MAX)])
    }
    for f in profile.PROFILE_FIELDS:
        attrs[f"note_{f.key}"] = TextAreaField(
            profile.label_of(f.key, values), validators=[Length(max=TEXT_MAX)]
        )
    return type("RevisionsForm", (FlaskForm,), attrs)(**kwargs)


def revision_notes(form: FlaskForm) -> dict[str, str]:
    notes = {"": form.general.data or ""}
    for f in profile.PROFILE_FIELDS:
        notes[f.key] = form[f"note_{f.key}"].data or ""
    return notes


class ArchiveForm(FlaskForm):
    reason = TextAreaField(
        _l("Alasan dihentikan"),
        validators=[InputRequired(_l("Tulis alasan inovasi ini dihentikan.")), Length(max=2000)],
    )


class StageForm(FlaskForm):
    stage = _select(
        _l("Tahapan baru"),
        choices=lambda: [SelectChoice(v, label) for v, label in profile.TAHAPAN],
    )
    day = StringField(_l("Tanggal mulai tahapan"), widget=DateInput(), validators=[_check_date])

    def validate_stage(self, field: Field) -> None:
        if field.data not in STAGES:
            raise ValidationError(_l("Pilih tahapan."))


class FileForm(FlaskForm):
    role = _select(
        _l("Jenis berkas"),
        choices=lambda: [SelectChoice(r, file_role_labels()[r]) for r in FILE_ROLES],
    )
    file = FileField(_l("Berkas"))


class InnovatorForm(FlaskForm):
    email = StringField(
        _l("Email akun inovator"),
        description=_l("Untuk inovator yang punya akun di aplikasi ini."),
        validators=[Optional(), Length(max=254)],
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
    )
    name = StringField(
        _l("atau nama inovator (tanpa akun)"),
        description=_l("Misalnya anggota masyarakat atau mitra."),
        validators=[Optional(), Length(max=200)],
    )
    role = StringField(_l("Peran dalam tim"), validators=[Optional(), Length(max=100)])

    def validate_name(self, field: Field) -> None:
        if not (self.email.data or "").strip() and not (field.data or "").strip():
            raise ValidationError(_l("Isi email akun atau nama inovator."))


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CatalogueForm(FlaskForm):
    lock_version = HiddenField()
    publish = BooleanField(_l("Tampilkan di katalog publik"))
    summary = TextAreaField(_l("Ringkasan"), validators=[Length(max=TEXT_MAX)])
    drivers = TextAreaField(_l("Faktor pendorong"), validators=[Length(max=TEXT_MAX)])
    obstacles = TextAreaField(_l("Faktor penghambat"), validators=[Length(max=TEXT_MAX)])
    prerequisites = TextAreaField(_l("Syarat untuk mereplikasi"), validators=[Length(max=TEXT_MAX)])
    contact_office = _select(_l("Perangkat daerah yang dapat dihubungi"), coerce=int)
    shown = _Checkboxes(
        _l("Nama inovator yang ditampilkan"),
        coerce=int,
        default=[],
        invalid_choice_message=_NOT_OFFERED,
        invalid_value_message=_NOT_OFFERED,
    )

    @classmethod
    def for_innovation(cls, innovation: Any, offices: list[Any], **kwargs: Any) -> CatalogueForm:
        form = cls(
            obj=innovation,
            lock_version=str(innovation.lock_version),
            publish=innovation.published_dt is not None,
            contact_office=innovation.contact_office_id or 0,
            shown=[i.id for i in innovation.innovators if i.show_in_catalogue],
            **kwargs,
        )
        form.contact_office.choices = [
            SelectChoice(0, _l("Perangkat daerah inovasi ini")),
            *(SelectChoice(o.id, o.label) for o in offices),
        ]
        form.shown.choices = [SelectChoice(i.id, i.display_name) for i in innovation.innovators]
        return form

    def seen_lock(self) -> int | None:
        raw = (self.lock_version.data or "").strip()
        return int(raw) if raw.isdigit() else None


class ConfirmRunningForm(FlaskForm):
    year = IntegerField(
        _l("Tahun"),
        validators=[
            InputRequired(_l("Isi tahunnya.")),
            NumberRange(min=2000, max=2100, message=_l("Tahun antara 2000 dan 2100.")),
        ],
    )
    status = _select(
        _l("Masih berjalan?"),
        choices=lambda: [SelectChoice(k, v) for k, v in confirmation_labels().items()],
    )
    note = TextAreaField(
        _l("Keterangan"),
        description=_l("Wajib bila berhenti atau direplikasi: sejak kapan, atau di mana."),
        validators=[Length(max=2000)],
    )


class PromoteForm(FlaskForm):
    office = _select(_l("Perangkat daerah"), coerce=int)

    @classmethod
    def with_offices(cls, offices: list[Any], chosen: int | None = None) -> PromoteForm:
        form = cls(office=chosen or 0) if chosen else cls()
        form.office.choices = [
            SelectChoice(0, _l("— Pilih perangkat daerah —")),
            *(SelectChoice(o.id, o.label) for o in offices),
        ]
        return form

    def validate_office(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(_l("Pilih perangkat daerah inovasi ini."))
