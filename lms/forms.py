"""Forms every module uses."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_wtf import FlaskForm

from lms.errors import DomainError


class ConfirmForm(FlaskForm):
    """A button-only form: CSRF token and nothing else."""


def show_problem(problem: DomainError | None, form: Any = None) -> None:
    """Put a refused action's messages next to the form's fields; flash the rest, so the page
    rendered now shows it."""
    if problem is None:
        return
    rest = problem.place(form) if form is not None else problem.message
    if rest:
        flash(rest, "error")
