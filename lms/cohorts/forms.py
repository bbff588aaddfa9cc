from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from lms.accounts.civil_service import normalize_rank
from lms.accounts.forms import NIPField, ProfileFieldsMixin, email_field, rank_choices
from lms.imports import ImportSizeCheck, import_file_field
from lms.lazytext import lazy_gettext as _l
from lms.regions.forms import region_select


def timezone_choices() -> list[SelectChoice]:
    return [
        SelectChoice("Asia/Jakarta", _l("WIB — Asia/Jakarta")),
        SelectChoice("Asia/Makassar", _l("WITA — Asia/Makassar")),
        SelectChoice("Asia/Jayapura", _l("WIT — Asia/Jayapura")),
    ]


def role_choices() -> list[SelectChoice]:
    return [
        SelectChoice("participant", _l("Peserta")),
        SelectChoice("trainer", _l("Widyaiswara")),
        SelectChoice("organizer", _l("Panitia")),
    ]


def state_choices() -> list[SelectChoice]:
    return [
        SelectChoice("draft", _l("Draf")),
        SelectChoice("open", _l("Berjalan")),
        SelectChoice("finished", _l("Selesai")),
    ]


class CohortForm(FlaskForm):
    name = StringField(
        _l("Nama kelas"), validators=[InputRequired(_l("Isi nama kelas.")), Length(max=200)]
    )
    code = StringField(
        _l("Kode kelas"),
        description=_l("Huruf besar, angka dan tanda hubung, misalnya KIT-2023-I."),
        validators=[
            InputRequired(_l("Isi kode kelas.")),
            Length(max=40),
            Regexp(
                r"^[A-Z0-9][A-Z0-9-]*$",
                message=_l("Kode hanya boleh huruf besar, angka dan tanda hubung."),
            ),
        ],
        filters=[lambda v: v.strip().upper() if isinstance(v, str) else v],
    )
    description = TextAreaField(_l("Deskripsi"), validators=[Length(max=5000)])
    venue = StringField(_l("Tempat"), validators=[Length(max=200)])
    organized_by = StringField(
        _l("Penyelenggara"),
        description=_l(
            "Nama lengkap instansi, dicetak di sertifikat: “Diselenggarakan oleh …”, misalnya "
            "Badan Perencanaan Pembangunan, Penelitian dan Pengembangan Daerah Kabupaten Sinjai."
        ),
        validators=[Length(max=300, message=_l("Nama penyelenggara paling panjang 300 karakter."))],
        filters=[lambda v: " ".join((v or "").split())],
    )
    start_date = DateField(
        _l("Tanggal mulai"), validators=[InputRequired(_l("Isi tanggal mulai."))]
    )
    end_date = DateField(
        _l("Tanggal selesai"), validators=[InputRequired(_l("Isi tanggal selesai."))]
    )
    timezone = SelectField(_l("Zona waktu"), choices=timezone_choices)
    jp_total = IntegerField(
        _l("Jumlah JP"),
        default=0,
        validators=[
            InputRequired(_l("Isi jumlah JP (boleh 0).")),
            NumberRange(min=0, max=1000, message=_l("JP harus antara 0 dan 1000.")),
        ],
    )
    state = SelectField(_l("Status"), choices=state_choices, default="draft")
    locale = SelectField(
        _l("Bahasa daftar hadir dan ekspor"),
        choices=lambda: [SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")],
        default="id",
    )
    excused_counts_as_attended = BooleanField(
        _l("Izin dan Sakit dihitung hadir dalam persentase kehadiran")
    )
    # The optional columns of the daftar hadir and the attendance XLSX (lms.attendance.columns).
    list_position = BooleanField(_l("Jabatan"))
    list_rank = BooleanField(_l("Pangkat/Gol."))
    list_sex = BooleanField(
        _l("L/P (laki-laki/perempuan)"),
        description=_l(
            "Dari jenis kelamin di profil peserta; bila kosong, dari angka ke-15 NIP atau NI PPPK."
        ),
    )
    signer_name = StringField(
        _l("Nama pejabat penanda tangan"),
        description=_l("Untuk daftar hadir dan sertifikat, dengan gelar."),
        validators=[Length(max=200)],
    )
    signer_title = StringField(_l("Jabatan pejabat penanda tangan"), validators=[Length(max=200)])
    signer_rank = SelectField(
        _l("Pangkat/golongan pejabat penanda tangan"),
        choices=rank_choices,
        default="",
        validate_choice=False,  # checked against the rank list below, with our own message
        filters=[lambda v: v or ""],
    )
    signer_nip = NIPField(_l("NIP pejabat penanda tangan"), validators=[Optional()])
    region_id = region_select()

    def validate_signer_rank(self, field):
        if field.data and normalize_rank(field.data) != field.data:
            raise ValidationError(_l("Pilih pangkat/golongan dari daftar."))

    def validate_end_date(self, field):
        if self.start_date.data and field.data and field.data < self.start_date.data:
            raise ValidationError(_l("Tanggal selesai tidak boleh sebelum tanggal mulai."))


class MemberAddForm(ProfileFieldsMixin, FlaskForm):
    email = email_field()
    role = SelectField(_l("Peran"), choices=role_choices, default="participant")


class RoleForm(FlaskForm):
    role = SelectField(_l("Peran"), choices=role_choices)


class ImportForm(ImportSizeCheck, FlaskForm):
    file = import_file_field(
        _l(
            "Kolom: nama, email, status, NIP, pangkat, L/P, jabatan, unit kerja, telepon, "
            "peran. "
            "Pemisah koma atau titik koma."
        )
    )
