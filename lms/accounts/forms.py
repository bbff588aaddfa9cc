"""Account forms: login, password, profile and the admin's new account; the profile fields
(status, NIP or NI PPPK, rank, sex, phone) shared with the member-add form."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TelField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, ValidationError

from lms.accounts.civil_service import (
    PNS_RANKS,
    PPPK_GRADES,
    STATUSES,
    NIPError,
    PhoneError,
    normalize_phone,
    parse_nip,
    parse_number,
    rank_problem,
    rank_status,
    sex_of,
    sex_problem,
    status_label,
)
from lms.lazytext import lazy_gettext as _l

MIN_PASSWORD = 8


def rank_choices(status: str | None = None) -> list[SelectChoice]:
    """The choices of a rank select: a blank first, then the PNS pangkat/golongan and the PPPK
    golongan (each in its group when both are offered). The one list every form uses."""
    both = status is None
    pns_group = _l("PNS: pangkat/golongan") if both else None
    pppk_group = _l("PPPK: golongan") if both else None
    choices = [SelectChoice("", _l("— pilih —"))]
    if status in (None, "pns"):
        choices += [
            SelectChoice(code, f"{code} — {name}", optgroup=pns_group) for code, name in PNS_RANKS
        ]
    if status in (None, "pppk"):
        choices += [
            SelectChoice(code, f"Golongan {code}", optgroup=pppk_group) for code in PPPK_GRADES
        ]
    return choices


def status_choices() -> list[SelectChoice]:
    return [SelectChoice(code, status_label(code)) for code in STATUSES]


def status_or_inferred_choices() -> list[SelectChoice]:
    """For a new person: left blank, the status is read from the number (see
    :meth:`ProfileFieldsMixin.validate`)."""
    return [SelectChoice("", _l("— tentukan dari NIP/NI PPPK —")), *status_choices()]


def sex_choices() -> list[SelectChoice]:
    return [
        SelectChoice("", _l("— pilih —")),
        SelectChoice("L", _l("Laki-laki (L)")),
        SelectChoice("P", _l("Perempuan (P)")),
    ]


def locale_choices() -> list[SelectChoice]:
    return [SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")]


class NIPField(StringField):
    """An 18-digit number typed with or without spaces, digits of any script read as ASCII;
    ``data`` becomes the digits (or None when left empty).

    Checked as a PNS's NIP, unless ``status_from(form)`` gives the person's status ("pppk":
    a NI PPPK; None: inferred from the number).
    """

    def __init__(self, label=None, validators=None, *, status_from=None, **kwargs: Any):
        super().__init__(label, validators, **kwargs)
        self.status_from = status_from

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.raw = (self.data or "").strip()
        self.data = self.raw or None

    def _value(self) -> str:
        # After a refusal the field shows what was typed, not a half-normalised number.
        return self.raw if self.errors and getattr(self, "raw", None) else super()._value()

    def pre_validate(self, form):
        if not self.data:
            return
        try:
            if self.status_from is None:
                self.data = parse_nip(self.data).digits
            else:
                number = parse_number(self.data, self.status_from(form))
                self.data = number.digits if number is not None else None
        except NIPError as exc:
            raise ValidationError(str(exc)) from None


class PhoneField(TelField):
    """A phone number; digits of any script are stored as ASCII 0-9."""

    def pre_validate(self, form):
        try:
            self.data = normalize_phone(self.data)
        except PhoneError as exc:
            raise ValidationError(str(exc)) from None


class AdminToggleForm(FlaskForm):
    """The users list's button: make the person an admin ("1") or no longer one."""

    make_admin = HiddenField()

    @property
    def wanted(self) -> bool:
        return self.make_admin.data == "1"


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
    """The fields of a person's profile; :meth:`validate` checks that status, number, rank and
    sex fit together (and fills a status left blank from the number or the rank)."""

    full_name = StringField(
        _l("Nama lengkap dengan gelar"),
        validators=[InputRequired(_l("Isi nama lengkap.")), Length(max=200)],
    )
    employment_status = SelectField(
        _l("Status kepegawaian"),
        choices=status_or_inferred_choices,
        description=_l(
            "PNS punya NIP, PPPK punya NI PPPK; non-ASN (masyarakat, akademisi, mitra swasta) "
            "tidak punya nomor."
        ),
        validators=[Optional()],
    )
    nip = NIPField(
        _l("NIP / NI PPPK"),
        description=_l("18 angka; boleh dengan spasi. Kosongkan untuk non-ASN."),
        validators=[Optional()],
        status_from=lambda form: form.employment_status.data or None,
    )
    rank = SelectField(
        _l("Pangkat/golongan"),
        choices=rank_choices,
        description=_l("PPPK: golongan I–XVII. Non-ASN: biarkan kosong."),
        validators=[Optional()],
    )
    sex = SelectField(
        _l("Jenis kelamin"),
        choices=sex_choices,
        description=_l("Untuk kolom L/P daftar hadir."),
        validators=[Optional()],
    )
    position = StringField(_l("Jabatan"), validators=[Length(max=200)])
    office = StringField(_l("Perangkat daerah / unit kerja"), validators=[Length(max=200)])
    phone = PhoneField(_l("Telepon"), validators=[Length(max=30)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)  # type: ignore[misc]
        if self.employment_status.errors or self.nip.errors:
            return False
        status = self.employment_status.data or None
        if status is None:
            number = parse_number(self.nip.data, None) if self.nip.data else None
            status = number.status if number else rank_status(self.rank.data) or "non_asn"
            self.employment_status.data = status
        problems = {
            self.rank: rank_problem(status, self.rank.data or None),
            self.sex: sex_problem(status, self.nip.data, self.sex.data or None),
        }
        for field, message in problems.items():
            if message:
                field.errors.append(message)
                valid = False
        return valid


class ProfileForm(ProfileFieldsMixin, FlaskForm):
    employment_status = SelectField(
        _l("Status kepegawaian"),
        choices=status_choices,
        description=ProfileFieldsMixin.employment_status.kwargs["description"],
        validators=[Optional()],
    )
    locale = SelectField(_l("Bahasa"), choices=locale_choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = kwargs.get("obj")
        if person is not None and not self.is_submitted() and not person.sex:
            # Shown as read from the NIP; saved once the person saves the profile.
            self.sex.data = sex_of(person) or ""


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
