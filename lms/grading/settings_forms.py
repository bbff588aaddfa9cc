"""Forms of an assignment's grading settings: blind marking, the double-marking tolerance,
the lead trainer; and reading the rubric edit form (its fields follow the rubric's criteria,
so it is read from the request and checked by :func:`lms.grading.rubric_copy.update_rubric`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, FloatField, HiddenField, SelectField
from wtforms.validators import InputRequired, NumberRange, ValidationError
from wtforms.widgets import TextInput

from lms.grading import rubric_copy

NO_LEAD = 0


def _id(value: Any) -> int:
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
        return rubric_copy.number_text(self.data)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = str(valuelist[0]).strip()
        if not text:
            self.data = None
            return
        try:
            self.data = rubric_copy.parse_number(text)
        except ValueError as exc:
            self.data = None
            raise ValueError(self.invalid_value_message) from exc


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
        _l("Widyaiswara utama"),
        description=_l("Merekonsiliasi nilai yang ditandai dan merilis nilai, selain panitia."),
        choices=[],
        coerce=_id,
        validate_choice=False,
    )
    #: The grading plan's row version when the page was shown ("0": no plan yet).
    lock = HiddenField()

    def __init__(self, *args: Any, trainer_ids: set[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Ids of the cohort's trainers: the only people who may lead.
        self.trainer_ids = trainer_ids or set()

    def validate_lead_trainer(self, field: Field) -> None:
        if field.data != NO_LEAD and field.data not in self.trainer_ids:
            raise ValidationError(_l("Pilih salah satu widyaiswara kelas ini."))

    @property
    def lead_trainer_id(self) -> int | None:
        return None if self.lead_trainer.data == NO_LEAD else self.lead_trainer.data


def rubric_form_data(formdata: Mapping[str, Any]) -> dict[str, str]:
    """The rubric fields of a submitted edit form (everything but the CSRF token and lock)."""
    prefixes = ("band-", "criterion-", "level-")
    return {
        name: str(formdata.get(name, ""))
        for name in formdata
        if name in ("title", "pass_mark") or name.startswith(prefixes)
    }
