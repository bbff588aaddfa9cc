"""Every form of submissions: the work form built from the assignment's kind, the video form,
and the settings page's dates and extension forms.

The work and video forms have no validators (only the CSRF token is checked): nothing stops a
draft from being saved. What a version needs is ``permissions.content_problems``; the pages put
its messages next to the fields. Settings are typed in the cohort's time zone; the forms give
them back in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    Field,
    HiddenField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, DateInput, ListWidget

from lms import profile
from lms.errors import DomainError
from lms.i18n import gettext as _
from lms.lazytext import lazy_gettext as _l
from lms.profile import results_label, urusan_groups
from lms.submissions.fields import PP38_CRITERIA, VIDEO_ELEMENTS, shown_fields
from lms.submissions.fields import Field as SpecField
from lms.timefmt import local, to_utc


def _chosen(upload: Any) -> bool:
    return bool(upload is not None and getattr(upload, "filename", ""))


# --- the work page ------------------------------------------------------------------------


def check_name(key: str) -> str:
    """The form field of one PP 38 criterion."""
    return f"check_{key}"


class _WorkFormBase(FlaskForm):
    #: The assignment kind the fields were built for.
    kind = ""
    #: The keys of the assignment's fields this form shows (a theme only where the year's
    #: index rules name themes).
    field_keys: tuple[str, ...] = ()
    #: Field key -> its kind in the field definition ("urusan", "theme", "markdown", ...).
    field_kinds: dict[str, str] = {}
    #: The draft's lock version when the page was shown ("0" when there was no draft yet).
    lock_version = HiddenField()
    attachments = MultipleFileField(_l("Tambah lampiran (boleh kosong)"))
    statement = BooleanField(_l("Saya menyatakan bahwa karya ini adalah karya saya sendiri"))
    save = SubmitField(_l("Simpan draf"))
    send = SubmitField(_l("Kirim"))

    def seen_lock(self) -> str | None:
        """The lock version the page was shown with; None when the post did not come from the
        work page (then only a file is taken off)."""
        return (self.lock_version.data or "") if self.lock_version.raw_data else None

    def draft(self) -> dict[str, Any]:
        return {key: self[key].data or "" for key in self.field_keys}

    def self_check(self) -> dict[str, bool]:
        if self.kind != "proposal":
            return {}
        return {key: bool(self[check_name(key)].data) for key, _label in PP38_CRITERIA}

    def chose_files(self) -> bool:
        return any(_chosen(f) for f in self.attachments.data or [])

    def offer(self, themes: Any = None, locale: str = "id") -> None:
        """The choices that depend on the page: the urusan list in the page's language, the
        themes of the year's index rules, and a value no longer in a list (an old draft's free
        text) kept as "(isian lama: ...)" until the participant chooses. The results label
        follows the stage (before or at implementation)."""
        for key in self.field_keys:
            field = self[key]
            kind = self.field_kinds.get(key, "")
            if kind == "urusan":
                field.choices = _keep(urusan_choices(locale), field.data)
            elif kind == "theme":
                field.choices = _keep(theme_choices(themes), field.data)
        if "hasil" in self.field_keys and "tahapan" in self.field_keys:
            self.hasil.label.text = str(results_label(self.tahapan.data))


def _blank() -> SelectChoice:
    return SelectChoice("", _l("— Pilih —"))


def _keep(choices: list[SelectChoice], current: Any) -> list[SelectChoice]:
    """A stored value that is not in the list stays selectable (and selected), so saving
    again never loses it; the page says it is an old entry."""
    if current and all(c.value != current for c in choices):
        choices.append(SelectChoice(str(current), _("(isian lama: %(text)s)", text=current)))
    return choices


def urusan_choices(locale: str = "id") -> list[SelectChoice]:
    """The government affairs, one option group per group of UU 23/2014 Pasal 12 (and the
    supporting functions), in the page's language."""
    choices = [_blank()]
    for group in urusan_groups():
        title = group.title(locale)
        for item in group.items:
            label = item.label_en if locale == "en" and item.label_en else item.label
            choices.append(SelectChoice(item.key, label, optgroup=title))
    return choices


def theme_choices(themes: Any) -> list[SelectChoice]:
    """The themes of the year's index rules; a theme the rules mark uncertain says so."""
    choices = [_blank()]
    for theme in getattr(themes, "themes", ()) or ():
        label = theme.name
        if theme.uncertain:
            label = _("%(name)s (belum dapat dipastikan)", name=theme.name)
        choices.append(SelectChoice(theme.key, label))
    return choices


def _form_field(spec_field: SpecField) -> Any:
    if spec_field.kind in ("choice", "urusan", "theme"):
        return SelectField(
            spec_field.label,
            choices=[
                _blank(),
                *(SelectChoice(value, label) for value, label in spec_field.choices),
            ],
            validate_choice=False,
            default="",
        )
    if spec_field.kind == "date":
        return StringField(spec_field.label, widget=DateInput(), default="")
    if spec_field.kind == "markdown":
        return TextAreaField(spec_field.label, default="")
    return StringField(spec_field.label, default="")


def work_form_class(spec: Any, themes: Any = None) -> type[_WorkFormBase]:
    """A form class with the shown fields of ``spec.kind`` (and the PP 38 self-check for
    proposals)."""
    fields = shown_fields(spec, themes)
    attrs: dict[str, Any] = {
        "kind": spec.kind,
        "field_keys": tuple(f.key for f in fields),
        "field_kinds": {f.key: f.kind for f in fields},
    }
    for spec_field in fields:
        attrs[spec_field.key] = _form_field(spec_field)
    if spec.kind == "proposal":
        for key, label in PP38_CRITERIA:
            attrs[check_name(key)] = BooleanField(label)
    return type("WorkForm", (_WorkFormBase,), attrs)


def starting_values(kind: str, draft: dict[str, Any] | None, user: Any) -> dict[str, Any]:
    """What the work form starts from: the saved draft (an old proposal draft moved to the six
    parts); a proposal's proposing office and innovator filled from the participant's profile
    where the draft has no such field yet."""
    values = dict(draft or {})
    if kind != "proposal":
        return values
    values = profile.from_legacy(values)
    values.setdefault("perangkat_daerah", _office_of(user))
    values.setdefault("inovator", getattr(user, "full_name", "") or "")
    return values


def _office_of(user: Any) -> str:
    if getattr(user, "office", ""):
        return user.office
    if getattr(user, "office_id", None):
        from lms.extensions import db
        from lms.regions.models import Office

        office = db.session.get(Office, user.office_id)
        return office.name if office is not None else ""
    return ""


def work_form(
    spec: Any,
    *,
    draft: dict[str, Any] | None = None,
    themes: Any = None,
    locale: str = "id",
    **kwargs: Any,
) -> _WorkFormBase:
    """The posted form on POST; on GET the form filled from the saved draft."""
    values = {k: v for k, v in (draft or {}).items() if isinstance(v, str)}
    form = work_form_class(spec, themes)(data=values, **kwargs)
    form.offer(themes, locale)
    return form


# --- the video page -----------------------------------------------------------------------


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class VideoForm(FlaskForm):
    video = FileField(
        _l("Berkas video MP4"),
        render_kw={"accept": "video/mp4"},
    )
    remove_video = BooleanField(_l("Hapus video yang sudah diunggah"))
    video_url = URLField(
        _l("Tautan video publik"),
        description=_l(
            "Atau tempel tautan https:// dari YouTube, Google Drive atau layanan serupa yang "
            "dapat ditonton siapa saja yang memiliki tautannya."
        ),
        render_kw={"inputmode": "url", "autocomplete": "off", "maxlength": 500},
    )
    unsur = _Checkboxes(
        _l("Unsur yang ditampilkan video"),
        choices=[SelectChoice(key, label) for key, label in VIDEO_ELEMENTS],
    )
    deskripsi = TextAreaField(
        _l("Deskripsi singkat"),
        description=_l("Sekitar satu paragraf: nama inovasi, kantor, masalah yang diselesaikan."),
        render_kw={"rows": 5},
    )
    thumbnail = FileField(
        _l("Gambar mini (thumbnail), tidak wajib"),
        description=_l("JPG, PNG atau WebP, paling besar 5 MB; sebaiknya 16:9."),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    remove_thumbnail = BooleanField(_l("Hapus gambar mini yang sudah diunggah"))
    statement = BooleanField(
        _l(
            "Saya menyatakan bahwa video ini adalah karya saya sendiri dan orang yang tampak di "
            "dalamnya sudah memberi izin."
        )
    )
    #: The draft's lock version when the page was loaded ("0": no draft yet).
    lock_version = HiddenField()
    #: The button pressed: "draft" or "submit" (not rendered; the buttons carry it).
    action = StringField()

    @classmethod
    def from_draft(cls, draft: dict[str, Any] | None) -> VideoForm:
        draft = draft or {}
        return cls(
            formdata=None,
            video_url=draft.get("video_url", ""),
            unsur=draft.get("unsur") or [],
            deskripsi=draft.get("deskripsi", ""),
        )

    @property
    def submitting(self) -> bool:
        return self.action.data == "submit"

    def draft(self) -> dict[str, Any]:
        return {
            "video_url": self.video_url.data or "",
            "unsur": self.unsur.data or [],
            "deskripsi": self.deskripsi.data or "",
        }

    def chose_files(self) -> bool:
        return _chosen(self.video.data) or _chosen(self.thumbnail.data)


# --- the settings page --------------------------------------------------------------------

BOTH_OR_NEITHER = _l("Isi tanggal dan jam, atau kosongkan keduanya.")
#: The hidden ``form`` input of the settings page: which of its two forms was posted.
SETTINGS_FORMS = ("dates", "extension")


def posted_settings_form() -> str | None:
    """ "dates" or "extension" for a post of the settings page, "" for a post of neither,
    None for a GET."""
    if request.method != "POST":
        return None
    which = request.form.get("form", "")
    return which if which in SETTINGS_FORMS else ""


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


def _utc(day: date | None, at: time | None, tz: str) -> datetime | None:
    return to_utc(day, at, tz) if day is not None and at is not None else None


def _local_parts(dt: datetime | None, tz: str) -> tuple[date | None, time | None]:
    if dt is None:
        return None, None
    moment = local(dt, tz)
    return moment.date(), moment.time().replace(second=0, microsecond=0, tzinfo=None)


class _PlacesProblems:
    #: The operation's argument a refusal names -> the field its message goes next to.
    problem_fields: dict[str, str] = {}

    def place(self, problem: DomainError) -> None:
        """Put the refusal's messages next to the fields they are about."""
        fields = self._fields  # type: ignore[attr-defined]
        for key, messages in problem.errors.items():
            name = self.problem_fields.get(key, key)
            if name in fields:
                fields[name].errors = [*(fields[name].errors or []), *messages]


class AssignmentDatesForm(_PlacesProblems, FlaskForm):
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

    problem_fields = {"due_dt": "due_day", "cutoff_dt": "cutoff_day"}

    @classmethod
    def for_assignment(cls, assignment: Any, tz: str, *, posted: bool) -> AssignmentDatesForm:
        """The form filled with the assignment's settings in local time (and the posted
        values over them when ``posted``)."""
        open_day, open_time = _local_parts(assignment.open_dt, tz)
        due_day, due_time = _local_parts(assignment.due_dt, tz)
        cutoff_day, cutoff_time = _local_parts(assignment.cutoff_dt, tz)
        return cls(
            formdata=None if not posted else request.form,
            open_day=open_day,
            open_time=open_time,
            due_day=due_day,
            due_time=due_time,
            cutoff_day=cutoff_day,
            cutoff_time=cutoff_time,
            late_allowed=assignment.late_allowed,
            resubmit_before_due=assignment.resubmit_before_due,
            lock=str(assignment.version),
        )

    def pairs(self) -> list[tuple[Field, Field]]:
        return [
            (self.open_day, self.open_time),
            (self.due_day, self.due_time),
            (self.cutoff_day, self.cutoff_time),
        ]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return _check_pairs(self.pairs()) and ok

    def values(self, tz: str) -> dict[str, Any]:
        """The arguments of ``operations.set_dates``, in UTC."""
        return {
            "open_dt": _utc(self.open_day.data, self.open_time.data, tz),
            "due_dt": _utc(self.due_day.data, self.due_time.data, tz),
            "cutoff_dt": _utc(self.cutoff_day.data, self.cutoff_time.data, tz),
            "late_allowed": self.late_allowed.data,
            "resubmit_before_due": self.resubmit_before_due.data,
            "seen_version": self.lock.data,
        }


class ExtensionForm(_PlacesProblems, FlaskForm):
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

    problem_fields = {"user": "participant", "cutoff_dt": "ext_cutoff_day", "due_dt": "ext_due_day"}

    @classmethod
    def for_participants(cls, people: Iterable[Any], *, posted: bool) -> ExtensionForm:
        form = cls(formdata=None if not posted else request.form)
        form.participant.choices = [("", _l("— Pilih peserta —"))] + [
            (p.id, f"{p.full_name} ({p.nip_display})" if p.nip else p.full_name) for p in people
        ]
        return form

    def validate_participant(self, field: Field) -> None:
        allowed = {value for value, _label in field.choices if value}
        if field.data not in allowed:
            raise ValidationError(_l("Pilih peserta kelas ini."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return _check_pairs([(self.ext_cutoff_day, self.ext_cutoff_time)]) and ok

    def values(self, tz: str) -> dict[str, Any]:
        """The arguments of ``operations.grant_extension`` (but the person), in UTC."""
        return {
            "due_dt": _utc(self.ext_due_day.data, self.ext_due_time.data, tz),
            "cutoff_dt": _utc(self.ext_cutoff_day.data, self.ext_cutoff_time.data, tz),
            "reason": self.reason.data or "",
        }
