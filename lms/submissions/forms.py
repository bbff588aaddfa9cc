"""The participant's work form, built from the fields of the assignment's kind.

Nothing here stops a draft from being saved: the fields have no validators (only the CSRF
token is checked). The rules of a submission live in ``operations.validate`` and their
messages are put next to the fields by the view.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import DateInput

from lms import storage
from lms.submissions.fields import DEFAULT_MIN_WORDS, FIELDS_BY_KIND, PP38_CRITERIA, Field

#: Attachments a participant may add to a proposal, text or file assignment.
ATTACHMENT_KINDS = frozenset({"pdf", "docx", "xlsx", "pptx", "jpeg", "png"})
#: Kinds the work page handles itself (videos have their own page).
WORK_KINDS = ("proposal", "text", "file")
#: Names a pack may use in ``allowed_types`` for the kinds of lms.storage.
_TYPE_ALIASES = {"jpg": "jpeg", "jpeg": "jpeg"}


def min_words(spec: Any) -> dict[str, int]:
    """Field key -> minimum number of words, as ``operations.validate`` checks them."""
    settings = spec.settings or {}
    return dict(settings.get("min_words") or DEFAULT_MIN_WORDS.get(spec.kind, {}))


def required_fields(spec: Any) -> set[str]:
    return set((spec.settings or {}).get("required_fields") or [])


def attachment_kinds(spec: Any) -> frozenset[str]:
    """The pack's ``allowed_types`` (within the attachment kinds), else all attachment kinds."""
    wanted = (spec.settings or {}).get("allowed_types") or []
    chosen = set()
    for name in wanted if isinstance(wanted, list) else []:
        name = str(name).strip().lower().lstrip(".")
        chosen.add(_TYPE_ALIASES.get(name, name))
    return frozenset(chosen & ATTACHMENT_KINDS) or ATTACHMENT_KINDS


def attachment_max_bytes() -> int:
    return int(current_app.config["LMS_ATTACHMENT_MAX_BYTES"])


def check_name(key: str) -> str:
    """The form field of one PP 38 criterion."""
    return f"check_{key}"


class _WorkFormBase(FlaskForm):
    #: The draft's lock version when the page was shown ("" when there was no draft yet).
    lock_version = HiddenField()
    attachments = MultipleFileField(_l("Tambah lampiran (boleh kosong)"))
    statement = BooleanField(_l("Saya menyatakan bahwa karya ini adalah karya saya sendiri"))
    save = SubmitField(_l("Simpan draf"))
    send = SubmitField(_l("Kirim"))


def _form_field(field: Field) -> Any:
    if field.kind == "choice":
        return SelectField(
            field.label,
            choices=[
                SelectChoice("", _l("— Pilih —")),
                *(SelectChoice(value, label) for value, label in field.choices),
            ],
            validate_choice=False,
            default="",
        )
    if field.kind == "date":
        return StringField(field.label, widget=DateInput(), default="")
    if field.kind == "markdown":
        return TextAreaField(field.label, default="")
    return StringField(field.label, default="")


def work_form_class(spec: Any) -> type[FlaskForm]:
    """A form class with the fields of ``spec.kind`` (and the PP 38 self-check for proposals)."""
    attrs: dict[str, Any] = {}
    for field in FIELDS_BY_KIND.get(spec.kind, ()):
        attrs[field.key] = _form_field(field)
    if spec.kind == "proposal":
        for key, label in PP38_CRITERIA:
            attrs[check_name(key)] = BooleanField(label)
    return type("WorkForm", (_WorkFormBase,), attrs)


def work_form(spec: Any, *, draft: dict[str, Any] | None = None, **kwargs: Any) -> FlaskForm:
    """The posted form on POST; on GET the form filled from the saved draft."""
    values = {k: v for k, v in (draft or {}).items() if isinstance(v, str)}
    return work_form_class(spec)(data=values, **kwargs)


def posted_fields(form: FlaskForm, spec: Any) -> dict[str, Any]:
    return {f.key: form[f.key].data or "" for f in FIELDS_BY_KIND.get(spec.kind, ())}


def posted_self_check(form: FlaskForm, spec: Any) -> dict[str, bool]:
    if spec.kind != "proposal":
        return {}
    return {key: bool(form[check_name(key)].data) for key, _label in PP38_CRITERIA}


def allowed_labels(spec: Any) -> str:
    return storage.allowed_labels(attachment_kinds(spec))
