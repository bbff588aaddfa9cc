from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TelField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, ValidationError

from lms.accounts.civil_service import RANKS, NIPError, parse_nip

MIN_PASSWORD = 8


def rank_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("— tidak ada / bukan ASN —"))] + [
        SelectChoice(code, f"{code} — {name}") for code, name in RANKS
    ]


def locale_choices() -> list[SelectChoice]:
    return [SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")]


class NIPField(StringField):
    """Accepts spaces; ``data`` becomes 18 digits (or None when left empty)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.raw = (self.data or "").strip()
        self.data = self.raw or None

    def pre_validate(self, form):
        if self.data:
            try:
                self.data = parse_nip(self.data).digits
            except NIPError as exc:
                raise ValidationError(str(exc)) from None


class LoginForm(FlaskForm):
    identifier = StringField(
        _l("Email atau NIP"), validators=[InputRequired(_l("Isi email atau NIP."))]
    )
    password = PasswordField(_l("Kata sandi"), validators=[InputRequired(_l("Isi kata sandi."))])
    remember = BooleanField(_l("Ingat saya di perangkat ini"))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Kata sandi sekarang"), validators=[InputRequired(_l("Isi kata sandi sekarang."))]
    )
    new_password = PasswordField(
        _l("Kata sandi baru"),
        validators=[
            InputRequired(_l("Isi kata sandi baru.")),
            Length(min=MIN_PASSWORD, message=_l("Kata sandi minimal %(min)d karakter.")),
        ],
    )
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[
            InputRequired(_l("Ulangi kata sandi baru.")),
            EqualTo("new_password", _l("Kedua kata sandi baru tidak sama.")),
        ],
    )


class ProfileFieldsMixin:
    full_name = StringField(
        _l("Nama lengkap dengan gelar"),
        validators=[InputRequired(_l("Isi nama lengkap.")), Length(max=200)],
    )
    nip = NIPField(
        _l("NIP"),
        description=_l("18 angka; boleh dengan spasi. Kosongkan bila bukan ASN."),
        validators=[Optional()],
    )
    rank = SelectField(_l("Pangkat/golongan"), choices=rank_choices, validators=[Optional()])
    position = StringField(_l("Jabatan"), validators=[Length(max=200)])
    office = StringField(_l("Perangkat daerah / unit kerja"), validators=[Length(max=200)])
    phone = TelField(_l("Telepon"), validators=[Length(max=30)])


class ProfileForm(ProfileFieldsMixin, FlaskForm):
    locale = SelectField(_l("Bahasa"), choices=locale_choices)


def email_field() -> EmailField:
    return EmailField(
        _l("Email"),
        validators=[
            InputRequired(_l("Isi email.")),
            Email(_l("Alamat email tidak sah."), check_deliverability=False),
            Length(max=254),
        ],
    )


class UserCreateForm(ProfileFieldsMixin, FlaskForm):
    email = email_field()
    password = PasswordField(
        _l("Kata sandi awal"),
        validators=[
            InputRequired(_l("Isi kata sandi awal.")),
            Length(min=MIN_PASSWORD, message=_l("Kata sandi minimal %(min)d karakter.")),
        ],
    )
    is_admin = BooleanField(_l("Admin (mengelola seluruh aplikasi)"))
