"""The catalog's forms: a class's choice and order of courses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import Optional, Regexp, ValidationError

from lms.lazytext import lazy_gettext as _l


class _CourseChoice(SelectMultipleField):
    def pre_validate(self, form: Any) -> None:
        known = {value for value, _label in self.choices or ()}
        if any(value not in known for value in self.data or ()):
            raise ValidationError(_l("Mata pelatihan tidak dikenal."))

    def process_formdata(self, valuelist: list[str]) -> None:
        # A value that is not a number is an unknown course, not a crash.
        self.data = [int(v) if v.isdigit() else -1 for v in valuelist]


class CohortCoursesForm(FlaskForm):
    """Ticked courses (``course``, many) and their order (``order-<course id>``)."""

    course = _CourseChoice()

    @classmethod
    def for_courses(cls, courses: Sequence[Any], **kwargs: Any) -> CohortCoursesForm:
        fields = {
            f"order-{c.id}": StringField(
                validators=[Optional(), Regexp(r"^\d+$", message=_l("Urutan harus berupa angka."))]
            )
            for c in courses
        }
        form = type("CohortCoursesForm", (cls,), fields)(**kwargs)
        form.course.choices = [(c.id, c.title) for c in courses]
        return form

    def ordered_ids(self) -> list[int]:
        """The ticked courses by their typed order; those without one last, as ticked."""
        picked = []
        for position, course_id in enumerate(self.course.data or ()):
            order = self[f"order-{course_id}"].data
            picked.append((int(order) if order else 999, position, course_id))
        return [course_id for _order, _position, course_id in sorted(picked)]

    def positions(self) -> dict[int, int]:
        """What the page shows ticked again after a refused save."""
        return {c: i for i, c in enumerate(self.course.data or (), 1) if c > 0}

    def problems(self) -> list[str]:
        return [str(e) for errors in self.errors.values() for e in errors]
