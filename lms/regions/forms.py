"""Every form of the regions module, and the labels of its codes (roles, kinds)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from lms.extensions import db
from lms.imports import ImportSizeCheck, import_file_field
from lms.lazytext import lazy_gettext as _l
from lms.regions.models import OFFICE_KINDS, REGION_KINDS, REGION_ROLES, Office, Region


def role_labels() -> dict[str, Any]:
    return {
        "coordinator": _l("Koordinator"),
        "office_operator": _l("Operator OPD"),
        "mentor": _l("Pendamping"),
        "leader": _l("Pimpinan"),
    }


def region_kind_labels() -> dict[str, Any]:
    return {"kabupaten": _l("Kabupaten"), "kota": _l("Kota"), "provinsi": _l("Provinsi")}


def office_kind_labels() -> dict[str, Any]:
    return {
        "sekretariat": _l("Sekretariat"),
        "dinas": _l("Dinas"),
        "badan": _l("Badan"),
        "kantor": _l("Kantor"),
        "inspektorat": _l("Inspektorat"),
        "kecamatan": _l("Kecamatan"),
        "kelurahan": _l("Kelurahan"),
        "puskesmas": _l("Puskesmas"),
        "rsud": _l("Rumah sakit daerah (RSUD)"),
        "sekolah": _l("Sekolah"),
        "uptd": _l("UPTD"),
        "lainnya": _l("Lainnya"),
    }


class Labels:
    """What templates call ``region_labels``: a code's label in the current language."""

    @staticmethod
    def role(code: str) -> str:
        return str(role_labels().get(code, code))

    @staticmethod
    def region_kind(code: str) -> str:
        return str(region_kind_labels().get(code, code))

    @staticmethod
    def office_kind(code: str) -> str:
        return str(office_kind_labels().get(code, code))


def optional_id(value: Any) -> int | None:
    """A select's value as an id; the empty choice is None."""
    if value in (None, ""):
        return None
    return int(value)


#: For a choice the page did not offer (a stale page, a crafted request).
_UNAVAILABLE = _l("Pilihan ini tidak tersedia. Muat ulang halaman, lalu pilih lagi.")


def id_select(label: Any = None, **kwargs: Any) -> SelectField:
    """A choice of a stored row by id; the empty choice is None."""
    return SelectField(
        label,
        coerce=optional_id,
        default=None,
        invalid_value_message=_UNAVAILABLE,
        invalid_choice_message=_UNAVAILABLE,
        **kwargs,
    )


def choice(label: Any, **kwargs: Any) -> SelectField:
    return SelectField(label, invalid_choice_message=_UNAVAILABLE, **kwargs)


def _timezone_choices() -> list[SelectChoice]:
    # Imported here: lms.cohorts.forms imports this module for the region choice.
    from lms.cohorts.forms import timezone_choices

    return timezone_choices()


def region_choices() -> list[SelectChoice]:
    """Every region for admins; for others the regions they coordinate (the class's own
    region stays in the list through the form's current value)."""
    from flask import g
    from flask_login import current_user

    from lms.regions.models import RegionMembership

    stmt = db.select(Region.id, Region.name, Region.code).order_by(Region.name)
    if not getattr(current_user, "is_admin", False):
        mine = db.select(RegionMembership.region_id).filter_by(
            user_id=getattr(current_user, "id", None), role="coordinator"
        )
        current = getattr(g.get("cohort"), "region_id", None)
        stmt = stmt.where(Region.id.in_(mine) | (Region.id == current))
    regions = db.session.execute(stmt)
    return [SelectChoice("", _l("— tidak terkait daerah —"))] + [
        SelectChoice(str(id_), f"{name} ({code})") for id_, name, code in regions
    ]


def region_select() -> SelectField:
    """The class form's choice of the region the class belongs to."""
    return id_select(
        _l("Daerah"),
        description=_l("Hasil kelas ikut dalam data inovasi daerah ini."),
        choices=region_choices,
    )


def _strip(value: Any) -> Any:
    return " ".join(value.split()) if isinstance(value, str) else value


class RegionForm(FlaskForm):
    code = StringField(
        _l("Kode daerah"),
        description=_l("Kode wilayah Kemendagri/BPS, misalnya 7307. Dipakai di alamat halaman."),
        validators=[
            InputRequired(_l("Isi kode daerah.")),
            Length(max=20, message=_l("Kode daerah paling banyak 20 karakter.")),
            Regexp(
                r"^[0-9A-Za-z][0-9A-Za-z.-]*$",
                message=_l("Kode hanya boleh huruf, angka, titik dan tanda hubung."),
            ),
        ],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    name = StringField(
        _l("Nama daerah"),
        description=_l("Misalnya Kabupaten Sinjai."),
        validators=[InputRequired(_l("Isi nama daerah.")), Length(max=200)],
        filters=[_strip],
    )
    kind = choice(
        _l("Jenis"),
        choices=lambda: [SelectChoice(k, region_kind_labels()[k]) for k in REGION_KINDS],
        default="kabupaten",
    )
    province = StringField(
        _l("Provinsi"), validators=[Length(max=200)], filters=[_strip], default=""
    )
    parent_id = id_select(
        _l("Di bawah provinsi"),
        description=_l("Bila satu instalasi melayani provinsi dan kabupaten/kotanya."),
    )
    timezone = choice(_l("Zona waktu"), choices=_timezone_choices)
    agency_name = StringField(
        _l("Badan yang mengelola inovasi daerah"),
        description=_l(
            "Nama lengkap, misalnya Badan Perencanaan Pembangunan, Penelitian dan "
            "Pengembangan Daerah Kabupaten Sinjai."
        ),
        validators=[Length(max=300)],
        filters=[_strip],
        default="",
    )

    def __init__(self, *args: Any, region: Region | None = None, **kwargs: Any) -> None:
        super().__init__(*args, obj=region, **kwargs)
        provinces = db.select(Region.id, Region.name).filter_by(kind="provinsi")
        if region is not None:
            provinces = provinces.where(Region.id != region.id)
        self.parent_id.choices = [SelectChoice("", _l("— tidak ada —"))] + [
            SelectChoice(str(id_), name)
            for id_, name in db.session.execute(provinces.order_by(Region.name))
        ]


class OfficeForm(FlaskForm):
    name = StringField(
        _l("Nama perangkat daerah"),
        description=_l("Nama lengkap, misalnya Dinas Kesehatan."),
        validators=[
            InputRequired(_l("Isi nama perangkat daerah.")),
            Length(max=200, message=_l("Nama paling banyak 200 karakter.")),
        ],
        filters=[_strip],
    )
    acronym = StringField(
        _l("Singkatan"),
        description=_l("Misalnya Dinkes. Dipakai untuk mencocokkan unit kerja peserta."),
        validators=[Length(max=40, message=_l("Singkatan paling banyak 40 karakter."))],
        filters=[_strip],
        default="",
    )
    kind = choice(
        _l("Jenis"),
        choices=lambda: [SelectChoice(k, office_kind_labels()[k]) for k in OFFICE_KINDS],
        default="dinas",
    )
    parent_id = id_select(
        _l("Induk"),
        description=_l("Kecamatan, puskesmas, sekolah dan UPTD berada di bawah perangkat daerah."),
    )

    def __init__(
        self, *args: Any, region: Region, office: Office | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, obj=office, **kwargs)
        self.parent_id.choices = [SelectChoice("", _l("— tidak ada —"))] + [
            SelectChoice(str(o.id), o.label)
            for o in region.offices
            # A deactivated parent stays offered to the offices already under it.
            if (o.active or (office is not None and o.id == office.parent_id))
            and (office is None or o.id != office.id)
        ]


class OfficeImportForm(ImportSizeCheck, FlaskForm):
    file = import_file_field(
        _l(
            "Kolom: nama, singkatan, jenis, induk. Pemisah koma atau titik koma. "
            "Hanya nama yang wajib."
        )
    )


def office_choices(region: Region, empty: Any) -> list[SelectChoice]:
    return [SelectChoice("", empty)] + [
        SelectChoice(str(o.id), o.label) for o in region.offices if o.active
    ]


class RoleAddForm(FlaskForm):
    identifier = StringField(
        _l("Email atau NIP"),
        validators=[InputRequired(_l("Isi email atau NIP orang itu.")), Length(max=254)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    full_name = StringField(
        _l("Nama lengkap dengan gelar"),
        description=_l("Isi hanya bila orang itu belum punya akun: akun baru dibuat dengan email."),
        validators=[Optional(), Length(max=200)],
        filters=[_strip],
    )
    role = choice(
        _l("Peran di daerah"),
        choices=lambda: [SelectChoice(r, role_labels()[r]) for r in REGION_ROLES],
        default="office_operator",
    )
    office_id = id_select(
        _l("Perangkat daerah"),
        description=_l("Wajib untuk operator OPD: ia bertindak untuk perangkat daerah ini saja."),
    )

    def __init__(self, *args: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.office_id.choices = office_choices(region, _l("— pilih perangkat daerah —"))

    def validate_office_id(self, field: SelectField) -> None:
        if self.role.data == "office_operator" and field.data is None:
            raise ValidationError(_l("Pilih perangkat daerah untuk operator OPD."))


class MatchRowForm(Form):
    """One free-text office of the region's people and the office it stands for."""

    key = HiddenField()
    office_id = id_select()


class MatchForm(FlaskForm):
    rows = FieldList(FormField(MatchRowForm), max_entries=2000)

    @classmethod
    def for_region(cls, region: Region, rows: list[dict[str, Any]] | None = None) -> MatchForm:
        """Bound to the request on POST; on GET filled with ``rows`` (key, office_id)."""
        form = cls(data={"rows": rows} if rows is not None else None)
        choices = office_choices(region, _l("— biarkan dulu —"))
        for entry in form.rows:
            entry.form.office_id.choices = choices
        return form
