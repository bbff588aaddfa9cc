"""Every grading form: a marking and a reconciliation (fields from the rubric), the allocation
grid (fields from the roster), automatic allocation, an assignment's grading settings, the
rubric copy's edit form, and the release button."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    FloatField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, ValidationError
from wtforms.widgets import TextInput

from lms.accounts.models import User
from lms.catalog.models import Rubric
from lms.grading import rubric_content, scoring
from lms.grading.models import DEFAULT_TOLERANCE, OUTCOMES
from lms.grading.operations import MAX_COMMENT, MarkerChoice
from lms.grading.scoring import MarkingInput
from lms.i18n import gettext as _
from lms.lazytext import lazy_gettext as _l


class LockField(HiddenField):
    """A row version the page was loaded with: a number; -1 for anything else (refused as a
    conflict), None when sent empty."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            text = str(valuelist[0]).strip()
            self.data = None if not text else int(text) if text.isdigit() else -1


def _comment_length() -> Length:
    return Length(
        max=MAX_COMMENT,
        message=_l("Komentar terlalu panjang (paling banyak %(n)d karakter).", n=MAX_COMMENT),
    )


# --- marking and reconciliation ---------------------------------------------------------------


class LevelField(RadioField):
    """The level chosen for one criterion: its points (a float), None while none is chosen."""

    def __init__(self, label: Any = None, *, points: Sequence[float], **kwargs: Any) -> None:
        super().__init__(
            label,
            choices=[SelectChoice(p, str(p)) for p in points],
            coerce=float,
            validate_choice=False,
            **kwargs,
        )
        self.points = list(points)

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]).strip() if valuelist else ""
        if not text:
            self.data = None
            return
        try:
            self.data = float(text)
        except ValueError as exc:
            self.data = None
            raise ValueError(_("Pilih salah satu tingkat yang ada.")) from exc

    def pre_validate(self, form: Any) -> None:
        if self.data is not None and self.data not in self.points:
            raise ValidationError(_("Pilih salah satu tingkat yang ada."))


class MarkingForm(FlaskForm):
    """A marking of one version with ``rubric``: ``level-<key>`` and ``comment-<key>`` per
    criterion, ``gate-<key>`` per gate, the outcome, the overall comment. Build the class with
    :meth:`for_rubric`; what the work decided (``decided``) is shown fixed and replaces what is
    sent."""

    rubric: Rubric
    decided: scoring.Decided = scoring.Decided()

    outcome = RadioField(
        _l("Hasil"),
        choices=[
            SelectChoice("grade", _l("Beri nilai akhir")),
            SelectChoice(
                "revisions", _l("Minta revisi: peserta memperbaiki dan mengumpulkan versi baru")
            ),
        ],
        default="grade",
        validate_choice=False,
        validators=[AnyOf(OUTCOMES, message=_l("Pilih hasil penilaian."))],
    )
    overall_comment = TextAreaField(
        _l("Komentar umum untuk peserta"), validators=[_comment_length()]
    )
    #: The marking's row version when the page was shown (0: none yet).
    lock_version = LockField(default=0)
    #: Which button was pressed: "save" (a draft) or "done".
    action = StringField()

    @classmethod
    def for_rubric(
        cls, rubric: Rubric, decided: scoring.Decided | None = None
    ) -> type[MarkingForm]:
        decided = decided or scoring.Decided()
        fields: dict[str, Any] = {"rubric": rubric, "decided": decided}
        for criterion in rubric.criteria:
            key = criterion.key
            points = scoring.allowed_points(criterion)
            if key in decided.points and decided.points[key] not in points:
                points = [decided.points[key], *points]
            fields[f"level-{key}"] = LevelField(criterion.title, points=points)
            fields[f"comment-{key}"] = TextAreaField(
                str(_l("Komentar untuk %(c)s", c=criterion.title)),
                validators=[_comment_length()],
            )
        for gate in rubric.gates or []:
            fields[f"gate-{gate['key']}"] = BooleanField(gate["title"])
        return type(cls.__name__, (cls,), fields)

    @classmethod
    def values(cls, data: MarkingInput) -> dict[str, Any]:
        """Field values showing ``data`` (a form starting from a saved marking) and what the
        work decided."""
        data = cls.decided.apply(data)
        values: dict[str, Any] = {
            "outcome": data.outcome,
            "overall_comment": data.overall_comment,
        }
        for criterion in cls.rubric.criteria:
            values[f"level-{criterion.key}"] = data.points.get(criterion.key)
            values[f"comment-{criterion.key}"] = data.comments.get(criterion.key, "")
        for gate in cls.rubric.gates or []:
            values[f"gate-{gate['key']}"] = bool(data.gates.get(gate["key"]))
        return values

    @property
    def done(self) -> bool:
        return self.action.data == "done"

    def marking_input(self) -> MarkingInput:
        """What the grader typed, with what the work decided in its place."""
        data = MarkingInput(
            overall_comment=self.overall_comment.data or "", outcome=self.outcome.data or ""
        )
        for criterion in self.rubric.criteria:
            data.points[criterion.key] = self[f"level-{criterion.key}"].data
            data.comments[criterion.key] = self[f"comment-{criterion.key}"].data or ""
        data.gates = {
            g["key"]: bool(self[f"gate-{g['key']}"].data) for g in self.rubric.gates or []
        }
        return self.decided.apply(data)

    def score(self) -> scoring.Score:
        """The total the server computes for what the form shows."""
        data = self.marking_input()
        return scoring.compute(self.rubric, data.points, data.gates)


class ReconcileForm(MarkingForm):
    """The agreed marking of a flagged grade: a marking, the reconciler's note, and the grade's
    row version when the page was shown."""

    note = TextAreaField(_l("Catatan rekonsiliasi"), validators=[_comment_length()])
    grade_lock_version = LockField(default=0)


class ReleaseForm(FlaskForm):
    """A release button; ``next``: the page to go back to (the grade book keeps its filters)."""

    next = HiddenField()


# --- who marks whom -----------------------------------------------------------------------------


class MarkerField(SelectField):
    """A marker of one participant: a trainer's id, None for nobody. Only the cohort's trainers
    and the participant's current markers are allowed."""

    def __init__(self, label: Any = None, *, allowed: Iterable[int], **kwargs: Any) -> None:
        super().__init__(label, choices=[], validate_choice=False, **kwargs)
        self.allowed = set(allowed)

    def process_data(self, value: Any) -> None:
        self.data = value

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            text = str(valuelist[0]).strip()
            self.data = None if not text else int(text) if text.isdigit() else -1

    def pre_validate(self, form: Any) -> None:
        if self.data is not None and self.data not in self.allowed:
            raise ValidationError(_("Penilai yang dipilih bukan widyaiswara kelas ini."))


class IdsField(Field):
    """Every value sent under one name (the participants a page showed)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = [str(v).strip() for v in valuelist]


def _ids_text(ids: Iterable[int]) -> str:
    return ",".join(str(i) for i in ids)


def _ids(text: str | None) -> list[int]:
    """The ids of a ``seen-<id>`` field ("3,7"); -1 stands for anything that is not an id."""
    return [int(v) if v.isdigit() else -1 for v in (text or "").split(",") if v.strip()]


class AllocationForm(FlaskForm):
    """The allocation grid: per participant ``marker1-<id>`` and ``marker2-<id>``, and
    ``seen-<id>`` (the markers the page showed, "3,7"); ``participant`` lists every row shown.
    A row the page did not show (added since) keeps its markers. Build it with
    :meth:`for_roster`."""

    participant = IdsField()

    people: list[User]
    current: dict[int, list[User]]

    @classmethod
    def for_roster(
        cls,
        participants: Iterable[User],
        trainers: Iterable[User],
        markers: Mapping[int, list[User]],
        **kwargs: Any,
    ) -> AllocationForm:
        """The grid of ``participants`` with their current ``markers`` (participant id ->
        markers in slot order); a marker is one of ``trainers`` or one they have now."""
        people = list(participants)
        trainer_ids = {t.id for t in trainers}
        fields: dict[str, Any] = {}
        for person in people:
            uid = person.id
            ids = [m.id for m in markers.get(uid, [])]
            allowed = trainer_ids | set(ids)
            for n in (1, 2):
                fields[f"marker{n}-{uid}"] = MarkerField(
                    allowed=allowed, default=ids[n - 1] if len(ids) >= n else None
                )
            fields[f"seen-{uid}"] = HiddenField(default=_ids_text(ids))
        form = type(cls.__name__, (cls,), fields)(**kwargs)
        form.people = people
        form.current = {p.id: list(markers.get(p.id, [])) for p in people}
        return form

    def validate_participant(self, field: Field) -> None:
        shown = {str(p.id) for p in self.people}
        if any(value not in shown for value in field.data or []):
            raise ValidationError(
                _(
                    "Tidak ada yang disimpan: daftar berisi orang yang bukan peserta kelas ini "
                    "(mungkin baru dikeluarkan). Muat ulang halaman, lalu ulangi."
                )
            )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for person in self.people:
            first, second = self[f"marker1-{person.id}"], self[f"marker2-{person.id}"]
            if first.data is not None and first.data == second.data and not first.errors:
                first.errors = [
                    *first.errors,
                    _("Penilai 1 dan penilai 2 harus widyaiswara yang berbeda."),
                ]
                valid = False
        return valid

    def posted(self, uid: int) -> bool:
        """Whether the page that was sent showed this participant's row."""
        return bool(self[f"seen-{uid}"].raw_data)

    def choices(self) -> list[MarkerChoice]:
        """The rows sent, as the organizer chose them (marker 2 alone becomes marker 1)."""
        rows = []
        for person in self.people:
            uid = person.id
            if not self.posted(uid):
                continue
            picks = (self[f"marker1-{uid}"].data, self[f"marker2-{uid}"].data)
            rows.append(
                MarkerChoice(
                    participant=person,
                    chosen=[m for m in picks if m is not None],
                    seen=_ids(self[f"seen-{uid}"].data),
                    field=f"marker1-{uid}",
                    seen_field=f"seen-{uid}",
                )
            )
        return rows

    def row_errors(self, uid: int) -> list[str]:
        return [
            str(message)
            for name in (f"marker1-{uid}", f"marker2-{uid}", f"seen-{uid}")
            for message in self[name].errors
        ]

    def show_current(self) -> None:
        """Rows someone else changed meanwhile now know the current markers: saving again is a
        deliberate choice."""
        for person in self.people:
            seen = self[f"seen-{person.id}"]
            if seen.errors:
                seen.data = _ids_text(m.id for m in self.current[person.id])


def _whole_number(value: object) -> int:
    """A posted number; 0 for anything else (refused by the field's AnyOf)."""
    return int(value) if str(value).isdigit() else 0


class AutoAllocateForm(FlaskForm):
    markers = SelectField(
        _l("Penilai per peserta"),
        choices=[
            SelectChoice(1, _l("Satu penilai")),
            SelectChoice(2, _l("Dua penilai (penilaian ganda)")),
        ],
        coerce=_whole_number,
        default=1,
        validate_choice=False,
        validators=[
            InputRequired(_l("Pilih satu atau dua penilai per peserta.")),
            AnyOf([1, 2], message=_l("Pilih satu atau dua penilai per peserta.")),
        ],
    )
    avoid_same_office = BooleanField(
        _l("Hindari widyaiswara dari unit kerja yang sama dengan peserta"), default=True
    )
    only_unallocated = BooleanField(
        _l("Pertahankan penilai yang sudah ada; isi yang kosong saja"),
        description=_l(
            "Bila tidak dicentang, semua peserta dibagi ulang; widyaiswara yang sudah mulai "
            "menilai tetap menjadi penilai."
        ),
        default=True,
    )


# --- an assignment's grading settings ------------------------------------------------------------

NO_LEAD = 0


def _person_id(value: Any) -> int:
    """A person's id from the select; anything else becomes -1 (refused with a message)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class PointsField(FloatField):
    """A number of points: "7,5" and "7.5" alike, shown without a needless ".0"."""

    widget = TextInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return rubric_content.number_text(self.data)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = str(valuelist[0]).strip()
        if not text:
            self.data = None
            return
        try:
            self.data = rubric_content.parse_number(text)
        except ValueError as exc:
            self.data = None
            raise ValueError(self.invalid_value_message) from exc


def _person_label(person: User) -> str:
    return f"{person.full_name} ({person.nip_display})" if person.nip else person.full_name


class GradingSettingsForm(FlaskForm):
    blind = BooleanField(
        _l("Penilaian tanpa nama (blind marking)"),
        description=_l(
            "Widyaiswara melihat kode, bukan nama dan instansi peserta, di halaman penilaian."
        ),
    )
    tolerance = PointsField(
        _l("Toleransi selisih nilai dua penilai (poin, skala 0–100)"),
        description=_l(
            "Bila dua penilai berbeda lebih dari ini, nilai ditandai untuk rekonsiliasi."
        ),
        invalid_value_message=_l("Isi toleransi dengan angka, misalnya 10 atau 7,5."),
        validators=[
            InputRequired(_l("Isi toleransi (boleh 0).")),
            NumberRange(min=0, max=100, message=_l("Toleransi antara 0 dan 100 poin.")),
        ],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    lead_trainer = SelectField(
        _l("Widyaiswara penanggung jawab"),
        description=_l("Merekonsiliasi nilai yang ditandai dan merilis nilai, selain panitia."),
        choices=[],
        coerce=_person_id,
        validate_choice=False,
    )
    #: The grading plan's row version when the page was shown (0: no plan yet).
    lock = LockField()

    trainer_ids: set[int]

    @classmethod
    def for_plan(
        cls, assignment: Any, plan: Any | None, trainers: Sequence[User], **kwargs: Any
    ) -> GradingSettingsForm:
        """The settings of ``assignment`` (``plan``: None until grading touched it); only one
        of ``trainers`` (the cohort's) may lead."""
        lead_id = plan.lead_trainer_id if plan is not None else None
        form = cls(
            blind=assignment.blind_marking,
            tolerance=plan.tolerance if plan is not None else DEFAULT_TOLERANCE,
            lead_trainer=lead_id or NO_LEAD,
            lock=plan.lock_version if plan is not None else 0,
            **kwargs,
        )
        form.trainer_ids = {t.id for t in trainers}
        choices = [SelectChoice(NO_LEAD, _("— tidak ada —"))]
        choices += [SelectChoice(t.id, _person_label(t)) for t in trainers]
        if lead_id and lead_id not in form.trainer_ids and plan.lead_trainer is not None:
            # Shown so that the page tells the truth; saving it is refused with a message.
            label = _(
                "%(name)s (bukan lagi widyaiswara kelas ini)", name=plan.lead_trainer.full_name
            )
            choices.append(SelectChoice(lead_id, label))
        form.lead_trainer.choices = choices
        return form

    def validate_lead_trainer(self, field: Field) -> None:
        if field.data != NO_LEAD and field.data not in self.trainer_ids:
            raise ValidationError(_l("Pilih salah satu widyaiswara kelas ini."))

    @property
    def lead_trainer_id(self) -> int | None:
        return None if self.lead_trainer.data == NO_LEAD else self.lead_trainer.data


# --- the rubric copy ----------------------------------------------------------------------------


class RubricForm(FlaskForm):
    """The edit form of a cohort's rubric copy: ``title``, ``pass_mark``, ``band-<i>-label``
    and ``band-<i>-min``, per criterion ``criterion-<key>-title`` and ``-weight``, per level
    ``level-<key>-<i>-points``, ``-title`` and ``-descriptor``, as typed; checked by
    :func:`lms.grading.rubric_content.read_content`. A field not sent keeps its value. Build
    the class with :meth:`for_rubric`."""

    rubric: Rubric

    title = StringField()
    pass_mark = StringField()
    #: The copy's content hash when the page was shown.
    lock = HiddenField()

    @classmethod
    def for_rubric(cls, rubric: Rubric) -> type[RubricForm]:
        fields: dict[str, Any] = {"rubric": rubric}
        for i in range(rubric_content.MAX_BANDS):
            fields[f"band-{i}-label"] = StringField()
            fields[f"band-{i}-min"] = StringField()
        for criterion in rubric.criteria:
            key = criterion.key
            fields[f"criterion-{key}-title"] = StringField()
            fields[f"criterion-{key}-weight"] = StringField()
            for i, _level in enumerate(criterion.levels):
                for part in ("points", "title", "descriptor"):
                    fields[f"level-{key}-{i}-{part}"] = StringField()
        return type(cls.__name__, (cls,), fields)

    def sent(self) -> dict[str, str]:
        """The rubric's fields the browser sent (what the organizer changed or kept)."""
        return {
            name: str(field.data or "")
            for name, field in self._fields.items()
            if name not in ("csrf_token", "lock") and field.raw_data
        }

    def shown(self) -> dict[str, str]:
        """What the fields show: the rubric's values, as last typed."""
        return {**rubric_content.rubric_values(self.rubric), **self.sent()}

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        _content, errors = rubric_content.read_content(self.rubric, self.sent())
        for name, messages in errors.items():
            self[name].errors = [*self[name].errors, *messages]
        return valid and not errors
