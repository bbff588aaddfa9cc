"""The token form of the profile page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from lms.api import permissions
from lms.lazytext import lazy_gettext as _l


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _lifetimes() -> list[SelectChoice]:
    return [SelectChoice(days, str(_l("%(n)d hari", n=days))) for days in permissions.LIFETIME_DAYS]


def _scopes() -> list[SelectChoice]:
    return [SelectChoice(scope, str(label)) for scope, label in permissions.SCOPES.items()]


class TokenForm(FlaskForm):
    """Its fields are prefixed (``token-name``...): it shares the profile page."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "token")
        super().__init__(*args, **kwargs)

    name = StringField(
        _l("Nama token"),
        validators=[
            InputRequired(_l("Beri nama token, misalnya nama aplikasinya.")),
            Length(max=100),
        ],
        description=_l("Untuk mengenalinya nanti, misalnya \u201cAplikasi presensi\u201d."),
    )
    scopes = _Checkboxes(
        _l("Izin token"),
        choices=_scopes,
        validators=[InputRequired(_l("Pilih sekurang-kurangnya satu izin."))],
        description=_l(
            "Token hanya dapat melakukan yang diizinkan di sini, dan hanya di kelas dan daerah "
            "tempat Anda berperan."
        ),
    )
    days = SelectField(
        _l("Berlaku selama"),
        coerce=int,
        choices=_lifetimes,
        default=permissions.LIFETIME_DAYS[0],
    )
